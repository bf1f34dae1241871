// Real servers for integration tests: free loopback ports, child processes that are always stopped.
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

export const LOOPBACK = "127.0.0.1";

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, LOOPBACK, () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

const tempDirs: string[] = [];

/** A fresh temporary directory, removed by stopAll(). */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cdc-${prefix}-`));
    tempDirs.push(dir);
    return dir;
}

export interface RunningProcess {
    child: ChildProcess;
    /** Everything the process wrote so far (stdout and stderr). */
    output(): string;
    /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
    stop(graceMs?: number): Promise<void>;
}

const running = new Set<RunningProcess>();

export function startProcess(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunningProcess {
    const child = spawn(command, args, {
        env: { ...process.env, ...options.env },
        cwd: options.cwd,
        stdio: ["ignore", "pipe", "pipe"],
        // Own process group, so stop() also ends what the command started (spark-class execs java).
        detached: true,
    });
    let out = "";
    child.stdout!.on("data", (d) => { out += d; });
    child.stderr!.on("data", (d) => { out += d; });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const proc: RunningProcess = {
        child,
        output: () => out,
        async stop(graceMs = 15_000) {
            running.delete(proc);
            if (child.exitCode !== null || child.signalCode !== null) return;
            const signal = (sig: NodeJS.Signals) => { try { process.kill(-child.pid!, sig); } catch { /* already gone */ } };
            signal("SIGTERM");
            const timer = setTimeout(() => signal("SIGKILL"), graceMs);
            await exited;
            clearTimeout(timer);
        },
    };
    running.add(proc);
    return proc;
}

/** Stops every process still running and removes the temp dirs; call from afterAll so a failing test leaves nothing behind. */
export async function stopAll(): Promise<void> {
    await Promise.all([...running].map((p) => p.stop()));
    for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 100): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
        try {
            const v = await fn();
            if (v !== undefined) return v;
        } catch (err) {
            last = err;
        }
        await new Promise((r) => setTimeout(r, intervalMs));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
