// A Spark driver on this host against the stack's services in real containers on a real Docker network,
// everything reached by the addresses the program's own env lines give (lib/testEnv.ts):
//   - Kafka (three listeners), MariaDB, PostgreSQL and Kafka Connect with both Debezium connectors in
//     containers; the Spark master and worker in containers of the local apache/spark-like image, whose
//     pass-through entrypoint gives an unknown uid no user name (the ordinary-user bug on the real stack);
//   - run once as root and once as an ordinary uid that the image does not know: the cluster comes up
//     (the Spark gate passes), and the plugin's fixtures write, MERGE, read and delete Delta tables in the
//     shared directory, files owned by and removable by the user running the tests;
//   - as the ordinary uid also the golden path (tests/e2e/python/test_golden_path.py): MariaDB and
//     PostgreSQL commits -> Debezium -> Kafka -> a Structured Streaming job from spark_session on the
//     stack's cluster (executors reading Kafka by the shared address) -> Delta, read back; and executors'
//     JDBC reads of both databases by the shared addresses.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { binlogConnector, binlogPasswordFile, MYSQL_PASSWORD_FILE } from "../../lib/debezium";
import { KAFKA_PROBE_TOPIC } from "../../lib/kafka";
import { MYSQL } from "../../lib/mysql";
import { POSTGRES } from "../../lib/postgres";
import { postgresConnector, postgresPasswordFile, POSTGRES_PASSWORD_FILE } from "../../lib/postgresConnector";
import { CONNECTOR_REDACT_ENV } from "../../lib/probes";
import { SPARK, SPARK_KAFKA_PACKAGE, sparkJarsPackages } from "../../lib/spark";
import type { Endpoints } from "../../lib/testEnv";
import { cdcMissing } from "./support/cdc";
import { BASE_IMAGE, createNetwork, docker, dockerMissing, imagesMissing, newTestRun, removeAll, SPARK_IMAGE } from "./support/docker";
import {
    startConnectContainer, startKafkaContainer, startMariadbContainer, startPostgresContainer, startSparkContainers,
    type ConnectContainer, type DatabaseContainer, type KafkaContainer, type Placed,
} from "./support/dockerStack";
import { kafkaMissing } from "./support/kafka";
import { stopAll, tempDir } from "./support/processes";
import { runPytest, type PytestRun } from "./support/pytest";
import { runProbe } from "./support/servers";
import { IVY_CACHE } from "./support/spark";
import { describeIfAvailable, PROJECT_ROOT, venvPython } from "./support/tools";

const DOCKER_MISSING = dockerMissing();
const python = venvPython();
const describeHostDriver = describeIfAvailable("a host driver against the stack's containers", [
    DOCKER_MISSING,
    !DOCKER_MISSING && imagesMissing([SPARK_IMAGE, BASE_IMAGE]),
    ...kafkaMissing(), ...cdcMissing(),
    python ? undefined : "no .venv (bash scripts/bootstrap.sh)",
]);

/** An ordinary user: uid/gid 1000, which the Spark image does not know. */
const ORDINARY = { uid: 1000, gid: 1000 };
const E2E_PYTHON = path.join(PROJECT_ROOT, "tests", "e2e", "python");
const MYSQL_ACCOUNT = { database: "cdc_test", user: "cdc", password: "cdc-pw-host-driver" };
const PG_ACCOUNT = { database: "cdc_test", user: "cdc", password: "pg-cdc-pw" };

/**
 * pytest on this host as `who`, the way a pipeline's suite runs (support/pytest.ts: the env lines in
 * CDC_ENV_FILE, no skipping), printing what the tests print. An ordinary uid gets its own HOME and Ivy
 * cache; where this host has no passwd entry for it, one through nss_wrapper (the host driver's own
 * Hadoop login needs a name too).
 */
