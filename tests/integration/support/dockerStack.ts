// The stack's services as real containers on a real Docker network, built from the program's own facts
// (lib/): Kafka with its three listeners (the SHARED one advertised on the network's gateway), MariaDB and
// PostgreSQL published on loopback and on the gateway, Kafka Connect with the Debezium plugins, and the
// Spark master and worker run as the stack runs them (user, group, uploads, the same-path bind of the
// shared directory, host.docker.internal -> host-gateway). The images are the local Debian ones
// (scripts/images/build.sh); Kafka and Connect run the Maven jars (scripts/fetch-jars.sh) bind-mounted.
import * as fs from "fs";
import * as path from "path";
import { KAFKA, KAFKA_INTERNAL_BOOTSTRAP, KAFKA_JVM_PERFORMANCE_OPTS, kafkaEnv, kafkaServerProperties } from "../../../lib/kafka";
import { connectHeapMb, connectHeapOptions, connectWorkerProperties, KAFKA_CONNECT, propertiesFile } from "../../../lib/kafkaConnect";
import { binlogFlags, cdcInitSql, MYSQL, MYSQL_CNF_FILE, type CdcAccount } from "../../../lib/mysql";
import { logicalDecodingFlags, POSTGRES, postgresDatabaseSql, postgresRolesSql, type PostgresCdcAccount } from "../../../lib/postgres";
import { SPARK, SPARK_DEFAULTS_FILE, sparkDaemonEnv, sparkMasterCommand, sparkMasterUrl, sparkUserScript, sparkWorkerCommand, withSparkUser } from "../../../lib/spark";
import { BASE_IMAGE, docker, publishedPort, runContainer, SPARK_IMAGE, type DockerNetwork, type TestRun } from "./docker";
import { PLUGIN_DIR } from "./cdc";
import { KAFKA_JARS_DIR } from "./kafka";
import { freePort, LOOPBACK, waitFor } from "./processes";
import { PROJECT_ROOT } from "./tools";

const LOG4J2_CONFIG = path.join(PROJECT_ROOT, "tests", "integration", "kafka", "log4j2.properties");
const JARS_IN_CONTAINER = "/opt/kafka-jars";
const PLUGINS_IN_CONTAINER = "/opt/connect-plugins";
const LOG4J2_IN_CONTAINER = "/opt/kafka-log4j2.properties";

export interface Placed {
    run: TestRun;
    network: DockerNetwork;
}

export interface KafkaContainer {
    name: string;
    hostBootstrap: string;
    sharedBootstrap: string;
    internalBootstrap: string;
}

/** Kafka as the stack's persistent container: the component's KAFKA_* environment, the image's start step, three listeners. */
export async function startKafkaContainer(s: Placed): Promise<KafkaContainer> {
    // The stack uses its configured port on the gateway; here a port free on loopback, whatever this machine runs.
    const [hostPort, sharedPort] = [await freePort(), await freePort()];
    const internalAdvertised = KAFKA_INTERNAL_BOOTSTRAP;
    const props = kafkaServerProperties({
        bindHost: "0.0.0.0", internalPort: KAFKA.ports.internal, hostPort: KAFKA.ports.host, controllerPort: KAFKA.ports.controller,
        internalAdvertised, hostAdvertised: `${LOOPBACK}:${hostPort}`,
        shared: { port: KAFKA.ports.shared, advertised: `${s.network.gateway}:${sharedPort}` },
        logDir: "/tmp/kafka/data",
    });
    const name = s.run.name("kafka");
    const java = `java -Dlog4j2.configurationFile=${LOG4J2_IN_CONTAINER} -cp '${JARS_IN_CONTAINER}/*'`;
    await runContainer({
        name, image: BASE_IMAGE, network: s.network.name, aliases: [KAFKA.alias], hostname: KAFKA.alias, labels: s.run.labels,
        envs: kafkaEnv(props, 768),
        // The image's start step (KAFKA_* -> server.properties, storage format), then the broker.
        command: ["bash", "-c", "set -e; mkdir -p /tmp/kafka/defaults /tmp/kafka/mounted /tmp/kafka/config; " +
            `${java} kafka.docker.KafkaDockerWrapper setup --default-configs-dir /tmp/kafka/defaults --mounted-configs-dir /tmp/kafka/mounted --final-configs-dir /tmp/kafka/config; ` +
            `exec ${java} $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS kafka.Kafka /tmp/kafka/config/server.properties`],
        binds: [{ source: KAFKA_JARS_DIR, target: JARS_IN_CONTAINER, readOnly: true }, { source: LOG4J2_CONFIG, target: LOG4J2_IN_CONTAINER, readOnly: true }],
        ports: [{ internal: KAFKA.ports.host, external: hostPort, ip: LOOPBACK }, { internal: KAFKA.ports.shared, external: sharedPort, ip: s.network.gateway }],
        memoryMb: 768,
    });
    return { name, hostBootstrap: `${LOOPBACK}:${hostPort}`, sharedBootstrap: `${s.network.gateway}:${sharedPort}`, internalBootstrap: internalAdvertised };
}

