import * as command from "@pulumi/command";
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_ROOT, probeArgv, probeBuildProblem, probeShellCommand, type KubeForward, type ProbeRequest, type ProbeTiming } from "../lib/probes";

export interface ReadinessGateArgs {
    /** What to probe; Outputs so host ports read back from containers can be used. */
    request: pulumi.Input<ProbeRequest>;
    timing: Omit<ProbeTiming, "containers" | "kube">;
    /** The service's containers: the gate waits for them, shows their logs on failure, and re-runs when one is replaced. */
    containers: docker.Container[];
    /**
     * Platform kubernetes instead of containers: the gate waits for the service's `objects`, the probe
     * forwards to its Service itself and shows its pods on failure, and a changed pod template re-runs it.
     */
    kube?: { forward: KubeForward; objects: pulumi.CustomResource[]; templates: pulumi.Input<unknown>[] };
    /** Secrets for the probe, passed as environment variables. */
    secretEnv?: Record<string, pulumi.Input<string>>;
}

/**
 * Runs the project's probe from the host against a service's published ports, and fails
 * the update when the service does not become ready in time.
 */
export class ReadinessGate extends pulumi.ComponentResource {
    /** The probe's verdict line; known only once the service is ready. */
    public readonly verdict: pulumi.Output<string>;

    constructor(name: string, args: ReadinessGateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc:infra:ReadinessGate", name, {}, opts);
        const buildProblem = probeBuildProblem();
        if (buildProblem) throw new Error(`the readiness probe is not built from the current sources (${buildProblem}): run \`npm run build\``);
        const hasSecrets = args.secretEnv !== undefined && Object.keys(args.secretEnv).length > 0;
        const create = pulumi.all([args.request, pulumi.all(args.containers.map((c) => c.name))]).apply(([request, containers]) =>
            probeShellCommand(probeArgv(request, { ...args.timing, containers, ...(args.kube === undefined ? {} : { kube: args.kube.forward }) })));
        const probe = new command.local.Command(`${name}-probe`, {
            create,
            dir: PROJECT_ROOT,
            environment: args.secretEnv,
            // A replaced container has a new id, a changed workload a new pod template: the probe runs again.
            triggers: [...args.containers.map((c) => c.id), ...(args.kube?.templates ?? [])],
            // The probe never prints secrets, but a gate with secrets logs nothing and keeps its output secret.
            logging: hasSecrets ? "none" : "stdoutAndStderr",
        }, {
            parent: this,
            dependsOn: [...args.containers, ...(args.kube?.objects ?? [])],
            additionalSecretOutputs: hasSecrets ? ["stdout", "stderr"] : [],
        });
        this.verdict = probe.stdout;
        this.registerOutputs({ verdict: this.verdict });
    }

    /** `value`, released only after the gate has passed. */
    public gate<T>(value: pulumi.Input<T>): pulumi.Output<T> {
        // The verdict holds no secret; unsecret it so `value` stays as secret as it was, no more.
        return pulumi.all([pulumi.unsecret(this.verdict), value]).apply(([, v]) => v as T);
    }
}
