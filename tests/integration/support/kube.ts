// The local Kubernetes cluster (scripts/k8s/up.sh) for the kubernetes platform's tests: kubectl with its
// kubeconfig, applying the program's pure manifests, and its gates run as the program runs them.
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { probeArgv, PROBE_PROGRAM, type KubeForward, type ProbeRequest } from "../../../lib/probes";
import { PROJECT_ROOT } from "./tools";

export const K8S_DIR = process.env.CDC_K8S_DIR ?? "/tmp/cdc-k8s";
export const KUBECONFIG = path.join(K8S_DIR, "admin.kubeconfig");
const K8S_BIN = path.join(PROJECT_ROOT, ".tools", "k8s", "bin");
/** kubectl and the probe find the cluster's binaries and kubeconfig through this environment. */
export const KUBE_ENV: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG, PATH: `${K8S_BIN}:${process.env.PATH}` };

export function kubectl(args: string[], input?: string): string {
    return execFileSync("kubectl", args, { env: KUBE_ENV, encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"], timeout: 120_000 });
}

/** Why the cluster cannot be used, or undefined. */
export function clusterMissing(): string | undefined {
    if (!fs.existsSync(path.join(K8S_BIN, "kubectl"))) return "no cluster binaries in .tools/k8s/bin (bash scripts/k8s/up.sh builds them)";
    try {
        kubectl(["get", "--raw", "/readyz"]);
        return undefined;
    } catch (err) {
        return `the local cluster does not answer (${(err as Error).message.split("\n")[0]}); start it: bash scripts/k8s/up.sh`;
    }
}

/** Images absent from the cluster's containerd (scripts/k8s/load-images.sh loads them). */
export function clusterImagesMissing(images: string[]): string | undefined {
    const have = execFileSync("ctr", ["-a", path.join(K8S_DIR, "containerd", "containerd.sock"), "-n", "k8s.io", "images", "ls", "-q"], { encoding: "utf8" })
        .split("\n").map((line) => line.replace(/^docker\.io\//, ""));
    const absent = images.filter((image) => !have.includes(image));
    return absent.length === 0 ? undefined : `images not loaded into the cluster: ${absent.join(", ")} (bash scripts/k8s/load-images.sh ${absent.join(" ")})`;
}

export function applyObjects(objects: unknown[]): void {
    kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
}

export interface GateRun {
    code: number;
    stdout: string;
    stderr: string;
    seconds: number;
}

/** The program's gate for one service: the built probe with exactly the argv the gate's command has (no forward: dialed directly). */
export function runGate(request: ProbeRequest, forward: KubeForward | undefined, timeoutSeconds: number, secretEnv: Record<string, string> = {}): Promise<GateRun> {
    const argv = probeArgv(request, { timeoutSeconds, intervalMs: 250, containers: [], ...(forward === undefined ? {} : { kube: forward }) });
    const started = Date.now();
    return new Promise((resolve) => {
        execFile("node", [PROBE_PROGRAM, ...argv], { cwd: PROJECT_ROOT, env: { ...KUBE_ENV, ...secretEnv }, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
            resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr, seconds: (Date.now() - started) / 1000 });
        });
    });
}

export interface JobOutcome {
    state: "Complete" | "Failed";
    /** The pod's log (what the suite printed). */
    log: string;
}

/** Waits for a Job to complete or fail, then reads its pod's log. */
export async function jobOutcome(namespace: string, job: string, timeoutMs: number): Promise<JobOutcome> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const conditions: { type: string; status: string }[] = JSON.parse(kubectl(["-n", namespace, "get", "job", job, "-o", "json"])).status.conditions ?? [];
        const done = conditions.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
        if (done) return { state: done.type as JobOutcome["state"], log: kubectl(["-n", namespace, "logs", `job/${job}`]) };
        if (Date.now() > deadline) {
            const pods = kubectl(["-n", namespace, "get", "pods", "-l", `job-name=${job}`, "-o", "wide"]);
            throw new Error(`job ${job} neither completed nor failed in ${timeoutMs / 1000} s:\n${pods}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
}
