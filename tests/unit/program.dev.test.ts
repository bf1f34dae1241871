// The whole program on a persistent `dev` stack, against the mocked engine.
import * as fs from "fs";
import { ALERTMANAGER, ALERTMANAGER_CONFIG_FILE, alertmanagerArgs } from "../../lib/alertmanager";
import { KAFKA } from "../../lib/kafka";
import { binlogFlags, cdcInitSql, credentialsSql, entrypointScript, MYSQL, MYSQL_CNF_FILE, rootPasswordEnv } from "../../lib/mysql";
import { PROBE_SECRET_ENV } from "../../lib/probes";
import { PROMETHEUS, PROMETHEUS_CONFIG_FILE, prometheusArgs, TEST_ALERT_RULES_FILE } from "../../lib/prometheus";
import { parseSettings } from "../../lib/settings";
import { SPARK, SPARK_DEFAULTS_FILE, sparkMasterCommand, sparkUserScript, sparkWorkerCommand, withSparkUser } from "../../lib/spark";
import {
    byName, COMMAND, CONTAINER, MOCK_GATEWAY, dependenciesOf, IMAGE, isSecret, isSecretValue, NETWORK, reveal, ofType, options, runProgram, useMocks, valueOf, VOLUME,
} from "./harness";

useMocks({ stack: "dev" });
const defaults = parseSettings({}, "cdc-test-infra", "dev");
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

const container = (name: string) => byName(name).inputs;
const SERVICE_CONTAINERS = ["spark-master", "spark-worker-1", "alertmanager-server", "mysql-server", "prometheus-server", "kafka-server", "connect-worker", "postgres-server"];

describe("images", () => {
    test("each service pulls its pinned image once and keeps it for other stacks on the daemon", () => {
        const images = ofType(IMAGE).map((r) => r.inputs);
        expect(images.map((i) => i.name).sort()).toEqual([defaults.alertmanager.image, defaults.mysql.image, defaults.spark.image, defaults.prometheus.image, defaults.kafka.image, defaults.connect.image, defaults.postgres.image].sort());
        for (const i of images) expect(i.keepLocally).toBe(true);
    });
    test("containers reference the pulled image id, not a name (no replace on every up)", () => {
        expect(container("spark-master").image).toBe("sha256:spark-image");
        expect(container("spark-worker-1").image).toBe("sha256:spark-image");
        expect(container("alertmanager-server").image).toBe("sha256:alertmanager-image");
        expect(container("mysql-server").image).toBe("sha256:mysql-image");
    });
});

describe("commands and flags", () => {
    test("spark master runs in the foreground advertising its network alias", () => {
        expect(container("spark-master").command).toEqual(withSparkUser(sparkMasterCommand({
            sparkHome: SPARK.home, host: SPARK.masterAlias, port: SPARK.rpcPort, webUiPort: SPARK.masterUiPort,
        })));
        expect(container("spark-master").command[0]).toBe(SPARK.userScript);
        expect(container("spark-master").command).toEqual(expect.arrayContaining(["--host", "spark-master"]));
    });
    test("a spark worker registers with the master by its alias, offering the configured cores and memory", () => {
        const cmd = container("spark-worker-1").command;
        expect(cmd).toEqual(withSparkUser(sparkWorkerCommand({
            sparkHome: SPARK.home, host: "spark-worker-1", webUiPort: SPARK.workerUiPort, cores: defaults.spark.workerCores,
            memoryMb: defaults.spark.workerMemoryMb, workDir: SPARK.workerScratchDir, masterUrl: "spark://spark-master:7077",
        })));
        expect(cmd).toEqual(expect.arrayContaining(["--memory", "2048m", "spark://spark-master:7077"]));
    });
    test("alertmanager gets both paths and no gossip", () => {
        const cmd = container("alertmanager-server").command;
        expect(cmd).toEqual(alertmanagerArgs({ configFile: ALERTMANAGER.configFile, storagePath: ALERTMANAGER.storagePath, listenAddress: ":9093" }));
        expect(cmd).toEqual(expect.arrayContaining(["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager", "--cluster.listen-address="]));
    });
    test("mysql gets Debezium's binlog flags, GTIDs included", () => {
        const cmd = container("mysql-server").command;
        expect(cmd).toEqual(binlogFlags("mysql", { serverId: defaults.mysql.serverId, retentionHours: defaults.mysql.binlogRetentionHours }));
        expect(cmd).toEqual(expect.arrayContaining(["--binlog-format=ROW", "--binlog-row-image=FULL", "--gtid-mode=ON", "--enforce-gtid-consistency=ON", `--server-id=${defaults.mysql.serverId}`]));
        expect(cmd.some((f: string) => f.startsWith("--log-bin"))).toBe(true);
    });
    test("the root password reaches mysql through a file, never an environment value", async () => {
        expect(container("mysql-server").envs).toEqual(rootPasswordEnv("mysql"));
        const rootPassword = await valueOf(out.mysqlRootPassword);
        expect(JSON.stringify(container("mysql-server").envs)).not.toContain(rootPassword);
    });
});

