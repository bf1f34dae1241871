// The CDC path against real processes (`npm run bench`, after readiness.ts; replaces its own section of
// BENCHMARKS.md): MariaDB with the component's binlog flags, a KRaft broker and a Connect worker from the
// image's Kafka jars with the Debezium plugins, as in tests/integration/debezium.test.ts.
//  - connector registration to RUNNING: the connector gate (the probe's command line, as the component's
//    Command runs it) from process start to its verdict: PUT, connector + task RUNNING, snapshot done.
//  - commit-to-event latency: an INSERT or UPDATE committed by a client, to the event's arrival at a
//    consumer on the host (kafkajs, reading the change topic).
//  - the golden path (BENCH_GOLDEN=0 skips it): rows committed, read back from the Delta table a
//    Structured Streaming job on a Spark master + worker writes from the change topic.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConnectRestClient } from "../lib/connectRest";
import { binlogConnector, binlogPasswordFile, BINLOG_CONNECTOR_CLASSES, changeTopic, HEARTBEAT_INTERVAL_MS } from "../lib/debezium";
import { KAFKA_CONNECT } from "../lib/kafkaConnect";
import { CONNECTOR_REDACT_ENV } from "../lib/probes";
import { publishBenchmarkSections, runBenchmark } from "./report";
import { startConnectWorker, TopicTail } from "../tests/integration/support/cdc";
import { startMariadb } from "../tests/integration/support/mariadb";
import { startKafkaBroker } from "../tests/integration/support/kafka";
import { freePort, LOOPBACK, startProcess, stopAll, tempDir } from "../tests/integration/support/processes";
import { runProbe } from "../tests/integration/support/servers";
import { GOLDEN_JOB, startSparkCluster } from "../tests/integration/support/sparkCluster";
import { SPARK_KAFKA_PACKAGE } from "../lib/spark";
import { pysparkHome, venvPython } from "../tests/integration/support/tools";

const REGISTRATIONS = Number(process.env.BENCH_CONNECTOR_RUNS ?? 3);
const EVENTS = Number(process.env.BENCH_CDC_EVENTS ?? 20);
const ACCOUNT = { database: "cdc_test", user: "cdc", password: "bench-cdc-pw" };
const GOLDEN_ROWS = Number(process.env.BENCH_GOLDEN_ROWS ?? 5);
const SECTION = "## Debezium CDC path";

interface Golden { latenciesMs: number[]; sessionSeconds: number; streamStartSeconds: number }

