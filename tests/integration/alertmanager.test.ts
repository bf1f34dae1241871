// AlertManager against a real process: the project's config, the component's own arguments,
// the readiness probe exactly as the gate runs it, the API v2 client, and silences kept across a restart.
import { randomUUID } from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ALERTMANAGER_CONFIG_FILE, routeReceiverOf } from "../../lib/alertmanager";
import {
    AlertmanagerApiError, AlertmanagerClient, AlertmanagerInputError, type Alert, type PostableAlert,
} from "../../lib/alertmanagerClient";
import { PROBE_PROGRAM, type ProbeTiming } from "../../lib/probes";
import { LOOPBACK, freePort, stopAll, tempDir, waitFor } from "./support/processes";
import { ALERTMANAGER_BINARY, runProbe, startAlertmanager, type AlertmanagerServer as Server } from "./support/servers";
import { PROJECT_ROOT, describeIfAvailable, which } from "./support/tools";

const BINARY = ALERTMANAGER_BINARY;
const AMTOOL = which("amtool");
const PROBE_JS = path.join(PROJECT_ROOT, PROBE_PROGRAM);
const CONFIG_TEXT = fs.readFileSync(ALERTMANAGER_CONFIG_FILE, "utf8");
const ROUTE_RECEIVER = routeReceiverOf(CONFIG_TEXT);

