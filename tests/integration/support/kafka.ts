// A real Kafka broker for the integration tests: the jars of the image's Kafka version (fetched by
// scripts/fetch-jars.sh) on Java 17, one KRaft node configured from lib/kafka.ts like the container,
// with the same two listeners, on free loopback ports. Stopped by stopAll().
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { KAFKA, KAFKA_VERSION, kafkaServerProperties, type KafkaListenerLayout } from "../../../lib/kafka";
import { freePort, LOOPBACK, startProcess, tempDir, waitFor, type RunningProcess } from "./processes";
import { PROJECT_ROOT, which } from "./tools";

/** Classpath directory of kafka.Kafka (and Connect), from Maven Central. */
export const KAFKA_JARS_DIR = path.join(PROJECT_ROOT, ".tools", "jars", "kafka");
const LOG4J2_CONFIG = path.join(PROJECT_ROOT, "tests", "integration", "kafka", "log4j2.properties");
export const JAVA = which("java");
/** The test broker's heap: enough for a few topics, small for a shared 2-core machine. */
const HEAP = "-Xms256m -Xmx256m";

function javaMajor(): number | undefined {
    // `java -version` prints e.g. `openjdk version "17.0.15"` on stderr.
    const { stderr } = spawnSync(JAVA!, ["-version"], { encoding: "utf8" });
    const m = /version "(\d+)/.exec(stderr ?? "");
    return m ? Number(m[1]) : undefined;
}

/** What a Kafka broker (or Connect worker) needs here; for describeIfAvailable. */
export function kafkaMissing(): (string | undefined)[] {
    if (!JAVA) return ["no `java` on the PATH (Java 17: apt-get install openjdk-17-jre-headless)"];
    const major = javaMajor();
    const jar = path.join(KAFKA_JARS_DIR, `kafka_2.13-${KAFKA_VERSION}.jar`);
    return [
        major !== undefined && major >= 17 ? undefined : `java ${major ?? "of unknown version"} found, Kafka ${KAFKA_VERSION} needs 17 or newer`,
        fs.existsSync(jar) ? undefined : `${path.relative(PROJECT_ROOT, jar)} missing (run scripts/fetch-jars.sh)`,
    ];
}

/** `java -cp .tools/jars/kafka/* <main> <args>` with the tests' logging; `heap` as in -Xmx. */
export function startKafkaJava(mainClass: string, args: string[], options: { heap?: string; cwd?: string } = {}): RunningProcess {
    return startProcess(JAVA!, [
        ...(options.heap ?? HEAP).split(" "),
        `-Dlog4j2.configurationFile=${LOG4J2_CONFIG}`,
        "-cp", path.join(KAFKA_JARS_DIR, "*"),
        mainClass, ...args,
    ], { cwd: options.cwd });
}

export interface KafkaBroker {
    proc: RunningProcess;
    /** `127.0.0.1:<port>`: the host listener, as the stack's host clients dial it. */
    hostBootstrap: string;
    /** `<internalHost>:<port>`: the internal listener, standing in for `kafka:9092` on the stack network. */
    internalBootstrap: string;
    properties: Record<string, string>;
    dir: string;
}

export interface KafkaBrokerOptions {
    /**
     * The internal listener's advertised host, standing in for the network alias `kafka`. Default
     * "localhost": a name (not the host listener's literal 127.0.0.1) that resolves to loopback here.
     */
    internalHost?: string;
    /** Override properties (tests of a specific behaviour). */
    extraProperties?: Record<string, string>;
    startTimeoutMs?: number;
}

export function writeProperties(file: string, props: Record<string, string>): void {
    fs.writeFileSync(file, Object.entries(props).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
}

/** Formats the storage directory as the image's launch script does (kafka-storage.sh format). */
export async function formatKafkaStorage(propertiesFile: string): Promise<void> {
    const format = startKafkaJava("kafka.tools.StorageTool", ["format", "--cluster-id", KAFKA.clusterId, "--config", propertiesFile, "--ignore-formatted"], { heap: "-Xmx128m" });
    const code = await new Promise<number | null>((resolve) => format.child.once("close", resolve));
    if (code !== 0) throw new Error(`kafka-storage format failed (${code}):\n${format.output()}`);
}

/** Waits for the broker's "Kafka Server started" line; fails at once if it exits. */
export async function awaitKafkaStarted(proc: RunningProcess, timeoutMs: number): Promise<void> {
    const exited = new Promise<never>((_, reject) => proc.child.once("exit", (code, signal) =>
        reject(new Error(`Kafka exited (${code ?? signal}) before it started:\n${proc.output()}`))));
    try {
        await Promise.race([
            waitFor("Kafka to log 'Kafka Server started'", async () => (proc.output().includes("Kafka Server started") ? true : undefined), timeoutMs, 100),
            exited,
        ]);
    } catch (err) {
        throw new Error(`${(err as Error).message}\n--- Kafka output ---\n${proc.output()}`);
    }
}

/** Starts a single-node KRaft broker with the component's listeners; resolves once it has started. */
export async function startKafkaBroker(o: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
    const internalHost = o.internalHost ?? "localhost";
    const [internalPort, hostPort, controllerPort] = [await freePort(), await freePort(), await freePort()];
    const dir = tempDir("kafka");
    const layout: KafkaListenerLayout = {
        bindHost: LOOPBACK, internalPort, hostPort, controllerPort,
        internalAdvertised: `${internalHost}:${internalPort}`,
        hostAdvertised: `${LOOPBACK}:${hostPort}`,
        logDir: path.join(dir, "data"),
    };
    const properties = { ...kafkaServerProperties(layout), ...o.extraProperties };
    const file = path.join(dir, "server.properties");
    writeProperties(file, properties);
    await formatKafkaStorage(file);
    const proc = startKafkaJava("kafka.Kafka", [file]);
    await awaitKafkaStarted(proc, o.startTimeoutMs ?? 60_000);
    return { proc, hostBootstrap: layout.hostAdvertised!, internalBootstrap: layout.internalAdvertised, properties, dir };
}
