// Facts about the binlog-enabled database: used by the component, the probe and the tests.
import { configFile } from "./paths";
import type { MysqlFlavor } from "./settings";

export const MYSQL = {
    alias: "mysql",
    port: 3306,
    dataDir: "/var/lib/mysql",
    confFile: "/etc/mysql/conf.d/cdc.cnf",
    initFile: "/docker-entrypoint-initdb.d/10-cdc.sql",
    rootPasswordFile: "/run/cdc-secrets/mysql-root-password",
    /** The stack's passwords as SQL, applied by the server at every start on an initialised data dir. */
    credentialsFile: "/run/cdc-secrets/mysql-credentials.sql",
    /** Our entrypoint: adds --init-file=credentialsFile on an initialised data dir, then runs the image's. */
    entrypointFile: "/run/cdc/mysql-entrypoint.sh",
    /** The image's own entrypoint (both images), on the PATH. */
    imageEntrypoint: "docker-entrypoint.sh",
    binlogBaseName: "binlog",
} as const;

/** Settings shared by both flavors; the binlog flags are on the command line (binlogFlags). */
export const MYSQL_CNF_FILE = configFile("mysql", "cdc.cnf");

/** Debezium's privileges on *.* (https://debezium.io/documentation/reference/connectors/mysql.html). */
export const CDC_GRANTS = ["SELECT", "RELOAD", "SHOW DATABASES", "REPLICATION SLAVE", "REPLICATION CLIENT"] as const;

/** How SHOW GRANTS spells a CDC grant: MariaDB 10.5.2 renamed REPLICATION CLIENT to BINLOG MONITOR. */
export function grantAsShown(flavor: MysqlFlavor, grant: (typeof CDC_GRANTS)[number]): string {
    return flavor === "mariadb" && grant === "REPLICATION CLIENT" ? "BINLOG MONITOR" : grant;
}

export interface BinlogOptions {
    serverId: number;
    retentionHours: number;
}

/**
 * Server flags that make the binlog what Debezium needs. Passed as the container command:
 * both images' entrypoints prepend the server binary when the first argument starts with "-".
 */
export function binlogFlags(flavor: MysqlFlavor, o: BinlogOptions): string[] {
    const common = [
        `--server-id=${o.serverId}`,
        `--log-bin=${MYSQL.binlogBaseName}`,
        "--binlog-format=ROW",
        "--binlog-row-image=FULL",
        `--binlog-expire-logs-seconds=${o.retentionHours * 3600}`,
    ];
    // MariaDB always tracks GTIDs and has no gtid_mode variables; setting them stops it.
    return flavor === "mysql" ? [...common, "--gtid-mode=ON", "--enforce-gtid-consistency=ON"] : common;
}

/** What the readiness probe requires of the running server, as SHOW VARIABLES reports it. */
export function expectedServerVariables(flavor: MysqlFlavor): Record<string, string> {
    const common = { log_bin: "ON", binlog_format: "ROW", binlog_row_image: "FULL" };
    return flavor === "mysql" ? { ...common, gtid_mode: "ON", enforce_gtid_consistency: "ON" } : common;
}

export interface CdcAccount {
    database: string;
    user: string;
    password: string;
}

function sqlString(value: string): string {
    return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/**
 * Creates the test database and the CDC user. Idempotent: the image runs it once, on an empty data
 * directory, before the server accepts TCP; credentialsSql re-applies it at every later start.
 */
export function cdcInitSql(a: CdcAccount): string {
    const user = `${sqlString(a.user)}@'%'`;
    return [
        `CREATE DATABASE IF NOT EXISTS \`${a.database}\`;`,
        `CREATE USER IF NOT EXISTS ${user} IDENTIFIED BY ${sqlString(a.password)};`,
        `ALTER USER ${user} IDENTIFIED BY ${sqlString(a.password)};`,
        `GRANT ${CDC_GRANTS.join(", ")} ON *.* TO ${user};`,
        `GRANT ALL PRIVILEGES ON \`${a.database}\`.* TO ${user};`,
        "FLUSH PRIVILEGES;",
        "",
    ].join("\n");
}

export interface StackCredentials extends CdcAccount {
    rootPassword: string;
}

/**
 * The stack's passwords made true on a data dir initialised earlier (a persistent stack's volume kept
 * through destroy/up, which generates new passwords, or a password changed in config). Run by the
 * server itself through --init-file, before it accepts connections; every statement is idempotent.
 */
export function credentialsSql(flavor: MysqlFlavor, c: StackCredentials): string {
    const password = sqlString(c.rootPassword);
    // The MariaDB image lets root@localhost in by unix socket too (for `docker exec`): keep that.
    const localRoot = flavor === "mariadb"
        ? `ALTER USER IF EXISTS 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD(${password}) OR unix_socket;`
        : `ALTER USER IF EXISTS 'root'@'localhost' IDENTIFIED BY ${password};`;
    return [`ALTER USER IF EXISTS 'root'@'%' IDENTIFIED BY ${password};`, localRoot, cdcInitSql(c)].join("\n");
}

/**
 * The container's entrypoint. On an empty data dir the image initialises it as usual (root password
 * file, init SQL); --init-file must stay out of that first boot, because the mysql image passes the
 * server flags to `mysqld --initialize-insecure` too, where account statements are refused. On an
 * initialised one (the images test for <datadir>/mysql as well) the server applies the stack's passwords.
 */
export function entrypointScript(paths: { dataDir: string; credentialsFile: string; imageEntrypoint: string }): string {
    return [
        "#!/bin/sh",
        "# cdc-test-infra: a kept data volume holds the passwords of its first boot; apply the stack's current ones.",
        "set -e",
        `if [ -d '${paths.dataDir}/mysql' ]; then`,
        `    set -- "$@" '--init-file=${paths.credentialsFile}'`,
        "fi",
        `exec '${paths.imageEntrypoint}' "$@"`,
        "",
    ].join("\n");
}

/** Root-password environment: the file form, so the secret is not in `docker inspect`. */
export function rootPasswordEnv(flavor: MysqlFlavor): string[] {
    return flavor === "mysql"
        ? [`MYSQL_ROOT_PASSWORD_FILE=${MYSQL.rootPasswordFile}`]
        : [`MARIADB_ROOT_PASSWORD_FILE=${MYSQL.rootPasswordFile}`];
}

/** Binlog position query: MySQL 8.4 removed SHOW MASTER STATUS; MariaDB keeps it. */
export function binlogStatusQuery(flavor: MysqlFlavor): string {
    return flavor === "mysql" ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS";
}
