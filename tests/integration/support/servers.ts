// Real servers and the real probe, shared by the integration tests.
import * as path from "path";
import { ALERTMANAGER_CONFIG_FILE, alertmanagerArgs } from "../../../lib/alertmanager";
import { AlertmanagerClient } from "../../../lib/alertmanagerClient";
import { probeArgv, probeShellCommand, type ProbeRequest, type ProbeTiming } from "../../../lib/probes";
import { LOOPBACK, startProcess, waitFor, type RunningProcess } from "./processes";
import { PROJECT_ROOT, which } from "./tools";

export const ALERTMANAGER_BINARY = which("prometheus-alertmanager") ?? which("alertmanager");

export interface AlertmanagerServer { proc: RunningProcess; url: string; client: AlertmanagerClient }

/** Starts AlertManager with the component's arguments and the project's config; waits until /api/v2/status answers. */
export async function startAlertmanager(storagePath: string, port: number): Promise<AlertmanagerServer> {
    const url = `http://${LOOPBACK}:${port}`;
    const proc = startProcess(ALERTMANAGER_BINARY!, alertmanagerArgs({
        configFile: ALERTMANAGER_CONFIG_FILE, storagePath, listenAddress: `${LOOPBACK}:${port}`,
    }));
    const client = new AlertmanagerClient(url, { timeoutMs: 2_000 });
    const exited = new Promise<never>((_, reject) => proc.child.once("exit", (code, signal) =>
        reject(new Error(`AlertManager exited (${code ?? signal}) before it was ready:\n${proc.output()}`))));
    try {
        await Promise.race([waitFor(`AlertManager at ${url}`, () => client.status(), 15_000), exited]);
    } catch (err) {
        throw new Error(`${(err as Error).message}\n--- AlertManager output ---\n${proc.output()}`);
    }
    return { proc, url, client };
}

export interface ProbeRun { code: number | null; stdout: string; stderr: string; elapsedMs: number }

/** The gate's command line, run by a shell from the project root, as the gate does. */
export function runProbe(request: ProbeRequest, timing: Partial<ProbeTiming> = {}, env: NodeJS.ProcessEnv = {}): Promise<ProbeRun> {
    const argv = probeArgv(request, { timeoutSeconds: 20, intervalMs: 250, containers: [], ...timing });
    const started = Date.now();
    // The `node` the shell finds is the one running these tests.
    const proc = startProcess("sh", ["-c", probeShellCommand(argv)], {
        cwd: PROJECT_ROOT, env: { ...env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` },
    });
    let stdout = "";
    let stderr = "";
    proc.child.stdout!.on("data", (d) => { stdout += d; });
    proc.child.stderr!.on("data", (d) => { stderr += d; });
    return new Promise((resolve) => proc.child.once("close", (code) => resolve({ code, stdout, stderr, elapsedMs: Date.now() - started })));
}
