// PostgreSQL facts, settings and probe logic on their own (the real server is in tests/integration/postgres.test.ts).
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { logicalDecodingFlags, POSTGRES, postgresDatabaseSql, postgresRolesSql, postgresStartScript, sqlIdentifier, sqlLiteral } from "../../lib/postgres";
import { parseProbeArgv, probeArgv, PROBE_SECRET_ENV, PROBE_SERVICES, ProbeUsageError, type ProbeRequest } from "../../lib/probes";
import { parseSettings, SECRET_KEYS, SETTINGS_SCHEMA, SettingsError } from "../../lib/settings";
import { main } from "../../probe/main";
import { evaluateSettings, probeSlotName } from "../../probe/postgres";

const ROOT = path.resolve(__dirname, "..", "..");

function problemsOf(raw: Record<string, string>): string[] {
    try {
        parseSettings(raw, "cdc-test-infra", "dev");
    } catch (err) {
        expect(err).toBeInstanceOf(SettingsError);
        return (err as SettingsError).problems;
    }
    throw new Error("expected a SettingsError");
}

describe("settings", () => {
    test("defaults: on, postgres:17, port 5432, 512 MiB, cdc_test/cdc, 10 walsenders and slots, connector names", () => {
        expect(parseSettings({}, "cdc-test-infra", "dev").postgres).toEqual({
            enabled: true, image: "postgres:17", port: 5432, memoryMb: 512, database: "cdc_test", cdcUser: "cdc", maxWalSenders: 10, maxReplicationSlots: 10,
            connectorName: "cdc-postgres-source", topicPrefix: "cdc-postgres", slotName: "debezium_cdc",
        });
    });
    test.each([
        ["postgresEnabled", "maybe", "true or false"],
        ["postgresImage", "postgres", "explicit tag or digest"],
        ["postgresImage", "postgres:18", "PostgreSQL 13 to 17"],
        ["postgresImage", "docker.io/library/postgres:12.20", "PostgreSQL 13 to 17"],
        ["postgresPort", "0", "an integer from 1 to 65535"],
        ["postgresMemoryMb", "10", "an integer from 64 to 65536"],
        ["postgresDatabase", "Orders", "lowercase letters, digits and _"],
        ["postgresDatabase", "cdc-test", "lowercase letters, digits and _"],
        ["postgresCdcUser", "cdc\"; DROP", "lowercase letters, digits and _"],
        ["postgresCdcUser", "postgres", "other than postgres"],
        ["postgresCdcUser", "pg_cdc", "not starting with pg_"],
        ["postgresMaxWalSenders", "0", "an integer from 1 to 1000"],
        ["postgresMaxReplicationSlots", "x", "an integer from 1 to 1000"],
    ])("%s = %j is rejected, naming what is allowed", (key, value, allowed) => {
        const problems = problemsOf({ [key]: value });
        expect(problems).toHaveLength(1);
        expect(problems[0]).toContain(key);
        expect(problems[0]).toContain(JSON.stringify(value));
        expect(problems[0]).toContain(allowed);
    });
    test("other images and other postgres majors 13-17 are accepted", () => {
        for (const image of ["postgres:13", "postgres:16.4-bookworm", "registry.example.com/postgres:17.2", "example/pg-with-ext:1.0"]) {
            expect(parseSettings({ postgresImage: image }, "cdc-test-infra", "dev").postgres.image).toBe(image);
        }
    });
    test("both passwords are secret keys: known to the parser, absent from Pulumi.yaml's config block (no default for a secret)", () => {
        expect(SECRET_KEYS).toEqual(expect.arrayContaining(["postgresSuperuserPassword", "postgresCdcPassword"]));
        expect(parseSettings({ postgresSuperuserPassword: "x", postgresCdcPassword: "y" }, "cdc-test-infra", "dev").postgres.enabled).toBe(true);
        const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
        for (const key of ["postgresSuperuserPassword", "postgresCdcPassword"]) {
            expect(Object.keys(project.config)).not.toContain(key);
            expect(Object.keys(SETTINGS_SCHEMA)).not.toContain(key);
        }
        for (const key of Object.keys(SETTINGS_SCHEMA).filter((k) => k.startsWith("postgres"))) expect(Object.keys(project.config)).toContain(key);
    });
});

