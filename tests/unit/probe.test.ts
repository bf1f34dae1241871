// The probe's logic on its own: evaluators, the polling loop, the command line, the CLI's exits.
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { expectedServerVariables } from "../../lib/mysql";
import { parseProbeArgv, probeArgv, probeBuildProblem, probeShellCommand, PROBE_PROGRAM, PROBE_SECRET_ENV, ProbeUsageError, type ProbeRequest } from "../../lib/probes";
import { evaluateAlertmanagerStatus } from "../../probe/alertmanager";
import { containerLogTails, main } from "../../probe/main";
import { evaluateServerVariables } from "../../probe/mysql";
import { ATTEMPT_GRACE_MS, describeError, NotReadyError, waitUntilReady, type Observation, type ReadinessCheck } from "../../probe/poll";
import { evaluateAlertmanagers } from "../../probe/prometheus";
import { evaluateSparkMaster } from "../../probe/spark";

describe("evaluateSparkMaster", () => {
    const worker = (state: string) => ({ id: `w-${state}`, state, cores: 1, memory: 1024 });
    test("ready when ALIVE with enough ALIVE workers", () => {
        expect(evaluateSparkMaster({ status: "ALIVE", workers: [worker("ALIVE")] }, 1)).toEqual({ ready: true, observed: "status=ALIVE, alive workers 1/1" });
        expect(evaluateSparkMaster({ status: "ALIVE", workers: [] }, 0).ready).toBe(true);
    });
    test("not ready while workers are missing or dead", () => {
        expect(evaluateSparkMaster({ status: "ALIVE", workers: [] }, 1)).toEqual({ ready: false, observed: "status=ALIVE, alive workers 0/1" });
        expect(evaluateSparkMaster({ status: "ALIVE", workers: [worker("DEAD"), worker("ALIVE")] }, 2))
            .toEqual({ ready: false, observed: "status=ALIVE, alive workers 1/2 (1 not alive)" });
    });
    test.each(["STANDBY", "RECOVERING", "COMPLETING_RECOVERY"])("not ready when the master is %s", (status) => {
        expect(evaluateSparkMaster({ status, workers: [worker("ALIVE")] }, 1).ready).toBe(false);
    });
    test("an unexpected body is described, not trusted", () => {
        expect(evaluateSparkMaster("<html>", 1)).toEqual({ ready: false, observed: 'unexpected response "<html>"' });
        expect(evaluateSparkMaster(null, 1).ready).toBe(false);
    });
});

describe("evaluateAlertmanagerStatus", () => {
    const status = (original: string) => ({ config: { original }, cluster: { status: "disabled" } });
    test("ready when the loaded config routes to our receiver", () => {
        expect(evaluateAlertmanagerStatus(status("route:\n  receiver: test-sink\n"), "test-sink"))
            .toEqual({ ready: true, observed: 'config loaded with route receiver "test-sink", cluster disabled' });
    });
    test("not ready with another config, no config, or unparsable config", () => {
        expect(evaluateAlertmanagerStatus(status("route:\n  receiver: default\n"), "test-sink").ready).toBe(false);
        expect(evaluateAlertmanagerStatus({ config: {} }, "test-sink")).toEqual({ ready: false, observed: "/api/v2/status has no loaded config" });
        expect(evaluateAlertmanagerStatus(status("route: [unclosed"), "test-sink")).toEqual({ ready: false, observed: "/api/v2/status config is not YAML" });
    });
});

describe("evaluateAlertmanagers", () => {
    const body = (active: string[], dropped: string[] = []) => ({
        status: "success", data: { activeAlertmanagers: active.map((url) => ({ url })), droppedAlertmanagers: dropped.map((url) => ({ url })) },
    });
    test("ready when our AlertManager is active on API v2", () => {
        expect(evaluateAlertmanagers(body(["http://alertmanager:9093/api/v2/alerts"]), "alertmanager:9093"))
            .toEqual({ ready: true, observed: "active alertmanagers [http://alertmanager:9093/api/v2/alerts]" });
    });
    test("not ready when none is active yet, another one is, or it is on API v1", () => {
        expect(evaluateAlertmanagers(body([]), "alertmanager:9093")).toEqual({ ready: false, observed: "active alertmanagers []" });
        expect(evaluateAlertmanagers(body(["http://other:9093/api/v2/alerts"], ["http://alertmanager:9093/api/v2/alerts"]), "alertmanager:9093"))
            .toEqual({ ready: false, observed: "active alertmanagers [http://other:9093/api/v2/alerts], dropped [http://alertmanager:9093/api/v2/alerts]" });
        expect(evaluateAlertmanagers(body(["http://alertmanager:9093/api/v1/alerts"]), "alertmanager:9093").ready).toBe(false);
        expect(evaluateAlertmanagers({ status: "error" }, "alertmanager:9093")).toEqual({ ready: false, observed: "/api/v1/alertmanagers has no data" });
    });
});

