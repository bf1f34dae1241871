// Quiet gates: a service that is not answering yet is one observation however its socket fails
// (refused, reset, hung up, closed, timed out), so a cold start prints its news and the heartbeat,
// not a line per flip between two socket errors; the final message still carries the real error.
import * as net from "net";
import * as kafkajs from "kafkajs";
import { kafkaErrorObservation } from "../../probe/kafka";
import { describeError, HEARTBEAT_MS, NOT_ANSWERING, NotReadyError, progressKey, waitUntilReady, type Observation, type ReadinessCheck } from "../../probe/poll";
import { sparkCheck } from "../../probe/spark";

function fakeClock() {
    let t = 0;
    return { now: () => t, sleep: async (ms: number) => { t += ms; } };
}

/** A check that returns (or throws) `next(i)` at attempt i (0-based), and records what the loop saw. */
function scripted(next: (i: number) => Observation | Error): ReadinessCheck & { seen: string[] } {
    let i = 0;
    const seen: string[] = [];
    return {
        service: "svc", endpoint: "127.0.0.1:1", expected: "the thing", seen,
        async attempt() {
            const o = next(i++);
            seen.push(o instanceof Error ? describeError(o) : o.observed);
            if (o instanceof Error) throw o;
            return o;
        },
    };
}

/** How many progress lines the old rule (a line whenever the observed text changes, plus the heartbeat) printed for these observations at 100 ms polls. */
function linesUnderOldRule(observations: string[], intervalMs = 100): number {
    let lines = 0;
    let last: { observed: string; at: number } | undefined;
    observations.forEach((observed, i) => {
        const at = i * intervalMs;
        if (last?.observed !== observed) { lines++; last = { observed, at }; } else if (at - last.at >= HEARTBEAT_MS) { lines++; last.at = at; }
    });
    return lines;
}

// kafkajs' own classes (KafkaJSConnectionClosedError is exported at run time, though not in its types).
const { KafkaJSConnectionError } = kafkajs;
const { KafkaJSConnectionClosedError } = kafkajs as unknown as {
    KafkaJSConnectionClosedError: new (message: string, where: { host: string; port: number }) => Error;
};

const sock = (message: string, code: string) => Object.assign(new Error(message), { code });
// What a starting HTTP server (the Spark master's UI) makes axios throw, as describeError shows it.
const hangUp = () => sock("socket hang up", "ECONNRESET");
const reset = () => sock("read ECONNRESET", "ECONNRESET");

describe("progressKey", () => {
    test.each([
        "ECONNRESET: socket hang up",
        "read ECONNRESET",
        "connect ECONNREFUSED 127.0.0.1:8080",
        "Closed connection",
        "Connection error: read ECONNRESET",
        "Connection error: connect ECONNREFUSED 127.0.0.1:9092",
        "Connection timeout",
        "write EPIPE",
        "connect ETIMEDOUT",
        "timeout of 10000ms exceeded",
        "ECONNABORTED: timeout of 10000ms exceeded",
        "Connection terminated unexpectedly",
        "Connection terminated due to connection timeout",
        "timeout expired",
        "PROTOCOL_CONNECTION_LOST: Connection lost: The server closed the connection.",
        "fetch failed",
        "The operation was aborted due to timeout",
    ])("%j is 'not answering yet'", (observed) => {
        expect(progressKey(observed)).toBe(NOT_ANSWERING);
    });
    test("the step before the failure is kept: a failure at a later step is news", () => {
        expect(progressKey("root login: connect ECONNREFUSED 127.0.0.1:3306")).toBe(`root login: ${NOT_ANSWERING}`);
        expect(progressKey("root login: read ECONNRESET")).toBe(`root login: ${NOT_ANSWERING}`);
        expect(progressKey("cdc login: Connection terminated unexpectedly")).toBe(`cdc login: ${NOT_ANSWERING}`);
        expect(progressKey("metadata: no answer within 3000 ms")).toBe(`metadata: ${NOT_ANSWERING}`);
        expect(progressKey("create topic: no answer within 3000 ms")).toBe(`create topic: ${NOT_ANSWERING}`);
        expect(progressKey("status: fetch failed")).toBe(`status: ${NOT_ANSWERING}`);
    });
    test.each([
        "status=ALIVE, alive workers 0/1",
        "HTTP 503",
        "/-/ready answered HTTP 503",
        "metadata lists no broker yet",
        "COORDINATOR_NOT_AVAILABLE: The coordinator is not available",
        "cdc login: the database system is starting up",
        "root login: ER_ACCESS_DENIED_ERROR: Access denied for user 'root'",
        "connector RUNNING, tasks [0:RUNNING], snapshot not done: no committed offset",
    ])("an answer from the service stays itself: %j", (observed) => {
        expect(progressKey(observed)).toBe(observed);
    });
    test("kafkajs' own connection errors, as the Kafka probe reports them, are one observation", () => {
        const closed = kafkaErrorObservation(new KafkaJSConnectionClosedError("Closed connection", { host: "127.0.0.1", port: 9092 }));
        const resetByPeer = kafkaErrorObservation(new KafkaJSConnectionError("Connection error: read ECONNRESET", { broker: "127.0.0.1:9092", code: "ECONNRESET" }));
        expect([closed.observed, resetByPeer.observed]).toEqual(["Closed connection", "Connection error: read ECONNRESET"]);
        expect(new Set([closed, resetByPeer].map((o) => progressKey(o.observed)))).toEqual(new Set([NOT_ANSWERING]));
    });
});

