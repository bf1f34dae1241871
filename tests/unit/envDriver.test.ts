// The environment driver (env/): command line, preflight, output masking, env file, the command flow
// with a fake stack backend, and the real driver run as a child process on this machine.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { parseArgs, USAGE, UsageError, type Command } from "../../env/args";
import { main, type DriverDeps } from "../../env/driver";
import { describeLeftovers, findLeftovers, leftoverQueries } from "../../env/leftovers";
import { formatOutputs, formatStackTable, MASK, maskEnvLines, secretEnvKeys, testEnvOf, writeEnvFile, type StackOutputs } from "../../env/output";
import { findOnPath, passphraseProblem, preflight, PULUMI_INSTALL_URL, spawnExec, type Exec, type PreflightOptions } from "../../env/preflight";
import { describeChanges, failureSummary, readProjectName, type StackOps } from "../../env/stack";
import { testEnvLines, type Endpoints } from "../../lib/testEnv";

const ROOT = path.resolve(__dirname, "..", "..");
const PROJECT = "cdc-test-infra";
const parse = (...argv: string[]) => parseArgs(argv, PROJECT);
function usageError(...argv: string[]): string {
    try {
        parse(...argv);
    } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
    }
    throw new Error(`expected a UsageError for ${argv.join(" ")}`);
}

const tempDirs: string[] = [];
function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-env-driver-"));
    tempDirs.push(dir);
    return dir;
}
afterAll(() => { for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true }); });

/** A directory of fake programs (shell scripts), to be used as PATH. */
function fakeBin(programs: Record<string, string>, mode = 0o755): string {
    const dir = tempDir();
    for (const [name, body] of Object.entries(programs)) {
        fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode });
    }
    return dir;
}
const OK_DOCKER = 'if [ "$1" = info ]; then echo 28.2.2; exit 0; fi; exit 3';
const DEAD_DOCKER = 'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1';

test("the project name comes from Pulumi.yaml", () => {
    expect(readProjectName(ROOT)).toBe(PROJECT);
});

describe("parseArgs", () => {
    test("up with every option, in both --opt value and --opt=value forms", () => {
        const cmd = parse("up", "--stack", "pr-123", "--env-file", ".env.cdc", "--config", "sparkWorkers=2",
            "--config=environment=ephemeral", "--config", "cdc-test-infra:mysqlFlavor=mariadb",
            "--config", "mysqlCdcPassword=a=b'c", "--show-secrets");
        expect(cmd).toEqual<Command>({
            command: "up", stack: "pr-123", envFile: ".env.cdc", showSecrets: true,
            config: [
                { key: "sparkWorkers", value: "2", secret: false },
                { key: "environment", value: "ephemeral", secret: false },
                { key: "mysqlFlavor", value: "mariadb", secret: false },
                // Split at the first "=" only; secret keys are stored encrypted.
                { key: "mysqlCdcPassword", value: "a=b'c", secret: true },
            ],
        });
    });

    test("minimal up, down and list; help anywhere", () => {
        expect(parse("up", "--stack=pr-7")).toEqual({ command: "up", stack: "pr-7", config: [], showSecrets: false });
        expect(parse("down", "--stack", "pr-7")).toEqual({ command: "down", stack: "pr-7" });
        expect(parse("list")).toEqual({ command: "list" });
        expect(parse("--help")).toEqual({ command: "help" });
        expect(parse("up", "--help")).toEqual({ command: "help" });
    });

    test.each<[string[], string[]]>([
        [[], ["no command given", "up, down or list"]],
        [["deploy"], ['unknown command "deploy"', "up, down or list"]],
        [["up"], ["--stack <name> is required", "pr-123"]],
        [["down"], ["down: --stack <name> is required"]],
        [["up", "--stack"], ["--stack needs a value"]],
        [["up", "--stack", "--env-file", "x"], ["--stack needs a value"]],
        [["up", "--stack", "pr 1"], ['stack name "pr 1" is not allowed', "letters, digits"]],
        [["up", "--stack", "../etc"], ['stack name "../etc" is not allowed']],
        [["up", "--stack", "-x"], ['stack name "-x" is not allowed']],
        [["up", "--stack=-x"], ['stack name "-x" is not allowed']],
        [["up", "--stack", "pr-1", "--stack", "pr-2"], ["--stack given twice (pr-1, pr-2)"]],
        [["up", "--stak", "pr-1"], ['unknown option "--stak"', "--stack <value>, --env-file <value>, --config <value>, --show-secrets"]],
        [["up", "pr-1"], ['unexpected argument "pr-1"']],
        [["list", "--stack", "pr-1"], ["--stack is not an option of list", "list takes no options"]],
        [["down", "--stack", "pr-1", "--config", "a=b"], ["--config is not an option of down", "down takes --stack <value>"]],
        [["down", "--stack", "pr-1", "--env-file", "x"], ["--env-file is not an option of down"]],
        [["up", "--stack", "pr-1", "--show-secrets=yes"], ["--show-secrets takes no value"]],
        [["up", "--stack", "pr-1", "--env-file="], ["--env-file needs a path"]],
        [["up", "--stack", "pr-1", "--config", "sparkWorkers"], ['--config "sparkWorkers": expected <key>=<value>']],
        [["up", "--stack", "pr-1", "--config", "=2"], ["expected <key>=<value>"]],
        [["up", "--stack", "pr-1", "--config", "aws:region=eu-west-1"], ["only this project's keys (cdc-test-infra:…)"]],
        [["up", "--stack", "pr-1", "--config", "sparkWorkers=1", "--config", "sparkWorkers=2"], ["--config sparkWorkers given twice"]],
        [["up", "--stack", "pr-1", "--config", "sparkWorkerz=2"], ["sparkWorkerz: unknown setting", "sparkWorkers"]],
        [["up", "--stack", "pr-1", "--config", "sparkWorkers=-1"], ['sparkWorkers = "-1": expected an integer from 0 to 16']],
        [["up", "--stack", "pr-1", "--config", "environment=staging"], ["one of auto, persistent, ephemeral"]],
        [["up", "--stack", "pr-1", "--config", "mysqlRootPassword="], ["mysqlRootPassword needs a non-empty value"]],
    ])("%j is refused: %j", (argv, fragments) => {
        const message = usageError(...argv);
        for (const f of fragments) expect(message).toContain(f);
    });

    test("every bad --config value is reported at once", () => {
        const message = usageError("up", "--stack", "pr-1", "--config", "mysqlPort=0", "--config", "mysqlFlavor=oracle");
        expect(message).toContain("mysqlPort");
        expect(message).toContain("mysqlFlavor");
    });
});

