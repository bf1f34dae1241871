// The Python plugin's own pytest suite (python/tests) against real services, as the pipeline's suite runs
// against a stack: a Spark master and worker (the component's command lines), AlertManager and MariaDB,
// their endpoints written as env lines by the program's own function. The driver is the pytest process,
// as on a developer's machine: it advertises the stack's driver host name (host.docker.internal), which
// only the daemons and executors resolve (as the containers do through their hosts entry), and writes
// Delta tables under the shared directory. CDC_REQUIRE_E2E=1: no fixture may skip.
import { randomBytes } from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { logicalDecodingFlags, POSTGRES } from "../../lib/postgres";
import { SPARK, SPARK_KAFKA_PACKAGE, sparkJarsPackages } from "../../lib/spark";
import type { Endpoints } from "../../lib/testEnv";
import { MARIADB_PROGRAMS, startMariadb } from "./support/mariadb";
import { kafkaMissing, startKafkaBroker } from "./support/kafka";
import { newCluster, postgresMissing, startAndWait, writeUploads } from "./support/postgres";
import { freePort, LOOPBACK, stopAll, tempDir } from "./support/processes";
import { PLUGIN_TESTS, runPytest, type PytestRun } from "./support/pytest";
import { ALERTMANAGER_BINARY, startAlertmanager } from "./support/servers";
import { IVY_CACHE, startLocalSparkCluster } from "./support/spark";
import { describeIfAvailable, PROJECT_ROOT, pysparkHome, venvPython, which } from "./support/tools";

const python = venvPython();
const sparkHome = pysparkHome();
const javaHome = process.env.JAVA_HOME;
const importable = (module: string) => python !== undefined && spawnSync(python, ["-c", `import ${module}`]).status === 0;

const describePlugin = describeIfAvailable("pytest plugin", [
    !python && "no Python venv at .venv (bash scripts/bootstrap.sh)",
    python !== undefined && !sparkHome && `pyspark is not importable by ${python}`,
    !importable("mysql.connector") && "mysql-connector-python is not in the venv",
    !importable("mypy") && "mypy is not in the venv (pip install -r tests/integration/requirements.txt)",
    !importable("cdc_test_infra") && "the plugin is not installed in the venv (pip install -e ./python)",
    !(javaHome || which("java")) && "no java (Spark needs Java 17)",
    !ALERTMANAGER_BINARY && "AlertManager not found (apt-get install prometheus-alertmanager)",
    !MARIADB_PROGRAMS.server && "mariadbd not found (apt-get install mariadb-server)",
    ...postgresMissing(),
    !importable("psycopg") && "psycopg is not in the venv (pip install -r tests/integration/requirements.txt)",
    ...kafkaMissing(),
    !importable("confluent_kafka") && "confluent-kafka is not in the venv (pip install -r tests/integration/requirements.txt)",
]);