describe("evaluateServerVariables", () => {
    const good = { log_bin: "ON", binlog_format: "ROW", binlog_row_image: "FULL", gtid_mode: "ON", enforce_gtid_consistency: "ON", server_id: "7" };
    test("mysql: ready with the binlog, row image, GTIDs and a server id", () => {
        expect(evaluateServerVariables(good, "mysql")).toEqual({
            ready: true, observed: "log_bin=ON, binlog_format=ROW, binlog_row_image=FULL, gtid_mode=ON, enforce_gtid_consistency=ON, server_id=7",
        });
    });
    test("mariadb: GTID variables are not required", () => {
        const { gtid_mode: _g, enforce_gtid_consistency: _e, ...mariadb } = good;
        expect(evaluateServerVariables(mariadb, "mariadb").ready).toBe(true);
        expect(Object.keys(expectedServerVariables("mariadb"))).not.toContain("gtid_mode");
    });
    test.each([
        [{ log_bin: "OFF" }, "log_bin is OFF, expected ON"],
        [{ binlog_format: "MIXED" }, "binlog_format is MIXED, expected ROW"],
        [{ binlog_row_image: "MINIMAL" }, "binlog_row_image is MINIMAL, expected FULL"],
        [{ gtid_mode: "OFF_PERMISSIVE" }, "gtid_mode is OFF_PERMISSIVE, expected ON"],
        [{ server_id: "0" }, "server_id is 0, expected a non-zero id"],
    ])("%j fails by name, and waiting cannot fix it", (change, message) => {
        expect(evaluateServerVariables({ ...good, ...change }, "mysql")).toEqual({ ready: false, fatal: true, observed: message });
    });
    test("a missing variable is named", () => {
        const { binlog_row_image: _r, ...rest } = good;
        expect(evaluateServerVariables(rest, "mysql").observed).toBe("binlog_row_image is missing, expected FULL");
    });
});

describe("waitUntilReady", () => {
    function fakeClock() {
        let t = 0;
        return { now: () => t, sleep: async (ms: number) => { t += ms; } };
    }
    function scripted(observations: Array<Observation | Error>): ReadinessCheck {
        let i = 0;
        return {
            service: "svc", endpoint: "http://127.0.0.1:1/x", expected: "the thing",
            async attempt() {
                const o = observations[Math.min(i++, observations.length - 1)];
                if (o instanceof Error) throw o;
                return o;
            },
        };
    }
    test("passes at the first ready attempt, logging each new observation", async () => {
        const lines: string[] = [];
        const result = await waitUntilReady(scripted([
            Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
            { ready: false, observed: "warming up" },
            { ready: true, observed: "all good" },
        ]), { timeoutMs: 10_000, intervalMs: 100, log: (l) => lines.push(l), ...fakeClock() });
        expect(result).toEqual({ attempts: 3, elapsedMs: 200, observed: "all good" });
        expect(lines).toEqual([
            "[svc] attempt 1 (0.0s): connect ECONNREFUSED 127.0.0.1:1; waiting for the thing",
            "[svc] attempt 2 (0.1s): warming up; waiting for the thing",
            "[svc] ready after 3 attempts (0.2s): all good",
        ]);
    });
    test("logs a line when the observation changes and at most one heartbeat per 5 s while it does not", async () => {
        const lines: string[] = [];
        // 100 ms polls: 30 s of "refused", then 10 s of "starting", then ready (as a slow server does).
        const observations: Array<Observation | Error> = [
            ...Array.from({ length: 300 }, () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })),
            ...Array.from({ length: 100 }, () => ({ ready: false, observed: "starting" })),
            { ready: true, observed: "all good" },
        ];
        const result = await waitUntilReady(scripted(observations),
            { timeoutMs: 60_000, intervalMs: 100, log: (l) => lines.push(l), ...fakeClock() });
        expect(result.attempts).toBe(401);
        // 2 changes + 5 heartbeats in 30 s + 1 heartbeat in the next 10 s (at 5 s) + the verdict.
        expect(lines).toHaveLength(2 + 5 + 1 + 1);
        expect(lines[1]).toBe("[svc] still waiting after 51 attempts (5.0s): connect ECONNREFUSED 127.0.0.1:1");
        expect(lines[6]).toBe("[svc] attempt 301 (30.0s): starting; waiting for the thing");
        expect(lines.at(-1)).toBe("[svc] ready after 401 attempts (40.0s): all good");
    });
    test("times out with service, endpoint, expectation and last observation", async () => {
        const err = await waitUntilReady(scripted([{ ready: false, observed: "status=ALIVE, alive workers 0/1" }]),
            { timeoutMs: 1000, intervalMs: 300, log: () => undefined, ...fakeClock() }).catch((e) => e);
        expect(err).toBeInstanceOf(NotReadyError);
        expect(err.attempts).toBe(4);
        expect(err.message).toBe("svc is not ready at http://127.0.0.1:1/x: timed out after 0.9s (4 attempts).\n" +
            "  expected: the thing\n  last observed: status=ALIVE, alive workers 0/1");
    });
    test("a fatal observation stops at once", async () => {
        const err = await waitUntilReady(scripted([{ ready: false, fatal: true, observed: "root login: access denied" }]),
            { timeoutMs: 60_000, intervalMs: 100, log: () => undefined, ...fakeClock() }).catch((e) => e);
        expect(err.attempts).toBe(1);
        expect(err.message).toContain("gave up, waiting cannot help");
        expect(err.message).toContain("last observed: root login: access denied");
    });
});

