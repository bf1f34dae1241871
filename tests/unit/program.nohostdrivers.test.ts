// A local daemon with host drivers switched off (sparkSharedDir ""): drivers run inside the network, so
// nothing is published on the gateway and no shared address is handed out.
import { TEST_ENV_KEYS } from "../../lib/testEnv";
import { CONTAINER, ofType, runProgram, useMocks, valueOf } from "./harness";

useMocks({ stack: "dev", config: { sparkSharedDir: "" } });
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

test("every port on loopback only; Kafka keeps its two listeners", () => {
    for (const c of ofType(CONTAINER)) {
        for (const p of c.inputs.ports ?? []) expect({ container: c.name, ip: p.ip }).toEqual({ container: c.name, ip: "127.0.0.1" });
    }
    const advertised = (ofType(CONTAINER).find((c) => c.name === "kafka-server")!.inputs.envs as string[]).find((e) => e.startsWith("KAFKA_ADVERTISED_LISTENERS="));
    expect(advertised).toBe("KAFKA_ADVERTISED_LISTENERS=INTERNAL://kafka:9092,HOST://127.0.0.1:9092");
});

test("no shared outputs or env lines", async () => {
    expect([out.kafkaSharedBootstrapServers, out.mysqlSharedHost, out.postgresSharedPort]).toEqual([undefined, undefined, undefined]);
    const env = (await valueOf<string>(out.testEnv))!;
    expect(env).not.toMatch(new RegExp(`${TEST_ENV_KEYS.kafkaSharedBootstrapServers}|${TEST_ENV_KEYS.mysqlSharedHost}|${TEST_ENV_KEYS.postgresSharedHost}`));
});
