// The Debezium PostgreSQL connector as the stack declares it (the real connector runs in tests/integration/debeziumPostgres.test.ts).
import { commonConnectorConfig } from "../../lib/debezium";
import { KAFKA_CONNECT } from "../../lib/kafkaConnect";
import { postgresChangeTopic, postgresPasswordFile, POSTGRES_PASSWORD_FILE, stackPostgresConnector } from "../../lib/postgresConnector";
import { parseSettings, SettingsError } from "../../lib/settings";

const settings = (raw: Record<string, string> = {}) => parseSettings(raw, "cdc-test-infra", "dev");

test("the stack's connector: server by alias, CDC user, pgoutput on the init SQL's publication (not auto-created), its own slot and prefix", () => {
    const spec = stackPostgresConnector(settings().postgres);
    expect(spec).toEqual({
        name: "cdc-postgres-source",
        config: {
            ...commonConnectorConfig("cdc-postgres"),
            "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "database.hostname": "postgres",
            "database.port": "5432",
            "database.user": "cdc",
            "database.password": `\${file:${KAFKA_CONNECT.secretDir}/postgres.properties:password}`,
            "database.dbname": "cdc_test",
            "plugin.name": "pgoutput",
            "slot.name": "debezium_cdc",
            "publication.name": "dbz_publication",
            "publication.autocreate.mode": "disabled",
            "snapshot.mode": "initial",
        },
    });
    expect(POSTGRES_PASSWORD_FILE).toBe("/run/cdc-secrets/postgres.properties");
});

test("settings reach the connector", () => {
    const spec = stackPostgresConnector(settings({ postgresConnectorName: "pg-src", postgresTopicPrefix: "pg", postgresSlotName: "slot_1", postgresDatabase: "orders", postgresCdcUser: "dbz" }).postgres);
    expect(spec.name).toBe("pg-src");
    expect(spec.config).toMatchObject({ "topic.prefix": "pg", "slot.name": "slot_1", "database.dbname": "orders", "database.user": "dbz" });
    expect(postgresChangeTopic("pg", "public", "t")).toBe("pg.public.t");
});

test("the password file is a properties file the worker's provider reads back; the password never enters the config", () => {
    const password = "p'w\\=#:x";
    const file = postgresPasswordFile(POSTGRES_PASSWORD_FILE, password);
    expect(file.path).toBe(POSTGRES_PASSWORD_FILE);
    expect(file.content).toBe("password=p'w\\\\=#:x\n");
    expect(JSON.stringify(stackPostgresConnector(settings().postgres))).not.toContain("p'w");
});

test.each([
    [{ postgresSlotName: "Debezium" }, "postgresSlotName", "lowercase letters, digits and _"],
    [{ postgresTopicPrefix: "cdc pg" }, "postgresTopicPrefix", "letters, digits, ., _ and -"],
    [{ postgresConnectorName: "cdc-mysql-source" }, "postgresConnectorName", "different from debeziumConnectorName"],
])("%j is rejected by name", (raw, key, allowed) => {
    let problems: string[] = [];
    try {
        settings(raw as Record<string, string>);
    } catch (err) {
        expect(err).toBeInstanceOf(SettingsError);
        problems = (err as SettingsError).problems;
    }
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(key);
    expect(problems[0]).toContain(allowed);
});