describe("an attempt that neither answers nor fails", () => {
    test("counts as unanswered after its timeout and a grace, so the wait goes on to its own deadline", async () => {
        let t = 0;
        const never: ReadinessCheck = { service: "svc", endpoint: "http://127.0.0.1:1/x", expected: "the thing", attempt: () => new Promise(() => undefined) };
        const wait = waitUntilReady(never, { timeoutMs: 1, intervalMs: 10, log: () => undefined, now: () => t, sleep: async (ms) => { t += ms; } });
        await expect(wait).rejects.toThrow(new RegExp(`no answer within ${1 + ATTEMPT_GRACE_MS} ms`));
    });

    // Node 20's fetch leaves its promise pending when a published port's proxy accepts and at once closes:
    // the probe (a fresh process, under whichever node runs the gates) must still say "not ready".
    const nodes = [...new Set([process.execPath, ...execFileSync("which", ["-a", "node"], { encoding: "utf8" }).split("\n").filter(Boolean)].map((n) => fs.realpathSync(n)))];
    test.each(nodes)("the probe under %s exits 1 when every connection is accepted and closed at once", async (node) => {
        const server = net.createServer((socket) => socket.destroy());
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const port = (server.address() as net.AddressInfo).port;
        try {
            const argv = probeArgv({ service: "connect", url: `http://127.0.0.1:${port}`, connectorClasses: ["a.B"] }, { timeoutSeconds: 2, intervalMs: 100, containers: [] });
            const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
                const child = spawn(node, [PROBE_PROGRAM, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
                let stdout = "";
                let stderr = "";
                child.stdout.on("data", (d) => { stdout += d; });
                child.stderr.on("data", (d) => { stderr += d; });
                child.on("close", (code) => resolve({ code, stdout, stderr }));
            });
            expect([run.code, run.stdout]).toEqual([1, ""]);
            expect(run.stderr).toMatch(/connect is not ready at http:\/\/127\.0\.0\.1:\d+/);
        } finally {
            server.close();
        }
    });
});

