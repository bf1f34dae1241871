// Connect/Debezium facts and the connector probe's decisions. The probe runs against a stand-in Connect
// REST API here (a local HTTP server answering what a real worker answers) for the states a real worker
// only reaches by accident: a FAILED task, a snapshot in progress. The real worker: tests/integration/debezium.test.ts.
import * as http from "http";
import type { AddressInfo } from "net";
import { snapshotState, type ConnectorSpec } from "../../lib/debezium";
import { KAFKA_JVM_PERFORMANCE_OPTS } from "../../lib/kafka";
import { connectContainerEnv, propertiesFile } from "../../lib/kafkaConnect";
import { parseProbeArgv, probeArgv } from "../../lib/probes";
import { parseSettings, SettingsError } from "../../lib/settings";
import { connectorCheck } from "../../probe/connect";
import { waitUntilReady } from "../../probe/poll";

describe("settings", () => {
    const parse = (raw: Record<string, string>) => parseSettings(raw, "cdc-test-infra", "dev");
    test("defaults: the include list is the test database; the connector's server id differs from the server's", () => {
        const s = parse({ mysqlDatabase: "shop" });
        expect(s.debezium).toEqual({ connectorName: "cdc-mysql-source", topicPrefix: "cdc", serverId: 184055, databaseIncludeList: "shop", snapshotMode: "initial" });
        expect(s.debezium.serverId).not.toBe(s.mysql.serverId);
        expect(s.connect).toEqual({ image: "quay.io/debezium/connect:3.5.0.Final", port: 8083, memoryMb: 1024 });
    });
    test.each([
        [{ debeziumServerId: "184054" }, "debeziumServerId = 184054: expected an id different from mysqlServerId (184054)"],
        [{ mysqlServerId: "7", debeziumServerId: "7" }, "debeziumServerId = 7: expected an id different from mysqlServerId (7)"],
        [{ debeziumSnapshotMode: "schema_only" }, 'debeziumSnapshotMode = "schema_only": expected one of initial, always, when_needed, no_data, recovery'],
        [{ debeziumTopicPrefix: "cdc/x" }, 'debeziumTopicPrefix = "cdc/x": expected letters, digits, ., _ and -'],
        [{ debeziumConnectorName: "a b" }, 'debeziumConnectorName = "a b": expected letters, digits, ., _ and -'],
        [{ debeziumDatabaseIncludeList: "a,,b" }, 'debeziumDatabaseIncludeList = "a,,b": expected comma-separated database names or regular expressions'],
        [{ connectMemoryMb: "256" }, 'connectMemoryMb = "256": expected an integer from 512 to 65536'],
        [{ connectImage: "quay.io/debezium/connect:latest" }, '"latest" is not a pin'],
    ])("%j is rejected: %s", (raw, message) => {
        expect(() => parse(raw)).toThrow(SettingsError);
        expect(() => parse(raw)).toThrow(message);
    });
    test("an explicit include list (regular expressions allowed) wins", () => {
        expect(parse({ debeziumDatabaseIncludeList: "cdc_test,orders_.*" }).debezium.databaseIncludeList).toBe("cdc_test,orders_.*");
    });
});

describe("worker environment for the image's entrypoint", () => {
    test("image-owned properties use its variables; others CONNECT_<NAME>; the heap goes to HEAP_OPTS", () => {
        expect(connectContainerEnv({ "bootstrap.servers": "kafka:9092", "config.providers.file.class": "X" }, 512))
            .toEqual(["BOOTSTRAP_SERVERS=kafka:9092", "CONNECT_CONFIG_PROVIDERS_FILE_CLASS=X", "HEAP_OPTS=-Xms128m -Xmx512m", `KAFKA_JVM_PERFORMANCE_OPTS=${KAFKA_JVM_PERFORMANCE_OPTS}`]);
    });
    test("what its sed cannot carry is refused: _ in a name, @ in a value", () => {
        expect(() => connectContainerEnv({ "a_b": "x" }, 512)).toThrow('worker property a_b: the image cannot take a property name with "_"');
        expect(() => connectContainerEnv({ "a.b": "x@y" }, 512)).toThrow('worker property a.b: the image cannot take a value with "@"');
    });
    test("the properties file escapes what java.util.Properties would otherwise change", () => {
        expect(propertiesFile({ password: "a\\b=c:#d" })).toBe("password=a\\\\b=c:#d\n");
        expect(propertiesFile({ password: " #lead" })).toBe("password=\\ #lead\n");
        expect(propertiesFile({ password: "é\n" })).toBe("password=\\u00e9\\n\n");
    });
});

