import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { awaitHostListenerCommand, handOverShellCommand, KAFKA, KAFKA_INTERNAL_BOOTSTRAP, KAFKA_PROBE_TOPIC, kafkaEnv, kafkaServerProperties } from "../lib/kafka";
import { dockerName } from "../lib/naming";
import { containerBase, dataVolume, hostAddress, hostPortOf, publishedPort, pulledImage, sharedPorts, CONTAINER_OPTIONS, type Placement } from "./dockerHelpers";
import { ReadinessGate } from "./readinessGate";

export interface KafkaBrokerArgs {
    placement: Placement;
    image: string;
    /** Host port of the host listener in persistent stacks (ephemeral: Docker assigns one). */
    hostPort: number;
    memoryMb: number;
    readiness: { timeoutSeconds: number; intervalMs: number };
}

/**
 * Apache Kafka in KRaft mode, one node (broker and controller), with two listeners: INTERNAL,
 * advertised as `kafka:9092` to containers on the stack network, and HOST, advertised as the
 * published address to clients on the host. An ephemeral stack's published port exists only once
 * the container does: the container then waits until a command hands it that address.
 */
export class KafkaBroker extends pulumi.ComponentResource {
    public readonly container: docker.Container;
    public readonly dataVolume: docker.Volume;
    /** Ephemeral stacks: the command handing the broker its host listener's address. */
    public readonly hostListenerHandOver?: command.local.Command;
    /** `host:port` for clients on the host; released once the gate has passed. */
    public readonly bootstrapServers: pulumi.Output<string>;
    /** `kafka:9092` for containers on the stack network; released once the gate has passed. */
    public readonly internalBootstrapServers: pulumi.Output<string>;
    /**
     * `<gateway>:<port>` (host drivers): a driver on the Docker host and the executors in the Spark
     * containers both reach it and are handed back the same address; undefined without host drivers.
     */
    public readonly sharedBootstrapServers?: pulumi.Output<string>;
    public readonly gate: ReadinessGate;

    constructor(name: string, args: KafkaBrokerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc:infra:KafkaBroker", name, {}, opts);
        const p = args.placement;
        const internalAdvertised = KAFKA_INTERNAL_BOOTSTRAP;
        // The gateway is the stack's own address: the configured port never clashes with another stack's there.
        const sharedAdvertised = p.sharedAddress === undefined ? undefined : pulumi.interpolate`${p.sharedAddress}:${args.hostPort}`;
        const properties = pulumi.output(sharedAdvertised).apply((shared) => kafkaServerProperties({
            bindHost: "0.0.0.0",
            internalPort: KAFKA.ports.internal,
            hostPort: KAFKA.ports.host,
            controllerPort: KAFKA.ports.controller,
            internalAdvertised,
            // Known now only when the host port is fixed.
            hostAdvertised: p.fixedHostPorts ? `${hostAddress(p)}:${args.hostPort}` : undefined,
            shared: shared === undefined ? undefined : { port: KAFKA.ports.shared, advertised: shared },
            logDir: KAFKA.dataDir,
        }));
        const image = pulledImage(`${name}-image`, args.image, this);
        this.dataVolume = dataVolume(`${name}-data`, p, dockerName(p.project, p.stack, "kafka-data"), "kafka", this);
        this.container = new docker.Container(`${name}-server`, {
            ...containerBase(p, "kafka", KAFKA.alias, args.memoryMb),
            name: dockerName(p.project, p.stack, "kafka"),
            image: image.imageId,
            envs: properties.apply((props) => kafkaEnv(props, args.memoryMb)),
            // Persistent: the image's own command. Ephemeral: wait for the host listener's address first.
            command: p.fixedHostPorts ? undefined : pulumi.output(sharedAdvertised).apply((shared) => awaitHostListenerCommand(internalAdvertised, { sharedAdvertised: shared })),
            volumes: [{ volumeName: this.dataVolume.name, containerPath: KAFKA.dataDir }],
            // The host listener, and the shared one on the gateway; containers use the internal one on the network.
            ports: [publishedPort(p, KAFKA.ports.host, args.hostPort), ...sharedPorts(p, KAFKA.ports.shared, args.hostPort)],
            // A controlled shutdown flushes the logs and skips recovery at the next start.
            destroyGraceSeconds: 30,
        }, { parent: this, ...CONTAINER_OPTIONS });

        const published = pulumi.interpolate`${hostAddress(p)}:${hostPortOf(p, this.container, KAFKA.ports.host)}`;
        let hostBootstrap: pulumi.Output<string> = published;
        if (!p.fixedHostPorts) {
            this.hostListenerHandOver = new command.local.Command(`${name}-host-listener`, {
                create: pulumi.all([this.container.name, published]).apply(([container, address]) => handOverShellCommand(container, address)),
                // A new container waits again: hand it over again.
                triggers: [this.container.id],
            }, { parent: this, dependsOn: [this.container] });
            // The address, once handed over: the gate probes only after that.
            hostBootstrap = pulumi.all([published, this.hostListenerHandOver.stdout]).apply(([address]) => address);
        }
        this.gate = new ReadinessGate(`${name}-ready`, {
            request: pulumi.all([hostBootstrap, sharedAdvertised]).apply(([bootstrap, shared]) => ({
                service: "kafka" as const, bootstrap, topic: KAFKA_PROBE_TOPIC, ...(shared === undefined ? {} : { sharedBootstrap: shared }),
            })),
            timing: args.readiness,
            containers: [this.container],
        }, { parent: this });
        this.bootstrapServers = this.gate.gate(hostBootstrap);
        this.internalBootstrapServers = this.gate.gate(internalAdvertised);
        if (sharedAdvertised !== undefined) this.sharedBootstrapServers = this.gate.gate(sharedAdvertised);
        this.registerOutputs({
            bootstrapServers: this.bootstrapServers, internalBootstrapServers: this.internalBootstrapServers, sharedBootstrapServers: this.sharedBootstrapServers,
        });
    }
}
