// What Docker says about a gate's containers: a crash is a verdict, not something to wait out.
// A server that exits at start under a restart policy loops (restarting, running, exited, ...)
// and never answers; without this the gate would wait its whole timeout.
import { execFile } from "child_process";
import { promisify } from "util";

export interface ContainerState {
    name: string;
    status: string;
    restarting: boolean;
    exitCode: number;
    restartCount: number;
    /** When the current (or last) run started, and when the last run that ended did (RFC3339Nano, the daemon's clock; "0001-01-01T00:00:00Z" for never). */
    startedAt?: string;
    finishedAt?: string;
}

/** `docker inspect` output format: one JSON object per container. */
const INSPECT_FORMAT = '{"name":{{json .Name}},"status":{{json .State.Status}},"restarting":{{json .State.Restarting}},' +
    '"exitCode":{{json .State.ExitCode}},"restartCount":{{json .RestartCount}},' +
    '"startedAt":{{json .State.StartedAt}},"finishedAt":{{json .State.FinishedAt}}}';

export type DockerRunner = (args: string[]) => Promise<string>;

export function dockerCli(env: NodeJS.ProcessEnv): DockerRunner {
    return async (args) => (await promisify(execFile)("docker", args, { timeout: 10_000, env })).stdout;
}

/** The containers' states, or undefined where Docker cannot tell (no CLI, no daemon, no such container). */
export async function inspectContainers(names: string[], docker: DockerRunner): Promise<ContainerState[] | undefined> {
    try {
        const out = await docker(["inspect", "--format", INSPECT_FORMAT, ...names]);
        return out.trim().split("\n").filter(Boolean).map((line) => {
            const s = JSON.parse(line) as ContainerState;
            return { ...s, name: s.name.replace(/^\//, "") };
        });
    } catch {
        return undefined;
    }
}

/**
 * Why a container is not going to serve, or undefined while it may still: it has exited, is being
 * restarted, or has been restarted since the first look (`baseline` restart counts).
 */
export function crashOf(states: ContainerState[], baseline: ReadonlyMap<string, number>): string | undefined {
    for (const s of states) {
        const restarts = s.restartCount - (baseline.get(s.name) ?? s.restartCount);
        const count = s.restartCount > 0 ? ` (restarted ${s.restartCount} time${s.restartCount === 1 ? "" : "s"} by its restart policy)` : "";
        if (s.status === "exited" || s.status === "dead") return `container ${s.name} has exited with code ${s.exitCode}${count}`;
        if (s.restarting) return `container ${s.name} is crash-looping: it exited with code ${s.exitCode} and is being restarted${count}`;
        if (restarts > 0) return `container ${s.name} crashed and was restarted${count}`;
    }
    return undefined;
}

/** Looks at most once per `everyMs`; returns the crash once one is seen. */
export function crashWatch(names: string[], docker: DockerRunner, everyMs = 1_000, now: () => number = Date.now): () => Promise<string | undefined> {
    let baseline: Map<string, number> | undefined;
    let lastLook = -Infinity;
    return async () => {
        if (names.length === 0 || now() - lastLook < everyMs) return undefined;
        lastLook = now();
        const states = await inspectContainers(names, docker);
        if (!states) return undefined;
        baseline ??= new Map(states.map((s) => [s.name, s.restartCount]));
        return crashOf(states, baseline);
    };
}
