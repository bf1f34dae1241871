// A MariaDB server standing in for the stack's database: the project's cnf, the MariaDB binlog flags and
// the CDC init SQL (lib/mysql.ts), a fresh data dir in a temp dir, served on a free loopback port.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as mysql from "mysql2/promise";
import { binlogFlags, cdcInitSql, MYSQL_CNF_FILE, type CdcAccount } from "../../../lib/mysql";
import { freePort, LOOPBACK, startProcess, tempDir, waitFor, type RunningProcess } from "./processes";
import { which } from "./tools";

export const MARIADB_PROGRAMS = { server: which("mariadbd"), installDb: which("mariadb-install-db"), client: which("mariadb") };

/** Why MariaDB cannot be started here, or undefined; for describeIfAvailable. */
export function mariadbMissing(): string | undefined {
    const { server, installDb, client } = MARIADB_PROGRAMS;
    return server && installDb && client ? undefined : "mariadbd, mariadb-install-db or mariadb not found (apt-get install mariadb-server mariadb-client)";
}

export interface MariadbServer {
    proc: RunningProcess;
    host: string;
    port: number;
    serverId: number;
    account: CdcAccount;
    /** A connection as the CDC user, who owns the test database. */
    connect(): Promise<mysql.Connection>;
}

function run(program: string, args: string[], input = ""): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = execFile(program, args, { timeout: 60_000 }, (err, stdout, stderr) =>
            err ? reject(new Error(`${path.basename(program)} failed: ${stderr || stdout || err.message}`)) : resolve(stdout));
        child.stdin!.end(input);
    });
}

/** Starts mariadbd as the container does, then applies the CDC init SQL as root over the socket. */
export async function startMariadb(account: CdcAccount, serverId = 4343): Promise<MariadbServer> {
    const missing = mariadbMissing();
    if (missing) throw new Error(missing);
    const { server, installDb, client } = MARIADB_PROGRAMS;
    const dir = tempDir("mariadb");
    const dataDir = path.join(dir, "data");
    const socket = path.join(dir, "mysqld.sock");
    const cnf = path.join(dir, "my.cnf");
    const port = await freePort();
    // mariadbd refuses to run as root without --user=root (CI containers run as root).
    const asRoot = process.getuid?.() === 0 ? ["--user=root"] : [];
    fs.writeFileSync(cnf, `!include ${MYSQL_CNF_FILE}\n`);
    await run(installDb!, ["--no-defaults", `--datadir=${dataDir}`, "--auth-root-authentication-method=normal", "--skip-test-db", ...asRoot]);
    const proc = startProcess(server!, [`--defaults-file=${cnf}`, ...binlogFlags("mariadb", { serverId, retentionHours: 24 }),
        `--datadir=${dataDir}`, `--socket=${socket}`, `--port=${port}`, `--bind-address=${LOOPBACK}`, `--pid-file=${path.join(dir, "mysqld.pid")}`, ...asRoot]);
    await waitFor("mariadbd ready for connections", async () => {
        if (proc.child.exitCode !== null) throw new Error(`mariadbd exited: ${proc.output()}`);
        return proc.output().includes("ready for connections") || undefined;
    }, 60_000);
    // The image runs the init SQL as root on its first boot; here over the socket.
    await run(client!, ["--no-defaults", "--protocol=socket", `--socket=${socket}`, "--user=root"], cdcInitSql(account));
    return {
        proc, host: LOOPBACK, port, serverId, account,
        connect: () => mysql.createConnection({ host: LOOPBACK, port, user: account.user, password: account.password, database: account.database }),
    };
}
