// A real PostgreSQL (Debian's, 15 here) started the way the container starts: through the component's
// own wrapper script (postgresStartScript), with its flags and its SQL files. Two small stand-ins replace
// what only the image has: `gosu` (setpriv, same exec semantics) and `docker-entrypoint.sh` (the image's
// documented first-boot steps, then exec). Container paths map to a temp dir; the port to a free loopback port.
import * as fs from "fs";
import * as path from "path";
import { Client } from "pg";
import { POSTGRES, postgresDatabaseSql, postgresRolesSql, postgresStartScript, SQL_DIR_ENV, type PostgresCdcAccount } from "../../../lib/postgres";
import { freePort, LOOPBACK, startProcess, tempDir, waitFor, type RunningProcess } from "./processes";
import { which } from "./tools";

/** The newest Debian server binaries, e.g. /usr/lib/postgresql/15/bin. */
export const PG_BIN = (() => {
    const base = "/usr/lib/postgresql";
    const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
    const found = versions.map((v) => path.join(base, v, "bin")).find((bin) => fs.existsSync(path.join(bin, "postgres")));
    return found;
})();

const IS_ROOT = process.getuid?.() === 0;

/** Reasons the real-PostgreSQL tests cannot run here (empty when they can). */
export function postgresMissing(): string[] {
    const missing: string[] = [];
    if (!PG_BIN) missing.push("PostgreSQL server binaries not found under /usr/lib/postgresql/<N>/bin (apt-get install postgresql)");
    if (IS_ROOT && !which("setpriv")) missing.push("setpriv not found (util-linux): needed to run postgres as the postgres user");
    if (IS_ROOT && !fs.readFileSync("/etc/passwd", "utf8").split("\n").some((l) => l.startsWith(`${POSTGRES.superuser}:`))) {
        missing.push(`no ${POSTGRES.superuser} OS user to run the server as (apt-get install postgresql creates it)`);
    }
    return missing;
}

export interface Passwords { superuser: string; cdc: string }

export interface PgCluster {
    name: string;
    dir: string;
    /** PGDATA (the container's /var/lib/postgresql/data). */
    dataDir: string;
    /** The container's /docker-entrypoint-initdb.d: the component's SQL files. */
    sqlDir: string;
    /** The container's /run/cdc-secrets/postgres-superuser-password. */
    superuserPasswordFile: string;
    socketDir: string;
    binDir: string;
    port: number;
    account: Omit<PostgresCdcAccount, "password">;
    proc?: RunningProcess;
}

// Test stand-in for the image's docker-entrypoint.sh: as root it reads POSTGRES_PASSWORD_FILE and re-runs
// itself as postgres; on an empty PGDATA it runs the image's documented init (initdb with the password,
// a socket-only server, CREATE DATABASE $POSTGRES_DB, every *.sql of the init dir via psql with
// ON_ERROR_STOP, connected to $POSTGRES_DB), then it execs the server with the arguments it was given.
// Connections from the Docker host and from other containers (Kafka Connect) come through the bridge,
// so of the image's pg_hba.conf only its appended `host all all all scram-sha-256` line applies to them;
// here they come from 127.0.0.1, which initdb's own lines would trust, so the stand-in keeps just the
// socket line and that one (which must also admit Debezium's logical replication connections).
const IMAGE_ENTRYPOINT_STAND_IN = `#!/bin/sh
set -eu
if [ "$1" = postgres ]; then shift; fi
if [ "$(id -u)" = 0 ]; then
    POSTGRES_PASSWORD=$(cat "$POSTGRES_PASSWORD_FILE")
    export POSTGRES_PASSWORD
    exec gosu ${POSTGRES.superuser} "$0" postgres "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile="$CDC_TEST_DIR/initdb-pwfile"
    printf '%s\\n' "$POSTGRES_PASSWORD" > "$pwfile"
    initdb -D "$PGDATA" --username=${POSTGRES.superuser} --pwfile="$pwfile" > /dev/null
    rm -f "$pwfile"
    printf 'local all all trust\nhost all all all scram-sha-256\n' > "$PGDATA/pg_hba.conf"
    pg_ctl -D "$PGDATA" -o "$* -c listen_addresses=''" -w start > /dev/null
    psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --dbname postgres -c "CREATE DATABASE \\"$POSTGRES_DB\\"" > /dev/null
    for f in "$CDC_INIT_DIR"/*; do
        case "$f" in *.sql) psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --dbname "$POSTGRES_DB" -f "$f" > /dev/null ;; esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop > /dev/null
    echo "stand-in: init process complete"
fi
exec postgres "$@"
`;

// gosu USER CMD...: exec CMD as USER, as the image's gosu does.
const GOSU_STAND_IN = `#!/bin/sh
user=$1
shift
exec setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
`;

/** A fresh, empty PGDATA in a temp dir with the container's file layout (owned by postgres when run as root). */
export async function newCluster(name: string, account: Omit<PostgresCdcAccount, "password">): Promise<PgCluster> {
    const dir = tempDir(`postgres-${name}`);
    const c: PgCluster = {
        name, dir, account,
        dataDir: path.join(dir, "data"), sqlDir: path.join(dir, "initdb.d"), superuserPasswordFile: path.join(dir, "secrets", "superuser-password"),
        socketDir: path.join(dir, "socket"), binDir: path.join(dir, "bin"), port: await freePort(),
    };
    for (const d of [c.sqlDir, path.dirname(c.superuserPasswordFile), c.socketDir, c.binDir]) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(c.binDir, "gosu"), GOSU_STAND_IN, { mode: 0o755 });
    fs.writeFileSync(path.join(c.binDir, POSTGRES.imageEntrypoint), IMAGE_ENTRYPOINT_STAND_IN, { mode: 0o755 });
    fs.writeFileSync(path.join(c.binDir, "start.sh"), postgresStartScript(), { mode: 0o555 });
    if (IS_ROOT) {
        // The server user must reach the temp dir (mkdtemp makes it 0700 for root).
        for (const d of [dir, c.socketDir]) fs.chownSync(d, uid(POSTGRES.superuser), gid(POSTGRES.superuser));
        fs.chmodSync(dir, 0o755);
    }
    return c;
}

