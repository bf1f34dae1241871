import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { SecretFile } from "../lib/debezium";
import { connectContainerEnv, connectHeapMb, connectWorkerProperties, KAFKA_CONNECT } from "../lib/kafkaConnect";
import { dockerName } from "../lib/naming";
import { containerBase, hostUrl, publishedPort, pulledImage, CONTAINER_OPTIONS, type Placement } from "./dockerHelpers";
import { ReadinessGate } from "./readinessGate";

export interface KafkaConnectArgs {
    placement: Placement;
    image: string;
    hostPort: number;
    memoryMb: number;
    /**
     * Kafka as containers reach it (`kafka:9092`), a plain address: the worker starts alongside the broker
     * and waits for it (up to the readiness timeout), so nothing here waits for Kafka's gate.
     */
    kafkaBootstrap: string;
    /**
     * The broker's container: the worker is created after it, as its clients refuse a bootstrap name that
     * does not resolve yet (the worker exits at once), and `kafka` resolves once that container is on the network.
     */
    kafkaContainer: docker.Container;
    /** Files for the worker's file config provider (e.g. a database password); their content is kept secret. */
    secretFiles: SecretFile<pulumi.Input<string>>[];
    /** Connector classes the gate requires the worker to offer. */
    connectorClasses: string[];
    readiness: { timeoutSeconds: number; intervalMs: number };
}

/**
 * A Kafka Connect worker with the Debezium connectors, its internal topics on the stack's Kafka.
 * Connectors are not part of the container: they are registered through its REST API
 * (DebeziumConnector), so a connector change never replaces the worker.
 */
export class KafkaConnect extends pulumi.ComponentResource {
    public readonly container: docker.Container;
    /** REST API from the host, released by the gate. */
    public readonly url: pulumi.Output<string>;
    /** REST API from containers on the stack network. */
    public readonly internalUrl: string;
    public readonly gate: ReadinessGate;
    /** The container's id: a new one means a replaced worker. */
    public readonly revision: pulumi.Output<string>;

    constructor(name: string, args: KafkaConnectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc:infra:KafkaConnect", name, {}, opts);
        const p = args.placement;
        const image = pulledImage(`${name}-image`, args.image, this);
        const envs = connectContainerEnv(
            connectWorkerProperties({ bootstrapServers: args.kafkaBootstrap, brokerWaitMs: args.readiness.timeoutSeconds * 1000 }),
            connectHeapMb(args.memoryMb));
        this.container = new docker.Container(`${name}-worker`, {
            ...containerBase(p, "kafka-connect", KAFKA_CONNECT.alias, args.memoryMb),
            name: dockerName(p.project, p.stack, "kafka-connect"),
            image: image.imageId,
            envs,
            // Readable by the image's user (kafka); the content is secret in state.
            uploads: args.secretFiles.map((f) => ({ file: f.path, content: pulumi.secret(f.content), permissions: "0444" })),
            ports: [publishedPort(p, KAFKA_CONNECT.restPort, args.hostPort)],
        }, { parent: this, dependsOn: [args.kafkaContainer], ...CONTAINER_OPTIONS });

        const url = hostUrl(p, "http", this.container, KAFKA_CONNECT.restPort);
        this.gate = new ReadinessGate(`${name}-ready`, {
            request: url.apply((u) => ({ service: "connect" as const, url: u, connectorClasses: args.connectorClasses })),
            timing: args.readiness,
            containers: [this.container],
        }, { parent: this });
        this.url = this.gate.gate(url);
        this.revision = this.container.id;
        this.internalUrl = `http://${KAFKA_CONNECT.alias}:${KAFKA_CONNECT.restPort}`;
        this.registerOutputs({ url: this.url, internalUrl: this.internalUrl });
    }
}
