// Kafka in a persistent stack (the default cdcEnabled), with its port and memory configured.
import { KAFKA, KAFKA_DEFAULT_IMAGE, kafkaEnv, kafkaServerProperties } from "../../lib/kafka";
import { byName, COMMAND, CONTAINER, dependenciesOf, MOCK_GATEWAY, IMAGE, isSecret, ofType, options, runProgram, useMocks, valueOf, VOLUME } from "./harness";

useMocks({ stack: "dev", config: { kafkaPort: "19092", kafkaMemoryMb: "768" } });
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

const kafka = () => byName("kafka-server").inputs;
const env = () => Object.fromEntries((kafka().envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

test("the pinned apache/kafka image, pulled once, kept, referenced by id", () => {
    expect(KAFKA_DEFAULT_IMAGE).toBe("apache/kafka:4.1.1");
    expect(ofType(IMAGE).filter((i) => i.name === "kafka-image").map((i) => i.inputs)).toEqual([{ name: KAFKA_DEFAULT_IMAGE, keepLocally: true }]);
    expect(kafka().image).toBe("sha256:kafka-image");
});

test("one KRaft node, broker and controller, with every internal topic at one replica", () => {
    expect(env()).toMatchObject({
        KAFKA_NODE_ID: "1",
        KAFKA_PROCESS_ROLES: "broker,controller",
        KAFKA_CONTROLLER_QUORUM_VOTERS: "1@127.0.0.1:9093",
        KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1",
        KAFKA_LOG_DIRS: "/var/lib/kafka/data",
        CLUSTER_ID: KAFKA.clusterId,
    });
    expect(KAFKA.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(KAFKA.clusterId, "base64url")).toHaveLength(16);
});

test("three listeners: INTERNAL advertised by alias to containers, HOST as the fixed published address, SHARED on the network's gateway", () => {
    expect(env()).toMatchObject({
        KAFKA_LISTENERS: "INTERNAL://0.0.0.0:9092,HOST://0.0.0.0:29092,SHARED://0.0.0.0:29094,CONTROLLER://127.0.0.1:9093",
        KAFKA_ADVERTISED_LISTENERS: `INTERNAL://kafka:9092,HOST://127.0.0.1:19092,SHARED://${MOCK_GATEWAY}:19092`,
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "INTERNAL:PLAINTEXT,HOST:PLAINTEXT,SHARED:PLAINTEXT,CONTROLLER:PLAINTEXT",
        KAFKA_INTER_BROKER_LISTENER_NAME: "INTERNAL",
    });
    // Exactly the properties the integration tests run the real broker with.
    expect(kafka().envs).toEqual(kafkaEnv(kafkaServerProperties({
        bindHost: "0.0.0.0", internalPort: 9092, hostPort: 29092, controllerPort: 9093,
        internalAdvertised: "kafka:9092", hostAdvertised: "127.0.0.1:19092",
        shared: { port: KAFKA.ports.shared, advertised: `${MOCK_GATEWAY}:19092` }, logDir: KAFKA.dataDir,
    }), 768));
    // The port is known at program time: the image's own command, nothing handed over later.
    expect(kafka().command).toBeUndefined();
    expect(ofType(COMMAND).map((c) => c.name)).not.toContain("kafka-host-listener");
});

test("the host listener is published on loopback and the shared one on the gateway, both at the configured port; the container joins the network as `kafka`", () => {
    expect(kafka().ports).toEqual([{ internal: 29092, external: 19092, ip: "127.0.0.1" }, { internal: 29094, external: 19092, ip: MOCK_GATEWAY }]);
    expect(kafka().networksAdvanced).toEqual([{ name: "cdc-test-infra-dev-net", aliases: ["kafka"] }]);
});

test("memory limit as configured, no swap, the JVM heap at half of it", () => {
    expect(kafka().memory).toBe(768);
    expect(kafka().memorySwap).toBe(768);
    expect(env().KAFKA_HEAP_OPTS).toBe("-Xms384m -Xmx384m");
});

test("a named data volume at the image's data path, kept on destroy in a persistent stack", () => {
    expect(kafka().volumes).toEqual([{ volumeName: "cdc-test-infra-dev-kafka-data", containerPath: "/var/lib/kafka/data" }]);
    expect(ofType(VOLUME).find((v) => v.name === "kafka-data")?.inputs.name).toBe("cdc-test-infra-dev-kafka-data");
    expect(options.get("kafka-data")?.retainOnDelete).toBe(true);
});

test("a component of its own: children, fixed-name replace handling, waiting on nothing else", () => {
    for (const name of ["kafka-server", "kafka-image", "kafka-data", "kafka-ready"]) expect({ name, parent: options.get(name)?.parent }).toEqual({ name, parent: "kafka" });
    expect(options.get("kafka")?.type).toBe("cdc:infra:KafkaBroker");
    expect(options.get("kafka-server")?.dependsOn).toEqual([]);
    expect(options.get("kafka-server")?.deleteBeforeReplace).toBe(true);
    expect(byName("kafka-server").inputs.name).toBe("cdc-test-infra-dev-kafka");
    expect(ofType(CONTAINER).filter((c) => c.name.startsWith("kafka"))).toHaveLength(1);
});

test("its gate probes the host listener with the kafka probe and re-runs when the container is replaced", () => {
    const probe = byName("kafka-ready-probe").inputs;
    expect(probe.create).toBe(`node dist/probe/cli.js kafka --bootstrap 127.0.0.1:19092 --topic cdc-infra-readiness --shared-bootstrap ${MOCK_GATEWAY}:19092 --timeout 300 --interval 100` +
        " --container cdc-test-infra-dev-kafka");
    expect(options.get("kafka-ready-probe")?.dependsOn).toEqual(["kafka-server"]);
    expect(probe.triggers).toEqual(["kafka-server-id"]);
});

test("outputs and env lines: host and internal bootstrap servers, released by Kafka's gate only", async () => {
    expect(await valueOf(out.kafkaBootstrapServers)).toBe("127.0.0.1:19092");
    expect(await valueOf(out.kafkaInternalBootstrapServers)).toBe("kafka:9092");
    for (const output of ["kafkaBootstrapServers", "kafkaInternalBootstrapServers"]) {
        const gates = (await dependenciesOf(out[output])).map((r: any) => r.__name).filter((n: string) => n.endsWith("-ready-probe"));
        expect({ output, gates }).toEqual({ output, gates: ["kafka-ready-probe"] });
        expect(await isSecret(out[output])).toBe(false);
    }
    const lines = (await valueOf<string>(out.testEnv))!.split("\n");
    expect(lines).toEqual(expect.arrayContaining(["CDC_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092", "CDC_KAFKA_INTERNAL_BOOTSTRAP_SERVERS=kafka:9092"]));
});
