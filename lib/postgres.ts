// Facts about the PostgreSQL CDC source: used by the component, the probe, the connector config and the tests.
//
// Passwords on a persistent volume: the postgres image applies POSTGRES_PASSWORD_FILE and runs
// /docker-entrypoint-initdb.d only when PGDATA is empty. The container's entrypoint is therefore a
// small wrapper (postgresStartScript) that, when PGDATA already holds a cluster, applies the same
// SQL files in single-user mode before handing over to the image's entrypoint: the stack's current
// passwords, role, grants and publication hold after a destroy/up with new passwords or a rotation.

export const POSTGRES = {
    alias: "postgres",
    port: 5432,
    /** PGDATA of the postgres:13 to 17 images (18 keeps data under /var/lib/postgresql/18/docker). */
    dataDir: "/var/lib/postgresql/data",
    /** The image's superuser (POSTGRES_USER unset); also the OS user the server runs as. */
    superuser: "postgres",
    /** Run by the image on an empty PGDATA (as `psql -f`, connected to POSTGRES_DB), re-applied by the wrapper on later starts. */
    initDir: "/docker-entrypoint-initdb.d",
    /** Kubernetes: where the SQL files are mounted (read-only); the start script copies them into initDir. */
    mountedSqlDir: "/run/cdc-postgres-sql",
    rolesSqlFile: "10-cdc-roles.sql",
    databaseSqlFile: "20-cdc-database.sql",
    startScript: "/usr/local/bin/cdc-postgres-start.sh",
    superuserPasswordFile: "/run/cdc-secrets/postgres-superuser-password",
    /** The image's entrypoint (on its PATH), which the wrapper execs. */
    imageEntrypoint: "docker-entrypoint.sh",
    /** Created by the init SQL for all tables of the test database; the connector does not create it. */
    publication: "dbz_publication",
    /** The logical decoding plugin built into PostgreSQL >= 10, which Debezium's connector uses. */
    decodingPlugin: "pgoutput",
} as const;

/** What Debezium's connector (and so the probe) requires of the server's wal_level. */
export const REQUIRED_WAL_LEVEL = "logical";

/** The environment variable naming the wrapper's SQL directory (set by the component to POSTGRES.initDir). */
export const SQL_DIR_ENV = "CDC_POSTGRES_SQL_DIR";

export interface LogicalDecodingOptions {
    maxWalSenders: number;
    maxReplicationSlots: number;
}

/**
 * Server flags for Debezium: logical WAL, and room for its walsender and slot plus the probe's
 * temporary slot. Passed as the container command: the wrapper hands them to the server (and to its
 * single-user runs, which refuse to start with logical slots present unless wal_level is logical).
 */
export function logicalDecodingFlags(o: LogicalDecodingOptions): string[] {
    return ["-c", `wal_level=${REQUIRED_WAL_LEVEL}`, "-c", `max_wal_senders=${o.maxWalSenders}`, "-c", `max_replication_slots=${o.maxReplicationSlots}`];
}

export interface PostgresCdcAccount {
    database: string;
    user: string;
    password: string;
}