describe("uploads", () => {
    test("every spark container gets the project's spark-defaults.conf in the conf dir the image lacks, and the user wrapper", () => {
        const conf = fs.readFileSync(SPARK_DEFAULTS_FILE, "utf8");
        for (const name of ["spark-master", "spark-worker-1"]) {
            expect(container(name).uploads).toEqual([
                { file: "/opt/spark/conf/spark-defaults.conf", content: conf },
                { file: SPARK.userScript, content: sparkUserScript(), permissions: "0555" },
            ]);
        }
        expect(conf).toMatch(/io\.delta:delta-spark_2\.12:3\.[0-3]\.\d+/);
        expect(conf).toContain("io.delta.sql.DeltaSparkSessionExtension");
        expect(conf).toContain("org.apache.spark.sql.delta.catalog.DeltaCatalog");
        expect(conf).toMatch(/spark\.jars\.ivy\s+\/tmp/);
    });
    test("alertmanager gets the project's config at the path its command names", () => {
        expect(container("alertmanager-server").uploads).toEqual([{ file: ALERTMANAGER.configFile, content: fs.readFileSync(ALERTMANAGER_CONFIG_FILE, "utf8") }]);
    });
    test("mysql gets the cnf, the root password file and the CDC init SQL, as secrets", async () => {
        expect(isSecretValue(container("mysql-server").uploads)).toBe(true);
        const uploads = reveal(container("mysql-server").uploads);
        const byFile = Object.fromEntries(uploads.map((u: any) => [u.file, u.content]));
        expect(byFile[MYSQL.confFile]).toBe(fs.readFileSync(MYSQL_CNF_FILE, "utf8"));
        expect(byFile[MYSQL.rootPasswordFile]).toBe(await valueOf(out.mysqlRootPassword));
        expect(byFile[MYSQL.initFile]).toBe(cdcInitSql({ database: "cdc_test", user: "cdc", password: (await valueOf(out.mysqlCdcPassword))! }));
    });
    test("mysql starts through our entrypoint, which applies the stack's passwords (from state) on a kept volume", async () => {
        const mysql = container("mysql-server");
        expect(mysql.entrypoints).toEqual([MYSQL.entrypointFile]);
        const uploads = reveal(mysql.uploads);
        const upload = (file: string) => uploads.find((u: any) => u.file === file);
        expect(upload(MYSQL.entrypointFile)).toEqual({ file: MYSQL.entrypointFile, content: entrypointScript(MYSQL), permissions: "0555" });
        expect(upload(MYSQL.entrypointFile).content).toContain(`--init-file=${MYSQL.credentialsFile}`);
        const root = (await valueOf(out.mysqlRootPassword))!;
        const cdc = (await valueOf(out.mysqlCdcPassword))!;
        expect(upload(MYSQL.credentialsFile).content).toBe(credentialsSql("mysql", { rootPassword: root, database: "cdc_test", user: "cdc", password: cdc }));
        expect(upload(MYSQL.credentialsFile).content).toContain(`ALTER USER IF EXISTS 'root'@'%' IDENTIFIED BY '${root}'`);
        // The passwords are on no command line: the flags and the entrypoint are plain text.
        expect(JSON.stringify([mysql.command, mysql.entrypoints, mysql.envs])).not.toMatch(new RegExp(`${root}|${cdc}`));
    });
});

