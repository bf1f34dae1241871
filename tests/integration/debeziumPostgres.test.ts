// PostgreSQL as a CDC source, from real processes: PostgreSQL (through the component's wrapper, flags and
// SQL files), a KRaft broker and a Kafka Connect worker with the Debezium plugins. The Postgres connector
// is registered the way the stack registers it: its config from lib/postgresConnector.ts, the password in a
// properties file read by the worker's file config provider, and the connector gate's own command line.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ConnectRestClient } from "../../lib/connectRest";
import { type ConnectorSpec } from "../../lib/debezium";
import { logicalDecodingFlags, POSTGRES } from "../../lib/postgres";
import { postgresChangeTopic, postgresConnector, postgresPasswordFile, POSTGRES_CONNECTOR_CLASS } from "../../lib/postgresConnector";
import { CONNECTOR_REDACT_ENV, probeBuildProblem } from "../../lib/probes";
import { PLUGIN_DIR, startConnectWorker, TopicTail, type ConnectWorker } from "./support/cdc";
import { kafkaMissing, startKafkaBroker, type KafkaBroker } from "./support/kafka";
import { newCluster, postgresMissing, sql, startAndWait, stopContainer, writeUploads, type PgCluster } from "./support/postgres";
import { freePort, LOOPBACK, stopAll } from "./support/processes";
import { runProbe, type ProbeRun } from "./support/servers";
import { describeIfAvailable, PROJECT_ROOT } from "./support/tools";

jest.setTimeout(180_000);

const ACCOUNT = { database: "cdc_test", user: "cdc" };
// Quote, backslash, = and #: both the SQL and the properties file must escape them.
const PASSWORDS = { superuser: `super-${randomBytes(9).toString("hex")}`, cdc: `pg'\\=#-${randomBytes(6).toString("hex")}` };
const WRONG_PASSWORD = `wrong-${randomBytes(6).toString("hex")}`;
const SECRETS = [PASSWORDS.superuser, PASSWORDS.cdc, WRONG_PASSWORD];
const PREFIX = "cdc-postgres";
const SLOT = "debezium_cdc";

