// The PostgreSQL part of the program on a persistent `dev` stack (on by default), against the mocked engine.
import { logicalDecodingFlags, POSTGRES, postgresDatabaseSql, postgresRolesSql, postgresStartScript, SQL_DIR_ENV } from "../../lib/postgres";
import { postgresPasswordFile, POSTGRES_CONNECTOR_CLASS, POSTGRES_PASSWORD_FILE, stackPostgresConnector } from "../../lib/postgresConnector";
import { parseProbeArgv, PROBE_SECRET_ENV } from "../../lib/probes";
import { parseSettings } from "../../lib/settings";
import {
    byName, dependenciesOf, MOCK_GATEWAY, isSecret, isSecretValue, ofType, options, reveal, runProgram, useMocks, valueOf,
} from "./harness";

useMocks({ stack: "dev" });
const defaults = parseSettings({}, "cdc-test-infra", "dev").postgres;
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

const server = () => byName("postgres-server").inputs;
const uploadsByFile = () => Object.fromEntries(reveal(server().uploads).map((u: any) => [u.file, u]));

test("postgres:17 pulled once by its pinned tag and kept; the container references the image id", () => {
    expect(defaults.image).toBe("postgres:17");
    expect(byName("postgres-image").inputs).toEqual({ name: "postgres:17", keepLocally: true });
    expect(server().image).toBe("sha256:postgres-image");
    expect(ofType("cdc:infra:PostgresServer").map((r) => r.name)).toEqual(["postgres"]);
});

test("named data volume at PGDATA, kept on destroy for a persistent stack", () => {
    expect(byName("postgres-data").inputs.name).toBe("cdc-test-infra-dev-postgres-data");
    expect(options.get("postgres-data")?.retainOnDelete).toBe(true);
    expect(server().volumes).toEqual([{ volumeName: "cdc-test-infra-dev-postgres-data", containerPath: "/var/lib/postgresql/data" }]);
});

test("memory limit without swap, loopback port 5432 (and the network's gateway, for host drivers' jobs), network alias postgres, fixed name", () => {
    const c = server();
    expect(c.memory).toBe(512);
    expect(c.memorySwap).toBe(512);
    expect(c.ports).toEqual([{ internal: 5432, external: 5432, ip: "127.0.0.1" }, { internal: 5432, external: 5432, ip: MOCK_GATEWAY }]);
    expect(c.networksAdvanced).toEqual([{ name: "cdc-test-infra-dev-net", aliases: ["postgres"] }]);
    expect(c.name).toBe("cdc-test-infra-dev-postgres");
    expect(options.get("postgres-server")?.deleteBeforeReplace).toBe(true);
    expect(options.get("postgres-server")?.parent).toBe("postgres");
});

test("the wrapper is the entrypoint and gets the logical decoding flags as its arguments", () => {
    expect(server().entrypoints).toEqual([POSTGRES.startScript]);
    expect(server().command).toEqual(logicalDecodingFlags({ maxWalSenders: 10, maxReplicationSlots: 10 }));
    expect(server().command).toEqual(["-c", "wal_level=logical", "-c", "max_wal_senders=10", "-c", "max_replication_slots=10"]);
});

test("passwords only in uploaded files: env holds the password file path, database and SQL dir; no secret in env or command", async () => {
    const superuser = (await valueOf<string>(out.postgresSuperuserPassword))!;
    const cdc = (await valueOf<string>(out.postgresCdcPassword))!;
    expect(superuser).toBe("generated-postgres-superuser-password");
    expect(cdc).toBe("generated-postgres-cdc-password");
    expect(server().envs).toEqual([
        `POSTGRES_PASSWORD_FILE=${POSTGRES.superuserPasswordFile}`, "POSTGRES_DB=cdc_test", `${SQL_DIR_ENV}=/docker-entrypoint-initdb.d`,
    ]);
    const plain = JSON.stringify([server().envs, server().command, server().entrypoints]);
    expect(plain).not.toContain(superuser);
    expect(plain).not.toContain(cdc);
});

