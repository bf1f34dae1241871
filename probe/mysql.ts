// MySQL readiness over TCP (the image's init server listens on a socket only, so socket checks lie):
// root logs in, the binlog is what Debezium needs, and the CDC user logs in and reads the binlog status.
import * as mysql from "mysql2/promise";
import { binlogStatusQuery, expectedServerVariables } from "../lib/mysql";
import type { MysqlFlavor } from "../lib/settings";
import { describeError, type Observation, type ReadinessCheck } from "./poll";

export interface MysqlProbeTarget {
    host: string;
    port: number;
    flavor: MysqlFlavor;
    rootPassword: string;
    cdcUser: string;
    cdcPassword: string;
}

/** Compares SHOW VARIABLES rows with what Debezium needs; names the first variable that is off. */
export function evaluateServerVariables(vars: Record<string, string>, flavor: MysqlFlavor): Observation {
    const expected = expectedServerVariables(flavor);
    for (const [name, want] of Object.entries(expected)) {
        const got = vars[name];
        if (got === undefined || got.toUpperCase() !== want) {
            return { ready: false, fatal: true, observed: `${name} is ${got ?? "missing"}, expected ${want}` };
        }
    }
    const serverId = Number(vars.server_id ?? "0");
    if (!(serverId > 0)) return { ready: false, fatal: true, observed: `server_id is ${vars.server_id ?? "missing"}, expected a non-zero id` };
    return { ready: true, observed: Object.entries(expected).map(([k]) => `${k}=${vars[k]}`).concat(`server_id=${serverId}`).join(", ") };
}

// Errors that waiting will not fix: the server answered and refused.
const FATAL_CODES = new Set(["ER_ACCESS_DENIED_ERROR", "ER_DBACCESS_DENIED_ERROR", "ER_SPECIFIC_ACCESS_DENIED_ERROR", "ER_NOT_SUPPORTED_AUTH_MODE"]);
// The container applies the stack's passwords each time it starts (entrypointScript); what is left
// to deny access is a password changed inside the running server since.
const DENIED_HINT = " (the stack's passwords are applied whenever its container starts, also on a kept data volume:" +
    " if they were changed inside the server since, restart the container)";

function refusal(who: string, err: unknown): Observation {
    const code = (err as { code?: unknown })?.code;
    const denied = code === "ER_ACCESS_DENIED_ERROR";
    return {
        ready: false,
        fatal: typeof code === "string" && FATAL_CODES.has(code),
        observed: `${who}: ${describeError(err)}${denied ? DENIED_HINT : ""}`,
    };
}

async function connect(t: MysqlProbeTarget, user: string, password: string, timeoutMs: number) {
    return mysql.createConnection({ host: t.host, port: t.port, user, password, connectTimeout: timeoutMs });
}

export function mysqlCheck(t: MysqlProbeTarget): ReadinessCheck {
    const expected = expectedServerVariables(t.flavor);
    return {
        service: "mysql",
        endpoint: `${t.host}:${t.port}`,
        expected: `TCP login as root, ${Object.entries(expected).map(([k, v]) => `${k}=${v}`).join(", ")}, server_id set, and login as ${t.cdcUser} with binlog access`,
        async attempt(timeoutMs) {
            let root: mysql.Connection;
            try {
                root = await connect(t, "root", t.rootPassword, timeoutMs);
            } catch (err) {
                return refusal("root login", err);
            }
            let vars: Observation;
            try {
                const names = [...Object.keys(expected), "server_id"];
                const [rows] = await root.query(`SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names.map(() => "?").join(", ")})`, names);
                const map: Record<string, string> = {};
                for (const r of rows as Array<{ Variable_name: string; Value: string }>) map[r.Variable_name] = r.Value;
                vars = evaluateServerVariables(map, t.flavor);
            } finally {
                await root.end().catch(() => undefined);
            }
            if (!vars.ready) return vars;
            let cdc: mysql.Connection;
            try {
                cdc = await connect(t, t.cdcUser, t.cdcPassword, timeoutMs);
            } catch (err) {
                return refusal(`${t.cdcUser} login`, err);
            }
            try {
                const [rows] = await cdc.query(binlogStatusQuery(t.flavor));
                const file = (rows as Array<{ File?: string }>)[0]?.File;
                if (!file) return { ready: false, observed: `${t.cdcUser} sees no binlog status` };
                return { ready: true, observed: `${vars.observed}, ${t.cdcUser} reads binlog ${file}` };
            } catch (err) {
                return refusal(`${t.cdcUser} binlog status`, err);
            } finally {
                await cdc.end().catch(() => undefined);
            }
        },
    };
}