describe("preflight", () => {
    const probe = path.join(ROOT, "package.json"); // any file that exists stands for the built probe
    const goodEnv = (bin: string): NodeJS.ProcessEnv => ({ PATH: bin, PULUMI_CONFIG_PASSPHRASE: "x" });
    const run = (o: Partial<PreflightOptions> & { env: NodeJS.ProcessEnv }) =>
        preflight({ needDocker: true, needPassphrase: true, probeScript: probe, ...o });

    test("findOnPath: the first executable in PATH order; empty entries and non-executables skipped", () => {
        const a = fakeBin({ tool: "exit 0" });
        const b = fakeBin({ tool: "exit 0" });
        const plain = fakeBin({ tool: "exit 0" }, 0o644);
        expect(findOnPath("tool", ["", plain, b, a].join(path.delimiter))).toBe(path.join(b, "tool"));
        expect(findOnPath("tool", plain)).toBeUndefined();
        expect(findOnPath("tool", undefined)).toBeUndefined();
    });

    test("no pulumi on PATH: names the CLI and where to install it", () => {
        const bin = fakeBin({ node: "exit 0", docker: OK_DOCKER });
        const r = run({ env: goodEnv(bin) });
        expect(r.ok).toBe(false);
        expect(r.problems).toEqual([expect.stringContaining(`install the Pulumi CLI: ${PULUMI_INSTALL_URL}`)]);
        expect(r.problems[0]).toContain("not on PATH");
    });

    test("a pulumi file that is not executable does not count", () => {
        const bin = fakeBin({ node: "exit 0", docker: OK_DOCKER });
        fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\n", { mode: 0o644 });
        expect(run({ env: goodEnv(bin) }).problems).toEqual([expect.stringContaining("install the Pulumi CLI")]);
    });

    test("docker whose `info` fails: the daemon is unreachable, with docker's own words and DOCKER_HOST", () => {
        const bin = fakeBin({ pulumi: "exit 0", node: "exit 0", docker: DEAD_DOCKER });
        const r = run({ env: goodEnv(bin) });
        expect(r.ok).toBe(false);
        expect(r.problems).toHaveLength(1);
        expect(r.problems[0]).toContain("the Docker daemon is unreachable: `docker info` failed at the default socket (DOCKER_HOST is not set)");
        expect(r.problems[0]).toContain("Cannot connect to the Docker daemon at unix:///var/run/docker.sock");
        expect(r.problems[0]).toContain("set DOCKER_HOST to point at one that runs");
        const remote = run({ env: { ...goodEnv(bin), DOCKER_HOST: "tcp://10.9.8.7:2376" } });
        expect(remote.problems[0]).toContain("failed at DOCKER_HOST=tcp://10.9.8.7:2376");
    });

    test("docker whose `info` hangs is cut off and reported", () => {
        const bin = fakeBin({ pulumi: "exit 0", node: "exit 0", docker: "sleep 5" });
        const r = run({ env: goodEnv(bin), dockerInfoTimeoutMs: 300 });
        expect(r.problems).toEqual([expect.stringContaining("the Docker daemon is unreachable")]);
    });

    test("no docker at all: says the CLI is missing, what installs it, and DOCKER_HOST", () => {
        const bin = fakeBin({ pulumi: "exit 0", node: "exit 0" });
        const r = run({ env: goodEnv(bin) });
        expect(r.problems).toEqual([expect.stringContaining("the docker CLI is not on PATH")]);
        expect(r.problems[0]).toContain("https://docs.docker.com/engine/install/");
        expect(r.problems[0]).toContain("DOCKER_HOST");
    });

    test("pulumi, docker (daemon answering), node, probe and passphrase present: ok", () => {
        const bin = fakeBin({ pulumi: "exit 0", node: "exit 0", docker: OK_DOCKER });
        const r = run({ env: goodEnv(bin) });
        expect(r).toEqual({ ok: true, problems: [], pulumi: path.join(bin, "pulumi"), docker: path.join(bin, "docker") });
    });

    test("every problem at once: no pulumi, dead daemon, no node, probe not built, no passphrase", () => {
        const bin = fakeBin({ docker: DEAD_DOCKER });
        const r = run({ env: { PATH: bin }, probeScript: path.join(bin, "dist", "probe", "cli.js") });
        expect(r.problems).toHaveLength(5);
        expect(r.problems.join("\n")).toMatch(/Pulumi CLI[\s\S]*Docker daemon[\s\S]*node is not on PATH[\s\S]*npm run build[\s\S]*PULUMI_CONFIG_PASSPHRASE/);
    });

    test("list needs only the Pulumi CLI: docker and the passphrase are not checked", () => {
        const bin = fakeBin({ pulumi: "exit 0", node: "exit 0" });
        let ran = false;
        const exec: Exec = () => { ran = true; return { status: 1, stdout: "", stderr: "" }; };
        expect(preflight({ env: { PATH: bin }, needDocker: false, needPassphrase: false, exec }).ok).toBe(true);
        expect(ran).toBe(false);
    });

    test("the passphrase: unset, empty, or a missing file is a problem naming the variable; set or an existing file is fine", () => {
        expect(passphraseProblem({})).toMatch(/^PULUMI_CONFIG_PASSPHRASE is not set: .*PULUMI_CONFIG_PASSPHRASE_FILE/);
        expect(passphraseProblem({ PULUMI_CONFIG_PASSPHRASE: "" })).toContain("PULUMI_CONFIG_PASSPHRASE is not set");
        expect(passphraseProblem({ PULUMI_CONFIG_PASSPHRASE_FILE: "/nonexistent/pass" })).toBe("PULUMI_CONFIG_PASSPHRASE_FILE names /nonexistent/pass, which does not exist");
        expect(passphraseProblem({ PULUMI_CONFIG_PASSPHRASE: "s3cret" })).toBeUndefined();
        expect(passphraseProblem({ PULUMI_CONFIG_PASSPHRASE_FILE: path.join(ROOT, "package.json") })).toBeUndefined();
    });
});

