// Kafka's facts (lib/kafka.ts) and the kafka probe's logic, without a broker.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { awaitHostListenerCommand, handOverShellCommand, KAFKA, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_VERSION, kafkaEnv, kafkaEnvName, kafkaHeapOptions, kafkaServerProperties, writeHostListenerArgv } from "../../lib/kafka";
import { PROJECT_ROOT } from "../../lib/paths";
import { parseProbeArgv, probeArgv, ProbeUsageError } from "../../lib/probes";
import { parseSettings } from "../../lib/settings";
import { evaluateAdvertised, kafkaErrorObservation } from "../../probe/kafka";

test("the tests' Kafka jars are the image's Kafka version", () => {
    const pom = fs.readFileSync(path.join(PROJECT_ROOT, "scripts", "jars", "pom.xml"), "utf8");
    expect(/<kafka\.version>(.*)<\/kafka\.version>/.exec(pom)?.[1]).toBe(KAFKA_VERSION);
});

test("properties become the image's KAFKA_* variables: . to _, _ to __, - to ___", () => {
    expect(kafkaEnvName("log.dirs")).toBe("KAFKA_LOG_DIRS");
    expect(kafkaEnvName("offsets.topic.replication.factor")).toBe("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR");
    expect(kafkaEnvName("a_b.c-d")).toBe("KAFKA_A__B_C___D");
});

test("the container's environment: every property, the cluster id, the heap and the JVM flags", () => {
    expect(kafkaEnv({ "node.id": "1", "sasl.jaas.config": "a=b" }, 1024)).toEqual([
        "KAFKA_NODE_ID=1", "KAFKA_SASL_JAAS_CONFIG=a=b", `CLUSTER_ID=${KAFKA.clusterId}`, "KAFKA_HEAP_OPTS=-Xms512m -Xmx512m",
        `KAFKA_JVM_PERFORMANCE_OPTS=${KAFKA_JVM_PERFORMANCE_OPTS}`]);
});

test("the heap is half the container's memory, at least 128 MiB", () => {
    expect(kafkaHeapOptions(1024)).toBe("-Xms512m -Xmx512m");
    expect(kafkaHeapOptions(200)).toBe("-Xms128m -Xmx128m");
});

