// What the program learns about the machine it runs on: who runs it, where the project is, which
// Docker daemon it talks to. Read in one place; settings turn them into the Spark containers' user
// and the shared directory, and refuse what cannot work.
import * as path from "path";
import { PROJECT_ROOT } from "./paths";

export interface HostFacts {
    /** The program's user; absent where the platform has none (Windows). */
    uid?: number;
    gid?: number;
    projectRoot: string;
    /** The daemon address and where it was read (`DOCKER_HOST`, `docker:host`); absent: the local default socket. */
    dockerHost?: { value: string; source: string };
}

export function processHostFacts(dockerHostConfig?: string): HostFacts {
    const fromConfig = dockerHostConfig?.trim();
    const fromEnv = process.env.DOCKER_HOST?.trim();
    // The provider's own config wins over the environment, as in the provider itself.
    const dockerHost = fromConfig ? { value: fromConfig, source: "docker:host" } : fromEnv ? { value: fromEnv, source: "DOCKER_HOST" } : undefined;
    return { uid: process.getuid?.(), gid: process.getgid?.(), projectRoot: PROJECT_ROOT, dockerHost };
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;

/**
 * Whether the daemon runs on this machine, so a bind mount's source is a path here: its socket
 * (unix://, npipe://), or tcp/ssh/http(s) to a loopback name or address. Anything else is another
 * machine, whose filesystem a bind mount would name.
 */
export function daemonIsLocal(dockerHost: string | undefined): boolean {
    if (!dockerHost) return true;
    if (/^(unix|npipe):\/\//i.test(dockerHost)) return true;
    try {
        return LOOPBACK_HOST.test(new URL(dockerHost).hostname);
    } catch {
        return false;
    }
}

/** The shared directory `auto` picks: inside the project, next to its state, one per stack. */
export function defaultSharedDir(projectRoot: string, stack: string): string {
    return path.join(projectRoot, ".cdc-shared", stack);
}
