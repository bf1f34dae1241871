// Probe definitions: what each readiness gate asks, as data shared by the components
// (which build the command line), the probe program (which parses it) and the tests.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { PROJECT_ROOT } from "./paths";
import { MYSQL_FLAVORS, type MysqlFlavor } from "./settings";
export { PROJECT_ROOT };

export type ProbeRequest =
    | { service: "spark"; url: string; expectedWorkers: number }
    | { service: "alertmanager"; url: string; routeReceiver: string }
    | { service: "mysql"; host: string; port: number; flavor: MysqlFlavor; cdcUser: string }
    | { service: "prometheus"; url: string; alertmanagerTarget: string }
    | { service: "kafka"; bootstrap: string; topic: string; /** The SHARED listener (host drivers), checked to advertise itself. */ sharedBootstrap?: string }
    | { service: "connect"; url: string; connectorClasses: string[] }
    | { service: "connector"; url: string; name: string; config: Record<string, string> }
    | { service: "postgres"; host: string; port: number; database: string; cdcUser: string; publication: string };

export type ProbeService = ProbeRequest["service"];
export const PROBE_SERVICES: readonly ProbeService[] = ["spark", "alertmanager", "mysql", "prometheus", "kafka", "connect", "connector", "postgres"];

/**
 * Platform kubernetes: the probe reaches the service through the API server (`kubectl port-forward` to
 * the Service, which it opens and reopens itself), dialing the request's address on a local port.
 */
export interface KubeForward {
    /** Absent: the kubeconfig's current context. */
    context?: string;
    namespace: string;
    service: string;
    /** The Service port forwarded to. */
    port: number;
    /** The pods' role label: their state and last log lines are shown when the probe gives up. */
    role: string;
}

export interface ProbeTiming {
    timeoutSeconds: number;
    intervalMs: number;
    /** Containers whose last log lines are shown when the probe gives up. */
    containers: string[];
    kube?: KubeForward;
}

/** Secrets reach the probe through these variables, never through its arguments. */
export const PROBE_SECRET_ENV = {
    mysqlRootPassword: "PROBE_MYSQL_ROOT_PASSWORD",
    mysqlCdcPassword: "PROBE_MYSQL_CDC_PASSWORD",
    postgresCdcPassword: "PROBE_POSTGRES_CDC_PASSWORD",
} as const;

/** Secrets (one per line) the connector probe must never show, e.g. in a connector's error trace; used only to redact. */
export const CONNECTOR_REDACT_ENV = "PROBE_CONNECTOR_REDACT";

/** The compiled probe program, relative to the project root (built by `npm run build`). */
export const PROBE_PROGRAM = path.join("dist", "probe", "cli.js");

/** The program's sources the build compiles into dist/: the program runs from there, gates included. */
const PROGRAM_SOURCES = ["index.ts", "platforms", "components", "lib", "probe"];

function sourcesUnder(root: string, rel: string): string[] {
    const full = path.join(root, rel);
    if (!fs.existsSync(full)) return [];
    if (fs.statSync(full).isFile()) return rel.endsWith(".ts") ? [rel] : [];
    return fs.readdirSync(full).flatMap((entry) => sourcesUnder(root, path.join(rel, entry)));
}

/**
 * Why the build cannot be trusted, or undefined: the program and its gates run dist/, so a missing
 * build or one older than its sources would run old logic.
 */
export function probeBuildProblem(root = PROJECT_ROOT): string | undefined {
    for (const source of PROGRAM_SOURCES.flatMap((rel) => sourcesUnder(root, rel))) {
        const built = path.join(root, "dist", source.replace(/\.ts$/, ".js"));
        if (!fs.existsSync(built)) return `${path.relative(root, built)} is missing`;
        if (fs.statSync(built).mtimeMs < fs.statSync(path.join(root, source)).mtimeMs) return `${path.relative(root, built)} is older than ${source}`;
    }
    return undefined;
}

export function probeArgv(request: ProbeRequest, timing: ProbeTiming): string[] {
    const args: string[] = [request.service];
    switch (request.service) {
        case "spark":
            args.push("--url", request.url, "--workers", String(request.expectedWorkers));
            break;
        case "alertmanager":
            args.push("--url", request.url, "--route-receiver", request.routeReceiver);
            break;
        case "mysql":
            args.push("--host", request.host, "--port", String(request.port), "--flavor", request.flavor,
                "--cdc-user", request.cdcUser);
            break;
        case "prometheus":
            args.push("--url", request.url, "--alertmanager", request.alertmanagerTarget);
            break;
        case "kafka":
            args.push("--bootstrap", request.bootstrap, "--topic", request.topic);
            if (request.sharedBootstrap !== undefined) args.push("--shared-bootstrap", request.sharedBootstrap);
            break;
        case "connect":
            args.push("--url", request.url, ...request.connectorClasses.flatMap((c) => ["--plugin", c]));
            break;
        case "connector":
            args.push("--url", request.url, "--name", request.name, "--config", JSON.stringify(request.config));
            break;
        case "postgres":
            args.push("--host", request.host, "--port", String(request.port), "--database", request.database,
                "--cdc-user", request.cdcUser, "--publication", request.publication);
            break;
    }
    args.push("--timeout", String(timing.timeoutSeconds), "--interval", String(timing.intervalMs));
    for (const c of timing.containers) args.push("--container", c);
    if (timing.kube !== undefined) {
        const k = timing.kube;
        if (k.context !== undefined) args.push("--kube-context", k.context);
        args.push("--kube-namespace", k.namespace, "--kube-service", k.service, "--kube-port", String(k.port), "--kube-role", k.role);
    }
    return args;
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
function shellQuote(word: string): string {
    return SAFE_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The gate's shell command: runs from the project root (the gate's `dir`). */
export function probeShellCommand(argv: string[]): string {
    return ["node", PROBE_PROGRAM, ...argv].map(shellQuote).join(" ");
}

export class ProbeUsageError extends Error {}

function requireInt(name: string, value: string | undefined, min: number, max: number): number {
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
        throw new ProbeUsageError(`--${name} ${value === undefined ? "is missing" : JSON.stringify(value) + " is invalid"}: expected an integer from ${min} to ${max}`);
    }
    return Number(value);
}
function requireText(name: string, value: string | undefined): string {
    if (!value) throw new ProbeUsageError(`--${name} is missing`);
    return value;
}

