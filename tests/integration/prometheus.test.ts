// Prometheus wired to AlertManager, with real processes: promtool accepts the project's files;
// Prometheus started with them (targets rewritten to the local ports) reports AlertManager active,
// and the always-firing test rule's alert arrives at AlertManager within a bounded time.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { ALERTMANAGER } from "../../lib/alertmanager";
import { PROBE_PROGRAM } from "../../lib/probes";
import { PROMETHEUS, PROMETHEUS_CONFIG_FILE, prometheusArgs, TEST_ALERT_NAMES, TEST_ALERT_RULES_FILE } from "../../lib/prometheus";
import { freePort, LOOPBACK, startProcess, stopAll, tempDir, waitFor, type RunningProcess } from "./support/processes";
import { ALERTMANAGER_BINARY, runProbe, startAlertmanager, type AlertmanagerServer } from "./support/servers";
import { describeIfAvailable, PROJECT_ROOT, which } from "./support/tools";

const PROMETHEUS_BINARY = which("prometheus");
const PROMTOOL = which("promtool");
/** Alerts must reach AlertManager within this; measured time is printed. */
const ALERT_DEADLINE_MS = 30_000;

const describePrometheus = describeIfAvailable("prometheus", [
    !PROMETHEUS_BINARY && "prometheus not found (apt-get install prometheus)",
    !PROMTOOL && "promtool not found (apt-get install prometheus)",
    !ALERTMANAGER_BINARY && "AlertManager not found (apt-get install prometheus-alertmanager)",
    !fs.existsSync(path.join(PROJECT_ROOT, PROBE_PROGRAM)) && `${PROBE_PROGRAM} is missing (run npm run build)`,
]);

/**
 * The project's prometheus.yml with what only exists inside the stack network mapped to this machine:
 * the AlertManager alias to its local port, Prometheus's own port, the rules dir to `rulesDir`.
 */
function localizedConfig(alertmanagerPort: number, prometheusPort: number, rulesDir: string): string {
    const map: Record<string, string> = {
        [`${ALERTMANAGER.alias}:${ALERTMANAGER.port}`]: `${LOOPBACK}:${alertmanagerPort}`,
        [`localhost:${PROMETHEUS.port}`]: `${LOOPBACK}:${prometheusPort}`,
    };
    const doc = parse(fs.readFileSync(PROMETHEUS_CONFIG_FILE, "utf8"));
    const rewrite = (targets: string[]) => targets.map((t) => {
        if (!(t in map)) throw new Error(`${PROMETHEUS_CONFIG_FILE}: target ${t} has no local mapping in ${__filename}`);
        return map[t];
    });
    for (const am of doc.alerting.alertmanagers) for (const sc of am.static_configs) sc.targets = rewrite(sc.targets);
    for (const job of doc.scrape_configs) for (const sc of job.static_configs) sc.targets = rewrite(sc.targets);
    doc.rule_files = doc.rule_files.map((f: string) => {
        if (path.dirname(f) !== PROMETHEUS.rulesDir) throw new Error(`${PROMETHEUS_CONFIG_FILE}: rule file ${f} is outside ${PROMETHEUS.rulesDir}`);
        return path.join(rulesDir, path.basename(f));
    });
    return stringify(doc);
}

