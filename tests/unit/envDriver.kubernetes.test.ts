// The environment driver on a stack with platform kubernetes: the platform read from Pulumi.<stack>.yaml
// and --config, kubectl and the cluster checked instead of Docker, the namespace as what down leaves.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main, type DriverDeps } from "../../env/driver";
import { describeKubeLeftovers, findKubeLeftovers } from "../../env/leftovers";
import { KUBECTL_INSTALL_URL, preflight, type Exec, type PreflightOptions } from "../../env/preflight";
import type { StackOps } from "../../env/stack";
import { readStackConfigFile, stackConfigValues, stackPlacement } from "../../env/stackSettings";
import { outsideAddresses } from "../../lib/kubernetes/endpoints";
import { defaultNamespace, parseSettings, SettingsError } from "../../lib/settings";
import { SPARK_KAFKA_PACKAGE, sparkJarsPackages } from "../../lib/spark";
import { testEnvLines, type Endpoints } from "../../lib/testEnv";

const ROOT = path.resolve(__dirname, "..", "..");
const PROJECT = "cdc-test-infra";

const tempDirs: string[] = [];
function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-env-kube-"));
    tempDirs.push(dir);
    return dir;
}
afterAll(() => { for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true }); });

/** A directory of fake programs (shell scripts), to be used as PATH. */
function fakeBin(programs: Record<string, string>): string {
    const dir = tempDir();
    for (const [name, body] of Object.entries(programs)) fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return dir;
}
/** A project directory of its own: the same Pulumi.yaml, and the given stack config files. */
function projectDir(stackFiles: Record<string, string> = {}): string {
    const dir = tempDir();
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    for (const [stack, text] of Object.entries(stackFiles)) fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
    return dir;
}

const REFUSED = "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?";
const OK_KUBECTL = 'for a in "$@"; do [ "$a" = /readyz ] && { echo ok; exit 0; }; done; exit 3';

describe("preflight on kubernetes", () => {
    const probe = path.join(ROOT, "package.json"); // any file that exists stands for the built probe
    const run = (bin: string, o: Partial<PreflightOptions> = {}) => preflight({
        env: { PATH: bin, PULUMI_CONFIG_PASSPHRASE: "x" }, needDocker: false, needPassphrase: true, probeScript: probe, kubernetes: {}, ...o,
    });

    test("kubectl missing: names kubectl, where to install it, and kubeContext; Docker is not asked for", () => {
        const r = run(fakeBin({ pulumi: "exit 0", node: "exit 0" }));
        expect(r.ok).toBe(false);
        expect(r.problems).toEqual([expect.stringContaining("kubectl is not on PATH (platform kubernetes: the readiness gates, env:forward and the leftover checks run it)")]);
        expect(r.problems[0]).toContain(`install kubectl: ${KUBECTL_INSTALL_URL}`);
        expect(r.problems[0]).toContain("the kubeContext setting");
        expect(r.problems[0]).not.toMatch(/docker/i);
    });

    test("a cluster that does not answer: kubectl's own words, the context (kubeContext) and the kubeconfig, and what to do", () => {
        const bin = fakeBin({ pulumi: "exit 0", node: "exit 0", kubectl: `echo "${REFUSED}" >&2; exit 1` });
        const current = run(bin);
        expect(current.problems).toHaveLength(1);
        expect(current.problems[0]).toContain("the Kubernetes cluster does not answer: `kubectl get --raw /readyz` failed for the kubeconfig's current context (kubeContext is empty) in ~/.kube/config (KUBECONFIG is not set)");
        expect(current.problems[0]).toContain(REFUSED);
        expect(current.problems[0]).toContain("Start the cluster, or point kubeContext at a context that reaches a running one");
        const named = run(bin, { kubernetes: { context: "team" }, env: { PATH: bin, PULUMI_CONFIG_PASSPHRASE: "x", KUBECONFIG: "/etc/kube/team.yaml" } });
        expect(named.problems[0]).toContain("`kubectl --context team get --raw /readyz` failed for the context team (kubeContext) in KUBECONFIG=/etc/kube/team.yaml");
    });

    test("a cluster that does not answer in time", () => {
        const exec: Exec = () => ({ status: null, stdout: "", stderr: "", error: Object.assign(new Error("spawnSync kubectl ETIMEDOUT"), { code: "ETIMEDOUT" }) });
        const r = run(fakeBin({ pulumi: "exit 0", node: "exit 0", kubectl: "exit 0" }), { exec, kubeReadyTimeoutMs: 1_000 });
        expect(r.problems).toEqual([expect.stringMatching(/the Kubernetes cluster does not answer: .*: no answer within 6 s\. Start the cluster/)]);
    });

    test("kubectl present and the cluster ready: ok, with the context asked for, and no docker needed", () => {
        const bin = fakeBin({ pulumi: "exit 0", node: "exit 0", kubectl: OK_KUBECTL });
        expect(run(bin)).toEqual({ ok: true, problems: [], pulumi: path.join(bin, "pulumi"), kubectl: path.join(bin, "kubectl") });
        const seen: string[][] = [];
        const exec: Exec = (_file, args) => { seen.push(args); return { status: 0, stdout: "ok", stderr: "" }; };
        expect(run(bin, { kubernetes: { context: "team" }, exec }).ok).toBe(true);
        expect(seen).toEqual([["--context", "team", "get", "--raw", "/readyz", expect.stringMatching(/^--request-timeout=\d+s$/)]]);
    });
});

