// Prometheus readiness: /-/ready answers 200 and /api/v1/alertmanagers lists our AlertManager as active.
import axios from "axios";
import type { Observation, ReadinessCheck } from "./poll";

interface AlertmanagersBody {
    data?: { activeAlertmanagers?: Array<{ url?: unknown }>; droppedAlertmanagers?: Array<{ url?: unknown }> };
}

/** Active means discovered and sent to; `target` is the host:port from the config (v2 API). */
export function evaluateAlertmanagers(body: unknown, target: string): Observation {
    const data = (body as AlertmanagersBody | null)?.data;
    if (!data) return { ready: false, observed: "/api/v1/alertmanagers has no data" };
    const urls = (list?: Array<{ url?: unknown }>) => (list ?? []).map((a) => String(a.url));
    const active = urls(data.activeAlertmanagers);
    const dropped = urls(data.droppedAlertmanagers);
    const observed = `active alertmanagers [${active.join(", ")}]` + (dropped.length ? `, dropped [${dropped.join(", ")}]` : "");
    return { ready: active.some((u) => u.includes(`//${target}/`) && u.endsWith("/api/v2/alerts")), observed };
}

export function prometheusCheck(url: string, alertmanagerTarget: string): ReadinessCheck {
    const base = url.replace(/\/+$/, "");
    return {
        service: "prometheus",
        endpoint: base,
        expected: `/-/ready 200 and AlertManager ${alertmanagerTarget} active (API v2) in /api/v1/alertmanagers`,
        async attempt(timeoutMs) {
            const ready = await axios.get(`${base}/-/ready`, { timeout: timeoutMs, validateStatus: () => true, responseType: "text" });
            if (ready.status !== 200) return { ready: false, observed: `/-/ready answered HTTP ${ready.status}` };
            const res = await axios.get(`${base}/api/v1/alertmanagers`, { timeout: timeoutMs, validateStatus: () => true, responseType: "json" });
            if (res.status !== 200) return { ready: false, observed: `/api/v1/alertmanagers answered HTTP ${res.status}` };
            return evaluateAlertmanagers(res.data, alertmanagerTarget);
        },
    };
}
