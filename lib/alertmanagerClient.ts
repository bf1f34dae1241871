// A small AlertManager API v2 client for the CDC pipeline's tests. Only /api/v2/ is used:
// the containers run AlertManager 0.28, where API v1 is gone.
// Inputs are checked before anything is sent (AlertmanagerInputError names the field);
// error answers become an AlertmanagerApiError naming the operation, HTTP status, the server's text
// and, where it can be told, the offending field. Neither ever carries an axios error or stack.
import axios, { type AxiosInstance, type AxiosResponse } from "axios";

export type LabelSet = Record<string, string>;
export type Timestamp = Date | string;

export interface PostableAlert {
    labels: LabelSet;
    annotations?: LabelSet;
    startsAt?: Timestamp;
    endsAt?: Timestamp;
    generatorURL?: string;
}

export type AlertState = "active" | "suppressed" | "unprocessed";

export interface Alert {
    labels: LabelSet;
    annotations: LabelSet;
    startsAt: string;
    endsAt: string;
    updatedAt: string;
    fingerprint: string;
    generatorURL?: string;
    receivers: { name: string }[];
    status: { state: AlertState; silencedBy: string[]; inhibitedBy: string[]; mutedBy?: string[] };
}

export interface AlertFilters {
    /** Label matchers such as 'alertname="CdcLag"' or 'service=~"spark.*"'; all must match. */
    filter?: string[];
    /** Whether alerts in each state are included; AlertManager defaults all four to true. */
    active?: boolean;
    silenced?: boolean;
    inhibited?: boolean;
    unprocessed?: boolean;
    /** A regular expression the receiver's name must match. */
    receiver?: string;
}

export interface Matcher {
    name: string;
    value: string;
    isRegex: boolean;
    /** false for != and !~ (AlertManager 0.22+); defaults to true. */
    isEqual?: boolean;
}
export type MatcherInput = Omit<Matcher, "isRegex"> & { isRegex?: boolean };

interface SilenceBase {
    matchers: MatcherInput[];
    createdBy: string;
    comment: string;
    /** Defaults to now. */
    startsAt?: Timestamp;
}
/** A silence ends either at `endsAt` or `durationMs` after it starts: exactly one of the two. */
export type SilenceRequest =
    | (SilenceBase & { endsAt: Timestamp; durationMs?: never })
    | (SilenceBase & { durationMs: number; endsAt?: never });

export type SilenceState = "active" | "pending" | "expired";

export interface Silence {
    id: string;
    status: { state: SilenceState };
    updatedAt: string;
    matchers: Matcher[];
    startsAt: string;
    endsAt: string;
    createdBy: string;
    comment: string;
}

export interface AlertmanagerStatus {
    cluster: { name?: string; status: "ready" | "settling" | "disabled"; peers?: { name: string; address: string }[] };
    versionInfo: { version: string; revision: string; branch: string; buildUser: string; buildDate: string; goVersion: string };
    /** `original` is the loaded configuration file's YAML. */
    config: { original: string };
    uptime: string;
}

/** An input the client refused to send. */
export class AlertmanagerInputError extends Error {
    constructor(public readonly operation: string, public readonly field: string, problem: string) {
        super(`AlertManager ${operation}: invalid ${field}: ${problem}`);
        this.name = "AlertmanagerInputError";
    }
}

/** The server answered with an error, or did not answer at all (then `status` is undefined). */
export class AlertmanagerApiError extends Error {
    constructor(
        public readonly operation: string,
        public readonly request: string,
        public readonly status: number | undefined,
        public readonly serverMessage: string,
        public readonly field?: string,
    ) {
        super(`AlertManager ${operation} failed: ` +
            (status === undefined ? `no answer to ${request}: ${serverMessage}` : `HTTP ${status} from ${request}: ${serverMessage}`) +
            (field ? ` (field: ${field})` : ""));
        this.name = "AlertmanagerApiError";
    }
}

export type HttpMethod = "GET" | "POST" | "DELETE";

export class AlertmanagerClient {
    private readonly http: AxiosInstance;
    readonly apiUrl: string;