describe("volumes", () => {
    test("each service has a named volume at its data path, kept on destroy for a persistent stack", () => {
        const mounts: Record<string, [string, string]> = {
            "spark-master": ["cdc-test-infra-dev-spark-data", SPARK.dataDir],
            "spark-worker-1": ["cdc-test-infra-dev-spark-data", SPARK.dataDir],
            "alertmanager-server": ["cdc-test-infra-dev-alertmanager-data", ALERTMANAGER.storagePath],
            "mysql-server": ["cdc-test-infra-dev-mysql-data", MYSQL.dataDir],
            "prometheus-server": ["cdc-test-infra-dev-prometheus-data", PROMETHEUS.storagePath],
            "kafka-server": ["cdc-test-infra-dev-kafka-data", KAFKA.dataDir],
        };
        for (const [name, [volume, path]] of Object.entries(mounts)) {
            expect(container(name).volumes).toEqual([{ volumeName: volume, containerPath: path }]);
        }
        expect(ofType(VOLUME).map((v) => v.inputs.name).sort()).toEqual(
            ["cdc-test-infra-dev-alertmanager-data", "cdc-test-infra-dev-kafka-data", "cdc-test-infra-dev-mysql-data", "cdc-test-infra-dev-postgres-data", "cdc-test-infra-dev-prometheus-data", "cdc-test-infra-dev-spark-data"]);
        for (const v of ofType(VOLUME)) expect(options.get(v.name)?.retainOnDelete).toBe(true);
    });
});

describe("network", () => {
    test("one network per stack; every container joins it under its stable alias", () => {
        expect(ofType(NETWORK).map((n) => n.inputs.name)).toEqual(["cdc-test-infra-dev-net"]);
        const aliases: Record<string, string> = {
            "spark-master": "spark-master", "spark-worker-1": "spark-worker-1", "alertmanager-server": "alertmanager", "mysql-server": "mysql",
            "prometheus-server": "prometheus",
        };
        for (const [name, alias] of Object.entries(aliases)) {
            expect(container(name).networksAdvanced).toEqual([{ name: "cdc-test-infra-dev-net", aliases: [alias] }]);
        }
    });
});

describe("ports", () => {
    test("a persistent stack publishes fixed ports, on loopback (and, for host drivers' jobs, the databases on the network's gateway)", () => {
        expect(container("spark-master").ports).toEqual([
            { internal: 7077, external: 7077, ip: "127.0.0.1" }, { internal: 8080, external: 8080, ip: "127.0.0.1" }]);
        expect(container("alertmanager-server").ports).toEqual([{ internal: 9093, external: 9093, ip: "127.0.0.1" }]);
        expect(container("mysql-server").ports).toEqual([{ internal: 3306, external: 3306, ip: "127.0.0.1" }, { internal: 3306, external: 3306, ip: MOCK_GATEWAY }]);
        expect(container("prometheus-server").ports).toEqual([{ internal: 9090, external: 9090, ip: "127.0.0.1" }]);
        expect(container("spark-worker-1").ports).toBeUndefined();
    });
});

describe("containers", () => {
    test("every container has a memory limit, no swap, a restart policy and a name carrying project and stack", () => {
        const containers = ofType(CONTAINER);
        expect(containers.map((c) => c.name).sort()).toEqual([...SERVICE_CONTAINERS].sort());
        for (const c of containers) {
            expect(c.inputs.memory).toBeGreaterThan(0);
            expect(c.inputs.memorySwap).toBe(c.inputs.memory);
            expect(c.inputs.restart).toBe("unless-stopped");
            expect(c.inputs.name).toMatch(/^cdc-test-infra-dev-/);
            expect(options.get(c.name)?.deleteBeforeReplace).toBe(true);
            expect(options.get(c.name)?.ignoreChanges).toEqual(["networkMode"]);
            expect(c.inputs.labels).toEqual(expect.arrayContaining([{ label: "cdc-test-infra.stack", value: "dev" }]));
        }
        expect(container("alertmanager-server").memory).toBe(256);
        expect(container("spark-worker-1").memory).toBe(2048 + SPARK.workerOverheadMb);
    });
    test("workers depend on the master, and nothing in Spark waits on MySQL or AlertManager", () => {
        // Spark containers also wait for the shared directory their bind mount needs.
        expect(options.get("spark-worker-1")?.dependsOn).toEqual(["spark-master", "spark-shared-dir"]);
        expect(options.get("spark-master")?.dependsOn).toEqual(["spark-shared-dir"]);
        expect(options.get("mysql-server")?.dependsOn).toEqual([]);
        expect(options.get("alertmanager-server")?.dependsOn).toEqual([]);
    });
    test("every resource of a component is its child", () => {
        for (const name of ["spark-master", "spark-worker-1", "spark-image", "spark-data", "spark-ready"]) expect(options.get(name)?.parent).toBe("spark");
        for (const name of ["mysql-server", "mysql-root-password", "mysql-cdc-password", "mysql-ready"]) expect(options.get(name)?.parent).toBe("mysql");
        expect(options.get("spark-ready-probe")?.parent).toBe("spark-ready");
    });
});