const ENDPOINTS: Endpoints = {
    sparkMasterUrl: "spark://127.0.0.1:32801", sparkUiUrl: "http://127.0.0.1:32802", alertmanagerUrl: "http://127.0.0.1:32803",
    mysqlFlavor: "mariadb", mysqlHost: "127.0.0.1", mysqlPort: 32804, mysqlDatabase: "cdc_test", mysqlCdcUser: "cdc", mysqlCdcPassword: "pa$$ 'word",
    sparkJarsPackages: "io.delta:delta-spark_2.12:3.3.3", sparkKafkaPackage: "org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.7",
};
const ROOT_PASSWORD = "r00t-Secret-xyz";
/** What the Automation API hands back after `up`: secrets decrypted but flagged. */
function outputs(): StackOutputs {
    const plain = (value: unknown) => ({ value, secret: false });
    return {
        environment: plain("ephemeral"),
        sparkMasterUrl: plain(ENDPOINTS.sparkMasterUrl), sparkUiUrl: plain(ENDPOINTS.sparkUiUrl),
        alertmanagerUrl: plain(ENDPOINTS.alertmanagerUrl), mysqlFlavor: plain(ENDPOINTS.mysqlFlavor), mysqlHost: plain(ENDPOINTS.mysqlHost), mysqlPort: plain(ENDPOINTS.mysqlPort),
        mysqlDatabase: plain("cdc_test"), mysqlCdcUser: plain("cdc"), sparkJarsPackages: plain(ENDPOINTS.sparkJarsPackages),
        mysqlCdcPassword: { value: ENDPOINTS.mysqlCdcPassword, secret: true },
        mysqlRootPassword: { value: ROOT_PASSWORD, secret: true },
        testEnv: { value: testEnvLines(ENDPOINTS), secret: true },
    };
}

