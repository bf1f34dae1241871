// Readiness probe run by the stack's gates (entry point: cli.ts).
// Progress goes to stderr, the verdict to stdout; exit 0 when ready, 1 when not, 2 on bad usage.
import { CONNECTOR_REDACT_ENV, parseProbeArgv, ProbeUsageError, PROBE_SECRET_ENV, PROBE_SERVICES, type ProbeRequest } from "../lib/probes";
import { crashWatch, dockerCli, type DockerRunner } from "./containers";
import { freeLocalPort, kubePodReport, openTunnel, type Tunnel } from "./kubeForward";
import { containerLogReport, dockerLogReader, type LogReader } from "./logs";
import { NotReadyError, waitUntilReady, type ReadinessCheck } from "./poll";

// Each service's client is loaded only when probed: a gate's probe is a fresh process, and
// loading axios or mysql2 for nothing is most of its start-up time.
/* eslint-disable @typescript-eslint/no-require-imports */

/** Port 0: the container was not running when Pulumi read its Docker-assigned ports (see hostPortOf). */
function unpublished(request: ProbeRequest): boolean {
    if (request.service === "kafka") return request.bootstrap.endsWith(":0");
    return "port" in request ? request.port === 0 : new URL(request.url).port === "0";
}

const NOT_PUBLISHED: ReadinessCheck["attempt"] = async () => ({
    ready: false, fatal: true, observed: "no host port was published: the container was not running when its ports were read",
});

/** The request with its address replaced by the tunnel's local end; Kafka keeps its address and dials the tunnel. */
export function throughTunnel(request: ProbeRequest, local: string): { request: ProbeRequest; dial?: string } {
    const [host, port] = [local.slice(0, local.lastIndexOf(":")), Number(local.slice(local.lastIndexOf(":") + 1))];
    switch (request.service) {
        case "kafka":
            // The broker advertises the address outside clients dial through their own port-forward: keep checking that.
            return { request, dial: local };
        case "mysql":
        case "postgres":
            return { request: { ...request, host, port } };
        default:
            return { request: { ...request, url: request.url.replace(new URL(request.url).host, local) } };
    }
}

/** Each attempt first makes sure the forward runs: one that is not up yet is an observation like any other. */
function tunnelled(check: ReadinessCheck, tunnel: Tunnel, target: string): ReadinessCheck {
    return {
        ...check,
        endpoint: `${check.endpoint} (through kubectl port-forward to ${target})`,
        async attempt(timeoutMs) {
            const notForwarding = await tunnel.ensure(Math.max(timeoutMs, 5_000));
            return notForwarding === undefined ? check.attempt(timeoutMs) : { ready: false, observed: notForwarding };
        },
    };
}

export function checkFor(request: ProbeRequest, env: NodeJS.ProcessEnv, dial?: string): ReadinessCheck {
    const check = clientCheckFor(request, env, dial);
    return unpublished(request) ? { ...check, attempt: NOT_PUBLISHED } : check;
}

function clientCheckFor(request: ProbeRequest, env: NodeJS.ProcessEnv, dial?: string): ReadinessCheck {
    switch (request.service) {
        case "spark":
            return (require("./spark") as typeof import("./spark")).sparkCheck(request.url, request.expectedWorkers);
        case "alertmanager":
            return (require("./alertmanager") as typeof import("./alertmanager")).alertmanagerCheck(request.url, request.routeReceiver);
        case "prometheus":
            return (require("./prometheus") as typeof import("./prometheus")).prometheusCheck(request.url, request.alertmanagerTarget);
        case "kafka":
            return (require("./kafka") as typeof import("./kafka")).kafkaCheck(request.bootstrap, request.topic, request.sharedBootstrap, dial);
        case "mysql": {
            const missing = [PROBE_SECRET_ENV.mysqlRootPassword, PROBE_SECRET_ENV.mysqlCdcPassword].filter((name) => !env[name]);
            if (missing.length > 0) throw new ProbeUsageError(`environment ${missing.join(", ")} not set: the mysql probe reads passwords from the environment`);
            return (require("./mysql") as typeof import("./mysql")).mysqlCheck({
                host: request.host, port: request.port, flavor: request.flavor, cdcUser: request.cdcUser,
                rootPassword: env[PROBE_SECRET_ENV.mysqlRootPassword]!, cdcPassword: env[PROBE_SECRET_ENV.mysqlCdcPassword]!,
            });
        }
        case "connect":
            return (require("./connect") as typeof import("./connect")).connectCheck(request.url, request.connectorClasses);
        case "connector":
            return (require("./connect") as typeof import("./connect")).connectorCheck(request.url, { name: request.name, config: request.config },
                (env[CONNECTOR_REDACT_ENV] ?? "").split("\n"));
        case "postgres": {
            const password = env[PROBE_SECRET_ENV.postgresCdcPassword];
            if (!password) throw new ProbeUsageError(`environment ${PROBE_SECRET_ENV.postgresCdcPassword} not set: the postgres probe reads the CDC password from the environment`);
            return (require("./postgres") as typeof import("./postgres")).postgresCheck({ ...request, cdcPassword: password });
        }
    }
}

/**
 * The last log lines of each container, where a docker CLI is on the PATH (otherwise says why not):
 * after a crash, those of the run that crashed, labelled with its exit code (see logs.ts).
 */
export async function containerLogTails(containers: string[], env: NodeJS.ProcessEnv, lines = 20,
    docker: { cli?: DockerRunner; logs?: LogReader } = {}): Promise<string> {
    const cli = docker.cli ?? dockerCli(env);
    const logs = docker.logs ?? dockerLogReader(env);
    const parts: string[] = [];
    for (const name of containers) parts.push(await containerLogReport(name, cli, logs, lines));
    return parts.join("\n");
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
    let request: ProbeRequest;
    let timing;
    let check: ReadinessCheck;
    let tunnel: Tunnel | undefined;
    try {
        ({ request, timing } = parseProbeArgv(argv));
        if (timing.kube !== undefined) {
            tunnel = openTunnel(timing.kube, await freeLocalPort(), env);
            const routed = throughTunnel(request, tunnel.local);
            check = tunnelled(checkFor(routed.request, env, routed.dial), tunnel, `service/${timing.kube.service}:${timing.kube.port}`);
        } else {
            check = checkFor(request, env);
        }
    } catch (err) {
        if (!(err instanceof ProbeUsageError)) throw err;
        process.stderr.write(`probe: ${err.message}\nusage: probe <${PROBE_SERVICES.join("|")}> [options] --timeout <s> --interval <ms> [--container <name>]...\n`);
        return 2;
    }
    try {
        const result = await waitUntilReady(check, {
            timeoutMs: timing.timeoutSeconds * 1000,
            intervalMs: timing.intervalMs,
            log: (line) => process.stderr.write(line + "\n"),
            crashed: crashWatch(timing.containers, dockerCli(env)),
        });
        process.stdout.write(`${check.service} ready at ${check.endpoint}: ${result.observed}\n`);
        return 0;
    } catch (err) {
        if (!(err instanceof NotReadyError)) throw err;
        let logs = timing.containers.length > 0 ? "\n" + await containerLogTails(timing.containers, env) : "";
        if (timing.kube !== undefined) logs += "\n" + kubePodReport(timing.kube, env);
        process.stderr.write(`${err.message}${logs}\n`);
        return 1;
    } finally {
        tunnel?.close();
    }
}
