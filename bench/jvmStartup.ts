// Start-to-ready of each JVM service from its real process (`npm run bench`; replaces its own section of
// BENCHMARKS.md), each startup setting beside what it replaced, runs interleaved so both see the same load:
//  - Kafka broker: the image's start step (KafkaDockerWrapper setup) and kafka.Kafka, as the integration
//    tests run them, to the Kafka gate's check passing (metadata, topic written and read back);
//  - Connect worker with the Debezium plugins (MariaDB, MySQL, PostgreSQL), on an already running broker,
//    to the Connect gate's check passing (REST up, MariaDB connector listed); a group of its own each run;
//  - Spark master + 1 worker from the pyspark wheel, with the components' command lines, to the Spark
//    gate's check passing (master ALIVE, 1 worker ALIVE).
// Each check is the probe's own, polled in process every POLL_MS.
import * as os from "os";
import { BINLOG_CONNECTOR_CLASSES } from "../lib/debezium";
import { KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_PROBE_TOPIC } from "../lib/kafka";
import { SPARK_DAEMON_JAVA_OPTS, sparkDaemonEnv, sparkMasterCommand, sparkMasterUrl, sparkWorkerCommand } from "../lib/spark";
import { connectCheck } from "../probe/connect";
import { kafkaCheck } from "../probe/kafka";
import type { ReadinessCheck } from "../probe/poll";
import { sparkCheck } from "../probe/spark";
import { median, publishBenchmarkSections, runBenchmark } from "./report";
import { startConnectWorker } from "../tests/integration/support/cdc";
import { startKafkaBroker } from "../tests/integration/support/kafka";
import { freePort, LOOPBACK, startProcess, stopAll, tempDir } from "../tests/integration/support/processes";
import { pysparkHome } from "../tests/integration/support/tools";

const RUNS = Number(process.env.BENCH_JVM_RUNS ?? 5);
const POLL_MS = 50;
const SECTION = "## JVM services: start to ready";
/** kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS when none is set (Kafka 4.1): what the Connect image ran before. */
const KAFKA_RUN_CLASS_DEFAULT = "-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true";
/** One of lib/kafka.ts's two changes alone, to tell their effects apart. */
const SERIAL_GC_ONLY = "-XX:+UseSerialGC -Djava.awt.headless=true";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function untilReady(check: ReadinessCheck, deadlineMs: number): Promise<void> {
    const end = performance.now() + deadlineMs;
    while (performance.now() < end) {
        try {
            if ((await check.attempt(2000)).ready) return;
        } catch { /* not yet */ }
        await sleep(POLL_MS);
    }
    throw new Error(`${check.service} not ready within ${deadlineMs} ms`);
}

interface Variant { label: string; run(): Promise<number> }
interface Service { name: string; variants: Variant[] }

function kafkaService(): Service {
    const variant = (label: string, jvmPerformanceOpts: string): Variant => ({
        label,
        async run() {
            const t0 = performance.now();
            const broker = await startKafkaBroker({ jvmPerformanceOpts, startTimeoutMs: 180_000 });
            await untilReady(kafkaCheck(broker.hostBootstrap, KAFKA_PROBE_TOPIC), 180_000);
            const ms = performance.now() - t0;
            await broker.proc.stop();
            return ms;
        },
    });
    return {
        name: "Kafka broker (KRaft, start step + kafka.Kafka)",
        variants: [
            variant("kafka-run-class.sh default (G1, C2)", KAFKA_RUN_CLASS_DEFAULT),
            // apache/kafka's launch script replaces that default with its CDS archive alone, and the JVM picks the
            // serial collector itself in a container of less than 1792 MiB: the image's broker ran like this.
            variant("serial collector alone (C2 kept): the apache/kafka image's own choice in a 1 GiB container", SERIAL_GC_ONLY),
            variant(`lib/kafka.ts: ${KAFKA_JVM_PERFORMANCE_OPTS}`, KAFKA_JVM_PERFORMANCE_OPTS),
        ],
    };
}

function connectService(bootstrap: () => Promise<string>): Service {
    let run = 0;
    const variant = (label: string, properties: Record<string, string>, jvmPerformanceOpts: string): Variant => ({
        label,
        async run() {
            const broker = await bootstrap();
            // A group and internal topics of its own: no rebalance with the previous run's worker.
            const group = `bench-connect-${run++}`;
            const ownGroup = { "group.id": group, "config.storage.topic": `${group}-configs`, "offset.storage.topic": `${group}-offsets`, "status.storage.topic": `${group}-status` };
            const port = await freePort();
            const t0 = performance.now();
            const worker = startConnectWorker(broker, port, { properties: { ...ownGroup, ...properties }, jvmPerformanceOpts });
            await untilReady(connectCheck(worker.url, [BINLOG_CONNECTOR_CLASSES.mariadb]), 180_000);
            const ms = performance.now() - t0;
            await worker.proc.stop();
            return ms;
        },
    });
    return {
        name: "Kafka Connect worker + 3 Debezium plugins (broker already up)",
        variants: [
            variant("plugin.discovery=hybrid_warn (Kafka's default), kafka-run-class default JVM flags", { "plugin.discovery": "hybrid_warn" }, KAFKA_RUN_CLASS_DEFAULT),
            variant("plugin.discovery=service_load, kafka-run-class default JVM flags", {}, KAFKA_RUN_CLASS_DEFAULT),
            variant(`plugin.discovery=service_load, lib/kafka.ts: ${KAFKA_JVM_PERFORMANCE_OPTS}`, {}, KAFKA_JVM_PERFORMANCE_OPTS),
        ],
    };
}

