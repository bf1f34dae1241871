// PostgreSQL against a real server (Debian's, 15 here) started through the component's own entrypoint
// wrapper with its flags and SQL files (see support/postgres.ts for the two image stand-ins): the first
// boot, the readiness probe run as the gate runs it, the password re-apply on a kept data directory, and
// the pytest plugin's postgres_connection fixture.
import { randomBytes } from "crypto";
import { execFileSync } from "child_process";
import * as path from "path";
import { logicalDecodingFlags, POSTGRES } from "../../lib/postgres";
import { PROBE_SECRET_ENV, probeBuildProblem, type ProbeRequest } from "../../lib/probes";
import { freePort, LOOPBACK, stopAll } from "./support/processes";
import { newCluster, PG_BIN, serverUser, postgresMissing, sql, startAndWait, startContainer, stopContainer, writeUploads, type Passwords, type PgCluster } from "./support/postgres";
import { checkPostgres } from "../e2e/consumerChecks";
import { runPytest } from "./support/pytest";
import { runProbe, type ProbeRun } from "./support/servers";
import { describeIfAvailable, venvPython } from "./support/tools";

const PYTHON = venvPython();
const ACCOUNT = { database: "cdc_test", user: "cdc" };
const FLAGS = logicalDecodingFlags({ maxWalSenders: 4, maxReplicationSlots: 4 });
const secret = (label: string) => `${label}-${randomBytes(9).toString("hex")}`;
// Quote and backslash in the first CDC password: the SQL must escape it and every client pass it through.
const FIRST: Passwords = { superuser: secret("super1"), cdc: `cdc'\\pw-${randomBytes(6).toString("hex")}` };
const SECOND: Passwords = { superuser: secret("super2"), cdc: secret("cdc2") };
const WRONG = secret("wrong");
const SECRETS = [FIRST.superuser, FIRST.cdc, SECOND.superuser, SECOND.cdc, WRONG];

function probeRequest(c: PgCluster, port = c.port): ProbeRequest {
    return { service: "postgres", host: LOOPBACK, port, database: c.account.database, cdcUser: c.account.user, publication: POSTGRES.publication };
}
function probe(c: PgCluster, password: string, timing: { timeoutSeconds: number; intervalMs: number; containers?: string[] }, port?: number): Promise<ProbeRun> {
    return runProbe(probeRequest(c, port), { containers: [], ...timing }, { [PROBE_SECRET_ENV.postgresCdcPassword]: password });
}
function expectNoSecrets(r: ProbeRun): void {
    for (const s of SECRETS) {
        expect(r.stdout).not.toContain(s);
        expect(r.stderr).not.toContain(s);
    }
}
const slotsOf = (c: PgCluster, password: string) =>
    sql<{ slot_name: string }>(c, POSTGRES.superuser, password, "SELECT slot_name FROM pg_replication_slots ORDER BY slot_name").then((rows) => rows.map((r) => r.slot_name));

const describePostgres = describeIfAvailable("postgres", [
    ...postgresMissing(),
    !PYTHON && "no Python venv (bash scripts/bootstrap.sh)",
]);

