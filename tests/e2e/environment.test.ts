// The consumer checks against a running environment described by the KEY=value lines that
// `npm run env:up -- --env-file .env.cdc` writes (source them first: set -a; . ./.env.cdc; set +a).
// Without them it prints "skipped: ..." and skips; under CDC_REQUIRE_E2E=1 it fails instead.
import { MYSQL_FLAVORS, type MysqlFlavor } from "../../lib/settings";
import { TEST_ENV_KEYS } from "../../lib/testEnv";
import { checkAlertDelivery, checkAlertmanager, checkKafka, checkMysql, checkPostgres, checkSpark } from "./consumerChecks";

const env = process.env;
// Optional: Prometheus (prometheusEnabled), host drivers and their shared addresses (off with a remote daemon), Kafka with Connect and
// its connector (cdcEnabled) and PostgreSQL (postgresEnabled); everything else must be there.
const {
    prometheusUrl: PROMETHEUS_KEY, sparkSharedDir: _shared, sparkDriverHost: _driverHost,
    kafkaBootstrapServers: KAFKA_KEY, kafkaInternalBootstrapServers: _internal,
    connectUrl: _connect, cdcConnectorName: _connector, cdcTopicPrefix: _prefix,
    kafkaSharedBootstrapServers: _sharedKafka, mysqlSharedHost: _sharedMysqlHost, mysqlSharedPort: _sharedMysqlPort, ...required
} = TEST_ENV_KEYS;
const isPostgresKey = (key: string) => key.startsWith("postgres");
const missing = Object.entries(required).filter(([key, k]) => !isPostgresKey(key) && !env[k]).map(([, k]) => k);
let describeEnvironment: jest.Describe = describe;
if (missing.length > 0) {
    const message = `skipped: e2e environment (tests/e2e/environment.test.ts): ${missing.join(", ")} not set (source the env file written by npm run env:up)`;
    if (env.CDC_REQUIRE_E2E === "1") throw new Error(`${message} (CDC_REQUIRE_E2E=1 forbids skipping)`);
    process.stderr.write(`${message}\n`);
    describeEnvironment = describe.skip;
}

function parseFlavor(value: string): MysqlFlavor {
    if (!MYSQL_FLAVORS.includes(value as MysqlFlavor)) throw new Error(`${TEST_ENV_KEYS.mysqlFlavor}=${value}: expected one of ${MYSQL_FLAVORS.join(", ")}`);
    return value as MysqlFlavor;
}

describeEnvironment("the running environment, as the pipeline's tests see it", () => {
    const v = (key: keyof typeof TEST_ENV_KEYS) => env[TEST_ENV_KEYS[key]]!;
    const expectedWorkers = Number(env.CDC_EXPECTED_SPARK_WORKERS ?? "1");

    test("Spark master ALIVE with its workers", () => checkSpark(v("sparkUiUrl"), expectedWorkers));
    test("AlertManager serves our config and takes alerts", () => checkAlertmanager(v("alertmanagerUrl"), `env-${process.pid}`));
    (env[PROMETHEUS_KEY] ? test : test.skip)("Prometheus delivers its test alert to AlertManager", () => checkAlertDelivery(v("alertmanagerUrl")), 120_000);
    (env[TEST_ENV_KEYS.postgresHost] ? test : test.skip)("PostgreSQL logical decoding ready through the CDC user", () => checkPostgres({
        host: v("postgresHost"), port: Number(v("postgresPort")), user: v("postgresCdcUser"), password: v("postgresCdcPassword"),
        database: v("postgresDatabase"), publication: v("postgresPublication"),
    }));
    (env[KAFKA_KEY] ? test : test.skip)("Kafka takes and serves records through the host listener", () => checkKafka(env[KAFKA_KEY]!, `env-${process.pid}`), 60_000);
    test("MySQL binlog ready for Debezium through the CDC user", () => checkMysql({
        host: v("mysqlHost"), port: Number(v("mysqlPort")), user: v("mysqlCdcUser"), password: v("mysqlCdcPassword"), database: v("mysqlDatabase"),
    }, parseFlavor(v("mysqlFlavor"))));
});
