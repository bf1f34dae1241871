// Facts about the stack's Kafka broker (KRaft, one node that is broker and controller): used by the
// component (as the image's KAFKA_* environment), the probe, and the tests (the same environment,
// rendered into server.properties by the image's own start step from the broker jar).

/** Keep equal to scripts/jars/pom.xml (kafka.version): the tests run the jars of this version. */
export const KAFKA_VERSION = "4.1.1";
export const KAFKA_DEFAULT_IMAGE = `apache/kafka:${KAFKA_VERSION}`;

export const KAFKA = {
    alias: "kafka",
    nodeId: 1,
    /** KRaft cluster id: a base64url UUID; one per data volume, and each stack has its own volume. */
    clusterId: "_yeT07isrkhCHFnmz0TXcw",
    listeners: { internal: "INTERNAL", host: "HOST", shared: "SHARED", controller: "CONTROLLER" },
    /**
     * Ports inside the container: containers dial `kafka:9092`; 29092 is published to the host's bind
     * address; 29094 on the stack network's gateway (host drivers), where a driver on the host and the
     * executors in the Spark containers both reach it.
     */
    ports: { internal: 9092, host: 29092, shared: 29094, controller: 9093 },
    /** The image declares this path a volume and owns it to its user (appuser). */
    dataDir: "/var/lib/kafka/data",
    /** The image's own start script: KAFKA_* variables into server.properties, storage format (CLUSTER_ID), broker. */
    runScript: "/etc/kafka/docker/run",
    /** Ephemeral stacks: the host listener's advertised `host:port`, written after the container exists. */
    advertisedHostFile: "/tmp/cdc-host-listener",
} as const;

/** `host:port` containers on the stack network dial: the internal listener at the network alias. */
export const KAFKA_INTERNAL_BOOTSTRAP = `${KAFKA.alias}:${KAFKA.ports.internal}`;

/**
 * KAFKA_JVM_PERFORMANCE_OPTS for the broker and for Kafka Connect: both start through kafka-run-class.sh,
 * whose default is G1 tuned for a production broker (apache/kafka's launch script appends its class-data
 * archive to what is set here). A test broker's heap is small and its load light: the serial collector
 * and the C1 compiler alone start it sooner (bench/jvmStartup.ts measures each beside the default).
 */
export const KAFKA_JVM_PERFORMANCE_OPTS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true";

export interface KafkaListenerLayout {
    /** Address the internal and host listeners bind to: 0.0.0.0 in the container. */
    bindHost: string;
    internalPort: number;
    hostPort: number;
    /** The controller listener is only for the node itself: it binds to loopback. */
    controllerPort: number;
    /** `host:port` containers dial: the network alias and the internal port. */
    internalAdvertised: string;
    /** `host:port` host clients dial; undefined when known only after start (ephemeral stacks). */
    hostAdvertised?: string;
    /**
     * The SHARED listener (host drivers): its port in the container and its advertised `gateway:port`,
     * dialed alike by a driver on the Docker host and by executors in the stack's containers.
     */
    shared?: { port: number; advertised: string };
    logDir: string;
}

/** advertised.listeners: the address each listener hands back to the clients that came in on it. */
export function advertisedListeners(internalAdvertised: string, hostAdvertised: string, sharedAdvertised?: string): string {
    const l = KAFKA.listeners;
    const shared = sharedAdvertised === undefined ? "" : `,${l.shared}://${sharedAdvertised}`;
    return `${l.internal}://${internalAdvertised},${l.host}://${hostAdvertised}${shared}`;
}

/** The broker's server.properties, as a map; the container gets them as KAFKA_* variables (kafkaEnv). */
export function kafkaServerProperties(o: KafkaListenerLayout): Record<string, string> {
    const l = KAFKA.listeners;
    const shared = o.shared === undefined ? "" : `,${l.shared}://${o.bindHost}:${o.shared.port}`;
    const props: Record<string, string> = {
        "node.id": String(KAFKA.nodeId),
        "process.roles": "broker,controller",
        "controller.quorum.voters": `${KAFKA.nodeId}@127.0.0.1:${o.controllerPort}`,
        "controller.listener.names": l.controller,
        "listeners": `${l.internal}://${o.bindHost}:${o.internalPort},${l.host}://${o.bindHost}:${o.hostPort}${shared},${l.controller}://127.0.0.1:${o.controllerPort}`,
        "listener.security.protocol.map": `${l.internal}:PLAINTEXT,${l.host}:PLAINTEXT,${o.shared === undefined ? "" : `${l.shared}:PLAINTEXT,`}${l.controller}:PLAINTEXT`,
        "inter.broker.listener.name": l.internal,
        "log.dirs": o.logDir,
        // One node: every internal topic with one replica, or it is never created.
        "offsets.topic.replication.factor": "1",
        // Consumer groups of a test stack are few: one partition instead of 50 makes the first group join fast.
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "num.partitions": "1",
        // Debezium writes to <prefix>.<db>.<table> topics it does not create itself.
        "auto.create.topics.enable": "true",
        // Tests start consumers one by one; no 3 s wait for more group members.
        "group.initial.rebalance.delay.ms": "0",
    };
    if (o.hostAdvertised !== undefined) props["advertised.listeners"] = advertisedListeners(o.internalAdvertised, o.hostAdvertised, o.shared?.advertised);
    return props;
}

