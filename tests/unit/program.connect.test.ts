// The whole program (persistent `dev` stack, MySQL flavor) with the CDC path: Kafka Connect and the
// MySQL source connector wired to the stack's database and Kafka, against the mocked engine.
import { BINLOG_CONNECTOR_CLASSES, MYSQL_PASSWORD_FILE } from "../../lib/debezium";
import { MYSQL } from "../../lib/mysql";
import { parseProbeArgv } from "../../lib/probes";
import { parseSettings } from "../../lib/settings";
import { byName, dependenciesOf, isSecret, isSecretValue, options, registered, reveal, runProgram, useMocks, valueOf } from "./harness";

useMocks({ stack: "dev", config: { mysqlCdcPassword: "cdc-pw-from-config" }, secretKeys: ["mysqlCdcPassword"] });
const defaults = parseSettings({}, "cdc-test-infra", "dev");
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

const names = (rs: unknown[]) => rs.map((r) => (r as { __name: string }).__name);

test("the connector for the mysql flavor is Debezium's MySQL connector, logging in as the CDC user at the database's alias", () => {
    const words = byName("mysql-connector-register").inputs.create.split(" ").slice(2).map((w: string) => w.replace(/^'|'$/g, ""));
    const { request } = parseProbeArgv(words);
    expect(request).toMatchObject({ service: "connector", url: `http://127.0.0.1:${defaults.connect.port}`, name: defaults.debezium.connectorName });
    expect((request as { config: Record<string, string> }).config).toMatchObject({
        "connector.class": BINLOG_CONNECTOR_CLASSES.mysql, "database.hostname": MYSQL.alias, "database.port": "3306", "database.user": defaults.mysql.cdcUser,
        "database.password": `\${file:${MYSQL_PASSWORD_FILE}:password}`, "database.server.id": String(defaults.debezium.serverId),
        "database.include.list": defaults.mysql.database, "schema.history.internal.kafka.bootstrap.servers": "kafka:9092",
    });
    expect(byName("connect-ready-probe").inputs.create).toContain(`--plugin ${BINLOG_CONNECTOR_CLASSES.mysql}`);
});

test("the connector waits for the database, Kafka and Connect gates only; nothing else waits for it", () => {
    expect(options.get("mysql-connector-register")?.dependsOn).toEqual(["mysql-ready", "kafka-ready", "connect-ready"]);
    for (const [name, o] of options) {
        if (name !== "mysql-connector-register") expect({ name, dependsOn: o.dependsOn.filter((d) => d.startsWith("mysql-connector")) }).toEqual({ name, dependsOn: [] });
    }
});

test("the CDC password appears only in secret inputs: the Connect worker's password file, the gates' environments, MySQL's own files", () => {
    const carriers: string[] = [];
    for (const r of registered) {
        for (const [key, value] of Object.entries(r.inputs)) {
            if (!JSON.stringify(reveal(value)).includes("cdc-pw-from-config")) continue;
            carriers.push(`${r.name}.${key}`);
            expect({ where: `${r.name}.${key}`, secret: isSecretValue(value) }).toEqual({ where: `${r.name}.${key}`, secret: true });
        }
    }
    expect(carriers).toEqual(expect.arrayContaining(["connect-worker.uploads", "mysql-connector-register.environment"]));
    expect(reveal(byName("connect-worker").inputs.uploads)).toContainEqual({ file: MYSQL_PASSWORD_FILE, content: "password=cdc-pw-from-config\n", permissions: "0444" });
});

test("outputs and env lines: Connect REST URL, connector name and topic prefix, each released by its gate", async () => {
    expect(await valueOf(out.connectUrl)).toBe(`http://127.0.0.1:${defaults.connect.port}`);
    expect(await valueOf(out.cdcConnectorName)).toBe(defaults.debezium.connectorName);
    expect(await valueOf(out.cdcTopicPrefix)).toBe(defaults.debezium.topicPrefix);
    expect(names(await dependenciesOf(out.connectUrl))).toContain("connect-ready-probe");
    for (const o of [out.cdcConnectorName, out.cdcTopicPrefix]) {
        expect(names(await dependenciesOf(o))).toContain("mysql-connector-register");
        expect(await isSecret(o)).toBe(false);
    }
    const lines = (await valueOf<string>(out.testEnv))!;
    expect(lines).toContain(`CDC_CONNECT_URL=http://127.0.0.1:${defaults.connect.port}\n`);
    expect(lines).toContain(`CDC_CONNECTOR_NAME=${defaults.debezium.connectorName}\n`);
    expect(lines).toContain(`CDC_TOPIC_PREFIX=${defaults.debezium.topicPrefix}\n`);
    expect(lines).toContain("CDC_MYSQL_FLAVOR=mysql\n");
});

test("the Connect worker dials Kafka's internal listener and is created once the broker's container exists (program.dependencies.test.ts)", async () => {
    const env = byName("connect-worker").inputs.envs as string[];
    expect(env).toContain("BOOTSTRAP_SERVERS=kafka:9092");
    expect(options.get("connect-worker")?.dependsOn).toEqual(["kafka-server"]);
});
