// Readiness detection overhead against real services (`npm run bench`; writes BENCHMARKS.md).
// For each run: start the service; a tight 10 ms poller (the probe's own check, in process) records
// the moment the service first answers correctly; the probe program, started with the service the
// way a gate runs it, records the moment it declares ready. Overhead = probe ready - first correct.
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as mysql from "mysql2/promise";
import { ALERTMANAGER_CONFIG_FILE, alertmanagerArgs, routeReceiverOf } from "../lib/alertmanager";
import { binlogFlags, cdcInitSql, MYSQL_CNF_FILE } from "../lib/mysql";
import { PROBE_SECRET_ENV, PROJECT_ROOT, probeArgv, probeShellCommand, type ProbeRequest } from "../lib/probes";
import { SETTINGS_SCHEMA } from "../lib/settings";
import { sparkMasterCommand, sparkMasterUrl, sparkWorkerCommand } from "../lib/spark";
import { alertmanagerCheck } from "../probe/alertmanager";
import { mysqlCheck } from "../probe/mysql";
import type { ReadinessCheck } from "../probe/poll";
import { sparkCheck } from "../probe/spark";
import { START_MODES, type StartMode } from "./mockedEvaluation";
import { median, publishBenchmarkSections, runBenchmark } from "./report";
// The integration tests' process helpers: free loopback ports, process groups always stopped, temp dirs removed.
import { freePort, LOOPBACK, startProcess, stopAll, tempDir as tmp } from "../tests/integration/support/processes";

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const POLL_MS = 10;
const INTERVAL_MS = SETTINGS_SCHEMA.readinessIntervalMs.default;
const ROOT_PASSWORD = "bench-root-pw";
const CDC = { database: "cdc_test", user: "cdc", password: "bench-cdc-pw" };
const SECRET_ENV = { [PROBE_SECRET_ENV.mysqlRootPassword]: ROOT_PASSWORD, [PROBE_SECRET_ENV.mysqlCdcPassword]: CDC.password };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const start = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) => startProcess(cmd, args, { env });

