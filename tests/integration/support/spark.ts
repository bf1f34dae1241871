// A Spark standalone master and worker as local processes, from the pyspark wheel's SPARK_HOME, with the
// component's own command lines and environment (lib/spark.ts) and the project's spark-defaults.conf;
// only container paths are mapped to a temp dir and the listen address to loopback.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SPARK, SPARK_DEFAULTS_FILE, sparkDaemonEnv, sparkMasterCommand, sparkMasterUrl, sparkWorkerCommand } from "../../../lib/spark";
import { freePort, LOOPBACK, startProcess, waitFor, type RunningProcess } from "./processes";

/** Ivy cache kept across runs: the first run downloads delta-spark and its dependencies from Maven Central. */
export const IVY_CACHE = process.env.CDC_IVY_CACHE ?? path.join(os.homedir(), ".cache", "cdc-test-infra", "ivy");

/**
 * The project's file with its container paths replaced: each key of `paths` must be in the file,
 * and no other value may be an absolute path (a new container path must be mapped here, not missed).
 */
export function mapContainerPaths(text: string, paths: Record<string, string>): string {
    const seen = new Set<string>();
    const lines = text.split(/\r?\n/).map((line) => {
        const m = /^(\s*)([^\s#!=:]+)(\s*[\s=:]\s*)(.*?)\s*$/.exec(line);
        if (!m) return line;
        const [, indent, key, sep, value] = m;
        if (key in paths) {
            seen.add(key);
            return `${indent}${key}${sep}${paths[key]}`;
        }
        if (value.startsWith("/")) throw new Error(`${SPARK_DEFAULTS_FILE}: ${key} ${value} is a container path; map it in ${__filename}`);
        return line;
    });
    const missing = Object.keys(paths).filter((k) => !seen.has(k));
    if (missing.length > 0) throw new Error(`${SPARK_DEFAULTS_FILE} no longer sets ${missing.join(", ")}`);
    return lines.join("\n");
}

/** A Spark memory setting in MiB ("1g" is 1024; a bare number already means MiB). */
export function megabytes(size: string): number {
    const m = /^(\d+)([kmgt]?)b?$/i.exec(size.trim());
    if (!m) throw new Error(`unreadable size ${JSON.stringify(size)}`);
    const factor: Record<string, number> = { "": 1, k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024 };
    return Number(m[1]) * factor[m[2].toLowerCase()];
}

export interface LocalSparkSetup {
    confDir: string;
    warehouse: string;
    workerDir: string;
    /** The daemons' environment: the containers', its paths mapped. */
    env: NodeJS.ProcessEnv;
}

/** Conf dir and environment under `root`, as the containers have them, container paths mapped. */
export function localSparkSetup(root: string, sparkHome: string, javaHome: string | undefined): LocalSparkSetup {
    const confDir = path.join(root, "conf");
    const warehouse = path.join(root, "warehouse");
    const workerDir = path.join(root, "worker");
    const daemonHome = path.join(root, "home");
    for (const d of [confDir, warehouse, workerDir, daemonHome, IVY_CACHE]) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(confDir, "spark-defaults.conf"), mapContainerPaths(fs.readFileSync(SPARK_DEFAULTS_FILE, "utf8"), {
        "spark.jars.ivy": IVY_CACHE,
        "spark.sql.warehouse.dir": warehouse,
    }));
    const containerEnv = Object.fromEntries(sparkDaemonEnv().map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
    const hostPaths: Record<string, string> = { SPARK_CONF_DIR: confDir, HOME: daemonHome };
    for (const [k, v] of Object.entries(containerEnv)) {
        if (v.startsWith("/") && !(k in hostPaths)) throw new Error(`sparkDaemonEnv() sets ${k}=${v}, a container path; map it in ${__filename}`);
    }
    if (containerEnv.SPARK_CONF_DIR !== SPARK.confDir) throw new Error(`sparkDaemonEnv() no longer points SPARK_CONF_DIR at ${SPARK.confDir}`);
    const env = {
        ...containerEnv, ...hostPaths,
        // The image sets SPARK_HOME; the wheel's bin/ would otherwise ask some python3 where it is.
        SPARK_HOME: sparkHome,
        SPARK_LOCAL_IP: LOOPBACK,
        ...(javaHome ? { JAVA_HOME: javaHome } : {}),
    };
    return { confDir, warehouse, workerDir, env };
}

export interface LocalSparkCluster extends LocalSparkSetup {
    masterUrl: string;
    uiUrl: string;
    master: RunningProcess;
    worker: RunningProcess;
}

export interface LocalSparkOptions {
    root: string;
    sparkHome: string;
    javaHome?: string;
    workerCores: number;
    workerMemoryMb: number;
    /** Added to the daemons' environment (and so to the executors the worker starts). */
    extraEnv?: NodeJS.ProcessEnv;
}

/** Master and one worker; resolves once the master lists the worker ALIVE. */
export async function startLocalSparkCluster(o: LocalSparkOptions): Promise<LocalSparkCluster> {
    const setup = localSparkSetup(o.root, o.sparkHome, o.javaHome);
    const env = { ...setup.env, ...o.extraEnv };
    const [masterPort, masterUiPort, workerUiPort] = [await freePort(), await freePort(), await freePort()];
    const masterUrl = sparkMasterUrl(LOOPBACK, masterPort);
    const uiUrl = `http://${LOOPBACK}:${masterUiPort}`;
    const masterArgv = sparkMasterCommand({ sparkHome: o.sparkHome, host: LOOPBACK, port: masterPort, webUiPort: masterUiPort });
    const master = startProcess(masterArgv[0], masterArgv.slice(1), { env, cwd: o.root });
    const workerArgv = sparkWorkerCommand({
        sparkHome: o.sparkHome, host: LOOPBACK, webUiPort: workerUiPort, cores: o.workerCores,
        memoryMb: o.workerMemoryMb, workDir: setup.workerDir, masterUrl,
    });
    const worker = startProcess(workerArgv[0], workerArgv.slice(1), { env, cwd: o.root });
    const tail = (p: RunningProcess) => p.output().trimEnd().split("\n").slice(-30).join("\n");
    await waitFor(`the master at ${uiUrl} listing its worker ALIVE\n--- master ---\n${tail(master)}\n--- worker ---\n${tail(worker)}`, async () => {
        const res = await fetch(`${uiUrl}/json/`);
        const body = await res.json() as { status?: string; workers?: Array<{ state: string }> };
        return body.status === "ALIVE" && (body.workers ?? []).some((w) => w.state === "ALIVE") ? true : undefined;
    }, 120_000, 250);
    return { ...setup, env, masterUrl, uiUrl, master, worker };
}
