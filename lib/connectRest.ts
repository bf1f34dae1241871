// Kafka Connect's REST API, as the gates and the tests use it (Node's fetch, no client library).
import type { ConnectorOffsets, ConnectorStatus } from "./debezium";

/** Connect answered with an error status; `message` is Connect's own. */
export class ConnectRestError extends Error {
    constructor(public readonly status: number, public readonly connectMessage: string, what: string) {
        super(`${what}: HTTP ${status}: ${connectMessage}`);
        this.name = "ConnectRestError";
    }
}

export class ConnectRestClient {
    constructor(public readonly url: string, private readonly timeoutMs = 10_000) {}

    private async call<T>(method: string, path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<T> {
        const res = await fetch(`${this.url}${path}`, {
            method,
            headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await res.text();
        if (!res.ok) {
            let message = text;
            try { message = (JSON.parse(text) as { message?: string }).message ?? text; } catch { /* not JSON */ }
            throw new ConnectRestError(res.status, message, `${method} ${path}`);
        }
        return (text ? JSON.parse(text) : undefined) as T;
    }

    /** `GET /`: the worker's version and Kafka cluster id. */
    info(timeoutMs?: number): Promise<{ version: string; commit: string; kafka_cluster_id: string }> {
        return this.call("GET", "/", undefined, timeoutMs);
    }
    plugins(timeoutMs?: number): Promise<Array<{ class: string; type: string; version: string }>> {
        return this.call("GET", "/connector-plugins", undefined, timeoutMs);
    }
    /** Creates the connector, or updates its config in place (Connect restarts its tasks). */
    putConfig(name: string, config: Record<string, string>, timeoutMs?: number): Promise<{ name: string; config: Record<string, string> }> {
        return this.call("PUT", `/connectors/${encodeURIComponent(name)}/config`, config, timeoutMs);
    }
    config(name: string): Promise<Record<string, string>> {
        return this.call("GET", `/connectors/${encodeURIComponent(name)}/config`);
    }
    status(name: string, timeoutMs?: number): Promise<ConnectorStatus> {
        return this.call("GET", `/connectors/${encodeURIComponent(name)}/status`, undefined, timeoutMs);
    }
    offsets(name: string, timeoutMs?: number): Promise<ConnectorOffsets> {
        return this.call("GET", `/connectors/${encodeURIComponent(name)}/offsets`, undefined, timeoutMs);
    }
    connectors(): Promise<string[]> {
        return this.call("GET", "/connectors");
    }
    async deleteConnector(name: string): Promise<void> {
        await this.call("DELETE", `/connectors/${encodeURIComponent(name)}`);
    }
}
