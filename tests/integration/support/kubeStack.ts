// A default stack (MariaDB flavor: the MySQL server is not in Debian) for the local cluster, as the
// kubernetes platform makes it: its settings, passwords, the pure manifests with the Secrets' content,
// its gates, and the endpoint values the program's outputs hold once every gate passed. The images are
// the local stand-ins (scripts/images/build.sh) loaded into the cluster (scripts/k8s/load-images.sh).
import { randomBytes } from "crypto";
import { binlogPasswordFile, MYSQL_PASSWORD_FILE, stackBinlogConnector } from "../../../lib/debezium";
import { KAFKA_INTERNAL_BOOTSTRAP } from "../../../lib/kafka";
import { connectObjects, kafkaObjects } from "../../../lib/kubernetes/cdc";
import { mysqlObjects, mysqlSecretFiles, postgresObjects, postgresSecretFiles } from "../../../lib/kubernetes/databases";
import { outsideAddresses } from "../../../lib/kubernetes/endpoints";
import { kubeGates, kubePlacement, servicesMemoryMb } from "../../../lib/kubernetes/gates";
import { alertmanagerObjects, prometheusObjects } from "../../../lib/kubernetes/monitoring";
import { limitRange, namespaceObject, resourceQuota } from "../../../lib/kubernetes/namespace";
import { sparkObjects } from "../../../lib/kubernetes/spark";
import { POSTGRES } from "../../../lib/postgres";
import { postgresPasswordFile, POSTGRES_PASSWORD_FILE, stackPostgresConnector } from "../../../lib/postgresConnector";
import { PROBE_SECRET_ENV } from "../../../lib/probes";
import { parseSettings } from "../../../lib/settings";

export const STACK_IMAGES = {
    spark: "cdc-test/spark:3.5.8", alertmanager: "cdc-test/alertmanager:local", prometheus: "cdc-test/prometheus:local",
    mysql: "cdc-test/mariadb:local", postgres: "cdc-test/postgres:local", kafka: "cdc-test/kafka:local", connect: "cdc-test/connect:local",
    suite: "cdc-test/pytest:local",
};

const password = () => randomBytes(12).toString("base64url");

/** An ephemeral environment (pr-<N>): its claims go with its namespace. */
export function defaultKubeStack(stack = `pr-${parseInt(randomBytes(3).toString("hex"), 16)}`) {
    const s = parseSettings({
        platform: "kubernetes", mysqlFlavor: "mariadb",
        sparkImage: STACK_IMAGES.spark, alertmanagerImage: STACK_IMAGES.alertmanager, prometheusImage: STACK_IMAGES.prometheus,
        mysqlImage: STACK_IMAGES.mysql, postgresImage: STACK_IMAGES.postgres, kafkaImage: STACK_IMAGES.kafka, connectImage: STACK_IMAGES.connect,
        sparkWorkerMemoryMb: "1024",
    }, "cdc-test-infra", stack);
    const p = kubePlacement(s);
    const outside = outsideAddresses(s);
    const pw = { mysqlRoot: password(), mysqlCdc: password(), postgresSuperuser: password(), postgresCdc: password() };
    const mysqlConnector = stackBinlogConnector(s, KAFKA_INTERNAL_BOOTSTRAP);
    const postgresConnector = stackPostgresConnector(s.postgres);
    const memory = servicesMemoryMb(s);
    return {
        stack, settings: s, placement: p, gates: kubeGates(s), outside, passwords: pw, mysqlConnector, postgresConnector,
        /** The namespace, its quota and its LimitRange. */
        environmentObjects: () => [namespaceObject(p), resourceQuota(p, memory.reduce((a, b) => a + b, 0)), limitRange(p, Math.max(...memory))],
        /** Every service's objects, the Secrets with this stack's passwords. */
        serviceObjects: (): unknown[] => [
            ...alertmanagerObjects(p, s.alertmanager), ...prometheusObjects(p, s.prometheus), ...sparkObjects(p, s.spark),
            ...mysqlObjects(p, s.mysql, mysqlSecretFiles(s.mysql.flavor, { database: s.mysql.database, user: s.mysql.cdcUser, password: pw.mysqlCdc, rootPassword: pw.mysqlRoot })),
            ...postgresObjects(p, s.postgres, postgresSecretFiles({ database: s.postgres.database, user: s.postgres.cdcUser, password: pw.postgresCdc, superuserPassword: pw.postgresSuperuser })),
            ...kafkaObjects(p, { image: s.kafka.image, memoryMb: s.kafka.memoryMb, hostAdvertised: outside.kafkaBootstrapServers }),
            ...connectObjects(p, { image: s.connect.image, memoryMb: s.connect.memoryMb, brokerWaitMs: s.readiness.timeoutSeconds * 1000 }, [
                binlogPasswordFile(MYSQL_PASSWORD_FILE, pw.mysqlCdc), postgresPasswordFile(POSTGRES_PASSWORD_FILE, pw.postgresCdc),
            ]),
        ],
        /** The gates' secret environment, as the program gives it. */
        gateSecretEnv: {
            [PROBE_SECRET_ENV.mysqlRootPassword]: pw.mysqlRoot, [PROBE_SECRET_ENV.mysqlCdcPassword]: pw.mysqlCdc,
            [PROBE_SECRET_ENV.postgresCdcPassword]: pw.postgresCdc,
        },
        /** The stack's endpoint values as the program's outputs hold them once every gate passed. */
        endpointValues: () => ({
            sparkMasterUrl: outside.sparkMasterUrl, sparkUiUrl: outside.sparkUiUrl, alertmanagerUrl: outside.alertmanagerUrl,
            mysqlFlavor: s.mysql.flavor, mysqlHost: outside.mysql.host, mysqlPort: outside.mysql.port, mysqlDatabase: s.mysql.database,
            mysqlCdcUser: s.mysql.cdcUser, mysqlCdcPassword: pw.mysqlCdc, prometheusUrl: outside.prometheusUrl,
            kafkaBootstrapServers: outside.kafkaBootstrapServers, connectUrl: outside.connectUrl,
            cdcConnectorName: mysqlConnector.name, cdcTopicPrefix: mysqlConnector.config["topic.prefix"],
            postgresHost: outside.postgres.host, postgresPort: outside.postgres.port, postgresDatabase: s.postgres.database,
            postgresCdcUser: s.postgres.cdcUser, postgresCdcPassword: pw.postgresCdc, postgresPublication: POSTGRES.publication,
            postgresConnectorName: postgresConnector.name, postgresTopicPrefix: postgresConnector.config["topic.prefix"],
        }),
    };
}
