// What each gate of a Kubernetes stack asks and which Service it forwards to: the program's gates and the
// tests on the real cluster run exactly these (the probe opens the port-forward itself).
import * as fs from "fs";
import { ALERTMANAGER, ALERTMANAGER_CONFIG_FILE, routeReceiverOf } from "../alertmanager";
import { BINLOG_CONNECTOR_CLASSES } from "../debezium";
import { KAFKA, KAFKA_PROBE_TOPIC } from "../kafka";
import { KAFKA_CONNECT } from "../kafkaConnect";
import { MYSQL } from "../mysql";
import { POSTGRES } from "../postgres";
import { POSTGRES_CONNECTOR_CLASS } from "../postgresConnector";
import type { KubeForward, ProbeRequest } from "../probes";
import { PROMETHEUS } from "../prometheus";
import type { Settings } from "../settings";
import { SPARK } from "../spark";
import { outsideAddresses } from "./endpoints";
import type { KubePlacement } from "./objects";

export interface KubeGate {
    request: ProbeRequest;
    forward: KubeForward;
}

export type KubeGateName = "spark" | "alertmanager" | "prometheus" | "mysql" | "postgres" | "kafka" | "connect";

/** The stack's placement in its namespace, from the settings (platform kubernetes). */
export function kubePlacement(s: Settings): KubePlacement {
    const k = s.kubernetes;
    if (k === undefined) throw new Error("kubePlacement: the settings are not for platform kubernetes");
    return {
        project: s.project, stack: s.stack, namespace: k.namespace, serviceType: k.serviceType, retainData: s.retainVolumesOnDestroy,
        ...(k.storageClass === undefined ? {} : { storageClass: k.storageClass }),
    };
}

/** Each service's memory limit (MiB), as the quota counts them. */
export function servicesMemoryMb(s: Settings): number[] {
    return [
        s.spark.masterMemoryMb, ...Array.from({ length: s.spark.workers }, () => s.spark.workerMemoryMb + SPARK.workerOverheadMb),
        s.alertmanager.memoryMb, s.mysql.memoryMb,
        ...(s.prometheus.enabled ? [s.prometheus.memoryMb] : []),
        ...(s.cdcEnabled ? [s.kafka.memoryMb, s.connect.memoryMb] : []),
        ...(s.postgres.enabled ? [s.postgres.memoryMb] : []),
    ];
}

/** The gates of the services the settings switch on, at the addresses outside clients dial. */
export function kubeGates(s: Settings): Partial<Record<KubeGateName, KubeGate>> {
    const k = s.kubernetes;
    if (k === undefined) throw new Error("kubeGates: the settings are not for platform kubernetes");
    const forward = (service: string, port: number, role: string): KubeForward =>
        ({ ...(k.context === undefined ? {} : { context: k.context }), namespace: k.namespace, service, port, role });
    const outside = outsideAddresses(s);
    const routeReceiver = routeReceiverOf(fs.readFileSync(ALERTMANAGER_CONFIG_FILE, "utf8"));
    if (!routeReceiver) throw new Error(`${ALERTMANAGER_CONFIG_FILE} has no route.receiver`);
    return {
        spark: { request: { service: "spark", url: outside.sparkUiUrl, expectedWorkers: s.spark.workers }, forward: forward(SPARK.masterAlias, SPARK.masterUiPort, "spark-master") },
        alertmanager: { request: { service: "alertmanager", url: outside.alertmanagerUrl, routeReceiver }, forward: forward(ALERTMANAGER.alias, ALERTMANAGER.port, "alertmanager") },
        ...(s.prometheus.enabled ? {
            prometheus: {
                request: { service: "prometheus", url: outside.prometheusUrl, alertmanagerTarget: `${ALERTMANAGER.alias}:${ALERTMANAGER.port}` },
                forward: forward(PROMETHEUS.alias, PROMETHEUS.port, "prometheus"),
            },
        } : {}),
        mysql: { request: { service: "mysql", ...outside.mysql, flavor: s.mysql.flavor, cdcUser: s.mysql.cdcUser }, forward: forward(MYSQL.alias, MYSQL.port, "mysql") },
        ...(s.postgres.enabled ? {
            postgres: {
                request: { service: "postgres", ...outside.postgres, database: s.postgres.database, cdcUser: s.postgres.cdcUser, publication: POSTGRES.publication },
                forward: forward(POSTGRES.alias, POSTGRES.port, "postgres"),
            },
        } : {}),
        ...(s.cdcEnabled ? {
            kafka: { request: { service: "kafka", bootstrap: outside.kafkaBootstrapServers, topic: KAFKA_PROBE_TOPIC }, forward: forward(KAFKA.alias, KAFKA.ports.host, "kafka") },
            connect: {
                request: { service: "connect", url: outside.connectUrl, connectorClasses: [BINLOG_CONNECTOR_CLASSES[s.mysql.flavor], ...(s.postgres.enabled ? [POSTGRES_CONNECTOR_CLASS] : [])] },
                forward: forward(KAFKA_CONNECT.alias, KAFKA_CONNECT.restPort, "kafka-connect"),
            },
        } : {}),
    };
}
