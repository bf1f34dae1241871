// What the driver needs before it touches a stack, checked up front with messages naming the fix.
// Pure apart from the injected PATH lookup, command runner and file test, so tests can fake them.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const PULUMI_INSTALL_URL = "https://www.pulumi.com/docs/install/";
export const DOCKER_INSTALL_URL = "https://docs.docker.com/engine/install/";
export const KUBECTL_INSTALL_URL = "https://kubernetes.io/docs/tasks/tools/";

export interface ExecResult {
    /** Exit status; null when the program could not be started or was killed (see `error`). */
    status: number | null;
    stdout: string;
    stderr: string;
    error?: Error;
}
export type Exec = (file: string, args: string[], options: { env: NodeJS.ProcessEnv; timeoutMs: number }) => ExecResult;

/** Runs a program without a shell; never throws. */
export const spawnExec: Exec = (file, args, { env, timeoutMs }) => {
    const r = spawnSync(file, args, { env, timeout: timeoutMs, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ...(r.error ? { error: r.error } : {}) };
};

export function isExecutableFile(file: string): boolean {
    try {
        if (!fs.statSync(file).isFile()) return false;
        fs.accessSync(file, fs.constants.X_OK);
        return true;
    } catch {
        return false;
    }
}

/** The first executable `program` in the directories of `pathValue` (a PATH string), like `command -v`. */
export function findOnPath(program: string, pathValue: string | undefined, isExecutable: (file: string) => boolean = isExecutableFile): string | undefined {
    for (const dir of (pathValue ?? "").split(path.delimiter)) {
        if (dir === "") continue;
        const candidate = path.join(dir, program);
        if (isExecutable(candidate)) return candidate;
    }
    return undefined;
}

export interface PreflightOptions {
    /** The environment the Pulumi CLI will run with: PATH, DOCKER_HOST, KUBECONFIG, PULUMI_CONFIG_PASSPHRASE… */
    env: NodeJS.ProcessEnv;
    /** Check the Docker daemon (up, down of a docker stack) and the passphrase (up, down); list needs only the CLI. */
    needDocker: boolean;
    needPassphrase: boolean;
    /** Platform kubernetes (up, down): check kubectl and that the cluster of this context answers, instead of Docker. */
    kubernetes?: KubeTarget;
    /** The readiness gates run `node <probeScript>` from the project directory. */
    probeScript?: string;
    exec?: Exec;
    isExecutable?: (file: string) => boolean;
    fileExists?: (file: string) => boolean;
    dockerInfoTimeoutMs?: number;
    kubeReadyTimeoutMs?: number;
}

export interface PreflightResult {
    ok: boolean;
    /** One message per problem, each naming what to install, start or set. */
    problems: string[];
    pulumi?: string;
    docker?: string;
    kubectl?: string;
}

/** The cluster of a kubernetes stack: its kubeconfig context (kubeContext; absent: the current one). */
export interface KubeTarget {
    context?: string;
}

/** Checks everything at once, so one run lists every missing piece. */
export function preflight(o: PreflightOptions): PreflightResult {
    const exec = o.exec ?? spawnExec;
    const isExecutable = o.isExecutable ?? isExecutableFile;
    const fileExists = o.fileExists ?? fs.existsSync;
    const pathValue = o.env.PATH;
    const problems: string[] = [];

    const pulumi = findOnPath("pulumi", pathValue, isExecutable);
    if (!pulumi) {
        problems.push(`the Pulumi CLI is not on PATH: install the Pulumi CLI: ${PULUMI_INSTALL_URL} (then make sure \`pulumi version\` works in this shell)`);
    }

    let docker: string | undefined;
    if (o.needDocker) {
        docker = findOnPath("docker", pathValue, isExecutable);
        if (!docker) {
            problems.push(`the docker CLI is not on PATH (the readiness gates and leftover checks use it): install Docker: ${DOCKER_INSTALL_URL}; ` +
                "DOCKER_HOST can point it at a daemon on another machine");
        } else {
            const r = exec(docker, ["info", "--format", "{{.ServerVersion}}"], { env: o.env, timeoutMs: o.dockerInfoTimeoutMs ?? 30_000 });
            if (r.status !== 0 || r.stdout.trim() === "") {
                const where = o.env.DOCKER_HOST ? `DOCKER_HOST=${o.env.DOCKER_HOST}` : "the default socket (DOCKER_HOST is not set)";
                const why = r.error ? r.error.message : firstLines(r.stderr || r.stdout, 3) || `exit status ${r.status}`;
                problems.push(`the Docker daemon is unreachable: \`docker info\` failed at ${where}: ${why}${/[.?!]$/.test(why) ? "" : "."} ` +
                    "Start the Docker daemon, or set DOCKER_HOST to point at one that runs (e.g. DOCKER_HOST=ssh://user@host or tcp://host:2376)");
            }
        }
    }

    let kubectl: string | undefined;
    if (o.kubernetes) {
        const kube = kubeClusterProblems({ env: o.env, target: o.kubernetes, exec, isExecutable, ...(o.kubeReadyTimeoutMs ? { timeoutMs: o.kubeReadyTimeoutMs } : {}) });
        problems.push(...kube.problems);
        kubectl = kube.kubectl;
    }

    if (!findOnPath("node", pathValue, isExecutable)) {
        problems.push("node is not on PATH: the Pulumi CLI runs this program, and the readiness gates run the probe, with `node` (Node 22 or newer)");
    }
    if (o.probeScript && !fileExists(o.probeScript)) {
        problems.push(`the readiness probe is not built (${o.probeScript} is missing): run \`npm run build\` (the env:* scripts do)`);
    }
    if (o.needPassphrase) {
        const problem = passphraseProblem(o.env, fileExists);
        if (problem) problems.push(problem);
    }
    return { ok: problems.length === 0, problems, ...(pulumi ? { pulumi } : {}), ...(docker ? { docker } : {}), ...(kubectl ? { kubectl } : {}) };
}

/** `--context <name>` when the stack names a context; nothing picks the kubeconfig's current one. */
export function contextArgs(t: KubeTarget): string[] {
    return t.context === undefined ? [] : ["--context", t.context];
}

/**
 * Platform kubernetes: kubectl on PATH (the gates' port-forwards, env:forward and the leftover checks run
 * it) and a cluster that answers `kubectl get --raw /readyz` within the timeout. Used by preflight and env:forward.
 */
export function kubeClusterProblems(o: { env: NodeJS.ProcessEnv; target: KubeTarget; exec?: Exec; isExecutable?: (file: string) => boolean; timeoutMs?: number }):
    { problems: string[]; kubectl?: string } {
    const kubectl = findOnPath("kubectl", o.env.PATH, o.isExecutable ?? isExecutableFile);
    if (!kubectl) {
        return {
            problems: [`kubectl is not on PATH (platform kubernetes: the readiness gates, env:forward and the leftover checks run it): install kubectl: ${KUBECTL_INSTALL_URL} ` +
                "(then make sure `kubectl version --client` works in this shell); KUBECONFIG and the kubeContext setting pick the cluster"],
        };
    }
    const timeoutMs = o.timeoutMs ?? 20_000;
    const args = [...contextArgs(o.target), "get", "--raw", "/readyz", `--request-timeout=${Math.ceil(timeoutMs / 1000)}s`];
    // kubectl's own timeout speaks first; the kill is for a kubectl that hangs anyway.
    const r = (o.exec ?? spawnExec)(kubectl, args, { env: o.env, timeoutMs: timeoutMs + 5_000 });
    if (r.status === 0) return { problems: [], kubectl };
    const context = o.target.context === undefined ? "the kubeconfig's current context (kubeContext is empty)" : `the context ${o.target.context} (kubeContext)`;
    const kubeconfig = o.env.KUBECONFIG ? `KUBECONFIG=${o.env.KUBECONFIG}` : "~/.kube/config (KUBECONFIG is not set)";
    const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT";
    const why = timedOut ? `no answer within ${Math.round((timeoutMs + 5_000) / 1000)} s` : r.error ? r.error.message : firstLines(r.stderr || r.stdout, 3) || `exit status ${r.status}`;
    return {
        kubectl,
        problems: [`the Kubernetes cluster does not answer: \`kubectl ${contextArgs(o.target).map((a) => `${a} `).join("")}get --raw /readyz\` failed for ${context} in ${kubeconfig}: ${why}${/[.?!]$/.test(why) ? "" : "."} ` +
            "Start the cluster, or point kubeContext at a context that reaches a running one (`kubectl config get-contexts` lists them; set it with `--config kubeContext=<name>` on env:up)"],
    };
}

/**
 * The project's local backend encrypts each stack's secrets (generated MySQL passwords, the
 * testEnv output) with a passphrase. There is deliberately no default: a passphrase written in
 * this repository would protect nothing, and a stack created with one passphrase cannot be
 * destroyed with another. CI sets a random one per job (the file backend dies with the job).
 */
export function passphraseProblem(env: NodeJS.ProcessEnv, fileExists: (file: string) => boolean = fs.existsSync): string | undefined {
    const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
    if (env.PULUMI_CONFIG_PASSPHRASE !== undefined && env.PULUMI_CONFIG_PASSPHRASE !== "") return undefined;
    if (file) return fileExists(file) ? undefined : `PULUMI_CONFIG_PASSPHRASE_FILE names ${file}, which does not exist`;
    return "PULUMI_CONFIG_PASSPHRASE is not set: it encrypts the stack's secrets in the local backend (./.pulumi-state). " +
        "Set it (or PULUMI_CONFIG_PASSPHRASE_FILE) to the same value for up and down, e.g. " +
        "`export PULUMI_CONFIG_PASSPHRASE=$(openssl rand -hex 16)` once per CI job";
}

function firstLines(text: string, n: number): string {
    return text.trim().split("\n").map((l) => l.trim()).filter(Boolean).slice(0, n).join(" / ");
}
