// Every kind of object the stack's manifests produce: what the components know how to create.
import type { limitRange, namespaceObject, resourceQuota } from "./namespace";
import type { configMap, deployment, persistentVolumeClaim, secret, SecretData, service, statefulSet } from "./objects";

export type KubeObject =
    | ReturnType<typeof service>
    | ReturnType<typeof namespaceObject>
    | ReturnType<typeof resourceQuota>
    | ReturnType<typeof limitRange>
    | ReturnType<typeof configMap>
    | ReturnType<typeof secret<SecretData>>
    | ReturnType<typeof statefulSet>
    | ReturnType<typeof deployment>
    | ReturnType<typeof persistentVolumeClaim>;