describe("output", () => {
    test("formatOutputs: secret outputs are masked, the rest shown; testEnv is left to its own lines", () => {
        const text = formatOutputs(outputs());
        expect(text).not.toContain(ROOT_PASSWORD);
        expect(text).not.toContain("pa$$");
        expect(text).toMatch(/mysqlRootPassword +\[secret\]/);
        expect(text).toMatch(/mysqlCdcPassword +\[secret\]/);
        expect(text).toMatch(/mysqlPort +32804/);
        expect(text).toMatch(/sparkUiUrl +http:\/\/127\.0\.0\.1:32802/);
        expect(text).not.toContain("testEnv");
        expect(formatOutputs(outputs(), true)).toContain(ROOT_PASSWORD);
    });

    test("the env lines: the secret password is masked, public endpoints stay; unknown or missing keys are masked", () => {
        const lines = testEnvOf(outputs());
        const masked = maskEnvLines(lines, secretEnvKeys(outputs()));
        expect(masked).not.toContain("pa$$");
        expect(masked).toContain(`CDC_MYSQL_PASSWORD=${MASK}\n`);
        expect(masked).toContain("CDC_MYSQL_PORT=32804\n");
        expect(masked).toContain("CDC_ALERTMANAGER_URL=http://127.0.0.1:32803\n");
        expect(maskEnvLines("CDC_SOMETHING_NEW=x\n", new Set())).toBe(`CDC_SOMETHING_NEW=${MASK}\n`);
        const { mysqlPort: _dropped, ...withoutPort } = outputs();
        expect(secretEnvKeys(withoutPort).has("CDC_MYSQL_PORT")).toBe(true);
    });

    test("testEnvOf names what is wrong with the output", () => {
        expect(() => testEnvOf({ sparkUiUrl: { value: "x", secret: false } })).toThrow("the stack has no testEnv output (outputs: sparkUiUrl)");
        expect(() => testEnvOf({ testEnv: { value: 5, secret: true } })).toThrow("the testEnv output is not text: 5");
        expect(testEnvOf({ testEnv: { value: "A=1", secret: true } })).toBe("A=1\n");
    });

    test("writeEnvFile: exactly the lines, mode 0600, also over an existing world-readable file", () => {
        const dir = tempDir();
        const file = path.join(dir, ".env.cdc");
        fs.writeFileSync(file, "OLD=1\n", { mode: 0o644 });
        fs.chmodSync(file, 0o644);
        const lines = testEnvLines(ENDPOINTS);
        writeEnvFile(file, lines);
        expect(fs.readFileSync(file, "utf8")).toBe(lines);
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        expect(fs.readdirSync(dir)).toEqual([".env.cdc"]);
        // The file sources back to the same values in a POSIX shell.
        const echoed = spawnSync("sh", ["-c", `set -a; . "${file}"; printf '%s|%s' "$CDC_MYSQL_PASSWORD" "$CDC_MYSQL_PORT"`], { encoding: "utf8" });
        expect(echoed.stdout).toBe(`${ENDPOINTS.mysqlCdcPassword}|32804`);
    });

    test("writeEnvFile into a missing directory fails naming the path", () => {
        const file = path.join(tempDir(), "missing", "env");
        expect(() => writeEnvFile(file, "A=1\n")).toThrow(`cannot write the env file ${file}`);
    });

    test("formatStackTable: name (* for the current one), last update or progress, resource count", () => {
        const table = formatStackTable([
            { name: "pr-12", lastUpdate: "2025-11-25T03:00:00.000Z", resourceCount: 17 },
            { name: "dev", current: true, lastUpdate: "2025-11-24T10:00:00.000Z", resourceCount: 16 },
            { name: "pr-9", updateInProgress: true },
        ]).split("\n");
        expect(table[0]).toMatch(/^NAME +LAST UPDATE +RESOURCES$/);
        expect(table[1]).toMatch(/^dev\* +2025-11-24T10:00:00.000Z +16$/);
        expect(table[2]).toMatch(/^pr-12 +2025-11-25T03:00:00.000Z +17$/);
        expect(table[3]).toMatch(/^pr-9 +update in progress +n\/a$/);
        expect(formatStackTable([])).toBe("no stacks in this project's backend");
    });

    test("describeChanges and failureSummary", () => {
        expect(describeChanges({ create: 3, same: 12, update: 0 })).toBe("3 created, 12 unchanged");
        expect(describeChanges({})).toBe("no resources");
        const commandError = Object.assign(new Error("code: 255 ..."), { commandResult: { code: 255, stdout: "lots", stderr: "warning: x\nerror: update failed\n" } });
        expect(failureSummary(commandError)).toBe("the Pulumi CLI failed (exit code 255):\nwarning: x\nerror: update failed");
        expect(failureSummary(new Error("plain"))).toBe("plain");
    });
});

describe("findLeftovers", () => {
    test("queries by label and by name; keeps name matches of this stack only; label matches always", () => {
        const answers: Record<string, string> = {
            "ps -a --filter label=cdc-test-infra.stack=pr-1": "odd-name-but-labelled\n",
            "ps -a --filter name=cdc-test-infra-pr-1-": "cdc-test-infra-pr-1-mysql\ncdc-test-infra-pr-12-mysql\n",
            "volume ls --filter name=cdc-test-infra-pr-1-": "cdc-test-infra-pr-1-mysql-data\n",
        };
        const exec: Exec = (_file, args) => ({ status: 0, stdout: answers[args.slice(0, -2).join(" ")] ?? "", stderr: "" });
        const left = findLeftovers(PROJECT, "pr-1", { exec });
        expect(left).toEqual({ containers: ["odd-name-but-labelled", "cdc-test-infra-pr-1-mysql"], volumes: ["cdc-test-infra-pr-1-mysql-data"], networks: [] });
        expect(describeLeftovers(left)).toBe("containers: odd-name-but-labelled, cdc-test-infra-pr-1-mysql; volumes: cdc-test-infra-pr-1-mysql-data");
        expect(leftoverQueries(PROJECT, "pr-1").map((q) => q.args[0])).toEqual(["ps", "ps", "volume", "volume", "network", "network"]);
    });

    test("a failing docker is an error, never an empty answer", () => {
        const exec: Exec = () => ({ status: 1, stdout: "", stderr: "Cannot connect to the Docker daemon" });
        expect(() => findLeftovers(PROJECT, "pr-1", { exec })).toThrow("Cannot connect to the Docker daemon");
    });
});

