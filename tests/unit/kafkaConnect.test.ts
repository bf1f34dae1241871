// KafkaConnect and DebeziumConnector against the mocked engine: the worker container, its gate, the
// connector's registration command, secret handling and what the connector waits for.
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Placement } from "../../components/dockerHelpers";
import { DebeziumConnector } from "../../components/debeziumConnector";
import { KafkaConnect } from "../../components/kafkaConnect";
import { binlogConnector, binlogPasswordFile, BINLOG_CONNECTOR_CLASSES, MYSQL_PASSWORD_FILE, type ConnectorSpec } from "../../lib/debezium";
import { KAFKA_INTERNAL_BOOTSTRAP, KAFKA_JVM_PERFORMANCE_OPTS } from "../../lib/kafka";
import { FILE_CONFIG_PROVIDER_CLASS, KAFKA_CONNECT } from "../../lib/kafkaConnect";
import { MYSQL } from "../../lib/mysql";
import { CONNECTOR_REDACT_ENV, parseProbeArgv } from "../../lib/probes";
import { parseSettings } from "../../lib/settings";
import { byName, COMMAND, dependenciesOf, IMAGE, isSecret, isSecretValue, registered, reveal, settle, useMocks, valueOf } from "./harness";

useMocks({ stack: "dev" });

const PASSWORD = "s3cret-cdc-pw";
const defaults = parseSettings({}, "cdc-test-infra", "dev");
const readiness = { timeoutSeconds: 120, intervalMs: 100 };
const dependsOn = new Map<string, string[]>();

function placement(stack: string, fixedHostPorts: boolean): Placement {
    return { project: "cdc-test-infra", stack, networkName: "net", bindAddress: "127.0.0.1", fixedHostPorts, retainVolumesOnDestroy: fixedHostPorts };
}

function connectorSpec(snapshotMode: "initial" | "when_needed"): pulumi.Output<ConnectorSpec> {
    // The Kafka bootstrap arrives as an Output (the broker's gated internal address).
    return pulumi.output("kafka:9092").apply((kafkaBootstrapServers) => binlogConnector({
        flavor: "mariadb", name: defaults.debezium.connectorName, hostname: MYSQL.alias, port: MYSQL.port, user: "cdc",
        passwordFile: MYSQL_PASSWORD_FILE, serverId: defaults.debezium.serverId, topicPrefix: defaults.debezium.topicPrefix,
        databaseIncludeList: defaults.debezium.databaseIncludeList, snapshotMode, kafkaBootstrapServers,
    }));
}

/** The CDC part of a stack: stand-ins for the database and Kafka gates, the worker, the connector. */
function build(prefix: string, p: Placement, snapshotMode: "initial" | "when_needed") {
    const password = pulumi.secret(PASSWORD);
    const dbGate = new command.local.Command(`${prefix}-db-gate`, { create: "true" });
    const kafkaGate = new command.local.Command(`${prefix}-kafka-gate`, { create: "true" });
    const connect = new KafkaConnect(`${prefix}-connect`, {
        placement: p, image: defaults.connect.image, hostPort: defaults.connect.port, memoryMb: defaults.connect.memoryMb,
        kafkaBootstrap: KAFKA_INTERNAL_BOOTSTRAP, kafkaContainer: new docker.Container(`${prefix}-kafka-server`, { image: "kafka" }),
        secretFiles: [{ path: MYSQL_PASSWORD_FILE, content: password.apply((pw) => binlogPasswordFile(MYSQL_PASSWORD_FILE, pw).content) }],
        connectorClasses: [BINLOG_CONNECTOR_CLASSES.mariadb], readiness,
    });
    const connector = new DebeziumConnector(`${prefix}-mysql-connector`, {
        connect, spec: connectorSpec(snapshotMode), readyFirst: [dbGate, kafkaGate], redact: [password], readiness,
    });
    return { connect, connector };
}

