import * as pulumi from "@pulumi/pulumi";
import type { KubeObject } from "../../lib/kubernetes/kinds";
import type { KubeForward, ProbeRequest } from "../../lib/probes";
import { ReadinessGate } from "../readinessGate";
import { createObjects } from "./objects";

export interface KubeServiceArgs {
    /** The service's objects from lib/kubernetes (Secrets' values may be secret Outputs). */
    objects: KubeObject[];
    /** Kept on destroy: a persistent stack's data claims. */
    retainData: boolean;
    /** What the gate asks, at the addresses a client outside the cluster uses through its port-forward. */
    request: pulumi.Input<ProbeRequest>;
    /** The Service (and port) the gate forwards to, and the pods' role it reports on failure. */
    forward: KubeForward;
    readiness: { timeoutSeconds: number; intervalMs: number };
    secretEnv?: Record<string, pulumi.Input<string>>;
}

/**
 * One service of the stack in its namespace: the objects lib/kubernetes describes, then the same
 * semantic gate as on Docker, which reaches the service through the API server.
 */
export class KubeService extends pulumi.ComponentResource {
    public readonly gate: ReadinessGate;
    /** Changes whenever a pod template does (a new pod): what re-registers a connector with a replaced worker. */
    public readonly revision: pulumi.Output<string>;

    constructor(name: string, args: KubeServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc:kubernetes:Service", name, {}, opts);
        const created = createObjects(name, args.objects, this, args.retainData);
        const templates = created.workloads.map((w) => w.spec.template.apply((t) => JSON.stringify(t)));
        this.revision = pulumi.all(templates).apply((ts) => ts.join("\n"));
        this.gate = new ReadinessGate(`${name}-ready`, {
            request: args.request,
            timing: args.readiness,
            containers: [],
            kube: { forward: args.forward, objects: created.all, templates },
            ...(args.secretEnv === undefined ? {} : { secretEnv: args.secretEnv }),
        }, { parent: this });
        this.registerOutputs({ verdict: this.gate.verdict });
    }
}