describe("main with a fake stack backend", () => {
    interface Run { code: number; out: string; err: string; calls: string[]; preflightSeen: PreflightOptions[] }
    async function runMain(argv: string[], o: { ops?: Partial<StackOps>; preflightOk?: boolean; leftovers?: DriverDeps["leftovers"] } = {}): Promise<Run> {
        let out = "";
        let err = "";
        const calls: string[] = [];
        const preflightSeen: PreflightOptions[] = [];
        const ops: StackOps = {
            async up(a) { calls.push(`up ${a.stack} ${JSON.stringify(a.config)}`); a.onOutput("Updating (pr-7)\n"); return { outputs: outputs(), resourceChanges: { create: 17 } }; },
            async down(a) { calls.push(`down ${a.stack}`); a.onOutput("Destroying (pr-7)\n"); return { resourceChanges: { delete: 17 } }; },
            async list() { calls.push("list"); return [{ name: "pr-7", lastUpdate: "2025-11-25T03:00:00.000Z", resourceCount: 17 }]; },
            async exists() { return true; },
            ...o.ops,
        };
        const code = await main(argv, {
            env: {}, workDir: ROOT, projectName: PROJECT,
            out: (t) => { out += t; }, err: (t) => { err += t; },
            preflight: (p) => {
                preflightSeen.push(p);
                return o.preflightOk === false ? { ok: false, problems: ["the Pulumi CLI is not on PATH: install the Pulumi CLI: x"] } : { ok: true, problems: [] };
            },
            ops,
            leftovers: o.leftovers ?? (() => ({ containers: [], volumes: [], networks: [] })),
        });
        return { code, out, err, calls, preflightSeen };
    }

    test("up: config passed on, progress streamed, outputs and env lines masked, env file written with the real values", async () => {
        const envFile = path.join(tempDir(), "pr-7.env");
        const r = await runMain(["up", "--stack", "pr-7", "--config", "sparkWorkers=2", "--env-file", envFile]);
        expect(r.code).toBe(0);
        expect(r.err).toBe("");
        expect(r.calls).toEqual([`up pr-7 ${JSON.stringify([{ key: "sparkWorkers", value: "2", secret: false }])}`]);
        expect(r.preflightSeen[0]).toMatchObject({ needDocker: true, needPassphrase: true, probeScript: path.join(ROOT, "dist", "probe", "cli.js") });
        expect(r.out).toContain("Updating (pr-7)\n");
        expect(r.out).toContain("stack pr-7 is up (17 created)");
        expect(r.out).toMatch(/mysqlRootPassword +\[secret\]/);
        expect(r.out).toContain("CDC_SPARK_UI_URL=http://127.0.0.1:32802\n");
        expect(r.out).toContain(`CDC_MYSQL_PASSWORD=${MASK}\n`);
        expect(r.out).not.toContain(ROOT_PASSWORD);
        expect(r.out).not.toContain("pa$$");
        expect(fs.readFileSync(envFile, "utf8")).toBe(testEnvLines(ENDPOINTS));
        expect(fs.statSync(envFile).mode & 0o777).toBe(0o600);
    });

    test("up --show-secrets prints the values", async () => {
        const r = await runMain(["up", "--stack", "pr-7", "--show-secrets"]);
        expect(r.code).toBe(0);
        expect(r.out).toContain(ROOT_PASSWORD);
        expect(r.out).toContain("CDC_MYSQL_PASSWORD='pa$$ '\\''word'\n");
    });

    test("a failed up exits 1 and says how to clean up", async () => {
        const failing = { async up(): Promise<never> { throw Object.assign(new Error("x"), { commandResult: { code: 255, stderr: "error: update failed" } }); } };
        const r = await runMain(["up", "--stack", "pr-7"], { ops: failing });
        expect(r.code).toBe(1);
        expect(r.err).toContain("the Pulumi CLI failed (exit code 255):\nerror: update failed");
        expect(r.err).toContain("npm run env:down -- --stack pr-7");
    });

    test("an --env-file in a missing directory fails before any Pulumi work", async () => {
        const r = await runMain(["up", "--stack", "pr-7", "--env-file", path.join(tempDir(), "nope", "x.env")]);
        expect(r.code).toBe(1);
        expect(r.calls).toEqual([]);
        expect(r.err).toContain("does not exist");
    });

    test("a failed preflight stops before any stack operation, listing the problems", async () => {
        const r = await runMain(["up", "--stack", "pr-7"], { preflightOk: false });
        expect(r.code).toBe(1);
        expect(r.calls).toEqual([]);
        expect(r.err).toContain("env up: cannot start, 1 problem:\n  - the Pulumi CLI is not on PATH: install the Pulumi CLI");
    });

    test("a bad command line exits 2 with the message and the usage", async () => {
        const r = await runMain(["up"]);
        expect(r.code).toBe(2);
        expect(r.err).toContain("--stack <name> is required");
        expect(r.err).toContain(USAGE);
        expect(r.preflightSeen).toEqual([]);
    });

    test("down destroys and removes the stack, then reports what is still on the daemon", async () => {
        const r = await runMain(["down", "--stack", "pr-7"], { leftovers: () => ({ containers: [], volumes: ["cdc-test-infra-pr-7-mysql-data"], networks: [] }) });
        expect(r.code).toBe(0);
        expect(r.calls).toEqual(["down pr-7"]);
        expect(r.out).toContain("Destroying (pr-7)\n");
        expect(r.out).toContain("stack pr-7 destroyed (17 deleted) and removed");
        expect(r.out).toContain("still on the Docker daemon for pr-7: volumes: cdc-test-infra-pr-7-mysql-data");
        expect(r.preflightSeen[0]).toMatchObject({ needDocker: true, needPassphrase: true });
    });

    test("a failed down exits 1 and keeps the stack", async () => {
        const r = await runMain(["down", "--stack", "pr-7"], { ops: { async down(): Promise<never> { throw new Error("no stack \"pr-7\" in this project's backend"); } } });
        expect(r.code).toBe(1);
        expect(r.err).toContain("no stack \"pr-7\"");
        expect(r.err).toContain("The stack was kept");
    });

    test("list prints the table and needs neither Docker nor the passphrase", async () => {
        const r = await runMain(["list"]);
        expect(r.code).toBe(0);
        expect(r.out).toMatch(/pr-7 +2025-11-25T03:00:00.000Z +17/);
        expect(r.preflightSeen[0]).toMatchObject({ needDocker: false, needPassphrase: false });
    });
});

