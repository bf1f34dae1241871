// PostgreSQL readiness over TCP, as Debezium will use it: the CDC user logs in to the test database,
// wal_level is logical, the publication exists, and the user can create (and drop) a pgoutput slot.
import { randomBytes } from "crypto";
import { Client } from "pg";
import { POSTGRES, REQUIRED_WAL_LEVEL } from "../lib/postgres";
import { describeError, type Observation, type ReadinessCheck } from "./poll";

export interface PostgresProbeTarget {
    host: string;
    port: number;
    database: string;
    cdcUser: string;
    cdcPassword: string;
    publication: string;
}

/** Judges pg_settings rows (name -> setting); a wrong value is fatal: the server was started with other flags. */
export function evaluateSettings(settings: Record<string, string>): Observation {
    const walLevel = settings.wal_level;
    if (walLevel !== REQUIRED_WAL_LEVEL) {
        return { ready: false, fatal: true, observed: `wal_level is ${walLevel ?? "missing"}, expected ${REQUIRED_WAL_LEVEL}` };
    }
    for (const name of ["max_wal_senders", "max_replication_slots"]) {
        if (!(Number(settings[name]) > 0)) return { ready: false, fatal: true, observed: `${name} is ${settings[name] ?? "missing"}, expected at least 1` };
    }
    return { ready: true, observed: `wal_level=${walLevel}, max_wal_senders=${settings.max_wal_senders}, max_replication_slots=${settings.max_replication_slots}` };
}

// SQLSTATEs waiting will not fix: the server answered and refused.
const FATAL_CODES: Record<string, string> = {
    "28P01": "wrong password",
    "28000": "login not allowed",
    "3D000": "no such database",
    "42501": "insufficient privilege",
    "55000": "server not configured for logical decoding",
};
const PASSWORD_HINT = "; the container applies the stack's passwords at every start: its log shows the apply step";

function refusal(what: string, err: unknown): Observation {
    const code = (err as { code?: unknown })?.code;
    const fatal = typeof code === "string" && code in FATAL_CODES;
    const meaning = fatal ? ` (${FATAL_CODES[code as string]}${code === "28P01" ? PASSWORD_HINT : ""})` : "";
    return { ready: false, fatal, observed: `${what}: ${describeError(err)}${meaning}` };
}

/** A slot name no other probe or connector uses: lowercase letters, digits and _ only. */
export function probeSlotName(): string {
    return `cdc_probe_${randomBytes(8).toString("hex")}`;
}

export function postgresCheck(t: PostgresProbeTarget): ReadinessCheck {
    return {
        service: "postgres",
        endpoint: `${t.host}:${t.port}/${t.database}`,
        expected: `TCP login as ${t.cdcUser}, wal_level=${REQUIRED_WAL_LEVEL}, publication ${t.publication}, ` +
            `and a ${POSTGRES.decodingPlugin} logical replication slot created and dropped by ${t.cdcUser}`,
        async attempt(timeoutMs) {
            const client = new Client({
                host: t.host, port: t.port, database: t.database, user: t.cdcUser, password: t.cdcPassword,
                connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs, application_name: "cdc-readiness-probe",
            });
            // An error on an idle client (server shutting down) must not crash the probe.
            client.on("error", () => undefined);
            try {
                await client.connect();
            } catch (err) {
                await client.end().catch(() => undefined);
                return refusal(`${t.cdcUser} login`, err);
            }
            try {
                const { rows } = await client.query<{ name: string; setting: string }>(
                    "SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'max_wal_senders', 'max_replication_slots')");
                const settings = evaluateSettings(Object.fromEntries(rows.map((r) => [r.name, r.setting])));
                if (!settings.ready) return settings;
                const publication = await client.query("SELECT 1 FROM pg_publication WHERE pubname = $1", [t.publication]);
                if (publication.rowCount === 0) {
                    return { ready: false, fatal: true, observed: `publication ${t.publication} does not exist in ${t.database} (the init SQL creates it)` };
                }
                // Temporary: gone with the session even if the drop below never runs.
                const slot = probeSlotName();
                try {
                    await client.query("SELECT pg_create_logical_replication_slot($1, $2, true)", [slot, POSTGRES.decodingPlugin]);
                    await client.query("SELECT pg_drop_replication_slot($1)", [slot]);
                } catch (err) {
                    return refusal(`${t.cdcUser} creating a ${POSTGRES.decodingPlugin} slot`, err);
                }
                return { ready: true, observed: `${settings.observed}, publication ${t.publication}, ${t.cdcUser} created and dropped a ${POSTGRES.decodingPlugin} slot` };
            } catch (err) {
                return refusal(`${t.cdcUser} session`, err);
            } finally {
                await client.end().catch(() => undefined);
            }
        },
    };
}
