// The stack's settings: one schema, one parser, one typed result.
// Pulumi.yaml's `config:` block is checked against SETTINGS_SCHEMA by a unit test,
// so the defaults and descriptions written there cannot drift from the ones used here.
import { KAFKA_DEFAULT_IMAGE } from "./kafka";
import { daemonIsLocal, defaultSharedDir, processHostFacts, type HostFacts } from "./hostFacts";

export const MYSQL_FLAVORS = ["mysql", "mariadb"] as const;
export type MysqlFlavor = (typeof MYSQL_FLAVORS)[number];

/** Debezium snapshot.mode values offered (3.x binlog connectors); each ends in streaming the binlog. */
export const SNAPSHOT_MODES = ["initial", "always", "when_needed", "no_data", "recovery"] as const;
export type SnapshotMode = (typeof SNAPSHOT_MODES)[number];

export type EnvironmentKind = "persistent" | "ephemeral";

export const PLATFORMS = ["docker", "kubernetes"] as const;
export type Platform = (typeof PLATFORMS)[number];
/** Service types a Kubernetes stack may ask for; ClusterIP keeps everything inside the cluster. */
export const KUBERNETES_SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer"] as const;
export type KubernetesServiceType = (typeof KUBERNETES_SERVICE_TYPES)[number];
/** Stacks named like this are throwaway per-pull-request environments unless configured otherwise. */
export const EPHEMERAL_STACK_NAME = /^pr-\d+$/;

interface IntegerSetting {
    type: "integer";
    default: number;
    min: number;
    max: number;
    description: string;
}
interface StringSetting {
    type: "string";
    default: string;
    description: string;
    /** Values allowed; absent means any non-empty string matching `pattern`. */
    oneOf?: readonly string[];
    pattern?: RegExp;
    patternHelp?: string;
    /** Empty allowed: the parser then falls back to a derived value. */
    optional?: boolean;
}
interface BooleanSetting {
    type: "boolean";
    default: boolean;
    description: string;
}
export type SettingSpec = IntegerSetting | StringSetting | BooleanSetting;

