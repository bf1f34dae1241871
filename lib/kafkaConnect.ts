// Facts about the Kafka Connect worker (quay.io/debezium/connect): its worker properties, how the
// image's entrypoint takes them from the environment, and its REST API. Used by the component, the
// probe, the integration tests (which run the same properties on a real ConnectDistributed) and the benchmark.

import { KAFKA_JVM_PERFORMANCE_OPTS } from "./kafka";

export const KAFKA_CONNECT = {
    alias: "kafka-connect",
    restPort: 8083,
    /** Secret files (e.g. a database password) are uploaded here and read by the file config provider. */
    secretDir: "/run/cdc-secrets",
    groupId: "cdc-connect",
    configTopic: "cdc-connect-configs",
    offsetTopic: "cdc-connect-offsets",
    statusTopic: "cdc-connect-status",
    /** Offsets are committed this often; the connector gate reads snapshot completion from them. */
    offsetFlushIntervalMs: 1000,
} as const;

export const FILE_CONFIG_PROVIDER_CLASS = "org.apache.kafka.common.config.provider.FileConfigProvider";
export const JSON_CONVERTER_CLASS = "org.apache.kafka.connect.json.JsonConverter";

export interface ConnectWorkerOptions {
    bootstrapServers: string;
    /** How long the worker waits for its broker at start before it gives up (exits); absent: Kafka's 60 s. */
    brokerWaitMs?: number;
}

/** The worker's clients' request.timeout.ms (Kafka's default), which default.api.timeout.ms may not undercut. */
const CLIENT_REQUEST_TIMEOUT_MS = 30_000;

/** The worker's properties (connect-distributed.properties), the same in the container and in the tests. */
export function connectWorkerProperties(o: ConnectWorkerOptions): Record<string, string> {
    return {
        "bootstrap.servers": o.bootstrapServers,
        "group.id": KAFKA_CONNECT.groupId,
        "config.storage.topic": KAFKA_CONNECT.configTopic,
        "offset.storage.topic": KAFKA_CONNECT.offsetTopic,
        "status.storage.topic": KAFKA_CONNECT.statusTopic,
        // A single broker: one replica of each internal topic.
        "config.storage.replication.factor": "1",
        "offset.storage.replication.factor": "1",
        "status.storage.replication.factor": "1",
        "offset.storage.partitions": "1",
        "status.storage.partitions": "1",
        "key.converter": JSON_CONVERTER_CLASS,
        "value.converter": JSON_CONVERTER_CLASS,
        "offset.flush.interval.ms": String(KAFKA_CONNECT.offsetFlushIntervalMs),
        // A worker started alongside its broker looks the cluster id up first, with this timeout (60 s
        // by default, then it exits and its gate fails at the restart): wait as long as the gates would.
        ...(o.brokerWaitMs === undefined ? {} : { "default.api.timeout.ms": String(Math.max(CLIENT_REQUEST_TIMEOUT_MS, o.brokerWaitMs)) }),
        // Plugins are found through their ServiceLoader manifests (Debezium ships them) instead of a
        // reflective scan of every jar (bench/jvmStartup.ts measures both).
        "plugin.discovery": "service_load",
        // `${file:<path>:<key>}` in a connector config is resolved by the worker from a file, so a
        // password never sits in the connector config (in Kafka, in the REST payload, in state).
        "config.providers": "file",
        "config.providers.file.class": FILE_CONFIG_PROVIDER_CLASS,
    };
}

/**
 * Properties the image's entrypoint sets itself from its own variables, overwriting any CONNECT_*
 * value (debezium/container-images connect-base docker-entrypoint.sh): these must use its names.
 */
const IMAGE_VARIABLES: Record<string, string> = {
    "bootstrap.servers": "BOOTSTRAP_SERVERS",
    "group.id": "GROUP_ID",
    "config.storage.topic": "CONFIG_STORAGE_TOPIC",
    "offset.storage.topic": "OFFSET_STORAGE_TOPIC",
    "status.storage.topic": "STATUS_STORAGE_TOPIC",
    "key.converter": "KEY_CONVERTER",
    "value.converter": "VALUE_CONVERTER",
    "offset.flush.interval.ms": "OFFSET_FLUSH_INTERVAL_MS",
    "offset.flush.timeout.ms": "OFFSET_FLUSH_TIMEOUT_MS",
    "task.shutdown.graceful.timeout.ms": "SHUTDOWN_TIMEOUT",
};

/**
 * The container's environment for these worker properties. The entrypoint turns CONNECT_A_B=v into
 * `a.b=v` (lower case, every _ a dot) with sed, using @ as its delimiter: a property name with _ or a
 * value with @ cannot be passed that way, so those are refused here rather than mangled there.
 */
export function connectContainerEnv(props: Record<string, string>, heapMb: number): string[] {
    const env = Object.entries(props).map(([name, value]) => {
        if (name.includes("_")) throw new Error(`worker property ${name}: the image cannot take a property name with "_" from its environment`);
        if (value.includes("@") || value.includes("\n")) throw new Error(`worker property ${name}: the image cannot take a value with "@" or a newline from its environment`);
        return `${IMAGE_VARIABLES[name] ?? `CONNECT_${name.toUpperCase().replace(/\./g, "_")}`}=${value}`;
    });
    // HEAP_OPTS becomes KAFKA_HEAP_OPTS; the rest of the limit is metaspace, threads and buffers.
    return [...env, `HEAP_OPTS=${connectHeapOptions(heapMb)}`, `KAFKA_JVM_PERFORMANCE_OPTS=${KAFKA_JVM_PERFORMANCE_OPTS}`];
}

/** The worker's heap flags for a heap of `heapMb`: a small start, grown as needed. */
export function connectHeapOptions(heapMb: number): string {
    return `-Xms${Math.min(128, heapMb)}m -Xmx${heapMb}m`;
}

/** Heap for a container memory limit: half of it, as the JVM needs the rest off-heap. */
export function connectHeapMb(memoryMb: number): number {
    return Math.max(64, Math.floor(memoryMb / 2));
}

/** A Java properties file (what FileConfigProvider reads) with these entries, values escaped. */
export function propertiesFile(entries: Record<string, string>): string {
    const escape = (s: string, key: boolean) => s
        .replace(/\\/g, "\\\\")
        .replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t").replace(/\f/g, "\\f")
        .replace(key ? /[=: #!]/g : /^[ #!]/, (c) => `\\${c}`)
        .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    return Object.entries(entries).map(([k, v]) => `${escape(k, true)}=${escape(v, false)}`).join("\n") + "\n";
}

/** The worker resolves this placeholder from `file` (a properties file) at `key`. */
export function fileSecretReference(file: string, key: string): string {
    return `\${file:${file}:${key}}`;
}