function expectNoSecrets(text: string): void {
    for (const s of SECRETS) expect(text).not.toContain(s);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const describeCdc = describeIfAvailable("Debezium PostgreSQL connector (real PostgreSQL, KRaft broker, Connect worker)", [
    ...postgresMissing(), ...kafkaMissing(),
    fs.existsSync(path.join(PLUGIN_DIR, "debezium-connector-postgres")) ? undefined : `${path.relative(PROJECT_ROOT, PLUGIN_DIR)}/debezium-connector-postgres missing (run scripts/fetch-jars.sh)`,
]);

describeCdc("Debezium PostgreSQL connector on Kafka Connect", () => {
    let pg: PgCluster;
    let broker: KafkaBroker;
    let worker: ConnectWorker;
    let spec: ConnectorSpec;
    let tail: TopicTail;

    /** The secret file the component uploads to the worker, written where this worker reads it. */
    function writeSecretFile(name: string, password: string): string {
        const secret = postgresPasswordFile(path.join(worker.secretDir, name), password);
        fs.writeFileSync(secret.path, secret.content, { mode: 0o400 });
        return secret.path;
    }
    function connectorSpec(name: string, passwordFile: string, slotName: string, topicPrefix = PREFIX): ConnectorSpec {
        return postgresConnector({
            name, hostname: LOOPBACK, port: pg.port, database: ACCOUNT.database, user: ACCOUNT.user, passwordFile, topicPrefix, slotName,
        });
    }
    /** The connector gate as the component's Command runs it: the password only in the redaction variable. */
    function connectorGate(s: ConnectorSpec, redact: string): Promise<ProbeRun> {
        return runProbe({ service: "connector", url: worker.url, name: s.name, config: s.config }, { timeoutSeconds: 120, intervalMs: 100 },
            { [CONNECTOR_REDACT_ENV]: redact });
    }

    beforeAll(async () => {
        const stale = probeBuildProblem();
        if (stale) throw new Error(`the probe under test is not built from the current sources (${stale}): run npm run build`);
        pg = await newCluster("debezium", ACCOUNT);
        writeUploads(pg, PASSWORDS);
        [broker] = await Promise.all([startKafkaBroker(), startAndWait(pg, logicalDecodingFlags({ maxWalSenders: 4, maxReplicationSlots: 4 }), PASSWORDS.superuser)]);
        worker = startConnectWorker(broker.internalBootstrap, await freePort());
        // The pipeline's tests write as the CDC user, which owns its tables.
        await sql(pg, ACCOUNT.user, PASSWORDS.cdc, "CREATE TABLE orders (id int PRIMARY KEY, status text, amount numeric(10,2))");
        await sql(pg, ACCOUNT.user, PASSWORDS.cdc, "INSERT INTO orders VALUES (1, 'before-snapshot', 10.00)");
    }, 180_000);

    afterAll(async () => {
        await tail?.stop().catch(() => undefined);
        if (pg) await stopContainer(pg).catch(() => undefined);
        await stopAll();
    }, 90_000);

    test("Connect gate: the worker offers the PostgreSQL connector class", async () => {
        const r = await runProbe({ service: "connect", url: worker.url, connectorClasses: [POSTGRES_CONNECTOR_CLASS] }, { timeoutSeconds: 120, intervalMs: 250 });
        expect({ code: r.code, stderr: r.stderr.slice(-2000) }).toEqual({ code: 0, stderr: expect.stringContaining("[connect] ready after") });
    });

    test("connector gate: registers the PostgreSQL connector and passes once it streams; the slot is the connector's, pgoutput, on the publication", async () => {
        const passwordFile = writeSecretFile("postgres.properties", PASSWORDS.cdc);
        spec = connectorSpec("cdc-postgres-source", passwordFile, SLOT);
        expect(JSON.stringify(spec)).not.toContain(PASSWORDS.cdc);
        expect(spec.config).toMatchObject({
            "connector.class": POSTGRES_CONNECTOR_CLASS, "plugin.name": "pgoutput", "publication.name": POSTGRES.publication,
            "publication.autocreate.mode": "disabled", "slot.name": SLOT, "database.password": `\${file:${passwordFile}:password}`,
        });
        const r = await connectorGate(spec, PASSWORDS.cdc);
        expect({ code: r.code, stderr: r.stderr.slice(-3000) }).toEqual({ code: 0, stderr: expect.stringContaining("[connector] ready after") });
        expect(r.stdout).toContain(`connector ready at ${worker.url}/connectors/cdc-postgres-source: connector RUNNING, tasks [0:RUNNING], snapshot done`);
        expectNoSecrets(r.stdout + r.stderr);
        expect(await new ConnectRestClient(worker.url).config(spec.name)).toEqual({ ...spec.config, name: spec.name });
        // eslint-disable-next-line no-console
        console.log(`postgres connector registration to RUNNING + snapshot done: ${r.elapsedMs} ms (gate process wall time)`);

        const slots = await sql(pg, POSTGRES.superuser, PASSWORDS.superuser,
            "SELECT slot_name, plugin, slot_type, database FROM pg_replication_slots");
        expect(slots).toEqual([{ slot_name: SLOT, plugin: "pgoutput", slot_type: "logical", database: ACCOUNT.database }]);
        // The publication is still the init SQL's (the connector created none and altered nothing).
        expect(await sql(pg, POSTGRES.superuser, PASSWORDS.superuser, "SELECT pubname, puballtables FROM pg_publication"))
            .toEqual([{ pubname: POSTGRES.publication, puballtables: true }]);

        tail = await TopicTail.start(broker.hostBootstrap, postgresChangeTopic(PREFIX, "public", "orders"));
        const snap = await tail.until("snapshot read of row 1", (e) => e.value?.op === "r" && e.value.after?.id === 1);
        expect(snap.value!.after).toMatchObject({ id: 1, status: "before-snapshot" });
        expect(snap.key).toEqual({ id: 1 });
    });

    test("an INSERT and an UPDATE arrive as op c and u with their rows; commit-to-event latency measured", async () => {
        const latencies: number[] = [];
        for (let i = 0; i < 5; i++) {
            const id = 100 + i;
            await sql(pg, ACCOUNT.user, PASSWORDS.cdc, "INSERT INTO orders VALUES ($1, 'new', 5.00)", [id]);
            const inserted = Date.now();
            const c = await tail.until(`insert of ${id}`, (e) => e.value?.op === "c" && e.value.after?.id === id);
            await sql(pg, ACCOUNT.user, PASSWORDS.cdc, "UPDATE orders SET status = 'paid' WHERE id = $1", [id]);
            const updated = Date.now();
            const u = await tail.until(`update of ${id}`, (e) => e.value?.op === "u" && e.value.after?.id === id);
            expect(c.value!.before).toBeNull();
            expect(c.value!.after).toMatchObject({ id, status: "new" });
            expect(u.value!.after).toMatchObject({ id, status: "paid" });
            // Default replica identity (the primary key): pgoutput sends no old row, so `before` is null.
            expect(u.value!.before).toBeNull();
            expect(u.value!.source).toMatchObject({ connector: "postgresql", db: ACCOUNT.database, schema: "public", table: "orders" });
            latencies.push(c.receivedAt - inserted, u.receivedAt - updated);
        }
        // eslint-disable-next-line no-console
        console.log(`postgres commit-to-event latency over ${latencies.length} events: median ${median(latencies)} ms, max ${Math.max(...latencies)} ms, all ${latencies.join(",")}`);
        expect(Math.max(...latencies)).toBeLessThan(10_000);
    });

    test("a wrong password fails the gate at once with the connector's own error, and no password is printed", async () => {
        const wrong = connectorSpec("cdc-postgres-wrong-password", writeSecretFile("wrong.properties", WRONG_PASSWORD), "debezium_wrong", "wrong");
        const r = await connectorGate(wrong, WRONG_PASSWORD);
        expect(r.code).toBe(1);
        expect(r.elapsedMs).toBeLessThan(20_000);
        expect(r.stdout).toBe("");
        expect(r.stderr).toContain(`connector is not ready at ${worker.url}/connectors/cdc-postgres-wrong-password: gave up, waiting cannot help`);
        expect(r.stderr).toMatch(/password authentication failed for user "cdc"/);
        expectNoSecrets(r.stdout + r.stderr);
        expect(await new ConnectRestClient(worker.url).connectors()).toEqual([spec.name]);
    });
});