describe("the driver as a program on this machine", () => {
    // Transpiled fresh from env/ and lib/ into a folder inside the project (PROJECT_ROOT is found by
    // walking up to Pulumi.yaml), so this does not depend on a stale dist/.
    let outDir: string;
    beforeAll(() => {
        outDir = fs.mkdtempSync(path.join(ROOT, "node_modules", ".cache-cdc-env-driver-"));
        const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
        for (const dir of ["env", "lib"]) {
            fs.mkdirSync(path.join(outDir, dir));
            for (const file of fs.readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith(".ts"))) {
                const js = ts.transpileModule(fs.readFileSync(path.join(ROOT, dir, file), "utf8"), { compilerOptions: options, fileName: file }).outputText;
                fs.writeFileSync(path.join(outDir, dir, file.replace(/\.ts$/, ".js")), js);
            }
        }
        // lib/testEnv.ts imports the env keys from the Python plugin's JSON.
        const envKeys = path.join("python", "src", "cdc_test_infra", "env_keys.json");
        fs.mkdirSync(path.dirname(path.join(outDir, envKeys)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, envKeys), path.join(outDir, envKeys));
    });
    afterAll(() => { if (outDir) fs.rmSync(outDir, { recursive: true, force: true }); });

    // As the npm scripts run it: `node -- dist/env/driver.js …`. Without the `--`, Node 22/24 take a
    // script argument `--env-file <path>` for their own option and exit 9 when <path> does not exist
    // yet (nodejs/node#54232), before the driver runs.
    const runDriver = (args: string[], env: NodeJS.ProcessEnv) =>
        spawnSync(process.execPath, ["--", path.join(outDir, "env", "driver.js"), ...args], { env, encoding: "utf8", timeout: 60_000 });

    test("up with the real PATH fails before touching anything, telling to install the Pulumi CLI", () => {
        const realPath = process.env.PATH ?? "";
        // This machine has no Pulumi CLI; where one is installed, hide it to keep the check meaningful.
        const hasPulumi = findOnPath("pulumi", realPath) !== undefined;
        const env = { ...process.env, PATH: hasPulumi ? path.dirname(process.execPath) : realPath };
        const envFile = path.join(tempDir(), "pr-123.env"); // not there yet: the driver must get to see it
        const r = runDriver(["up", "--stack", "pr-123", "--env-file", envFile], env);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("env up: cannot start");
        expect(r.stderr).toContain(`install the Pulumi CLI: ${PULUMI_INSTALL_URL}`);
        // And docker is reported as it really is here.
        const docker = findOnPath("docker", env.PATH);
        const info = docker ? spawnExec(docker, ["info", "--format", "{{.ServerVersion}}"], { env, timeoutMs: 30_000 }) : undefined;
        if (!docker) expect(r.stderr).toContain("the docker CLI is not on PATH");
        else if (info!.status !== 0 || info!.stdout.trim() === "") expect(r.stderr).toContain("the Docker daemon is unreachable");
        else expect(r.stderr).not.toMatch(/docker CLI is not on PATH|Docker daemon is unreachable/);
        expect(r.stdout).toBe("");
        expect(fs.existsSync(envFile)).toBe(false);
        expect(fs.existsSync(path.join(ROOT, "Pulumi.pr-123.yaml"))).toBe(false);
    });

    test("a bad command line exits 2 with the usage", () => {
        const r = runDriver(["up", "--stack", "pr 1"], process.env);
        expect(r.status).toBe(2);
        expect(r.stderr).toContain('stack name "pr 1" is not allowed');
        expect(r.stderr).toContain("usage:");
    });
});

