// A failed gate's report shows each container's last log lines; after a crash, those of the run that
// crashed. Once the restart policy has started the container again, the new run's first lines (a
// Spark daemon's classpath banner, ...) fill `docker logs --tail N`, and the crash is not in them.
// `docker logs --until <end of the crashed run> --tail N` does not do on its own either: the daemon
// (20.10, json-file) takes the log's last N lines first and filters them by time after, which leaves
// nothing once the new run has printed N lines. So when its tail comes back short, the crashed run's
// log is read up to its end (inspect's FinishedAt), keeping the last N lines as they stream by.
import { spawn } from "child_process";
import { inspectContainers, type ContainerState, type DockerRunner } from "./containers";

export interface LogLines { stdout: string[]; stderr: string[] }

/**
 * Runs `docker <args>` (a `logs` command) and keeps the last `keep` lines of each output stream
 * (the container's stdout and stderr). Rejects like execFile: `code` ENOENT without a docker CLI,
 * `stderr` (the CLI's error) on a non-zero exit.
 */
export type LogReader = (args: string[], keep: number) => Promise<LogLines>;

/** The last `keep` complete lines of a stream fed in chunks (and its unterminated last line, at the end). */
function lastLines(keep: number) {
    let lines: string[] = [];
    let rest = "";
    return {
        push(chunk: string) {
            const parts = (rest + chunk).split("\n");
            rest = parts.pop() ?? "";
            lines.push(...parts);
            if (lines.length > 2 * keep + 1000) lines = lines.slice(-keep);
        },
        lines(): string[] {
            return (rest ? [...lines, rest] : lines).slice(-keep);
        },
    };
}

export function dockerLogReader(env: NodeJS.ProcessEnv, timeoutMs = 10_000): LogReader {
    return (args, keep) => new Promise<LogLines>((resolve, reject) => {
        const child = spawn("docker", args, { env, stdio: ["ignore", "pipe", "pipe"] });
        const out = lastLines(keep);
        const err = lastLines(Math.max(keep, 20));
        child.stdout.setEncoding("utf8").on("data", (c: string) => out.push(c));
        child.stderr.setEncoding("utf8").on("data", (c: string) => err.push(c));
        let settled = false;
        const settle = (f: () => void) => { if (!settled) { settled = true; clearTimeout(timer); f(); } };
        const timer = setTimeout(() => settle(() => {
            child.kill("SIGKILL");
            reject(Object.assign(new Error(`docker ${args.join(" ")} took longer than ${timeoutMs} ms`), { stderr: "" }));
        }), timeoutMs);
        child.once("error", (e) => settle(() => reject(e)));
        child.once("close", (code, signal) => settle(() => code === 0
            ? resolve({ stdout: out.lines(), stderr: err.lines() })
            : reject(Object.assign(new Error(`docker ${args.join(" ")} exited with ${code ?? signal}`), { stderr: err.lines().join("\n") }))));
    });
}

// Docker's timestamps (RFC3339Nano, the daemon's clock) as nanoseconds since the epoch.
const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

export function nanosOf(timestamp: string | undefined): bigint | undefined {
    const m = TIMESTAMP.exec(timestamp ?? "");
    if (!m) return undefined;
    const ms = Date.parse(`${m[1]}${m[3]}`);
    if (Number.isNaN(ms) || ms < 0) return undefined; // Go's zero time, 0001-01-01T00:00:00Z: never
    return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/** RFC3339Nano in UTC, as `docker logs --until/--since` and `docker events` take it. */
export function rfc3339Nano(nanos: bigint): string {
    const seconds = nanos / 1_000_000_000n;
    const fraction = (nanos % 1_000_000_000n).toString().padStart(9, "0");
    return new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, `.${fraction}Z`);
}

/**
 * Where the run that ended at FinishedAt stops in the log. Its last lines reach the log within
 * moments of its exit (the daemon waits for them before it restarts anything), and a restart policy
 * starts the next run at least 100 ms after the exit (its first back-off): half of that either side.
 */
export const RUN_END_MARGIN_NS = 50_000_000n;

const LOG_TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)) ?(.*)$/s;

/**
 * The last `n` lines of both streams in the order they were logged (by `--timestamps`, which are
 * removed), or stdout's then stderr's where the lines carry no timestamps.
 */
