// MySQL/MariaDB and PostgreSQL as StatefulSets: the Docker components' flags, scripts and SQL, mounted
// from a ConfigMap (what is not secret) and a Secret (passwords and the SQL that carries them).
import * as fs from "fs";
import * as path from "path";
import { binlogFlags, cdcInitSql, credentialsSql, entrypointScript, MYSQL, MYSQL_CNF_FILE, rootPasswordEnv } from "../mysql";
import { logicalDecodingFlags, POSTGRES, postgresDatabaseSql, postgresRolesSql, postgresStartScript, SQL_DIR_ENV } from "../postgres";
import type { MysqlFlavor } from "../settings";
import { configMap, DATA_SIZE_GI, envOf, type SecretData, fileMount, livenessOf, memoryResources, secret, service, statefulSet, tcpProbe, type KubePlacement } from "./objects";

export interface MysqlManifestArgs {
    flavor: MysqlFlavor;
    image: string;
    memoryMb: number;
    serverId: number;
    binlogRetentionHours: number;
}

/** The files only a Secret may hold, by key: rendered from the passwords (by the program inside an apply). */
export function mysqlSecretFiles(flavor: MysqlFlavor, a: { database: string; user: string; password: string; rootPassword: string }): Record<string, string> {
    return {
        [path.posix.basename(MYSQL.rootPasswordFile)]: a.rootPassword,
        [path.posix.basename(MYSQL.credentialsFile)]: credentialsSql(flavor, a),
        [path.posix.basename(MYSQL.initFile)]: cdcInitSql(a),
    };
}

export function mysqlObjects(p: KubePlacement, a: MysqlManifestArgs, secretFiles: SecretData) {
    const role = "mysql";
    const files = { "cdc.cnf": fs.readFileSync(MYSQL_CNF_FILE, "utf8"), "mysql-entrypoint.sh": entrypointScript(MYSQL) };
    const key = (file: string) => path.posix.basename(file);
    return [
        configMap(p, "mysql-config", role, files),
        secret(p, "mysql-secrets", role, secretFiles),
        service(p, MYSQL.alias, role, [{ name: "mysql", port: MYSQL.port }]),
        statefulSet(p, "mysql", {
            role,
            data: { sizeGi: DATA_SIZE_GI.mysql },
            // A clean shutdown flushes InnoDB and the binlog.
            terminationGraceSeconds: 60,
            volumes: [
                { name: "config", configMap: { name: "mysql-config", defaultMode: 0o555 } },
                { name: "secrets", secret: { secretName: "mysql-secrets", defaultMode: 0o444 } },
            ],
            containers: [{
                name: "mysql",
                image: a.image,
                // Our entrypoint applies the stack's passwords on a kept data volume, then runs the image's.
                command: [MYSQL.entrypointFile],
                args: binlogFlags(a.flavor, { serverId: a.serverId, retentionHours: a.binlogRetentionHours }),
                env: envOf(rootPasswordEnv(a.flavor)),
                ports: [{ name: "mysql", containerPort: MYSQL.port }],
                resources: memoryResources(a.memoryMb),
                readinessProbe: tcpProbe(MYSQL.port),
                livenessProbe: livenessOf(tcpProbe(MYSQL.port)),
                volumeMounts: [
                    { name: "data", mountPath: MYSQL.dataDir },
                    fileMount("config", MYSQL.confFile, "cdc.cnf"),
                    fileMount("config", MYSQL.entrypointFile, "mysql-entrypoint.sh"),
                    fileMount("secrets", MYSQL.rootPasswordFile, key(MYSQL.rootPasswordFile)),
                    fileMount("secrets", MYSQL.credentialsFile, key(MYSQL.credentialsFile)),
                    fileMount("secrets", MYSQL.initFile, key(MYSQL.initFile)),
                ],
            }],
        }),
    ];
}

export interface PostgresManifestArgs {
    image: string;
    memoryMb: number;
    database: string;
    cdcUser: string;
    maxWalSenders: number;
    maxReplicationSlots: number;
}

/** PGDATA one level below the claim's root: a fresh volume may hold lost+found, which initdb refuses. */
export const POSTGRES_PGDATA = `${POSTGRES.dataDir}/pgdata`;

export function postgresSecretFiles(a: { database: string; user: string; password: string; superuserPassword: string }): Record<string, string> {
    return {
        [path.posix.basename(POSTGRES.superuserPasswordFile)]: a.superuserPassword,
        [POSTGRES.rolesSqlFile]: postgresRolesSql(a),
    };
}

export function postgresObjects(p: KubePlacement, a: PostgresManifestArgs, secretFiles: SecretData) {
    const role = "postgres";
    const startScript = path.posix.basename(POSTGRES.startScript);
    return [
        configMap(p, "postgres-config", role, {
            [startScript]: postgresStartScript(),
            [POSTGRES.databaseSqlFile]: postgresDatabaseSql({ database: a.database, user: a.cdcUser }),
        }),
        secret(p, "postgres-secrets", role, secretFiles),
        service(p, POSTGRES.alias, role, [{ name: "postgres", port: POSTGRES.port }]),
        statefulSet(p, "postgres", {
            role,
            data: { sizeGi: DATA_SIZE_GI.postgres },
            terminationGraceSeconds: 60,
            volumes: [
                { name: "config", configMap: { name: "postgres-config", defaultMode: 0o555 } },
                // Both SQL files: the roles one (passwords) from the Secret, readable by root only (the start script copies them).
                {
                    name: "init-sql",
                    projected: {
                        sources: [
                            { secret: { name: "postgres-secrets", items: [{ key: POSTGRES.rolesSqlFile, path: POSTGRES.rolesSqlFile, mode: 0o400 }] } },
                            { configMap: { name: "postgres-config", items: [{ key: POSTGRES.databaseSqlFile, path: POSTGRES.databaseSqlFile, mode: 0o444 }] } },
                        ],
                    },
                },
                { name: "secrets", secret: { secretName: "postgres-secrets", defaultMode: 0o400 } },
            ],
            containers: [{
                name: "postgres",
                image: a.image,
                command: [POSTGRES.startScript],
                args: logicalDecodingFlags({ maxWalSenders: a.maxWalSenders, maxReplicationSlots: a.maxReplicationSlots }),
                env: envOf([
                    `POSTGRES_PASSWORD_FILE=${POSTGRES.superuserPasswordFile}`,
                    `POSTGRES_DB=${a.database}`,
                    `${SQL_DIR_ENV}=${POSTGRES.mountedSqlDir}`,
                    `PGDATA=${POSTGRES_PGDATA}`,
                ]),
                ports: [{ name: "postgres", containerPort: POSTGRES.port }],
                resources: memoryResources(a.memoryMb),
                readinessProbe: tcpProbe(POSTGRES.port),
                livenessProbe: livenessOf(tcpProbe(POSTGRES.port)),
                volumeMounts: [
                    { name: "data", mountPath: POSTGRES.dataDir },
                    fileMount("config", POSTGRES.startScript, startScript),
                    { name: "init-sql", mountPath: POSTGRES.mountedSqlDir, readOnly: true },
                    fileMount("secrets", POSTGRES.superuserPasswordFile, path.posix.basename(POSTGRES.superuserPasswordFile)),
                ],
            }],
        }),
    ];
}