test("the hand-over reaches docker exec with its words intact through the shell", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-kafka-unit-"));
    try {
        // A stand-in docker CLI that records its arguments, one per line.
        fs.writeFileSync(path.join(dir, "docker"), `#!/bin/sh\nprintf '%s\\n' "$@" > ${dir}/argv\n`, { mode: 0o755 });
        execFileSync("sh", ["-c", handOverShellCommand("proj-pr-1-kafka", "127.0.0.1:32781")], { env: { PATH: `${dir}:/usr/bin:/bin` } });
        expect(fs.readFileSync(path.join(dir, "argv"), "utf8").trimEnd().split("\n"))
            .toEqual(["exec", "proj-pr-1-kafka", ...writeHostListenerArgv("127.0.0.1:32781")]);
        const noDocker = () => execFileSync("/bin/sh", ["-c", handOverShellCommand("c", "127.0.0.1:32781")], { env: { PATH: "/nonexistent" }, stdio: "pipe" });
        expect(noDocker).toThrow(/ephemeral stacks need the docker CLI on the PATH/);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("nothing is handed to a container whose port was not published (its gate reports why)", () => {
    expect(handOverShellCommand("c", "127.0.0.1:0")).not.toContain("docker exec");
    expect(() => writeHostListenerArgv("127.0.0.1:1; rm -rf /")).toThrow("expected host:port");
});

test("Kafka's settings: defaults, and every bad value named with what is allowed", () => {
    const defaults = parseSettings({}, "p", "dev");
    expect({ cdcEnabled: defaults.cdcEnabled, kafka: defaults.kafka }).toEqual({ cdcEnabled: true, kafka: { image: "apache/kafka:4.1.1", port: 9092, memoryMb: 1024 } });
    expect(parseSettings({ cdcEnabled: "false", kafkaPort: "19092" }, "p", "dev")).toMatchObject({ cdcEnabled: false, kafka: { port: 19092 } });
    expect(() => parseSettings({ cdcEnabled: "maybe", kafkaMemoryMb: "256", kafkaImage: "apache/kafka:latest", kafkaPort: "70000" }, "p", "dev")).toThrow(
        'Invalid stack configuration (4 problems):\n' +
        '  - cdcEnabled = "maybe": expected true or false\n' +
        '  - kafkaImage = "apache/kafka:latest": expected an image reference with an explicit tag or digest, e.g. mysql:8.4; "latest" is not a pin\n' +
        '  - kafkaPort = "70000": expected an integer from 1 to 65535\n' +
        '  - kafkaMemoryMb = "256": expected an integer from 384 to 65536');
});

describe("kafka probe", () => {
    const timing = { timeoutSeconds: 30, intervalMs: 100, containers: ["k"] };
    test("its command line round-trips", () => {
        const request = { service: "kafka" as const, bootstrap: "127.0.0.1:9092", topic: "cdc-infra-readiness" };
        expect(probeArgv(request, timing)).toEqual(["kafka", "--bootstrap", "127.0.0.1:9092", "--topic", "cdc-infra-readiness",
            "--timeout", "30", "--interval", "100", "--container", "k"]);
        expect(parseProbeArgv(probeArgv(request, timing))).toEqual({ request, timing });
    });
    test.each([
        [["kafka", "--topic", "t", "--timeout", "1", "--interval", "1"], "--bootstrap is missing"],
        [["kafka", "--bootstrap", "a:1,b:2", "--topic", "t", "--timeout", "1", "--interval", "1"], "expected one host:port"],
        [["kafka", "--bootstrap", "a:1", "--timeout", "1", "--interval", "1"], "--topic is missing"],
    ])("bad usage %j", (argv, message) => {
        expect(() => parseProbeArgv(argv)).toThrow(ProbeUsageError);
        expect(() => parseProbeArgv(argv)).toThrow(message);
    });
    test("the broker must advertise the address dialed; another one fails at once", () => {
        expect(evaluateAdvertised("127.0.0.1:9092", [{ nodeId: 1, host: "127.0.0.1", port: 9092 }]))
            .toEqual({ ready: true, observed: "metadata: broker 1 advertises 127.0.0.1:9092" });
        expect(evaluateAdvertised("127.0.0.1:32781", [{ nodeId: 1, host: "127.0.0.1", port: 29092 }])).toEqual({
            ready: false, fatal: true,
            observed: "the broker reached at 127.0.0.1:32781 advertises 127.0.0.1:29092 to host clients, who would dial that next: the host listener's advertised.listeners is wrong",
        });
        expect(evaluateAdvertised("127.0.0.1:9092", [])).toEqual({ ready: false, observed: "metadata lists no broker yet" });
    });
    test("errors: the innermost cause is shown; refusals by the broker are fatal, connection trouble is not", () => {
        const refused = Object.assign(new Error("Connection error: connect ECONNREFUSED 127.0.0.1:9"), { name: "KafkaJSConnectionError" });
        expect(kafkaErrorObservation(Object.assign(new Error("retries exceeded"), { originalError: refused })))
            .toEqual({ ready: false, fatal: false, observed: "Connection error: connect ECONNREFUSED 127.0.0.1:9" });
        const unsupported = Object.assign(new Error("The version of API is not supported"), { type: "UNSUPPORTED_VERSION" });
        expect(kafkaErrorObservation(Object.assign(new Error("wrapped"), { cause: unsupported })))
            .toEqual({ ready: false, fatal: true, observed: "UNSUPPORTED_VERSION: The version of API is not supported" });
        const loading = Object.assign(new Error("The coordinator is loading"), { type: "COORDINATOR_LOAD_IN_PROGRESS" });
        expect(kafkaErrorObservation(loading).fatal).toBe(false);
    });
});

describe("the SHARED listener (host drivers)", () => {
    test("the gate's request carries the shared bootstrap through its command line, and a malformed one is refused", () => {
        const timing = { timeoutSeconds: 30, intervalMs: 100, containers: ["k"] };
        const request = { service: "kafka" as const, bootstrap: "127.0.0.1:9092", topic: "t", sharedBootstrap: "172.18.0.1:9092" };
        expect(parseProbeArgv(probeArgv(request, timing))).toEqual({ request, timing });
        expect(() => parseProbeArgv(["kafka", "--bootstrap", "127.0.0.1:9092", "--topic", "t", "--shared-bootstrap", "172.18.0.1", "--timeout", "1", "--interval", "1"]))
            .toThrow("--shared-bootstrap \"172.18.0.1\": expected one host:port");
    });
    test("listeners, protocol map and advertised listeners gain SHARED; the ephemeral wait command advertises it too", () => {
        const props = kafkaServerProperties({
            bindHost: "0.0.0.0", internalPort: 9092, hostPort: 29092, controllerPort: 9093, internalAdvertised: "kafka:9092",
            hostAdvertised: "127.0.0.1:9092", shared: { port: KAFKA.ports.shared, advertised: "172.18.0.1:9092" }, logDir: "/d",
        });
        expect(props.listeners).toBe("INTERNAL://0.0.0.0:9092,HOST://0.0.0.0:29092,SHARED://0.0.0.0:29094,CONTROLLER://127.0.0.1:9093");
        expect(props["listener.security.protocol.map"]).toBe("INTERNAL:PLAINTEXT,HOST:PLAINTEXT,SHARED:PLAINTEXT,CONTROLLER:PLAINTEXT");
        expect(props["advertised.listeners"]).toBe("INTERNAL://kafka:9092,HOST://127.0.0.1:9092,SHARED://172.18.0.1:9092");
        expect(awaitHostListenerCommand("kafka:9092", { sharedAdvertised: "172.18.0.1:9092" })[2])
            .toContain('KAFKA_ADVERTISED_LISTENERS="INTERNAL://kafka:9092,HOST://$(cat /tmp/cdc-host-listener),SHARED://172.18.0.1:9092"');
        expect(() => awaitHostListenerCommand("kafka:9092", { sharedAdvertised: "x;rm -rf /" })).toThrow("shared listener address");
    });
});