function sparkService(sparkHome: string): Service {
    const variant = (label: string, daemonJavaOpts: string | undefined): Variant => ({
        label,
        async run() {
            const [port, ui, workerUi] = [await freePort(), await freePort(), await freePort()];
            const daemonEnv = Object.fromEntries(sparkDaemonEnv().map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
            if (daemonJavaOpts === undefined) delete daemonEnv.SPARK_DAEMON_JAVA_OPTS;
            else daemonEnv.SPARK_DAEMON_JAVA_OPTS = daemonJavaOpts;
            const env = { ...daemonEnv, SPARK_HOME: sparkHome, SPARK_LOCAL_IP: LOOPBACK, SPARK_CONF_DIR: tempDir("spark-conf"), HOME: tempDir("spark-home") };
            const t0 = performance.now();
            // spark-class is a bash script; run it with bash whatever its file mode in the wheel.
            const master = startProcess("bash", sparkMasterCommand({ sparkHome, host: LOOPBACK, port, webUiPort: ui }), { env });
            const worker = startProcess("bash", sparkWorkerCommand({
                sparkHome, host: LOOPBACK, webUiPort: workerUi, cores: 1, memoryMb: 1024, workDir: tempDir("spark-work"), masterUrl: sparkMasterUrl(LOOPBACK, port),
            }), { env });
            await untilReady(sparkCheck(`http://${LOOPBACK}:${ui}`, 1), 180_000);
            const ms = performance.now() - t0;
            await worker.stop();
            await master.stop();
            return ms;
        },
    });
    return {
        name: "Spark master + 1 worker (pyspark wheel)",
        variants: [
            variant("JVM defaults (no SPARK_DAEMON_JAVA_OPTS)", undefined),
            variant("serial collector alone (C2 kept)", "-XX:+UseSerialGC"),
            variant(`lib/spark.ts: ${SPARK_DAEMON_JAVA_OPTS}`, SPARK_DAEMON_JAVA_OPTS),
        ],
    };
}

const fmt = (ms: number) => `${Math.round(ms)} ms`;

async function main() {
    let broker: Promise<string> | undefined;
    // Connect's runs share one broker, started with the lib's flags.
    const sharedBroker = () => (broker ??= startKafkaBroker().then((b) => b.internalBootstrap));
    const home = pysparkHome();
    const only = process.env.BENCH_JVM_SERVICES?.split(",");
    const all: Array<[string, () => Service]> = [["kafka", kafkaService], ["connect", () => connectService(sharedBroker)]];
    if (home) all.push(["spark", () => sparkService(home)]);
    const services = all.filter(([key]) => !only || only.includes(key)).map(([, make]) => make());
    const loads: number[] = [];
    const rows: string[] = [];
    for (const service of services) {
        const times = service.variants.map(() => [] as number[]);
        for (let i = 0; i < RUNS; i++) {
            for (const [v, variant] of service.variants.entries()) {
                loads.push(os.loadavg()[0]);
                times[v].push(await variant.run());
                process.stderr.write(`${service.name} | ${variant.label} | run ${i + 1}/${RUNS}: ${fmt(times[v][i])} (load ${os.loadavg()[0].toFixed(1)})\n`);
            }
        }
        for (const [v, variant] of service.variants.entries()) {
            rows.push(`| ${service.name} | ${variant.label} | ${RUNS} | ${fmt(median(times[v]))} | ${fmt(Math.min(...times[v]))} | ${fmt(Math.max(...times[v]))} |`);
        }
    }
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    const section = `${SECTION}

Reproduce: \`PATH="$PWD/.tools/bin:$PATH" npm run bench\` (this part alone: \`npm run build && node dist/bench/jvmStartup.js\`;
\`BENCH_JVM_RUNS\`, default 5; \`BENCH_JVM_SERVICES=kafka,connect,spark\` picks services).

Method (bench/jvmStartup.ts): each service's real process on this machine's Java 17, started the way the
integration tests start it (Kafka 4.1.1 and Connect from the Maven jars in .tools/jars, Spark 3.5 from the pyspark
wheel), with the components' properties and command lines; each variant differs only in the setting named. Time is
from process start to the gate's own check passing, polled in process every ${POLL_MS} ms. Variants alternate run by
run, so each sees the same load. The images run their own JDKs (Java 21 in the Kafka and Connect images) and Connect's
image carries about 15 plugins where these runs have 3, so the images' absolute times differ; the settings are the same.

| service | variant | runs | median | min | max |
|---|---|---|---|---|---|
${rows.join("\n")}

Machine: ${os.cpus().length} cores (${cpu}), shared with other work: load average (1 min) ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} during the runs, Node ${process.version}, measured ${new Date().toISOString().slice(0, 10)}.
`;
    publishBenchmarkSections(section);
}

runBenchmark(main, stopAll);