describe("SQL", () => {
    const account = { database: "cdc_test", user: "cdc", password: "p'w\\d", superuserPassword: "s'u" };
    test("literals double quotes only (standard_conforming_strings); identifiers are quoted", () => {
        expect(sqlLiteral("p'w\\d", "x")).toBe("'p''w\\d'");
        expect(sqlIdentifier('a"b')).toBe('"a""b"');
        expect(() => sqlLiteral("a\nb", "the CDC password")).toThrow(/the CDC password contains a control character/);
    });
    test("roles: errors end the session and are never logged with their statement; both passwords set; LOGIN REPLICATION", () => {
        const sql = postgresRolesSql(account);
        const statements = sql.split(";\n\n").filter((s) => s.trim());
        expect(statements[0]).toBe("SET exit_on_error = on");
        expect(statements[1]).toBe("SET log_min_error_statement = panic");
        expect(sql).toContain(`ALTER ROLE "postgres" WITH PASSWORD 's''u';`);
        expect(sql).toContain(`ALTER ROLE "cdc" WITH LOGIN REPLICATION PASSWORD 'p''w\\d';`);
        expect(sql).toContain("IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cdc') THEN CREATE ROLE \"cdc\";");
        // single-user mode (-j) ends a statement at ";" and a blank line: no statement may contain a blank line.
        for (const s of statements) expect(s).not.toContain("\n\n");
    });
    test("database: Debezium's grants and the publication for all tables, created only if missing; no password", () => {
        const sql = postgresDatabaseSql(account);
        expect(sql).toContain(`GRANT CONNECT, TEMPORARY ON DATABASE "cdc_test" TO "cdc";`);
        expect(sql).toContain(`GRANT USAGE, CREATE ON SCHEMA public TO "cdc";`);
        expect(sql).toContain(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO "cdc";`);
        expect(sql).toContain(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO "cdc";`);
        expect(sql).toContain(`IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'dbz_publication') THEN CREATE PUBLICATION "dbz_publication" FOR ALL TABLES;`);
        expect(sql).not.toContain(account.password);
    });
    test("flags: logical WAL and the configured sender and slot counts, as -c pairs", () => {
        expect(logicalDecodingFlags({ maxWalSenders: 3, maxReplicationSlots: 5 }))
            .toEqual(["-c", "wal_level=logical", "-c", "max_wal_senders=3", "-c", "max_replication_slots=5"]);
    });
});

describe("start script", () => {
    const script = postgresStartScript();
    test("is valid POSIX sh, passes shellcheck where installed, and execs the image's entrypoint with the server flags", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pg-start-")), "start.sh");
        fs.writeFileSync(file, script);
        execFileSync("sh", ["-n", file]);
        const shellcheck = spawnSync("shellcheck", ["-s", "sh", file], { encoding: "utf8" });
        if (shellcheck.error === undefined) expect(shellcheck.stdout + shellcheck.stderr).toBe("");
        expect(script.startsWith("#!/bin/sh\n")).toBe(true);
        expect(script.trimEnd().split("\n").pop()).toBe(`exec ${POSTGRES.imageEntrypoint} postgres "$@"`);
        expect(script).toContain(`[ -s "$PGDATA/PG_VERSION" ]`);
    });
});

describe("probe", () => {
    test("settings: ready only with logical WAL and at least one walsender and slot; anything else is fatal, by name", () => {
        expect(evaluateSettings({ wal_level: "logical", max_wal_senders: "10", max_replication_slots: "10" }))
            .toEqual({ ready: true, observed: "wal_level=logical, max_wal_senders=10, max_replication_slots=10" });
        expect(evaluateSettings({ wal_level: "replica", max_wal_senders: "10", max_replication_slots: "10" }))
            .toEqual({ ready: false, fatal: true, observed: "wal_level is replica, expected logical" });
        expect(evaluateSettings({ wal_level: "logical", max_wal_senders: "0", max_replication_slots: "10" }))
            .toEqual({ ready: false, fatal: true, observed: "max_wal_senders is 0, expected at least 1" });
        expect(evaluateSettings({}).observed).toBe("wal_level is missing, expected logical");
    });
    test("slot names are unique and valid PostgreSQL slot names", () => {
        const a = probeSlotName();
        expect(a).toMatch(/^[a-z0-9_]{1,63}$/);
        expect(probeSlotName()).not.toBe(a);
    });
    test("the command line round-trips; every option is required", () => {
        const request: ProbeRequest = { service: "postgres", host: "127.0.0.1", port: 5432, database: "cdc_test", cdcUser: "cdc", publication: "dbz_publication" };
        const timing = { timeoutSeconds: 30, intervalMs: 200, containers: ["c"] };
        expect(PROBE_SERVICES).toContain("postgres");
        expect(parseProbeArgv(probeArgv(request, timing))).toEqual({ request, timing });
        const argv = probeArgv(request, timing);
        const without = argv.filter((_, i) => argv[i] !== "--publication" && argv[i - 1] !== "--publication");
        expect(() => parseProbeArgv(without)).toThrow(ProbeUsageError);
        expect(() => parseProbeArgv(without)).toThrow("--publication is missing");
    });
    test("without its password variable the probe exits 2 naming it (the mysql variables are not required)", async () => {
        const spy = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
        try {
            const argv = probeArgv({ service: "postgres", host: "127.0.0.1", port: 1, database: "d", cdcUser: "c", publication: "p" }, { timeoutSeconds: 1, intervalMs: 10, containers: [] });
            expect(await main(argv, { [PROBE_SECRET_ENV.mysqlRootPassword]: "x", [PROBE_SECRET_ENV.mysqlCdcPassword]: "y" })).toBe(2);
            expect(spy.mock.calls.map((c) => String(c[0])).join("")).toContain(`${PROBE_SECRET_ENV.postgresCdcPassword} not set`);
        } finally {
            spy.mockRestore();
        }
    });
});
