// PostgreSQL on an ephemeral stack with its passwords from secret config and non-default settings.
import { byName, options, reveal, runProgram, useMocks, valueOf } from "./harness";

useMocks({
    stack: "pr-7",
    config: {
        postgresSuperuserPassword: "super-from-config", postgresCdcPassword: "cdc-from-config",
        postgresImage: "postgres:16.4", postgresDatabase: "orders", postgresCdcUser: "debezium", postgresMemoryMb: "768",
        postgresMaxWalSenders: "4", postgresMaxReplicationSlots: "6",
    },
    secretKeys: ["postgresSuperuserPassword", "postgresCdcPassword"],
});
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

test("passwords from secret config are used as given; none generated for PostgreSQL", async () => {
    expect(await valueOf(out.postgresSuperuserPassword)).toBe("super-from-config");
    expect(await valueOf(out.postgresCdcPassword)).toBe("cdc-from-config");
    expect(() => byName("postgres-cdc-password")).toThrow(/no resource named/);
    const files = Object.fromEntries(reveal(byName("postgres-server").inputs.uploads).map((u: any) => [u.file, u.content]));
    expect(files["/run/cdc-secrets/postgres-superuser-password"]).toBe("super-from-config");
    expect(files["/docker-entrypoint-initdb.d/10-cdc-roles.sql"]).toContain(`ALTER ROLE "debezium" WITH LOGIN REPLICATION PASSWORD 'cdc-from-config';`);
    expect(reveal(byName("postgres-ready-probe").inputs.environment)).toEqual({ PROBE_POSTGRES_CDC_PASSWORD: "cdc-from-config" });
});

test("settings reach the container: image, memory, flags, database; Docker assigns the host port; volume removed on destroy", async () => {
    const c = byName("postgres-server");
    expect(byName("postgres-image").inputs.name).toBe("postgres:16.4");
    expect(c.inputs.memory).toBe(768);
    expect(c.inputs.command).toEqual(["-c", "wal_level=logical", "-c", "max_wal_senders=4", "-c", "max_replication_slots=6"]);
    expect(c.inputs.envs).toContain("POSTGRES_DB=orders");
    expect(c.inputs.ports[0]).toEqual({ internal: 5432, ip: "127.0.0.1" });
    const assigned = c.state.ports.find((p: any) => p.ip === "127.0.0.1").external;
    expect(assigned).toBeGreaterThanOrEqual(32768);
    expect(await valueOf(out.postgresPort)).toBe(assigned);
    expect(byName("postgres-ready-probe").inputs.create).toContain(`--port ${assigned} --database orders --cdc-user debezium`);
    expect(options.get("postgres-data")?.retainOnDelete).toBe(false);
    expect(await valueOf<string>(out.testEnv)).toContain("CDC_POSTGRES_USER=debezium\n");
});