describePostgres("PostgreSQL through the component's entrypoint wrapper (real server)", () => {
    let main: PgCluster;

    beforeAll(async () => {
        const stale = probeBuildProblem();
        if (stale) throw new Error(`the probe under test is not built from the current sources (${stale}): run npm run build`);
        main = await newCluster("main", ACCOUNT);
        writeUploads(main, FIRST);
        await startAndWait(main, FLAGS, FIRST.superuser);
    }, 120_000);

    afterAll(async () => {
        if (main) await stopContainer(main).catch(() => undefined);
        await stopAll();
    }, 120_000);

    test("first boot (image init with the component's SQL files): logical WAL, the CDC role, grants, and the publication", async () => {
        expect(main.proc!.output()).toContain("stand-in: init process complete");
        // The wrapper left the first boot to the image and handed the roles file to the server's user.
        expect(main.proc!.output()).not.toContain("cdc-postgres-start: PGDATA holds a cluster");
        const settings = await sql<{ name: string; setting: string }>(main, POSTGRES.superuser, FIRST.superuser,
            "SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'max_wal_senders', 'max_replication_slots') ORDER BY name");
        expect(settings).toEqual([
            { name: "max_replication_slots", setting: "4" }, { name: "max_wal_senders", setting: "4" }, { name: "wal_level", setting: "logical" }]);
        const [role] = await sql(main, POSTGRES.superuser, FIRST.superuser, "SELECT rolcanlogin, rolreplication, rolsuper, rolcreatedb FROM pg_roles WHERE rolname = $1", [ACCOUNT.user]);
        expect(role).toEqual({ rolcanlogin: true, rolreplication: true, rolsuper: false, rolcreatedb: false });
        const [publication] = await sql(main, POSTGRES.superuser, FIRST.superuser,
            "SELECT p.puballtables, r.rolname AS owner FROM pg_publication p JOIN pg_roles r ON r.oid = p.pubowner WHERE p.pubname = $1", [POSTGRES.publication]);
        expect(publication).toEqual({ puballtables: true, owner: POSTGRES.superuser });

        // The CDC user creates and writes its own tables, and reads tables the superuser creates later (default privileges).
        await sql(main, ACCOUNT.user, FIRST.cdc, "CREATE TABLE orders (id int PRIMARY KEY, note text)");
        await sql(main, ACCOUNT.user, FIRST.cdc, "INSERT INTO orders VALUES (1, 'kept across restarts')");
        await sql(main, POSTGRES.superuser, FIRST.superuser, "CREATE TABLE admin_made (id int PRIMARY KEY)");
        await sql(main, POSTGRES.superuser, FIRST.superuser, "INSERT INTO admin_made VALUES (7)");
        expect(await sql(main, ACCOUNT.user, FIRST.cdc, "SELECT id FROM admin_made")).toEqual([{ id: 7 }]);
        // FOR ALL TABLES: both new tables are published without anyone touching the publication.
        const published = await sql<{ tablename: string }>(main, ACCOUNT.user, FIRST.cdc, "SELECT tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY tablename", [POSTGRES.publication]);
        expect(published.map((r) => r.tablename)).toEqual(["admin_made", "orders"]);
        // The CDC user is no superuser: it cannot read what it was not granted.
        await expect(sql(main, ACCOUNT.user, FIRST.cdc, "SELECT * FROM pg_authid")).rejects.toMatchObject({ code: "42501" });
    }, 30_000);

    test("probe: passes at once, names what it checked, leaves no slot behind, prints no password", async () => {
        const r = await probe(main, FIRST.cdc, { timeoutSeconds: 30, intervalMs: 250 });
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringContaining("ready after 1 attempt ") });
        expect(r.stdout).toBe(`postgres ready at ${LOOPBACK}:${main.port}/${ACCOUNT.database}: wal_level=logical, max_wal_senders=4, max_replication_slots=4,` +
            ` publication ${POSTGRES.publication}, ${ACCOUNT.user} created and dropped a pgoutput slot\n`);
        expect(r.elapsedMs).toBeLessThan(10_000);
        expect(await slotsOf(main, FIRST.superuser)).toEqual([]);
        expectNoSecrets(r);
    }, 30_000);

    test("probe: a wrong password fails at once by name (28P01), without printing a password", async () => {
        const r = await probe(main, WRONG, { timeoutSeconds: 60, intervalMs: 250 });
        expect(r.code).toBe(1);
        expect(r.elapsedMs).toBeLessThan(10_000);
        expect(r.stdout).toBe("");
        expect(r.stderr).toContain(`postgres is not ready at ${LOOPBACK}:${main.port}/${ACCOUNT.database}: gave up, waiting cannot help (1 attempt)`);
        expect(r.stderr).toContain(`last observed: ${ACCOUNT.user} login: 28P01: password authentication failed for user "${ACCOUNT.user}" (wrong password; `);
        expectNoSecrets(r);
    }, 30_000);

    test("probe: a dead port fails within its timeout, naming service, endpoint, expectation, ECONNREFUSED and the container", async () => {
        const port = await freePort();
        const r = await probe(main, FIRST.cdc, { timeoutSeconds: 3, intervalMs: 250, containers: ["cdc-test-postgres"] }, port);
        expect(r.code).toBe(1);
        expect(r.elapsedMs).toBeGreaterThanOrEqual(2_750);
        expect(r.elapsedMs).toBeLessThan(8_000);
        expect(r.stderr).toMatch(new RegExp(`postgres is not ready at ${LOOPBACK}:${port}/${ACCOUNT.database}: timed out after [\\d.]+s \\((\\d{2,}|[2-9]) attempts\\)`));
        expect(r.stderr).toContain(`expected: TCP login as ${ACCOUNT.user}, wal_level=logical, publication ${POSTGRES.publication}, and a pgoutput logical replication slot`);
        expect(r.stderr).toContain(`ECONNREFUSED ${LOOPBACK}:${port}`);
        expect(r.stderr).toContain("container cdc-test-postgres");
        expectNoSecrets(r);
    }, 30_000);

    test("the e2e consumer check (tests/e2e/consumerChecks.ts) passes against the server, and fails on a server without the publication", async () => {
        const endpoint = { host: LOOPBACK, port: main.port, user: ACCOUNT.user, password: FIRST.cdc, database: ACCOUNT.database, publication: POSTGRES.publication };
        await checkPostgres(endpoint);
        await expect(checkPostgres({ ...endpoint, publication: "no_such_publication" })).rejects.toThrow(/publication/);
    });

    test("the pytest plugin's postgres_connection fixture logs in as the CDC user through the env lines", async () => {
        const run = await runPytest(["test_postgres.py"], {
            postgresHost: LOOPBACK, postgresPort: main.port, postgresDatabase: ACCOUNT.database, postgresCdcUser: ACCOUNT.user,
            postgresCdcPassword: FIRST.cdc, postgresPublication: POSTGRES.publication,
        });
        expect({ code: run.code, summary: run.summary }).toEqual({ code: 0, summary: expect.stringMatching(/^=* ?\d+ passed in [\d.]+s ?=*$/) });
        expect(run.output).not.toMatch(/skipped|SKIPPED/);
    }, 60_000);

    test("probe: a server without wal_level=logical fails at once, naming wal_level", async () => {
        await stopContainer(main);
        const replicaFlags = FLAGS.map((f) => (f === "wal_level=logical" ? "wal_level=replica" : f));
        expect(replicaFlags).not.toEqual(FLAGS);
        try {
            await startAndWait(main, replicaFlags, FIRST.superuser);
            const r = await probe(main, FIRST.cdc, { timeoutSeconds: 60, intervalMs: 250 });
            expect(r.code).toBe(1);
            expect(r.elapsedMs).toBeLessThan(10_000);
            expect(r.stderr).toContain(`postgres is not ready at ${LOOPBACK}:${main.port}/${ACCOUNT.database}: gave up, waiting cannot help (1 attempt)`);
            expect(r.stderr).toContain("last observed: wal_level is replica, expected logical");
            expectNoSecrets(r);
        } finally {
            await stopContainer(main);
        }
    }, 90_000);

    test("probe: started before the server, it keeps waiting and passes once the container is up (re-apply path)", async () => {
        expect(main.proc).toBeUndefined();
        const delayMs = 2_000;
        const probing = probe(main, FIRST.cdc, { timeoutSeconds: 45, intervalMs: 250 });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        startContainer(main, FLAGS);
        const r = await probing;
        expect(r.code).toBe(0);
        expect(r.elapsedMs).toBeGreaterThanOrEqual(delayMs);
        expect(r.stderr).toMatch(/attempt 1 \([\d.]+s\): cdc login: .*ECONNREFUSED/);
        expect(r.stderr).toMatch(/ready after (\d{2,}|[2-9]) attempts/);
        expect(main.proc!.output()).toContain("cdc-postgres-start: applied");
        expectNoSecrets(r);
    }, 90_000);

    test("kept data dir, new passwords (destroy/up or rotation): the wrapper applies them before the server starts; data and slots survive", async () => {
        // A connector's slot outlives restarts; single-user mode refuses to start with it unless it gets wal_level=logical too.
        await sql(main, ACCOUNT.user, FIRST.cdc, "SELECT pg_create_logical_replication_slot('connector_slot', 'pgoutput')");
        await stopContainer(main);
        const withoutFlags = (() => {
            try {
                execFileSync(path.join(PG_BIN!, "postgres"), ["--single", "-D", main.dataDir, "postgres"],
                    { input: "", stdio: ["pipe", "pipe", "pipe"], encoding: "utf8", ...serverUser() });
                return "started";
            } catch (err) {
                return String((err as { stderr?: string }).stderr);
            }
        })();
        expect(withoutFlags).toContain(`logical replication slot "connector_slot" exists, but wal_level < logical`);

        writeUploads(main, SECOND);
        const proc = await startAndWait(main, FLAGS, SECOND.superuser);
        const log = proc.output();
        expect(log).toContain("cdc-postgres-start: PGDATA holds a cluster; applying");
        expect(log).toContain("cdc-postgres-start: applied");
        expect(log).not.toContain("stand-in: init process complete");
        for (const s of SECRETS) expect(log).not.toContain(s);

        const r = await probe(main, SECOND.cdc, { timeoutSeconds: 30, intervalMs: 250 });
        expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: expect.stringContaining("created and dropped a pgoutput slot") });
        const old = await probe(main, FIRST.cdc, { timeoutSeconds: 30, intervalMs: 250 });
        expect(old.code).toBe(1);
        expect(old.stderr).toContain(`${ACCOUNT.user} login: 28P01: password authentication failed`);
        await expect(sql(main, POSTGRES.superuser, FIRST.superuser, "SELECT 1")).rejects.toMatchObject({ code: "28P01" });
        expect(await sql(main, ACCOUNT.user, SECOND.cdc, "SELECT id, note FROM orders")).toEqual([{ id: 1, note: "kept across restarts" }]);
        expect(await slotsOf(main, SECOND.superuser)).toEqual(["connector_slot"]);
        await sql(main, ACCOUNT.user, SECOND.cdc, "SELECT pg_drop_replication_slot('connector_slot')");
    }, 120_000);

    test("kept data dir with another test database name: the wrapper creates it, with grants and publication", async () => {
        await stopContainer(main);
        const renamed: PgCluster = { ...main, account: { ...ACCOUNT, database: "cdc_renamed" } };
        writeUploads(renamed, SECOND);
        await startAndWait(renamed, FLAGS, SECOND.superuser);
        main.proc = renamed.proc;
        expect(renamed.proc!.output()).toContain("cdc-postgres-start: creating database cdc_renamed");
        const r = await probe(renamed, SECOND.cdc, { timeoutSeconds: 30, intervalMs: 250 });
        expect(r.stdout).toContain(`postgres ready at ${LOOPBACK}:${main.port}/cdc_renamed:`);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringContaining("ready after 1 attempt ") });
    }, 120_000);
});
