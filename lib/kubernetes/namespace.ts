// The environment's namespace and its budget: one namespace per stack, a ResourceQuota and a LimitRange
// sized from the same memory settings as the services, so one environment cannot starve the others.
import type * as Input from "@pulumi/kubernetes/types/input";
import { kubeLabels, type KubePlacement } from "./objects";

/**
 * Memory left in the quota for pods the stack does not declare: the pipeline's suite as a Job, a Spark
 * driver in the namespace, the gates' probes. Their containers get the LimitRange's defaults.
 */
export const JOBS_HEADROOM_MB = 3072;
/** What a container that declares nothing gets (a Spark driver needs about this much). */
export const DEFAULT_CONTAINER_MEMORY_MB = 1536;

export function namespaceObject(p: KubePlacement) {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: p.namespace, labels: { ...kubeLabels(p), "cdc-test-infra.environment": p.retainData ? "persistent" : "ephemeral" } },
    } satisfies Input.core.v1.Namespace;
}

/** The services' memory (requests equal limits) plus the headroom for jobs. */
export function resourceQuota(p: KubePlacement, servicesMemoryMb: number) {
    const memory = `${servicesMemoryMb + JOBS_HEADROOM_MB}Mi`;
    return {
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: { name: "cdc-environment", namespace: p.namespace, labels: kubeLabels(p) },
        spec: {
            hard: {
                "requests.memory": memory,
                "limits.memory": memory,
                // Nothing in the stack asks for a load balancer or node port unless kubernetesServiceType does.
                "services.loadbalancers": p.serviceType === "LoadBalancer" ? "20" : "0",
                "services.nodeports": p.serviceType === "ClusterIP" ? "0" : "20",
            },
        },
    } satisfies Input.core.v1.ResourceQuota;
}

/** Defaults for containers that declare no memory (the quota requires every pod to), capped at the largest service. */
export function limitRange(p: KubePlacement, largestServiceMemoryMb: number) {
    const max = Math.max(largestServiceMemoryMb, DEFAULT_CONTAINER_MEMORY_MB);
    return {
        apiVersion: "v1",
        kind: "LimitRange",
        metadata: { name: "cdc-container-defaults", namespace: p.namespace, labels: kubeLabels(p) },
        spec: {
            limits: [{
                type: "Container",
                default: { memory: `${DEFAULT_CONTAINER_MEMORY_MB}Mi` },
                defaultRequest: { memory: `${DEFAULT_CONTAINER_MEMORY_MB}Mi`, cpu: "100m" },
                max: { memory: `${max}Mi` },
            }],
        },
    } satisfies Input.core.v1.LimitRange;
}