/**
 * The image's variable for a property: . -> _, _ -> __, - -> ___, upper case, KAFKA_ prefix. The image's
 * start step (kafka.docker.KafkaDockerWrapper, in the broker jar) reverses it; the tests run that step.
 */
export function kafkaEnvName(property: string): string {
    return "KAFKA_" + property.replace(/_/g, "__").replace(/-/g, "___").replace(/\./g, "_").toUpperCase();
}

/** JVM heap for a container memory limit: half of it, the rest for metaspace, threads and page cache. */
export function kafkaHeapOptions(memoryMb: number): string {
    const heap = Math.max(128, Math.floor(memoryMb / 2));
    return `-Xms${heap}m -Xmx${heap}m`;
}

/** The container's environment: every property as a KAFKA_* variable, the cluster id, the heap and the JVM flags. */
export function kafkaEnv(props: Record<string, string>, memoryMb: number): string[] {
    return [
        ...Object.entries(props).map(([name, value]) => `${kafkaEnvName(name)}=${value}`),
        `CLUSTER_ID=${KAFKA.clusterId}`,
        `KAFKA_HEAP_OPTS=${kafkaHeapOptions(memoryMb)}`,
        `KAFKA_JVM_PERFORMANCE_OPTS=${KAFKA_JVM_PERFORMANCE_OPTS}`,
    ];
}

/**
 * Ephemeral stacks: the container's command. It waits for the file holding the host listener's
 * advertised address (the Docker-assigned port exists only once the container does), then runs the
 * image's start script with advertised.listeners complete. `file`/`run` are parameters for the tests.
 */
export function awaitHostListenerCommand(
    internalAdvertised: string,
    o: { sharedAdvertised?: string; file?: string; run?: string } = {},
): string[] {
    const { file = KAFKA.advertisedHostFile, run = KAFKA.runScript } = o;
    if (o.sharedAdvertised !== undefined) requireListenerAddress("shared", o.sharedAdvertised);
    const listeners = advertisedListeners(internalAdvertised, `$(cat ${file})`, o.sharedAdvertised);
    return ["bash", "-c",
        `echo "waiting for ${file} (the host listener's address)"; ` +
        `while [ ! -s ${file} ]; do sleep 0.1; done; ` +
        `export ${kafkaEnvName("advertised.listeners")}="${listeners}"; ` +
        `echo "advertised.listeners=$${kafkaEnvName("advertised.listeners")}"; ` +
        `exec ${run}`];
}

/** A listener's `host:port` as it goes into a shell command: only address characters, so it needs no quoting. */
function requireListenerAddress(listener: string, address: string): void {
    if (!/^[A-Za-z0-9.:\[\]-]+$/.test(address)) throw new Error(`${listener} listener address ${JSON.stringify(address)}: expected host:port`);
}

/** The command (run inside the container) that hands it the host listener's address; atomic, so the wait never reads half of it. */
export function writeHostListenerArgv(hostAdvertised: string, file: string = KAFKA.advertisedHostFile): string[] {
    requireListenerAddress("host", hostAdvertised);
    return ["sh", "-c", `printf '%s' "$1" > ${file}.tmp && mv ${file}.tmp ${file}`, "sh", hostAdvertised];
}

/** Topic the readiness probe creates, writes and reads back (one per stack's broker; kept, it is tiny). */
export const KAFKA_PROBE_TOPIC = "cdc-infra-readiness";

function shellWord(word: string): string {
    return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Ephemeral stacks: the host's shell command that hands the container its host listener's address
 * (`docker exec`, so the docker CLI must be on the PATH of whoever runs `pulumi up`, talking to the
 * same daemon, e.g. through DOCKER_HOST). Port 0 means the container was not running when its ports
 * were read: nothing to hand over, and the gate reports the container's state.
 */
export function handOverShellCommand(container: string, hostAdvertised: string): string {
    if (hostAdvertised.endsWith(":0")) return `echo "kafka: no host port published for ${shellWord(container)}; its readiness gate says why"`;
    return "command -v docker >/dev/null || { echo 'kafka: ephemeral stacks need the docker CLI on the PATH (docker exec hands the broker its published port)' >&2; exit 1; }; " +
        ["docker", "exec", container, ...writeHostListenerArgv(hostAdvertised)].map(shellWord).join(" ");
}
