// The Kafka broker as the component configures it (lib/kafka.ts), run from the image's Kafka jars on
// Java 17, started the way an ephemeral stack starts it: waiting for the host listener's address,
// which is then handed over as the component's command resource does. Then: both listeners serve
// clients and hand back their own advertised address; the readiness probe, run as the gate runs it;
// the Python plugin's cdc_events fixture.
// The internal listener is advertised as "localhost:<port>", a name standing in for the network
// alias `kafka` (on the stack network only containers resolve it); the host listener as 127.0.0.1.
import { randomBytes } from "crypto";
import { Kafka, logLevel } from "kafkajs";
import { KAFKA_PROBE_TOPIC } from "../../lib/kafka";
import { probeBuildProblem } from "../../lib/probes";
import { kafkaMissing, startKafkaBrokerAwaitingHostListener, type KafkaBroker, type KafkaBrokerAwaitingHostListener } from "./support/kafka";
import { freePort, LOOPBACK, stopAll } from "./support/processes";
import { runPytest } from "./support/pytest";
import { runProbe } from "./support/servers";
import { describeIfAvailable, venvPython } from "./support/tools";

jest.setTimeout(120_000);

function client(bootstrap: string): Kafka {
    return new Kafka({ clientId: "cdc-infra-test", brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

/** Produces one message through `via`, returns its value. */
async function produce(via: string, topic: string): Promise<string> {
    const value = `hello-${randomBytes(4).toString("hex")}`;
    const producer = client(via).producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
        await producer.send({ topic, messages: [{ key: "k", value }] });
    } finally {
        await producer.disconnect();
    }
    return value;
}

/** Reads `topic` from the beginning through `via` until `value` arrives; returns every value seen. */
async function consume(via: string, topic: string, value: string, timeoutMs = 30_000): Promise<string[]> {
    const consumer = client(via).consumer({ groupId: `test-${randomBytes(4).toString("hex")}` });
    const seen: string[] = [];
    await consumer.connect();
    try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no ${value} on ${topic} via ${via} in ${timeoutMs} ms; saw ${JSON.stringify(seen)}`)), timeoutMs);
            consumer.run({
                eachMessage: async ({ message }) => {
                    seen.push(String(message.value));
                    if (String(message.value) === value) {
                        clearTimeout(timer);
                        resolve();
                    }
                },
            }).catch(reject);
        });
    } finally {
        await consumer.disconnect();
    }
    return seen;
}

const missing = [...kafkaMissing(), probeBuildProblem() && `the probe is not built: ${probeBuildProblem()} (npm run build)`, !venvPython() && "no .venv (bash scripts/bootstrap.sh)"];

describeIfAvailable("Kafka broker (KRaft, the component's listeners)", missing)("Kafka broker", () => {
    let pending: KafkaBrokerAwaitingHostListener;
    let started: Promise<KafkaBroker> | undefined;
    /** The broker, handed its host listener's address on first use. */
    const broker = () => (started ??= pending.handOver());

    beforeAll(async () => {
        pending = await startKafkaBrokerAwaitingHostListener();
    }, 120_000);
    afterAll(stopAll);

    test("ephemeral start: the broker waits for its host listener's address; the gate's probe waits with it and passes once it is handed over", async () => {
        const probe = runProbe({ service: "kafka", bootstrap: pending.hostBootstrap, topic: KAFKA_PROBE_TOPIC }, { timeoutSeconds: 100, intervalMs: 250 });
        await new Promise((r) => setTimeout(r, 2_000));
        expect(pending.proc.child.exitCode).toBeNull();
        expect(pending.proc.output()).toContain("waiting for");
        expect(pending.proc.output()).not.toContain("Kafka Server started");
        const handedOver = Date.now();
        const b = await broker();
        const brokerStartMs = Date.now() - handedOver;
        const run = await probe;
        // eslint-disable-next-line no-console
        console.log(`broker started ${brokerStartMs} ms after the hand-over; probe passed after ${run.elapsedMs} ms in all\n${run.stderr.split("\n").filter((l) => !l.includes("ECONNREFUSED")).join("\n")}`);
        expect(run.stderr).toMatch(/\[kafka\] attempt 1 \(.*ECONNREFUSED/);
        expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/^kafka ready at 127\.0\.0\.1:\d+: metadata: broker 1 advertises 127\.0\.0\.1:\d+; topic cdc-infra-readiness (created|exists), wrote offset 0\/\d+ and read it back/) });
        expect(b.properties["advertised.listeners"]).toBe(`INTERNAL://${b.internalBootstrap},HOST://${b.hostBootstrap}`);
    });

    test("each listener advertises its own address: the host one to host clients, the internal one to containers", async () => {
        const b = await broker();
        for (const bootstrap of [b.hostBootstrap, b.internalBootstrap]) {
            const admin = client(bootstrap).admin();
            await admin.connect();
            try {
                const { brokers } = await admin.describeCluster();
                expect(brokers.map((x) => `${x.host}:${x.port}`)).toEqual([bootstrap]);
            } finally {
                await admin.disconnect();
            }
        }
        expect(b.hostBootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
        expect(b.internalBootstrap).toMatch(/^localhost:\d+$/);
    });

    test("a host client and an internal client both produce and consume, each reading what the other wrote", async () => {
        const b = await broker();
        const topic = `listeners-${randomBytes(3).toString("hex")}`;
        const fromHost = await produce(b.hostBootstrap, topic);
        const fromInternal = await produce(b.internalBootstrap, topic);
        expect(await consume(b.internalBootstrap, topic, fromInternal)).toEqual([fromHost, fromInternal]);
        expect(await consume(b.hostBootstrap, topic, fromInternal)).toEqual([fromHost, fromInternal]);
    });

    test("on a ready broker the probe passes at its first attempt, the topic already there", async () => {
        const b = await broker();
        const run = await runProbe({ service: "kafka", bootstrap: b.hostBootstrap, topic: KAFKA_PROBE_TOPIC });
        // eslint-disable-next-line no-console
        console.log(`probe on a ready broker: ${run.elapsedMs} ms`);
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(/topic cdc-infra-readiness exists, wrote offset 0\/\d+ and read it back/);
        expect(run.stderr).toMatch(/\[kafka\] ready after 1 attempt /);
    });

    test("a broker advertising another address than the one dialed fails the probe at once, naming both", async () => {
        const b = await broker();
        // The internal listener, dialed by IP: it hands back "localhost:<port>", as a wrongly advertised host listener would.
        const dialed = b.internalBootstrap.replace("localhost", LOOPBACK);
        const run = await runProbe({ service: "kafka", bootstrap: dialed, topic: KAFKA_PROBE_TOPIC }, { timeoutSeconds: 60 });
        expect(run.code).toBe(1);
        expect(run.elapsedMs).toBeLessThan(15_000);
        expect(run.stderr).toContain(`kafka is not ready at ${dialed}: gave up, waiting cannot help (1 attempt)`);
        expect(run.stderr).toContain(`advertises ${b.internalBootstrap} to host clients`);
    });

    test("nothing listening: the probe times out naming the address and the refusal", async () => {
        const port = await freePort();
        const run = await runProbe({ service: "kafka", bootstrap: `${LOOPBACK}:${port}`, topic: KAFKA_PROBE_TOPIC }, { timeoutSeconds: 2, intervalMs: 250 });
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(`kafka is not ready at ${LOOPBACK}:${port}: timed out after`);
        expect(run.stderr).toMatch(/last observed: .*ECONNREFUSED/);
    });

    test("the plugin's cdc_events fixture waits for Debezium-shaped events on the host listener", async () => {
        const b = await broker();
        const run = await runPytest(["test_kafka.py"], { kafkaBootstrapServers: b.hostBootstrap, kafkaInternalBootstrapServers: b.internalBootstrap });
        expect({ code: run.code, summary: run.summary }).toEqual({ code: 0, summary: expect.stringMatching(/^\d+ passed in /) });
    });
});
