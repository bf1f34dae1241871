// `npm run env:forward` (env/forward.ts): the command line, the refusal on a docker stack, the checks
// before any forward, and the forwards themselves with a stand-in kubectl (started, started again when
// one drops, all stopped at the end). The plan itself is tests/unit/kubeForwards.test.ts.
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { forwardArgv, localPortProblem, main, parseForwardArgs, podsByRole, superviseForwards, FORWARD_USAGE, type ForwardDeps, type PodItem } from "../../env/forward";
import { UsageError } from "../../env/args";
import { FORWARD_ADDRESS } from "../../lib/kubernetes/endpoints";
import { portForwards } from "../../lib/kubernetes/forwards";
import { selectorOf } from "../../lib/kubernetes/objects";
import { MYSQL } from "../../lib/mysql";
import { parseSettings } from "../../lib/settings";
import { SPARK } from "../../lib/spark";

const ROOT = path.resolve(__dirname, "..", "..");
const PROJECT = "cdc-test-infra";

const tempDirs: string[] = [];
function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-env-forward-"));
    tempDirs.push(dir);
    return dir;
}
afterAll(() => { for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true }); });

function projectDir(stackFiles: Record<string, string> = {}): string {
    const dir = tempDir();
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    for (const [stack, text] of Object.entries(stackFiles)) fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
    return dir;
}
const stackFile = (values: Record<string, string>) => `config:\n${Object.entries(values).map(([k, v]) => `  ${PROJECT}:${k}: "${v}"\n`).join("")}`;
/** A small kubernetes stack: Spark (two forwards), AlertManager and MySQL. */
const SMALL = { platform: "kubernetes", kubeContext: "team", prometheusEnabled: "false", postgresEnabled: "false", cdcEnabled: "false" };

/**
 * A stand-in kubectl: records its arguments, says it forwards, then stays (as the real one does).
 * FAKE_DROP=<service>: that forward's first run drops right after it listens; FAKE_NEVER=<service>: it never listens.
 */