describe("waitUntilReady prints what is new, and the heartbeat", () => {
    test("a transient error alternating between two socket messages over 200 attempts prints only the first and the heartbeats", async () => {
        const lines: string[] = [];
        const check = scripted((i) => (i < 200 ? (i % 2 ? reset() : hangUp()) : { ready: true, observed: "status=ALIVE, alive workers 1/1" }));
        const result = await waitUntilReady(check, { timeoutMs: 60_000, intervalMs: 100, log: (l) => lines.push(l), ...fakeClock() });
        expect(result.attempts).toBe(201);
        // 200 attempts at 100 ms: 20 s; a heartbeat at 5, 10 and 15 s.
        expect(lines).toEqual([
            "[svc] attempt 1 (0.0s): ECONNRESET: socket hang up; waiting for the thing",
            "[svc] still waiting after 51 attempts (5.0s): ECONNRESET: socket hang up",
            "[svc] still waiting after 101 attempts (10.0s): ECONNRESET: socket hang up",
            "[svc] still waiting after 151 attempts (15.0s): ECONNRESET: socket hang up",
            "[svc] ready after 201 attempts (20.0s): status=ALIVE, alive workers 1/1",
        ]);
        const progress = lines.length - 1;
        // eslint-disable-next-line no-console
        console.log(`alternating socket errors, 200 attempts: ${progress} progress lines (the old rule: ${linesUnderOldRule(check.seen.slice(0, 200))})`);
        expect(progress).toBeLessThanOrEqual(1 + Math.floor(20_000 / HEARTBEAT_MS));
        expect(linesUnderOldRule(check.seen.slice(0, 200))).toBe(200);
    });

    test("kafka: Closed connection / read ECONNRESET observations flip-flopping print the heartbeat only", async () => {
        const lines: string[] = [];
        const closed = kafkaErrorObservation(new KafkaJSConnectionClosedError("Closed connection", { host: "127.0.0.1", port: 9092 }));
        const resetByPeer = kafkaErrorObservation(new KafkaJSConnectionError("Connection error: read ECONNRESET", { broker: "127.0.0.1:9092", code: "ECONNRESET" }));
        const check = scripted((i) => (i < 200 ? (i % 3 ? closed : resetByPeer) : { ready: true, observed: "metadata: broker 1 advertises 127.0.0.1:9092; ..." }));
        await waitUntilReady(check, { timeoutMs: 60_000, intervalMs: 100, log: (l) => lines.push(l), ...fakeClock() });
        expect(lines.filter((l) => l.includes(" attempt "))).toHaveLength(1);
        expect(lines.filter((l) => l.includes("still waiting"))).toHaveLength(3);
        expect(lines).toHaveLength(5);
    });

    test("an observation that really changes is printed at each change", async () => {
        const lines: string[] = [];
        const steps: Array<Observation | Error> = [
            sock("connect ECONNREFUSED 127.0.0.1:8080", "ECONNREFUSED"), hangUp(), reset(), // one observation: not answering
            { ready: false, observed: "HTTP 503" },
            { ready: false, observed: "status=STANDBY, alive workers 0/1" },
            { ready: false, observed: "status=ALIVE, alive workers 0/1" },
            { ready: true, observed: "status=ALIVE, alive workers 1/1" },
        ];
        await waitUntilReady(scripted((i) => steps[i]!), { timeoutMs: 60_000, intervalMs: 100, log: (l) => lines.push(l), ...fakeClock() });
        expect(lines).toEqual([
            "[svc] attempt 1 (0.0s): connect ECONNREFUSED 127.0.0.1:8080; waiting for the thing",
            "[svc] attempt 4 (0.3s): HTTP 503; waiting for the thing",
            "[svc] attempt 5 (0.4s): status=STANDBY, alive workers 0/1; waiting for the thing",
            "[svc] attempt 6 (0.5s): status=ALIVE, alive workers 0/1; waiting for the thing",
            "[svc] ready after 7 attempts (0.6s): status=ALIVE, alive workers 1/1",
        ]);
    });

    test("a failure at a later step is news; flapping back to something already printed waits for the heartbeat", async () => {
        const lines: string[] = [];
        const answer = { ready: false, observed: "COORDINATOR_NOT_AVAILABLE: The coordinator is not available" };
        const check = scripted((i) => (i === 0 ? reset() : i === 1 ? { ready: false, observed: "metadata: no answer within 3000 ms" }
            : i < 100 ? (i % 2 ? answer : reset()) : { ready: true, observed: "ok" }));
        await waitUntilReady(check, { timeoutMs: 60_000, intervalMs: 100, log: (l) => lines.push(l), ...fakeClock() });
        expect(lines).toEqual([
            "[svc] attempt 1 (0.0s): read ECONNRESET; waiting for the thing",
            "[svc] attempt 2 (0.1s): metadata: no answer within 3000 ms; waiting for the thing",
            `[svc] attempt 4 (0.3s): ${answer.observed}; waiting for the thing`,
            `[svc] still waiting after 54 attempts (5.3s): ${answer.observed}`,
            "[svc] ready after 101 attempts (10.0s): ok",
        ]);
    });

    test("the final failure carries the real last error, not the summary", async () => {
        // Attempts at 0, 100, ..., 900 ms; the last (the 10th) fails with a reset.
        const err = await waitUntilReady(scripted((i) => (i % 2 ? reset() : hangUp())),
            { timeoutMs: 950, intervalMs: 100, log: () => undefined, ...fakeClock() }).catch((e) => e);
        expect(err).toBeInstanceOf(NotReadyError);
        expect(err.lastObserved).toBe("read ECONNRESET");
        expect(err.message).toContain("last observed: read ECONNRESET");
        expect(err.message).not.toContain(NOT_ANSWERING);
    });
});

