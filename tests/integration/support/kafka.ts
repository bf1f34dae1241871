// A real Kafka broker for the integration tests: the jars of the image's Kafka version (fetched by
// scripts/fetch-jars.sh) on Java 17, one KRaft node with the component's two listeners, on free
// loopback ports. Configured as the container is: the component's KAFKA_* environment (lib/kafka.ts)
// is rendered into server.properties, and the storage formatted, by the image's own start step
// (kafka.docker.KafkaDockerWrapper setup, in the broker jar), then kafka.Kafka runs. Stopped by stopAll().
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    awaitHostListenerCommand, KAFKA_VERSION, kafkaEnv, kafkaEnvName, kafkaServerProperties, writeHostListenerArgv, type KafkaListenerLayout,
} from "../../../lib/kafka";
import { freePort, LOOPBACK, startProcess, tempDir, waitFor, type RunningProcess } from "./processes";
import { PROJECT_ROOT, which } from "./tools";

/** Classpath directory of kafka.Kafka (and Connect), from Maven Central. */
export const KAFKA_JARS_DIR = path.join(PROJECT_ROOT, ".tools", "jars", "kafka");
const LOG4J2_CONFIG = path.join(PROJECT_ROOT, "tests", "integration", "kafka", "log4j2.properties");
export const JAVA = which("java");
/** The test broker stands in for a container with this memory limit (its heap follows from it). */
const TEST_MEMORY_MB = 512;
const TOOL_HEAP = "-Xmx128m";

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

/** `java <JVM options> -cp .tools/jars/kafka/* <main> <args>` with the tests' logging. */
export function kafkaJavaArgv(mainClass: string, args: string[], jvmOptions: string): string[] {
    return [JAVA!, ...jvmOptions.split(/\s+/).filter(Boolean), `-Dlog4j2.configurationFile=${LOG4J2_CONFIG}`, "-cp", path.join(KAFKA_JARS_DIR, "*"), mainClass, ...args];
}

export function startKafkaJava(mainClass: string, args: string[], options: { jvmOptions?: string; env?: NodeJS.ProcessEnv } = {}): RunningProcess {
    const [java, ...rest] = kafkaJavaArgv(mainClass, args, options.jvmOptions ?? TOOL_HEAP);
    return startProcess(java, rest, { env: options.env });
}