const FAKE_KUBECTL = `#!/bin/sh
for a in "$@"; do last=$a; case $a in service/*) svc=\${a#service/};; esac; done
echo "$*" >> "$FAKE_DIR/calls"
runs=$(grep -c "service/$svc " "$FAKE_DIR/calls")
if [ "$svc" = "$FAKE_NEVER" ]; then echo "Error from server (NotFound): services \\"$svc\\" not found" >&2; exit 1; fi
echo "Forwarding from 127.0.0.1:\${last%%:*} -> \${last#*:}"
if [ "$svc" = "$FAKE_DROP" ] && [ "$runs" = 1 ]; then echo "error: lost connection to pod" >&2; exit 1; fi
exec sleep 30
`;
function fakeKubectl(): { kubectl: string; dir: string; calls: () => string[] } {
    const dir = tempDir();
    const kubectl = path.join(dir, "kubectl");
    fs.writeFileSync(kubectl, FAKE_KUBECTL, { mode: 0o755 });
    return { kubectl, dir, calls: () => (fs.existsSync(path.join(dir, "calls")) ? fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n") : []) };
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
    }
}

describe("parseForwardArgs", () => {
    test("--stack in both forms; help", () => {
        expect(parseForwardArgs(["--stack", "pr-1"])).toEqual({ stack: "pr-1" });
        expect(parseForwardArgs(["--stack=dev"])).toEqual({ stack: "dev" });
        expect(parseForwardArgs(["--help"])).toBeUndefined();
    });

    test.each<[string[], string]>([
        [[], "--stack <name> is required"],
        [["--stack"], "--stack needs a value"],
        [["--stack", "a", "--stack", "b"], "--stack given twice (a, b)"],
        [["--stack", "pr 1"], 'stack name "pr 1" is not allowed'],
        [["--config", "x=y"], 'unknown option "--config"; forward takes --stack <value>'],
        [["pr-1"], 'unexpected argument "pr-1"'],
    ])("%j is refused: %s", (argv, fragment) => {
        expect(() => parseForwardArgs(argv)).toThrow(UsageError);
        expect(() => parseForwardArgs(argv)).toThrow(fragment);
    });
});

describe("main", () => {
    interface Run { code: number; out: string; err: string; clusterChecked: number }
    async function run(argv: string[], workDir: string, deps: Partial<ForwardDeps> = {}): Promise<Run> {
        const r: Run = { code: 0, out: "", err: "", clusterChecked: 0 };
        r.code = await main(argv, {
            env: {}, workDir, projectName: PROJECT,
            out: (t) => { r.out += t; }, err: (t) => { r.err += t; },
            clusterCheck: () => { r.clusterChecked++; return { problems: [], kubectl: "/nonexistent/kubectl" }; },
            namespacePhase: () => "Active",
            localPortProblem: async () => undefined,
            spawn: () => { throw new Error("no forward may start in this test"); },
            stopped: Promise.resolve(),
            ...deps,
        });
        return r;
    }

    test("a docker stack is refused: nothing to forward, Docker publishes the ports", async () => {
        const dir = projectDir({ dev: stackFile({ sparkWorkers: "2" }), explicit: stackFile({ platform: "docker" }) });
        for (const stack of ["dev", "explicit", "missing"]) {
            const r = await run(["--stack", stack], dir);
            expect(r.code).toBe(1);
            expect(r.err).toContain(`env forward: stack ${stack} runs on Docker (`);
            expect(r.err).toContain("nothing to forward, Docker publishes every service's port on bindAddress itself");
            expect(r.err).toContain("--config platform=kubernetes");
            expect(r.clusterChecked).toBe(0);
        }
        expect((await run(["--stack", "missing"], dir)).err).toContain(`there is no ${path.join(dir, "Pulumi.missing.yaml")}`);
        expect((await run(["--stack", "explicit"], dir)).err).toContain("platform docker in");
    });

    test("a bad command line exits 2 with the usage; --help prints it", async () => {
        const bad = await run([], projectDir());
        expect(bad.code).toBe(2);
        expect(bad.err).toContain("--stack <name> is required");
        expect(bad.err).toContain(FORWARD_USAGE);
        const help = await run(["--help"], projectDir());
        expect(help.code).toBe(0);
        expect(help.out).toContain(FORWARD_USAGE);
    });

    test("settings that give two forwards one port stop it, naming them", async () => {
        const r = await run(["--stack", "k"], projectDir({ k: stackFile({ ...SMALL, mysqlPort: String(parseSettings({}, PROJECT, "k").alertmanager.port) }) }));
        expect(r.code).toBe(1);
        expect(r.err).toContain("alertmanagerPort, mysqlPort share local port");
    });

    test("kubectl missing or the cluster not answering: the preflight's problems, no forward", async () => {
        const r = await run(["--stack", "k"], projectDir({ k: stackFile(SMALL) }), { clusterCheck: () => ({ problems: ["kubectl is not on PATH"] }) });
        expect(r.code).toBe(1);
        expect(r.err).toBe("env forward: cannot start, 1 problem:\n  - kubectl is not on PATH\n");
    });

    test("no namespace yet: says to bring the stack up first", async () => {
        const r = await run(["--stack", "k"], projectDir({ k: stackFile(SMALL) }), { namespacePhase: () => undefined });
        expect(r.code).toBe(1);
        expect(r.err).toContain(`namespace ${parseSettings(SMALL, PROJECT, "k").kubernetes!.namespace} does not exist on the cluster: bring the stack up first: npm run env:up -- --stack k`);
    });

    test("a local port already taken: names the address and its setting before starting anything", async () => {
        const mysqlPort = parseSettings(SMALL, PROJECT, "k").mysql.port;
        const r = await run(["--stack", "k"], projectDir({ k: stackFile(SMALL) }), { localPortProblem: async (p) => (p === mysqlPort ? "already in use" : undefined) });
        expect(r.code).toBe(1);
        expect(r.err).toContain(`  - ${FORWARD_ADDRESS}:${mysqlPort} (mysqlPort): already in use`);
    });

    test("a kubernetes stack: one kubectl port-forward per service at the env lines' ports; a dropped one starts again; all stop at the end", async () => {
        const fake = fakeKubectl();
        const dir = projectDir({ k: stackFile(SMALL) });
        const plan = portForwards(parseSettings(SMALL, PROJECT, "k"));
        let stop!: () => void;
        const stopped = new Promise<void>((resolve) => { stop = resolve; });
        const r: Run = { code: -1, out: "", err: "", clusterChecked: 0 };
        const running = main(["--stack", "k"], {
            env: { PATH: process.env.PATH, FAKE_DIR: fake.dir, FAKE_DROP: MYSQL.alias }, workDir: dir, projectName: PROJECT,
            out: (t) => { r.out += t; }, err: (t) => { r.err += t; },
            clusterCheck: (_env, target) => { expect(target).toEqual({ context: "team", namespace: plan[0]!.namespace }); return { problems: [], kubectl: fake.kubectl }; },
            namespacePhase: () => "Active",
            localPortProblem: async () => undefined,
            restartDelayMs: 50,
            podsOf: async () => new Map(),
            stopped,
        }).then((code) => { r.code = code; });
        const mysql = plan.find((f) => f.service === MYSQL.alias)!;
        const listening = `env forward: listening on ${FORWARD_ADDRESS}:${mysql.localPort} (mysqlPort) -> service/${MYSQL.alias}:${MYSQL.port}\n`;
        await until("the dropped forward to listen again", () => r.out.split(listening).length - 1 === 2);
        stop();
        await running;
        expect(r.code).toBe(0);
        // The same command line as the gates' forwards, once per forward, the dropped one twice.
        const expected = plan.map((f) => forwardArgv(f).join(" "));
        expect(fake.calls().sort()).toEqual([...expected, forwardArgv(mysql).join(" ")].sort());
        expect(forwardArgv(plan[0]!)).toEqual(["--context", "team", "--namespace", plan[0]!.namespace, "port-forward", "--address", FORWARD_ADDRESS,
            `service/${SPARK.masterAlias}`, `${plan[0]!.localPort}:${SPARK.rpcPort}`]);
        expect(r.out).toContain(`env forward: stack k, namespace ${plan[0]!.namespace}, context team: ${plan.length} forwards\n`);
        for (const f of plan) expect(r.out).toContain(`listening on ${FORWARD_ADDRESS}:${f.localPort} (${f.setting}) -> service/${f.service}:${f.servicePort}`);
        expect(r.out).toContain(`env forward: all ${plan.length} forwards listening`);
        expect(r.err).toContain(`env forward: service/${MYSQL.alias}:${MYSQL.port}: error: lost connection to pod\n`);
        expect(r.err).toContain(`env forward: service/${MYSQL.alias}:${MYSQL.port} stopped (exit status 1): error: lost connection to pod; starting it again in`);
        expect(r.out).toMatch(/env forward: stopped\n$/);
    });
});

describe("superviseForwards", () => {
    test("a forward that never listens is started again less and less often; stop ends everything", async () => {
        const fake = fakeKubectl();
        const plan = portForwards(parseSettings(SMALL, PROJECT, "k")).filter((f) => f.service === MYSQL.alias || f.servicePort === SPARK.masterUiPort);
        let err = "";
        const forwards = superviseForwards(plan, {
            kubectl: fake.kubectl, env: { PATH: process.env.PATH, FAKE_DIR: fake.dir, FAKE_NEVER: MYSQL.alias },
            out: () => undefined, err: (t) => { err += `${t}\n`; }, restartDelayMs: 100, maxRestartDelayMs: 200,
        });
        await until("three failed starts", () => (err.match(/ stopped \(exit status 1\)/g) ?? []).length >= 3);
        await forwards.stop();
        expect(err).toContain(`service/${MYSQL.alias}:${MYSQL.port}: Error from server (NotFound): services "${MYSQL.alias}" not found`);
        expect([...err.matchAll(/starting it again in ([\d.]+) s/g)].map((m) => m[1]).slice(0, 3)).toEqual(["0.1", "0.2", "0.2"]);
        const starts = fake.calls().length;
        await new Promise((r) => setTimeout(r, 600));
        expect(fake.calls().length).toBe(starts); // nothing starts after stop
    });

    test("a role whose pods changed has its forwards started again at once; the others stay", async () => {
        const fake = fakeKubectl();
        const plan = portForwards(parseSettings(SMALL, PROJECT, "k"));
        const mysql = plan.find((f) => f.service === MYSQL.alias)!;
        let pods = new Map(plan.map((f) => [f.role, `${f.role}-uid-1:ready`]));
        let checks = 0;
        let err = "";
        const forwards = superviseForwards(plan, {
            kubectl: fake.kubectl, env: { PATH: process.env.PATH, FAKE_DIR: fake.dir }, out: () => undefined, err: (t) => { err += `${t}\n`; },
            podsOf: async () => { checks++; return pods; }, podCheckMs: 20,
        });
        await until("the forwards and a first look at the pods", () => fake.calls().length === plan.length && checks >= 2);
        pods = new Map([...pods, [mysql.role, `${mysql.role}-uid-2:not-ready`]]);
        await until("the mysql forward started again", () => fake.calls().length === plan.length + 1);
        await forwards.stop();
        expect(fake.calls().filter((c) => c.includes(`service/${MYSQL.alias} `))).toHaveLength(2);
        expect(err).toBe(`env forward: service/${MYSQL.alias}:${MYSQL.port}: the pods of ${mysql.role} changed: starting the forward again\n`);
    });

    test("podsByRole: each role's pods by its selector, with their readiness; pods being deleted left out", () => {
        const pod = (uid: string, role: string, ready: boolean, deleting = false): PodItem => ({
            metadata: { uid, labels: { ...selectorOf(role), "pod-template-hash": "x" }, ...(deleting ? { deletionTimestamp: "2025-12-02T00:00:00Z" } : {}) },
            status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
        });
        const roles = [MYSQL.alias, SPARK.masterAlias, "absent"];
        const items = [pod("b", MYSQL.alias, true), pod("a", MYSQL.alias, false), pod("c", MYSQL.alias, true, true), pod("d", SPARK.masterAlias, true),
            // Only part of the selector: another project's pod of the same name.
            { metadata: { uid: "e", labels: Object.fromEntries(Object.entries(selectorOf(MYSQL.alias)).slice(0, 1)) } }];
        expect(podsByRole(items, roles)).toEqual(new Map([[MYSQL.alias, "a:not-ready,b:ready"], [SPARK.masterAlias, "d:ready"], ["absent", ""]]));
    });

    test("localPortProblem: a port something listens on is in use; a free one is fine", async () => {
        const server = net.createServer();
        await new Promise<void>((resolve) => server.listen(0, FORWARD_ADDRESS, resolve));
        const { port } = server.address() as net.AddressInfo;
        try {
            expect(await localPortProblem(port)).toBe("already in use");
        } finally {
            await new Promise((resolve) => server.close(resolve));
        }
        expect(await localPortProblem(port)).toBeUndefined();
    });
});