describe("readiness gates", () => {
    const gates: Record<string, string[]> = {
        "spark-ready-probe": ["spark-master", "spark-worker-1"],
        "alertmanager-ready-probe": ["alertmanager-server"],
        "mysql-ready-probe": ["mysql-server"],
        "prometheus-ready-probe": ["prometheus-server"],
    };
    test("each gate depends on exactly its own containers and re-runs when one is replaced", () => {
        for (const [gate, containers] of Object.entries(gates)) {
            expect(options.get(gate)?.dependsOn).toEqual(containers);
            expect(byName(gate).inputs.triggers).toEqual(containers.map((c) => `${c}-id`));
        }
    });
    test("each gate probes through the published loopback port, with the configured timing", () => {
        expect(byName("spark-ready-probe").inputs.create).toBe(
            "node dist/probe/cli.js spark --url http://127.0.0.1:8080 --workers 1 --timeout 300 --interval 100" +
            " --container cdc-test-infra-dev-spark-master --container cdc-test-infra-dev-spark-worker-1");
        expect(byName("alertmanager-ready-probe").inputs.create).toBe(
            "node dist/probe/cli.js alertmanager --url http://127.0.0.1:9093 --route-receiver test-sink --timeout 300 --interval 100" +
            " --container cdc-test-infra-dev-alertmanager");
        expect(byName("mysql-ready-probe").inputs.create).toBe(
            "node dist/probe/cli.js mysql --host 127.0.0.1 --port 3306 --flavor mysql --cdc-user cdc --timeout 300 --interval 100" +
            " --container cdc-test-infra-dev-mysql");
    });
    test("passwords reach the mysql probe only through its environment; its logging and output are hidden", async () => {
        const probe = byName("mysql-ready-probe").inputs;
        const root = (await valueOf(out.mysqlRootPassword))!;
        const cdc = (await valueOf(out.mysqlCdcPassword))!;
        expect(isSecretValue(probe.environment)).toBe(true);
        expect(reveal(probe.environment)).toEqual({ [PROBE_SECRET_ENV.mysqlRootPassword]: root, [PROBE_SECRET_ENV.mysqlCdcPassword]: cdc });
        expect(probe.create).not.toContain(root);
        expect(probe.create).not.toContain(cdc);
        expect(probe.logging).toBe("none");
        expect(options.get("mysql-ready-probe")?.additionalSecretOutputs).toEqual(["stdout", "stderr"]);
        expect(byName("spark-ready-probe").inputs.environment).toBeUndefined();
    });
});