function passwdEntry(user: string): string[] {
    const line = fs.readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith(`${user}:`));
    if (!line) throw new Error(`no OS user ${user}`);
    return line.split(":");
}
const uid = (user: string) => Number(passwdEntry(user)[2]);
const gid = (user: string) => Number(passwdEntry(user)[3]);

/** Spawn options that run a server program as the server's OS user (when we are root; postgres refuses root). */
export function serverUser(): { uid?: number; gid?: number } {
    return IS_ROOT ? { uid: uid(POSTGRES.superuser), gid: gid(POSTGRES.superuser) } : {};
}

/** Writes what the component uploads, with these passwords: the password file and both SQL files, with the upload modes. */
export function writeUploads(c: PgCluster, passwords: Passwords): void {
    const write = (file: string, content: string, mode: number) => {
        fs.rmSync(file, { force: true });
        fs.writeFileSync(file, content, { mode });
        if (IS_ROOT) fs.chownSync(file, 0, 0); // uploads belong to root, as in the container
    };
    write(c.superuserPasswordFile, passwords.superuser, 0o400);
    write(path.join(c.sqlDir, POSTGRES.rolesSqlFile), postgresRolesSql({ ...c.account, password: passwords.cdc, superuserPassword: passwords.superuser }), 0o400);
    write(path.join(c.sqlDir, POSTGRES.databaseSqlFile), postgresDatabaseSql(c.account), 0o444);
}

/** Test-only flags after the component's: loopback, the free port, the temp socket dir. */
export function localFlags(c: PgCluster): string[] {
    return ["-c", `listen_addresses=${LOOPBACK}`, "-c", `port=${c.port}`, "-c", `unix_socket_directories=${c.socketDir}`];
}

/** The container's environment (envs of the component, the image's PGDATA), mapped to the temp dir. */
function containerEnv(c: PgCluster): NodeJS.ProcessEnv {
    return {
        PATH: `${c.binDir}${path.delimiter}${PG_BIN}${path.delimiter}${process.env.PATH ?? ""}`,
        PGDATA: c.dataDir,
        POSTGRES_DB: c.account.database,
        POSTGRES_PASSWORD_FILE: c.superuserPasswordFile,
        [SQL_DIR_ENV]: c.sqlDir,
        // For the stand-in only: where the image keeps its init files, and where clients find the socket.
        CDC_INIT_DIR: c.sqlDir,
        CDC_TEST_DIR: c.dir,
        PGHOST: c.socketDir,
        PGPORT: String(c.port),
        HOME: c.dir,
    };
}

/** Starts the container's entrypoint (the wrapper) with the component's flags; does not wait. */
export function startContainer(c: PgCluster, serverFlags: string[]): RunningProcess {
    const proc = startProcess("/bin/sh", [path.join(c.binDir, "start.sh"), ...serverFlags, ...localFlags(c)], { env: containerEnv(c) });
    c.proc = proc;
    return proc;
}

/** A TCP client as `user` to `database` (the CDC database by default). */
export async function connect(c: PgCluster, user: string, password: string, database = c.account.database): Promise<Client> {
    const client = new Client({ host: LOOPBACK, port: c.port, user, password, database, connectionTimeoutMillis: 5_000 });
    client.on("error", () => undefined);
    try {
        await client.connect();
    } catch (err) {
        await client.end().catch(() => undefined);
        throw err;
    }
    return client;
}

export async function sql<T extends Record<string, unknown>>(c: PgCluster, user: string, password: string, text: string, params: unknown[] = [], database?: string): Promise<T[]> {
    const client = await connect(c, user, password, database);
    try {
        return (await client.query<T>(text, params)).rows;
    } finally {
        await client.end();
    }
}

/** Starts the container and waits until the final server accepts the superuser over TCP (the init server has no TCP). */
export async function startAndWait(c: PgCluster, serverFlags: string[], superuserPassword: string): Promise<RunningProcess> {
    const proc = startContainer(c, serverFlags);
    const exited = new Promise<never>((_, reject) => proc.child.once("exit", (code, signal) =>
        reject(new Error(`PostgreSQL (${c.name}) exited with ${code ?? signal} before it was ready:\n${proc.output()}`))));
    await Promise.race([exited, waitFor(`PostgreSQL (${c.name}) on ${LOOPBACK}:${c.port}`, async () =>
        (await sql(c, POSTGRES.superuser, superuserPassword, "SELECT 1 AS one", [], "postgres")).length === 1 || undefined, 60_000, 100)]);
    return proc;
}

/** Stops as `docker stop` does with the image's STOPSIGNAL (SIGINT: fast shutdown); asserts a clean exit. */
export async function stopContainer(c: PgCluster): Promise<void> {
    const proc = c.proc;
    if (!proc) return;
    c.proc = undefined;
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.child.once("exit", () => resolve()));
    process.kill(-proc.child.pid!, "SIGINT");
    const timer = setTimeout(() => { void proc.stop(0); }, 60_000);
    await exited;
    clearTimeout(timer);
    await proc.stop();
    if (!proc.output().includes("database system is shut down")) throw new Error(`PostgreSQL (${c.name}) did not shut down cleanly:\n${proc.output()}`);
}