describe("the stack's placement", () => {
    test("the config file's plain values, prefix removed; secure values and other namespaces left out; --config on top", () => {
        const dir = projectDir({
            k8s: [
                "encryptionsalt: v1:abc",
                "config:",
                "  cdc-test-infra:platform: kubernetes",
                "  cdc-test-infra:sparkWorkers: 2",
                "  cdc-test-infra:prometheusEnabled: false",
                "  cdc-test-infra:mysqlCdcPassword:",
                "    secure: v1:xyz",
                "  kubernetes:context: other",
            ].join("\n"),
        });
        expect(readStackConfigFile(dir, PROJECT, "k8s")).toEqual({ platform: "kubernetes", sparkWorkers: "2", prometheusEnabled: "false" });
        expect(readStackConfigFile(dir, PROJECT, "missing")).toEqual({});
        const raw = stackConfigValues(dir, PROJECT, "k8s", [{ key: "sparkWorkers", value: "3", secret: false }, { key: "mysqlRootPassword", value: "s", secret: true }]);
        expect(raw).toEqual({ platform: "kubernetes", sparkWorkers: "3", prometheusEnabled: "false" });
    });

    test("platform, context and namespace (its default derived from the stack); other settings are not judged here", () => {
        expect(stackPlacement({}, PROJECT, "pr-1")).toEqual({ platform: "docker" });
        expect(stackPlacement({ platform: "kubernetes", sparkWorkers: "999" }, PROJECT, "pr-1").kubernetes).toMatchObject({ namespace: defaultNamespace(PROJECT, "pr-1") });
        expect(stackPlacement({ platform: "kubernetes", kubeContext: "team", kubernetesNamespace: "cdc-a" }, PROJECT, "pr-1").kubernetes)
            .toMatchObject({ context: "team", namespace: "cdc-a" });
        expect(() => stackPlacement({ platform: "kubernetes", kubernetesNamespace: "Bad_Name" }, PROJECT, "pr-1")).toThrow(SettingsError);
    });
});

describe("findKubeLeftovers", () => {
    test("the namespace's phase and its claims; a namespace that is gone leaves nothing", () => {
        const calls: string[][] = [];
        const exec = (phase: string): Exec => (_file, args) => {
            calls.push(args);
            return { status: 0, stdout: args.includes("persistentvolumeclaims") ? "persistentvolumeclaim/data-mysql-0\npersistentvolumeclaim/spark-data\n" : phase, stderr: "" };
        };
        const left = findKubeLeftovers({ namespace: "cdc-dev", context: "team" }, { exec: exec("Active") });
        expect(left).toEqual({ namespace: "cdc-dev", phase: "Active", claims: ["data-mysql-0", "spark-data"] });
        expect(describeKubeLeftovers(left)).toBe("namespace cdc-dev (Active); persistentvolumeclaims: data-mysql-0, spark-data");
        expect(calls[0]).toEqual(["--context", "team", "get", "namespace", "cdc-dev", "--ignore-not-found", "-o", "jsonpath={.status.phase}"]);
        expect(findKubeLeftovers({ namespace: "cdc-dev" }, { exec: exec("") })).toEqual({ namespace: "cdc-dev", claims: [] });
    });

    test("a failing kubectl is an error, never an empty answer", () => {
        const exec: Exec = () => ({ status: 1, stdout: "", stderr: REFUSED });
        expect(() => findKubeLeftovers({ namespace: "cdc-dev" }, { exec })).toThrow(REFUSED);
    });
});