function requireHostPort(name: string, value: string): string {
    if (!/^[^\s:,]+:\d{1,5}$/.test(value)) throw new ProbeUsageError(`--${name} ${JSON.stringify(value)}: expected one host:port`);
    return value;
}

function requireStringMap(name: string, value: string | undefined): Record<string, string> {
    let parsed: unknown;
    try {
        parsed = JSON.parse(requireText(name, value));
    } catch (err) {
        if (err instanceof ProbeUsageError) throw err;
        throw new ProbeUsageError(`--${name} is not JSON: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed) || Object.values(parsed).some((x) => typeof x !== "string")) {
        throw new ProbeUsageError(`--${name}: expected a JSON object of string values`);
    }
    return parsed as Record<string, string>;
}

export function parseProbeArgv(argv: string[]): { request: ProbeRequest; timing: ProbeTiming } {
    const [service, ...rest] = argv;
    if (!PROBE_SERVICES.includes(service as ProbeService)) {
        throw new ProbeUsageError(`first argument ${JSON.stringify(service ?? "")}: expected one of ${PROBE_SERVICES.join(", ")}`);
    }
    let parsed;
    try {
        parsed = parseArgs({
            args: rest,
            strict: true,
            options: {
                url: { type: "string" }, workers: { type: "string" }, "route-receiver": { type: "string" },
                host: { type: "string" }, port: { type: "string" }, flavor: { type: "string" }, "cdc-user": { type: "string" },
                alertmanager: { type: "string" },
                bootstrap: { type: "string" }, topic: { type: "string" }, "shared-bootstrap": { type: "string" },
                plugin: { type: "string", multiple: true }, name: { type: "string" }, config: { type: "string" },
                database: { type: "string" }, publication: { type: "string" },
                timeout: { type: "string" }, interval: { type: "string" }, container: { type: "string", multiple: true },
                "kube-context": { type: "string" }, "kube-namespace": { type: "string" }, "kube-service": { type: "string" },
                "kube-port": { type: "string" }, "kube-role": { type: "string" },
            },
        });
    } catch (err) {
        // util.parseArgs reports unknown or malformed options as TypeError; keep its words.
        throw new ProbeUsageError((err as Error).message);
    }
    const v = parsed.values;
    const timing: ProbeTiming = {
        timeoutSeconds: requireInt("timeout", v.timeout, 1, 86400),
        intervalMs: requireInt("interval", v.interval, 1, 600000),
        containers: v.container ?? [],
    };
    if (v["kube-namespace"] !== undefined) {
        timing.kube = {
            ...(v["kube-context"] === undefined ? {} : { context: v["kube-context"] }),
            namespace: v["kube-namespace"],
            service: requireText("kube-service", v["kube-service"]),
            port: requireInt("kube-port", v["kube-port"], 1, 65535),
            role: requireText("kube-role", v["kube-role"]),
        };
    }
    let request: ProbeRequest;
    switch (service as ProbeService) {
        case "spark":
            request = { service: "spark", url: requireText("url", v.url), expectedWorkers: requireInt("workers", v.workers, 0, 1000) };
            break;
        case "alertmanager":
            request = { service: "alertmanager", url: requireText("url", v.url), routeReceiver: requireText("route-receiver", v["route-receiver"]) };
            break;
        case "mysql": {
            const flavor = requireText("flavor", v.flavor);
            if (!MYSQL_FLAVORS.includes(flavor as MysqlFlavor)) throw new ProbeUsageError(`--flavor ${JSON.stringify(flavor)}: expected one of ${MYSQL_FLAVORS.join(", ")}`);
            request = {
                service: "mysql", host: requireText("host", v.host), port: requireInt("port", v.port, 0, 65535),
                flavor: flavor as MysqlFlavor, cdcUser: requireText("cdc-user", v["cdc-user"]),
            };
            break;
        }
        case "prometheus":
            request = { service: "prometheus", url: requireText("url", v.url), alertmanagerTarget: requireText("alertmanager", v.alertmanager) };
            break;
        case "kafka": {
            const bootstrap = requireHostPort("bootstrap", requireText("bootstrap", v.bootstrap));
            const shared = v["shared-bootstrap"] === undefined ? undefined : requireHostPort("shared-bootstrap", v["shared-bootstrap"]);
            request = { service: "kafka", bootstrap, topic: requireText("topic", v.topic), ...(shared === undefined ? {} : { sharedBootstrap: shared }) };
            break;
        }
        case "connect":
            request = { service: "connect", url: requireText("url", v.url), connectorClasses: v.plugin ?? [] };
            break;
        case "connector":
            request = { service: "connector", url: requireText("url", v.url), name: requireText("name", v.name), config: requireStringMap("config", v.config) };
            break;
        case "postgres":
            request = {
                service: "postgres", host: requireText("host", v.host), port: requireInt("port", v.port, 0, 65535),
                database: requireText("database", v.database), cdcUser: requireText("cdc-user", v["cdc-user"]),
                publication: requireText("publication", v.publication),
            };
            break;
    }
    return { request, timing };
}
