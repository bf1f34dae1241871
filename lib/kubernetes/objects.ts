// Builders of the Kubernetes objects the stack is made of: plain data (settings in, objects out), so the
// components hand them to @pulumi/kubernetes and the tests apply exactly the same objects with kubectl.
import type * as Input from "@pulumi/kubernetes/types/input";
import type * as pulumi from "@pulumi/pulumi";

export type Container = Input.core.v1.Container;
export type Volume = Input.core.v1.Volume;
export type VolumeMount = Input.core.v1.VolumeMount;

/** Where a service's objects go and how they are labelled. */
export interface KubePlacement {
    project: string;
    stack: string;
    namespace: string;
    serviceType: "ClusterIP" | "NodePort" | "LoadBalancer";
    /** Absent: the cluster's default StorageClass. */
    storageClass?: string;
    /** Persistent stacks keep their data claims when a StatefulSet (or the stack) is deleted. */
    retainData: boolean;
}

export const PART_OF = "cdc-test-infra";

/** Claim sizes of the data services (GiB): a test database's data and a week of binlog. */
export const DATA_SIZE_GI = { mysql: 5, postgres: 5, kafka: 5, alertmanager: 1, prometheus: 2, spark: 5 } as const;

/** Labels on every object: the Kubernetes recommended ones plus the project and stack, as on Docker. */
export function kubeLabels(p: Pick<KubePlacement, "project" | "stack">, role?: string): Record<string, string> {
    return {
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
        "cdc-test-infra.project": p.project,
        "cdc-test-infra.stack": p.stack,
        ...(role === undefined ? {} : { "app.kubernetes.io/name": role }),
    };
}

/** The labels a Service and a workload select a role's pods by (a subset of kubeLabels, never changed). */
export function selectorOf(role: string): Record<string, string> {
    return { "app.kubernetes.io/name": role, "app.kubernetes.io/part-of": PART_OF };
}

export function metadata(p: KubePlacement, name: string, role: string) {
    return { name, namespace: p.namespace, labels: kubeLabels(p, role) };
}

/**
 * The provider would wait for workloads and Services to become ready by its own rules (up to 10 minutes
 * for a crash-looping pod): the stack's gates judge readiness instead, and report a crash at once.
 */
const GATES_JUDGE = { "pulumi.com/skipAwait": "true" };

/** Memory as Kubernetes writes it; requests equal limits so a service gets what it was sized for (Guaranteed memory). */
export function memoryResources(memoryMb: number, cpuRequest = "100m"): Input.core.v1.ResourceRequirements {
    return { requests: { memory: `${memoryMb}Mi`, cpu: cpuRequest }, limits: { memory: `${memoryMb}Mi` } };
}

/** `KEY=value` lines (the Docker components' form) as a container's env. */
export function envOf(lines: string[]): { name: string; value: string }[] {
    return lines.map((line) => {
        const at = line.indexOf("=");
        if (at <= 0) throw new Error(`environment line ${JSON.stringify(line)}: expected KEY=value`);
        return { name: line.slice(0, at), value: line.slice(at + 1) };
    });
}

export interface ServicePort {
    name: string;
    port: number;
    /** The container's port; the Service port when absent. */
    targetPort?: number;
}

export function service(p: KubePlacement, name: string, role: string, ports: ServicePort[]) {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { ...metadata(p, name, role), annotations: GATES_JUDGE },
        spec: {
            type: p.serviceType,
            selector: selectorOf(role),
            ports: ports.map((x) => ({ name: x.name, port: x.port, targetPort: x.targetPort ?? x.port, protocol: "TCP" })),
        },
    } satisfies Input.core.v1.Service;
}

/** A file (or files) for containers to mount; keys are file names. */
export function configMap(p: KubePlacement, name: string, role: string, data: Record<string, string>) {
    return { apiVersion: "v1", kind: "ConfigMap", metadata: metadata(p, name, role), data } satisfies Input.core.v1.ConfigMap;
}

/** Files by name: plain strings in the tests, a secret Output in the program. */
export type SecretData = pulumi.Input<Record<string, pulumi.Input<string>>>;

/** Secret values only ever live here, mounted as files (never in env values, command lines or ConfigMaps). */
export function secret<S extends SecretData>(p: KubePlacement, name: string, role: string, stringData: S) {
    return { apiVersion: "v1", kind: "Secret", metadata: metadata(p, name, role), type: "Opaque", stringData } satisfies Input.core.v1.Secret;
}

