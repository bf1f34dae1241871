// Platform kubernetes: the probe reaches a Service through the API server with `kubectl port-forward`,
// on a local port it picks once, so a forward that drops (its pod replaced, not running yet) is simply
// reopened on the same port and the check's addresses stay valid.
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as net from "net";
import type { KubeForward } from "../lib/probes";

export function kubectlArgs(k: Pick<KubeForward, "context" | "namespace">, ...rest: string[]): string[] {
    return [...(k.context === undefined ? [] : ["--context", k.context]), "--namespace", k.namespace, ...rest];
}

export async function freeLocalPort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

export interface Tunnel {
    /** `127.0.0.1:<port>`: where the probe dials. */
    readonly local: string;
    /** Starts the forward unless it runs; undefined once it forwards, else why it does not (yet). */
    ensure(timeoutMs: number): Promise<string | undefined>;
    close(): void;
}

export function openTunnel(k: KubeForward, localPort: number, env: NodeJS.ProcessEnv): Tunnel {
    let child: ChildProcess | undefined;
    let lastError = "";
    let forwarding = false;
    const local = `127.0.0.1:${localPort}`;
    return {
        local,
        async ensure(timeoutMs) {
            if (child && child.exitCode === null && forwarding) return undefined;
            child?.kill();
            forwarding = false;
            const argv = kubectlArgs(k, "port-forward", "--address", "127.0.0.1", `service/${k.service}`, `${localPort}:${k.port}`);
            const started = spawn("kubectl", argv, { env, stdio: ["ignore", "pipe", "pipe"] });
            child = started;
            return new Promise<string | undefined>((resolve) => {
                const done = (why: string | undefined) => { clearTimeout(timer); resolve(why); };
                const timer = setTimeout(() => done(`kubectl port-forward to service/${k.service}:${k.port} not forwarding after ${timeoutMs} ms`), timeoutMs);
                started.stdout!.on("data", (chunk: Buffer) => {
                    if (chunk.toString().includes("Forwarding from")) { forwarding = true; done(undefined); }
                });
                started.stderr!.on("data", (chunk: Buffer) => { lastError = chunk.toString().trim().split("\n").pop() ?? ""; });
                started.on("error", (err) => done(`kubectl: ${err.message} (the kubernetes platform's gates need kubectl on the PATH)`));
                started.on("exit", (code) => { forwarding = false; done(`kubectl port-forward exited (${code}): ${lastError || "no message"}`); });
            });
        },
        close() {
            child?.kill();
        },
    };
}

/** The state of the role's pods and their last log lines (the previous run's too, after a restart). */
export function kubePodReport(k: KubeForward, env: NodeJS.ProcessEnv, lines = 20): string {
    const run = (...rest: string[]) => {
        const r = spawnSync("kubectl", kubectlArgs(k, ...rest), { env, encoding: "utf8", timeout: 15_000 });
        return { ok: r.status === 0, text: ((r.stdout || "") + (r.stderr || "") || (r.error ? `kubectl: ${r.error.message}` : "")).trimEnd() };
    };
    const selector = `app.kubernetes.io/name=${k.role}`;
    // A pod that never restarted has no previous run: kubectl says so as an error, which tells nothing here.
    const previous = run("logs", "-l", selector, "--all-containers", "--prefix", "--previous", `--tail=${lines}`);
    return [
        `--- pods ${selector} in namespace ${k.namespace}`,
        run("get", "pods", "-l", selector, "-o", "wide").text,
        `--- last ${lines} log lines (${previous.ok ? "previous run, then current" : "no previous run"})`,
        ...(previous.ok ? [previous.text] : []),
        run("logs", "-l", selector, "--all-containers", "--prefix", `--tail=${lines}`).text,
    ].join("\n");
}
