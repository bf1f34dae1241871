// The stack in one namespace of a Kubernetes cluster: the same services, settings, gates and outputs as
// on Docker, from the pure manifests of lib/kubernetes. Outputs name the addresses a test process outside
// the cluster dials through `kubectl port-forward` (npm run env:forward); pods in the namespace get the
// Service-name lines from the Secret cdc-test-env.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { binlogPasswordFile, MYSQL_PASSWORD_FILE, stackBinlogConnector } from "../lib/debezium";
import { KAFKA_INTERNAL_BOOTSTRAP } from "../lib/kafka";
import { connectObjects, kafkaObjects } from "../lib/kubernetes/cdc";
import { mysqlObjects, mysqlSecretFiles, postgresObjects, postgresSecretFiles } from "../lib/kubernetes/databases";
import { inClusterEnvValues, insideAddresses, outsideAddresses } from "../lib/kubernetes/endpoints";
import { alertmanagerObjects, prometheusObjects } from "../lib/kubernetes/monitoring";
import { kubeGates, kubePlacement, servicesMemoryMb } from "../lib/kubernetes/gates";
import { secret, type KubePlacement } from "../lib/kubernetes/objects";
import { sparkObjects } from "../lib/kubernetes/spark";
import { TEST_ENV_SECRET } from "../lib/kubernetes/suite";
import { POSTGRES } from "../lib/postgres";
import { postgresPasswordFile, POSTGRES_PASSWORD_FILE, stackPostgresConnector } from "../lib/postgresConnector";
import { PROBE_SECRET_ENV } from "../lib/probes";
import { SPARK_KAFKA_PACKAGE, sparkJarsPackages } from "../lib/spark";
import type { StackConfig } from "../lib/stackConfig";
import type { Endpoints } from "../lib/testEnv";
import { DebeziumConnector } from "../components/debeziumConnector";
import { KubeEnvironment } from "../components/kubernetes/environment";
import { createObjects } from "../components/kubernetes/objects";
import { KubeService } from "../components/kubernetes/service";
import { generatedPassword } from "../components/passwords";
import type { StackEndpoints } from "./endpoints";