    constructor(baseUrl: string, options: { timeoutMs?: number } = {}) {
        this.apiUrl = `${baseUrl.replace(/\/+$/, "")}/api/v2`;
        // Every answer comes back to request(), which decides what an error is.
        this.http = axios.create({ baseURL: this.apiUrl, timeout: options.timeoutMs ?? 10_000, validateStatus: () => true });
    }

    /**
     * Sends alerts (firing while endsAt is unset or ahead). AlertManager keeps the valid ones
     * of a batch even when it rejects others with HTTP 400.
     */
    async postAlerts(alerts: PostableAlert[]): Promise<void> {
        const op = "postAlerts";
        if (!Array.isArray(alerts)) throw new AlertmanagerInputError(op, "alerts", "expected an array");
        const body = alerts.map((a, i) => toPostableAlert(op, `alerts[${i}]`, a));
        await this.request(op, "POST", "/alerts", { data: body });
    }

    async listAlerts(filters: AlertFilters = {}): Promise<Alert[]> {
        const op = "listAlerts";
        const params = filterParams(op, filters.filter);
        for (const key of ["active", "silenced", "inhibited", "unprocessed"] as const) {
            const value = filters[key];
            if (value === undefined) continue;
            if (typeof value !== "boolean") throw new AlertmanagerInputError(op, key, `expected a boolean, got ${describeValue(value)}`);
            params.append(key, String(value));
        }
        if (filters.receiver !== undefined) params.append("receiver", requireText(op, "receiver", filters.receiver));
        return this.request<Alert[]>(op, "GET", "/alerts", { params, badRequestField: "filter" });
    }

    /** Creates a silence and returns its id. */
    async createSilence(s: SilenceRequest): Promise<string> {
        const op = "createSilence";
        if (!Array.isArray(s.matchers) || s.matchers.length === 0) {
            throw new AlertmanagerInputError(op, "matchers", "at least one matcher is required");
        }
        const matchers = s.matchers.map((m, i): Matcher => {
            const field = `matchers[${i}]`;
            if (typeof m?.name !== "string" || m.name === "") throw new AlertmanagerInputError(op, `${field}.name`, "expected a non-empty string");
            if (typeof m.value !== "string") throw new AlertmanagerInputError(op, `${field}.value`, `expected a string, got ${describeValue(m.value)}`);
            for (const flag of ["isRegex", "isEqual"] as const) {
                if (m[flag] !== undefined && typeof m[flag] !== "boolean") throw new AlertmanagerInputError(op, `${field}.${flag}`, `expected a boolean, got ${describeValue(m[flag])}`);
            }
            return { name: m.name, value: m.value, isRegex: m.isRegex ?? false, isEqual: m.isEqual ?? true };
        });
        const startsAt = s.startsAt === undefined ? new Date() : new Date(toTimestamp(op, "startsAt", s.startsAt));
        let endsAt: Date;
        if ((s.endsAt === undefined) === (s.durationMs === undefined)) {
            throw new AlertmanagerInputError(op, "endsAt", "give exactly one of endsAt and durationMs");
        } else if (s.durationMs !== undefined) {
            if (typeof s.durationMs !== "number" || !Number.isFinite(s.durationMs) || s.durationMs <= 0) {
                throw new AlertmanagerInputError(op, "durationMs", `expected a positive number of milliseconds, got ${describeValue(s.durationMs)}`);
            }
            endsAt = new Date(startsAt.getTime() + s.durationMs);
        } else {
            endsAt = new Date(toTimestamp(op, "endsAt", s.endsAt!));
            if (endsAt <= startsAt) throw new AlertmanagerInputError(op, "endsAt", `${endsAt.toISOString()} is not after startsAt ${startsAt.toISOString()}`);
        }
        const body = {
            matchers, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(),
            createdBy: requireText(op, "createdBy", s.createdBy), comment: requireText(op, "comment", s.comment),
        };
        const answer = await this.request<{ silenceID?: unknown }>(op, "POST", "/silences", { data: body });
        if (typeof answer?.silenceID !== "string") throw new AlertmanagerApiError(op, "POST /api/v2/silences", 200, `answer has no silenceID: ${describeValue(answer)}`);
        return answer.silenceID;
    }

