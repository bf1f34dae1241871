// Kafka Connect gates: the worker's REST API answers and offers the connector classes the stack
// needs; and a connector, registered (created or updated in place) by the gate itself, is RUNNING
// with its task and has finished its snapshot. A FAILED connector or task ends the wait at once
// with its own trace; secrets handed in for redaction never appear in what is printed.
import { ConnectRestClient, ConnectRestError } from "../lib/connectRest";
import { snapshotState, type ConnectorSpec } from "../lib/debezium";
import { describeError, type Observation, type ReadinessCheck } from "./poll";

export function connectCheck(url: string, connectorClasses: string[]): ReadinessCheck {
    const client = new ConnectRestClient(url);
    return {
        service: "connect",
        endpoint: url,
        expected: `GET / answers and GET /connector-plugins lists ${connectorClasses.join(", ") || "(no class required)"}`,
        async attempt(timeoutMs) {
            const info = await client.info(timeoutMs);
            const classes = new Set((await client.plugins(timeoutMs)).map((p) => p.class));
            const missing = connectorClasses.filter((c) => !classes.has(c));
            // A plugin missing from a started worker will not appear later: the image is wrong.
            if (missing.length > 0) return { ready: false, fatal: true, observed: `Connect ${info.version} lacks ${missing.join(", ")}; it has ${[...classes].sort().join(", ")}` };
            return { ready: true, observed: `Connect ${info.version} (Kafka cluster ${info.kafka_cluster_id}) with ${connectorClasses.join(", ") || "its plugins"}` };
        },
    };
}

/** Replaces every secret in `text` (secrets are matched literally, longest first). */
export function redact(text: string, secrets: string[]): string {
    return secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length)
        .reduce((t, s) => t.split(s).join("[redacted]"), text);
}

const TRACE_LINES = 40;
function firstLines(trace: string): string {
    const lines = trace.trimEnd().split("\n");
    return lines.length <= TRACE_LINES ? lines.join("\n") : [...lines.slice(0, TRACE_LINES), `\t... ${lines.length - TRACE_LINES} more lines`].join("\n");
}

// Connect answers these while its worker is starting or rebalancing: worth waiting for.
const RETRYABLE_STATUS = new Set([404, 408, 409, 500, 502, 503, 504]);

export function connectorCheck(url: string, spec: ConnectorSpec, secrets: string[]): ReadinessCheck {
    const client = new ConnectRestClient(url);
    const topicPrefix = spec.config["topic.prefix"];
    let registered = false;
    const check: ReadinessCheck = {
        service: "connector",
        endpoint: `${url}/connectors/${spec.name}`,
        expected: `connector ${spec.name} and its task RUNNING and its snapshot done (committed offset for server ${topicPrefix} without a running snapshot)`,
        async attempt(timeoutMs): Promise<Observation> {
            if (!registered) {
                try {
                    await client.putConfig(spec.name, spec.config, timeoutMs);
                } catch (err) {
                    // 400: Connect (or the connector's own validation, e.g. a failed login) rejected the config.
                    const fatal = err instanceof ConnectRestError && !RETRYABLE_STATUS.has(err.status);
                    return { ready: false, fatal, observed: `PUT config: ${describeError(err)}` };
                }
                registered = true;
            }
            let status;
            try {
                status = await client.status(spec.name, timeoutMs);
            } catch (err) {
                return { ready: false, observed: `status: ${describeError(err)}` };
            }
            const c = status.connector;
            if (c.state === "FAILED") return { ready: false, fatal: true, observed: `connector FAILED:\n${firstLines(c.trace ?? "(no trace)")}` };
            const failed = status.tasks.find((t) => t.state === "FAILED");
            if (failed) return { ready: false, fatal: true, observed: `task ${failed.id} FAILED:\n${firstLines(failed.trace ?? "(no trace)")}` };
            const states = `connector ${c.state}, tasks [${status.tasks.map((t) => `${t.id}:${t.state}`).join(", ")}]`;
            if (c.state !== "RUNNING" || status.tasks.length === 0 || status.tasks.some((t) => t.state !== "RUNNING")) return { ready: false, observed: states };
            if (!topicPrefix) return { ready: true, observed: states };
            const snapshot = snapshotState(await client.offsets(spec.name, timeoutMs), topicPrefix);
            return { ready: snapshot.done, observed: `${states}, ${snapshot.done ? "snapshot done" : "snapshot not done"}: ${snapshot.observed}` };
        },
    };
    return {
        ...check,
        // Everything the probe prints comes from observations: redact them all, whatever their source.
        async attempt(timeoutMs) {
            try {
                const o = await check.attempt(timeoutMs);
                return { ...o, observed: redact(o.observed, secrets) };
            } catch (err) {
                return { ready: false, observed: redact(describeError(err), secrets) };
            }
        },
    };
}