describePrometheus("Prometheus wired to AlertManager (real processes)", () => {
    afterAll(async () => { await stopAll(); });

    test("promtool accepts the rules file and the project's config as shipped", () => {
        const rules = spawnSync(PROMTOOL!, ["check", "rules", TEST_ALERT_RULES_FILE], { encoding: "utf8" });
        expect({ code: rules.status, out: rules.stdout }).toEqual({ code: 0, out: expect.stringContaining("SUCCESS: 1 rules found") });
        const config = spawnSync(PROMTOOL!, ["check", "config", PROMETHEUS_CONFIG_FILE], { encoding: "utf8" });
        expect({ code: config.status, out: config.stdout }).toEqual({ code: 0, out: expect.stringContaining("SUCCESS") });
    });

    test("promtool rejects a broken rule, so the check above can fail", () => {
        const broken = path.join(tempDir("promtool"), "broken.yml");
        fs.writeFileSync(broken, fs.readFileSync(TEST_ALERT_RULES_FILE, "utf8").replace("vector(1)", "vector(1"));
        const rules = spawnSync(PROMTOOL!, ["check", "rules", broken], { encoding: "utf8" });
        expect(rules.status).not.toBe(0);
        expect(rules.stdout + rules.stderr).toMatch(/unclosed left parenthesis|parse error/);
    });

    describe("running", () => {
        let alertmanager: AlertmanagerServer;
        let prometheus: RunningProcess;
        let prometheusUrl: string;
        let startedAt: number;

        beforeAll(async () => {
            alertmanager = await startAlertmanager(tempDir("am"), await freePort());
            const port = await freePort();
            const dir = tempDir("prometheus");
            const rulesDir = path.join(dir, "rules");
            fs.mkdirSync(rulesDir);
            fs.copyFileSync(TEST_ALERT_RULES_FILE, path.join(rulesDir, path.basename(TEST_ALERT_RULES_FILE)));
            const configFile = path.join(dir, "prometheus.yml");
            fs.writeFileSync(configFile, localizedConfig(Number(new URL(alertmanager.url).port), port, rulesDir));
            execFileSync(PROMTOOL!, ["check", "config", configFile]);
            prometheusUrl = `http://${LOOPBACK}:${port}`;
            startedAt = Date.now();
            prometheus = startProcess(PROMETHEUS_BINARY!, prometheusArgs({
                configFile, storagePath: path.join(dir, "data"), listenAddress: `${LOOPBACK}:${port}`,
            }));
        }, 60_000);

        test("the probe passes once Prometheus is ready and lists the AlertManager as active", async () => {
            const target = new URL(alertmanager.url).host;
            const run = await runProbe({ service: "prometheus", url: prometheusUrl, alertmanagerTarget: target }, { timeoutSeconds: 30, intervalMs: 100 });
            expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
            expect(run.stdout).toBe(`prometheus ready at ${prometheusUrl}: active alertmanagers [http://${target}/api/v2/alerts]\n`);
            // A line per change of what is observed plus a heartbeat every 5 s, not one per 100 ms poll
            // (that printed 46 lines for this wait on a real stack).
            const lines = run.stderr.trimEnd().split("\n");
            const attempts = Number(/ready after (\d+) attempts?/.exec(run.stderr)?.[1]);
            // eslint-disable-next-line no-console
            console.log(`prometheus gate: ${lines.length} progress lines for ${attempts} attempts in ${run.elapsedMs} ms`);
            expect(lines.length).toBeLessThanOrEqual(6 + Math.floor(run.elapsedMs / 5_000));
        }, 40_000);

        test("the probe fails by name when the expected AlertManager is not the active one", async () => {
            const run = await runProbe({ service: "prometheus", url: prometheusUrl, alertmanagerTarget: "alertmanager:9093" }, { timeoutSeconds: 2, intervalMs: 200 });
            expect(run.code).toBe(1);
            expect(run.stderr).toContain(`prometheus is not ready at ${prometheusUrl}: timed out`);
            expect(run.stderr).toContain("expected: /-/ready 200 and AlertManager alertmanager:9093 active (API v2)");
            expect(run.stderr).toMatch(/last observed: active alertmanagers \[http:\/\/127\.0\.0\.1:\d+\/api\/v2\/alerts\]/);
        }, 20_000);

        test("the test rule's alert arrives at AlertManager's /api/v2/alerts within the deadline", async () => {
            const [alertname] = TEST_ALERT_NAMES;
            const alerts = await waitFor(`${alertname} at AlertManager`, async () => {
                const found = await alertmanager.client.listAlerts({ filter: [`alertname="${alertname}"`] });
                return found.length > 0 ? found : undefined;
            }, ALERT_DEADLINE_MS, 100);
            const elapsedMs = Date.now() - startedAt;
            // eslint-disable-next-line no-console
            console.log(`Prometheus start -> ${alertname} at AlertManager: ${elapsedMs} ms`);
            expect(alerts[0].labels).toMatchObject({ alertname, service: "cdc-test-infra", severity: "none" });
            expect(alerts[0].status.state).toBe("active");
            expect(alerts[0].generatorURL).toContain(`:${new URL(prometheusUrl).port}/graph`);
            expect(elapsedMs).toBeLessThan(ALERT_DEADLINE_MS);
        }, ALERT_DEADLINE_MS + 10_000);

        test("Prometheus scrapes itself and AlertManager", async () => {
            const res = await fetch(`${prometheusUrl}/api/v1/targets`);
            const body = await res.json() as { data: { activeTargets: Array<{ labels: { job: string }; health: string }> } };
            const jobs = Object.fromEntries(body.data.activeTargets.map((t) => [t.labels.job, t.health]));
            expect(Object.keys(jobs).sort()).toEqual(["alertmanager", "prometheus"]);
            await waitFor("both targets up", async () => {
                const r = await (await fetch(`${prometheusUrl}/api/v1/targets`)).json() as typeof body;
                return r.data.activeTargets.every((t) => t.health === "up") || undefined;
            }, 20_000, 250);
        }, 30_000);

        afterAll(async () => { await prometheus?.stop(); });
    });
});
