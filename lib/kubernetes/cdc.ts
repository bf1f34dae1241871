// Kafka (a StatefulSet: its log is data) and Kafka Connect (a Deployment: its state lives in Kafka's
// topics), with the Docker components' listener layout, worker properties and secret files.
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import { KAFKA, KAFKA_INTERNAL_BOOTSTRAP, kafkaEnv, kafkaServerProperties } from "../kafka";
import { connectContainerEnv, connectHeapMb, connectWorkerProperties, KAFKA_CONNECT } from "../kafkaConnect";
import { DATA_SIZE_GI, deployment, envOf, httpProbe, livenessOf, memoryResources, secret, service, statefulSet, tcpProbe, type KubePlacement } from "./objects";

/** The apache/kafka image's user (appuser): the group its data claim is given. */
export const KAFKA_IMAGE_GID = 1000;

export interface KafkaManifestArgs {
    image: string;
    memoryMb: number;
    /**
     * `host:port` the HOST listener advertises: what a client outside the cluster dials through
     * `kubectl port-forward svc/kafka <port>:host` (127.0.0.1 and the stack's kafkaPort).
     */
    hostAdvertised: string;
}


export function kafkaObjects(p: KubePlacement, a: KafkaManifestArgs) {
    const role = "kafka";
    const properties = kafkaServerProperties({
        bindHost: "0.0.0.0",
        internalPort: KAFKA.ports.internal,
        hostPort: KAFKA.ports.host,
        controllerPort: KAFKA.ports.controller,
        internalAdvertised: KAFKA_INTERNAL_BOOTSTRAP,
        hostAdvertised: a.hostAdvertised,
        logDir: KAFKA.dataDir,
    });
    return [
        service(p, KAFKA.alias, role, [
            { name: "internal", port: KAFKA.ports.internal },
            { name: "host", port: KAFKA.ports.host },
        ]),
        statefulSet(p, "kafka", {
            role,
            data: { sizeGi: DATA_SIZE_GI.kafka },
            // The image runs as appuser: the claim is made group-writable for it.
            securityContext: { fsGroup: KAFKA_IMAGE_GID },
            // A controlled shutdown flushes the logs and skips recovery at the next start.
            terminationGraceSeconds: 30,
            containers: [{
                name: "kafka",
                image: a.image,
                env: envOf(kafkaEnv(properties, a.memoryMb)),
                ports: [{ name: "internal", containerPort: KAFKA.ports.internal }, { name: "host", containerPort: KAFKA.ports.host }],
                resources: memoryResources(a.memoryMb),
                readinessProbe: tcpProbe(KAFKA.ports.internal),
                livenessProbe: livenessOf(tcpProbe(KAFKA.ports.internal)),
                volumeMounts: [{ name: "data", mountPath: KAFKA.dataDir }],
            }],
        }),
    ];
}

export interface ConnectManifestArgs {
    image: string;
    memoryMb: number;
    /** How long the worker waits for its broker at start (the readiness timeout: it starts alongside Kafka). */
    brokerWaitMs: number;
}

/** Secret files of the worker's file config provider (the databases' CDC passwords), by absolute path. */
export function connectObjects(p: KubePlacement, a: ConnectManifestArgs, secretFiles: { path: string; content: pulumi.Input<string> }[]) {
    const role = "kafka-connect";
    for (const f of secretFiles) {
        if (path.posix.dirname(f.path) !== KAFKA_CONNECT.secretDir) throw new Error(`secret file ${f.path}: expected a file directly in ${KAFKA_CONNECT.secretDir}`);
    }
    const env = connectContainerEnv(connectWorkerProperties({ bootstrapServers: KAFKA_INTERNAL_BOOTSTRAP, brokerWaitMs: a.brokerWaitMs }), connectHeapMb(a.memoryMb));
    return [
        secret(p, "kafka-connect-secrets", role, Object.fromEntries(secretFiles.map((f) => [path.posix.basename(f.path), f.content]))),
        service(p, KAFKA_CONNECT.alias, role, [{ name: "rest", port: KAFKA_CONNECT.restPort }]),
        deployment(p, "kafka-connect", {
            role,
            volumes: [{ name: "secrets", secret: { secretName: "kafka-connect-secrets", defaultMode: 0o444 } }],
            containers: [{
                name: "kafka-connect",
                image: a.image,
                // The worker waits for its broker by itself: it starts alongside Kafka, not after it.
                env: envOf(env),
                ports: [{ name: "rest", containerPort: KAFKA_CONNECT.restPort }],
                resources: memoryResources(a.memoryMb),
                readinessProbe: httpProbe("/", KAFKA_CONNECT.restPort),
                livenessProbe: { ...livenessOf(httpProbe("/", KAFKA_CONNECT.restPort)), initialDelaySeconds: 120 },
                volumeMounts: [{ name: "secrets", mountPath: KAFKA_CONNECT.secretDir, readOnly: true }],
            }],
        }),
    ];
}