function runPytestAs(who: { uid: number; gid: number }, files: string[], endpoints: Partial<Endpoints>): Promise<PytestRun> {
    const dir = tempDir(`pytest-${who.uid}`);
    const home = path.join(dir, "home");
    const confDir = path.join(dir, "conf");
    const other = who.uid !== (process.getuid?.() ?? -1);
    // Another user's Ivy cache, inside the project (the caller's home may be closed to that user), kept across runs.
    const ivy = other ? path.join(PROJECT_ROOT, ".tools", `ivy-uid${who.uid}`) : IVY_CACHE;
    for (const d of [home, confDir, ivy]) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(confDir, "spark-defaults.conf"), `spark.jars.ivy ${ivy}\n`);
    const env: NodeJS.ProcessEnv = { HOME: home, SPARK_CONF_DIR: confDir, PYTHONDONTWRITEBYTECODE: "1", PYTEST_ADDOPTS: "-s" };
    if (other) {
        for (const p of [dir, home, confDir, ivy]) fs.chownSync(p, who.uid, who.gid);
        fs.chmodSync(dir, 0o755);
        if (spawnSync("getent", ["passwd", String(who.uid)]).status !== 0) Object.assign(env, nssWrapperEnv(dir, who));
    }
    return runPytest(files, endpoints, env, { dir: E2E_PYTHON, user: who });
}

function nssWrapperEnv(dir: string, who: { uid: number; gid: number }): NodeJS.ProcessEnv {
    const lib = ["/usr/lib/x86_64-linux-gnu/libnss_wrapper.so", "/usr/lib/aarch64-linux-gnu/libnss_wrapper.so"].find((p) => fs.existsSync(p));
    if (!lib) throw new Error(`uid ${who.uid} has no passwd entry on this host and libnss_wrapper is missing (apt-get install libnss-wrapper)`);
    const passwd = path.join(dir, "passwd");
    const group = path.join(dir, "group");
    fs.writeFileSync(passwd, `${fs.readFileSync("/etc/passwd", "utf8")}pipeline:x:${who.uid}:${who.gid}:pipeline tests:${path.join(dir, "home")}:/bin/sh\n`);
    fs.writeFileSync(group, `${fs.readFileSync("/etc/group", "utf8")}pipeline:x:${who.gid}:\n`);
    return { LD_PRELOAD: lib, NSS_WRAPPER_PASSWD: passwd, NSS_WRAPPER_GROUP: group };
}

/** A shared directory owned by `who`, as the program's mkdir (run by that user) makes it. */
function sharedDirFor(who: { uid: number; gid: number }): string {
    const dir = tempDir(`shared-${who.uid}`);
    fs.chownSync(dir, who.uid, who.gid);
    fs.chmodSync(dir, 0o755);
    return dir;
}

/** Every file under `dir` that `who` could not remove (its directory not writable by it). */
function filesNotRemovableBy(dir: string, who: { uid: number }): string[] {
    const stuck: string[] = [];
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (who.uid !== 0 && fs.lstatSync(d).uid !== who.uid) stuck.push(p);
            if (e.isDirectory()) walk(p);
        }
    };
    walk(dir);
    return stuck;
}

