// Debezium source connectors as data: what the program declares, the gate registers through Connect's
// REST API (lib/connectRest.ts, run by the probe), and the tests register the same way.
import { fileSecretReference, JSON_CONVERTER_CLASS, KAFKA_CONNECT, propertiesFile } from "./kafkaConnect";
import { MYSQL } from "./mysql";
import type { MysqlFlavor, Settings, SnapshotMode } from "./settings";
export { SNAPSHOT_MODES, type SnapshotMode } from "./settings";

/** Debezium 3.x has a separate MariaDB connector; the MySQL one fails on MariaDB (see REFERENCE.md). */
export const BINLOG_CONNECTOR_CLASSES: Record<MysqlFlavor, string> = {
    mysql: "io.debezium.connector.mysql.MySqlConnector",
    mariadb: "io.debezium.connector.mariadb.MariaDbConnector",
};


/** A file the Connect container gets, read by its file config provider; `content` is secret. */
export interface SecretFile<T = string> {
    path: string;
    content: T;
}

/**
 * A connector as the gate registers it: a name and a config map holding no secret (secrets are
 * `${file:...}` references to SecretFiles). Generic: any Debezium source connector fits.
 */
export interface ConnectorSpec {
    name: string;
    config: Record<string, string>;
}

/** Emitted while the database is idle, so offsets (and so snapshot completion) are committed promptly. */
export const HEARTBEAT_INTERVAL_MS = 1000;

/** Settings every Debezium connector of the stack shares. */
export function commonConnectorConfig(topicPrefix: string): Record<string, string> {
    return {
        "tasks.max": "1",
        "topic.prefix": topicPrefix,
        // Plain JSON events ({before, after, source, op, ts_ms}), no embedded schema: what the pipeline parses.
        "key.converter": JSON_CONVERTER_CLASS,
        "key.converter.schemas.enable": "false",
        "value.converter": JSON_CONVERTER_CLASS,
        "value.converter.schemas.enable": "false",
        "heartbeat.interval.ms": String(HEARTBEAT_INTERVAL_MS),
        // The task hands over queued events this often (default 500 ms, most of the commit-to-event latency).
        "poll.interval.ms": "50",
        // Connect creates the change topics itself (one partition, one replica) whatever the broker's auto-create setting.
        "topic.creation.default.partitions": "1",
        "topic.creation.default.replication.factor": "1",
    };
}

export interface BinlogConnectorOptions {
    flavor: MysqlFlavor;
    name: string;
    /** The database as the Connect container reaches it: its network alias and container port. */
    hostname: string;
    port: number;
    user: string;
    /** Where the password file is uploaded in the Connect container. */
    passwordFile: string;
    serverId: number;
    topicPrefix: string;
    databaseIncludeList: string;
    snapshotMode: SnapshotMode;
    /** Kafka as the Connect container reaches it (the schema history topic lives there). */
    kafkaBootstrapServers: string;
}

export const PASSWORD_KEY = "password";

export function binlogPasswordFile(passwordFile: string, password: string): SecretFile {
    return { path: passwordFile, content: propertiesFile({ [PASSWORD_KEY]: password }) };
}

/** The MySQL/MariaDB source connector: logs in as the CDC user, password through the file provider. */
export function binlogConnector(o: BinlogConnectorOptions): ConnectorSpec {
    return {
        name: o.name,
        config: {
            "connector.class": BINLOG_CONNECTOR_CLASSES[o.flavor],
            ...commonConnectorConfig(o.topicPrefix),
            "database.hostname": o.hostname,
            "database.port": String(o.port),
            "database.user": o.user,
            "database.password": fileSecretReference(o.passwordFile, PASSWORD_KEY),
            "database.server.id": String(o.serverId),
            "database.include.list": o.databaseIncludeList,
            "snapshot.mode": o.snapshotMode,
            "schema.history.internal.kafka.bootstrap.servers": o.kafkaBootstrapServers,
            "schema.history.internal.kafka.topic": schemaHistoryTopic(o.topicPrefix),
        },
    };
}

export function schemaHistoryTopic(topicPrefix: string): string {
    return `${topicPrefix}.schema-history`;
}

/** The topic of a table's change events: <prefix>.<database>.<table>. */
export function changeTopic(topicPrefix: string, database: string, table: string): string {
    return `${topicPrefix}.${database}.${table}`;
}

/** Where the stack's CDC password file goes in the Connect container. */
export const MYSQL_PASSWORD_FILE = `${KAFKA_CONNECT.secretDir}/mysql.properties`;

/** The stack's source connector: its database by network alias, as the CDC user, per the settings. */
export function stackBinlogConnector(s: Settings, kafkaBootstrapServers: string): ConnectorSpec {
    return binlogConnector({
        flavor: s.mysql.flavor, name: s.debezium.connectorName, hostname: MYSQL.alias, port: MYSQL.port, user: s.mysql.cdcUser,
        passwordFile: MYSQL_PASSWORD_FILE, serverId: s.debezium.serverId, topicPrefix: s.debezium.topicPrefix,
        databaseIncludeList: s.debezium.databaseIncludeList, snapshotMode: s.debezium.snapshotMode, kafkaBootstrapServers,
    });
}

// --- reading Connect's answers -------------------------------------------------------------

export interface ConnectorStatus {
    name: string;
    connector: { state: string; trace?: string };
    tasks: Array<{ id: number; state: string; trace?: string }>;
}

export interface ConnectorOffsets {
    offsets: Array<{ partition: Record<string, unknown>; offset: Record<string, unknown> }>;
}

/**
 * Whether the connector's initial snapshot is done, from its committed source offsets
 * (`GET /connectors/<name>/offsets`, Kafka >= 3.5). Debezium connectors key their offsets by
 * `{server: <topic.prefix>}`; while a snapshot runs the offset carries `snapshot` (true or the
 * snapshot kind) and `snapshot_completed: false` (Postgres: `last_snapshot_record` on the final
 * snapshot record); once streaming, the offset has no `snapshot` key. No offset yet: not done
 * (heartbeats commit one soon after streaming starts, even on an idle database).
 */
export function snapshotState(offsets: ConnectorOffsets, topicPrefix: string): { done: boolean; observed: string } {
    const entry = offsets.offsets.find((o) => o.partition.server === topicPrefix);
    if (!entry) return { done: false, observed: `no committed offset for server ${topicPrefix} yet` };
    const o = entry.offset;
    const snapshotting = o.snapshot !== undefined && o.snapshot !== false && o.snapshot !== "false";
    const done = !snapshotting || o.snapshot_completed === true || o.last_snapshot_record === true;
    return { done, observed: `offset ${JSON.stringify(o)}` };
}