describe("outputs", () => {
    test("endpoints point at the published loopback ports", async () => {
        expect(await valueOf(out.sparkMasterUrl)).toBe("spark://127.0.0.1:7077");
        expect(await valueOf(out.sparkUiUrl)).toBe("http://127.0.0.1:8080");
        expect(await valueOf(out.alertmanagerUrl)).toBe("http://127.0.0.1:9093");
        expect(await valueOf(out.mysqlHost)).toBe("127.0.0.1");
        expect(await valueOf(out.mysqlPort)).toBe(3306);
        expect(await valueOf(out.mysqlDatabase)).toBe("cdc_test");
        expect(await valueOf(out.mysqlCdcUser)).toBe("cdc");
    });
    test("each endpoint is derived from its service's gate (and not from another's)", async () => {
        const gateOf: Record<string, string> = {
            sparkMasterUrl: "spark-ready-probe", sparkUiUrl: "spark-ready-probe", alertmanagerUrl: "alertmanager-ready-probe",
            mysqlHost: "mysql-ready-probe", mysqlPort: "mysql-ready-probe", mysqlDatabase: "mysql-ready-probe",
            mysqlCdcUser: "mysql-ready-probe", mysqlCdcPassword: "mysql-ready-probe", prometheusUrl: "prometheus-ready-probe",
        };
        for (const [output, gate] of Object.entries(gateOf)) {
            const commands = (await dependenciesOf(out[output])).map((r: any) => r.__name).filter((n: string) => n.endsWith("-ready-probe"));
            expect({ output, commands }).toEqual({ output, commands: [gate] });
        }
    });
    test("passwords and the env lines are secrets; plain endpoints are not", async () => {
        for (const key of ["mysqlRootPassword", "mysqlCdcPassword", "testEnv"]) expect({ key, secret: await isSecret(out[key]) }).toEqual({ key, secret: true });
        for (const key of ["sparkMasterUrl", "alertmanagerUrl", "mysqlHost", "mysqlPort"]) expect({ key, secret: await isSecret(out[key]) }).toEqual({ key, secret: false });
    });
    test("testEnv gives KEY=value lines for a test suite to source", async () => {
        const lines = (await valueOf<string>(out.testEnv))!.trim().split("\n");
        expect(lines).toEqual(expect.arrayContaining([
            "CDC_SPARK_MASTER_URL=spark://127.0.0.1:7077", "CDC_ALERTMANAGER_URL=http://127.0.0.1:9093",
            "CDC_MYSQL_HOST=127.0.0.1", "CDC_MYSQL_PORT=3306", "CDC_MYSQL_USER=cdc", `CDC_MYSQL_PASSWORD=${await valueOf(out.mysqlCdcPassword)}`,
            "CDC_MYSQL_FLAVOR=mysql",
        ]));
        expect(await valueOf(out.mysqlFlavor)).toBe("mysql");
    });
    test("generated passwords come from state (RandomPassword), not from the program run", async () => {
        expect(await valueOf(out.mysqlRootPassword)).toBe("generated-mysql-root-password");
        expect(await valueOf(out.mysqlCdcPassword)).toBe("generated-mysql-cdc-password");
        // One gate per service (Kafka's and PostgreSQL's included), the shared directory's mkdir,
        // Kafka Connect's gate and the connectors' registrations (MySQL, PostgreSQL).
        expect(ofType(COMMAND)).toHaveLength(10);
    });
});

describe("prometheus", () => {
    test("runs the project's config and the always-firing test rule, with both paths on its command line", () => {
        const p = container("prometheus-server");
        expect(p.command).toEqual(prometheusArgs({ configFile: PROMETHEUS.configFile, storagePath: PROMETHEUS.storagePath, listenAddress: ":9090" }));
        expect(p.uploads).toEqual([
            { file: PROMETHEUS.configFile, content: fs.readFileSync(PROMETHEUS_CONFIG_FILE, "utf8") },
            { file: `${PROMETHEUS.rulesDir}/test-alert.yml`, content: fs.readFileSync(TEST_ALERT_RULES_FILE, "utf8") },
        ]);
    });
    test("starts in parallel with AlertManager (its own gate says when the path works); nothing else waits for it", () => {
        expect(options.get("prometheus-server")?.dependsOn ?? []).toEqual([]);
        expect(options.get("prometheus-ready-probe")?.dependsOn).toEqual(["prometheus-server"]);
    });
    test("its gate checks AlertManager is active by its network alias; the URL is exported and in the env lines", async () => {
        expect(byName("prometheus-ready-probe").inputs.create).toBe(
            "node dist/probe/cli.js prometheus --url http://127.0.0.1:9090 --alertmanager alertmanager:9093 --timeout 300 --interval 100" +
            " --container cdc-test-infra-dev-prometheus");
        expect(await valueOf(out.prometheusUrl)).toBe("http://127.0.0.1:9090");
        expect(await valueOf<string>(out.testEnv)).toContain("CDC_PROMETHEUS_URL=http://127.0.0.1:9090\n");
    });
});
