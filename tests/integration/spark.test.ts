// The Spark parts against a real standalone master and worker, started with the component's own
// command lines (lib/spark.ts) from the pyspark wheel's SPARK_HOME and the project's spark-defaults.conf:
// the readiness probe run as the gate runs it, and a PySpark driver writing Delta through the cluster.
import * as fs from "fs";
import * as path from "path";
import { PROBE_PROGRAM, PROJECT_ROOT as PROBE_DIR, probeArgv, probeShellCommand, type ProbeRequest, type ProbeTiming } from "../../lib/probes";
import { SPARK_DEFAULTS_FILE, sparkConfEntries, sparkMasterCommand, sparkMasterUrl, sparkWorkerCommand } from "../../lib/spark";
import { evaluateSparkMaster } from "../../probe/spark";
import { freePort, LOOPBACK, startProcess, stopAll, tempDir, waitFor, type RunningProcess } from "./support/processes";
import { IVY_CACHE, localSparkSetup, megabytes } from "./support/spark";
import { describeIfAvailable, pysparkHome, venvPython, which } from "./support/tools";

// ---------------------------------------------------------------------------------------------
// STANDBY cannot be produced by one local master (it needs ZooKeeper recovery and a second master):
// a fixture shaped like the master's /json/ (JsonProtocol.writeMasterState) of a standby master.
const STANDBY_MASTER_JSON_FIXTURE = {
    url: "spark://spark-master:7077",
    workers: [],
    aliveworkers: 0,
    cores: 0,
    coresused: 0,
    memory: 0,
    memoryused: 0,
    resources: [],
    resourcesused: [],
    activeapps: [],
    completedapps: [],
    activedrivers: [],
    completeddrivers: [],
    status: "STANDBY",
};

describe("spark probe: a STANDBY master (fixture)", () => {
    it("is not ready, whatever the worker count asked, and says why", () => {
        expect(evaluateSparkMaster(STANDBY_MASTER_JSON_FIXTURE, 1)).toEqual({ ready: false, observed: "status=STANDBY, alive workers 0/1" });
        expect(evaluateSparkMaster(STANDBY_MASTER_JSON_FIXTURE, 0).ready).toBe(false);
    });
});

// ---------------------------------------------------------------------------------------------
const python = venvPython();
const sparkHome = pysparkHome();
const javaHome = process.env.JAVA_HOME;
const java = javaHome ? (fs.existsSync(path.join(javaHome, "bin", "java")) ? path.join(javaHome, "bin", "java") : undefined) : which("java");

const describeSpark = describeIfAvailable("spark", [
    !java && (javaHome ? `JAVA_HOME=${javaHome} has no bin/java` : "no java on the PATH (Spark needs Java 17)"),
    !python && "no Python venv at .venv (make it from tests/integration/requirements.txt, or set CDC_PYTHON)",
    python !== undefined && !sparkHome && `pyspark is not importable by ${python}`,
]);

/** What the worker offers executors; must hold the conf's spark.executor.memory (1g). */
const WORKER_CORES = 1;
const WORKER_MEMORY_MB = 1536;
/** A child's stdout and stderr apart, and its exit once its streams are closed. */
interface Watched {
    proc: RunningProcess;
    stdout(): string;
    stderr(): string;
    running(): boolean;
    closed: Promise<{ code: number | null; signal: NodeJS.Signals | null; elapsedMs: number }>;
}

function watch(proc: RunningProcess): Watched {
    const started = Date.now();
    let out = "";
    let err = "";
    let done = false;
    proc.child.stdout!.on("data", (d) => { out += d; });
    proc.child.stderr!.on("data", (d) => { err += d; });
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null; elapsedMs: number }>((resolve) =>
        proc.child.once("close", (code, signal) => { done = true; resolve({ code, signal, elapsedMs: Date.now() - started }); }));
    return { proc, stdout: () => out, stderr: () => err, running: () => !done, closed };
}

