// Debezium's PostgreSQL source connector as the stack declares it: registered by the same connector gate
// as the MySQL one (lib/debezium.ts, components/debeziumConnector.ts), password through the worker's file
// config provider, reading the publication the init SQL created (lib/postgres.ts).
import { commonConnectorConfig, PASSWORD_KEY, type ConnectorSpec, type SecretFile } from "./debezium";
import { fileSecretReference, KAFKA_CONNECT, propertiesFile } from "./kafkaConnect";
import { POSTGRES } from "./postgres";
import type { Settings } from "./settings";

export const POSTGRES_CONNECTOR_CLASS = "io.debezium.connector.postgresql.PostgresConnector";

/** Where the CDC password file goes in the Connect container. */
export const POSTGRES_PASSWORD_FILE = `${KAFKA_CONNECT.secretDir}/postgres.properties`;

export interface PostgresConnectorOptions {
    name: string;
    /** The server as the Connect container reaches it: its network alias and container port. */
    hostname: string;
    port: number;
    database: string;
    user: string;
    /** Where the password file is uploaded in the Connect container. */
    passwordFile: string;
    topicPrefix: string;
    /** The connector's logical replication slot (kept across restarts, so streaming resumes where it stopped). */
    slotName: string;
}

export function postgresPasswordFile(passwordFile: string, password: string): SecretFile {
    return { path: passwordFile, content: propertiesFile({ [PASSWORD_KEY]: password }) };
}

export function postgresConnector(o: PostgresConnectorOptions): ConnectorSpec {
    return {
        name: o.name,
        config: {
            "connector.class": POSTGRES_CONNECTOR_CLASS,
            ...commonConnectorConfig(o.topicPrefix),
            "database.hostname": o.hostname,
            "database.port": String(o.port),
            "database.user": o.user,
            "database.password": fileSecretReference(o.passwordFile, PASSWORD_KEY),
            "database.dbname": o.database,
            "plugin.name": POSTGRES.decodingPlugin,
            "slot.name": o.slotName,
            "publication.name": POSTGRES.publication,
            // The init SQL creates the publication as the superuser (FOR ALL TABLES needs one); the CDC
            // user could not, and must not alter it: the connector only checks that it exists.
            "publication.autocreate.mode": "disabled",
            "snapshot.mode": "initial",
        },
    };
}

/** The stack's PostgreSQL connector: the server by its network alias, the password file in the Connect container. */
export function stackPostgresConnector(s: Settings["postgres"]): ConnectorSpec {
    return postgresConnector({
        name: s.connectorName, hostname: POSTGRES.alias, port: POSTGRES.port, database: s.database, user: s.cdcUser,
        passwordFile: POSTGRES_PASSWORD_FILE, topicPrefix: s.topicPrefix, slotName: s.slotName,
    });
}

/** The topic of a table's change events: <prefix>.<schema>.<table> (PostgreSQL topics name the schema, not the database). */
export function postgresChangeTopic(topicPrefix: string, schema: string, table: string): string {
    return `${topicPrefix}.${schema}.${table}`;
}