describe("snapshot completion from committed offsets", () => {
    const at = (offset: Record<string, unknown>, server = "cdc") => ({ offsets: [{ partition: { server }, offset }] });
    test.each([
        ["no offset yet", { offsets: [] }, false],
        ["another connector's partition", at({ file: "binlog.000001", pos: 4 }, "other"), false],
        ["a snapshot running (MySQL/MariaDB)", at({ snapshot: true, snapshot_completed: false, file: "binlog.000001", pos: 1380 }), false],
        ["a snapshot running (Postgres, 3.x snapshot kind)", at({ snapshot: "INITIAL", last_snapshot_record: false, lsn: 1 }), false],
        ["the last snapshot record (Postgres)", at({ snapshot: "INITIAL", last_snapshot_record: true, lsn: 1 }), true],
        ["snapshot completed flag", at({ snapshot: true, snapshot_completed: true }), true],
        ["streaming (no snapshot key; what MariaDB showed after its snapshot)", at({ ts_sec: 1, file: "binlog.000001", pos: 1380, gtids: "0-4242-6" }), true],
    ])("%s", (_what, offsets, done) => {
        expect(snapshotState(offsets as any, "cdc").done).toBe(done);
    });
});

describe("connector probe against a stand-in Connect REST API", () => {
    const SECRET = "pw-that-leaks-into-a-trace";
    const spec: ConnectorSpec = { name: "src", config: { "connector.class": "X", "topic.prefix": "cdc", "database.password": "${file:/run/cdc-secrets/mysql.properties:password}" } };
    let server: http.Server;
    let url: string;
    let answers: Record<string, () => [number, unknown]>;
    const seen: string[] = [];

    beforeAll(async () => {
        server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (d) => { body += d; });
            req.on("end", () => {
                seen.push(`${req.method} ${req.url} ${body}`);
                const [status, json] = (answers[`${req.method} ${req.url}`] ?? (() => [404, { error_code: 404, message: "not here" }]))();
                res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    beforeEach(() => { seen.length = 0; });

    const run = (timeoutMs = 3000) => waitUntilReady(connectorCheck(url, spec, [SECRET]), { timeoutMs, intervalMs: 10, log: () => undefined });

    test("a FAILED task ends the wait at once with its trace, the secret redacted; the config was PUT once, without it", async () => {
        answers = {
            "PUT /connectors/src/config": () => [201, { name: "src", config: spec.config }],
            "GET /connectors/src/status": () => [200, { name: "src", connector: { state: "RUNNING" }, tasks: [{ id: 0, state: "FAILED", trace: `org.apache.kafka.connect.errors.ConnectException: login with ${SECRET} refused\n\tat io.debezium.Foo` }] }],
        };
        const err = await run().catch((e: Error) => e);
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message).toContain("gave up, waiting cannot help (1 attempt)");
        expect((err as Error).message).toContain("task 0 FAILED:\norg.apache.kafka.connect.errors.ConnectException: login with [redacted] refused");
        expect((err as Error).message).not.toContain(SECRET);
        expect(seen.filter((s) => s.startsWith("PUT"))).toEqual([`PUT /connectors/src/config ${JSON.stringify(spec.config)}`]);
    });

    test("a FAILED connector ends the wait with the connector's trace", async () => {
        answers = {
            "PUT /connectors/src/config": () => [200, { name: "src", config: spec.config }],
            "GET /connectors/src/status": () => [200, { name: "src", connector: { state: "FAILED", trace: "java.lang.IllegalStateException: boom" }, tasks: [] }],
        };
        await expect(run()).rejects.toThrow("connector FAILED:\njava.lang.IllegalStateException: boom");
    });

    test("RUNNING but snapshotting keeps waiting; it passes once the offset shows streaming", async () => {
        let polls = 0;
        answers = {
            "PUT /connectors/src/config": () => [200, { name: "src", config: spec.config }],
            "GET /connectors/src/status": () => [200, { name: "src", connector: { state: "RUNNING" }, tasks: [{ id: 0, state: "RUNNING" }] }],
            "GET /connectors/src/offsets": () => [200, { offsets: [{ partition: { server: "cdc" }, offset: ++polls < 4 ? { snapshot: true, snapshot_completed: false } : { file: "binlog.000002", pos: 4 } }] }],
        };
        const result = await run();
        expect(result.attempts).toBe(4);
        expect(result.observed).toBe('connector RUNNING, tasks [0:RUNNING], snapshot done: offset {"file":"binlog.000002","pos":4}');
    });

    test("a worker still starting (HTTP 409 rebalance) is waited for; a rejected config (400) is not", async () => {
        let puts = 0;
        answers = {
            "PUT /connectors/src/config": () => (++puts < 3 ? [409, { error_code: 409, message: "Cannot complete request momentarily due to stale configuration" }] : [400, { error_code: 400, message: `Connector configuration is invalid: Access denied (password ${SECRET})` }]),
        };
        await expect(run()).rejects.toThrow("last observed: PUT config: PUT /connectors/src/config: HTTP 400: Connector configuration is invalid: Access denied (password [redacted])");
        expect(puts).toBe(3);
    });

    test("the gate's command line carries the config as JSON and parses back to the same request", () => {
        const argv = probeArgv({ service: "connector", url, name: spec.name, config: spec.config }, { timeoutSeconds: 60, intervalMs: 100, containers: [] });
        expect(parseProbeArgv(argv).request).toEqual({ service: "connector", url, name: "src", config: spec.config });
        expect(() => parseProbeArgv(["connector", "--url", url, "--name", "x", "--config", "[1]", "--timeout", "1", "--interval", "1"])).toThrow("--config: expected a JSON object of string values");
    });
});