const describeAlertmanager = describeIfAvailable("alertmanager", [
    !BINARY && "neither prometheus-alertmanager nor alertmanager is on the PATH",
    !AMTOOL && "amtool is not on the PATH",
    !fs.existsSync(PROBE_JS) && `${PROBE_PROGRAM} is missing (run npm run build)`,
]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The alertmanager probe as the gate runs it. */
const probeAt = (url: string, timing: Partial<ProbeTiming> = {}, routeReceiver = ROUTE_RECEIVER!) =>
    runProbe({ service: "alertmanager", url, routeReceiver }, timing);

const verdict = (url: string) => new RegExp(`^alertmanager ready at ${url.replace(/[.]/g, "\\.")}: ` +
    `config loaded with route receiver "${ROUTE_RECEIVER}", cluster disabled\\n$`);

async function catchError(promise: Promise<unknown>): Promise<Error> {
    try {
        await promise;
    } catch (err) {
        return err as Error;
    }
    throw new Error("expected the call to fail, but it succeeded");
}

describeAlertmanager("AlertManager (real process)", () => {
    let am: Server;

    beforeAll(async () => {
        expect(ROUTE_RECEIVER).toBe("test-sink");
        am = await startAlertmanager(tempDir("alertmanager"), await freePort());
    }, 30_000);

    afterAll(async () => {
        await stopAll();
    });

    describe("amtool check-config", () => {
        it("accepts the project's config", () => {
            const run = spawnSync(AMTOOL!, ["check-config", ALERTMANAGER_CONFIG_FILE], { encoding: "utf8" });
            expect(run.stderr).toBe("");
            expect(run.status).toBe(0);
            expect(run.stdout).toContain("SUCCESS");
            expect(run.stdout).toMatch(/- 1 inhibit rules/);
            expect(run.stdout).toMatch(/- 1 receivers/);
        });

        it("rejects the same config once its route names an undefined receiver (the check can fail)", () => {
            const broken = path.join(tempDir("amtool"), "alertmanager.yml");
            fs.writeFileSync(broken, CONFIG_TEXT.replace(`receiver: ${ROUTE_RECEIVER}`, "receiver: nowhere"));
            const run = spawnSync(AMTOOL!, ["check-config", broken], { encoding: "utf8" });
            expect(run.status).not.toBe(0);
            expect(run.stdout + run.stderr).toMatch(/undefined receiver "nowhere"/);
        });
    });

    describe("readiness probe, run as the gate runs it", () => {
        it("passes against a running AlertManager with the project's config", async () => {
            const run = await probeAt(am.url);
            expect(run.code).toBe(0);
            expect(run.stdout).toMatch(verdict(am.url));
        });

        it("passes when started ~2 s before the server", async () => {
            const port = await freePort();
            const url = `http://${LOOPBACK}:${port}`;
            const probe = probeAt(url);
            await sleep(2_000);
            const late = await startAlertmanager(tempDir("alertmanager-late"), port);
            const run = await probe;
            await late.proc.stop();
            expect(run.stderr).toMatch(/\[alertmanager\] attempt 1 \(.*\): .*ECONNREFUSED/);
            expect(run.code).toBe(0);
            expect(run.stdout).toMatch(verdict(url));
            expect(run.elapsedMs).toBeGreaterThanOrEqual(2_000);
        }, 30_000);

        it("fails on a dead port within its timeout, naming service, endpoint, expectation and last observation", async () => {
            const url = `http://${LOOPBACK}:${await freePort()}`;
            const run = await probeAt(url, { timeoutSeconds: 2 });
            expect(run.code).toBe(1);
            expect(run.stdout).toBe("");
            expect(run.stderr).toContain(`alertmanager is not ready at ${url}: timed out after`);
            expect(run.stderr).toContain(`expected: /-/ready 200 and /api/v2/status config with route receiver "${ROUTE_RECEIVER}"`);
            expect(run.stderr).toMatch(/last observed: .*ECONNREFUSED/);
            expect(run.elapsedMs).toBeLessThan(2_000 + 5_000); // its timeout, plus node's start-up
        });

        it("fails when the loaded config is not the one asked for, showing which one it saw", async () => {
            const run = await probeAt(am.url, { timeoutSeconds: 2 }, "some-other-receiver");
            expect(run.code).toBe(1);
            expect(run.stderr).toContain(`last observed: config loaded with route receiver "${ROUTE_RECEIVER}", cluster disabled`);
        });
    });

    describe("API v2 client", () => {
        const firing = (labels: Record<string, string>): PostableAlert => ({
            labels, annotations: { summary: `${labels.alertname} on ${labels.service}` }, generatorURL: "http://cdc-tests/alert",
        });
        const byService = (alerts: Alert[]) => alerts.map((a) => a.labels.service).sort();

        it("status shows the project's config, loaded, on a single node", async () => {
            const status = await am.client.status();
            expect(status.config.original).toContain(`receiver: ${ROUTE_RECEIVER}`);
            expect(routeReceiverOf(status.config.original)).toBe(ROUTE_RECEIVER);
            expect(status.config.original).toContain("inhibit_rules:");
            expect(status.cluster.status).toBe("disabled");
            expect(status.versionInfo.version).toMatch(/^\d+\.\d+\.\d+/);
        });

        it("posts alerts and lists them back through label, state and receiver filters", async () => {
            const startsAt = new Date(Date.now() - 60_000);
            await am.client.postAlerts([
                { ...firing({ alertname: "CdcLag", service: "binlog-reader", severity: "warning" }), startsAt },
                firing({ alertname: "CdcLag", service: "delta-writer", severity: "warning" }),
                firing({ alertname: "CdcSourceDown", service: "mysql", severity: "critical" }),
            ]);
            const lag = await waitFor("both CdcLag alerts active", async () => {
                const alerts = await am.client.listAlerts({ filter: ['alertname="CdcLag"'] });
                return alerts.length === 2 ? alerts : undefined;
            }, 5_000);
            expect(byService(lag)).toEqual(["binlog-reader", "delta-writer"]);
            const reader = lag.find((a) => a.labels.service === "binlog-reader")!;
            expect(reader.annotations.summary).toBe("CdcLag on binlog-reader");
            expect(Date.parse(reader.startsAt)).toBe(startsAt.getTime());
            expect(reader.receivers.map((r) => r.name)).toEqual([ROUTE_RECEIVER]);
            expect(reader.status).toMatchObject({ state: "active", silencedBy: [], inhibitedBy: [] });

            const two = await am.client.listAlerts({ filter: ['alertname="CdcLag"', 'service="delta-writer"'] });
            expect(byService(two)).toEqual(["delta-writer"]);
            const regex = await am.client.listAlerts({ filter: ['severity=~"warn.*|crit.*"', 'alertname=~"Cdc.*"'] });
            expect(byService(regex)).toEqual(["binlog-reader", "delta-writer", "mysql"]);
            expect(await am.client.listAlerts({ filter: ['alertname="CdcLag"'], receiver: ROUTE_RECEIVER })).toHaveLength(2);
            expect(await am.client.listAlerts({ filter: ['alertname="CdcLag"'], receiver: "nobody" })).toEqual([]);
            expect(await am.client.listAlerts({ filter: ['alertname="CdcLag"'], active: false })).toEqual([]);
            expect(await am.client.listAlerts({ filter: ['alertname="NoSuchAlert"'] })).toEqual([]);
        });

        it("applies the config's inhibit rule: a critical alert inhibits the warning with the same alertname and service", async () => {
            await am.client.postAlerts([
                firing({ alertname: "CdcStall", service: "debezium", severity: "critical" }),
                firing({ alertname: "CdcStall", service: "debezium", severity: "warning" }),
                firing({ alertname: "CdcStall", service: "spark", severity: "warning" }), // other service: not inhibited
            ]);
            const critical = await waitFor("the CdcStall critical alert", async () =>
                (await am.client.listAlerts({ filter: ['alertname="CdcStall"', 'severity="critical"'] }))[0], 5_000);
            const inhibited = await waitFor("the debezium warning inhibited", async () => {
                const [a] = await am.client.listAlerts({ filter: ['alertname="CdcStall"', 'service="debezium"', 'severity="warning"'] });
                return a?.status.state === "suppressed" ? a : undefined;
            }, 5_000);
            expect(inhibited.status.inhibitedBy).toEqual([critical.fingerprint]);
            const shown = await am.client.listAlerts({ filter: ['alertname="CdcStall"'], inhibited: false });
            expect(shown.map((a) => `${a.labels.service}/${a.labels.severity}`).sort()).toEqual(["debezium/critical", "spark/warning"]);
        });

        it("creates a silence that silences the alert, then expires it (still listed, state expired)", async () => {
            await am.client.postAlerts([firing({ alertname: "CdcSilenced", service: "binlog-reader" }), firing({ alertname: "CdcSilenced", service: "delta-writer" })]);
            const id = await am.client.createSilence({
                matchers: [{ name: "alertname", value: "CdcSilenced" }, { name: "service", value: "delta-.*", isRegex: true }],
                durationMs: 10 * 60_000, createdBy: "cdc-tests", comment: "maintenance of the Delta writer",
            });
            expect(id).toMatch(/^[0-9a-f-]{36}$/);

            const silence = await am.client.getSilence(id);
            expect(silence).toMatchObject({ id, status: { state: "active" }, createdBy: "cdc-tests", comment: "maintenance of the Delta writer" });
            expect(silence.matchers).toEqual([
                { name: "alertname", value: "CdcSilenced", isRegex: false, isEqual: true },
                { name: "service", value: "delta-.*", isRegex: true, isEqual: true },
            ]);
            expect(Date.parse(silence.endsAt) - Date.parse(silence.startsAt)).toBeGreaterThan(9 * 60_000);

            const silenced = await waitFor("the delta-writer alert silenced", async () => {
                const [a] = await am.client.listAlerts({ filter: ['alertname="CdcSilenced"', 'service="delta-writer"'] });
                return a?.status.state === "suppressed" ? a : undefined;
            }, 5_000);
            expect(silenced.status.silencedBy).toEqual([id]);
            expect(byService(await am.client.listAlerts({ filter: ['alertname="CdcSilenced"'], silenced: false }))).toEqual(["binlog-reader"]);
            expect(byService(await am.client.listAlerts({ filter: ['alertname="CdcSilenced"'], active: false }))).toEqual(["delta-writer"]);
            expect((await am.client.listSilences(['alertname="CdcSilenced"'])).map((s) => s.id)).toEqual([id]);

            await am.client.expireSilence(id);
            expect((await am.client.getSilence(id)).status.state).toBe("expired");
            const listed = (await am.client.listSilences()).find((s) => s.id === id);
            expect(listed?.status.state).toBe("expired");
            const unsilenced = await waitFor("the delta-writer alert active again", async () => {
                const [a] = await am.client.listAlerts({ filter: ['alertname="CdcSilenced"', 'service="delta-writer"'] });
                return a?.status.state === "active" ? a : undefined;
            }, 5_000);
            expect(unsilenced.status.silencedBy).toEqual([]);
        });

        // Each malformed alert: the client refuses it naming the field; sent raw, the server refuses it too.
        it.each<[string, unknown, string, RegExp, string | undefined]>([
            ["empty labels", { labels: {} }, "alerts[0].labels", /at least one label pair required/, "labels"],
            ["a number as label value", { labels: { alertname: "Malformed", severity: 3 } }, "alerts[0].labels.severity", /cannot unmarshal number/, "labels"],
            ["endsAt before startsAt", { labels: { alertname: "Malformed" }, startsAt: "2024-01-02T00:00:00Z", endsAt: "2024-01-01T00:00:00Z" },
                "alerts[0].endsAt", /start time must be before end time/, "endsAt"],
            ["a date that is no date", { labels: { alertname: "Malformed" }, startsAt: "yesterday" }, "alerts[0].startsAt", /parsing time/, undefined],
        ])("refuses an alert with %s, naming the field; the server answers 400 to it", async (_, alert, field, serverText, serverField) => {
            const refused = await catchError(am.client.postAlerts([alert as PostableAlert]));
            expect(refused).toBeInstanceOf(AlertmanagerInputError);
            expect(refused.message).toContain(`AlertManager postAlerts: invalid ${field}:`);

            const rejected = await catchError(am.client.request("postAlerts", "POST", "/alerts", { data: [alert] }));
            expect(rejected).toBeInstanceOf(AlertmanagerApiError);
            const e = rejected as AlertmanagerApiError;
            expect(e.status).toBe(400);
            expect(e.serverMessage).toMatch(serverText);
            expect(e.field).toBe(serverField);
            expect(e.message).toMatch(/^AlertManager postAlerts failed: HTTP 400 from POST \/api\/v2\/alerts: /);
            expect(await am.client.listAlerts({ filter: ['alertname="Malformed"'] })).toEqual([]);
        });

        it("refuses a silence without matchers before sending it", async () => {
            const err = await catchError(am.client.createSilence({ matchers: [], durationMs: 60_000, createdBy: "cdc-tests", comment: "none" }));
            expect(err).toBeInstanceOf(AlertmanagerInputError);
            expect(err.message).toBe("AlertManager createSilence: invalid matchers: at least one matcher is required");
        });

        it("shows the server's own 400 text and field for what only the server can judge", async () => {
            const badRegex = await catchError(am.client.createSilence({
                matchers: [{ name: "service", value: "(", isRegex: true }], durationMs: 60_000, createdBy: "cdc-tests", comment: "bad regex",
            })) as AlertmanagerApiError;
            expect(badRegex).toBeInstanceOf(AlertmanagerApiError);
            expect(badRegex.status).toBe(400);
            expect(badRegex.message).toMatch(/^AlertManager createSilence failed: HTTP 400 from POST \/api\/v2\/silences: .*invalid regular expression "\(".* \(field: matchers\[0\]\)$/);

            const past = await catchError(am.client.createSilence({
                matchers: [{ name: "service", value: "mysql" }], startsAt: new Date(Date.now() - 7_200_000), endsAt: new Date(Date.now() - 3_600_000),
                createdBy: "cdc-tests", comment: "already over",
            })) as AlertmanagerApiError;
            expect(past.status).toBe(400);
            expect(past.serverMessage).toMatch(/end time can't be in the past/);
            expect(past.field).toBe("endsAt");

            const filter = await catchError(am.client.listAlerts({ filter: ["not a matcher"] })) as AlertmanagerApiError;
            expect(filter.status).toBe(400);
            expect(filter.message).toMatch(/^AlertManager listAlerts failed: HTTP 400 from GET \/api\/v2\/alerts\?filter=not\+a\+matcher: .*not a matcher.* \(field: filter\)$/);
        });

        it("answers an unknown silence id with a clear 404 error", async () => {
            const id = randomUUID();
            const get = await catchError(am.client.getSilence(id)) as AlertmanagerApiError;
            expect(get).toBeInstanceOf(AlertmanagerApiError);
            expect(get.status).toBe(404);
            expect(get.message).toBe(`AlertManager getSilence failed: HTTP 404 from GET /api/v2/silence/${id}: Not Found (the server sent no error text)`);

            // 0.28 answers 404; 0.25 answered 500 "silence not found".
            const expire = await catchError(am.client.expireSilence(id)) as AlertmanagerApiError;
            expect(expire).toBeInstanceOf(AlertmanagerApiError);
            expect([404, 500]).toContain(expire.status);
            expect(expire.message).toMatch(new RegExp(`^AlertManager expireSilence failed: HTTP \\d+ from DELETE /api/v2/silence/${id}: .*not found`, "i"));
        });

        it("reports a server that does not answer without any axios error or stack", async () => {
            const url = `http://${LOOPBACK}:${await freePort()}`;
            const err = await catchError(new AlertmanagerClient(url).status()) as AlertmanagerApiError;
            expect(err).toBeInstanceOf(AlertmanagerApiError);
            expect(err.status).toBeUndefined();
            expect(err.message).toMatch(new RegExp(`^AlertManager status failed: no answer to GET ${url}/api/v2/status: .*ECONNREFUSED`));
            expect(Object.keys(err).sort()).toEqual(["field", "name", "operation", "request", "serverMessage", "status"]);
            expect(err.stack).not.toMatch(/axios/i);
        });
    });

    describe("persistence", () => {
        it("keeps a silence (same id, still active) across a graceful restart on the same storage path", async () => {
            const storagePath = tempDir("alertmanager-persist");
            const port = await freePort();
            let server = await startAlertmanager(storagePath, port);
            const id = await server.client.createSilence({
                matchers: [{ name: "service", value: "mysql" }], durationMs: 60 * 60_000, createdBy: "cdc-tests", comment: "survives restarts",
            });
            const before = await server.client.getSilence(id);
            expect(before.status.state).toBe("active");

            await server.proc.stop(); // SIGTERM: AlertManager snapshots silences on the way out
            expect(server.proc.child.exitCode).toBe(0);
            expect(server.proc.child.signalCode).toBeNull();
            expect(fs.statSync(path.join(storagePath, "silences")).size).toBeGreaterThan(0);

            server = await startAlertmanager(storagePath, port);
            const after = await server.client.getSilence(id);
            expect(after).toMatchObject({ id, status: { state: "active" }, comment: "survives restarts", matchers: before.matchers });
            expect(after.endsAt).toBe(before.endsAt);
            expect((await server.client.listSilences()).map((s) => s.id)).toEqual([id]);
            await server.proc.stop();
        }, 40_000);
    });
});
