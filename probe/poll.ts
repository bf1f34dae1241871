// The polling loop every readiness probe shares: a progress line when something new is observed
// (plus a heartbeat while nothing is), and on timeout an error that says what was expected and
// what was last seen.

export interface Observation {
    ready: boolean;
    /** What the service showed, in words, e.g. "status=ALIVE, alive workers 0/1". */
    observed: string;
    /** Waiting cannot help (wrong password, bad argument): stop now. */
    fatal?: boolean;
}

export interface ReadinessCheck {
    service: string;
    endpoint: string;
    expected: string;
    /** One attempt; may throw, which counts as "not ready" with the error as the observation. */
    attempt(attemptTimeoutMs: number): Promise<Observation>;
}

/** While the observation stays the same, at most one progress line per this many ms. */
export const HEARTBEAT_MS = 5_000;

export interface PollOptions {
    timeoutMs: number;
    intervalMs: number;
    log: (line: string) => void;
    /** Called after each failed attempt: a reason here (the container crashed) ends the wait at once, and says why. */
    crashed?: () => Promise<string | undefined>;
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
}

export interface ReadyResult {
    attempts: number;
    elapsedMs: number;
    observed: string;
}

export class NotReadyError extends Error {
    constructor(
        public readonly service: string,
        public readonly endpoint: string,
        public readonly expected: string,
        public readonly lastObserved: string,
        public readonly attempts: number,
        public readonly elapsedMs: number,
        public readonly fatal: boolean,
    ) {
        super(`${service} is not ready at ${endpoint}: ` +
            (fatal ? "gave up, waiting cannot help" : `timed out after ${(elapsedMs / 1000).toFixed(1)}s`) +
            ` (${attempts} attempt${attempts === 1 ? "" : "s"}).\n  expected: ${expected}\n  last observed: ${lastObserved}`);
        this.name = "NotReadyError";
    }
}

/** Turns a client error into a short observation: the code or message, never a stack. */
export function describeError(err: unknown): string {
    if (err && typeof err === "object") {
        const e = err as { code?: unknown; message?: unknown; errors?: unknown[] };
        // Node's AggregateError (e.g. localhost resolving to ::1 and 127.0.0.1) hides the cause inside.
        if (Array.isArray(e.errors) && e.errors.length > 0) return describeError(e.errors[0]);
        const message = typeof e.message === "string" ? e.message : "";
        if (typeof e.code === "string" && message && !message.includes(e.code)) return `${e.code}: ${message}`;
        if (message) return message;
        if (typeof e.code === "string") return e.code;
    }
    return String(err);
}

// A socket that fails to connect, is reset, closed, hangs up or times out: the service is not
// answering yet, whichever way the failure shows (a starting server alternates between them).
const CONNECTION_FAILURE = new RegExp([
    "\\b(?:ECONNREFUSED|ECONNRESET|ECONNABORTED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|PROTOCOL_CONNECTION_LOST|UND_ERR_SOCKET)\\b",
    "socket hang up", "other side closed", "socket closed", "fetch failed",
    "\\bclosed connection\\b", "\\bconnection (?:error|timeout|terminated|lost|closed|reset|refused)\\b",
    "\\bKafkaJS(?:Connection|ConnectionClosed|RequestTimeout)Error\\b",
    "\\btimeout expired\\b", "\\btimeout of \\d+ ?ms exceeded\\b", "\\bno answer within\\b", "\\btimed out\\b", "aborted due to timeout",
].join("|"), "i");

/** What {@link progressKey} puts in place of a connection-level failure. */
export const NOT_ANSWERING = "not answering yet (connection refused, reset, closed or timed out)";

/**
 * What an observation says about the service, for deciding whether to print it: the observation
 * itself, except that a connection-level failure ("read ECONNRESET", "socket hang up", "Closed
 * connection", "connect ECONNREFUSED …", a connect timeout …) is one observation, NOT_ANSWERING,
 * however the socket failed. What precedes the failure (the step, e.g. "root login: ") is kept:
 * a failure at a later step is news.
 */
export function progressKey(observed: string): string {
    const parts = observed.split(": ");
    const at = parts.findIndex((part) => CONNECTION_FAILURE.test(part));
    return at < 0 ? observed : [...parts.slice(0, at), NOT_ANSWERING].join(": ");
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How long past its own timeout an attempt may take before it counts as unanswered. */
export const ATTEMPT_GRACE_MS = 1000;

/**
 * The attempt, or a failure once `ms` pass. A client whose request neither answers nor fails (Node 20's
 * fetch when a published port's proxy accepts and at once closes) leaves no timer of its own: without
 * this one the event loop would drain and the probe end with no verdict.
 */
function answeredWithin<T>(attempt: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); });
    return Promise.race([attempt, deadline]).finally(() => clearTimeout(timer));
}

export async function waitUntilReady(check: ReadinessCheck, o: PollOptions): Promise<ReadyResult> {
    const now = o.now ?? Date.now;
    const sleep = o.sleep ?? realSleep;
    const started = now();
    let attempts = 0;
    // What has been seen (progressKey): only something new is printed at once; a return to an
    // earlier observation, or the same one, shows in the heartbeat, at most one line per HEARTBEAT_MS.
    const seen = new Set<string>();
    let lastLineAtMs = -Infinity;
    for (;;) {
        attempts += 1;
        const remaining = o.timeoutMs - (now() - started);
        let obs: Observation;
        try {
            const attemptMs = Math.max(1, Math.min(remaining, 10_000));
            obs = await answeredWithin(check.attempt(attemptMs), attemptMs + ATTEMPT_GRACE_MS);
        } catch (err) {
            obs = { ready: false, observed: describeError(err) };
        }
        if (!obs.ready && o.crashed) {
            const crash = await o.crashed();
            if (crash) obs = { ready: false, fatal: true, observed: `${crash}; last answer: ${obs.observed}` };
        }
        const elapsedMs = now() - started;
        const at = `${(elapsedMs / 1000).toFixed(1)}s`;
        if (obs.ready) {
            o.log(`[${check.service}] ready after ${attempts} attempt${attempts === 1 ? "" : "s"} (${at}): ${obs.observed}`);
            return { attempts, elapsedMs, observed: obs.observed };
        }
        const key = progressKey(obs.observed);
        if (!seen.has(key)) {
            seen.add(key);
            o.log(`[${check.service}] attempt ${attempts} (${at}): ${obs.observed}; waiting for ${check.expected}`);
            lastLineAtMs = elapsedMs;
        } else if (elapsedMs - lastLineAtMs >= HEARTBEAT_MS) {
            o.log(`[${check.service}] still waiting after ${attempts} attempts (${at}): ${obs.observed}`);
            lastLineAtMs = elapsedMs;
        }
        if (obs.fatal || elapsedMs + o.intervalMs > o.timeoutMs) {
            throw new NotReadyError(check.service, check.endpoint, check.expected, obs.observed, attempts, elapsedMs, !!obs.fatal);
        }
        await sleep(o.intervalMs);
    }
}