    /** Ends a silence now; AlertManager keeps listing it with state "expired". */
    async expireSilence(id: string): Promise<void> {
        await this.request("expireSilence", "DELETE", `/silence/${requireSilenceId("expireSilence", id)}`);
    }

    async getSilence(id: string): Promise<Silence> {
        return this.request<Silence>("getSilence", "GET", `/silence/${requireSilenceId("getSilence", id)}`);
    }

    /** Silences whose own matchers include every one of `filter`. */
    async listSilences(filter?: string[]): Promise<Silence[]> {
        return this.request<Silence[]>("listSilences", "GET", "/silences", { params: filterParams("listSilences", filter), badRequestField: "filter" });
    }

    async status(): Promise<AlertmanagerStatus> {
        return this.request<AlertmanagerStatus>("status", "GET", "/status");
    }

    /**
     * The lower-level call behind every operation: sends `data` as it is, without validation,
     * and turns any non-2xx answer or network failure into an AlertmanagerApiError.
     */
    async request<T = unknown>(operation: string, method: HttpMethod, path: string,
        o: { params?: URLSearchParams; data?: unknown; badRequestField?: string } = {}): Promise<T> {
        const query = o.params?.toString();
        const requestLine = `${method} /api/v2${path}${query ? "?" + query : ""}`;
        let res: AxiosResponse;
        try {
            res = await this.http.request({ method, url: path, params: o.params, data: o.data });
        } catch (err) {
            throw new AlertmanagerApiError(operation, `${method} ${this.apiUrl}${path}`, undefined, networkProblem(err));
        }
        if (res.status >= 200 && res.status < 300) return res.data as T;
        const text = serverText(res.data);
        const field = fieldOf(operation, text) ?? (res.status === 400 ? o.badRequestField : undefined);
        throw new AlertmanagerApiError(operation, requestLine, res.status,
            text || `${res.statusText || "error"} (the server sent no error text)`, field);
    }
}

// ---- validation helpers -------------------------------------------------------------------------

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function describeValue(value: unknown): string {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
    const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
    const text = typeof value === "object" || typeof value === "string" ? JSON.stringify(value) : String(value);
    return type === "string" ? text : `${type} ${text}`;
}

/** An RFC 3339 timestamp as AlertManager parses it; a Date or such a string goes in. */
export function toTimestamp(op: string, field: string, value: Timestamp): string {
    const ms = value instanceof Date ? value.getTime() : typeof value === "string" && RFC3339.test(value) ? Date.parse(value) : NaN;
    if (Number.isNaN(ms)) throw new AlertmanagerInputError(op, field, `${describeValue(value)} is not a valid date (expected a Date or an RFC 3339 timestamp)`);
    return new Date(ms).toISOString();
}

function requireText(op: string, field: string, value: unknown): string {
    if (typeof value !== "string" || value.trim() === "") throw new AlertmanagerInputError(op, field, `expected a non-empty string, got ${describeValue(value)}`);
    return value;
}

function requireSilenceId(op: string, id: unknown): string {
    if (typeof id !== "string" || !UUID.test(id)) throw new AlertmanagerInputError(op, "id", `expected a silence id (a UUID), got ${describeValue(id)}`);
    return id;
}

function requireLabelSet(op: string, field: string, value: unknown, needOne: boolean): LabelSet {
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new AlertmanagerInputError(op, field, `expected an object of string values, got ${describeValue(value)}`);
    const entries = Object.entries(value);
    for (const [name, v] of entries) {
        if (typeof v !== "string") throw new AlertmanagerInputError(op, `${field}.${name}`, `expected a string, got ${describeValue(v)}`);
    }
    // AlertManager drops empty label values, so an alert needs one that is not empty.
    if (needOne && !entries.some(([, v]) => v !== "")) throw new AlertmanagerInputError(op, field, "at least one label with a non-empty value is required");
    return value as LabelSet;
}

