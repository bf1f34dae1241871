// The change-data-capture path switched off: no Kafka resources, outputs or env lines.
import { runProgram, useMocks, valueOf, registered } from "./harness";

useMocks({ stack: "dev", config: { cdcEnabled: "false" } });
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

test("no Kafka resource of any kind", () => {
    expect(registered.filter((r) => /kafka/i.test(r.name) || /kafka/i.test(JSON.stringify(r.inputs.name ?? "")))).toEqual([]);
    expect(registered.length).toBeGreaterThan(10);
});

test("no Kafka outputs and no Kafka env lines; the rest of the stack is there", async () => {
    expect(out.kafkaBootstrapServers).toBeUndefined();
    expect(out.kafkaInternalBootstrapServers).toBeUndefined();
    const lines = (await valueOf<string>(out.testEnv))!;
    expect(lines).not.toContain("CDC_KAFKA");
    expect(lines).toContain("CDC_MYSQL_HOST=127.0.0.1");
});

test("no Kafka Connect, no connector, no Connect or connector outputs or env lines", async () => {
    expect(registered.filter((r) => /connect/i.test(r.name) || /cdc:infra:(KafkaConnect|DebeziumConnector)/.test(r.type))).toEqual([]);
    expect([out.connectUrl, out.cdcConnectorName, out.cdcTopicPrefix]).toEqual([undefined, undefined, undefined]);
    const lines = (await valueOf<string>(out.testEnv))!;
    for (const key of ["CDC_CONNECT_URL", "CDC_CONNECTOR_NAME", "CDC_TOPIC_PREFIX"]) expect(lines).not.toContain(key);
});
