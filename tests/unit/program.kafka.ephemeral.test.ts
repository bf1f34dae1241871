// Kafka in an ephemeral stack: Docker assigns the host port, known only once the container exists.
// The container waits for its host listener's address; a command hands it over; then the gate probes.
import { awaitHostListenerCommand, KAFKA } from "../../lib/kafka";
import { byName, dependenciesOf, MOCK_GATEWAY, options, registered, runProgram, useMocks, valueOf } from "./harness";

useMocks({ stack: "pr-7" });
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

const kafka = () => byName("kafka-server");
const publishedPort = () => kafka().state.ports.find((p: any) => p.internal === KAFKA.ports.host).external as number;

test("the host listener's port is left to Docker, on loopback; the shared one is the configured port on the stack's own gateway", () => {
    expect(kafka().inputs.ports).toEqual([{ internal: 29092, ip: "127.0.0.1" }, { internal: 29094, external: 9092, ip: MOCK_GATEWAY }]);
    expect(publishedPort()).toBeGreaterThanOrEqual(32768);
});

test("the container starts without advertised listeners and waits for the host listener's address before running the image's script", () => {
    expect((kafka().inputs.envs as string[]).filter((e) => e.startsWith("KAFKA_ADVERTISED_LISTENERS="))).toEqual([]);
    const command: string[] = kafka().inputs.command;
    expect(command).toEqual(awaitHostListenerCommand("kafka:9092", { sharedAdvertised: `${MOCK_GATEWAY}:9092` }));
    expect(command.slice(0, 2)).toEqual(["bash", "-c"]);
    expect(command[2]).toContain("while [ ! -s /tmp/cdc-host-listener ]; do sleep 0.1; done;");
    expect(command[2]).toContain(`export KAFKA_ADVERTISED_LISTENERS="INTERNAL://kafka:9092,HOST://$(cat /tmp/cdc-host-listener),SHARED://${MOCK_GATEWAY}:9092";`);
    expect(command[2]).toMatch(/exec \/etc\/kafka\/docker\/run$/);
});

test("a command hands the published address to the container (docker exec), again whenever the container is replaced", () => {
    const handOver = byName("kafka-host-listener").inputs;
    expect(handOver.create).toContain("command -v docker >/dev/null || {");
    expect(handOver.create).toContain(
        `docker exec cdc-test-infra-pr-7-kafka sh -c 'printf '\\''%s'\\'' "$1" > /tmp/cdc-host-listener.tmp && mv /tmp/cdc-host-listener.tmp /tmp/cdc-host-listener' sh 127.0.0.1:${publishedPort()}`);
    expect(handOver.triggers).toEqual(["kafka-server-id"]);
    expect(options.get("kafka-host-listener")?.dependsOn).toEqual(["kafka-server"]);
    expect(options.get("kafka-host-listener")?.parent).toBe("kafka");
});

test("the gate probes the Docker-assigned address only after the hand-over", async () => {
    const probe = byName("kafka-ready-probe").inputs;
    expect(probe.create).toContain(`kafka --bootstrap 127.0.0.1:${publishedPort()} --topic cdc-infra-readiness`);
    const order = (name: string) => registered.findIndex((r) => r.name === name);
    expect(order("kafka-host-listener")).toBeGreaterThan(order("kafka-server"));
    expect(order("kafka-ready-probe")).toBeGreaterThan(order("kafka-host-listener"));
    const deps = (await dependenciesOf(out.kafkaBootstrapServers)).map((r: any) => r.__name);
    expect(deps).toEqual(expect.arrayContaining(["kafka-host-listener", "kafka-ready-probe"]));
    expect(await valueOf(out.kafkaBootstrapServers)).toBe(`127.0.0.1:${publishedPort()}`);
});

test("the data volume goes with the stack", () => {
    expect(options.get("kafka-data")?.retainOnDelete).toBe(false);
});
