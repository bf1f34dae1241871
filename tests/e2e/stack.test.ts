// End to end, with the real Pulumi CLI and a real Docker daemon, through the Automation API (the same
// operations `npm run env:up` / `env:down` use): a throwaway ephemeral stack is brought up, every
// endpoint is checked from the host, a second `up` must change nothing, and after `down` nothing
// labelled or named after the stack may remain on the daemon.
//
// Where the Pulumi CLI, the Docker daemon, the built probe or image pulls are missing it prints
// "skipped: <what is missing>" and skips; under CDC_REQUIRE_E2E=1 a missing prerequisite fails.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfigList, type ConfigEntry } from "../../env/args";
import { findLeftovers, STACK_LABEL, type Leftovers } from "../../env/leftovers";
import { testEnvOf, writeEnvFile, type StackOutputs } from "../../env/output";
import { preflight, spawnExec } from "../../env/preflight";
import { automationOps, describeChanges, readProjectName } from "../../env/stack";
import { defaultSharedDir } from "../../lib/hostFacts";
import { ConnectRestClient } from "../../lib/connectRest";
import { dockerName } from "../../lib/naming";
import { PROJECT_ROOT } from "../../lib/paths";
import { parseSettings, SETTINGS_SCHEMA } from "../../lib/settings";
import { TEST_ENV_KEYS } from "../../lib/testEnv";
import { brokerApiVersionsLine, checkAlertDelivery, checkAlertmanager, checkKafka, checkMysql, checkPostgres, checkSpark } from "./consumerChecks";

const MINUTE = 60_000;
const PROBE_SCRIPT = path.join(PROJECT_ROOT, "dist", "probe", "cli.js");

/** What keeps this machine from running the test; empty when nothing does. */
function missingPrerequisites(): { missing: string[]; docker?: string } {
    const check = preflight({ env: process.env, needDocker: true, needPassphrase: false, probeScript: PROBE_SCRIPT });
    if (!check.ok) return { missing: check.problems };
    // The daemon must be able to get the stack's images; try the smallest one (the others are pulled by `up`).
    const image = SETTINGS_SCHEMA.alertmanagerImage.default;
    const env = process.env;
    if (spawnExec(check.docker!, ["image", "inspect", image], { env, timeoutMs: MINUTE }).status !== 0) {
        const pull = spawnExec(check.docker!, ["pull", image], { env, timeoutMs: 10 * MINUTE });
        if (pull.status !== 0) {
            const why = (pull.error?.message ?? pull.stderr.trim().split("\n").pop()) || `exit status ${pull.status}`;
            return { missing: [`the Docker daemon cannot pull ${image} (the stack also pulls Spark and MySQL images): ${why}`] };
        }
    }
    return { missing: [], docker: check.docker! };
}

const prerequisites = missingPrerequisites();
let describeE2e: jest.Describe = describe;
if (prerequisites.missing.length > 0) {
    const message = `skipped: e2e stack (tests/e2e/stack.test.ts): ${prerequisites.missing.join("; ")}`;
    if (process.env.CDC_REQUIRE_E2E === "1") throw new Error(`${message} (CDC_REQUIRE_E2E=1 forbids skipping)`);
    // Straight to stderr: Jest drops the console output of a file whose tests are all skipped when it runs several files.
    process.stderr.write(`${message}\n`);
    describeE2e = describe.skip;
}