export interface DatabaseContainer {
    name: string;
    port: number;
    sharedHost: string;
    sharedPort: number;
}

/** MariaDB with the component's binlog flags and the project's cnf; the CDC init SQL at start (init file). */
export async function startMariadbContainer(s: Placed, account: CdcAccount, serverId: number): Promise<DatabaseContainer> {
    const sharedPort = await freePort();
    const name = s.run.name("mysql");
    await runContainer({
        name, image: BASE_IMAGE, network: s.network.name, aliases: [MYSQL.alias], hostname: MYSQL.alias, labels: s.run.labels,
        command: ["bash", "-c", "set -e; mariadb-install-db --defaults-file=/run/cdc/my.cnf --datadir=/tmp/mysql --auth-root-authentication-method=normal --skip-test-db --user=mysql >/dev/null; " +
            `exec mariadbd --defaults-file=/run/cdc/my.cnf --user=mysql --datadir=/tmp/mysql --socket=/tmp/mysql/mysqld.sock --bind-address=0.0.0.0 --port=${MYSQL.port} --init-file=/run/cdc/init.sql ` +
            binlogFlags("mariadb", { serverId, retentionHours: 24 }).join(" ")],
        uploads: [
            { path: "/run/cdc/my.cnf", content: fs.readFileSync(MYSQL_CNF_FILE, "utf8") },
            { path: "/run/cdc/init.sql", content: cdcInitSql(account), mode: 0o444 },
        ],
        ports: [{ internal: MYSQL.port, ip: LOOPBACK }, { internal: MYSQL.port, external: sharedPort, ip: s.network.gateway }],
        memoryMb: 768,
    });
    return { name, port: await publishedPort(name, MYSQL.port, LOOPBACK), sharedHost: s.network.gateway, sharedPort };
}

/** PostgreSQL (Debian's, in the base image) with the component's logical decoding flags, roles and database SQL. */
export async function startPostgresContainer(s: Placed, account: PostgresCdcAccount, superuserPassword: string): Promise<DatabaseContainer> {
    const sharedPort = await freePort();
    const name = s.run.name("postgres");
    const asPostgres = "setpriv --reuid=postgres --regid=postgres --init-groups";
    const bin = "$(ls -d /usr/lib/postgresql/*/bin | tail -1)";
    await runContainer({
        name, image: BASE_IMAGE, network: s.network.name, aliases: [POSTGRES.alias], hostname: POSTGRES.alias, labels: s.run.labels,
        command: ["bash", "-c", `set -e; bin=${bin}; mkdir -p /tmp/pg && chown postgres /tmp/pg; ` +
            `${asPostgres} "$bin/initdb" -D /tmp/pg/data --auth-local=trust --auth-host=scram-sha-256 -U postgres >/dev/null; ` +
            "echo 'host all all 0.0.0.0/0 scram-sha-256' >> /tmp/pg/data/pg_hba.conf; " +
            `exec ${asPostgres} "$bin/postgres" -D /tmp/pg/data -c listen_addresses='*' -c unix_socket_directories=/tmp/pg "$@"`,
        "postgres", ...logicalDecodingFlags({ maxWalSenders: 4, maxReplicationSlots: 4 })],
        ports: [{ internal: POSTGRES.port, ip: LOOPBACK }, { internal: POSTGRES.port, external: sharedPort, ip: s.network.gateway }],
        memoryMb: 512,
    });
    const psql = (database: string, sql: string) => docker(["exec", "-i", name, "setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups",
        "psql", "-h", "/tmp/pg", "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-q"], { input: sql, allowFailure: true });
    await waitFor("postgres in its container to accept connections", async () => ((await psql("postgres", "SELECT 1;")).code === 0 ? true : undefined), 60_000, 250);
    for (const [database, sql] of [
        ["postgres", `CREATE DATABASE "${account.database}";\n${postgresRolesSql({ ...account, superuserPassword })}`],
        [account.database, postgresDatabaseSql(account)],
    ] as const) {
        const r = await psql(database, sql);
        if (r.code !== 0) throw new Error(`psql in ${name} failed (${r.code}): ${r.stderr}`);
    }
    return { name, port: await publishedPort(name, POSTGRES.port, LOOPBACK), sharedHost: s.network.gateway, sharedPort };
}

export interface ConnectContainer {
    name: string;
    url: string;
}

/**
 * Kafka Connect with the component's worker properties on `kafka:9092`, the Debezium plugins, and secret
 * files; like the stack's, it may start before the broker answers and waits for it.
 */
