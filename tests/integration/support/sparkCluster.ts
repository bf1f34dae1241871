// A Spark standalone master and worker from the pyspark wheel, with the component's command lines
// (lib/spark.ts) and the project's spark-defaults.conf (container paths mapped to a temp dir), for the
// golden path. tests/integration/spark.test.ts checks the cluster itself in depth.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SPARK_DEFAULTS_FILE, sparkDaemonEnv, sparkMasterCommand, sparkMasterUrl, sparkWorkerCommand } from "../../../lib/spark";
import { freePort, LOOPBACK, startProcess, tempDir, waitFor } from "./processes";
import { PROJECT_ROOT } from "./tools";

/** The golden path's Structured Streaming job: Debezium events from Kafka into Delta, rows read back. */
export const GOLDEN_JOB = path.join(PROJECT_ROOT, "tests", "integration", "golden", "cdc_to_delta.py");

/** Ivy cache kept across runs (the same one spark.test.ts uses): packages are downloaded once. */
export const IVY_CACHE = process.env.CDC_IVY_CACHE ?? path.join(os.homedir(), ".cache", "cdc-test-infra", "ivy");

export interface SparkCluster {
    masterUrl: string;
    /** The environment a driver on this host runs with (SPARK_HOME, SPARK_CONF_DIR, ...). */
    env: NodeJS.ProcessEnv;
    /** A value of the project's spark-defaults.conf. */
    defaults(key: string): string | undefined;
}

export async function startSparkCluster(sparkHome: string, worker: { cores: number; memoryMb: number }): Promise<SparkCluster> {
    const root = tempDir("spark-golden");
    const [confDir, warehouse, workDir, home] = ["conf", "warehouse", "worker", "home"].map((d) => path.join(root, d));
    for (const d of [confDir, warehouse, workDir, home, IVY_CACHE]) fs.mkdirSync(d, { recursive: true });
    const project = fs.readFileSync(SPARK_DEFAULTS_FILE, "utf8");
    const local: Record<string, string> = { "spark.jars.ivy": IVY_CACHE, "spark.sql.warehouse.dir": warehouse };
    const conf = project.split("\n").map((line) => {
        const key = /^\s*([^\s#]+)\s/.exec(line)?.[1];
        return key && key in local ? `${key} ${local[key]}` : line;
    }).join("\n");
    fs.writeFileSync(path.join(confDir, "spark-defaults.conf"), conf);
    const daemonEnv = Object.fromEntries(sparkDaemonEnv().map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
    const env = { ...daemonEnv, SPARK_CONF_DIR: confDir, HOME: home, SPARK_HOME: sparkHome, SPARK_LOCAL_IP: LOOPBACK };
    const [port, uiPort, workerUiPort] = [await freePort(), await freePort(), await freePort()];
    const masterUrl = sparkMasterUrl(LOOPBACK, port);
    const master = sparkMasterCommand({ sparkHome, host: LOOPBACK, port, webUiPort: uiPort });
    startProcess(master[0], master.slice(1), { env, cwd: root });
    const w = sparkWorkerCommand({ sparkHome, host: LOOPBACK, webUiPort: workerUiPort, cores: worker.cores, memoryMb: worker.memoryMb, workDir, masterUrl });
    startProcess(w[0], w.slice(1), { env, cwd: root });
    await waitFor("the Spark master ALIVE with 1 ALIVE worker", async () => {
        const body = await (await fetch(`http://${LOOPBACK}:${uiPort}/json/`)).json() as { status?: string; workers?: Array<{ state: string }> };
        return body.status === "ALIVE" && (body.workers ?? []).filter((x) => x.state === "ALIVE").length === 1 ? true : undefined;
    }, 120_000, 250);
    const entries = new Map(conf.split("\n").map((l) => /^\s*([^\s#]+)\s+(.*?)\s*$/.exec(l)).filter((m): m is RegExpExecArray => !!m).map((m) => [m[1], m[2]]));
    return { masterUrl, env, defaults: (key) => entries.get(key) };
}