// The driver's real stack operations (env/stack.ts on the Automation API) against a stand-in
// `pulumi` that records every call and keeps its stacks in a JSON file: proves the driver asks the
// SDK for the right things (config with secrets, up, outputs, destroy, stack rm, stack ls) and
// reads its answers. What the real CLI does with them is for tests/e2e.
const FAKE_PULUMI = String.raw`#!/usr/bin/env node
const fs = require("fs"), path = require("path");
const dir = process.env.FAKE_PULUMI_DIR;
const stateFile = path.join(dir, "state.json");
const state = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, "utf8")) : { stacks: {} };
const args = process.argv.slice(2).filter((a) => a !== "--non-interactive");
fs.appendFileSync(path.join(dir, "calls.jsonl"), JSON.stringify({ args, cwd: process.cwd(), passphrase: process.env.PULUMI_CONFIG_PASSPHRASE || null }) + "\n");
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const save = () => fs.writeFileSync(stateFile, JSON.stringify(state));
const fail = (msg) => { process.stderr.write(msg + "\n"); process.exit(255); };
const need = (name) => state.stacks[name] || fail("error: no stack named '" + name + "' found");
const outputs = JSON.parse(process.env.FAKE_PULUMI_OUTPUTS || "{}");
const now = "2025-11-25T03:00:00.000Z";
const [a0, a1] = args;
if (a0 === "version") console.log("v3.270.0");
else if (a0 === "stack" && a1 === "select") need(opt("--stack"));
else if (a0 === "stack" && a1 === "init") {
    if (state.stacks[args[2]]) fail("error: stack '" + args[2] + "' already exists");
    state.stacks[args[2]] = { config: {}, resources: 0, history: [] }; save();
} else if (a0 === "config" && a1 === "set-all") {
    const s = need(opt("--stack"));
    for (let i = 2; i < args.length; i++) {
        if (args[i] !== "--plaintext" && args[i] !== "--secret") continue;
        const kv = args[i + 1], eq = kv.indexOf("=");
        s.config[kv.slice(0, eq)] = { value: kv.slice(eq + 1), secret: args[i] === "--secret" }; i++;
    }
    save();
} else if (a0 === "up" || a0 === "destroy") {
    const s = need(opt("--stack"));
    console.log((a0 === "up" ? "Updating (" : "Destroying (") + opt("--stack") + ")");
    if (a0 === "up" && process.env.FAKE_PULUMI_FAIL_UP) { console.log("  error: gate timed out"); fail("error: update failed"); }
    const changes = a0 === "up" ? (s.resources ? { same: 17 } : { create: 17 }) : { delete: s.resources };
    s.resources = a0 === "up" ? 17 : 0; s.lastUpdate = now;
    s.history = [{ version: s.history.length + 1, kind: a0 === "up" ? "update" : "destroy", result: "succeeded", resourceChanges: changes, startTime: now, endTime: now, message: "" }];
    save();
} else if (a0 === "stack" && a1 === "output") {
    need(opt("--stack"));
    const show = args.includes("--show-secrets");
    console.log(JSON.stringify(Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.secret && !show ? "[secret]" : o.value]))));
} else if (a0 === "stack" && a1 === "history") console.log(JSON.stringify(need(opt("--stack")).history));
else if (a0 === "stack" && a1 === "rm") {
    const name = args.slice(2).find((a) => !a.startsWith("--"));
    need(name); delete state.stacks[name]; save();
} else if (a0 === "stack" && a1 === "ls") {
    console.log(JSON.stringify(Object.entries(state.stacks).map(([name, s]) => ({ name, current: false, lastUpdate: s.lastUpdate, updateInProgress: false, resourceCount: s.resources }))));
} else fail("fake pulumi: unexpected command: " + args.join(" "));
`;

