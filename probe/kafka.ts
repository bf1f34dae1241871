// Kafka readiness from the host: the broker answers metadata through the host listener and hands
// back the address the host dialed (any other address is where every client would go next), and a
// topic can be created, written and read back.
import { randomBytes } from "crypto";
import * as net from "net";
import { Kafka, logLevel, type Admin, type Consumer, type ISocketFactory, type Producer } from "kafkajs";
import { describeError, type Observation, type ReadinessCheck } from "./poll";

// kafkajs 2.2.4 arms a timer with a negative delay (requestQueue's throttle check), which Node >= 23
// reports as TimeoutNegativeWarning and runs after 1 ms, as kafkajs meant: keep that out of the gate's output.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const name = typeof warning === "string" ? rest[0] : warning.name;
    if (name === "TimeoutNegativeWarning" || (typeof rest[0] === "object" && (rest[0] as { type?: string })?.type === "TimeoutNegativeWarning")) return;
    (emitWarning as (...a: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

export interface AdvertisedBroker { nodeId: number; host: string; port: number }

/** Metadata's brokers against the address dialed: a single node must advertise exactly that one. */
export function evaluateAdvertised(bootstrap: string, brokers: AdvertisedBroker[]): Observation {
    const addresses = brokers.map((b) => `${b.host}:${b.port}`);
    if (addresses.length === 0) return { ready: false, observed: "metadata lists no broker yet" };
    if (!addresses.includes(bootstrap)) {
        return {
            ready: false, fatal: true,
            observed: `the broker reached at ${bootstrap} advertises ${addresses.join(", ")} to host clients, who would dial that next:` +
                " the host listener's advertised.listeners is wrong",
        };
    }
    return { ready: true, observed: `metadata: broker ${brokers.map((b) => b.nodeId).join(", ")} advertises ${bootstrap}` };
}

// Answers that waiting does not change: the broker refuses us or speaks another protocol.
const FATAL_ERROR_TYPES = new Set([
    "UNSUPPORTED_VERSION", "TOPIC_AUTHORIZATION_FAILED", "CLUSTER_AUTHORIZATION_FAILED", "GROUP_AUTHORIZATION_FAILED",
    "SASL_AUTHENTICATION_FAILED", "UNSUPPORTED_SASL_MECHANISM", "ILLEGAL_SASL_STATE", "POLICY_VIOLATION", "INVALID_CONFIG",
]);

/** kafkajs wraps the cause (retries exceeded, connection errors): the innermost error says what happened. */
export function kafkaErrorObservation(err: unknown): Observation {
    let e = err as { originalError?: unknown; cause?: unknown; type?: unknown } | undefined;
    while (e && typeof e === "object" && (e.originalError || e.cause)) e = (e.originalError ?? e.cause) as typeof e;
    const type = typeof e?.type === "string" ? e.type : undefined;
    const message = describeError(e);
    return { ready: false, fatal: type !== undefined && FATAL_ERROR_TYPES.has(type), observed: type && !message.includes(type) ? `${type}: ${message}` : message };
}

function withDeadline<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Reads `topic` until the record holding `value` arrives; a fresh consumer group each time, deleted after. */
async function readBack(consumer: Consumer, topic: string, value: string): Promise<string> {
    await consumer.subscribe({ topic, fromBeginning: true });
    return new Promise<string>((resolve, reject) => {
        // A crashed consumer (e.g. the group coordinator still loading) ends the attempt with its reason, not at the deadline.
        consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
        consumer.run({
            eachMessage: async ({ partition, message }) => {
                if (message.value?.toString() === value) resolve(`${partition}/${message.offset}`);
            },
        }).catch(reject);
    });
}

/**
 * Connections to `advertised` go to `dial` instead (a local port-forward to the broker), so the client
 * follows the broker's own metadata as any client would, while its bytes take the tunnel.
 */
export function routedSocketFactory(advertised: string, dial: string): ISocketFactory {
    const [dialHost, dialPort] = [dial.slice(0, dial.lastIndexOf(":")), Number(dial.slice(dial.lastIndexOf(":") + 1))];
    return ({ host, port, onConnect }) => {
        const routed = `${host}:${port}` === advertised;
        const socket = net.connect({ host: routed ? dialHost : host, port: routed ? dialPort : port }, onConnect);
        socket.setKeepAlive(true, 60_000);
        return socket;
    };
}

/** The probe's client of one listener, for one attempt; `dial`: where connections to `bootstrap` really go. */
function probeClient(bootstrap: string, timeoutMs: number, dial?: string): Kafka {
    return new Kafka({
        clientId: "cdc-infra-probe", brokers: [bootstrap], logLevel: logLevel.NOTHING,
        ...(dial === undefined ? {} : { socketFactory: routedSocketFactory(bootstrap, dial) }),
        connectionTimeout: Math.min(timeoutMs, 3_000), requestTimeout: timeoutMs,
        // The probe's loop retries the whole attempt; kafkajs' own retries would hide the answer.
        retry: { retries: 0 },
    });
}

/** Metadata through one more listener: the broker must hand back exactly the address dialed there too. */
async function advertisedVia(bootstrap: string, timeoutMs: number): Promise<Observation> {
    const admin = probeClient(bootstrap, timeoutMs).admin();
    try {
        await withDeadline("shared listener metadata", timeoutMs, admin.connect());
        return evaluateAdvertised(bootstrap, (await withDeadline("shared listener metadata", timeoutMs, admin.describeCluster())).brokers);
    } finally {
        await withDeadline("disconnect", 2_000, admin.disconnect()).catch(() => undefined);
    }
}

/**
 * The broker through its host listener (metadata, then a topic written and read back) and, with host
 * drivers, metadata through the SHARED listener on the network's gateway, which must advertise itself.
 */
export function kafkaCheck(bootstrap: string, topic: string, sharedBootstrap?: string, dial?: string): ReadinessCheck {
    const shared = sharedBootstrap === undefined ? "" : `, and the shared listener at ${sharedBootstrap} advertising itself`;
    return {
        service: "kafka",
        endpoint: bootstrap,
        expected: `metadata from the broker advertising ${bootstrap}, and topic ${topic} created, written and read back${shared}`,
        async attempt(timeoutMs) {
            const kafka = probeClient(bootstrap, timeoutMs, dial);
            const admin: Admin = kafka.admin();
            const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
            const groupId = `cdc-infra-probe-${randomBytes(6).toString("hex")}`;
            // A fresh broker answers COORDINATOR_NOT_AVAILABLE while it creates __consumer_offsets: retry
            // that quickly inside the attempt (bounded by its deadline) rather than waiting a whole attempt.
            const consumer: Consumer = kafka.consumer({ groupId, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000, restartOnFailure: async () => false } });
            const step = <T>(what: string, work: Promise<T>) => withDeadline(what, timeoutMs, work);
            try {
                await step("metadata", admin.connect());
                const cluster = await step("metadata", admin.describeCluster());
                const advertised = evaluateAdvertised(bootstrap, cluster.brokers);
                if (!advertised.ready) return advertised;
                const created = await step("create topic", admin.createTopics({
                    topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: "retention.ms", value: "3600000" }] }],
                    waitForLeaders: true,
                }));
                const value = `probe-${randomBytes(8).toString("hex")}`;
                await step("produce", producer.connect());
                const [written] = await step("produce", producer.send({ topic, acks: -1, messages: [{ value }] }));
                await step("consume", consumer.connect());
                const read = await step("consume", readBack(consumer, topic, value));
                const viaShared = sharedBootstrap === undefined ? undefined : await advertisedVia(sharedBootstrap, timeoutMs);
                if (viaShared && !viaShared.ready) return viaShared;
                return {
                    ready: true,
                    observed: `${advertised.observed}; topic ${topic} ${created ? "created" : "exists"}, wrote offset ${written.partition}/${written.baseOffset} and read it back (${read})` +
                        (viaShared ? `; shared listener ${viaShared.observed}` : ""),
                };
            } catch (err) {
                return kafkaErrorObservation(err);
            } finally {
                // Disconnects can hang on a half-open broker: bounded, and never the verdict.
                const quietly = (p: Promise<unknown>) => withDeadline("disconnect", 2_000, p).catch(() => undefined);
                await quietly(consumer.disconnect());
                await quietly(admin.deleteGroups([groupId]));
                await quietly(Promise.all([producer.disconnect(), admin.disconnect()]));
            }
        },
    };
}
