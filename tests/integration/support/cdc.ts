// The CDC path for integration tests and the benchmark, from real processes: a MariaDB with the
// component's binlog flags and init SQL, a Kafka Connect worker (ConnectDistributed from the image's
// Kafka jars) with the component's worker properties and the Debezium plugins, and a change-topic
// reader. Everything is stopped by stopAll().
import * as fs from "fs";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import * as path from "path";
import { KAFKA_JVM_PERFORMANCE_OPTS } from "../../../lib/kafka";
import { connectHeapMb, connectHeapOptions, connectWorkerProperties } from "../../../lib/kafkaConnect";
import { startKafkaJava, writeProperties } from "./kafka";
import { mariadbMissing } from "./mariadb";
import { LOOPBACK, tempDir, waitFor, type RunningProcess } from "./processes";
import { PROJECT_ROOT } from "./tools";

/** The Debezium connector plugin directories (scripts/fetch-jars.sh). */
export const PLUGIN_DIR = path.join(PROJECT_ROOT, ".tools", "jars", "plugins");

/** What the MariaDB + Connect path needs besides Kafka (kafkaMissing); for describeIfAvailable. */
export function cdcMissing(): (string | undefined)[] {
    return [
        mariadbMissing(),
        fs.existsSync(path.join(PLUGIN_DIR, "debezium-connector-mariadb")) ? undefined : `${path.relative(PROJECT_ROOT, PLUGIN_DIR)}/debezium-connector-mariadb missing (run scripts/fetch-jars.sh)`,
    ];
}

export interface ConnectWorker {
    proc: RunningProcess;
    url: string;
    /** Where secret files go, standing in for the container's secret directory. */
    secretDir: string;
    properties: Record<string, string>;
}

/** The test worker stands in for a container with this memory limit (its heap follows from it). */
const TEST_MEMORY_MB = 1024;

export interface ConnectWorkerOptions {
    /** Worker properties to add or override (the benchmark's variants, a group of its own). */
    properties?: Record<string, string>;
    /** JVM flags instead of the component's KAFKA_JVM_PERFORMANCE_OPTS (the benchmark's other variant). */
    jvmPerformanceOpts?: string;
}

/**
 * A Connect worker with the component's worker properties (lib/kafkaConnect.ts) on `kafkaBootstrap`
 * (the broker's internal listener, as in the stack); only the REST listener and the plugin path are
 * local. Resolves once the process is started; the Connect gate (probe) decides when it is ready.
 */
export function startConnectWorker(kafkaBootstrap: string, restPort: number, o: ConnectWorkerOptions = {}): ConnectWorker {
    const dir = tempDir("connect");
    const secretDir = path.join(dir, "secrets");
    fs.mkdirSync(secretDir, { mode: 0o700 });
    const properties = {
        ...connectWorkerProperties({ bootstrapServers: kafkaBootstrap, brokerWaitMs: 120_000 }),
        listeners: `http://${LOOPBACK}:${restPort}`,
        "plugin.path": PLUGIN_DIR,
        ...o.properties,
    };
    const file = path.join(dir, "connect-distributed.properties");
    writeProperties(file, properties);
    // The heap and JVM flags the container's environment gives kafka-run-class.sh.
    const jvmOptions = `${connectHeapOptions(connectHeapMb(TEST_MEMORY_MB))} ${o.jvmPerformanceOpts ?? KAFKA_JVM_PERFORMANCE_OPTS}`;
    const proc = startKafkaJava("org.apache.kafka.connect.cli.ConnectDistributed", [file], { jvmOptions });
    return { proc, url: `http://${LOOPBACK}:${restPort}`, secretDir, properties };
}

export interface ChangeEvent {
    key: unknown;
    value: { op: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; source: Record<string, unknown>; ts_ms: number } | null;
    /** Date.now() when the consumer got it. */
    receivedAt: number;
}

/** Reads a change topic from the beginning, from the host; `until` waits for a matching event. */
export class TopicTail {
    readonly events: ChangeEvent[] = [];
    private constructor(private readonly consumer: Consumer, readonly topic: string) {}

    static async start(bootstrap: string, topic: string): Promise<TopicTail> {
        const kafka = new Kafka({ clientId: "cdc-infra-test", brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10 } });
        const consumer = kafka.consumer({ groupId: `tail-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 50 });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const tail = new TopicTail(consumer, topic);
        await consumer.run({
            eachMessage: async ({ message }) => {
                const parse = (b: Buffer | null) => (b === null ? null : JSON.parse(b.toString()));
                tail.events.push({ key: parse(message.key), value: parse(message.value), receivedAt: Date.now() });
            },
        });
        return tail;
    }

    async until(what: string, match: (e: ChangeEvent) => boolean, timeoutMs = 30_000): Promise<ChangeEvent> {
        try {
            return await waitFor(what, async () => this.events.find(match), timeoutMs, 5);
        } catch (err) {
            throw new Error(`${(err as Error).message} on ${this.topic}; arrived: ${JSON.stringify(this.events.map((e) => e.value && { op: e.value.op, after: e.value.after }))}`);
        }
    }

    stop(): Promise<void> {
        return this.consumer.disconnect();
    }
}