describe("a real socket that fails two ways, through the Spark probe", () => {
    let server: net.Server;
    let port: number;
    let mode: "failing" | "alive" = "failing";
    let connections = 0;
    beforeAll(async () => {
        server = net.createServer((socket) => {
            connections += 1;
            if (mode === "alive") {
                socket.once("data", () => {
                    const body = JSON.stringify({ status: "ALIVE", workers: [{ state: "ALIVE" }] });
                    socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
                });
            } else if (connections % 2) {
                socket.once("data", () => socket.destroy()); // closed without an answer: "socket hang up"
            } else {
                socket.once("data", () => socket.resetAndDestroy()); // RST: "read ECONNRESET"
            }
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
        port = (server.address() as net.AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test("200 attempts of alternating hang-ups and resets: the first line and the heartbeats, then ready", async () => {
        const lines: string[] = [];
        const spark = sparkCheck(`http://127.0.0.1:${port}`, 1);
        const seen: string[] = [];
        let attempts = 0;
        const check: ReadinessCheck = {
            ...spark,
            async attempt(timeoutMs) {
                if (++attempts > 200) mode = "alive";
                try {
                    const o = await spark.attempt(timeoutMs);
                    seen.push(o.observed);
                    return o;
                } catch (err) {
                    seen.push(describeError(err));
                    throw err;
                }
            },
        };
        const result = await waitUntilReady(check, { timeoutMs: 60_000, intervalMs: 100, log: (l) => lines.push(l), ...fakeClock() });
        expect(result.attempts).toBe(201);
        const failures = new Set(seen.slice(0, 200));
        expect(failures.size).toBeGreaterThanOrEqual(2); // really two ways of failing
        expect([...failures].every((f) => progressKey(f) === NOT_ANSWERING)).toBe(true);
        const progress = lines.length - 1;
        // eslint-disable-next-line no-console
        console.log(`real sockets, 200 attempts failing as ${[...failures].map((f) => JSON.stringify(f)).join(" / ")}: ` +
            `${progress} progress lines (the old rule: ${linesUnderOldRule(seen.slice(0, 200))})`);
        expect(progress).toBe(4);
        expect(lines.filter((l) => l.includes("still waiting"))).toHaveLength(3);
        expect(lines.at(-1)).toMatch(/ready after 201 attempts \(20\.0s\): status=ALIVE, alive workers 1\/1$/);
    });
});