export function toPostableAlert(op: string, field: string, a: PostableAlert): Record<string, unknown> {
    if (a === null || typeof a !== "object") throw new AlertmanagerInputError(op, field, `expected an alert object, got ${describeValue(a)}`);
    const body: Record<string, unknown> = { labels: requireLabelSet(op, `${field}.labels`, a.labels, true) };
    if (a.annotations !== undefined) body.annotations = requireLabelSet(op, `${field}.annotations`, a.annotations, false);
    if (a.startsAt !== undefined) body.startsAt = toTimestamp(op, `${field}.startsAt`, a.startsAt);
    if (a.endsAt !== undefined) body.endsAt = toTimestamp(op, `${field}.endsAt`, a.endsAt);
    if (body.startsAt && body.endsAt && Date.parse(body.endsAt as string) < Date.parse(body.startsAt as string)) {
        throw new AlertmanagerInputError(op, `${field}.endsAt`, `${body.endsAt} is before startsAt ${body.startsAt}`);
    }
    if (a.generatorURL !== undefined) body.generatorURL = requireText(op, `${field}.generatorURL`, a.generatorURL);
    return body;
}

function filterParams(op: string, filter: string[] | undefined): URLSearchParams {
    const params = new URLSearchParams();
    if (filter === undefined) return params;
    if (!Array.isArray(filter)) throw new AlertmanagerInputError(op, "filter", `expected an array of matchers, got ${describeValue(filter)}`);
    filter.forEach((m, i) => params.append("filter", requireText(op, `filter[${i}]`, m)));
    return params;
}

// ---- error helpers ------------------------------------------------------------------------------

/** The server's error text: AlertManager answers a JSON string, or {code, message} from request validation. */
export function serverText(data: unknown): string {
    if (typeof data === "string") {
        try {
            const parsed: unknown = JSON.parse(data);
            if (typeof parsed === "string") return parsed.trim();
        } catch { /* not JSON: the text as it is */ }
        return data.trim();
    }
    const message = (data as { message?: unknown } | null)?.message;
    if (typeof message === "string") return message;
    return data === undefined || data === null ? "" : JSON.stringify(data);
}

const FIELD_PATTERNS: [RegExp, (m: RegExpMatchArray, op: string) => string][] = [
    // go-swagger request validation: "0.labels in body is required", "matchers in body should have at least 1 items"
    [/^(\S+) in (?:body|path|query)\b/, (m, op) => {
        const path = m[1]!.replace(/(^|\.)(\d+)(?=\.|$)/g, "[$2]");
        return op === "postAlerts" && path.startsWith("[") ? `alerts${path}` : path;
    }],
    // JSON decoding: "cannot unmarshal number into Go struct field Alert.labels of type string"
    [/Go struct field \w+\.([\w.]+)/, (m) => m[1]!],
    [/invalid label matcher (\d+)/, (m) => `matchers[${m[1]}]`],
    [/invalid label set: invalid name "([^"]*)"/, (m) => `labels[${JSON.stringify(m[1])}]`],
    [/label pair|label set/, () => "labels"],
    [/start time must be before end time|end time/, () => "endsAt"],
    [/receiver/, () => "receiver"],
];

export function fieldOf(operation: string, text: string): string | undefined {
    for (const [pattern, name] of FIELD_PATTERNS) {
        const m = text.match(pattern);
        if (m) return name(m, operation);
    }
    return undefined;
}

function networkProblem(err: unknown): string {
    const e = err as { code?: unknown; message?: unknown; errors?: unknown[]; cause?: unknown } | null;
    // Node's AggregateError (localhost resolving to ::1 and 127.0.0.1) keeps the causes inside.
    if (Array.isArray(e?.errors) && e.errors.length > 0) return networkProblem(e.errors[0]);
    const code = typeof e?.code === "string" ? e.code : undefined;
    const message = typeof e?.message === "string" ? e.message : "";
    if (!message && e?.cause) return networkProblem(e.cause);
    if (code && message && !message.includes(code)) return `${code}: ${message}`;
    return message || code || String(err);
}
