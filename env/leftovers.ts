// What a stack left behind after down. Docker: objects labelled cdc-test-infra.stack=<stack> or named
// <project>-<stack>-…. Kubernetes: the environment's namespace (a persistent stack keeps it and its claims).
import { dockerName } from "../lib/naming";
import { contextArgs, spawnExec, type Exec, type KubeTarget } from "./preflight";

export const STACK_LABEL = "cdc-test-infra.stack";

export interface Leftovers {
    containers: string[];
    volumes: string[];
    networks: string[];
}

export function isEmpty(l: Leftovers): boolean {
    return l.containers.length + l.volumes.length + l.networks.length === 0;
}

export function describeLeftovers(l: Leftovers): string {
    return (["containers", "volumes", "networks"] as const)
        .filter((k) => l[k].length > 0).map((k) => `${k}: ${l[k].join(", ")}`).join("; ");
}

/** The `docker` command lines that list a stack's objects, by label and by name (two filters would AND). */
export function leftoverQueries(project: string, stack: string): { kind: keyof Leftovers; args: string[] }[] {
    const label = `label=${STACK_LABEL}=${stack}`;
    const name = `name=${dockerName(project, stack, "")}`;
    return [
        { kind: "containers", args: ["ps", "-a", "--filter", label, "--format", "{{.Names}}"] },
        { kind: "containers", args: ["ps", "-a", "--filter", name, "--format", "{{.Names}}"] },
        { kind: "volumes", args: ["volume", "ls", "--filter", label, "--format", "{{.Name}}"] },
        { kind: "volumes", args: ["volume", "ls", "--filter", name, "--format", "{{.Name}}"] },
        { kind: "networks", args: ["network", "ls", "--filter", label, "--format", "{{.Name}}"] },
        { kind: "networks", args: ["network", "ls", "--filter", name, "--format", "{{.Name}}"] },
    ];
}

/**
 * Lists what is left of a stack. Docker's name filter matches substrings, so names are kept only
 * when they start with `<project>-<stack>-` (pr-1 must not report pr-12's objects).
 * Throws when docker fails: "nothing found" must never stand in for "could not look".
 */
export function findLeftovers(project: string, stack: string, o: { docker?: string; env?: NodeJS.ProcessEnv; exec?: Exec } = {}): Leftovers {
    const exec = o.exec ?? spawnExec;
    const prefix = dockerName(project, stack, "");
    const found: Leftovers = { containers: [], volumes: [], networks: [] };
    for (const q of leftoverQueries(project, stack)) {
        const r = exec(o.docker ?? "docker", q.args, { env: o.env ?? process.env, timeoutMs: 60_000 });
        if (r.status !== 0) throw new Error(`docker ${q.args.join(" ")} failed: ${(r.error?.message ?? r.stderr.trim()) || `exit status ${r.status}`}`);
        const byLabel = q.args.some((a) => a.startsWith("label="));
        for (const item of r.stdout.split("\n").map((s) => s.trim()).filter(Boolean)) {
            if ((byLabel || item.startsWith(prefix)) && !found[q.kind].includes(item)) found[q.kind].push(item);
        }
    }
    return found;
}

/** What is left of a kubernetes stack: its namespace, if still there, and the data claims in it. */
export interface KubeLeftovers {
    namespace: string;
    /** Active or Terminating; absent: the namespace is gone. */
    phase?: string;
    claims: string[];
}

export function describeKubeLeftovers(l: KubeLeftovers): string {
    if (l.phase === undefined) return "";
    return `namespace ${l.namespace} (${l.phase})${l.claims.length > 0 ? `; persistentvolumeclaims: ${l.claims.join(", ")}` : ""}`;
}

type KubeOptions = { kubectl?: string; env?: NodeJS.ProcessEnv; exec?: Exec };

function runKubectl(args: string[], o: KubeOptions): string {
    const r = (o.exec ?? spawnExec)(o.kubectl ?? "kubectl", args, { env: o.env ?? process.env, timeoutMs: 60_000 });
    if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${(r.error?.message ?? r.stderr.trim()) || `exit status ${r.status}`}`);
    return r.stdout.trim();
}

/** The namespace's phase (Active, Terminating), or undefined when it does not exist. Throws when kubectl fails. */
export function namespacePhase(t: KubeTarget & { namespace: string }, o: KubeOptions = {}): string | undefined {
    const phase = runKubectl([...contextArgs(t), "get", "namespace", t.namespace, "--ignore-not-found", "-o", "jsonpath={.status.phase}"], o);
    return phase === "" ? undefined : phase;
}

/** Lists what is left of a kubernetes stack; throws when kubectl fails ("nothing found" must mean it looked). */
export function findKubeLeftovers(t: KubeTarget & { namespace: string }, o: KubeOptions = {}): KubeLeftovers {
    const phase = namespacePhase(t, o);
    if (phase === undefined) return { namespace: t.namespace, claims: [] };
    const claims = runKubectl([...contextArgs(t), "--namespace", t.namespace, "get", "persistentvolumeclaims", "-o", "name"], o)
        .split("\n").map((s) => s.trim().replace(/^persistentvolumeclaim\//, "")).filter(Boolean);
    return { namespace: t.namespace, phase, claims };
}
