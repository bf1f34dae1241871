// A remote Docker daemon (DOCKER_HOST names another machine) with the defaults: no host directory can be
// shared, so host drivers are off: no bind mount, no user change, no shared-dir command, no env lines for them.
import { TEST_ENV_KEYS } from "../../lib/testEnv";
import { CONTAINER, ofType, registered, runProgram, useMocks, valueOf } from "./harness";

useMocks({ stack: "ci", dockerHost: "tcp://10.20.30.40:2376" });
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

test("Spark containers get no bind mount, no user, no host alias; nothing makes a directory here", () => {
    const spark = ofType(CONTAINER).filter((c) => c.name.startsWith("spark-"));
    expect(spark).toHaveLength(2);
    for (const c of spark) {
        expect({ mounts: c.inputs.mounts, user: c.inputs.user, hosts: c.inputs.hosts }).toEqual({ mounts: undefined, user: undefined, hosts: undefined });
    }
    expect(registered.find((r) => r.name === "spark-shared-dir")).toBeUndefined();
});

test("no shared-dir or driver-host output or env line; the cluster's packages still", async () => {
    expect(out.sparkSharedDir).toBeUndefined();
    expect(out.sparkDriverHost).toBeUndefined();
    const env = (await valueOf<string>(out.testEnv))!;
    expect(env).not.toContain(TEST_ENV_KEYS.sparkSharedDir);
    expect(env).not.toContain(TEST_ENV_KEYS.sparkDriverHost);
    expect(env).toContain(`${TEST_ENV_KEYS.sparkJarsPackages}=io.delta:`);
});

test("no shared addresses: nothing is published beyond loopback, no shared env line (drivers run inside the network there)", async () => {
    for (const c of ofType(CONTAINER)) {
        for (const p of c.inputs.ports ?? []) expect({ container: c.name, ip: p.ip }).toEqual({ container: c.name, ip: "127.0.0.1" });
    }
    expect([out.kafkaSharedBootstrapServers, out.mysqlSharedHost, out.mysqlSharedPort, out.postgresSharedHost, out.postgresSharedPort]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    const env = (await valueOf<string>(out.testEnv))!;
    for (const key of ["kafkaSharedBootstrapServers", "mysqlSharedHost", "mysqlSharedPort", "postgresSharedHost", "postgresSharedPort"] as const) {
        expect(env).not.toContain(`${TEST_ENV_KEYS[key]}=`);
    }
    expect(env).toContain(`${TEST_ENV_KEYS.kafkaInternalBootstrapServers}=kafka:9092`);
});
