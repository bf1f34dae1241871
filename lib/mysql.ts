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
 * Creates the test database and the CDC user. Idempotent, so it can be re-applied by hand;
 * the image runs it once, on an empty data directory, before the server accepts TCP.
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
