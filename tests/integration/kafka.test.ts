// The Kafka broker as the component configures it (lib/kafka.ts), run from the image's Kafka jars on
// Java 17: both listeners serve clients and hand back their own advertised address.
// The internal listener is advertised as "localhost:<port>", a name standing in for the network
// alias `kafka` (on the stack network only containers resolve it); the host listener as 127.0.0.1.
import { randomBytes } from "crypto";
import { Kafka, logLevel } from "kafkajs";
import { kafkaMissing, startKafkaBroker, type KafkaBroker } from "./support/kafka";
import { stopAll } from "./support/processes";
import { describeIfAvailable } from "./support/tools";

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

/** Reads `topic` from the beginning through `via` until `value` arrives. */
async function consume(via: string, topic: string, value: string, timeoutMs = 30_000): Promise<string[]> {
    const consumer = client(via).consumer({ groupId: `test-${randomBytes(4).toString("hex")}` });
    const seen: string[] = [];
    await consumer.connect();
    try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no ${value} on ${topic} via ${via} in ${timeoutMs} ms; saw ${JSON.stringify(seen)}`)), timeoutMs);
            void consumer.run({
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

describeIfAvailable("Kafka broker (KRaft, the component's listeners)", kafkaMissing())("Kafka broker", () => {
    let broker: KafkaBroker;

    beforeAll(async () => {
        broker = await startKafkaBroker();
    }, 120_000);
    afterAll(stopAll);

    test("each listener advertises its own address: the host one to host clients, the internal one to containers", async () => {
        for (const bootstrap of [broker.hostBootstrap, broker.internalBootstrap]) {
            const admin = client(bootstrap).admin();
            await admin.connect();
            try {
                const { brokers } = await admin.describeCluster();
                expect(brokers.map((b) => `${b.host}:${b.port}`)).toEqual([bootstrap]);
            } finally {
                await admin.disconnect();
            }
        }
        expect(broker.hostBootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
        expect(broker.internalBootstrap).toMatch(/^localhost:\d+$/);
        expect(broker.hostBootstrap).not.toEqual(broker.internalBootstrap.replace("localhost", "127.0.0.1"));
    });

    test("a host client and an internal client both produce and consume, each reading what the other wrote", async () => {
        const topic = `listeners-${randomBytes(3).toString("hex")}`;
        const fromHost = await produce(broker.hostBootstrap, topic);
        const fromInternal = await produce(broker.internalBootstrap, topic);
        expect(await consume(broker.internalBootstrap, topic, fromInternal)).toEqual([fromHost, fromInternal]);
        expect(await consume(broker.hostBootstrap, topic, fromInternal)).toEqual([fromHost, fromInternal]);
    });
});