/** Resolves with the time the probe printed its verdict (stdout), or rejects with its output. */
function runProbe(request: ProbeRequest, timeoutSeconds: number, env: NodeJS.ProcessEnv = {}): Promise<number> {
    return new Promise((resolve, reject) => {
        const argv = probeArgv(request, { timeoutSeconds, intervalMs: INTERVAL_MS, containers: [] });
        const child = spawn("/bin/sh", ["-c", probeShellCommand(argv)], { cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
        let stderr = "";
        let readyAt: number | undefined;
        child.stdout.on("data", () => { readyAt ??= performance.now(); });
        child.stderr.on("data", (d) => { stderr += d; });
        child.on("close", (code) => (code === 0 && readyAt !== undefined ? resolve(readyAt) : reject(new Error(`probe exit ${code}: ${stderr}`))));
    });
}

async function firstCorrect(check: ReadinessCheck, deadlineMs: number): Promise<number> {
    const end = performance.now() + deadlineMs;
    while (performance.now() < end) {
        const t0 = performance.now();
        try {
            if ((await check.attempt(1000)).ready) return performance.now();
        } catch { /* not yet */ }
        await sleep(Math.max(0, POLL_MS - (performance.now() - t0)));
    }
    throw new Error(`${check.service} never answered correctly`);
}

interface Target {
    name: string;
    /** Starts the service; returns what is needed to probe it and to stop it. */
    start(): Promise<{ request: ProbeRequest; check: ReadinessCheck; env?: NodeJS.ProcessEnv; stop(): Promise<void> }>;
}

const alertmanager: Target = {
    name: "AlertManager",
    async start() {
        const port = await freePort();
        const proc = start("prometheus-alertmanager", alertmanagerArgs({
            configFile: ALERTMANAGER_CONFIG_FILE, storagePath: tmp("am"), listenAddress: `${LOOPBACK}:${port}`,
        }));
        const url = `http://${LOOPBACK}:${port}`;
        const receiver = routeReceiverOf(fs.readFileSync(ALERTMANAGER_CONFIG_FILE, "utf8"))!;
        return { request: { service: "alertmanager", url, routeReceiver: receiver }, check: alertmanagerCheck(url, receiver), stop: () => proc.stop() };
    },
};

function mariadbTarget(): Target {
    const dir = tmp("mariadb");
    const dataDir = path.join(dir, "data");
    const socket = path.join(dir, "sock");
    const cnf = path.join(dir, "my.cnf");
    fs.writeFileSync(cnf, `!include ${MYSQL_CNF_FILE}\n`);
    const asRoot = process.getuid?.() === 0 ? ["--user=root"] : [];
    const serverArgs = (port: number) => [`--defaults-file=${cnf}`, ...binlogFlags("mariadb", { serverId: 7, retentionHours: 24 }),
        `--datadir=${dataDir}`, `--socket=${socket}`, `--port=${port}`, `--bind-address=${LOOPBACK}`, ...asRoot];
    let prepared = false;
    return {
        name: "MariaDB (binlog)",
        async start() {
            if (!prepared) {
                // Once: a data dir with root's password and the CDC user, as the image's first boot leaves it.
                execFileSync("mariadb-install-db", ["--no-defaults", `--datadir=${dataDir}`, "--auth-root-authentication-method=normal", "--skip-test-db", ...asRoot], { stdio: "ignore" });
                const setup = start("mariadbd", serverArgs(await freePort()));
                let conn: mysql.Connection | undefined;
                for (let i = 0; i < 300 && !conn; i++) {
                    conn = await mysql.createConnection({ socketPath: socket, user: "root", multipleStatements: true }).catch(async () => { await sleep(100); return undefined; });
                }
                // install-db also makes password-less root@127.0.0.1 and root@::1, which would shadow root@'%'.
                await conn!.query(`DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1'; CREATE USER 'root'@'%' IDENTIFIED BY '${ROOT_PASSWORD}'; GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;\n${cdcInitSql(CDC)}`);
                await conn!.end();
                await setup.stop();
                prepared = true;
            }
            const port = await freePort();
            const proc = start("mariadbd", serverArgs(port));
            const target = { host: LOOPBACK, port, flavor: "mariadb" as const, rootPassword: ROOT_PASSWORD, cdcUser: CDC.user, cdcPassword: CDC.password };
            return {
                request: { service: "mysql", host: LOOPBACK, port, flavor: "mariadb", cdcUser: CDC.user },
                check: mysqlCheck(target), env: SECRET_ENV, stop: () => proc.stop(),
            };
        },
    };
}

function sparkTarget(): Target {
    const python = path.join(PROJECT_ROOT, ".venv", "bin", "python");
    const sparkHome = execFileSync(python, ["-c", "import os, pyspark; print(os.path.dirname(pyspark.__file__))"], { encoding: "utf8" }).trim();
    return {
        name: "Spark master + 1 worker",
        async start() {
            const [port, ui, workerUi] = [await freePort(), await freePort(), await freePort()];
            const env = { SPARK_HOME: sparkHome, SPARK_LOCAL_IP: LOOPBACK, SPARK_CONF_DIR: tmp("spark-conf") };
            // spark-class is a bash script; run it with bash whatever its file mode in the wheel.
            const master = start("bash", sparkMasterCommand({ sparkHome, host: LOOPBACK, port, webUiPort: ui }), env);
            const worker = start("bash", sparkWorkerCommand({
                sparkHome, host: LOOPBACK, webUiPort: workerUi, cores: 1, memoryMb: 1024, workDir: tmp("spark-work"), masterUrl: sparkMasterUrl(LOOPBACK, port),
            }), env);
            const url = `http://${LOOPBACK}:${ui}`;
            return {
                request: { service: "spark", url, expectedWorkers: 1 }, check: sparkCheck(url, 1),
                stop: async () => { await worker.stop(); await master.stop(); },
            };
        },
    };
}

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

interface Row { name: string; overheads: number[]; readyProbe: number[]; startup: number[] }

async function measure(target: Target): Promise<Row> {
    const row: Row = { name: target.name, overheads: [], readyProbe: [], startup: [] };
    for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const svc = await target.start();
        try {
            const [correctAt, probeAt] = await Promise.all([firstCorrect(svc.check, 180_000), runProbe(svc.request, 180, svc.env)]);
            row.overheads.push(probeAt - correctAt);
            row.startup.push(correctAt - t0);
            // A full probe of the now-ready service: process start to exit.
            const p0 = performance.now();
            await runProbe(svc.request, 30, svc.env);
            row.readyProbe.push(performance.now() - p0);
        } finally {
            await svc.stop();
        }
        process.stderr.write(`${target.name} run ${i + 1}/${RUNS}: overhead ${fmt(row.overheads[i])}, service ready after ${fmt(row.startup[i])}, ready-service probe ${fmt(row.readyProbe[i])}\n`);
    }
    return row;
}

/** Fresh-process evaluations of the program against the mocks, per start mode, interleaved: [program ms, process wall ms]. */
function mockedEvaluations(): Map<StartMode, Array<[number, number]>> {
    const runs = new Map<StartMode, Array<[number, number]>>(START_MODES.map((m) => [m, []]));
    for (let i = 0; i < RUNS; i++) {
        for (const mode of START_MODES) {
            const t0 = performance.now();
            const out = execFileSync(process.execPath, [path.join(__dirname, "mockedEvaluation.js"), mode], { encoding: "utf8" });
            runs.get(mode)!.push([Number(out.trim()), performance.now() - t0]);
        }
    }
    return runs;
}

async function main() {
    const loadBefore = os.loadavg()[0];
    const evaluations = mockedEvaluations();
    const loadAfter = os.loadavg()[0];
    const rows: Row[] = [];
    for (const target of [alertmanager, mariadbTarget(), sparkTarget()]) rows.push(await measure(target));
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    const table = [
        "| service | runs | detection overhead median | max | full probe of a ready service median | max | service start to first correct answer (median) |",
        "|---|---|---|---|---|---|---|",
        ...rows.map((r) => `| ${r.name} | ${r.overheads.length} | ${fmt(median(r.overheads))} | ${fmt(Math.max(...r.overheads))} | ${fmt(median(r.readyProbe))} | ${fmt(Math.max(...r.readyProbe))} | ${fmt(median(r.startup))} |`),
    ].join("\n");
    const report = `## Readiness detection overhead

Reproduce: \`PATH="$PWD/.tools/bin:$PATH" npm run bench\` (after \`bash scripts/bootstrap.sh\`; this part and the next alone:
\`npm run build && node dist/bench/readiness.js\`; \`BENCH_RUNS\` sets the runs, default 10).

Method (bench/readiness.ts): each run starts the real service (Debian AlertManager 0.25, Debian MariaDB 10.11 with the
MariaDB flavor's binlog flags, Spark 3.5 master + worker from the pyspark wheel, all with the components' own command lines).
A tight ${POLL_MS} ms poller, running the probe's own check in process, records the moment the service first answers
correctly; the probe program (\`node dist/probe/cli.js\`, poll interval ${INTERVAL_MS} ms = the \`readinessIntervalMs\`
default), started at the same moment the way a gate runs it, records when it declares ready.
Overhead = probe ready - first correct answer. Then one full probe of the already-ready service is timed,
process start to exit. Goals: overhead median <= 100 ms (a Docker Compose healthcheck with default
settings costs >= 30 s before \`service_healthy\`); full probe of a ready service <= 300 ms.

${table}

Reading it: AlertManager and MariaDB answer correctly ~80-120 ms after their process starts, before a
fresh probe process has finished loading (Node + client library, ~80-150 ms, see the full-probe column), so
their overhead is mostly the probe's own start-up; in a stack the gate starts when the container is created
and the image's own start takes seconds, which hides it. The poller and the probe sample independently, so
a single run can come out slightly negative (the probe's attempt landed between two poller attempts).

## The program's own share of a no-op update

One evaluation of the program against \`pulumi.runtime.setMocks\`, every resource answering as an already-ready
stack does, each in a fresh process (bench/mockedEvaluation.ts): the time a no-op \`up\` or \`preview\` spends in the
program itself, before and after the engine's own work. "program evaluation" runs from the program's first line to
every stack output resolved; "whole process" adds Node's start and the SDK's load. Four ways of starting it:
\`compiled\` is what Pulumi.yaml runs (\`main: dist/index.js\`, \`typescript: false\`: plain Node on the output of
\`npm run build\`); \`ts-node\` is \`typescript: true\` (the ts-node the SDK registers type-checks what it compiles
and caches its output by content in the temp dir: a run like the one before it), \`ts-node-cold\` the same with an empty
cache (the first run after a source change), \`transpile-only\` that ts-node without type-checking (only an environment
variable, PULUMI_NODEJS_TRANSPILE_ONLY, selects it). ${RUNS} runs each, interleaved; load average (1 min)
${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after. The engine's own work (state, provider diffs) comes on
top of each and is the same for all.

| start | program evaluation median | max | whole process median | max |
|---|---|---|---|---|
${START_MODES.map((m) => { const e = evaluations.get(m)!; return `| ${m} | ${fmt(median(e.map((x) => x[0])))} | ${fmt(Math.max(...e.map((x) => x[0])))} | ${fmt(median(e.map((x) => x[1])))} | ${fmt(Math.max(...e.map((x) => x[1])))} |`; }).join("\n")}

Machine: ${os.cpus().length} cores (${cpu}), shared with other work (load average ${os.loadavg()[0].toFixed(1)} at the end), Node ${process.version}, measured ${new Date().toISOString().slice(0, 10)}.
`;
    publishBenchmarkSections(report);
}

runBenchmark(main, stopAll);
