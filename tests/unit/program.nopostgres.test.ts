// PostgreSQL switched off; and an ephemeral stack with PostgreSQL passwords from secret config.
import { byName, ofType, registered, reveal, runProgram, useMocks, valueOf } from "./harness";

useMocks({ stack: "dev", config: { postgresEnabled: "false" } });
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

test("no PostgreSQL resource at all, no outputs, no env lines", async () => {
    expect(registered.filter((r) => r.name.startsWith("postgres")).map((r) => r.name)).toEqual([]);
    expect(ofType("cdc:infra:PostgresServer")).toEqual([]);
    for (const key of ["postgresHost", "postgresPort", "postgresDatabase", "postgresCdcUser", "postgresCdcPassword", "postgresPublication", "postgresSuperuserPassword"]) {
        expect({ key, value: out[key] }).toEqual({ key, value: undefined });
    }
    const lines = (await valueOf<string>(out.testEnv))!;
    expect(lines).toContain("CDC_MYSQL_HOST=");
    expect(lines).not.toContain("CDC_POSTGRES");
});

test("no PostgreSQL connector, and the Connect worker neither gets its password file nor requires its class", () => {
    expect(registered.map((r) => r.name)).toContain("connect-worker");
    expect(registered.map((r) => r.name)).not.toContain("postgres-connector-register");
    const files = reveal(byName("connect-worker").inputs.uploads).map((u: { file: string }) => u.file);
    expect(files).toEqual(["/run/cdc-secrets/mysql.properties"]);
    expect(byName("connect-ready-probe").inputs.create).not.toContain("postgresql");
});
