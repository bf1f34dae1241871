// Where a Kubernetes stack's services are reached: from outside the cluster through `kubectl port-forward`
// on the configured local ports (what the program's outputs and env lines say; docs/kubernetes.md), and inside the namespace
// by Service name (the lines a Job in the namespace gets). Both are plain functions of the settings.
import { ALERTMANAGER } from "../alertmanager";
import { KAFKA_INTERNAL_BOOTSTRAP } from "../kafka";
import { KAFKA_CONNECT } from "../kafkaConnect";
import { MYSQL } from "../mysql";
import { POSTGRES } from "../postgres";
import { PROMETHEUS } from "../prometheus";
import type { Settings } from "../settings";
import { testEnvValues, type Endpoints } from "../testEnv";
import { SPARK, sparkMasterUrl } from "../spark";

/** 127.0.0.1: port-forwards listen on loopback only. */
export const FORWARD_ADDRESS = "127.0.0.1";

/** What a client outside the cluster dials, once the forwards run. */
export function outsideAddresses(s: Settings) {
    const at = (port: number) => `${FORWARD_ADDRESS}:${port}`;
    return {
        sparkMasterUrl: sparkMasterUrl(FORWARD_ADDRESS, s.spark.masterPort),
        sparkUiUrl: `http://${at(s.spark.uiPort)}`,
        alertmanagerUrl: `http://${at(s.alertmanager.port)}`,
        mysql: { host: FORWARD_ADDRESS, port: s.mysql.port },
        prometheusUrl: `http://${at(s.prometheus.port)}`,
        kafkaBootstrapServers: at(s.kafka.port),
        connectUrl: `http://${at(s.connect.port)}`,
        postgres: { host: FORWARD_ADDRESS, port: s.postgres.port },
    };
}

/** What a pod in the namespace dials: Service names and the services' own ports. */
export function insideAddresses() {
    return {
        sparkMasterUrl: sparkMasterUrl(SPARK.masterAlias, SPARK.rpcPort),
        sparkUiUrl: `http://${SPARK.masterAlias}:${SPARK.masterUiPort}`,
        alertmanagerUrl: `http://${ALERTMANAGER.alias}:${ALERTMANAGER.port}`,
        mysql: { host: MYSQL.alias, port: MYSQL.port },
        prometheusUrl: `http://${PROMETHEUS.alias}:${PROMETHEUS.port}`,
        kafkaBootstrapServers: KAFKA_INTERNAL_BOOTSTRAP,
        connectUrl: `http://${KAFKA_CONNECT.alias}:${KAFKA_CONNECT.restPort}`,
        postgres: { host: POSTGRES.alias, port: POSTGRES.port },
    };
}

/**
 * The env lines for a pod in the namespace (the Secret cdc-test-env): the stack's values with each
 * address a service has (a switched-off service has none) replaced by its Service-name address.
 */
export function inClusterEnvValues(e: Partial<Endpoints>): Record<string, string> {
    const inside = insideAddresses();
    const addresses: Partial<Endpoints> = {
        sparkMasterUrl: inside.sparkMasterUrl,
        sparkUiUrl: inside.sparkUiUrl,
        alertmanagerUrl: inside.alertmanagerUrl,
        mysqlHost: inside.mysql.host,
        mysqlPort: inside.mysql.port,
        prometheusUrl: inside.prometheusUrl,
        kafkaBootstrapServers: inside.kafkaBootstrapServers,
        connectUrl: inside.connectUrl,
        postgresHost: inside.postgres.host,
        postgresPort: inside.postgres.port,
    };
    const present = Object.entries(addresses).filter(([key]) => e[key as keyof Endpoints] !== undefined);
    return testEnvValues({ ...e, ...Object.fromEntries(present) });
}