describeHostDriver("a Spark driver on the Docker host, the stack's services in containers", () => {
    const run = newTestRun();
    let s: Placed;
    let kafka: KafkaContainer;
    let mysqlDb: DatabaseContainer;
    let pg: DatabaseContainer;
    let connect: ConnectContainer;
    const topicPrefix = "cdc";
    const pgTopicPrefix = "cdc-postgres";

    beforeAll(async () => {
        s = { run, network: await createNetwork(run.name("net"), run.labels) };
        // All at once, as the stack starts them: Connect waits for its broker itself.
        [kafka, mysqlDb, pg, connect] = await Promise.all([
            startKafkaContainer(s),
            startMariadbContainer(s, MYSQL_ACCOUNT, 5151),
            startPostgresContainer(s, PG_ACCOUNT, "pg-super-pw"),
            startConnectContainer(s, [
                binlogPasswordFile(MYSQL_PASSWORD_FILE, MYSQL_ACCOUNT.password),
                postgresPasswordFile(POSTGRES_PASSWORD_FILE, PG_ACCOUNT.password),
            ]),
        ]);
    }, 240_000);
    afterAll(async () => {
        if (process.env.CDC_KEEP_CONTAINERS !== "1") await removeAll(run.label);
        await stopAll();
    }, 120_000);

    test("the Kafka gate passes through the host listener, and metadata through the shared address advertises exactly it", async () => {
        // The gate as the component runs it with host drivers: the host listener, then metadata through the SHARED one.
        const gate = await runProbe({ service: "kafka", bootstrap: kafka.hostBootstrap, topic: KAFKA_PROBE_TOPIC, sharedBootstrap: kafka.sharedBootstrap },
            { timeoutSeconds: 120, containers: [kafka.name] });
        expect({ code: gate.code, stdout: gate.stdout, stderr: gate.stderr.slice(-2000) })
            .toEqual({ code: 0, stdout: expect.stringContaining(`shared listener metadata: broker 1 advertises ${kafka.sharedBootstrap}`), stderr: expect.any(String) });
        // And from a container on the stack network, at the very same address (the executors' view).
        const fromContainer = await docker(["run", "--rm", "--network", s.network.name, "--label", run.label, BASE_IMAGE,
            "python3", "-c", `import socket; socket.create_connection(("${s.network.gateway}", ${kafka.sharedBootstrap.split(":")[1]}), 5).close(); print("ok")`], { allowFailure: true });
        expect(fromContainer).toMatchObject({ code: 0, stdout: "ok\n" });
    }, 180_000);

    test("both Debezium connectors are registered by their gates and RUNNING with the snapshot done", async () => {
        const connectGate = await runProbe({ service: "connect", url: connect.url, connectorClasses: ["io.debezium.connector.mariadb.MariaDbConnector", "io.debezium.connector.postgresql.PostgresConnector"] },
            { timeoutSeconds: 180, intervalMs: 250, containers: [connect.name] });
        expect({ code: connectGate.code, stderr: connectGate.stderr.slice(-2000) }).toEqual({ code: 0, stderr: expect.any(String) });
        const mysqlSpec = binlogConnector({
            flavor: "mariadb", name: "cdc-mysql-source", hostname: MYSQL.alias, port: MYSQL.port, user: MYSQL_ACCOUNT.user, passwordFile: MYSQL_PASSWORD_FILE,
            serverId: 5152, topicPrefix, databaseIncludeList: MYSQL_ACCOUNT.database, snapshotMode: "initial", kafkaBootstrapServers: kafka.internalBootstrap,
        });
        const pgSpec = postgresConnector({
            name: "cdc-postgres-source", hostname: POSTGRES.alias, port: POSTGRES.port, database: PG_ACCOUNT.database, user: PG_ACCOUNT.user,
            passwordFile: POSTGRES_PASSWORD_FILE, topicPrefix: pgTopicPrefix, slotName: "debezium_cdc",
        });
        for (const [spec, password] of [[mysqlSpec, MYSQL_ACCOUNT.password], [pgSpec, PG_ACCOUNT.password]] as const) {
            const r = await runProbe({ service: "connector", url: connect.url, name: spec.name, config: spec.config }, { timeoutSeconds: 120, intervalMs: 100 },
                { [CONNECTOR_REDACT_ENV]: password });
            expect({ name: spec.name, code: r.code, stderr: r.stderr.slice(-3000) }).toEqual({ name: spec.name, code: 0, stderr: expect.any(String) });
        }
    }, 400_000);

    const endpointsFor = (spark: { masterUrl: string; uiUrl: string }, sharedDir: string): Partial<Endpoints> => ({
        sparkMasterUrl: spark.masterUrl, sparkUiUrl: spark.uiUrl, sparkSharedDir: sharedDir, sparkDriverHost: SPARK.dockerHostAlias,
        sparkJarsPackages: sparkJarsPackages(), sparkKafkaPackage: SPARK_KAFKA_PACKAGE,
        kafkaBootstrapServers: kafka.hostBootstrap, kafkaInternalBootstrapServers: kafka.internalBootstrap, kafkaSharedBootstrapServers: kafka.sharedBootstrap,
        cdcConnectorName: "cdc-mysql-source", cdcTopicPrefix: topicPrefix,
        mysqlFlavor: "mariadb", mysqlHost: "127.0.0.1", mysqlPort: mysqlDb.port, mysqlDatabase: MYSQL_ACCOUNT.database,
        mysqlCdcUser: MYSQL_ACCOUNT.user, mysqlCdcPassword: MYSQL_ACCOUNT.password, mysqlSharedHost: mysqlDb.sharedHost, mysqlSharedPort: mysqlDb.sharedPort,
        postgresHost: "127.0.0.1", postgresPort: pg.port, postgresDatabase: PG_ACCOUNT.database, postgresCdcUser: PG_ACCOUNT.user,
        postgresCdcPassword: PG_ACCOUNT.password, postgresPublication: POSTGRES.publication, postgresSharedHost: pg.sharedHost, postgresSharedPort: pg.sharedPort,
        postgresConnectorName: "cdc-postgres-source", postgresTopicPrefix: pgTopicPrefix,
    });

    /** The cluster as `user`, gated by the Spark probe; pytest as `who`; the cluster removed afterwards. */
    async function sparkRun(role: string, who: { uid: number; gid: number }, files: string[]): Promise<{ result: PytestRun; sharedDir: string }> {
        const sharedDir = sharedDirFor(who);
        const spark = await startSparkContainers(s, { user: `${who.uid}:${who.gid}`, sharedDir, role, workerMemoryMb: 1536 });
        try {
            const gate = await runProbe({ service: "spark", url: spark.uiUrl, expectedWorkers: 1 }, { timeoutSeconds: 120, intervalMs: 250, containers: [spark.master, spark.worker] });
            expect({ role, code: gate.code, stderr: gate.stderr.slice(-4000) }).toEqual({ role, code: 0, stderr: expect.any(String) });
            const result = await runPytestAs(who, files, endpointsFor(spark, sharedDir));
            if (result.code !== 0) throw new Error(`pytest as uid ${who.uid} exited with ${result.code}:\n${result.output.slice(-15_000)}`);
            return { result, sharedDir };
        } finally {
            await docker(["rm", "-f", spark.master, spark.worker], { allowFailure: true });
        }
    }

    test("as root: the cluster runs, and Delta tables are written, merged, read and deleted in the shared directory", async () => {
        const root = { uid: 0, gid: 0 };
        const { result, sharedDir } = await sparkRun("root", root, ["test_host_driver.py"]);
        expect(result.summary).toMatch(/^2 passed/);
        expect(fs.readdirSync(sharedDir)).toEqual([]);
        console.log(`host driver as root: ${result.summary}`);
    }, 900_000);

    test("as an ordinary uid the image does not know: the cluster runs, Delta as above, and the golden path from MariaDB and PostgreSQL to Delta", async () => {
        const { result, sharedDir } = await sparkRun("user", ORDINARY, ["test_host_driver.py", "test_golden_path.py"]);
        expect(result.summary).toMatch(/^5 passed/);
        // Whatever is left in the shared directory belongs to the user, who can remove it.
        expect(filesNotRemovableBy(sharedDir, ORDINARY)).toEqual([]);
        const latencies = result.output.split("\n").filter((l) => l.startsWith("golden path "));
        expect(latencies).toHaveLength(2);
        console.log(`host driver as uid ${ORDINARY.uid}: ${result.summary}\n${latencies.join("\n")}`);
    }, 1_200_000);
});
