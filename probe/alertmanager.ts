// AlertManager readiness: /-/ready answers 200 and /api/v2/status shows our config loaded.
import axios from "axios";
import { routeReceiverOf } from "../lib/alertmanager";
import type { Observation, ReadinessCheck } from "./poll";

export function evaluateAlertmanagerStatus(body: unknown, routeReceiver: string): Observation {
    const config = (body as { config?: { original?: unknown } } | null)?.config?.original;
    if (typeof config !== "string" || config.trim() === "") {
        return { ready: false, observed: "/api/v2/status has no loaded config" };
    }
    let loaded: string | undefined;
    try {
        loaded = routeReceiverOf(config);
    } catch {
        return { ready: false, observed: "/api/v2/status config is not YAML" };
    }
    const cluster = (body as { cluster?: { status?: unknown } }).cluster?.status;
    const observed = `config loaded with route receiver ${JSON.stringify(loaded)}, cluster ${String(cluster)}`;
    return { ready: loaded === routeReceiver, observed };
}

export function alertmanagerCheck(url: string, routeReceiver: string): ReadinessCheck {
    const base = url.replace(/\/+$/, "");
    return {
        service: "alertmanager",
        endpoint: base,
        expected: `/-/ready 200 and /api/v2/status config with route receiver "${routeReceiver}"`,
        async attempt(timeoutMs) {
            const ready = await axios.get(`${base}/-/ready`, { timeout: timeoutMs, validateStatus: () => true, responseType: "text" });
            if (ready.status !== 200) return { ready: false, observed: `/-/ready answered HTTP ${ready.status}` };
            const status = await axios.get(`${base}/api/v2/status`, { timeout: timeoutMs, validateStatus: () => true, responseType: "json" });
            if (status.status !== 200) return { ready: false, observed: `/api/v2/status answered HTTP ${status.status}` };
            return evaluateAlertmanagerStatus(status.data, routeReceiver);
        },
    };
}