let dev: ReturnType<typeof build>;
beforeAll(async () => {
    await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation((args) => {
            const deps = args.opts.dependsOn;
            const list = (deps === undefined ? [] : Array.isArray(deps) ? deps : [deps]) as pulumi.Resource[];
            dependsOn.set(args.name, list.map((r) => (r as any).__name as string));
            return undefined;
        });
        dev = build("dev", placement("dev", true), "initial");
        build("alt", placement("dev", true), "when_needed");
        build("pr", placement("pr-7", false), "initial");
        return undefined;
    });
    await settle();
});

const worker = (prefix = "dev") => byName(`${prefix}-connect-worker`).inputs;
const register = (prefix = "dev") => byName(`${prefix}-mysql-connector-register`).inputs;

test("the worker runs the pinned Debezium 3.5 image, referenced by image id", () => {
    expect(defaults.connect.image).toBe("quay.io/debezium/connect:3.5.0.Final");
    expect(byName("dev-connect-image").inputs).toMatchObject({ name: defaults.connect.image, keepLocally: true });
    expect(byName("dev-connect-image").type).toBe(IMAGE);
    expect(worker().image).toBe("sha256:dev-connect-image");
});

test("memory limit without swap; the JVM heap is half of it", () => {
    expect(worker()).toMatchObject({ memory: defaults.connect.memoryMb, memorySwap: defaults.connect.memoryMb });
    expect(worker().envs).toContain(`HEAP_OPTS=-Xms128m -Xmx${defaults.connect.memoryMb / 2}m`);
});

test("REST port 8083 published on loopback: fixed in persistent stacks, Docker-assigned in ephemeral ones", async () => {
    expect(worker().ports).toEqual([{ internal: KAFKA_CONNECT.restPort, external: defaults.connect.port, ip: "127.0.0.1" }]);
    expect(worker("pr").ports).toEqual([{ internal: KAFKA_CONNECT.restPort, ip: "127.0.0.1" }]);
    const assigned = byName("pr-connect-worker").state.ports[0].external;
    expect(byName("pr-connect-ready-probe").inputs.create).toContain(`connect --url http://127.0.0.1:${assigned} --plugin ${BINLOG_CONNECTOR_CLASSES.mariadb}`);
    expect(register("pr").create).toContain(`--url http://127.0.0.1:${assigned} --name ${defaults.debezium.connectorName}`);
});

test("internal topics on the stack's Kafka (internal listener), one replica each; file config provider on", () => {
    const env = worker().envs as string[];
    expect(env).toEqual(expect.arrayContaining([
        "BOOTSTRAP_SERVERS=kafka:9092", `GROUP_ID=${KAFKA_CONNECT.groupId}`,
        `CONFIG_STORAGE_TOPIC=${KAFKA_CONNECT.configTopic}`, `OFFSET_STORAGE_TOPIC=${KAFKA_CONNECT.offsetTopic}`, `STATUS_STORAGE_TOPIC=${KAFKA_CONNECT.statusTopic}`,
        "CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=1", "CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR=1", "CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=1",
        "CONNECT_CONFIG_PROVIDERS=file", `CONNECT_CONFIG_PROVIDERS_FILE_CLASS=${FILE_CONFIG_PROVIDER_CLASS}`,
        `OFFSET_FLUSH_INTERVAL_MS=${KAFKA_CONNECT.offsetFlushIntervalMs}`,
    ]));
    // The entrypoint overwrites CONNECT_BOOTSTRAP_SERVERS etc. from its own variables: never set those directly.
    expect(env.filter((e) => /^CONNECT_(BOOTSTRAP_SERVERS|GROUP_ID|CONFIG_STORAGE_TOPIC|OFFSET_STORAGE_TOPIC|STATUS_STORAGE_TOPIC)=/.test(e))).toEqual([]);
    expect(worker().networksAdvanced).toEqual([{ name: "net", aliases: [KAFKA_CONNECT.alias] }]);
});

test("the worker starts alongside Kafka: it waits for the broker as long as the gates wait, and starts with the test JVM flags", () => {
    const env = worker().envs as string[];
    expect(env).toEqual(expect.arrayContaining([
        `CONNECT_DEFAULT_API_TIMEOUT_MS=${readiness.timeoutSeconds * 1000}`, "CONNECT_PLUGIN_DISCOVERY=service_load", `KAFKA_JVM_PERFORMANCE_OPTS=${KAFKA_JVM_PERFORMANCE_OPTS}`,
    ]));
});

