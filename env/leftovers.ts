// Docker objects a stack left on the daemon: labelled cdc-test-infra.stack=<stack> or named <project>-<stack>-….
import { dockerName } from "../lib/naming";
import { spawnExec, type Exec } from "./preflight";

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