describe("main on the Automation API, with a stand-in Pulumi CLI", () => {
    let workDir: string;
    let fakeDir: string;
    const saved = { ...process.env };
    beforeAll(() => {
        // A project directory of its own: the same Pulumi.yaml, a stand-in for the built probe.
        workDir = tempDir();
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(workDir, "Pulumi.yaml"));
        fs.mkdirSync(path.join(workDir, "dist", "probe"), { recursive: true });
        fs.writeFileSync(path.join(workDir, "dist", "probe", "cli.js"), "");
        fakeDir = tempDir();
        const bin = fakeBin({ docker: 'if [ "$1" = info ]; then echo 28.2.2; fi; exit 0' });
        fs.writeFileSync(path.join(bin, "pulumi"), FAKE_PULUMI, { mode: 0o755 });
        fs.symlinkSync(process.execPath, path.join(bin, "node"));
        // The Automation API finds `pulumi` on this process's PATH.
        Object.assign(process.env, {
            PATH: bin, FAKE_PULUMI_DIR: fakeDir, PULUMI_CONFIG_PASSPHRASE: "unit-test-passphrase",
            FAKE_PULUMI_OUTPUTS: JSON.stringify(outputs()),
        });
        delete process.env.PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK;
    });
    afterAll(() => {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
    });

    async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
        let out = "";
        let err = "";
        const code = await main(argv, { env: process.env, workDir, out: (t) => { out += t; }, err: (t) => { err += t; } });
        return { code, out, err };
    }
    function calls(): { args: string[]; cwd: string; passphrase: string | null }[] {
        const file = path.join(fakeDir, "calls.jsonl");
        const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : [];
        fs.rmSync(file, { force: true });
        return lines.map((l) => JSON.parse(l));
    }
    /** "stack init", "config set-all", "up", … per call. */
    const commands = (c: { args: string[] }[]) => c.map((x) => (["stack", "config"].includes(x.args[0]!) ? x.args.slice(0, 2) : x.args.slice(0, 1)).join(" "));

    test("up creates the stack, sets config (secrets as secrets), streams progress, masks and writes the env file", async () => {
        const envFile = path.join(tempDir(), "pr-5.env");
        const r = await run("up", "--stack", "pr-5", "--config", "sparkWorkers=2", "--config", "mysqlCdcPassword=s3cr3t", "--env-file", envFile);
        expect(r.err).toBe("");
        expect(r.code).toBe(0);
        const c = calls();
        expect(commands(c)).toEqual(expect.arrayContaining(["stack select", "stack init", "config set-all", "up", "stack output", "stack history"]));
        expect(c.find((x) => x.args[0] === "config")!.args).toEqual(expect.arrayContaining(["--plaintext", "sparkWorkers=2", "--secret", "mysqlCdcPassword=s3cr3t", "--stack", "pr-5"]));
        // Every stack command runs in the project directory (its Pulumi.yaml names the backend), with the passphrase.
        const stackCalls = c.filter((x) => x.args[0] !== "version");
        expect(stackCalls.map((x) => [fs.realpathSync(x.cwd), x.passphrase])).toEqual(stackCalls.map(() => [fs.realpathSync(workDir), "unit-test-passphrase"]));
        expect(r.out).toContain("Updating (pr-5)");
        expect(r.out).toContain("stack pr-5 is up (17 created)");
        expect(r.out).toMatch(/mysqlRootPassword +\[secret\]/);
        expect(r.out).not.toContain(ROOT_PASSWORD);
        expect(r.out).toContain(`CDC_MYSQL_PASSWORD=${MASK}`);
        expect(fs.readFileSync(envFile, "utf8")).toBe(testEnvLines(ENDPOINTS));
        expect(fs.statSync(envFile).mode & 0o777).toBe(0o600);
    });

    test("up again selects the existing stack (no second init) and reports nothing changed", async () => {
        const r = await run("up", "--stack", "pr-5");
        expect(r.code).toBe(0);
        expect(commands(calls())).not.toContain("stack init");
        expect(r.out).toContain("stack pr-5 is up (17 unchanged)");
    });

    test("list shows the stack with its last update and resource count", async () => {
        const r = await run("list");
        expect(r.code).toBe(0);
        expect(r.out).toMatch(/^pr-5 +2025-11-25T03:00:00.000Z +17$/m);
    });

    test("a failing up exits 1 with the CLI's own error and the clean-up command", async () => {
        process.env.FAKE_PULUMI_FAIL_UP = "1";
        try {
            const r = await run("up", "--stack", "pr-6");
            expect(r.code).toBe(1);
            expect(r.out).toContain("error: gate timed out");
            expect(r.err).toContain("error: update failed");
            expect(r.err).toContain("npm run env:down -- --stack pr-6");
        } finally {
            delete process.env.FAKE_PULUMI_FAIL_UP;
        }
    });

    test("down destroys, then removes the stack", async () => {
        calls();
        const r = await run("down", "--stack", "pr-5");
        expect(r.err).toBe("");
        expect(r.code).toBe(0);
        const c = calls();
        expect(commands(c)).toEqual(expect.arrayContaining(["stack select", "destroy", "stack rm"]));
        expect(commands(c).indexOf("destroy")).toBeLessThan(commands(c).indexOf("stack rm"));
        expect(r.out).toContain("stack pr-5 destroyed (17 deleted) and removed");
        expect((await run("list")).out).not.toMatch(/^pr-5 /m);
    });

    test("down of a stack that does not exist says so and exits 1", async () => {
        const r = await run("down", "--stack", "pr-404");
        expect(r.code).toBe(1);
        expect(r.err).toContain('no stack "pr-404" in this project\'s backend');
        expect(commands(calls())).not.toContain("destroy");
    });
});
