// The stack's endpoints as KEY=value lines for a test suite to source (`set -a; . file`).
// The variable names live once, in the Python plugin's env_keys.json, which reads these lines back.
import type { MysqlFlavor } from "./settings";
import ENV_KEYS from "../python/src/cdc_test_infra/env_keys.json";

export interface Endpoints {
    sparkMasterUrl: string;
    sparkUiUrl: string;
    alertmanagerUrl: string;
    mysqlFlavor: MysqlFlavor;
    mysqlHost: string;
    mysqlPort: number;
    mysqlDatabase: string;
    mysqlCdcUser: string;
    mysqlCdcPassword: string;
    /** Absent when Prometheus is switched off. */
    prometheusUrl?: string;
    /** Kafka's host listener, `host:port` (absent when cdcEnabled is false). */
    kafkaBootstrapServers?: string;
    /** Kafka's internal listener, `kafka:9092`: for jobs running in containers on the stack network. */
    kafkaInternalBootstrapServers?: string;
    /** Kafka Connect's REST API from the host (absent when cdcEnabled is false). */
    connectUrl?: string;
    /** The Debezium source connector of the stack's database, and its topic prefix (<prefix>.<database>.<table>). */
    cdcConnectorName?: string;
    cdcTopicPrefix?: string;
    /** Absent when PostgreSQL is switched off. */
    postgresHost?: string;
    postgresPort?: number;
    postgresDatabase?: string;
    postgresCdcUser?: string;
    postgresCdcPassword?: string;
    postgresPublication?: string;
    /** The PostgreSQL source connector and its topic prefix (<prefix>.<schema>.<table>); absent without PostgreSQL or cdcEnabled. */
    postgresConnectorName?: string;
    postgresTopicPrefix?: string;
    /** Host directory shared at the same path with the Spark containers; absent without host drivers. */
    sparkSharedDir?: string;
    /** spark.driver.host for a driver on the Docker host; absent without host drivers. */
    sparkDriverHost?: string;
    /** spark.jars.packages of the cluster (delta-spark), for a host driver to load the same. */
    sparkJarsPackages: string;
    /** spark-sql-kafka matching the cluster's Spark: what a job streaming from the stack's Kafka adds. */
    sparkKafkaPackage: string;
    /**
     * Host drivers only: addresses on the stack network's gateway that a driver on the Docker host and
     * the executors in the Spark containers both reach (the host ones are the host's loopback, the
     * internal ones resolve only in containers).
     */
    kafkaSharedBootstrapServers?: string;
    mysqlSharedHost?: string;
    mysqlSharedPort?: number;
    postgresSharedHost?: string;
    postgresSharedPort?: number;
}

/** Endpoint name -> environment variable; every endpoint has one (checked by the compiler and a unit test). */
/** Set to 1, a fixture whose variables are missing fails instead of skipping (the plugin's stack.REQUIRE_VARIABLE). */
export const REQUIRE_E2E_ENV = "CDC_REQUIRE_E2E";

export const TEST_ENV_KEYS: Record<keyof Endpoints, string> = ENV_KEYS;

/** Single-quoted for POSIX shells, so any value sources back unchanged. */
function shellValue(value: string): string {
    return /^[A-Za-z0-9_.:\/@%+=,-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The stack's lines: every endpoint the program has (Prometheus may be off). */
export function testEnvLines(e: Endpoints): string {
    return envLinesOf(e);
}

/** Variable -> value for the endpoints given (a Kubernetes Secret's data for pods' `envFrom`). */
export function testEnvValues(e: Partial<Endpoints>): Record<string, string> {
    return Object.fromEntries((Object.keys(TEST_ENV_KEYS) as (keyof Endpoints)[])
        .filter((key) => e[key] !== undefined)
        .map((key) => [TEST_ENV_KEYS[key], String(e[key])]));
}

/** Lines for the endpoints given; tests that stand up part of the stack write theirs with it. */
export function envLinesOf(e: Partial<Endpoints>): string {
    return Object.entries(testEnvValues(e)).map(([name, value]) => `${name}=${shellValue(value)}`).join("\n") + "\n";
}
