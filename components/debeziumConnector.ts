import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { ConnectorSpec } from "../lib/debezium";
import { CONNECTOR_REDACT_ENV, PROJECT_ROOT, probeArgv, probeBuildProblem, probeShellCommand, type KubeForward } from "../lib/probes";

/** The Kafka Connect worker a connector is registered with, on either platform. */
export interface ConnectWorker {
    /** REST API, released by the worker's gate. */
    url: pulumi.Output<string>;
    gate: pulumi.Resource;
    /** Changes when the worker is replaced: the connector is registered again. */
    revision: pulumi.Output<string>;
}

export interface DebeziumConnectorArgs {
    connect: ConnectWorker;
    /** Platform kubernetes: the REST API through a port-forward to this Service. */
    kube?: KubeForward;
    /** Name and config (no secret in it: `${file:...}` references to the worker's secret files). */
    spec: pulumi.Input<ConnectorSpec>;
    /** The gates of what the connector reads and writes (its database, Kafka); the Connect gate is added. */
    readyFirst: pulumi.Resource[];
    /** Secrets the gate must never print (e.g. the database password in an error trace). */
    redact: pulumi.Input<string>[];
    readiness: { timeoutSeconds: number; intervalMs: number };
}

/**
 * A source connector declared by the program: its gate PUTs the config (create, or update in place:
 * a changed config re-runs the same command as `update`, nothing is replaced) and waits until the
 * connector and its task are RUNNING and the snapshot is done; FAILED ends it with the task's trace.
 */
export class DebeziumConnector extends pulumi.ComponentResource {
    public readonly name: pulumi.Output<string>;
    public readonly topicPrefix: pulumi.Output<string>;
    /** The gate's verdict; known once the connector streams. */
    public readonly verdict: pulumi.Output<string>;

    constructor(name: string, args: DebeziumConnectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc:infra:DebeziumConnector", name, {}, opts);
        const buildProblem = probeBuildProblem();
        if (buildProblem) throw new Error(`the readiness probe is not built from the current sources (${buildProblem}): run \`npm run build\``);
        const spec = pulumi.output(args.spec);
        const register = pulumi.all([args.connect.url, spec]).apply(([url, s]) => probeShellCommand(probeArgv(
            { service: "connector", url, name: s.name, config: s.config },
            { ...args.readiness, containers: [], ...(args.kube === undefined ? {} : { kube: args.kube }) })));
        const gate = new command.local.Command(`${name}-register`, {
            create: register,
            update: register,
            dir: PROJECT_ROOT,
            environment: { [CONNECTOR_REDACT_ENV]: pulumi.secret(pulumi.all(args.redact).apply((xs) => xs.join("\n"))) },
            // A replaced worker is registered with again (its stored config survives in Kafka; the gate re-checks it).
            triggers: [args.connect.revision],
            // The probe redacts the secrets it is given; what it prints (states, the connector's trace) is for the user.
            logging: "stdoutAndStderr",
        }, { parent: this, dependsOn: [...args.readyFirst, args.connect.gate] });
        this.verdict = gate.stdout;
        const released = <T>(v: pulumi.Input<T>) => pulumi.all([pulumi.unsecret(gate.stdout), v]).apply(([, x]) => x as T);
        this.name = released(spec.name);
        this.topicPrefix = released(spec.apply((s) => s.config["topic.prefix"] ?? ""));
        this.registerOutputs({ name: this.name, topicPrefix: this.topicPrefix });
    }
}
