// The CDC path from real processes: MariaDB (the component's flags and init SQL), a KRaft broker and a
// Connect worker from the image's Kafka jars with the Debezium plugins. The connector is registered the
// way the stack registers it: the config from lib/debezium.ts, the password in a properties file read by
// the worker's file config provider, and the gate's own command line (the probe's PUT and wait).
import { execFileSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ConnectRestClient } from "../../lib/connectRest";
import { binlogConnector, binlogPasswordFile, BINLOG_CONNECTOR_CLASSES, changeTopic, SNAPSHOT_MODES, type ConnectorSpec } from "../../lib/debezium";
import { CONNECTOR_REDACT_ENV, probeBuildProblem, type ProbeRequest } from "../../lib/probes";
import { cdcMissing, startConnectWorker, TopicTail, type ConnectWorker } from "./support/cdc";
import { startMariadb, type MariadbServer as Mariadb } from "./support/mariadb";
import { kafkaMissing, startKafkaBroker, type KafkaBroker } from "./support/kafka";
import { freePort, LOOPBACK, startProcess, stopAll, tempDir } from "./support/processes";
import { runPytest } from "./support/pytest";
import { GOLDEN_JOB, startSparkCluster } from "./support/sparkCluster";
import { SPARK_KAFKA_PACKAGE } from "../../lib/spark";
import { runProbe, type ProbeRun } from "./support/servers";
import { describeIfAvailable, pysparkHome, venvPython } from "./support/tools";

jest.setTimeout(180_000);

const DB_SERVER_ID = 4242;
// Quote, double quote, backslash, = and #: the properties file must escape them for the provider.
const ACCOUNT = { database: "cdc_test", user: "cdc", password: `pw'"\\=#-${randomBytes(6).toString("hex")}` };
const WRONG_PASSWORD = `wrong-${randomBytes(6).toString("hex")}`;
const SECRETS = [ACCOUNT.password, WRONG_PASSWORD];

function connectorFor(db: Mariadb, broker: KafkaBroker, o: { name: string; prefix: string; serverId: number; passwordFile: string }): ConnectorSpec {
    return binlogConnector({
        flavor: "mariadb", name: o.name, hostname: LOOPBACK, port: db.port, user: ACCOUNT.user, passwordFile: o.passwordFile,
        serverId: o.serverId, topicPrefix: o.prefix, databaseIncludeList: ACCOUNT.database, snapshotMode: "initial",
        kafkaBootstrapServers: broker.internalBootstrap,
    });
}

/** The secret file the component uploads, written where the worker reads it. */
function writeSecretFile(worker: ConnectWorker, name: string, password: string): string {
    const file = path.join(worker.secretDir, name);
    const secret = binlogPasswordFile(file, password);
    fs.writeFileSync(secret.path, secret.content, { mode: 0o400 });
    return file;
}

/** The connector gate, run as the component's Command runs it: password only in the redaction variable. */
function connectorGate(worker: ConnectWorker, spec: ConnectorSpec, timeoutSeconds = 90): Promise<ProbeRun> {
    const request: ProbeRequest = { service: "connector", url: worker.url, name: spec.name, config: spec.config };
    return runProbe(request, { timeoutSeconds, intervalMs: 100 }, { [CONNECTOR_REDACT_ENV]: ACCOUNT.password });
}