test("uploads: the wrapper, the superuser password file and both SQL files (the roles file secret, owner-only)", async () => {
    expect(isSecretValue(server().uploads)).toBe(true);
    const superuser = (await valueOf<string>(out.postgresSuperuserPassword))!;
    const cdc = (await valueOf<string>(out.postgresCdcPassword))!;
    expect(uploadsByFile()).toEqual({
        [POSTGRES.startScript]: { file: POSTGRES.startScript, content: postgresStartScript(), permissions: "0555" },
        [POSTGRES.superuserPasswordFile]: { file: POSTGRES.superuserPasswordFile, content: superuser, permissions: "0400" },
        "/docker-entrypoint-initdb.d/10-cdc-roles.sql": {
            file: "/docker-entrypoint-initdb.d/10-cdc-roles.sql", permissions: "0400",
            content: postgresRolesSql({ database: "cdc_test", user: "cdc", password: cdc, superuserPassword: superuser }),
        },
        "/docker-entrypoint-initdb.d/20-cdc-database.sql": {
            file: "/docker-entrypoint-initdb.d/20-cdc-database.sql", permissions: "0444",
            content: postgresDatabaseSql({ database: "cdc_test", user: "cdc" }),
        },
    });
    expect(postgresStartScript()).not.toContain(cdc);
});

test("the gate probes the CDC login through the loopback port; the password only in its environment, output hidden", async () => {
    const probe = byName("postgres-ready-probe").inputs;
    expect(probe.create).toBe(
        "node dist/probe/cli.js postgres --host 127.0.0.1 --port 5432 --database cdc_test --cdc-user cdc --publication dbz_publication" +
        " --timeout 300 --interval 100 --container cdc-test-infra-dev-postgres");
    const cdc = (await valueOf<string>(out.postgresCdcPassword))!;
    expect(isSecretValue(probe.environment)).toBe(true);
    expect(reveal(probe.environment)).toEqual({ [PROBE_SECRET_ENV.postgresCdcPassword]: cdc });
    expect(probe.logging).toBe("none");
    expect(options.get("postgres-ready-probe")?.additionalSecretOutputs).toEqual(["stdout", "stderr"]);
    expect(options.get("postgres-ready-probe")?.dependsOn).toEqual(["postgres-server"]);
    expect(probe.triggers).toEqual(["postgres-server-id"]);
});

test("outputs: endpoints after the postgres gate only; passwords secret; env lines carry the CDC login", async () => {
    expect(await valueOf(out.postgresHost)).toBe("127.0.0.1");
    expect(await valueOf(out.postgresPort)).toBe(5432);
    expect(await valueOf(out.postgresDatabase)).toBe("cdc_test");
    expect(await valueOf(out.postgresCdcUser)).toBe("cdc");
    expect(await valueOf(out.postgresPublication)).toBe("dbz_publication");
    for (const key of ["postgresHost", "postgresPort", "postgresDatabase", "postgresCdcUser", "postgresCdcPassword", "postgresPublication"]) {
        const gates = (await dependenciesOf(out[key])).map((r: any) => r.__name).filter((n: string) => n.endsWith("-ready-probe"));
        expect({ key, gates }).toEqual({ key, gates: ["postgres-ready-probe"] });
    }
    for (const key of ["postgresCdcPassword", "postgresSuperuserPassword"]) expect({ key, secret: await isSecret(out[key]) }).toEqual({ key, secret: true });
    expect(await isSecret(out.postgresHost)).toBe(false);
    const lines = (await valueOf<string>(out.testEnv))!;
    expect(lines).toContain("CDC_POSTGRES_HOST=127.0.0.1\nCDC_POSTGRES_PORT=5432\nCDC_POSTGRES_DATABASE=cdc_test\nCDC_POSTGRES_USER=cdc\n");
    expect(lines).toContain(`CDC_POSTGRES_PASSWORD=${await valueOf(out.postgresCdcPassword)}\n`);
    expect(lines).toContain("CDC_POSTGRES_PUBLICATION=dbz_publication\n");
    expect(lines).not.toContain(await valueOf<string>(out.postgresSuperuserPassword));
});