/** A Java properties file (Connect's worker config, for one). */
export function writeProperties(file: string, props: Record<string, string>): void {
    fs.writeFileSync(file, Object.entries(props).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
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

export interface KafkaBroker {
    proc: RunningProcess;
    /** `127.0.0.1:<port>`: the host listener, as the stack's host clients dial it. */
    hostBootstrap: string;
    /** `<internalHost>:<port>`: the internal listener, standing in for `kafka:9092` on the stack network. */
    internalBootstrap: string;
    /** server.properties as the image's start step rendered it from the environment. */
    properties: Record<string, string>;
    dir: string;
}

export interface KafkaBrokerOptions {
    /**
     * The internal listener's advertised host, standing in for the network alias `kafka`. Default
     * "localhost": a name (not the host listener's literal 127.0.0.1) that resolves to loopback here.
     */
    internalHost?: string;
    /** Extra or overriding properties (tests of a specific behaviour). */
    extraProperties?: Record<string, string>;
    startTimeoutMs?: number;
    /** JVM flags instead of the component's KAFKA_JVM_PERFORMANCE_OPTS (the benchmark's other variant). */
    jvmPerformanceOpts?: string;
}

interface PreparedBroker {
    layout: KafkaListenerLayout;
    hostBootstrap: string;
    /** The container's environment, as a process environment (inherited KAFKA_* variables removed). */
    env: NodeJS.ProcessEnv;
    /** KAFKA_HEAP_OPTS and KAFKA_JVM_PERFORMANCE_OPTS, as the image's kafka-run-class.sh passes them to java. */
    jvmOptions: string;
    dir: string;
    /** Where the image's start step writes server.properties (/opt/kafka/config in the image). */
    configDir: string;
}

/** Free ports and the component's environment (the host listener's advertised address left out when `handedOver`). */
async function prepareBroker(o: KafkaBrokerOptions, handedOver: boolean): Promise<PreparedBroker> {
    const internalHost = o.internalHost ?? "localhost";
    const [internalPort, hostPort, controllerPort] = [await freePort(), await freePort(), await freePort()];
    const dir = tempDir("kafka");
    const hostBootstrap = `${LOOPBACK}:${hostPort}`;
    const layout: KafkaListenerLayout = {
        bindHost: LOOPBACK, internalPort, hostPort, controllerPort,
        internalAdvertised: `${internalHost}:${internalPort}`,
        hostAdvertised: handedOver ? undefined : hostBootstrap,
        logDir: path.join(dir, "data"),
    };
    const env: NodeJS.ProcessEnv = {};
    // Any KAFKA_* variable of this process would become a property too: unset them (undefined is not passed on).
    for (const key of Object.keys(process.env)) if (key.startsWith("KAFKA_")) env[key] = undefined;
    for (const line of kafkaEnv({ ...kafkaServerProperties(layout), ...o.extraProperties }, TEST_MEMORY_MB)) {
        env[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
    const configDir = path.join(dir, "config");
    for (const d of ["defaults", "mounted", "config"]) fs.mkdirSync(path.join(dir, d));
    const jvmOptions = `${env.KAFKA_HEAP_OPTS} ${o.jvmPerformanceOpts ?? env.KAFKA_JVM_PERFORMANCE_OPTS ?? ""}`.trim();
    return { layout, hostBootstrap, env, jvmOptions, dir, configDir };
}

/** The image's start step: KAFKA_* variables -> server.properties, then the storage format (CLUSTER_ID). */
function setupArgv(b: PreparedBroker): string[] {
    return kafkaJavaArgv("kafka.docker.KafkaDockerWrapper", ["setup",
        "--default-configs-dir", path.join(b.dir, "defaults"), "--mounted-configs-dir", path.join(b.dir, "mounted"), "--final-configs-dir", b.configDir,
    ], TOOL_HEAP);
}

function brokerArgv(b: PreparedBroker): string[] {
    return kafkaJavaArgv("kafka.Kafka", [path.join(b.configDir, "server.properties")], b.jvmOptions);
}

function brokerOf(proc: RunningProcess, b: PreparedBroker): KafkaBroker {
    const lines = fs.readFileSync(path.join(b.configDir, "server.properties"), "utf8").split("\n").filter((l) => l.includes("="));
    const properties = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    return { proc, hostBootstrap: b.hostBootstrap, internalBootstrap: b.layout.internalAdvertised, properties, dir: b.dir };
}

/** Starts a single-node KRaft broker with the component's listeners (as in a persistent stack); resolves once it has started. */
export async function startKafkaBroker(o: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
    const b = await prepareBroker(o, false);
    const [java, ...setup] = setupArgv(b);
    const setupProc = startProcess(java, setup, { env: b.env });
    const code = await new Promise<number | null>((resolve) => setupProc.child.once("close", resolve));
    if (code !== 0) throw new Error(`the image's start step (KafkaDockerWrapper setup) failed (${code}):\n${setupProc.output()}`);
    const [, ...args] = brokerArgv(b);
    const proc = startProcess(java, args, { env: b.env });
    await awaitKafkaStarted(proc, o.startTimeoutMs ?? 60_000);
    return brokerOf(proc, b);
}

export interface KafkaBrokerAwaitingHostListener {
    /** The waiting command's process (it becomes the broker once handed its address). */
    proc: RunningProcess;
    hostBootstrap: string;
    internalBootstrap: string;
    /** Writes the host listener's address as the component's command resource does; resolves once the broker has started. */
    handOver(): Promise<KafkaBroker>;
}

const quoted = (argv: string[]) => argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");

/**
 * The ephemeral stack's start: the container's command (awaitHostListenerCommand) waits for the host
 * listener's address, and writeHostListenerArgv hands it over. The image's run script is stood in
 * for by its two steps: the start step (rendering KAFKA_ADVERTISED_LISTENERS with the rest), then the broker.
 */
export async function startKafkaBrokerAwaitingHostListener(o: KafkaBrokerOptions = {}): Promise<KafkaBrokerAwaitingHostListener> {
    const b = await prepareBroker(o, true);
    const addressFile = path.join(b.dir, "host-listener");
    const runScript = path.join(b.dir, "run");
    fs.writeFileSync(runScript, [
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        `echo "run: ${kafkaEnvName("advertised.listeners")}=$${kafkaEnvName("advertised.listeners")}"`,
        quoted(setupArgv(b)),
        `exec ${quoted(brokerArgv(b))}`,
        "",
    ].join("\n"), { mode: 0o755 });
    const [shell, ...args] = awaitHostListenerCommand(b.layout.internalAdvertised, { sharedAdvertised: b.layout.shared?.advertised, file: addressFile, run: runScript });
    const proc = startProcess(shell, args, { env: b.env });
    return {
        proc, hostBootstrap: b.hostBootstrap, internalBootstrap: b.layout.internalAdvertised,
        async handOver() {
            const [sh, ...writeArgs] = writeHostListenerArgv(b.hostBootstrap, addressFile);
            const writer = startProcess(sh, writeArgs);
            const code = await new Promise<number | null>((resolve) => writer.child.once("close", resolve));
            if (code !== 0) throw new Error(`writing the host listener's address failed (${code}): ${writer.output()}`);
            await awaitKafkaStarted(proc, o.startTimeoutMs ?? 60_000);
            return brokerOf(proc, b);
        },
    };
}