function expectNoSecrets(text: string): void {
    for (const s of SECRETS) expect(text).not.toContain(s);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

describeIfAvailable("Debezium on Kafka Connect (real MariaDB, KRaft broker, Connect worker)", [...kafkaMissing(), ...cdcMissing(), !venvPython() && "no .venv (bash scripts/bootstrap.sh)", !pysparkHome() && "pyspark is not importable from .venv"])("Debezium CDC path", () => {
    let db: Mariadb;
    let broker: KafkaBroker;
    let worker: ConnectWorker;
    let spec: ConnectorSpec;
    let tail: TopicTail;
    let registration: ProbeRun;

    beforeAll(async () => {
        const stale = probeBuildProblem();
        if (stale) throw new Error(`the probe under test is not built from the current sources (${stale}): run npm run build`);
        [db, broker] = await Promise.all([startMariadb(ACCOUNT, DB_SERVER_ID), startKafkaBroker()]);
        worker = startConnectWorker(broker.internalBootstrap, await freePort());
        const conn = await db.connect();
        try {
            await conn.query("CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(32), amount DECIMAL(10,2))");
            await conn.query("INSERT INTO orders VALUES (1, 'before-snapshot', 10.00)");
        } finally {
            await conn.end();
        }
    }, 180_000);
    afterAll(async () => {
        await tail?.stop().catch(() => undefined);
        await stopAll();
    }, 60_000);

    test("Connect gate: waits for the worker's REST API, then finds both binlog connector classes", async () => {
        const r = await runProbe({ service: "connect", url: worker.url, connectorClasses: Object.values(BINLOG_CONNECTOR_CLASSES) }, { timeoutSeconds: 120, intervalMs: 250 });
        expect({ code: r.code, stderr: r.stderr.slice(-2000) }).toEqual({ code: 0, stderr: expect.stringContaining("[connect] ready after") });
        expect(r.stdout).toMatch(/^connect ready at http:\/\/127\.0\.0\.1:\d+: Connect 4\.1\.1 /);
        // A class the worker lacks fails at once: a started worker does not grow plugins.
        const missing = await runProbe({ service: "connect", url: worker.url, connectorClasses: ["io.debezium.connector.nosuch.NoConnector"] }, { timeoutSeconds: 60, intervalMs: 250 });
        expect(missing.code).toBe(1);
        expect(missing.elapsedMs).toBeLessThan(10_000);
        expect(missing.stderr).toContain("gave up, waiting cannot help");
        expect(missing.stderr).toContain("lacks io.debezium.connector.nosuch.NoConnector");
    });

    test("connector gate: registers the MariaDB connector and passes once it and its task run and the snapshot is done", async () => {
        const passwordFile = writeSecretFile(worker, "mysql.properties", ACCOUNT.password);
        spec = connectorFor(db, broker, { name: "cdc-mariadb-source", prefix: "cdc", serverId: DB_SERVER_ID + 1, passwordFile });
        // The password is a file reference everywhere: in the command line, the REST payload, Connect's stored config.
        expect(JSON.stringify(spec)).not.toContain(ACCOUNT.password);
        expect(spec.config["database.password"]).toBe(`\${file:${passwordFile}:password}`);
        registration = await connectorGate(worker, spec);
        expect({ code: registration.code, stderr: registration.stderr.slice(-3000) }).toEqual({ code: 0, stderr: expect.stringContaining("[connector] ready after") });
        expect(registration.stdout).toContain(`connector ready at ${worker.url}/connectors/cdc-mariadb-source: connector RUNNING, tasks [0:RUNNING], snapshot done`);
        expectNoSecrets(registration.stdout + registration.stderr);
        const rest = new ConnectRestClient(worker.url);
        expect(await rest.config(spec.name)).toEqual({ ...spec.config, name: spec.name });
        // eslint-disable-next-line no-console
        console.log(`connector registration to RUNNING + snapshot done: ${registration.elapsedMs} ms (gate process wall time)`);

        // The snapshot's row is on the table's topic as a read event.
        tail = await TopicTail.start(broker.hostBootstrap, changeTopic("cdc", ACCOUNT.database, "orders"));
        const snap = await tail.until("snapshot read of row 1", (e) => e.value?.op === "r" && e.value.after?.id === 1);
        expect(snap.value!.after).toEqual({ id: 1, status: "before-snapshot", amount: expect.anything() });
        expect(snap.key).toEqual({ id: 1 });
    });

    test("an INSERT and an UPDATE arrive as op c and u with their rows; commit-to-event latency measured", async () => {
        const conn = await db.connect();
        const latencies: number[] = [];
        try {
            for (let i = 0; i < 5; i++) {
                const id = 100 + i;
                await conn.query("INSERT INTO orders VALUES (?, 'new', 5.00)", [id]);
                const inserted = Date.now();
                const c = await tail.until(`insert of ${id}`, (e) => e.value?.op === "c" && e.value.after?.id === id);
                await conn.query("UPDATE orders SET status = 'paid' WHERE id = ?", [id]);
                const updated = Date.now();
                const u = await tail.until(`update of ${id}`, (e) => e.value?.op === "u" && e.value.after?.id === id);
                expect(c.value!.before).toBeNull();
                expect(c.value!.after).toMatchObject({ id, status: "new" });
                expect(u.value!.before).toMatchObject({ id, status: "new" });
                expect(u.value!.after).toMatchObject({ id, status: "paid" });
                expect(u.value!.source).toMatchObject({ connector: "mariadb", db: ACCOUNT.database, table: "orders", server_id: DB_SERVER_ID });
                latencies.push(c.receivedAt - inserted, u.receivedAt - updated);
            }
        } finally {
            await conn.end();
        }
        // eslint-disable-next-line no-console
        console.log(`commit-to-event latency over ${latencies.length} events: median ${median(latencies)} ms, max ${Math.max(...latencies)} ms`);
        expect(Math.max(...latencies)).toBeLessThan(10_000);
    });

    test("a config change is applied in place by the same gate (PUT …/config): same connector, new config, still streaming", async () => {
        const changed: ConnectorSpec = { ...spec, config: { ...spec.config, "snapshot.mode": "when_needed", "heartbeat.interval.ms": "2000" } };
        const r = await connectorGate(worker, changed);
        expect({ code: r.code, stderr: r.stderr.slice(-3000) }).toEqual({ code: 0, stderr: expect.stringContaining("[connector] ready after") });
        const rest = new ConnectRestClient(worker.url);
        expect(await rest.connectors()).toEqual([spec.name]);
        expect(await rest.config(spec.name)).toMatchObject({ "snapshot.mode": "when_needed", "heartbeat.interval.ms": "2000" });
        const conn = await db.connect();
        try {
            await conn.query("INSERT INTO orders VALUES (500, 'after-update', 1.00)");
        } finally {
            await conn.end();
        }
        await tail.until("insert of 500 after the config change", (e) => e.value?.op === "c" && e.value.after?.id === 500);
        // The snapshot is not taken again: row 1 was read once.
        expect(tail.events.filter((e) => e.value?.op === "r" && e.value.after?.id === 1)).toHaveLength(1);
    });

    test("the pipeline's view: the plugin's cdc_events fixture sees a new table's INSERT and UPDATE through the stack's env lines", async () => {
        const run = await runPytest(["test_debezium.py"], {
            mysqlFlavor: "mariadb", mysqlHost: LOOPBACK, mysqlPort: db.port, mysqlDatabase: ACCOUNT.database, mysqlCdcUser: ACCOUNT.user,
            mysqlCdcPassword: ACCOUNT.password, kafkaBootstrapServers: broker.hostBootstrap, connectUrl: worker.url,
            cdcConnectorName: spec.name, cdcTopicPrefix: spec.config["topic.prefix"],
        });
        expect({ code: run.code, summary: run.summary }).toEqual({ code: 0, summary: expect.stringMatching(/^=* ?1 passed/) });
        expect(run.output).not.toContain(ACCOUNT.password);
    });

    test("golden path: rows committed in MariaDB flow Debezium → Kafka → Structured Streaming on a real Spark master and worker → Delta, read back", async () => {
        const python = venvPython()!;
        const sparkVersion = execFileSync(python, ["-c", "import pyspark; print(pyspark.__version__)"], { encoding: "utf8" }).trim();
        const cluster = await startSparkCluster(pysparkHome()!, { cores: 1, memoryMb: 1536 });
        // The project's Delta package plus the Kafka source of the Spark 3.5 line.
        expect(sparkVersion).toMatch(/^3\.5\./);
        const packages = [cluster.defaults("spark.jars.packages"), SPARK_KAFKA_PACKAGE].join(",");
        const dir = tempDir("golden");
        const job = startProcess(python, [GOLDEN_JOB, cluster.masterUrl, broker.hostBootstrap, changeTopic("cdc", ACCOUNT.database, "orders"),
            path.join(dir, "delta"), path.join(dir, "checkpoint"), LOOPBACK, String(db.port), ACCOUNT.user, ACCOUNT.database, "orders", "900", "3"],
        { cwd: dir, env: { ...cluster.env, PYSPARK_PYTHON: python, SPARK_JARS_PACKAGES: packages, CDC_MYSQL_PASSWORD: ACCOUNT.password } });
        let stdout = "";
        job.child.stdout!.on("data", (d) => { stdout += d; });
        const code = await new Promise<number | null>((resolve) => job.child.once("close", resolve));
        const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
        if (code !== 0 || !line) throw new Error(`the golden path job failed (exit ${code}):\n${job.output().split("\n").filter((l) => !/^\s+at |Ivy|resolving|found |downloading|:: /.test(l)).slice(-60).join("\n")}`);
        const result = JSON.parse(line!.slice("RESULT ".length)) as { rows: unknown[]; latenciesMs: number[]; sessionSeconds: number; streamStartSeconds: number; master: string };
        expect(result.master).toBe(cluster.masterUrl);
        expect(result.rows).toEqual([900, 901, 902].map((id) => ({ id, status: "golden", op: "c" })));
        expect(job.output()).not.toContain(ACCOUNT.password);
        // eslint-disable-next-line no-console
        console.log(`golden path commit-to-Delta latency: ${result.latenciesMs.join(", ")} ms (Spark session ${result.sessionSeconds} s, stream started ${result.streamStartSeconds} s)`);
        expect(Math.max(...result.latenciesMs)).toBeLessThan(60_000);
    }, 480_000);

    test("every offered snapshot.mode passes the connector's own validation", async () => {
        const rest = new ConnectRestClient(worker.url);
        for (const mode of SNAPSHOT_MODES) {
            const res = await fetch(`${rest.url}/connector-plugins/${BINLOG_CONNECTOR_CLASSES.mariadb}/config/validate`, {
                method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...spec.config, name: spec.name, "snapshot.mode": mode }),
            });
            const body = await res.json() as { configs: Array<{ value: { name: string; errors: string[] } }> };
            const errors = body.configs.filter((c) => c.value.errors.length > 0).map((c) => `${c.value.name}: ${c.value.errors.join("; ")}`);
            expect({ mode, errors }).toEqual({ mode, errors: [] });
        }
    });

    test("a wrong password fails the gate at once with the connector's own error, and no password is printed", async () => {
        const passwordFile = writeSecretFile(worker, "wrong.properties", WRONG_PASSWORD);
        const wrong = connectorFor(db, broker, { name: "cdc-wrong-password", prefix: "wrong", serverId: DB_SERVER_ID + 2, passwordFile });
        const r = await runProbe({ service: "connector", url: worker.url, name: wrong.name, config: wrong.config },
            { timeoutSeconds: 90, intervalMs: 100 }, { [CONNECTOR_REDACT_ENV]: WRONG_PASSWORD });
        expect(r.code).toBe(1);
        expect(r.elapsedMs).toBeLessThan(15_000);
        expect(r.stdout).toBe("");
        expect(r.stderr).toContain(`connector is not ready at ${worker.url}/connectors/cdc-wrong-password: gave up, waiting cannot help`);
        expect(r.stderr).toMatch(/last observed: PUT config: .*HTTP 400: Connector configuration is invalid[\s\S]*Access denied for user 'cdc'/);
        expectNoSecrets(r.stdout + r.stderr);
        expect(await new ConnectRestClient(worker.url).connectors()).toEqual([spec.name]);
    });
});
