// `npm run env:forward -- --stack <name>`: for a stack on platform kubernetes, serves the addresses its
// outputs and env lines name (127.0.0.1:<port setting>) with one `kubectl port-forward` per service, the
// plan of lib/kubernetes/forwards.ts. A forward that exits is started again; since kubectl notices a replaced
// pod only when the next connection fails, the forwards of a role whose pods changed are started again at once.
// Runs in the foreground until SIGINT or SIGTERM. Exit status: 0 stopped, 1 cannot forward, 2 bad command line.
import { execFile, spawn, type ChildProcess, type SpawnOptions } from "child_process";
import * as fs from "fs";
import * as net from "net";
import { FORWARD_ADDRESS } from "../lib/kubernetes/endpoints";
import { portForwards, type PortForward } from "../lib/kubernetes/forwards";
import { selectorOf } from "../lib/kubernetes/objects";
import { PROJECT_ROOT } from "../lib/paths";
import { parseSettings, SettingsError } from "../lib/settings";
import { kubectlArgs } from "../probe/kubeForward";
import { runFromCommandLine, STACK_NAME, UsageError, type ProcessDeps } from "./args";
import { namespacePhase } from "./leftovers";
import { kubeClusterProblems, type KubeTarget } from "./preflight";
import { readProjectName } from "./stack";
import { readStackConfigFile, stackConfigFile, stackPlacement } from "./stackSettings";

export const FORWARD_USAGE = `usage:
  npm run env:forward -- --stack <name>

  For a stack on platform kubernetes: one \`kubectl port-forward\` per service, listening on ${FORWARD_ADDRESS} at
  the ports the stack's env lines name (its *Port settings), each started again when it drops (its pod
  replaced). Stays in the foreground; Ctrl-C (SIGINT) or SIGTERM stops every forward.`;

/** `--stack <name>` or `--stack=<name>`; undefined for --help. */
export function parseForwardArgs(argv: readonly string[]): { stack: string } | undefined {
    let stack: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i]!;
        if (arg === "--help" || arg === "-h") return undefined;
        let value: string | undefined;
        if (arg.startsWith("--stack=")) value = arg.slice("--stack=".length);
        else if (arg === "--stack") {
            value = argv[++i];
            if (value === undefined || value.startsWith("--")) throw new UsageError("forward: --stack needs a value");
        } else {
            throw new UsageError(`forward: ${arg.startsWith("-") ? "unknown option" : "unexpected argument"} ${JSON.stringify(arg)}; forward takes --stack <value>`);
        }
        if (stack !== undefined) throw new UsageError(`forward: --stack given twice (${stack}, ${value})`);
        stack = value;
    }
    if (stack === undefined) throw new UsageError("forward: --stack <name> is required (e.g. --stack pr-123)");
    if (!STACK_NAME.test(stack)) throw new UsageError(`forward: stack name ${JSON.stringify(stack)} is not allowed: expected letters, digits, _, . or -, starting with a letter or digit`);
    return { stack };
}

/** The command line after `kubectl`: the same port-forward the gates open, at the env lines' port. */
export function forwardArgv(f: PortForward): string[] {
    return kubectlArgs(f, "port-forward", "--address", FORWARD_ADDRESS, `service/${f.service}`, `${f.localPort}:${f.servicePort}`);
}

/** `service/<name>:<port>`: what a forward serves, unique in a plan. */
function nameOf(f: PortForward): string {
    return `service/${f.service}:${f.servicePort}`;
}

/** Ctrl-C in a terminal reaches kubectl too (one process group): the signal gets this long to arrive before an exit counts as a drop. */
const SIGNAL_GRACE_MS = 250;

/** Why FORWARD_ADDRESS:port cannot be listened on (in use, not allowed), or undefined when it can. */
export function localPortProblem(port: number): Promise<string | undefined> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "EADDRINUSE" ? "already in use" : err.message));
        server.listen(port, FORWARD_ADDRESS, () => server.close(() => resolve(undefined)));
    });
}

export type Spawn = (file: string, args: string[], options: SpawnOptions) => ChildProcess;

