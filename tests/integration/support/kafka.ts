// A real Kafka broker for the integration tests: the jars of the image's Kafka version (fetched by
// scripts/fetch-jars.sh) on Java 17, one KRaft node configured from lib/kafka.ts like the container,
// with the same two listeners, on free loopback ports. Stopped by stopAll().
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { awaitHostListenerCommand, KAFKA, KAFKA_VERSION, kafkaEnvName, kafkaServerProperties, writeHostListenerArgv, type KafkaListenerLayout } from "../../../lib/kafka";
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
export function kafkaJavaArgv(mainClass: string, args: string[], heap = HEAP): string[] {
    return [JAVA!, ...heap.split(" "), `-Dlog4j2.configurationFile=${LOG4J2_CONFIG}`, "-cp", path.join(KAFKA_JARS_DIR, "*"), mainClass, ...args];
}

export function startKafkaJava(mainClass: string, args: string[], options: { heap?: string; cwd?: string } = {}): RunningProcess {
    const [java, ...rest] = kafkaJavaArgv(mainClass, args, options.heap);
    return startProcess(java, rest, { cwd: options.cwd });
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

interface PreparedBroker { layout: KafkaListenerLayout; hostBootstrap: string; file: string; dir: string }

/** Free ports, the component's properties (host listener's advertised address left out when `handedOver`), formatted storage. */
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
    const file = path.join(dir, "server.properties");
    writeProperties(file, { ...kafkaServerProperties(layout), ...o.extraProperties });
    await formatKafkaStorage(file);
    return { layout, hostBootstrap, file, dir };
}

function brokerOf(proc: RunningProcess, b: PreparedBroker): KafkaBroker {
    const properties = Object.fromEntries(fs.readFileSync(b.file, "utf8").trim().split("\n").map((l) => {
        const i = l.indexOf("=");
        return [l.slice(0, i), l.slice(i + 1)];
    }));
    return { proc, hostBootstrap: b.hostBootstrap, internalBootstrap: b.layout.internalAdvertised, properties, dir: b.dir };
}

/** Starts a single-node KRaft broker with the component's listeners (as in a persistent stack); resolves once it has started. */
export async function startKafkaBroker(o: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
    const b = await prepareBroker(o, false);
    const proc = startKafkaJava("kafka.Kafka", [b.file]);
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

/**
 * The ephemeral stack's start: the container's command (awaitHostListenerCommand) waits for the host
 * listener's address, and writeHostListenerArgv hands it over. Only the image's run script is
 * replaced, by one that writes KAFKA_ADVERTISED_LISTENERS into server.properties (as the image's
 * renderer does) and starts the same broker.
 */
export async function startKafkaBrokerAwaitingHostListener(o: KafkaBrokerOptions = {}): Promise<KafkaBrokerAwaitingHostListener> {
    const b = await prepareBroker(o, true);
    const addressFile = path.join(b.dir, "host-listener");
    const runScript = path.join(b.dir, "run");
    fs.writeFileSync(runScript, [
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        `printf 'advertised.listeners=%s\\n' "$${kafkaEnvName("advertised.listeners")}" >> ${b.file}`,
        `exec ${kafkaJavaArgv("kafka.Kafka", [b.file]).map((a) => `'${a}'`).join(" ")}`,
        "",
    ].join("\n"), { mode: 0o755 });
    const [shell, ...args] = awaitHostListenerCommand(b.layout.internalAdvertised, addressFile, runScript);
    const proc = startProcess(shell, args);
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