const port = (value: number, description: string): IntegerSetting => ({
    type: "integer",
    default: value,
    min: 1,
    max: 65535,
    description,
});
const memoryMb = (value: number, description: string): IntegerSetting => ({
    type: "integer",
    default: value,
    min: 64,
    max: 65536,
    description: `${description} (MiB, 64-65536)`,
});
const IMAGE_REFERENCE = /^[a-z0-9][a-z0-9._\/:-]*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;
const image = (value: string, description: string): StringSetting => ({
    type: "string",
    default: value,
    description,
    pattern: IMAGE_REFERENCE,
    patternHelp: "an image reference with an explicit tag or digest, e.g. mysql:8.4",
});

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;
/** Connector names and topic names: Kafka's legal topic characters. */
const KAFKA_NAME = /^[A-Za-z0-9._-]{1,200}$/;
/** Debezium include lists: comma-separated names or Java regular expressions, no spaces. */
const INCLUDE_LIST = /^[^,\s]+(,[^,\s]+)*$/;
// Lowercase, so the quoted names the init SQL creates are the names unquoted SQL means too.
const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const PG_SLOT_NAME = /^[a-z0-9_]{1,63}$/;
const SHARED_DIR = /^(auto|(?!.*\/\.\.?(\/|$))(\/[A-Za-z0-9_.@+-]+)+)$/;
const SPARK_USER = /^(auto|image|\d{1,10}:\d{1,10})$/;
/** RFC 1123 label: what Kubernetes allows as a namespace name. */
const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Context names are free text in a kubeconfig; no whitespace or quotes keeps them safe on a command line.
const KUBE_CONTEXT = /^[^\s'"]{1,253}$/;
const STORAGE_CLASS = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export const SETTINGS_SCHEMA = {
    platform: {
        type: "string",
        default: "docker",
        description: "Where the stack runs: docker (one Docker daemon, local or DOCKER_HOST) or kubernetes (a namespace of the cluster kubeContext names)",
        oneOf: PLATFORMS,
    },
    kubeContext: {
        type: "string",
        default: "",
        description: "platform kubernetes: the kubeconfig context of the cluster; empty: the kubeconfig's current context (KUBECONFIG or ~/.kube/config)",
        optional: true,
        pattern: KUBE_CONTEXT,
        patternHelp: "a kubeconfig context name without whitespace or quotes",
    },
    kubernetesNamespace: {
        type: "string",
        default: "",
        description: "platform kubernetes: the environment's namespace, created and labelled by the stack; empty: <project>-<stack>",
        optional: true,
        pattern: DNS_LABEL,
        patternHelp: "lowercase letters, digits and -, starting and ending with a letter or digit, at most 63 characters",
    },
    kubernetesServiceType: {
        type: "string",
        default: "ClusterIP",
        description: "platform kubernetes: type of every Service; ClusterIP exposes nothing outside the cluster (tests outside reach it through kubectl port-forward)",
        oneOf: KUBERNETES_SERVICE_TYPES,
    },
    kubernetesStorageClass: {
        type: "string",
        default: "",
        description: "platform kubernetes: StorageClass of the data volumes' PersistentVolumeClaims; empty: the cluster's default class",
        optional: true,
        pattern: STORAGE_CLASS,
        patternHelp: "a StorageClass name: lowercase letters, digits, - and .",
    },
    bindAddress: {
        type: "string",
        default: "127.0.0.1",
        description: "Host address every published port binds to; 0.0.0.0 exposes the services to the network",
        pattern: IPV4,
        patternHelp: "an IPv4 address such as 127.0.0.1",
    },
    environment: {
        type: "string",
        default: "auto",
        description: "persistent: fixed host ports, data volumes kept on destroy; ephemeral: Docker-assigned host ports, everything removed on destroy; auto: ephemeral for stacks named pr-<N>, else persistent",
        oneOf: ["auto", "persistent", "ephemeral"],
    },
    retainVolumesOnDestroy: {
        type: "string",
        default: "auto",
        description: "Keep the named data volumes when the stack is destroyed; auto: yes for persistent, no for ephemeral environments",
        oneOf: ["auto", "true", "false"],
    },
    sparkImage: image("apache/spark:3.5.8", "Spark image (3.5.x, matching the delta-spark coordinates in configs/spark)"),
    sparkWorkers: {
        type: "integer",
        default: 1,
        min: 0,
        max: 16,
        description: "Number of Spark worker containers (0 runs a master alone, which runs no job)",
    },
    sparkWorkerCores: {
        type: "integer",
        default: 1,
        min: 1,
        max: 64,
        description: "Cores each Spark worker offers to executors",
    },
    sparkWorkerMemoryMb: memoryMb(2048, "Memory each Spark worker offers to executors; its container gets this plus JVM overhead"),
    sparkMasterMemoryMb: memoryMb(1024, "Memory limit of the Spark master container"),
    sparkMasterPort: port(7077, "Host port of the Spark master RPC endpoint (spark://)"),
    sparkUiPort: port(8080, "Host port of the Spark master web UI and /json/ status"),
    alertmanagerImage: image("prom/alertmanager:v0.28.1", "AlertManager image (v0.27 or newer: API v2 only)"),
    alertmanagerPort: port(9093, "Host port of the AlertManager UI and API"),
    alertmanagerMemoryMb: memoryMb(256, "Memory limit of the AlertManager container"),
    mysqlFlavor: {
        type: "string",
        default: "mysql",
        description: "Database server flavor; selects the binlog flags (MariaDB has no GTID mode variables)",
        oneOf: MYSQL_FLAVORS,
    },
    mysqlImage: {
        ...image("", "Database image; empty picks mysql:8.4 or mariadb:11.4 by flavor"),
        optional: true,
    },
    mysqlPort: port(3306, "Host port of the MySQL server"),
    mysqlMemoryMb: memoryMb(1024, "Memory limit of the MySQL container"),
    mysqlServerId: {
        type: "integer",
        default: 184054,
        min: 1,
        max: 4294967295,
        description: "Binlog server_id; unique among servers a Debezium connector sees",
    },
    mysqlBinlogRetentionHours: {
        type: "integer",
        default: 168,
        min: 1,
        max: 8760,
        description: "How long binary logs are kept (binlog_expire_logs_seconds)",
    },
    mysqlDatabase: {
        type: "string",
        default: "cdc_test",
        description: "Test database created for the pipeline",
        pattern: SQL_IDENTIFIER,
        patternHelp: "letters, digits and _, starting with a letter or _, at most 32 characters",
    },
    mysqlCdcUser: {
        type: "string",
        default: "cdc",
        description: "User with Debezium's grants (SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT)",
        pattern: SQL_IDENTIFIER,
        patternHelp: "letters, digits and _, starting with a letter or _, at most 32 characters",
    },
    prometheusEnabled: {
        type: "boolean",
        default: true,
        description: "Run Prometheus, evaluating rules and sending alerts to the stack's AlertManager",
    },
    prometheusImage: image("prom/prometheus:v2.55.1", "Prometheus image (2.x or 3.x)"),
    prometheusPort: port(9090, "Host port of the Prometheus UI and API"),
    prometheusMemoryMb: memoryMb(512, "Memory limit of the Prometheus container"),
    prometheusTestAlert: {
        type: "boolean",
        default: true,
        description: "Load the always-firing test rule (configs/prometheus/rules/test-alert.yml) so the alert path can be checked end to end",
    },
    cdcEnabled: {
        type: "boolean",
        default: true,
        description: "Run the change-data-capture path: Kafka (and Kafka Connect with Debezium); off, none of it is created",
    },
    kafkaImage: image(KAFKA_DEFAULT_IMAGE, "Kafka image (apache/kafka 4.x: KRaft, configured by KAFKA_* variables)"),
    kafkaPort: port(9092, "Host port of Kafka's host listener (bootstrap servers for clients on the host)"),
    kafkaMemoryMb: {
        type: "integer",
        default: 1024,
        min: 384,
        max: 65536,
        description: "Memory limit of the Kafka container; the JVM heap gets half (MiB, 384-65536)",
    },
    readinessTimeoutSeconds: {
        type: "integer",
        default: 300,
        min: 5,
        max: 3600,
        description: "How long each readiness gate waits for its service before failing the update",
    },
    readinessIntervalMs: {
        type: "integer",
        default: 100,
        min: 10,
        max: 60000,
        description: "Pause between readiness probe attempts",
    },
    connectImage: image("quay.io/debezium/connect:3.5.0.Final", "Kafka Connect image with the Debezium connectors (3.5: the newest line with both the MySQL and the MariaDB connector)"),
    connectPort: port(8083, "Host port of the Kafka Connect REST API"),
    connectMemoryMb: {
        type: "integer",
        default: 1024,
        min: 512,
        max: 65536,
        description: "Memory limit of the Kafka Connect container; the JVM heap gets half (MiB, 512-65536)",
    },
    debeziumConnectorName: {
        type: "string",
        default: "cdc-mysql-source",
        description: "Name of the Debezium source connector for the stack's database",
        pattern: KAFKA_NAME,
        patternHelp: "letters, digits, ., _ and -, at most 200 characters",
    },
    debeziumTopicPrefix: {
        type: "string",
        default: "cdc",
        description: "Debezium topic.prefix: change events go to <prefix>.<database>.<table>",
        pattern: KAFKA_NAME,
        patternHelp: "letters, digits, ., _ and -, at most 200 characters",
    },
    debeziumServerId: {
        type: "integer",
        default: 184055,
        min: 1,
        max: 4294967295,
        description: "database.server.id the connector uses as a binlog replica; must differ from mysqlServerId",
    },
    debeziumDatabaseIncludeList: {
        type: "string",
        default: "",
        description: "Debezium database.include.list (comma-separated names or regular expressions); empty captures mysqlDatabase",
        pattern: INCLUDE_LIST,
        patternHelp: "comma-separated database names or regular expressions, e.g. cdc_test,orders_.*",
        optional: true,
    },
    debeziumSnapshotMode: {
        type: "string",
        default: "initial",
        description: "Debezium snapshot.mode; each of these ends in streaming the binlog",
        oneOf: SNAPSHOT_MODES,
    },
    postgresEnabled: {
        type: "boolean",
        default: true,
        description: "Run PostgreSQL as a second CDC source (logical decoding for Debezium's PostgreSQL connector)",
    },
    postgresImage: image("postgres:17", "PostgreSQL image, major version 13 to 17 (18 moved the data directory this stack mounts)"),
    postgresPort: port(5432, "Host port of the PostgreSQL server"),
    postgresMemoryMb: memoryMb(512, "Memory limit of the PostgreSQL container"),
    postgresDatabase: {
        type: "string",
        default: "cdc_test",
        description: "Test database created for the pipeline, with the publication Debezium reads",
        pattern: PG_IDENTIFIER,
        patternHelp: "lowercase letters, digits and _, starting with a letter or _, at most 63 characters",
    },
    postgresCdcUser: {
        type: "string",
        default: "cdc",
        description: "Role with LOGIN and REPLICATION that Debezium and the pipeline's tests connect as",
        pattern: PG_IDENTIFIER,
        patternHelp: "lowercase letters, digits and _, starting with a letter or _, at most 63 characters",
    },
    postgresMaxWalSenders: {
        type: "integer",
        default: 10,
        min: 1,
        max: 1000,
        description: "max_wal_senders: one per streaming Debezium connector",
    },
    postgresMaxReplicationSlots: {
        type: "integer",
        default: 10,
        min: 1,
        max: 1000,
        description: "max_replication_slots: one per Debezium connector, plus one the readiness probe creates and drops",
    },
    postgresConnectorName: {
        type: "string",
        default: "cdc-postgres-source",
        description: "Name of the Debezium PostgreSQL source connector (in the same Kafka Connect cluster as the MySQL one)",
        pattern: KAFKA_NAME,
        patternHelp: "letters, digits, ., _ and -, at most 200 characters",
    },
    postgresTopicPrefix: {
        type: "string",
        default: "cdc-postgres",
        description: "topic.prefix of the PostgreSQL connector: change events go to <prefix>.<schema>.<table>",
        pattern: KAFKA_NAME,
        patternHelp: "letters, digits, ., _ and -, at most 200 characters",
    },
    postgresSlotName: {
        type: "string",
        default: "debezium_cdc",
        description: "Logical replication slot of the PostgreSQL connector (kept across restarts, so streaming resumes)",
        pattern: PG_SLOT_NAME,
        patternHelp: "lowercase letters, digits and _, at most 63 characters",
    },
    sparkSharedDir: {
        type: "string",
        default: "auto",
        description: "Host directory bind-mounted at the same absolute path into every Spark container, so a Spark driver on this host and the executors see the same file: Delta tables; auto: <project dir>/.cdc-shared/<stack> on a local Docker daemon, none on a remote one; empty: no host drivers",
        optional: true,
        pattern: SHARED_DIR,
        patternHelp: "auto, empty, or an absolute path of letters, digits and _ . @ + - (no .. segments, no trailing /)",
    },
    sparkUser: {
        type: "string",
        default: "auto",
        description: "uid:gid the Spark containers run as, so files executors write to the shared directory belong to the user running the tests; auto: the user running the program while the shared directory is on, else the image's user; image: always the image's user",
        pattern: SPARK_USER,
        patternHelp: "auto, image, or <uid>:<gid> as numbers, e.g. 1000:1000",
    },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS_SCHEMA;
/** Secret settings: set with `pulumi config set --secret`; generated when absent. */
export const SECRET_KEYS = ["mysqlRootPassword", "mysqlCdcPassword", "postgresSuperuserPassword", "postgresCdcPassword"] as const;

export const DEFAULT_MYSQL_IMAGES: Record<MysqlFlavor, string> = {
    mysql: "mysql:8.4",
    mariadb: "mariadb:11.4",
};

/** Where a Kubernetes stack lives and how its Services are exposed. */
export interface KubernetesSettings {
    /** Absent: the kubeconfig's current context. */
    context?: string;
    namespace: string;
    serviceType: KubernetesServiceType;
    /** Absent: the cluster's default StorageClass. */
    storageClass?: string;
}

export interface Settings {
    project: string;
    stack: string;
    platform: Platform;
    /** Present exactly when platform is kubernetes. */
    kubernetes?: KubernetesSettings;
    bindAddress: string;
    environment: EnvironmentKind;
    /** false: Docker assigns every published host port (ephemeral environments). */
    fixedHostPorts: boolean;
    retainVolumesOnDestroy: boolean;
    spark: {
        image: string;
        workers: number;
        workerCores: number;
        workerMemoryMb: number;
        masterMemoryMb: number;
        masterPort: number;
        uiPort: number;
        /** Host directory mounted at the same path in every Spark container; absent: no host drivers. */
        sharedDir?: string;
        /** Why host drivers are off although sparkSharedDir asked for auto (a remote daemon). */
        sharedDirOffReason?: string;
        /** `<uid>:<gid>` the Spark containers run as; absent: the image's user. */
        user?: string;
    };
    alertmanager: { image: string; port: number; memoryMb: number };
    prometheus: { enabled: boolean; image: string; port: number; memoryMb: number; testAlert: boolean };
    /** Kafka Connect with Debezium (part of the CDC path). */
    connect: { image: string; port: number; memoryMb: number };
    debezium: { connectorName: string; topicPrefix: string; serverId: number; databaseIncludeList: string; snapshotMode: SnapshotMode };
    mysql: {
        flavor: MysqlFlavor;
        image: string;
        port: number;
        memoryMb: number;
        serverId: number;
        binlogRetentionHours: number;
        database: string;
        cdcUser: string;
    };
    readiness: { timeoutSeconds: number; intervalMs: number };
    /** The change-data-capture path (Kafka, Connect); nothing of it exists when false. */
    cdcEnabled: boolean;
    kafka: { image: string; port: number; memoryMb: number };
    postgres: {
        enabled: boolean;
        image: string;
        port: number;
        memoryMb: number;
        database: string;
        cdcUser: string;
        maxWalSenders: number;
        maxReplicationSlots: number;
        connectorName: string;
        topicPrefix: string;
        slotName: string;
    };
}

export class SettingsError extends Error {
    constructor(public readonly problems: string[]) {
        super(`Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
            problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "SettingsError";
    }
}

// Docker object names carry project and stack; Docker allows [a-zA-Z0-9][a-zA-Z0-9_.-]*.
const DOCKER_NAME_PART = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

type Raw = Partial<Record<string, string | undefined>>;
type Parsed = { [K in SettingKey]: (typeof SETTINGS_SCHEMA)[K]["default"] extends number ? number
    : (typeof SETTINGS_SCHEMA)[K]["default"] extends boolean ? boolean : string };

function parseOne(key: SettingKey, spec: SettingSpec, raw: string | undefined, problems: string[]): unknown {
    const value = raw === undefined ? undefined : raw.trim();
    if (value === undefined || (value === "" && spec.type !== "string")) return spec.default;
    const bad = (allowed: string) => {
        problems.push(`${key} = ${JSON.stringify(raw)}: expected ${allowed}`);
        return spec.default;
    };
    switch (spec.type) {
        case "integer": {
            const allowed = `an integer from ${spec.min} to ${spec.max}`;
            if (!/^-?\d+$/.test(value)) return bad(allowed);
            const n = Number(value);
            return n < spec.min || n > spec.max ? bad(allowed) : n;
        }
        case "boolean":
            if (value === "true" || value === "false") return value === "true";
            return bad("true or false");
        case "string":
            if (value === "") return spec.optional ? "" : bad(spec.oneOf ? `one of ${spec.oneOf.join(", ")}` : `a non-empty value: ${spec.patternHelp ?? "text"}`);
            if (spec.oneOf && !spec.oneOf.includes(value)) return bad(`one of ${spec.oneOf.join(", ")}`);
            if (spec.pattern && !spec.pattern.test(value)) return bad(spec.patternHelp ?? `a value matching ${spec.pattern}`);
            if (spec.pattern === IMAGE_REFERENCE && value.endsWith(":latest")) return bad(`${spec.patternHelp}; "latest" is not a pin`);
            return value;
    }
}

/**
 * Validates raw config strings (keys without the project prefix) into Settings.
 * Every problem is collected, so one run reports all bad keys at once.
 */
export function parseSettings(raw: Raw, project: string, stack: string, host: HostFacts = processHostFacts()): Settings {
    const problems: string[] = [];
    for (const [label, value] of [["project name", project], ["stack name", stack]] as const) {
        if (!DOCKER_NAME_PART.test(value)) problems.push(`${label} ${JSON.stringify(value)}: expected letters, digits, _, . or -, starting with a letter or digit (it is part of every Docker object name)`);
    }
    const known = new Set<string>([...Object.keys(SETTINGS_SCHEMA), ...SECRET_KEYS]);
    for (const key of Object.keys(raw)) {
        if (!known.has(key)) problems.push(`${key}: unknown setting; known settings are ${[...known].sort().join(", ")}`);
    }
    const v = {} as Record<SettingKey, unknown>;
    for (const key of Object.keys(SETTINGS_SCHEMA) as SettingKey[]) {
        v[key] = parseOne(key, SETTINGS_SCHEMA[key], raw[key], problems);
    }
    const p = v as Parsed;
    // A binlog replica with the server's own id is refused by the server (or evicts another replica).
    if (p.debeziumServerId === p.mysqlServerId) {
        problems.push(`debeziumServerId = ${p.debeziumServerId}: expected an id different from mysqlServerId (${p.mysqlServerId}); the connector joins the server as a replica`);
    }
    problems.push(...postgresProblems(p));
    const platform = p.platform as Platform;
    const hostDrivers = platform === "kubernetes"
        ? kubernetesHostDrivers(raw, p, problems)
        : resolveHostDrivers(p.sparkSharedDir, p.sparkUser, stack, host, problems);
    if (platform === "docker") problems.push(...dockerPlatformProblems(raw));
    if (problems.length > 0) throw new SettingsError(problems);
    const flavor = p.mysqlFlavor as MysqlFlavor;
    const environment: EnvironmentKind = p.environment === "auto"
        ? (EPHEMERAL_STACK_NAME.test(stack) ? "ephemeral" : "persistent")
        : p.environment as EnvironmentKind;
    return {
        project,
        stack,
        platform,
        ...(platform === "kubernetes" ? {
            kubernetes: {
                ...(p.kubeContext ? { context: p.kubeContext } : {}),
                namespace: p.kubernetesNamespace || defaultNamespace(project, stack),
                serviceType: p.kubernetesServiceType as KubernetesServiceType,
                ...(p.kubernetesStorageClass ? { storageClass: p.kubernetesStorageClass } : {}),
            },
        } : {}),
        bindAddress: p.bindAddress,
        environment,
        fixedHostPorts: environment === "persistent",
        retainVolumesOnDestroy: p.retainVolumesOnDestroy === "auto" ? environment === "persistent" : p.retainVolumesOnDestroy === "true",
        spark: {
            image: p.sparkImage,
            workers: p.sparkWorkers,
            workerCores: p.sparkWorkerCores,
            workerMemoryMb: p.sparkWorkerMemoryMb,
            masterMemoryMb: p.sparkMasterMemoryMb,
            masterPort: p.sparkMasterPort,
            uiPort: p.sparkUiPort,
            ...hostDrivers,
        },
        alertmanager: { image: p.alertmanagerImage, port: p.alertmanagerPort, memoryMb: p.alertmanagerMemoryMb },
        prometheus: {
            enabled: p.prometheusEnabled, image: p.prometheusImage, port: p.prometheusPort,
            memoryMb: p.prometheusMemoryMb, testAlert: p.prometheusTestAlert,
        },
        connect: { image: p.connectImage, port: p.connectPort, memoryMb: p.connectMemoryMb },
        debezium: {
            connectorName: p.debeziumConnectorName,
            topicPrefix: p.debeziumTopicPrefix,
            serverId: p.debeziumServerId,
            databaseIncludeList: p.debeziumDatabaseIncludeList || p.mysqlDatabase,
            snapshotMode: p.debeziumSnapshotMode as SnapshotMode,
        },
        mysql: {
            flavor,
            image: p.mysqlImage || DEFAULT_MYSQL_IMAGES[flavor],
            port: p.mysqlPort,
            memoryMb: p.mysqlMemoryMb,
            serverId: p.mysqlServerId,
            binlogRetentionHours: p.mysqlBinlogRetentionHours,
            database: p.mysqlDatabase,
            cdcUser: p.mysqlCdcUser,
        },
        readiness: { timeoutSeconds: p.readinessTimeoutSeconds, intervalMs: p.readinessIntervalMs },
        cdcEnabled: p.cdcEnabled,
        kafka: { image: p.kafkaImage, port: p.kafkaPort, memoryMb: p.kafkaMemoryMb },
        postgres: {
            enabled: p.postgresEnabled,
            image: p.postgresImage,
            port: p.postgresPort,
            memoryMb: p.postgresMemoryMb,
            database: p.postgresDatabase,
            cdcUser: p.postgresCdcUser,
            maxWalSenders: p.postgresMaxWalSenders,
            maxReplicationSlots: p.postgresMaxReplicationSlots,
            connectorName: p.postgresConnectorName,
            topicPrefix: p.postgresTopicPrefix,
            slotName: p.postgresSlotName,
        },
    };
}

/** Checks across PostgreSQL settings that the per-key schema cannot express. */
function postgresProblems(p: Parsed): string[] {
    const problems: string[] = [];
    // The official image's tags start with the major version (17, 17.6, 17-bookworm); other images are not judged.
    const major = /^(?:.*\/)?postgres:(\d+)/.exec(p.postgresImage)?.[1];
    if (major !== undefined && (Number(major) < 13 || Number(major) > 17)) {
        problems.push(`postgresImage = ${JSON.stringify(p.postgresImage)}: expected PostgreSQL 13 to 17 (18 and later keep data under /var/lib/postgresql/<major>/docker, not the /var/lib/postgresql/data this stack mounts)`);
    }
    const user = p.postgresCdcUser;
    if (user === "postgres" || user === "public" || user.startsWith("pg_")) {
        problems.push(`postgresCdcUser = ${JSON.stringify(user)}: expected a name other than postgres (the superuser) or public, not starting with pg_ (reserved)`);
    }
    // Both connectors live in one Connect cluster: one name would make each registration replace the other.
    if (p.postgresConnectorName === p.debeziumConnectorName) {
        problems.push(`postgresConnectorName = ${JSON.stringify(p.postgresConnectorName)}: expected a name different from debeziumConnectorName (the MySQL connector in the same Connect cluster)`);
    }
    return problems;
}

/** `<project>-<stack>` as a namespace name: lowercase, other characters as -, at most 63. */
export function defaultNamespace(project: string, stack: string): string {
    return `${project}-${stack}`.toLowerCase().replace(/[^a-z0-9-]+/g, "-").slice(0, 63).replace(/^-+|-+$/g, "");
}

const KUBERNETES_KEYS = ["kubeContext", "kubernetesNamespace", "kubernetesServiceType", "kubernetesStorageClass"] as const;

/** Kubernetes settings on a Docker stack are a mistake (a forgotten `platform`), not something to ignore. */
function dockerPlatformProblems(raw: Raw): string[] {
    return KUBERNETES_KEYS.filter((key) => raw[key] !== undefined && raw[key]!.trim() !== "")
        .map((key) => `${key} = ${JSON.stringify(raw[key])}: applies to platform kubernetes only; set platform to kubernetes or remove ${key}`);
}

/**
 * Host drivers need a directory the driver's machine and every executor share at one path: nodes of
 * a cluster share none. `auto` switches them off; an explicit path, or a host address to bind, is refused.
 */
function kubernetesHostDrivers(raw: Raw, p: Parsed, problems: string[]): Pick<Settings["spark"], "sharedDirOffReason" | "user"> {
    if (p.sparkSharedDir !== "auto" && p.sparkSharedDir !== "") {
        problems.push(`sparkSharedDir = ${JSON.stringify(p.sparkSharedDir)}: platform kubernetes has no directory shared between this machine and the cluster's nodes, so a driver here and the executors cannot see the same file: tables. ` +
            "Set sparkSharedDir to auto or \"\" and run drivers inside the namespace (spark://spark-master:7077), with Delta tables on the Spark data volume or an object store");
    }
    if (raw.bindAddress !== undefined && p.bindAddress !== SETTINGS_SCHEMA.bindAddress.default) {
        problems.push(`bindAddress = ${JSON.stringify(raw.bindAddress)}: platform kubernetes publishes no host ports; Services are ${p.kubernetesServiceType} (kubernetesServiceType), and tests outside the cluster use kubectl port-forward`);
    }
    const result: Pick<Settings["spark"], "sharedDirOffReason" | "user"> = {};
    if (p.sparkSharedDir === "auto") result.sharedDirOffReason = "platform kubernetes: the cluster's nodes share no directory with this machine; run drivers inside the namespace (spark://spark-master:7077)";
    // An explicit uid:gid still applies (the pods' runAsUser); auto and image mean the image's user.
    if (/^\d+:\d+$/.test(p.sparkUser)) result.user = p.sparkUser;
    return result;
}

/**
 * The shared directory and the Spark containers' user. A bind mount names a path on the daemon's
 * machine: with a remote daemon, `auto` switches host drivers off and an explicit path is refused.
 */
function resolveHostDrivers(sharedDir: string, user: string, stack: string, host: HostFacts, problems: string[]):
    Pick<Settings["spark"], "sharedDir" | "sharedDirOffReason" | "user"> {
    const local = daemonIsLocal(host.dockerHost?.value);
    const daemon = host.dockerHost ? `${host.dockerHost.source}=${host.dockerHost.value}` : "the local socket";
    const result: Pick<Settings["spark"], "sharedDir" | "sharedDirOffReason" | "user"> = {};
    if (sharedDir === "auto") {
        if (local) result.sharedDir = defaultSharedDir(host.projectRoot, stack);
        else result.sharedDirOffReason = `the Docker daemon (${daemon}) is on another machine, so no host directory can be shared with the Spark containers: drivers on this machine cannot use file: Delta paths; run drivers inside the stack network (spark://spark-master:7077)`;
    } else if (sharedDir !== "") {
        if (local) result.sharedDir = sharedDir;
        else problems.push(`sparkSharedDir = ${JSON.stringify(sharedDir)}: the Docker daemon (${daemon}) is on another machine, where a bind mount of this path would name that machine's directory, not this one's, so a driver here and the executors would write different files. ` +
            "Set sparkSharedDir to auto or \"\" (no host drivers; run drivers inside the stack network, spark://spark-master:7077), or use a Docker daemon on this machine");
    }
    if (/^\d+:\d+$/.test(user)) {
        const ids = user.split(":").map(Number);
        if (ids.some((id) => id > 4294967294)) problems.push(`sparkUser = ${JSON.stringify(user)}: expected <uid>:<gid> with each at most 4294967294`);
        else result.user = user;
    } else if (user === "auto" && result.sharedDir !== undefined) {
        if (host.uid === undefined || host.gid === undefined) {
            problems.push(`sparkUser = "auto": this platform reports no uid/gid for the user running the program; set sparkUser to <uid>:<gid> (the owner of the files executors write to ${result.sharedDir}) or image`);
        } else {
            result.user = `${host.uid}:${host.gid}`;
        }
    }
    return result;
}
