// Spark master readiness: GET <ui>/json/ shows the master ALIVE with enough ALIVE workers.
import axios from "axios";
import type { Observation, ReadinessCheck } from "./poll";

interface MasterStatus {
    status?: unknown;
    workers?: Array<{ state?: unknown }>;
}

export function evaluateSparkMaster(body: unknown, expectedWorkers: number): Observation {
    if (!body || typeof body !== "object" || !("status" in body)) {
        return { ready: false, observed: `unexpected response ${JSON.stringify(body).slice(0, 120)}` };
    }
    const s = body as MasterStatus;
    const workers = Array.isArray(s.workers) ? s.workers : [];
    const alive = workers.filter((w) => w && w.state === "ALIVE").length;
    const observed = `status=${String(s.status)}, alive workers ${alive}/${expectedWorkers}` +
        (workers.length > alive ? ` (${workers.length - alive} not alive)` : "");
    return { ready: s.status === "ALIVE" && alive >= expectedWorkers, observed };
}

export function sparkCheck(url: string, expectedWorkers: number): ReadinessCheck {
    const endpoint = `${url.replace(/\/+$/, "")}/json/`;
    return {
        service: "spark",
        endpoint,
        expected: `status ALIVE and at least ${expectedWorkers} ALIVE worker${expectedWorkers === 1 ? "" : "s"}`,
        async attempt(timeoutMs) {
            const res = await axios.get(endpoint, { timeout: timeoutMs, validateStatus: () => true, responseType: "json" });
            if (res.status !== 200) return { ready: false, observed: `HTTP ${res.status}` };
            return evaluateSparkMaster(res.data, expectedWorkers);
        },
    };
}