test("the password is only in the secret upload; the connector config and the gate's command line hold a file reference", async () => {
    // The secret content makes the whole uploads input secret in state.
    expect(isSecretValue(worker().uploads)).toBe(true);
    expect(reveal(worker().uploads)).toEqual([{ file: MYSQL_PASSWORD_FILE, content: `password=${PASSWORD}\n`, permissions: "0444" }]);
    const others = registered.filter((r) => r.name !== "dev-connect-worker" && r.name !== "alt-connect-worker" && r.name !== "pr-connect-worker");
    for (const r of others) {
        for (const [key, value] of Object.entries(r.inputs)) {
            if (JSON.stringify(reveal(value)).includes(PASSWORD)) expect({ resource: r.name, key, secret: isSecretValue(value) }).toEqual({ resource: r.name, key: "environment", secret: true });
        }
    }
    const { request } = parseProbeArgv(register().create.split(" ").slice(2).map((w: string) => w.replace(/^'|'$/g, "")));
    expect(request).toMatchObject({ service: "connector", name: defaults.debezium.connectorName });
    const config = (request as { config: Record<string, string> }).config;
    expect(config["database.password"]).toBe(`\${file:${MYSQL_PASSWORD_FILE}:password}`);
    expect(config).toMatchObject({
        "connector.class": BINLOG_CONNECTOR_CLASSES.mariadb, "database.hostname": MYSQL.alias, "database.port": String(MYSQL.port),
        "database.server.id": String(defaults.debezium.serverId), "topic.prefix": defaults.debezium.topicPrefix,
        "database.include.list": defaults.mysql.database, "snapshot.mode": "initial",
        "schema.history.internal.kafka.bootstrap.servers": "kafka:9092",
    });
    expect(isSecretValue(register().environment)).toBe(true);
    expect(reveal(register().environment)).toEqual({ [CONNECTOR_REDACT_ENV]: PASSWORD });
});

test("the connector waits for the database gate, the Kafka gate and the Connect gate, and nothing else", () => {
    expect(dependsOn.get("dev-mysql-connector-register")).toEqual(["dev-db-gate", "dev-kafka-gate", "dev-connect-ready"]);
    // The worker itself waits for neither gate: only for the broker's container, whose name it dials.
    expect(dependsOn.get("dev-connect-worker")).toEqual(["dev-kafka-server"]);
});

test("outputs are released by the gates: the REST URL by the Connect gate, name and prefix by the connector gate", async () => {
    expect(await valueOf(dev.connect.url)).toBe(`http://127.0.0.1:${defaults.connect.port}`);
    expect((await dependenciesOf(dev.connect.url)).map((r) => (r as any).__name)).toContain("dev-connect-ready-probe");
    expect(await valueOf(dev.connector.name)).toBe(defaults.debezium.connectorName);
    expect(await valueOf(dev.connector.topicPrefix)).toBe(defaults.debezium.topicPrefix);
    for (const o of [dev.connector.name, dev.connector.topicPrefix]) {
        expect((await dependenciesOf(o)).map((r) => (r as any).__name)).toContain("dev-mysql-connector-register");
        expect(await isSecret(o)).toBe(false);
    }
});

test("a connector config change is an update of the registration command, never a change to the worker container", () => {
    // Same stack, different snapshot.mode: the worker's inputs are identical (only the pulled image's mock id differs).
    const { image: _a, ...devWorker } = worker("dev");
    const { image: _b, ...altWorker } = worker("alt");
    expect(altWorker).toEqual(devWorker);
    expect(register("alt").create).not.toEqual(register("dev").create);
    expect(register("alt").create).toContain("when_needed");
    // The registration re-runs the same PUT on update; only a replaced worker (new id) replaces it.
    expect(register().update).toEqual(register().create);
    expect(register().triggers).toEqual(["dev-connect-worker-id"]);
    expect(byName("dev-mysql-connector-register").type).toBe(COMMAND);
});