/** The golden path's job (tests/integration/golden/cdc_to_delta.py) on a fresh Spark master + worker. */
async function goldenPath(bootstrap: string, topic: string, dbPort: number): Promise<Golden> {
    const python = venvPython();
    const home = pysparkHome();
    if (!python || !home) throw new Error("the golden path needs .venv with pyspark (bash scripts/bootstrap.sh), or BENCH_GOLDEN=0");
    const cluster = await startSparkCluster(home, { cores: 1, memoryMb: 1536 });
    const dir = tempDir("bench-golden");
    const job = startProcess(python, [GOLDEN_JOB, cluster.masterUrl, bootstrap, topic, path.join(dir, "delta"), path.join(dir, "checkpoint"),
        LOOPBACK, String(dbPort), ACCOUNT.user, ACCOUNT.database, "orders", "5000", String(GOLDEN_ROWS)],
    { cwd: dir, env: { ...cluster.env, PYSPARK_PYTHON: python, SPARK_JARS_PACKAGES: [cluster.defaults("spark.jars.packages"), SPARK_KAFKA_PACKAGE].join(","), CDC_MYSQL_PASSWORD: ACCOUNT.password } });
    let stdout = "";
    job.child.stdout!.on("data", (d) => { stdout += d; });
    const code = await new Promise<number | null>((resolve) => job.child.once("close", resolve));
    const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
    if (code !== 0 || !line) throw new Error(`golden path job failed (${code}):\n${job.output().slice(-3000)}`);
    return JSON.parse(line.slice("RESULT ".length)) as Golden;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const fmt = (ms: number) => `${Math.round(ms)} ms`;

async function main() {
    const [db, broker] = await Promise.all([startMariadb(ACCOUNT, 4242), startKafkaBroker()]);
    const worker = startConnectWorker(broker.internalBootstrap, await freePort());
    const workerStart = performance.now();
    const up = await runProbe({ service: "connect", url: worker.url, connectorClasses: [BINLOG_CONNECTOR_CLASSES.mariadb] }, { timeoutSeconds: 180, intervalMs: 100 });
    if (up.code !== 0) throw new Error(`Connect gate failed: ${up.stderr}`);
    const workerReadyMs = performance.now() - workerStart;
    const conn = await db.connect();
    await conn.query("CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(32))");
    await conn.query("INSERT INTO orders VALUES (1, 'snapshot')");
    const passwordFile = path.join(worker.secretDir, "mysql.properties");
    fs.writeFileSync(passwordFile, binlogPasswordFile(passwordFile, ACCOUNT.password).content, { mode: 0o400 });
    const rest = new ConnectRestClient(worker.url);

    const registrations: number[] = [];
    let prefix = "";
    for (let run = 0; run < REGISTRATIONS; run++) {
        prefix = `bench${run}`;
        const spec = binlogConnector({
            flavor: "mariadb", name: `bench-source-${run}`, hostname: LOOPBACK, port: db.port, user: ACCOUNT.user, passwordFile,
            serverId: 5000 + run, topicPrefix: prefix, databaseIncludeList: ACCOUNT.database, snapshotMode: "initial",
            kafkaBootstrapServers: broker.internalBootstrap,
        });
        const r = await runProbe({ service: "connector", url: worker.url, name: spec.name, config: spec.config }, { timeoutSeconds: 180, intervalMs: 100 },
            { [CONNECTOR_REDACT_ENV]: ACCOUNT.password });
        if (r.code !== 0) throw new Error(`connector gate failed: ${r.stderr}`);
        registrations.push(r.elapsedMs);
        // Keep the last one for the latency runs; one connector at a time on a 2-core machine.
        if (run < REGISTRATIONS - 1) await rest.deleteConnector(spec.name);
    }

    const tail = await TopicTail.start(broker.hostBootstrap, changeTopic(prefix, ACCOUNT.database, "orders"));
    await tail.until("the snapshot's row", (e) => e.value?.op === "r");
    const latencies: number[] = [];
    for (let i = 0; i < EVENTS; i++) {
        const id = 1000 + Math.floor(i / 2);
        const insert = i % 2 === 0;
        await conn.query(insert ? "INSERT INTO orders VALUES (?, 'new')" : "UPDATE orders SET status = 'paid' WHERE id = ?", [id]);
        const committed = Date.now();
        const op = insert ? "c" : "u";
        const e = await tail.until(`${op} of ${id}`, (x) => x.value?.op === op && x.value.after?.id === id);
        latencies.push(e.receivedAt - committed);
    }
    await tail.stop();
    await conn.end();
    const golden = process.env.BENCH_GOLDEN === "0" ? undefined : await goldenPath(broker.hostBootstrap, changeTopic(prefix, ACCOUNT.database, "orders"), db.port);
    const goldenRows = golden ? `
| golden path: commit to the row readable in the Delta table written by the streaming job (first row includes the job's warm-up) | ${golden.latenciesMs.length} | ${fmt(median(golden.latenciesMs))} | ${fmt(Math.max(...golden.latenciesMs))} |
| golden path: steady state (rows after the first) | ${golden.latenciesMs.length - 1} | ${fmt(median(golden.latenciesMs.slice(1)))} | ${fmt(Math.max(...golden.latenciesMs.slice(1)))} |
| golden path: job start to its Spark session | 1 | ${fmt(golden.sessionSeconds * 1000)} | ${fmt(golden.sessionSeconds * 1000)} |
| golden path: job start to the streaming query's first batch done | 1 | ${fmt(golden.streamStartSeconds * 1000)} | ${fmt(golden.streamStartSeconds * 1000)} |` : "";

    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    const section = `${SECTION}

Reproduce: \`PATH="$PWD/.tools/bin:$PATH" npm run bench\` (this part alone: \`npm run build && node dist/bench/debezium.js\`;
\`BENCH_CONNECTOR_RUNS\`, default 3, and \`BENCH_CDC_EVENTS\`, default 20).

Method (bench/debezium.ts): Debian MariaDB 10.11 with the MariaDB flavor's binlog flags and init SQL, a KRaft broker
and a Connect worker (\`ConnectDistributed\`, Kafka 4.1.1 jars, the component's worker properties, offsets flushed every
${KAFKA_CONNECT.offsetFlushIntervalMs} ms) with the Debezium 3.5.0 MariaDB plugin, all on Java 17 / loopback.
The connector config comes from \`lib/debezium.ts\` (heartbeat every ${HEARTBEAT_INTERVAL_MS} ms, password through the file provider).

| measure | runs | median | max |
|---|---|---|---|
| Connect worker start to its gate passing (REST up, MariaDB connector listed) | 1 | ${fmt(workerReadyMs)} | ${fmt(workerReadyMs)} |
| connector registration to RUNNING + snapshot done (the connector gate, process start to verdict; a new connector each run, one table of 1 row) | ${registrations.length} | ${fmt(median(registrations))} | ${fmt(Math.max(...registrations))} |
| commit-to-event latency (INSERT/UPDATE committed to the event at a host consumer; alternating c and u) | ${latencies.length} | ${fmt(median(latencies))} | ${fmt(Math.max(...latencies))} |${goldenRows}

Reading it: registration is mostly the connector's own work (validation logs in to the database, the task
starts, the snapshot runs, the schema history topic is written) plus up to one offset flush and one heartbeat
before the gate can see the snapshot is done. Latency includes Debezium's poll interval (50 ms, set in
\`lib/debezium.ts\`; the default 500 ms gave ~490 ms medians here) and the consumer's fetch wait (50 ms).
The golden path (tests/integration/golden/cdc_to_delta.py): a PySpark driver on the host with the project's
spark-defaults.conf, a master and a 1-core worker from the pyspark wheel, Delta 3.3.3 and spark-sql-kafka 3.5.7
via \`spark.jars.packages\`, a 500 ms processing-time trigger; each row is looked up in the Delta table by a
Spark read every 100 ms, so its latency includes that read's own job (seconds on this machine).

Machine: ${os.cpus().length} cores (${cpu}), shared with other test runs (load average ${os.loadavg()[0].toFixed(1)} at the end), Node ${process.version}, measured ${new Date().toISOString().slice(0, 10)}.
`;
    publishBenchmarkSections(section);
}

runBenchmark(main, stopAll);