/** The probe exactly as the readiness gate runs it: its shell command, from the project root. */
function startProbe(request: ProbeRequest, timing: ProbeTiming): Watched {
    const command = probeShellCommand(probeArgv(request, timing));
    // The gate's shell finds `node` on the PATH: make it this very Node.
    const PATH = [path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter);
    return watch(startProcess("/bin/sh", ["-c", command], { cwd: PROBE_DIR, env: { PATH } }));
}

const tail = (text: string, lines = 40) => text.trimEnd().split("\n").slice(-lines).join("\n");

describeSpark("spark: a real master and worker from the component's command lines", () => {
    const conf = sparkConfEntries(fs.readFileSync(SPARK_DEFAULTS_FILE, "utf8"));
    let root: string;
    let warehouse: string;
    let workerDir: string;
    let env: NodeJS.ProcessEnv;
    let masterPort: number;
    let masterUiPort: number;
    let workerUiPort: number;
    let masterUrl: string;
    let uiUrl: string;
    let master: RunningProcess;
    let worker: RunningProcess | undefined;

    const fastTiming = (timeoutSeconds: number): ProbeTiming => ({ timeoutSeconds, intervalMs: 250, containers: [] });
    const masterJson = async (): Promise<Record<string, unknown> & { status?: string; workers?: Array<Record<string, unknown>> }> => {
        const res = await fetch(`${uiUrl}/json/`);
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        return await res.json() as Record<string, unknown>;
    };
    const processOutputs = () =>
        `\n--- master ---\n${tail(master?.output() ?? "")}\n--- worker ---\n${worker ? tail(worker.output()) : "(not started)"}`;

    function startWorker(): RunningProcess {
        if (!worker) {
            const argv = sparkWorkerCommand({
                sparkHome: sparkHome!, host: LOOPBACK, webUiPort: workerUiPort, cores: WORKER_CORES,
                memoryMb: WORKER_MEMORY_MB, workDir: workerDir, masterUrl,
            });
            worker = startProcess(argv[0], argv.slice(1), { env, cwd: root });
        }
        return worker;
    }

    async function aliveWorkers(n: number, timeoutMs = 90_000): Promise<Array<Record<string, unknown>>> {
        return waitFor(`${n} ALIVE worker(s) at ${uiUrl}/json/${processOutputs()}`, async () => {
            const body = await masterJson();
            const alive = (body.workers ?? []).filter((w) => w.state === "ALIVE");
            return body.status === "ALIVE" && alive.length === n ? alive : undefined;
        }, timeoutMs, 250);
    }

    beforeAll(async () => {
        const probeProgram = path.join(PROBE_DIR, PROBE_PROGRAM);
        if (!fs.existsSync(probeProgram)) throw new Error(`${probeProgram} is missing: run \`npm run build\` first (npm test does)`);
        const executorMb = megabytes(conf.get("spark.executor.memory") ?? "1g");
        if (executorMb > WORKER_MEMORY_MB) throw new Error(`the worker's ${WORKER_MEMORY_MB}m cannot hold the conf's ${executorMb}m executors`);

        root = tempDir("spark");
        ({ warehouse, workerDir, env } = localSparkSetup(root, sparkHome!, javaHome));

        [masterPort, masterUiPort, workerUiPort] = [await freePort(), await freePort(), await freePort()];
        masterUrl = sparkMasterUrl(LOOPBACK, masterPort);
        uiUrl = `http://${LOOPBACK}:${masterUiPort}`;
        const argv = sparkMasterCommand({ sparkHome: sparkHome!, host: LOOPBACK, port: masterPort, webUiPort: masterUiPort });
        master = startProcess(argv[0], argv.slice(1), { env, cwd: root });
    });

    afterAll(async () => {
        await stopAll();
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it("probe started before the worker registers keeps waiting, then passes once it has", async () => {
        const probe = startProbe({ service: "spark", url: uiUrl, expectedWorkers: 1 }, fastTiming(120));
        // The master comes up with no worker: the probe sees it and goes on waiting.
        const waiting = `status=ALIVE, alive workers 0/1; waiting for status ALIVE and at least 1 ALIVE worker`;
        await waitFor(`the probe to see the master ALIVE without workers; probe stderr:\n${tail(probe.stderr())}${processOutputs()}`,
            async () => (probe.stderr().includes(waiting) || !probe.running() ? true : undefined), 90_000, 100);
        await new Promise((r) => setTimeout(r, 3000));
        if (!probe.running()) throw new Error(`the probe gave up before the worker came: exit ${(await probe.closed).code}\n${tail(probe.stderr())}`);
        // One line for what it sees (not one per 250 ms attempt): the observation has not changed.
        expect(probe.stderr().split("\n").filter((l) => l.includes(waiting))).toHaveLength(1);

        startWorker();
        const { code, elapsedMs } = await probe.closed;
        expect({ code, stdout: probe.stdout(), stderr: tail(probe.stderr(), 3) }).toEqual({
            code: 0,
            stdout: `spark ready at ${uiUrl}/json/: status=ALIVE, alive workers 1/1\n`,
            stderr: expect.stringMatching(/\[spark\] ready after \d+ attempts \(\d+\.\ds\): status=ALIVE, alive workers 1\/1$/),
        });
        expect(elapsedMs).toBeLessThan(120_000);
    }, 150_000);

    it("probe passes on its first attempt with the master ALIVE and its 1 worker, registered as the command line asked", async () => {
        startWorker();
        const [w] = await aliveWorkers(1);
        // sparkWorkerCommand's flags reached the worker: the master sees what it offers.
        expect(w).toMatchObject({ host: LOOPBACK, cores: WORKER_CORES, memory: WORKER_MEMORY_MB, state: "ALIVE" });
        const body = await masterJson();
        expect(body.url).toBe(masterUrl);
        // The STANDBY fixture is shaped like the live answer.
        expect(Object.keys(STANDBY_MASTER_JSON_FIXTURE).sort()).toEqual(Object.keys(body).sort());

        const probe = startProbe({ service: "spark", url: uiUrl, expectedWorkers: 1 }, fastTiming(20));
        const { code } = await probe.closed;
        expect({ code, stdout: probe.stdout(), stderr: probe.stderr() }).toEqual({
            code: 0,
            stdout: `spark ready at ${uiUrl}/json/: status=ALIVE, alive workers 1/1\n`,
            stderr: expect.stringMatching(/^\[spark\] ready after 1 attempt \(\d+\.\ds\): status=ALIVE, alive workers 1\/1\n$/),
        });
    }, 120_000);

    it("probe expecting 2 workers when there is 1 fails within its timeout, naming service, endpoint, expectation and last observation", async () => {
        startWorker();
        await aliveWorkers(1);
        const timeoutSeconds = 4;
        const probe = startProbe({ service: "spark", url: uiUrl, expectedWorkers: 2 }, fastTiming(timeoutSeconds));
        const { code, elapsedMs } = await probe.closed;
        const stderr = probe.stderr();
        expect(code).toBe(1);
        expect(probe.stdout()).toBe("");
        const verdict = new RegExp(`^spark is not ready at ${uiUrl.replace(/[.]/g, "\\.")}/json/: timed out after (\\d+\\.\\d)s \\((\\d+) attempts\\)\\.$`, "m");
        expect(stderr).toMatch(verdict);
        const [, seconds, attempts] = verdict.exec(stderr)!;
        expect(Number(seconds)).toBeLessThanOrEqual(timeoutSeconds);
        // It kept trying for (nearly) the whole timeout rather than giving up at once.
        expect(Number(seconds)).toBeGreaterThanOrEqual(timeoutSeconds - 1);
        expect(Number(attempts)).toBeGreaterThanOrEqual(5);
        expect(stderr).toContain("\n  expected: status ALIVE and at least 2 ALIVE workers\n");
        expect(stderr).toContain("\n  last observed: status=ALIVE, alive workers 1/2\n");
        // Node's start-up aside, the process ends with its timeout.
        expect(elapsedMs).toBeLessThan(timeoutSeconds * 1000 + 5000);
    }, 60_000);

    /** The driver's report, shared by the Delta tests below (one Spark application for both). */
    let delta: Record<string, any> | undefined;

    it("a PySpark driver with the project's spark-defaults.conf writes a Delta table through the cluster, merges a CDC batch, reads it back", async () => {
        startWorker();
        await aliveWorkers(1);
        const table = "cdc_roundtrip";
        const script = path.join(__dirname, "spark", "delta_roundtrip.py");
        const started = Date.now();
        const driver = watch(startProcess(python!, [script, masterUrl, table], {
            cwd: root,
            env: { ...env, PYSPARK_PYTHON: python, PYSPARK_DRIVER_PYTHON: python },
        }));
        const { code } = await driver.closed;
        const wallSeconds = (Date.now() - started) / 1000;
        const line = driver.stdout().split("\n").find((l) => l.startsWith("RESULT "));
        if (code !== 0 || !line) {
            throw new Error(`driver exited with ${code}\n--- stdout ---\n${tail(driver.stdout())}\n--- stderr ---\n${tail(driver.stderr(), 80)}${processOutputs()}`);
        }
        const result = JSON.parse(line.slice("RESULT ".length));
        delta = result;
        // eslint-disable-next-line no-console
        console.log(`delta round trip: driver process ${wallSeconds.toFixed(1)}s; inside it (s) ${JSON.stringify(result.seconds)}`);

        // Through the cluster: the spark:// master, and executors the worker launched for this application.
        expect(result.master).toBe(masterUrl);
        expect(result.executorIds.length).toBeGreaterThanOrEqual(1);
        for (const id of result.executorIds) expect(fs.existsSync(path.join(workerDir, result.appId, id))).toBe(true);
        const body = await masterJson();
        const app = (body.completedapps as Array<Record<string, unknown>>).find((a) => a.id === result.appId);
        expect(app).toMatchObject({ name: result.appName, state: "FINISHED", memoryperexecutor: megabytes(conf.get("spark.executor.memory")!) });

        // The settings came from the project's file (its container paths mapped).
        expect(result.conf).toEqual({
            "spark.jars.packages": conf.get("spark.jars.packages"),
            "spark.jars.ivy": IVY_CACHE,
            "spark.sql.extensions": conf.get("spark.sql.extensions"),
            "spark.sql.catalog.spark_catalog": conf.get("spark.sql.catalog.spark_catalog"),
            "spark.sql.warehouse.dir": expect.stringContaining(warehouse),
            "spark.driver.memory": conf.get("spark.driver.memory"),
            "spark.executor.memory": conf.get("spark.executor.memory"),
            "spark.executor.cores": conf.get("spark.executor.cores"),
        });

        // The table: Delta, in the warehouse, with its log; the rows written, then merged, read back.
        expect(result.format).toBe("delta");
        const tableDir = path.join(warehouse, table);
        expect(result.location).toBe(`file:${tableDir}`);
        expect(fs.statSync(path.join(tableDir, "_delta_log")).isDirectory()).toBe(true);
        expect(fs.readdirSync(path.join(tableDir, "_delta_log"))).toEqual(expect.arrayContaining(["00000000000000000000.json", "00000000000000000001.json"]));
        expect(fs.readdirSync(tableDir).filter((f) => f.endsWith(".parquet")).length).toBeGreaterThanOrEqual(1);
        expect(result.history).toEqual([[0, "CREATE TABLE AS SELECT"], [1, "MERGE"]]);
        expect(result.version0).toEqual([
            { id: 1, op: "insert", payload: "alpha" },
            { id: 2, op: "insert", payload: "beta" },
            { id: 3, op: "insert", payload: "gamma" },
        ]);
        expect(result.count).toBe(3);
        expect(result.rows).toEqual([
            { id: 1, op: "insert", payload: "alpha" },
            { id: 2, op: "update", payload: "BETA" },
            { id: 4, op: "insert", payload: "delta" },
        ]);
    }, 420_000);

    it("replacing a Delta table (saveAsTable in overwrite mode) works", () => {
        if (!delta) throw new Error("the Delta round trip above produced no report");
        // Spark 3.5.6 checks that REPLACE TABLE AS SELECT targets support truncation; delta-spark 3.3.2
        // and older fail it ("does not support truncate in batch mode", delta-io/delta#4671): 3.3.3 is pinned.
        expect(delta.replace).toEqual({ error: null, rows: [{ id: 9, op: "insert", payload: "replaced" }] });
    });
});
