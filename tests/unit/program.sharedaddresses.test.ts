// Host drivers on a local daemon (the default): Kafka, MySQL and PostgreSQL are also published on the
// stack network's gateway, the one address a driver on the Docker host and the executors in the Spark
// containers both reach; Kafka's SHARED listener advertises exactly it. Persistent stack here; the
// ephemeral one is checked in program.ephemeral / program.kafka.ephemeral.
import { KAFKA } from "../../lib/kafka";
import { SPARK_KAFKA_PACKAGE } from "../../lib/spark";
import { TEST_ENV_KEYS } from "../../lib/testEnv";
import { byName, CONTAINER, dependenciesOf, MOCK_GATEWAY, ofType, runProgram, useMocks, valueOf } from "./harness";

useMocks({ stack: "dev", config: { mysqlPort: "13306", postgresPort: "15432", kafkaPort: "19092" } });
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

const nameOf = (r: any) => (r as any).__name as string;

test("every published port is on loopback or this stack's gateway, never on every interface", () => {
    const seen = new Set<string>();
    for (const c of ofType(CONTAINER)) {
        for (const p of c.inputs.ports ?? []) {
            expect(["127.0.0.1", MOCK_GATEWAY]).toContain(p.ip);
            if (p.ip === MOCK_GATEWAY) seen.add(`${c.name}:${p.internal}->${p.external}`);
        }
    }
    // Exactly the three services executors read from; the UI, AlertManager, Prometheus and Connect stay on loopback.
    expect([...seen].sort()).toEqual([`kafka-server:${KAFKA.ports.shared}->19092`, "mysql-server:3306->13306", "postgres-server:5432->15432"]);
});

test("outputs: the gateway and the configured ports; Kafka's shared bootstrap is what its SHARED listener advertises", async () => {
    expect(await valueOf(out.kafkaSharedBootstrapServers)).toBe(`${MOCK_GATEWAY}:19092`);
    expect(await valueOf(out.mysqlSharedHost)).toBe(MOCK_GATEWAY);
    expect(await valueOf(out.mysqlSharedPort)).toBe(13306);
    expect(await valueOf(out.postgresSharedHost)).toBe(MOCK_GATEWAY);
    expect(await valueOf(out.postgresSharedPort)).toBe(15432);
    const advertised = (byName("kafka-server").inputs.envs as string[]).find((e) => e.startsWith("KAFKA_ADVERTISED_LISTENERS="));
    expect(advertised).toBe(`KAFKA_ADVERTISED_LISTENERS=INTERNAL://kafka:9092,HOST://127.0.0.1:19092,SHARED://${MOCK_GATEWAY}:19092`);
});

test("each shared output is released by its service's gate", async () => {
    const gated = async (output: any, gate: string) => expect((await dependenciesOf(output)).map(nameOf)).toContain(gate);
    await gated(out.kafkaSharedBootstrapServers, "kafka-ready-probe");
    await gated(out.mysqlSharedHost, "mysql-ready-probe");
    await gated(out.mysqlSharedPort, "mysql-ready-probe");
    await gated(out.postgresSharedHost, "postgres-ready-probe");
    await gated(out.postgresSharedPort, "postgres-ready-probe");
});

test("env lines carry the shared addresses next to the host ones, and the spark-sql-kafka coordinates", async () => {
    const env = (await valueOf<string>(out.testEnv))!;
    expect(env).toContain(`${TEST_ENV_KEYS.kafkaBootstrapServers}=127.0.0.1:19092\n`);
    expect(env).toContain(`${TEST_ENV_KEYS.kafkaSharedBootstrapServers}=${MOCK_GATEWAY}:19092\n`);
    expect(env).toContain(`${TEST_ENV_KEYS.mysqlSharedHost}=${MOCK_GATEWAY}\n`);
    expect(env).toContain(`${TEST_ENV_KEYS.mysqlSharedPort}=13306\n`);
    expect(env).toContain(`${TEST_ENV_KEYS.postgresSharedHost}=${MOCK_GATEWAY}\n`);
    expect(env).toContain(`${TEST_ENV_KEYS.postgresSharedPort}=15432\n`);
    expect(env).toContain(`${TEST_ENV_KEYS.sparkKafkaPackage}=${SPARK_KAFKA_PACKAGE}\n`);
});