describe("describeError", () => {
    test("codes and messages, never stacks; AggregateError's first cause", () => {
        expect(describeError(Object.assign(new Error("boom"), { code: "ECONNRESET" }))).toBe("ECONNRESET: boom");
        expect(describeError(Object.assign(new Error("connect ECONNREFUSED ::1:9"), { code: "ECONNREFUSED" }))).toBe("connect ECONNREFUSED ::1:9");
        expect(describeError(new AggregateError([Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" })]))).toBe("connect ECONNREFUSED 127.0.0.1:9");
        expect(describeError("plain")).toBe("plain");
    });
});

describe("probe command line", () => {
    const timing = { timeoutSeconds: 30, intervalMs: 200, containers: ["a", "b"] };
    const requests: ProbeRequest[] = [
        { service: "spark", url: "http://127.0.0.1:8080", expectedWorkers: 2 },
        { service: "alertmanager", url: "http://127.0.0.1:9093", routeReceiver: "test-sink" },
        { service: "mysql", host: "127.0.0.1", port: 3306, flavor: "mariadb", cdcUser: "cdc" },
        { service: "prometheus", url: "http://127.0.0.1:9090", alertmanagerTarget: "alertmanager:9093" },
    ];
    test.each(requests)("round-trips $service", (request) => {
        expect(parseProbeArgv(probeArgv(request, timing))).toEqual({ request, timing });
    });
    test.each([
        [["redis"], /expected one of spark, alertmanager, mysql/],
        [["spark", "--url", "u", "--workers", "x", "--timeout", "1", "--interval", "1"], /--workers "x" is invalid: expected an integer from 0 to 1000/],
        [["spark", "--url", "u", "--workers", "-1", "--timeout", "1", "--interval", "1"], /--workers/],
        [["spark", "--url", "u", "--workers", "1", "--interval", "1"], /--timeout is missing/],
        [["mysql", "--host", "h", "--port", "1", "--flavor", "oracle", "--cdc-user", "c", "--timeout", "1", "--interval", "1"], /--flavor "oracle": expected one of mysql, mariadb/],
    ])("rejects %j", (argv, message) => {
        expect(() => parseProbeArgv(argv as string[])).toThrow(ProbeUsageError);
        expect(() => parseProbeArgv(argv as string[])).toThrow(message);
    });
    test("shell command quotes what needs quoting", () => {
        expect(probeShellCommand(["spark", "--url", "http://h:1", "--x", "it's"])).toBe(`node dist/probe/cli.js spark --url http://h:1 --x 'it'\\''s'`);
    });
});

describe("probe CLI", () => {
    let stderr: string[];
    let spy: jest.SpyInstance;
    beforeEach(() => {
        stderr = [];
        spy = jest.spyOn(process.stderr, "write").mockImplementation((s: any) => { stderr.push(String(s)); return true; });
    });
    afterEach(() => spy.mockRestore());

    test("bad usage exits 2 with the reason", async () => {
        expect(await main(["spark", "--bogus", "1"], {})).toBe(2);
        expect(stderr.join("")).toMatch(/probe: .*bogus/);
    });
    test("mysql without its password variables exits 2 naming them", async () => {
        const argv = probeArgv({ service: "mysql", host: "127.0.0.1", port: 1, flavor: "mysql", cdcUser: "cdc" }, { timeoutSeconds: 1, intervalMs: 10, containers: [] });
        expect(await main(argv, {})).toBe(2);
        expect(stderr.join("")).toContain(`${PROBE_SECRET_ENV.mysqlRootPassword}, ${PROBE_SECRET_ENV.mysqlCdcPassword} not set`);
    });
});

describe("containerLogTails", () => {
    test("shows docker logs where a docker CLI is on the PATH", async () => {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "fake-docker-"));
        fs.writeFileSync(path.join(bin, "docker"), "#!/bin/sh\necho \"args: $*\"\necho 'ERROR boom' >&2\n", { mode: 0o755 });
        const text = await containerLogTails(["c1"], { PATH: `${bin}:/usr/bin:/bin` }, 5);
        expect(text).toContain("--- last 5 log lines of container c1 ---");
        expect(text).toContain("args: logs --tail 5 c1");
        expect(text).toContain("ERROR boom");
    });
    test("says so when there is no docker CLI", async () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "empty-path-"));
        expect(await containerLogTails(["c1"], { PATH: empty })).toBe("--- container c1: no docker CLI on the PATH, logs not shown ---");
    });
});

describe("probeBuildProblem", () => {
    function tree(): string {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "probe-build-"));
        for (const d of ["lib", "probe", "dist/lib", "dist/probe"]) fs.mkdirSync(path.join(root, d), { recursive: true });
        fs.writeFileSync(path.join(root, "lib", "a.ts"), "");
        fs.writeFileSync(path.join(root, "probe", "cli.ts"), "");
        return root;
    }
    const touch = (file: string, secondsAgo: number) => {
        fs.writeFileSync(file, "");
        const t = Date.now() / 1000 - secondsAgo;
        fs.utimesSync(file, t, t);
    };
    test("a missing, then a stale, then a fresh build", () => {
        const root = tree();
        expect(probeBuildProblem(root)).toBe(`${path.join("dist", "lib", "a.js")} is missing`);
        touch(path.join(root, "dist", "lib", "a.js"), 0);
        touch(path.join(root, "dist", "probe", "cli.js"), 3600);
        expect(probeBuildProblem(root)).toBe(`${path.join("dist", "probe", "cli.js")} is older than probe/cli.ts`);
        touch(path.join(root, "dist", "probe", "cli.js"), 0);
        expect(probeBuildProblem(root)).toBeUndefined();
    });
    test("the project's own build is current (npm test builds first)", () => {
        expect(probeBuildProblem()).toBeUndefined();
    });
});
