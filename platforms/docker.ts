// The stack on one Docker daemon: a bridge network, a container (or a few) per service, each behind its gate.
import { AlertManager } from "../components/alertManager";
import { DebeziumConnector } from "../components/debeziumConnector";
import { KafkaBroker } from "../components/kafkaBroker";
import { KafkaConnect } from "../components/kafkaConnect";
import { MysqlServer } from "../components/mysqlServer";
import { StackNetwork } from "../components/network";
import { PostgresServer } from "../components/postgresServer";
import { PrometheusServer } from "../components/prometheusServer";
import { SparkCluster } from "../components/sparkCluster";
import { binlogPasswordFile, BINLOG_CONNECTOR_CLASSES, MYSQL_PASSWORD_FILE, stackBinlogConnector } from "../lib/debezium";
import { KAFKA_INTERNAL_BOOTSTRAP } from "../lib/kafka";
import { postgresPasswordFile, POSTGRES_CONNECTOR_CLASS, POSTGRES_PASSWORD_FILE, stackPostgresConnector } from "../lib/postgresConnector";
import type { StackConfig } from "../lib/stackConfig";

import type { StackEndpoints } from "./endpoints";

export function dockerStack({ settings: s, secrets }: StackConfig): StackEndpoints {
    const network = new StackNetwork("network", { project: s.project, stack: s.stack });
    const placement = {
        project: s.project,
        stack: s.stack,
        networkName: network.name,
        bindAddress: s.bindAddress,
        fixedHostPorts: s.fixedHostPorts,
        retainVolumesOnDestroy: s.retainVolumesOnDestroy,
        // Host drivers: Kafka and the databases are also published on the network's gateway for their jobs.
        sharedAddress: s.spark.sharedDir === undefined ? undefined : network.gateway(),
    };

    const spark = new SparkCluster("spark", {
        placement,
        image: s.spark.image,
        workers: s.spark.workers,
        workerCores: s.spark.workerCores,
        workerMemoryMb: s.spark.workerMemoryMb,
        masterMemoryMb: s.spark.masterMemoryMb,
        masterHostPort: s.spark.masterPort,
        uiHostPort: s.spark.uiPort,
        readiness: s.readiness,
        sharedDir: s.spark.sharedDir,
        user: s.spark.user,
    });

    const alertmanager = new AlertManager("alertmanager", {
        placement,
        image: s.alertmanager.image,
        hostPort: s.alertmanager.port,
        memoryMb: s.alertmanager.memoryMb,
        readiness: s.readiness,
    });

    const prometheus = s.prometheus.enabled
        ? new PrometheusServer("prometheus", {
            placement,
            image: s.prometheus.image,
            hostPort: s.prometheus.port,
            memoryMb: s.prometheus.memoryMb,
            testAlert: s.prometheus.testAlert,
            readiness: s.readiness,
        })
        : undefined;

    const mysql = new MysqlServer("mysql", {
        placement,
        ...s.mysql,
        hostPort: s.mysql.port,
        rootPassword: secrets.mysqlRootPassword,
        cdcPassword: secrets.mysqlCdcPassword,
        readiness: s.readiness,
    });

    const postgres = s.postgres.enabled
        ? new PostgresServer("postgres", {
            placement,
            ...s.postgres,
            hostPort: s.postgres.port,
            superuserPassword: secrets.postgresSuperuserPassword,
            cdcPassword: secrets.postgresCdcPassword,
            readiness: s.readiness,
        })
        : undefined;

    // The change-data-capture path: nothing of it exists when cdcEnabled is false.
    const kafka = s.cdcEnabled
        ? new KafkaBroker("kafka", { placement, image: s.kafka.image, hostPort: s.kafka.port, memoryMb: s.kafka.memoryMb, readiness: s.readiness })
        : undefined;
    // Kafka Connect starts alongside Kafka (created once the broker's container exists, not once it is ready)
    // and waits for it itself (its internal topics live there); the connector waits only for the database,
    // Kafka and Connect gates, and nothing waits for the connector but its own outputs.
    const connect = kafka
        ? new KafkaConnect("connect", {
            placement, image: s.connect.image, hostPort: s.connect.port, memoryMb: s.connect.memoryMb,
            kafkaBootstrap: KAFKA_INTERNAL_BOOTSTRAP, kafkaContainer: kafka.container,
            secretFiles: [
                { path: MYSQL_PASSWORD_FILE, content: mysql.cdcPasswordSecret.apply((pw) => binlogPasswordFile(MYSQL_PASSWORD_FILE, pw).content) },
                ...(postgres ? [{ path: POSTGRES_PASSWORD_FILE, content: postgres.cdcPasswordSecret.apply((pw) => postgresPasswordFile(POSTGRES_PASSWORD_FILE, pw).content) }] : []),
            ],
            connectorClasses: [BINLOG_CONNECTOR_CLASSES[s.mysql.flavor], ...(postgres ? [POSTGRES_CONNECTOR_CLASS] : [])],
            readiness: s.readiness,
        })
        : undefined;
    const mysqlConnector = kafka && connect
        ? new DebeziumConnector("mysql-connector", {
            connect,
            spec: kafka.internalBootstrapServers.apply((bootstrap) => stackBinlogConnector(s, bootstrap)),
            readyFirst: [mysql.gate, kafka.gate],
            redact: [mysql.cdcPasswordSecret],
            readiness: s.readiness,
        })
        : undefined;
    // The PostgreSQL connector in the same Connect cluster, gated like the MySQL one.
    const postgresConnector = kafka && connect && postgres
        ? new DebeziumConnector("postgres-connector", {
            connect,
            spec: stackPostgresConnector(s.postgres),
            readyFirst: [postgres.gate, kafka.gate],
            redact: [postgres.cdcPasswordSecret],
            readiness: s.readiness,
        })
        : undefined;

    return {
        environment: s.environment,
        sparkMasterUrl: spark.masterUrl,
        sparkUiUrl: spark.uiUrl,
        sparkInternalMasterUrl: spark.internalMasterUrl,
        alertmanagerUrl: alertmanager.url,
        alertmanagerInternalUrl: alertmanager.internalUrl,
        mysqlFlavor: s.mysql.flavor,
        mysqlHost: mysql.host,
        mysqlPort: mysql.port,
        mysqlSharedHost: mysql.sharedHost,
        mysqlSharedPort: mysql.sharedPort,
        mysqlDatabase: mysql.database,
        mysqlCdcUser: mysql.cdcUser,
        mysqlCdcPassword: mysql.cdcPassword,
        mysqlRootPassword: mysql.rootPassword,
        prometheusUrl: prometheus?.url,
        kafkaBootstrapServers: kafka?.bootstrapServers,
        kafkaInternalBootstrapServers: kafka?.internalBootstrapServers,
        kafkaSharedBootstrapServers: kafka?.sharedBootstrapServers,
        connectUrl: connect?.url,
        cdcConnectorName: mysqlConnector?.name,
        cdcTopicPrefix: mysqlConnector?.topicPrefix,
        postgresHost: postgres?.host,
        postgresPort: postgres?.port,
        postgresSharedHost: postgres?.sharedHost,
        postgresSharedPort: postgres?.sharedPort,
        postgresDatabase: postgres?.database,
        postgresCdcUser: postgres?.cdcUser,
        postgresCdcPassword: postgres?.cdcPassword,
        postgresPublication: postgres?.publication,
        postgresSuperuserPassword: postgres?.superuserPassword,
        postgresConnectorName: postgresConnector?.name,
        postgresTopicPrefix: postgresConnector?.topicPrefix,
        sparkSharedDir: spark.sharedDir,
        sparkDriverHost: spark.driverHost,
        sparkJarsPackages: spark.jarsPackages,
        sparkKafkaPackage: spark.kafkaPackage,
    };
}