export function kubernetesStack({ settings: s, secrets }: StackConfig): StackEndpoints {
    const k = s.kubernetes!;
    const provider = new k8s.Provider("kubernetes", { ...(k.context === undefined ? {} : { context: k.context }) });
    const p = kubePlacement(s);
    const environment = new KubeEnvironment("environment", { placement: p, servicesMemoryMb: servicesMemoryMb(s) }, { providers: { kubernetes: provider } });
    const inNamespace: pulumi.ComponentResourceOptions = { providers: { kubernetes: provider }, dependsOn: environment.ready };
    const outside = outsideAddresses(s);
    const inside = insideAddresses();
    const gates = kubeGates(s);
    const common = { retainData: p.retainData, readiness: s.readiness };

    const spark = new KubeService("spark", {
        ...common,
        objects: sparkObjects(p, { ...s.spark }),
        ...gates.spark!,
    }, inNamespace);

    const alertmanager = new KubeService("alertmanager", {
        ...common,
        objects: alertmanagerObjects(p, s.alertmanager),
        ...gates.alertmanager!,
    }, inNamespace);

    const prometheus = s.prometheus.enabled ? new KubeService("prometheus", {
        ...common,
        objects: prometheusObjects(p, s.prometheus),
        ...gates.prometheus!,
    }, inNamespace) : undefined;

    const mysqlRoot = pulumi.secret(secrets.mysqlRootPassword ?? generatedPassword("mysql-root-password", environment));
    const mysqlCdc = pulumi.secret(secrets.mysqlCdcPassword ?? generatedPassword("mysql-cdc-password", environment));
    const mysql = new KubeService("mysql", {
        ...common,
        objects: mysqlObjects(p, s.mysql, pulumi.secret(pulumi.all([mysqlRoot, mysqlCdc]).apply(([rootPassword, password]) =>
            mysqlSecretFiles(s.mysql.flavor, { database: s.mysql.database, user: s.mysql.cdcUser, password, rootPassword })))),
        ...gates.mysql!,
        secretEnv: { [PROBE_SECRET_ENV.mysqlRootPassword]: mysqlRoot, [PROBE_SECRET_ENV.mysqlCdcPassword]: mysqlCdc },
    }, inNamespace);

    let postgres: { service: KubeService; cdcPassword: pulumi.Output<string>; superuserPassword: pulumi.Output<string> } | undefined;
    if (s.postgres.enabled) {
        const superuserPassword = pulumi.secret(secrets.postgresSuperuserPassword ?? generatedPassword("postgres-superuser-password", environment));
        const cdcPassword = pulumi.secret(secrets.postgresCdcPassword ?? generatedPassword("postgres-cdc-password", environment));
        const service = new KubeService("postgres", {
            ...common,
            objects: postgresObjects(p, s.postgres, pulumi.secret(pulumi.all([superuserPassword, cdcPassword]).apply(([superuser, password]) =>
                postgresSecretFiles({ database: s.postgres.database, user: s.postgres.cdcUser, password, superuserPassword: superuser })))),
            ...gates.postgres!,
            secretEnv: { [PROBE_SECRET_ENV.postgresCdcPassword]: cdcPassword },
        }, inNamespace);
        postgres = { service, cdcPassword, superuserPassword };
    }

    // The CDC path. Kafka Connect starts alongside Kafka (the worker waits for its broker); connectors wait for their three gates.
    let cdc: { kafka: KubeService; connect: KubeService; connectUrl: pulumi.Output<string>; mysqlConnector: DebeziumConnector; postgresConnector?: DebeziumConnector } | undefined;
    if (s.cdcEnabled) {
        const kafka = new KubeService("kafka", {
            ...common,
            objects: kafkaObjects(p, { image: s.kafka.image, memoryMb: s.kafka.memoryMb, hostAdvertised: outside.kafkaBootstrapServers }),
            ...gates.kafka!,
        }, inNamespace);
        const connectForward = gates.connect!.forward;
        const connect = new KubeService("connect", {
            ...common,
            objects: connectObjects(p, { image: s.connect.image, memoryMb: s.connect.memoryMb, brokerWaitMs: s.readiness.timeoutSeconds * 1000 }, [
                { path: MYSQL_PASSWORD_FILE, content: mysqlCdc.apply((pw) => binlogPasswordFile(MYSQL_PASSWORD_FILE, pw).content) },
                ...(postgres ? [{ path: POSTGRES_PASSWORD_FILE, content: postgres.cdcPassword.apply((pw) => postgresPasswordFile(POSTGRES_PASSWORD_FILE, pw).content) }] : []),
            ]),
            ...gates.connect!,
        }, inNamespace);
        const worker = { url: connect.gate.gate(outside.connectUrl), gate: connect.gate, revision: connect.revision };
        const mysqlConnector = new DebeziumConnector("mysql-connector", {
            connect: worker, kube: connectForward,
            spec: stackBinlogConnector(s, KAFKA_INTERNAL_BOOTSTRAP),
            readyFirst: [mysql.gate, kafka.gate],
            redact: [mysqlCdc],
            readiness: s.readiness,
        }, { parent: connect });
        const postgresConnector = postgres ? new DebeziumConnector("postgres-connector", {
            connect: worker, kube: connectForward,
            spec: stackPostgresConnector(s.postgres),
            readyFirst: [postgres.service.gate, kafka.gate],
            redact: [postgres.cdcPassword],
            readiness: s.readiness,
        }, { parent: connect }) : undefined;
        cdc = { kafka, connect, connectUrl: worker.url, mysqlConnector, ...(postgresConnector ? { postgresConnector } : {}) };
    }

    const pg = postgres;
    const e: StackEndpoints = {
        environment: s.environment,
        sparkMasterUrl: spark.gate.gate(outside.sparkMasterUrl),
        sparkUiUrl: spark.gate.gate(outside.sparkUiUrl),
        sparkInternalMasterUrl: inside.sparkMasterUrl,
        alertmanagerUrl: alertmanager.gate.gate(outside.alertmanagerUrl),
        alertmanagerInternalUrl: inside.alertmanagerUrl,
        mysqlFlavor: s.mysql.flavor,
        mysqlHost: mysql.gate.gate(outside.mysql.host),
        mysqlPort: mysql.gate.gate(outside.mysql.port),
        mysqlSharedHost: undefined,
        mysqlSharedPort: undefined,
        mysqlDatabase: mysql.gate.gate(s.mysql.database),
        mysqlCdcUser: mysql.gate.gate(s.mysql.cdcUser),
        mysqlCdcPassword: mysql.gate.gate(mysqlCdc),
        mysqlRootPassword: mysqlRoot,
        prometheusUrl: prometheus?.gate.gate(outside.prometheusUrl),
        kafkaBootstrapServers: cdc?.kafka.gate.gate(outside.kafkaBootstrapServers),
        kafkaInternalBootstrapServers: cdc?.kafka.gate.gate(KAFKA_INTERNAL_BOOTSTRAP),
        kafkaSharedBootstrapServers: undefined,
        connectUrl: cdc?.connectUrl,
        cdcConnectorName: cdc?.mysqlConnector.name,
        cdcTopicPrefix: cdc?.mysqlConnector.topicPrefix,
        postgresHost: pg?.service.gate.gate(outside.postgres.host),
        postgresPort: pg?.service.gate.gate(outside.postgres.port),
        postgresSharedHost: undefined,
        postgresSharedPort: undefined,
        postgresDatabase: pg?.service.gate.gate(s.postgres.database),
        postgresCdcUser: pg?.service.gate.gate(s.postgres.cdcUser),
        postgresCdcPassword: pg?.service.gate.gate(pg.cdcPassword),
        postgresPublication: pg?.service.gate.gate(POSTGRES.publication),
        postgresSuperuserPassword: pg?.superuserPassword,
        postgresConnectorName: cdc?.postgresConnector?.name,
        postgresTopicPrefix: cdc?.postgresConnector?.topicPrefix,
        sparkSharedDir: undefined,
        sparkDriverHost: undefined,
        sparkJarsPackages: sparkJarsPackages(),
        sparkKafkaPackage: SPARK_KAFKA_PACKAGE,
    };
    inClusterTestEnv(p, e, environment);
    return e;
}

/**
 * The Secret `cdc-test-env`: the same variables with the addresses pods in the namespace dial, for a
 * suite run as a Job (`envFrom: secretRef`, lib/kubernetes/suite.ts). It waits for every output, so
 * for every gate: a Job that finds it finds a ready stack.
 */
function inClusterTestEnv(p: KubePlacement, e: StackEndpoints, parent: pulumi.Resource): void {
    const values = pulumi.output(e).apply((v) => inClusterEnvValues(v as Partial<Endpoints>));
    createObjects("test-env", [secret(p, TEST_ENV_SECRET, "test-env", pulumi.secret(values))], parent);
}
