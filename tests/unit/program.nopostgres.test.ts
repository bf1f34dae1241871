// PostgreSQL switched off; and an ephemeral stack with PostgreSQL passwords from secret config.
import { ofType, registered, runProgram, useMocks, valueOf } from "./harness";

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
