// The stack's guardrails, one ResourceValidationPolicy each (the pack is index.ts). They read the
// resource inputs the engine sends, so they see exactly what Docker would be asked to create.
// From @pulumi/policy/policy, not the package index: 1.21.0's index.d.ts re-exports names its proxy.d.ts
// does not declare, which fails a type check that includes library files.
import type { ReportViolation, ResourceValidation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy/policy";
import type { ContainerArgs, RemoteImageArgs } from "@pulumi/docker";
import type { Unwrap } from "@pulumi/pulumi";

export const CONTAINER = "docker:index/container:Container";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";

type ContainerProps = Unwrap<ContainerArgs>;
type RemoteImageProps = Unwrap<RemoteImageArgs>;

/** Runs `check` on resources of `type` only; every other resource passes. */
function forType<P>(type: string, check: (props: P, args: ResourceValidationArgs, report: ReportViolation) => void): ResourceValidation {
    return (args, report) => {
        if (args.type === type) check(args.props as P, args, report);
    };
}

export const LOOPBACK_ADDRESSES: readonly string[] = ["127.0.0.1", "::1"];

export interface PublishedPortsConfig {
    /** Host addresses allowed besides loopback, e.g. the private address of a shared Docker host. */
    allowedBindAddresses?: string[];
}

export const publishedPortsOnLoopback: ResourceValidationPolicy = {
    name: "published-ports-on-loopback",
    description: "Docker containers publish ports on 127.0.0.1 or ::1 only, unless the address is in allowedBindAddresses.",
    configSchema: {
        properties: {
            allowedBindAddresses: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Host addresses a container may publish ports on besides 127.0.0.1 and ::1",
            },
        },
    },
    validateResource: forType<ContainerProps>(CONTAINER, (c, args, report) => {
        const allowed = new Set([...LOOPBACK_ADDRESSES, ...(args.getConfig<PublishedPortsConfig>().allowedBindAddresses ?? [])]);
        for (const port of c.ports ?? []) {
            // Docker publishes on every interface when no address is given.
            const ip = port.ip || "0.0.0.0";
            if (allowed.has(ip)) continue;
            report(`container port ${port.internal} is published on ${ip}${port.ip ? "" : " (no ip given: every interface)"}; ` +
                `publish on 127.0.0.1 or ::1, or add ${ip} to allowedBindAddresses`);
        }
    }),
};

export const containerMemoryLimit: ResourceValidationPolicy = {
    name: "container-memory-limit",
    description: "Every Docker container has a positive memory limit, so one service cannot starve the others on a shared daemon.",
    validateResource: forType<ContainerProps>(CONTAINER, (c, _args, report) => {
        if (c.memory === undefined || c.memory === null) {
            report("container has no memory limit: set memory (MB)");
        } else if (!(typeof c.memory === "number" && c.memory > 0)) {
            report(`container memory limit ${JSON.stringify(c.memory)} is not a positive number of MB`);
        }
    }),
};

/** The tag of an image reference, if any: after the last ":" of the last path component (a registry port is not a tag). */
export function imageTag(reference: string): string | undefined {
    const lastComponent = reference.slice(reference.lastIndexOf("/") + 1);
    const colon = lastComponent.indexOf(":");
    return colon < 0 ? undefined : lastComponent.slice(colon + 1);
}

export const pinnedImages: ResourceValidationPolicy = {
    name: "pinned-images",
    description: "Docker images are pulled by an explicit tag other than latest, or by digest.",
    validateResource: forType<RemoteImageProps>(REMOTE_IMAGE, (image, _args, report) => {
        const name = image.name;
        if (/@[a-z0-9]+:[a-f0-9]{32,}$/.test(name)) return;
        const tag = imageTag(name);
        if (tag === undefined) {
            report(`image ${JSON.stringify(name)} has no tag (Docker would pull latest): pin a version tag or a digest`);
        } else if (tag === "latest") {
            report(`image ${JSON.stringify(name)} is tagged latest, which moves: pin a version tag or a digest`);
        }
    }),
};

export const SECRET_ENV_NAME = /PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY/i;

export const noSecretsInPlainEnv: ResourceValidationPolicy = {
    name: "no-secrets-in-plain-env",
    description: "Container environment variables named like secrets hold a file path (NAME_FILE), never the secret: `docker inspect` shows every value.",
    validateResource: forType<ContainerProps>(CONTAINER, (c, _args, report) => {
        for (const entry of c.envs ?? []) {
            const eq = entry.indexOf("=");
            const key = eq < 0 ? entry : entry.slice(0, eq);
            // The value is never repeated: the message must not leak it.
            if (SECRET_ENV_NAME.test(key) && !/_FILE$/i.test(key)) {
                report(`environment variable ${key} looks like a secret and is visible to docker inspect: pass it as a file (${key}_FILE) instead`);
            }
        }
    }),
};

export const POLICIES: readonly ResourceValidationPolicy[] = [publishedPortsOnLoopback, containerMemoryLimit, pinnedImages, noSecretsInPlainEnv];