/** One file of a ConfigMap or Secret volume, mounted at `path` (subPath: the rest of the directory stays the image's). */
export function fileMount(volume: string, path: string, key: string, readOnly = true): VolumeMount {
    return { name: volume, mountPath: path, subPath: key, readOnly };
}

export interface WorkloadSpec {
    role: string;
    containers: Container[];
    volumes?: Volume[];
    /** Data kept across restarts (and, on persistent stacks, destroy): one claim, mounted by name `data`. */
    data?: { sizeGi: number; accessMode?: "ReadWriteOnce" | "ReadWriteMany" };
    securityContext?: Input.core.v1.PodSecurityContext;
    /** Seconds a pod gets to stop cleanly (flushes, checkpoints) before it is killed. */
    terminationGraceSeconds?: number;
    replicas?: number;
}

function podTemplate(p: KubePlacement, w: WorkloadSpec) {
    return {
        metadata: { labels: kubeLabels(p, w.role) },
        spec: {
            // Docker-link style variables for every Service would only shadow the stack's own settings.
            enableServiceLinks: false,
            // The services need no API access.
            automountServiceAccountToken: false,
            containers: w.containers,
            ...(w.volumes === undefined ? {} : { volumes: w.volumes }),
            ...(w.securityContext === undefined ? {} : { securityContext: w.securityContext }),
            ...(w.terminationGraceSeconds === undefined ? {} : { terminationGracePeriodSeconds: w.terminationGraceSeconds }),
        },
    };
}

/** A data service: its pod keeps its name and its claim (`data-<name>-0`) across restarts. */
export function statefulSet(p: KubePlacement, name: string, w: WorkloadSpec) {
    return {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { ...metadata(p, name, w.role), annotations: GATES_JUDGE },
        spec: {
            serviceName: name,
            replicas: w.replicas ?? 1,
            selector: { matchLabels: selectorOf(w.role) },
            template: podTemplate(p, w),
            // Parallel: pods need not wait for each other (one replica anyway); updates replace the pod.
            podManagementPolicy: "Parallel",
            persistentVolumeClaimRetentionPolicy: p.retainData
                ? { whenDeleted: "Retain", whenScaled: "Retain" }
                : { whenDeleted: "Delete", whenScaled: "Delete" },
            ...(w.data === undefined ? {} : { volumeClaimTemplates: [dataClaim(p, w.role, w.data)] }),
        },
    } satisfies Input.apps.v1.StatefulSet;
}

function dataClaim(p: KubePlacement, role: string, d: NonNullable<WorkloadSpec["data"]>) {
    return {
        metadata: { name: "data", labels: kubeLabels(p, role) },
        spec: {
            accessModes: [d.accessMode ?? "ReadWriteOnce"],
            resources: { requests: { storage: `${d.sizeGi}Gi` } },
            ...(p.storageClass === undefined ? {} : { storageClassName: p.storageClass }),
        },
    };
}

/** A claim of its own, for data several pods mount (the Spark data volume). */
export function persistentVolumeClaim(p: KubePlacement, name: string, role: string, d: NonNullable<WorkloadSpec["data"]>) {
    return {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
            ...metadata(p, name, role),
            // Also: a WaitForFirstConsumer class binds the claim only once a pod uses it.
            annotations: GATES_JUDGE,
        },
        spec: dataClaim(p, role, d).spec,
    } satisfies Input.core.v1.PersistentVolumeClaim;
}

/** A stateless service (Kafka Connect: its state is in Kafka; Spark's daemons). */
export function deployment(p: KubePlacement, name: string, w: WorkloadSpec) {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { ...metadata(p, name, w.role), annotations: GATES_JUDGE },
        spec: {
            replicas: w.replicas ?? 1,
            selector: { matchLabels: selectorOf(w.role) },
            // One pod at a time: a second worker or master would join the same cluster during a rollout.
            strategy: { type: "Recreate" },
            template: podTemplate(p, w),
        },
    } satisfies Input.apps.v1.Deployment;
}

export const tcpProbe = (port: number, periodSeconds = 2) => ({ tcpSocket: { port }, periodSeconds, failureThreshold: 3 });
export const httpProbe = (path: string, port: number, periodSeconds = 2) => ({ httpGet: { path, port }, periodSeconds, failureThreshold: 3 });
/** Liveness: generous, so a slow first start (storage format, initdb) is not killed; the gates judge readiness. */
export const livenessOf = (probe: ReturnType<typeof tcpProbe> | ReturnType<typeof httpProbe>) => ({ ...probe, periodSeconds: 10, failureThreshold: 6, initialDelaySeconds: 60 });