/** What `kubectl get pods -o json` says of a pod, as far as the forwards care. */
export interface PodItem {
    metadata: { uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
    status?: { conditions?: { type: string; status: string }[] };
}
/** Per role, the pods a forward may be on: uid and readiness of each one selectorOf(role) matches and not being deleted. */
export type PodsOf = () => Promise<Map<string, string>>;

export function podsByRole(items: readonly PodItem[], roles: readonly string[]): Map<string, string> {
    const result = new Map<string, string>();
    for (const role of new Set(roles)) {
        const selector = Object.entries(selectorOf(role));
        const pods = items.filter((p) => !p.metadata.deletionTimestamp && selector.every(([k, v]) => p.metadata.labels?.[k] === v))
            .map((p) => `${p.metadata.uid}:${p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? "ready" : "not-ready"}`);
        result.set(role, pods.sort().join(","));
    }
    return result;
}

/** The namespace's pods, asked of the cluster once per call (one request for every role). */
export function kubectlPodsOf(kubectl: string, env: NodeJS.ProcessEnv, t: KubeTarget & { namespace: string }, roles: readonly string[]): PodsOf {
    return () => new Promise((resolve, reject) => {
        execFile(kubectl, kubectlArgs(t, "get", "pods", "-o", "json"), { env, timeout: 15_000, maxBuffer: 32 << 20 }, (err, stdout) => {
            if (err) return reject(err);
            try {
                resolve(podsByRole((JSON.parse(stdout) as { items: PodItem[] }).items, roles));
            } catch (parseError) {
                reject(parseError as Error);
            }
        });
    });
}

export interface SuperviseOptions {
    kubectl: string;
    env: NodeJS.ProcessEnv;
    out: (line: string) => void;
    err: (line: string) => void;
    spawn?: Spawn;
    /** The first wait before starting a dropped forward again; doubled while it keeps failing before it listens. */
    restartDelayMs?: number;
    maxRestartDelayMs?: number;
    /** Called once, when every forward has listened at least once. */
    onAllListening?: () => void;
    /** Asked every `podCheckMs`: a role whose answer changes gets its forwards started again. */
    podsOf?: PodsOf;
    podCheckMs?: number;
}

/** Runs every forward, starting each again when it exits; `stop` ends them all and resolves when they are gone. */
export function superviseForwards(plan: readonly PortForward[], o: SuperviseOptions): { stop(): Promise<void> } {
    const run = o.spawn ?? spawn;
    const firstDelay = o.restartDelayMs ?? 1_000;
    const maxDelay = o.maxRestartDelayMs ?? 30_000;
    let stopping = false;
    const everListened = new Set<PortForward>();
    const state = plan.map((f) => ({ f, child: undefined as ChildProcess | undefined, timer: undefined as NodeJS.Timeout | undefined, delay: firstDelay, replacing: false }));

    const start = (st: (typeof state)[number]) => {
        st.timer = undefined;
        const { f } = st;
        const label = `env forward: ${nameOf(f)}`;
        let listening = false;
        let lastError = "";
        const child = run(o.kubectl, forwardArgv(f), { env: o.env, stdio: ["ignore", "pipe", "pipe"] });
        st.child = child;
        child.stdout!.on("data", (chunk: Buffer) => {
            // kubectl also prints "Handling connection for <port>" per client connection: not worth a line.
            if (listening || !chunk.toString().includes("Forwarding from")) return;
            listening = true;
            st.delay = firstDelay;
            o.out(`env forward: listening on ${FORWARD_ADDRESS}:${f.localPort} (${f.setting}) -> ${nameOf(f)}`);
            everListened.add(f);
            if (everListened.size === plan.length) o.onAllListening?.();
        });
        child.stderr!.on("data", (chunk: Buffer) => {
            for (const line of chunk.toString().split("\n").map((l) => l.trim()).filter(Boolean)) {
                lastError = line;
                o.err(`${label}: ${line}`);
            }
        });
        const gone = (why: string) => {
            if (st.child !== child) return; // "error" and "exit" can both come
            st.child = undefined;
            if (stopping) return;
            if (st.replacing) {
                st.replacing = false;
                start(st);
                return;
            }
            st.timer = setTimeout(() => {
                if (stopping) return;
                o.err(`${label} stopped (${why})${lastError ? `: ${lastError}` : ""}; starting it again in ${(st.delay / 1000).toFixed(1)} s`);
                st.timer = setTimeout(() => start(st), st.delay);
                // A forward that never listened (Service missing, cluster gone) is retried less and less often.
                if (!listening) st.delay = Math.min(st.delay * 2, maxDelay);
            }, SIGNAL_GRACE_MS);
        };
        child.on("error", (err) => gone(`kubectl: ${err.message}`));
        child.on("exit", (code, signal) => gone(signal ? `signal ${signal}` : `exit status ${code}`));
    };
    for (const st of state) start(st);

    // kubectl stays on a replaced pod until a connection through it fails (that client gets the error):
    // a role whose pods changed has its forwards started again before a client finds out.
    let known: Map<string, string> | undefined;
    let podTimer: NodeJS.Timeout | undefined;
    const restartRole = (role: string) => {
        for (const st of state.filter((x) => x.f.role === role)) {
            o.err(`env forward: ${nameOf(st.f)}: the pods of ${role} changed: starting the forward again`);
            st.delay = firstDelay;
            if (st.child) {
                st.replacing = true;
                st.child.kill();
            } else if (st.timer) {
                clearTimeout(st.timer);
                start(st);
            }
        }
    };
    const checkPods = async () => {
        podTimer = undefined;
        try {
            const now = await o.podsOf!();
            if (stopping) return;
            if (known) for (const [role, pods] of now) if (known.has(role) && known.get(role) !== pods) restartRole(role);
            known = now;
        } catch {
            // The cluster did not answer: the forwards' own errors say so.
        }
        if (!stopping) podTimer = setTimeout(() => void checkPods(), o.podCheckMs ?? 3_000);
    };
    if (o.podsOf) podTimer = setTimeout(() => void checkPods(), 0);

    return {
        async stop() {
            stopping = true;
            if (podTimer) clearTimeout(podTimer);
            await Promise.all(state.map(async (st) => {
                if (st.timer) clearTimeout(st.timer);
                const child = st.child;
                if (!child || child.exitCode !== null || child.signalCode !== null) return;
                await new Promise<void>((resolve) => {
                    const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
                    child.once("exit", () => { clearTimeout(kill); resolve(); });
                    child.kill("SIGTERM");
                });
            }));
        },
    };
}

export interface ForwardDeps extends ProcessDeps {
    projectName?: string;
    /** Defaults to kubectl on PATH and `kubectl get --raw /readyz`. */
    clusterCheck?: (env: NodeJS.ProcessEnv, target: KubeTarget) => { problems: string[]; kubectl?: string };
    /** Defaults to `kubectl get namespace`. */
    namespacePhase?: (t: KubeTarget & { namespace: string }, kubectl: string) => string | undefined;
    localPortProblem?: (port: number) => Promise<string | undefined>;
    spawn?: Spawn;
    restartDelayMs?: number;
    /** Defaults to `kubectl get pods` in the namespace. */
    podsOf?: PodsOf;
    /** Resolves when the forwards are to stop; defaults to SIGINT or SIGTERM. */
    stopped?: Promise<unknown>;
}

/** Runs the command; returns the exit status. Never throws. */
export async function main(argv: readonly string[], deps: ForwardDeps): Promise<number> {
    const line = (text: string) => deps.out(`${text}\n`);
    const fail = (text: string) => { deps.err(`${text}\n`); return 1; };
    let stack: string;
    try {
        const args = parseForwardArgs(argv);
        if (!args) { line(FORWARD_USAGE); return 0; }
        stack = args.stack;
    } catch (err) {
        if (err instanceof UsageError) { deps.err(`env: ${err.message}\n\n${FORWARD_USAGE}\n`); return 2; }
        throw err;
    }

    let plan: PortForward[];
    let target: KubeTarget & { namespace: string };
    const file = stackConfigFile(deps.workDir, stack);
    try {
        const project = deps.projectName ?? readProjectName(deps.workDir);
        const raw = readStackConfigFile(deps.workDir, project, stack);
        const placement = stackPlacement(raw, project, stack);
        if (!placement.kubernetes) {
            const why = !fs.existsSync(file) ? `there is no ${file}, so platform has its default, docker; \`npm run env:list\` shows the stacks`
                : raw.platform === undefined ? `${file} sets no platform; the default is docker` : `platform docker in ${file}`;
            return fail(`env forward: stack ${stack} runs on Docker (${why}): nothing to forward, Docker publishes every service's port on bindAddress ` +
                "itself and the env lines name those ports. env:forward is for stacks on platform kubernetes (--config platform=kubernetes on env:up).");
        }
        const k = placement.kubernetes;
        target = { namespace: k.namespace, ...(k.context === undefined ? {} : { context: k.context }) };
        plan = portForwards(parseSettings(raw, project, stack));
    } catch (err) {
        const problems = err instanceof SettingsError ? `\n${err.problems.map((p) => `  - ${p}`).join("\n")}` : ` ${(err as Error).message}`;
        return fail(`env forward: the settings of stack ${stack} (${file}) do not allow its forwards:${problems}`);
    }

    const check = (deps.clusterCheck ?? ((env, t) => kubeClusterProblems({ env, target: t })))(deps.env, target);
    if (check.problems.length > 0 || !check.kubectl) {
        return fail(`env forward: cannot start, ${check.problems.length} problem${check.problems.length === 1 ? "" : "s"}:\n` + check.problems.map((p) => `  - ${p}`).join("\n"));
    }
    const kubectl = check.kubectl;
    try {
        const phase = (deps.namespacePhase ?? ((t, k) => namespacePhase(t, { kubectl: k, env: deps.env })))(target, kubectl);
        if (phase !== "Active") {
            return fail(`env forward: namespace ${target.namespace} ${phase === undefined ? "does not exist" : `is ${phase}`} on the cluster: ` +
                `bring the stack up first: npm run env:up -- --stack ${stack}`);
        }
    } catch (err) {
        return fail(`env forward: cannot look up namespace ${target.namespace}: ${(err as Error).message}`);
    }
    const portProblem = deps.localPortProblem ?? localPortProblem;
    const taken = (await Promise.all(plan.map(async (f) => ({ f, why: await portProblem(f.localPort) })))).filter((x) => x.why !== undefined);
    if (taken.length > 0) {
        return fail(`env forward: cannot listen where the env lines point:\n` +
            taken.map(({ f, why }) => `  - ${FORWARD_ADDRESS}:${f.localPort} (${f.setting}): ${why}`).join("\n") +
            `\nStop what listens there (another env:forward?), or give stack ${stack} other ports (--config <setting>=<port> on env:up).`);
    }

    line(`env forward: stack ${stack}, namespace ${target.namespace}${target.context ? `, context ${target.context}` : ""}: ${plan.length} forwards`);
    const forwards = superviseForwards(plan, {
        kubectl, env: deps.env, out: line, err: (t) => deps.err(`${t}\n`),
        ...(deps.spawn ? { spawn: deps.spawn } : {}),
        ...(deps.restartDelayMs ? { restartDelayMs: deps.restartDelayMs } : {}),
        podsOf: deps.podsOf ?? kubectlPodsOf(kubectl, deps.env, target, plan.map((f) => f.role)),
        onAllListening: () => line(`env forward: all ${plan.length} forwards listening; the env lines of ${stack} work from this machine. Ctrl-C stops them.`),
    });
    await (deps.stopped ?? new Promise((resolve) => { process.once("SIGINT", resolve); process.once("SIGTERM", resolve); }));
    await forwards.stop();
    line("env forward: stopped");
    return 0;
}

if (require.main === module) runFromCommandLine("env forward", main, PROJECT_ROOT);