describe("main on a kubernetes stack, with a fake stack backend", () => {
    // What a kubernetes stack's outputs say: the outside addresses of its settings.
    const s = parseSettings({ platform: "kubernetes" }, PROJECT, "pr-9");
    const o = outsideAddresses(s);
    const ENDPOINTS: Endpoints = {
        sparkMasterUrl: o.sparkMasterUrl, sparkUiUrl: o.sparkUiUrl, alertmanagerUrl: o.alertmanagerUrl, mysqlFlavor: s.mysql.flavor, mysqlHost: o.mysql.host,
        mysqlPort: o.mysql.port, mysqlDatabase: s.mysql.database, mysqlCdcUser: s.mysql.cdcUser, mysqlCdcPassword: "pw",
        sparkJarsPackages: sparkJarsPackages(), sparkKafkaPackage: SPARK_KAFKA_PACKAGE,
    };
    interface Run { code: number; out: string; err: string; calls: string[]; preflightSeen: PreflightOptions[]; kubeLeftoversSeen: unknown[] }
    async function runMain(argv: string[], workDir: string, o: { kubeLeftovers?: DriverDeps["kubeLeftovers"] } = {}): Promise<Run> {
        const r: Run = { code: 0, out: "", err: "", calls: [], preflightSeen: [], kubeLeftoversSeen: [] };
        const ops: StackOps = {
            async up(a) { r.calls.push(`up ${a.stack}`); return { outputs: { testEnv: { value: testEnvLines(ENDPOINTS), secret: true } }, resourceChanges: { create: 20 } }; },
            async down(a) { r.calls.push(`down ${a.stack}`); return { resourceChanges: { delete: 20 } }; },
            async list() { return []; },
            async exists() { return true; },
        };
        r.code = await main(argv, {
            env: {}, workDir, projectName: PROJECT,
            out: (t) => { r.out += t; }, err: (t) => { r.err += t; },
            preflight: (p) => { r.preflightSeen.push(p); return { ok: true, problems: [], kubectl: "/usr/bin/kubectl" }; },
            ops,
            leftovers: () => { throw new Error("the Docker leftovers must not be looked for on a kubernetes stack"); },
            kubeLeftovers: (t) => { r.kubeLeftoversSeen.push(t); return (o.kubeLeftovers ?? (() => ({ namespace: t.namespace, claims: [] })))(t); },
        });
        return r;
    }

    test("up with --config platform=kubernetes: kubectl and the cluster checked instead of Docker; the forward named after the env lines", async () => {
        const r = await runMain(["up", "--stack", "pr-9", "--config", "platform=kubernetes"], projectDir());
        expect(r.code).toBe(0);
        expect(r.preflightSeen).toEqual([expect.objectContaining({ needDocker: false, kubernetes: {}, needPassphrase: true })]);
        expect(r.out).toContain(`namespace ${defaultNamespace(PROJECT, "pr-9")}`);
        expect(r.out).toContain("npm run env:forward -- --stack pr-9");
    });

    test("up of a stack whose config file says kubernetes, with its context", async () => {
        const dir = projectDir({ team: "config:\n  cdc-test-infra:platform: kubernetes\n  cdc-test-infra:kubeContext: team-cluster\n" });
        const r = await runMain(["up", "--stack", "team"], dir);
        expect(r.code).toBe(0);
        expect(r.preflightSeen[0]).toMatchObject({ needDocker: false, kubernetes: { context: "team-cluster" } });
    });

    test("up of a docker stack is as before: Docker checked, no kubernetes, no forward", async () => {
        const r = await runMain(["up", "--stack", "pr-9"], projectDir());
        expect(r.preflightSeen[0]).toMatchObject({ needDocker: true, needPassphrase: true });
        expect(r.preflightSeen[0]).not.toHaveProperty("kubernetes");
        expect(r.out).not.toContain("env:forward");
    });

    test("down: the namespace (and its claims) is what is looked for afterwards", async () => {
        const dir = projectDir({ dev: "config:\n  cdc-test-infra:platform: kubernetes\n  cdc-test-infra:kubernetesNamespace: cdc-dev\n" });
        const kept = await runMain(["down", "--stack", "dev"], dir, { kubeLeftovers: (t) => ({ namespace: t.namespace, phase: "Active", claims: ["data-mysql-0"] }) });
        expect(kept.code).toBe(0);
        expect(kept.calls).toEqual(["down dev"]);
        expect(kept.preflightSeen[0]).toMatchObject({ needDocker: false, kubernetes: {}, needPassphrase: true });
        expect(kept.kubeLeftoversSeen).toEqual([{ namespace: "cdc-dev" }]);
        expect(kept.out).toContain("env down: still on the cluster for dev: namespace cdc-dev (Active); persistentvolumeclaims: data-mysql-0");
        const gone = await runMain(["down", "--stack", "dev"], dir);
        expect(gone.out).not.toContain("still on the cluster");
        const failing = await runMain(["down", "--stack", "dev"], dir, { kubeLeftovers: () => { throw new Error(REFUSED); } });
        expect(failing.code).toBe(0);
        expect(failing.out).toContain(`env down: could not check the cluster for leftovers: ${REFUSED}`);
    });

    test("a config file that does not parse stops before any stack operation, naming the file", async () => {
        const dir = projectDir({ bad: "config:\n  cdc-test-infra:platform: openstack\n" });
        const r = await runMain(["down", "--stack", "bad"], dir);
        expect(r.code).toBe(1);
        expect(r.calls).toEqual([]);
        expect(r.err).toContain(`env down: cannot tell where stack bad runs from ${path.join(dir, "Pulumi.bad.yaml")}`);
        expect(r.err).toContain("platform");
    });
});