describePlugin("the pytest plugin's own tests (and the e2e host-driver test) against real Spark, AlertManager and MariaDB", () => {
    let sharedDir: string;
    let run: PytestRun;
    let seconds: number;

    beforeAll(async () => {
        const root = tempDir("plugin-spark");
        // What the stack's hosts entry gives the containers: the driver host name, resolved only by the
        // daemons and the executors they start (which inherit their environment), not by the driver.
        const hostsFile = path.join(root, "hosts");
        fs.writeFileSync(hostsFile, `127.0.0.1 localhost ${os.hostname()} ${SPARK.dockerHostAlias}\n`);
        const cdc = { database: "cdc_test", user: "cdc", password: `cdc-${randomBytes(8).toString("hex")}` };
        const pgAccount = { database: "cdc_test", user: "cdc" };
        const pgPasswords = { superuser: `super-${randomBytes(8).toString("hex")}`, cdc: `pg-${randomBytes(8).toString("hex")}` };
        const postgres = await newCluster("plugin", pgAccount);
        writeUploads(postgres, pgPasswords);
        const [spark, alertmanager, mariadb, , kafka] = await Promise.all([
            startLocalSparkCluster({
                root, sparkHome: sparkHome!, javaHome, workerCores: 1, workerMemoryMb: 1536,
                extraEnv: { JAVA_TOOL_OPTIONS: `-Djdk.net.hosts.file=${hostsFile}` },
            }),
            freePort().then((port) => startAlertmanager(tempDir("plugin-alertmanager"), port)),
            startMariadb(cdc),
            startAndWait(postgres, logicalDecodingFlags({ maxWalSenders: 2, maxReplicationSlots: 2 }), pgPasswords.superuser),
            // cdc_events (test_kafka.py) reads from a real broker's host listener.
            startKafkaBroker(),
        ]);
        sharedDir = tempDir("plugin-shared");
        // The host driver's own conf dir: only where Ivy caches delta-spark, shared with the other Spark tests.
        const driverConf = tempDir("plugin-driver-conf");
        fs.writeFileSync(path.join(driverConf, "spark-defaults.conf"), `spark.jars.ivy ${IVY_CACHE}\n`);
        const endpoints: Endpoints = {
            sparkMasterUrl: spark.masterUrl, sparkUiUrl: spark.uiUrl, alertmanagerUrl: alertmanager.url,
            mysqlFlavor: "mariadb", mysqlHost: mariadb.host, mysqlPort: mariadb.port, mysqlDatabase: cdc.database,
            mysqlCdcUser: cdc.user, mysqlCdcPassword: cdc.password,
            sparkSharedDir: sharedDir, sparkDriverHost: SPARK.dockerHostAlias, sparkJarsPackages: sparkJarsPackages(), sparkKafkaPackage: SPARK_KAFKA_PACKAGE,
            postgresHost: LOOPBACK, postgresPort: postgres.port, postgresDatabase: pgAccount.database, postgresCdcUser: pgAccount.user,
            postgresCdcPassword: pgPasswords.cdc, postgresPublication: POSTGRES.publication,
            kafkaBootstrapServers: kafka.hostBootstrap,
        };
        const started = Date.now();
        // The plugin's tests, and the end-to-end host-driver test (tests/e2e/python) here against local services.
        run = await runPytest([".", path.relative(PLUGIN_TESTS, path.join(PROJECT_ROOT, "tests", "e2e", "python"))], endpoints, {
            SPARK_CONF_DIR: driverConf,
            // Executors start Python workers with the driver's interpreter.
            PYSPARK_PYTHON: python, PYSPARK_DRIVER_PYTHON: python,
            // test_debezium.py needs a real Debezium connector: tests/integration/debezium.test.ts runs it with one;
            // the golden path needs the stack's shared addresses: tests/integration/hostDriver.test.ts runs it with
            // the services in containers. tests/e2e/python's pytest.ini (picked as the config file) adds packages
            // the plugin's own tests must not see: cleared here.
            PYTEST_ADDOPTS: `--durations=8 --ignore=${path.join(PLUGIN_TESTS, "test_debezium.py")} ` +
                `--ignore=${path.join(PROJECT_ROOT, "tests", "e2e", "python", "test_golden_path.py")} -o cdc_spark_packages=`,
        });
        seconds = (Date.now() - started) / 1000;
        // eslint-disable-next-line no-console
        const durations = /=+ slowest .*?(?==+ \d+ passed|\n\d+ passed|$)/s.exec(run.output)?.[0] ?? "";
        console.log(`pytest plugin tests: ${run.summary} (pytest process ${seconds.toFixed(1)}s, services on ${LOOPBACK})\n${durations}`);
    }, 600_000);

    afterAll(async () => {
        await stopAll();
    }, 120_000);

    test("every test passes; none skipped, failed or errored", () => {
        if (run.code !== 0) throw new Error(`pytest exited with ${run.code}:\n${run.output.slice(-12_000)}`);
        // Only passes (and perhaps warnings): a skip, failure or error would be counted in this line.
        const counts = /^(\d+) passed(, \d+ warnings?)? in [\d.]+s/.exec(run.summary);
        expect([run.summary, counts !== null]).toEqual([run.summary, true]);
        expect(Number(counts![1])).toBeGreaterThanOrEqual(20);
    });

    test("every table path and warehouse the fixtures handed out is gone from the shared directory", () => {
        expect(fs.readdirSync(sharedDir)).toEqual([]);
    });
});