export function mergeLogLines({ stdout, stderr }: LogLines, n: number): string[] {
    const all = [...stdout, ...stderr];
    const parsed = all.map((line) => LOG_TIMESTAMP.exec(line));
    if (parsed.some((m) => !m || nanosOf(m[1]) === undefined)) return all.slice(-n);
    return parsed
        .map((m, i) => ({ at: nanosOf(m![1])!, i, text: m![2] }))
        .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.i - b.i))
        .map((l) => l.text)
        .slice(-n);
}

function section(header: string, lines: string[]): string {
    return `--- ${header} ---\n${lines.join("\n").trimEnd() || "(empty)"}`;
}

function failure(name: string, err: unknown): string {
    const e = err as { code?: unknown; stderr?: string };
    return e.code === "ENOENT"
        ? `--- container ${name}: no docker CLI on the PATH, logs not shown ---`
        : `--- container ${name}: docker logs failed: ${(e.stderr?.trim() || String(err)).trim()} ---`;
}

/** The last `n` lines the container logged before `until` (see the file's comment for why in two steps). */
async function linesBefore(name: string, until: bigint, n: number, read: LogReader): Promise<string[]> {
    const untilArg = rfc3339Nano(until);
    const tail = mergeLogLines(await read(["logs", "--tail", String(n), "--timestamps", "--until", untilArg, name], n), n);
    if (tail.length >= n) return tail;
    return mergeLogLines(await read(["logs", "--timestamps", "--until", untilArg, name], n), n);
}

/** The exit code of the run that ended at `finished`, from the daemon's `die` event (inspect shows 0 once the container runs again). */
async function exitCodeOfRunEndedAt(name: string, finished: bigint, restarted: bigint, docker: DockerRunner): Promise<string | undefined> {
    try {
        const out = await docker(["events", "--since", rfc3339Nano(finished - 1_000_000_000n), "--until", rfc3339Nano(restarted),
            "--filter", `container=${name}`, "--filter", "event=die", "--format", "{{.Actor.Attributes.exitCode}}"]);
        return out.split("\n").map((l) => l.trim()).filter((l) => /^-?\d+$/.test(l)).at(-1);
    } catch {
        return undefined;
    }
}

const times = (n: number) => `${n} time${n === 1 ? "" : "s"}`;

/**
 * One container's part of a failed gate's report. A container that has exited, is being restarted,
 * or runs again after an exit: the last `n` lines of the run that ended (labelled with its exit code
 * and end), and for one running again, its current run's too. Otherwise (it never exited, or Docker
 * cannot tell) its last `n` lines, as `docker logs --tail` shows them.
 */
export async function containerLogReport(name: string, docker: DockerRunner, read: LogReader, n = 20): Promise<string> {
    const state: ContainerState | undefined = (await inspectContainers([name], docker))?.[0];
    const started = nanosOf(state?.startedAt);
    const finished = nanosOf(state?.finishedAt);
    try {
        if (!state || started === undefined || finished === undefined) {
            return section(`last ${n} log lines of container ${name}`, mergeLogLines(await read(["logs", "--tail", String(n), name], n), n));
        }
        const runEnd = finished + RUN_END_MARGIN_NS;
        const restarts = state.restartCount > 0 ? ` (restarted ${times(state.restartCount)} by its restart policy)` : "";
        const runningAgain = state.status !== "exited" && state.status !== "dead" && !state.restarting && started > finished;
        if (!runningAgain) {
            const policy = !state.restarting ? restarts
                : ` (being restarted by its restart policy${state.restartCount > 0 ? `; restarted ${times(state.restartCount)} so far` : ""})`;
            return section(`last ${n} log lines of container ${name}, from its run that exited with code ${state.exitCode} at ${state.finishedAt}${policy}`,
                await linesBefore(name, runEnd, n, read));
        }
        const code = await exitCodeOfRunEndedAt(name, finished, started, docker);
        const previous = section(
            `last ${n} log lines of container ${name}, from its previous run, which exited ${code === undefined ? "(exit code unknown)" : `with code ${code}`} at ${state.finishedAt}${restarts}`,
            await linesBefore(name, runEnd, n, read));
        const current = section(`last ${n} log lines of container ${name}, from its current run, started at ${state.startedAt}`,
            mergeLogLines(await read(["logs", "--tail", String(n), "--timestamps", "--since", rfc3339Nano(runEnd), name], n), n));
        return `${previous}\n${current}`;
    } catch (err) {
        return failure(name, err);
    }
}
