// Facts about the Spark standalone cluster: used by the component, the probe and the tests.
import * as fs from "fs";
import * as path from "path";
import { configFile } from "./paths";

export const SPARK = {
    masterAlias: "spark-master",
    workerAlias: (index: number) => `spark-worker-${index}`,
    rpcPort: 7077,
    masterUiPort: 8080,
    workerUiPort: 8081,
    /** Image layout (apache/spark): SPARK_HOME, and the work dir owned by the `spark` user. */
    home: "/opt/spark",
    confDir: "/opt/spark/conf",
    dataDir: "/opt/spark/work-dir",
    /** Executors' scratch space; kept out of the data volume. */
    workerScratchDir: "/tmp/spark-worker",
    masterClass: "org.apache.spark.deploy.master.Master",
    workerClass: "org.apache.spark.deploy.worker.Worker",
    /** Heap of the master/worker daemons themselves (not of executors). */
    daemonMemoryMb: 512,
    /** Container headroom above what a worker offers executors: daemon heap plus JVM off-heap. */
    workerOverheadMb: 768,
    /** The image's `spark` group, owner of the data volume: containers run as another user keep it as a supplementary group. */
    imageGid: 185,
    /** The name containers reach the Docker host by (a driver on the host), mapped to Docker's `host-gateway`. */
    dockerHostAlias: "host.docker.internal",
    hostGateway: "host-gateway",
    /** Our wrapper in front of every daemon command (see sparkUserScript), uploaded into each container. */
    userScript: "/run/cdc/spark-user.sh",
} as const;

/**
 * Spark's Kafka source for Structured Streaming, matching the cluster's Spark 3.5 (Scala 2.12): a driver adds
 * it to spark.jars.packages. Maven Central has no spark-sql-kafka 3.5.8 (HTTP 404); 3.5.7 runs on 3.5.8.
 */
export const SPARK_KAFKA_PACKAGE = "org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.7";

/**
 * Runs a Spark daemon under a user name whatever uid the container runs as. The apache/spark image
 * gives an unknown uid a passwd entry only in its Kubernetes modes; the standalone master and worker
 * run as they are, and Hadoop's login then fails ("invalid null input: name"). Like the image's own
 * Kubernetes modes, this adds the entry through nss_wrapper (the image ships libnss_wrapper), in files
 * under /tmp, so /etc stays the image's; executors inherit the environment and so the name.
 */
export function sparkUserScript(): string {
    return [
        "#!/bin/sh",
        "# cdc-test-infra: give the container's uid a user name when the image has none, then run the command.",
        "set -eu",
        "if ! id -un >/dev/null 2>&1; then",
        "    wrapper=",
        "    for candidate in /usr/lib/*/libnss_wrapper.so /usr/lib/libnss_wrapper.so /lib/*/libnss_wrapper.so; do",
        "        if [ -s \"$candidate\" ]; then wrapper=$candidate; break; fi",
        "    done",
        "    if [ -z \"$wrapper\" ]; then",
        "        echo \"spark-user: uid $(id -u) has no user name in this image and libnss_wrapper is not installed; set sparkUser to image, or use an image with libnss-wrapper (apache/spark has it)\" >&2",
        "        exit 1",
        "    fi",
        "    nss=$(mktemp -d /tmp/cdc-nss.XXXXXX)",
        "    cp /etc/passwd \"$nss/passwd\"",
        "    cp /etc/group \"$nss/group\"",
        "    echo \"spark-$(id -u):x:$(id -u):$(id -g):cdc-test-infra Spark user:${HOME:-/tmp}:/bin/false\" >> \"$nss/passwd\"",
        "    id -gn >/dev/null 2>&1 || echo \"spark-$(id -g):x:$(id -g):\" >> \"$nss/group\"",
        "    LD_PRELOAD=\"$wrapper${LD_PRELOAD:+ $LD_PRELOAD}\" NSS_WRAPPER_PASSWD=\"$nss/passwd\" NSS_WRAPPER_GROUP=\"$nss/group\"",
        "    export LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP",
        "fi",
        "exec \"$@\"",
        "",
    ].join("\n");
}

/** The project's Spark configuration file, placed at <confDir>/spark-defaults.conf. */
export const SPARK_DEFAULTS_FILE = configFile("spark", "spark-defaults.conf");

/** spark-defaults.conf entries (java.util.Properties style: key, then whitespace, '=' or ':', then value). */
export function sparkConfEntries(text: string): Map<string, string> {
    const entries = new Map<string, string>();
    for (const line of text.split(/\r?\n/)) {
        const m = /^\s*([^\s#!=:]+)\s*[\s=:]\s*(.*?)\s*$/.exec(line);
        if (m) entries.set(m[1], m[2]);
    }
    return entries;
}

/** The Maven coordinates the cluster's spark-defaults.conf loads (delta-spark): a host driver must load the same. */
export function sparkJarsPackages(): string {
    const packages = sparkConfEntries(fs.readFileSync(SPARK_DEFAULTS_FILE, "utf8")).get("spark.jars.packages");
    if (!packages) throw new Error(`${SPARK_DEFAULTS_FILE} sets no spark.jars.packages`);
    return packages;
}

export function sparkMasterUrl(host: string, port: number): string {
    return `spark://${host}:${port}`;
}

export interface MasterCommandOptions {
    sparkHome: string;
    /** Host the master advertises; workers and drivers dial it. */
    host: string;
    port: number;
    webUiPort: number;
}

/** A daemon's command line behind the user wrapper (sparkUserScript), as the containers run it. */
export function withSparkUser(argv: string[]): string[] {
    return [SPARK.userScript, ...argv];
}

/** Runs the master in the foreground (the image has no CMD; sbin scripts would daemonize). */
export function sparkMasterCommand(o: MasterCommandOptions): string[] {
    return [
        path.posix.join(o.sparkHome, "bin", "spark-class"), SPARK.masterClass,
        "--host", o.host,
        "--port", String(o.port),
        "--webui-port", String(o.webUiPort),
    ];
}

export interface WorkerCommandOptions {
    sparkHome: string;
    host: string;
    webUiPort: number;
    cores: number;
    memoryMb: number;
    workDir: string;
    masterUrl: string;
}

export function sparkWorkerCommand(o: WorkerCommandOptions): string[] {
    return [
        path.posix.join(o.sparkHome, "bin", "spark-class"), SPARK.workerClass,
        "--host", o.host,
        "--webui-port", String(o.webUiPort),
        "--cores", String(o.cores),
        "--memory", `${o.memoryMb}m`,
        "--work-dir", o.workDir,
        o.masterUrl,
    ];
}

/**
 * JVM flags of the master and worker daemons (not of executors, which run the jobs): their heaps are
 * small and their work light, so the serial collector and the C1 compiler alone start them sooner
 * (bench/jvmStartup.ts measures it beside the JVM's defaults).
 */
export const SPARK_DAEMON_JAVA_OPTS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1";

/** Environment of every Spark daemon container. */
export function sparkDaemonEnv(): string[] {
    return [
        `SPARK_DAEMON_MEMORY=${SPARK.daemonMemoryMb}m`,
        `SPARK_DAEMON_JAVA_OPTS=${SPARK_DAEMON_JAVA_OPTS}`,
        `SPARK_CONF_DIR=${SPARK.confDir}`,
        // Spark's scripts want a writable home for Ivy; the image's `spark` user has none.
        "HOME=/tmp",
    ];
}
