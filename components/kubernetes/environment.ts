import * as pulumi from "@pulumi/pulumi";
import { limitRange, namespaceObject, resourceQuota } from "../../lib/kubernetes/namespace";
import type { KubePlacement } from "../../lib/kubernetes/objects";
import { createObjects } from "./objects";

export interface KubeEnvironmentArgs {
    placement: KubePlacement;
    /** The memory limits of every service of the stack, in MiB: what the quota is sized from. */
    servicesMemoryMb: number[];
}

/**
 * The environment's namespace with its ResourceQuota and LimitRange. An ephemeral stack deletes the
 * namespace on destroy, and Kubernetes everything in it; a persistent one keeps it, with its data claims.
 */
export class KubeEnvironment extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    /** The namespace's objects: everything else in it is created after them. */
    public readonly ready: pulumi.CustomResource[];

    constructor(name: string, args: KubeEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc:kubernetes:Environment", name, {}, opts);
        const p = args.placement;
        const [namespace] = createObjects(name, [namespaceObject(p)], this, p.retainData).all;
        const budget = createObjects(name, [
            resourceQuota(p, args.servicesMemoryMb.reduce((a, b) => a + b, 0)),
            limitRange(p, Math.max(...args.servicesMemoryMb)),
        ], namespace).all;
        this.ready = [namespace, ...budget];
        this.namespace = pulumi.output(namespace.urn).apply(() => p.namespace);
        this.registerOutputs({ namespace: this.namespace });
    }
}