/** A role, database or publication name as a quoted SQL identifier. */
export function sqlIdentifier(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

/** A string literal (standard_conforming_strings is on by default: only quotes are doubled). */
export function sqlLiteral(value: string, what: string): string {
    // Single-user mode ends a statement at ";" + blank line; control characters have no place in these values.
    if (/[\u0000-\u001f\u007f]/.test(value)) throw new Error(`${what} contains a control character; PostgreSQL settings here allow printable characters only`);
    return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Cluster-wide part (secret: holds both passwords). Idempotent. Each statement ends with ";" and a
 * blank line, so `postgres --single -j` and `psql -f` read it alike. exit_on_error makes any error
 * end the session (a failed start in single-user mode), and no failing statement is ever logged.
 */
export function postgresRolesSql(a: PostgresCdcAccount & { superuserPassword: string }): string {
    const cdc = sqlIdentifier(a.user);
    return [
        "SET exit_on_error = on;",
        "SET log_min_error_statement = panic;",
        `ALTER ROLE ${sqlIdentifier(POSTGRES.superuser)} WITH PASSWORD ${sqlLiteral(a.superuserPassword, "the superuser password")};`,
        `DO $cdc$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${sqlLiteral(a.user, "the CDC user")}) THEN CREATE ROLE ${cdc}; END IF; END $cdc$;`,
        // What Debezium's PostgreSQL connector needs of its user: LOGIN and REPLICATION (walsender, slots).
        `ALTER ROLE ${cdc} WITH LOGIN REPLICATION PASSWORD ${sqlLiteral(a.password, "the CDC password")};`,
        "",
    ].join("\n\n");
}

/**
 * Test-database part, run connected to the test database by the superuser. Idempotent; no secrets.
 * The CDC user may connect, create tables in `public` (the pipeline's tests write as this user) and
 * read every table, also those the superuser creates later (default privileges). The publication
 * covers all tables, present and future, so the connector runs with publication.autocreate.mode=disabled
 * and needs no ownership of the tables.
 */
export function postgresDatabaseSql(a: Omit<PostgresCdcAccount, "password">): string {
    const cdc = sqlIdentifier(a.user);
    return [
        "SET exit_on_error = on;",
        `GRANT CONNECT, TEMPORARY ON DATABASE ${sqlIdentifier(a.database)} TO ${cdc};`,
        `GRANT USAGE, CREATE ON SCHEMA public TO ${cdc};`,
        `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${cdc};`,
        `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${cdc};`,
        `DO $cdc$ BEGIN IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = ${sqlLiteral(POSTGRES.publication, "the publication")}) THEN CREATE PUBLICATION ${sqlIdentifier(POSTGRES.publication)} FOR ALL TABLES; END IF; END $cdc$;`,
        "",
    ].join("\n\n");
}

/**
 * The container's entrypoint. Inputs: the server flags as arguments; PGDATA (the image's), POSTGRES_DB
 * and CDC_POSTGRES_SQL_DIR from the environment. No secret is in it: the passwords are in the roles file.
 */
export function postgresStartScript(): string {
    return `#!/bin/sh
# Entrypoint of the cdc-test-infra PostgreSQL container (generated by lib/postgres.ts).
# Empty PGDATA: the image's own init runs (POSTGRES_PASSWORD_FILE, POSTGRES_DB, then the SQL files in
# /docker-entrypoint-initdb.d). PGDATA already initialised (a kept volume): the image skips its init,
# so the same SQL files are applied here first, in single-user mode, so that the stack's current
# passwords, role, grants and publication hold. Then the image's entrypoint starts the server.
set -eu
: "\${PGDATA:?}" "\${POSTGRES_DB:?}" "\${${SQL_DIR_ENV}:?}"
roles_sql="\$${SQL_DIR_ENV}/${POSTGRES.rolesSqlFile}"
database_sql="\$${SQL_DIR_ENV}/${POSTGRES.databaseSqlFile}"

# The image steps down from root with gosu; so do we.
as_postgres() {
    if [ "\$(id -u)" = 0 ]; then gosu ${POSTGRES.superuser} "\$@"; else "\$@"; fi
}
# single_user <database> <server flags...>: a single-user backend reading SQL from stdin.
single_user() {
    database=\$1
    shift
    as_postgres postgres --single -j -D "\$PGDATA" "\$@" "\$database" > /dev/null
}

# The image's init reads the SQL files from its init directory as ${POSTGRES.superuser} (psql -f). Docker
# uploads them there, the roles file owner-only: hand it over. Kubernetes mounts them read-only elsewhere
# (a Secret volume cannot be handed over): the init directory gets copies ${POSTGRES.superuser} owns.
if [ "\$(id -u)" = 0 ] && ! chown ${POSTGRES.superuser} "\$roles_sql" 2> /dev/null; then
    install -o ${POSTGRES.superuser} -m 0400 "\$roles_sql" "\$database_sql" ${POSTGRES.initDir}/
fi

if [ -s "\$PGDATA/PG_VERSION" ]; then
    echo "cdc-postgres-start: PGDATA holds a cluster; applying the stack's roles, passwords, grants and publication"
    if ! single_user "\$POSTGRES_DB" "\$@" < /dev/null 2> /dev/null; then
        echo "cdc-postgres-start: creating database \$POSTGRES_DB"
        printf 'CREATE DATABASE "%s";\\n\\n' "\$POSTGRES_DB" | single_user postgres "\$@"
    fi
    single_user postgres "\$@" < "\$roles_sql"
    single_user "\$POSTGRES_DB" "\$@" < "\$database_sql"
    echo "cdc-postgres-start: applied"
fi
exec ${POSTGRES.imageEntrypoint} postgres "\$@"
`;
}
