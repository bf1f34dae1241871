// The pure manifests of lib/kubernetes as @pulumi/kubernetes resources, one typed resource per object.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubeObject } from "../../lib/kubernetes/kinds";

export interface CreatedObjects {
    all: pulumi.CustomResource[];
    /** StatefulSets and Deployments: what a gate waits for. */
    workloads: (k8s.apps.v1.StatefulSet | k8s.apps.v1.Deployment)[];
}

/**
 * Each object under `parent`, named `<prefix>-<kind>-<name>`. `retain`: kept on destroy (a persistent
 * stack's namespace and data claims), as Docker volumes are.
 */
export function createObjects(prefix: string, objects: KubeObject[], parent: pulumi.Resource, retain = false): CreatedObjects {
    const created: CreatedObjects = { all: [], workloads: [] };
    for (const o of objects) {
        const name = `${prefix}-${o.kind.toLowerCase()}-${o.metadata.name}`;
        const opts: pulumi.CustomResourceOptions = { parent };
        switch (o.kind) {
            case "Namespace":
                created.all.push(new k8s.core.v1.Namespace(name, o, { ...opts, retainOnDelete: retain }));
                break;
            case "ResourceQuota":
                created.all.push(new k8s.core.v1.ResourceQuota(name, o, opts));
                break;
            case "LimitRange":
                created.all.push(new k8s.core.v1.LimitRange(name, o, opts));
                break;
            case "ConfigMap":
                created.all.push(new k8s.core.v1.ConfigMap(name, o, opts));
                break;
            case "Secret":
                created.all.push(new k8s.core.v1.Secret(name, o, opts));
                break;
            case "Service":
                created.all.push(new k8s.core.v1.Service(name, o, opts));
                break;
            case "PersistentVolumeClaim":
                created.all.push(new k8s.core.v1.PersistentVolumeClaim(name, o, { ...opts, retainOnDelete: retain }));
                break;
            case "StatefulSet": {
                const w = new k8s.apps.v1.StatefulSet(name, o, opts);
                created.all.push(w);
                created.workloads.push(w);
                break;
            }
            case "Deployment": {
                const w = new k8s.apps.v1.Deployment(name, o, opts);
                created.all.push(w);
                created.workloads.push(w);
                break;
            }
        }
    }
    return created;
}