export async function startConnectContainer(s: Placed, secretFiles: { path: string; content: string }[]): Promise<ConnectContainer> {
    const name = s.run.name("connect");
    const properties = {
        ...connectWorkerProperties({ bootstrapServers: KAFKA_INTERNAL_BOOTSTRAP, brokerWaitMs: 180_000 }),
        listeners: `http://0.0.0.0:${KAFKA_CONNECT.restPort}`,
        "plugin.path": PLUGINS_IN_CONTAINER,
    };
    await runContainer({
        name, image: BASE_IMAGE, network: s.network.name, aliases: ["connect"], hostname: "connect", labels: s.run.labels,
        // The heap and JVM flags the component's environment gives the image's kafka-run-class.sh.
        command: ["bash", "-c", `exec java ${connectHeapOptions(connectHeapMb(1024))} ${KAFKA_JVM_PERFORMANCE_OPTS} -Dlog4j2.configurationFile=${LOG4J2_IN_CONTAINER} -cp '${JARS_IN_CONTAINER}/*' ` +
            "org.apache.kafka.connect.cli.ConnectDistributed /run/cdc/connect-distributed.properties"],
        uploads: [
            { path: "/run/cdc/connect-distributed.properties", content: propertiesFile(properties) },
            ...secretFiles.map((f) => ({ path: f.path, content: f.content, mode: 0o444 })),
        ],
        binds: [
            { source: KAFKA_JARS_DIR, target: JARS_IN_CONTAINER, readOnly: true },
            { source: PLUGIN_DIR, target: PLUGINS_IN_CONTAINER, readOnly: true },
            { source: LOG4J2_CONFIG, target: LOG4J2_IN_CONTAINER, readOnly: true },
        ],
        ports: [{ internal: KAFKA_CONNECT.restPort, ip: LOOPBACK }],
        memoryMb: 1024,
    });
    return { name, url: `http://${LOOPBACK}:${await publishedPort(name, KAFKA_CONNECT.restPort, LOOPBACK)}` };
}

export interface SparkContainers {
    master: string;
    worker: string;
    masterUrl: string;
    uiUrl: string;
}

/**
 * The Spark master and one worker as the component makes them with host drivers on: `user` with the
 * image's group added, the daemon command behind the user wrapper, spark-defaults.conf and the wrapper
 * uploaded, the shared directory bound at its own path, host.docker.internal -> host-gateway.
 */
export async function startSparkContainers(s: Placed, o: { user: string; sharedDir: string; role: string; workerMemoryMb: number }): Promise<SparkContainers> {
    const common = {
        image: SPARK_IMAGE, network: s.network.name, labels: s.run.labels,
        user: o.user, groupAdds: [String(SPARK.imageGid)],
        envs: sparkDaemonEnv(),
        uploads: [
            { path: `${SPARK.confDir}/spark-defaults.conf`, content: fs.readFileSync(SPARK_DEFAULTS_FILE, "utf8") },
            { path: SPARK.userScript, content: sparkUserScript(), mode: 0o555 },
        ],
        binds: [{ source: o.sharedDir, target: o.sharedDir }],
        hosts: [{ host: SPARK.dockerHostAlias, ip: SPARK.hostGateway }],
    };
    const master = s.run.name(`${o.role}-spark-master`);
    const worker = s.run.name(`${o.role}-spark-worker`);
    await runContainer({
        ...common, name: master, aliases: [SPARK.masterAlias], hostname: SPARK.masterAlias, memoryMb: 1024,
        command: withSparkUser(sparkMasterCommand({ sparkHome: SPARK.home, host: SPARK.masterAlias, port: SPARK.rpcPort, webUiPort: SPARK.masterUiPort })),
        ports: [{ internal: SPARK.rpcPort, ip: LOOPBACK }, { internal: SPARK.masterUiPort, ip: LOOPBACK }],
    });
    const alias = SPARK.workerAlias(1);
    await runContainer({
        ...common, name: worker, aliases: [alias], hostname: alias, memoryMb: o.workerMemoryMb + SPARK.workerOverheadMb,
        command: withSparkUser(sparkWorkerCommand({
            sparkHome: SPARK.home, host: alias, webUiPort: SPARK.workerUiPort, cores: 1, memoryMb: o.workerMemoryMb,
            workDir: SPARK.workerScratchDir, masterUrl: sparkMasterUrl(SPARK.masterAlias, SPARK.rpcPort),
        })),
    });
    return {
        master, worker,
        masterUrl: sparkMasterUrl(LOOPBACK, await publishedPort(master, SPARK.rpcPort, LOOPBACK)),
        uiUrl: `http://${LOOPBACK}:${await publishedPort(master, SPARK.masterUiPort, LOOPBACK)}`,
    };
}