describeE2e("an ephemeral stack end to end (real Pulumi CLI and Docker daemon)", () => {
    const project = readProjectName(PROJECT_ROOT);
    const stack = `e2e-${randomBytes(4).toString("hex")}`;
    const docker = prerequisites.docker!;
    // A throwaway stack needs a passphrase only for its own lifetime: a random one unless one is set.
    const passphraseSet = Boolean(process.env.PULUMI_CONFIG_PASSPHRASE) || Boolean(process.env.PULUMI_CONFIG_PASSPHRASE_FILE);
    const ops = automationOps({
        workDir: PROJECT_ROOT,
        ...(passphraseSet ? {} : { envVars: { PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex") } }),
    });
    const defaults: ConfigEntry[] = [
        { key: "environment", value: "ephemeral", secret: false },
        { key: "sparkWorkers", value: "1", secret: false },
        { key: "sparkWorkerMemoryMb", value: "1024", secret: false },
        { key: "readinessTimeoutSeconds", value: "600", secret: false },
    ];
    // Another configuration for the same test, e.g. CDC_E2E_CONFIG="mysqlFlavor=mariadb,sparkWorkers=2";
    // checked like the driver's --config (a bad key or value fails here, before anything is created).
    const extra = parseConfigList(process.env.CDC_E2E_CONFIG ?? "", "CDC_E2E_CONFIG", project, stack);
    const config = [...defaults.filter((d) => !extra.some((e) => e.key === d.key)), ...extra];
    const settings = parseSettings(Object.fromEntries(config.map((c) => [c.key, c.value])), project, stack);
    const workers = Array.from({ length: settings.spark.workers }, (_, i) => `spark-worker-${i + 1}`);
    const progress = (text: string) => { process.stdout.write(text); };
    const name = (role: string) => dockerName(project, stack, role);
    let outputs: StackOutputs | undefined;
    let removed = false;

    function output(key: string): unknown {
        if (!outputs) throw new Error(`no outputs: \`up\` of ${stack} did not succeed (see its output above)`);
        if (!(key in outputs)) throw new Error(`stack output ${key} is missing (outputs: ${Object.keys(outputs).join(", ")})`);
        return outputs[key]!.value;
    }
    const text = (key: string) => String(output(key));
    const portOf = (url: string) => Number(new URL(url.replace(/^spark:/, "http:")).port);
    function objectsByLabel(): Leftovers {
        const list = (args: string[], field: string) => {
            const r = spawnExec(docker, [...args, "--filter", `label=${STACK_LABEL}=${stack}`, "--format", `{{.${field}}}`], { env: process.env, timeoutMs: MINUTE });
            if (r.status !== 0) throw new Error(`docker ${args.join(" ")} failed: ${r.stderr}`);
            return r.stdout.split("\n").map((s) => s.trim()).filter(Boolean).sort();
        };
        return {
            containers: list(["ps", "-a"], "Names"),
            volumes: list(["volume", "ls"], "Name"),
            networks: list(["network", "ls"], "Name"),
        };
    }

    afterAll(async () => {
        if (removed) return;
        // A test failed on the way: leave nothing behind (resources, stack, Pulumi.<stack>.yaml).
        try {
            if (await ops.exists(stack)) await ops.down({ stack, onOutput: progress });
        } catch (err) {
            // eslint-disable-next-line no-console
            console.error(`cleanup of ${stack} failed; remove it with: npm run env:down -- --stack ${stack}\n${String(err)}`);
        }
    }, 20 * MINUTE);

    test("up creates the stack and every readiness gate passes", async () => {
        const result = await ops.up({ stack, config, onOutput: progress });
        outputs = result.outputs;
        expect(result.resourceChanges.create ?? 0).toBeGreaterThan(10);
        expect(output("environment")).toBe("ephemeral");
    }, 40 * MINUTE);

    test("every container, volume and network is named after the stack and labelled with it", () => {
        const labelled = objectsByLabel();
        const prometheus = settings.prometheus.enabled ? ["prometheus"] : [];
        const postgres = settings.postgres.enabled ? ["postgres"] : [];
        const kafka = settings.cdcEnabled ? ["kafka"] : [];
        const optional = [...prometheus, ...postgres, ...kafka];
        const connect = settings.cdcEnabled ? ["kafka-connect"] : []; // no volume: its state is in Kafka
        expect(labelled.containers).toEqual([name("alertmanager"), name("mysql"), ...[...optional, ...connect].map(name), name("spark-master"), ...workers.map(name)].sort());
        expect(labelled.volumes).toEqual([name("alertmanager-data"), name("mysql-data"), ...optional.map((p) => name(`${p}-data`)), name("spark-data")].sort());
        expect(labelled.networks).toEqual([name("net")]);
        // Nothing named after the stack escapes the label.
        const all = findLeftovers(project, stack, { docker });
        expect([...all.containers].sort()).toEqual(labelled.containers);
        expect([...all.volumes].sort()).toEqual(labelled.volumes);
        expect([...all.networks].sort()).toEqual(labelled.networks);
    });

    test("host ports are assigned by Docker, not the persistent defaults", () => {
        expect(portOf(text("sparkUiUrl"))).not.toBe(SETTINGS_SCHEMA.sparkUiPort.default);
        expect(portOf(text("sparkMasterUrl"))).not.toBe(SETTINGS_SCHEMA.sparkMasterPort.default);
        expect(portOf(text("alertmanagerUrl"))).not.toBe(SETTINGS_SCHEMA.alertmanagerPort.default);
        expect(Number(output("mysqlPort"))).not.toBe(SETTINGS_SCHEMA.mysqlPort.default);
        for (const p of [portOf(text("sparkUiUrl")), portOf(text("alertmanagerUrl")), Number(output("mysqlPort"))]) expect(p).toBeGreaterThan(1023);
    });

    test("Spark: /json/ from the host says ALIVE with its workers ALIVE", async () => {
        await checkSpark(text("sparkUiUrl"), settings.spark.workers);
    });

    test("AlertManager: /api/v2/status shows our config, and a posted alert is listed back", async () => {
        await checkAlertmanager(text("alertmanagerUrl"), stack);
    });

    (settings.prometheus.enabled && settings.prometheus.testAlert ? test : test.skip)("Prometheus: the always-firing test alert reaches AlertManager", async () => {
        await checkAlertDelivery(text("alertmanagerUrl"));
    }, 2 * MINUTE);

    test("MySQL: the CDC user logs in from the host and sees the binlog Debezium needs", async () => {
        await checkMysql({
            host: text("mysqlHost"), port: Number(output("mysqlPort")), user: text("mysqlCdcUser"),
            password: text("mysqlCdcPassword"), database: text("mysqlDatabase"),
        }, settings.mysql.flavor);
        expect(output("mysqlFlavor")).toBe(settings.mysql.flavor);
    });

    (settings.postgres.enabled ? test : test.skip)("PostgreSQL: the CDC user logs in from the host; WAL logical, publication there", async () => {
        await checkPostgres({
            host: text("postgresHost"), port: Number(output("postgresPort")), user: text("postgresCdcUser"),
            password: text("postgresCdcPassword"), database: text("postgresDatabase"), publication: text("postgresPublication"),
        });
    });

    (settings.cdcEnabled ? test : test.skip)("Kafka: a host client produces and consumes through the host listener (Docker-assigned port, handed to the broker); containers reach kafka:9092", async () => {
        const bootstrap = text("kafkaBootstrapServers");
        expect(Number(bootstrap.split(":")[1])).not.toBe(SETTINGS_SCHEMA.kafkaPort.default);
        await checkKafka(bootstrap, stack);
        expect(output("kafkaInternalBootstrapServers")).toBe("kafka:9092");
        // From a container on the stack network (the broker's own), through the internal listener by alias.
        const internal = spawnExec(docker, ["exec", name("kafka"), "/opt/kafka/bin/kafka-broker-api-versions.sh", "--bootstrap-server", "kafka:9092"], { env: process.env, timeoutMs: MINUTE });
        expect({ status: internal.status, stdout: internal.stdout }).toEqual({ status: 0, stdout: expect.stringMatching(brokerApiVersionsLine("kafka:9092", 1)) });
    }, 2 * MINUTE);

    (settings.cdcEnabled ? test : test.skip)("Kafka Connect: the stack's source connectors and their tasks are RUNNING", async () => {
        const connect = new ConnectRestClient(text("connectUrl"));
        const names = [text("cdcConnectorName"), ...(settings.postgres.enabled ? [text("postgresConnectorName")] : [])];
        for (const connector of names) {
            const status = await connect.status(connector);
            expect({ connector, state: status.connector.state, tasks: status.tasks.map((t) => t.state) }).toEqual({ connector, state: "RUNNING", tasks: ["RUNNING"] });
        }
    });

    test("the testEnv lines source back to the outputs", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cdc-e2e-")), "env");
        try {
            writeEnvFile(file, testEnvOf(outputs ?? {}));
            const r = spawnExec("/bin/sh", ["-c", `set -a; . "${file}"; env`], { env: {}, timeoutMs: MINUTE });
            const sourced = Object.fromEntries(r.stdout.split("\n").filter((l) => l.startsWith("CDC_")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
            for (const [key, envKey] of Object.entries(TEST_ENV_KEYS)) {
                if (outputs?.[key] !== undefined) expect([envKey, sourced[envKey]]).toEqual([envKey, text(key)]);
                else expect([envKey, sourced[envKey]]).toEqual([envKey, undefined]);
            }
        } finally {
            fs.rmSync(path.dirname(file), { recursive: true, force: true });
        }
    });

    test("a second up changes nothing", async () => {
        expect(outputs).toBeDefined();
        const again = await ops.up({ stack, config, onOutput: progress });
        const changed = Object.entries(again.resourceChanges).filter(([op, n]) => op !== "same" && (n ?? 0) > 0);
        expect([changed, describeChanges(again.resourceChanges)]).toEqual([[], expect.stringMatching(/^\d+ unchanged$/)]);
        expect(again.outputs.mysqlPort?.value).toBe(output("mysqlPort"));
    }, 20 * MINUTE);

    test("down leaves no container, volume or network of the stack, and removes the stack", async () => {
        expect(objectsByLabel().containers.length).toBeGreaterThan(0); // there was something to remove
        // The shared directory of host drivers exists while the stack does, and goes with an ephemeral stack.
        const sharedDir = text("sparkSharedDir");
        expect(sharedDir).toBe(defaultSharedDir(PROJECT_ROOT, stack));
        expect(fs.statSync(sharedDir).isDirectory()).toBe(true);
        const { resourceChanges } = await ops.down({ stack, onOutput: progress });
        removed = true;
        expect(resourceChanges.delete ?? 0).toBeGreaterThan(10);
        expect(findLeftovers(project, stack, { docker })).toEqual({ containers: [], volumes: [], networks: [] });
        expect(await ops.exists(stack)).toBe(false);
        expect(fs.existsSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`))).toBe(false);
        expect(fs.existsSync(sharedDir)).toBe(false);
    }, 20 * MINUTE);
});