test("generated passwords are RandomPasswords (state), children of the component", () => {
    expect(byName("postgres-superuser-password").inputs).toEqual({ length: 24, special: false });
    expect(options.get("postgres-superuser-password")?.parent).toBe("postgres");
    expect(options.get("postgres-cdc-password")?.parent).toBe("postgres");
});

describe("the Debezium PostgreSQL connector in the stack's Connect cluster", () => {
    const registerArgv = () => byName("postgres-connector-register").inputs.create.split(" ").slice(2).map((w: string) => w.replace(/^'|'$/g, ""));

    test("registered by the connector gate with the stack's spec: the server's alias, the CDC user, pgoutput, the publication, the password file", () => {
        const { request } = parseProbeArgv(registerArgv());
        const spec = stackPostgresConnector(parseSettings({}, "cdc-test-infra", "dev").postgres);
        expect(request).toEqual({ service: "connector", url: "http://127.0.0.1:8083", name: "cdc-postgres-source", config: spec.config });
        expect(spec.config).toMatchObject({ "database.hostname": "postgres", "database.port": "5432", "database.password": `\${file:${POSTGRES_PASSWORD_FILE}:password}` });
    });

    test("waits for the PostgreSQL, Kafka and Connect gates; nothing waits for it", () => {
        expect(options.get("postgres-connector-register")?.dependsOn).toEqual(["postgres-ready", "kafka-ready", "connect-ready"]);
        for (const [name, o] of options) {
            if (name !== "postgres-connector-register") expect({ name, deps: o.dependsOn.filter((d) => d.startsWith("postgres-connector")) }).toEqual({ name, deps: [] });
        }
    });

    test("the Connect worker gets the CDC password as a secret properties file and must offer the PostgreSQL connector class", async () => {
        const cdc = (await valueOf<string>(out.postgresCdcPassword))!;
        const worker = byName("connect-worker").inputs;
        expect(isSecretValue(worker.uploads)).toBe(true);
        expect(reveal(worker.uploads)).toContainEqual({ file: POSTGRES_PASSWORD_FILE, content: postgresPasswordFile(POSTGRES_PASSWORD_FILE, cdc).content, permissions: "0444" });
        expect(byName("connect-ready-probe").inputs.create).toContain(`--plugin ${POSTGRES_CONNECTOR_CLASS}`);
        // The password is only a file reference in the registration, and the redaction variable is secret.
        expect(byName("postgres-connector-register").inputs.create).not.toContain(cdc);
        const environment = byName("postgres-connector-register").inputs.environment;
        expect(isSecretValue(environment) || Object.values(environment).every(isSecretValue)).toBe(true);
        expect(JSON.stringify(reveal(environment))).toContain(cdc);
    });

    test("connector name and topic prefix are outputs and env lines, released by the connector's gate", async () => {
        expect(await valueOf(out.postgresConnectorName)).toBe("cdc-postgres-source");
        expect(await valueOf(out.postgresTopicPrefix)).toBe("cdc-postgres");
        const gates = (await dependenciesOf(out.postgresTopicPrefix)).map((r: any) => r.__name).filter((n: string) => n.endsWith("-register"));
        expect(gates).toEqual(["postgres-connector-register"]);
        const lines = (await valueOf<string>(out.testEnv))!;
        expect(lines).toContain("CDC_POSTGRES_CONNECTOR_NAME=cdc-postgres-source\nCDC_POSTGRES_TOPIC_PREFIX=cdc-postgres\n");
    });
});
