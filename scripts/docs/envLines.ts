// What each env line holds, for docs/env-lines.md. The names come from env_keys.json; a key added there
// without a note here makes `npm run docs` and tests/unit/docs.test.ts fail, naming it.
import type { EnvLineNote } from "./render";

const always = "always";
const hostDrivers = "host drivers are on (a local Docker daemon and `sparkSharedDir` not empty)";

export const ENV_LINE_NOTES: Readonly<Record<string, EnvLineNote>> = {
    sparkMasterUrl: { what: "the Spark master from the host, spark://<bindAddress>:<port>", when: always },
    sparkUiUrl: { what: "the Spark master's web UI and /json/ status", when: always },
    alertmanagerUrl: { what: "AlertManager's UI and API (v2) from the host", when: always },
    mysqlFlavor: { what: "mysql or mariadb (the mysqlFlavor setting)", when: always },
    mysqlHost: { what: "the database server from the host (bindAddress)", when: always },
    mysqlPort: { what: "its host port", when: always },
    mysqlDatabase: { what: "the test database", when: always },
    mysqlCdcUser: { what: "the CDC user, with Debezium's grants", when: always },
    mysqlCdcPassword: { what: "its password (a secret output)", when: always },
    prometheusUrl: { what: "Prometheus's UI and API from the host", when: "prometheusEnabled" },
    kafkaBootstrapServers: { what: "Kafka's HOST listener, host:port, for clients on the host", when: "cdcEnabled" },
    kafkaInternalBootstrapServers: { what: "Kafka's INTERNAL listener, kafka:9092, for containers on the stack network", when: "cdcEnabled" },
    connectUrl: { what: "Kafka Connect's REST API from the host", when: "cdcEnabled" },
    cdcConnectorName: { what: "the Debezium source connector of the MySQL/MariaDB database", when: "cdcEnabled" },
    cdcTopicPrefix: { what: "its topic prefix: events go to <prefix>.<database>.<table>", when: "cdcEnabled" },
    postgresHost: { what: "PostgreSQL from the host (bindAddress)", when: "postgresEnabled" },
    postgresPort: { what: "its host port", when: "postgresEnabled" },
    postgresDatabase: { what: "the test database", when: "postgresEnabled" },
    postgresCdcUser: { what: "the CDC role (LOGIN REPLICATION)", when: "postgresEnabled" },
    postgresCdcPassword: { what: "its password (a secret output)", when: "postgresEnabled" },
    postgresPublication: { what: "the publication Debezium reads (FOR ALL TABLES)", when: "postgresEnabled" },
    postgresConnectorName: { what: "the Debezium PostgreSQL connector", when: "postgresEnabled and cdcEnabled" },
    postgresTopicPrefix: { what: "its topic prefix: events go to <prefix>.<schema>.<table>", when: "postgresEnabled and cdcEnabled" },
    sparkSharedDir: { what: "the host directory mounted at the same path in every Spark container", when: hostDrivers },
    sparkDriverHost: { what: "spark.driver.host for a driver on the host (host.docker.internal)", when: hostDrivers },
    sparkJarsPackages: { what: "the cluster's spark.jars.packages (delta-spark), for a host driver to load the same", when: always },
    kafkaSharedBootstrapServers: { what: "Kafka's SHARED listener on the stack network's gateway, reachable from the host and the executors", when: `cdcEnabled, and ${hostDrivers}` },
    mysqlSharedHost: { what: "the database on the stack network's gateway (host and executors)", when: hostDrivers },
    mysqlSharedPort: { what: "its port there (mysqlPort)", when: hostDrivers },
    postgresSharedHost: { what: "PostgreSQL on the stack network's gateway (host and executors)", when: `postgresEnabled, and ${hostDrivers}` },
    postgresSharedPort: { what: "its port there (postgresPort)", when: `postgresEnabled, and ${hostDrivers}` },
    sparkKafkaPackage: { what: "spark-sql-kafka matching the cluster's Spark, for jobs streaming from the stack's Kafka", when: always },
};
