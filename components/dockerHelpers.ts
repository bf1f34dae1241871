// Pieces every service component builds its containers from.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { stackLabels } from "../lib/naming";

/** Where a service's ports are published and which Docker objects it is named and labelled after. */
export interface Placement {
    project: string;
    stack: string;
    networkName: pulumi.Input<string>;
    bindAddress: string;
    /** false: Docker assigns host ports; the real ones are read back from the container. */
    fixedHostPorts: boolean;
    retainVolumesOnDestroy: boolean;
    /**
     * The stack network's gateway address, when drivers on the Docker host run jobs on the stack: the one
     * address both this host and the stack's containers reach (an address of the host, on the stack's own
     * bridge). Services that Spark executors read from are published on it too (sharedPorts).
     */
    sharedAddress?: pulumi.Input<string>;
}

export function publishedPort(p: Placement, internal: number, hostPort: number): docker.types.input.ContainerPort {
    return p.fixedHostPorts ? { internal, external: hostPort, ip: p.bindAddress } : { internal, ip: p.bindAddress };
}

/**
 * `internal` published once more on the shared address (the stack network's gateway), at a fixed port:
 * the gateway is the stack's own, so the same port number never clashes with another stack's. None
 * without host drivers.
 */
export function sharedPorts(p: Placement, internal: number, port: number): docker.types.input.ContainerPort[] {
    return p.sharedAddress === undefined ? [] : [{ internal, external: port, ip: p.sharedAddress }];
}

/**
 * The host port Docker published for `internal` on the placement's bind address, as the daemon reports
 * it (a port may also be published on the shared address). 0 when there is none: a container that was
 * not running when its ports were read (it crashed at start) has no ports, and its gate, seeing port 0,
 * fails with the container's state and logs instead of the program throwing.
 */
export function hostPortOf(p: Placement, container: docker.Container, internal: number): pulumi.Output<number> {
    return container.ports.apply((ports) => ports?.find((port) => port.internal === internal && (port.ip ?? p.bindAddress) === p.bindAddress)?.external ?? 0);
}

/** The address the host reaches a published port on (0.0.0.0 is not dialable). */
export function hostAddress(p: Placement): string {
    return p.bindAddress === "0.0.0.0" ? "127.0.0.1" : p.bindAddress;
}

/** scheme://host:port of a published port, as the host dials it. */
export function hostUrl(p: Placement, scheme: string, container: docker.Container, internal: number): pulumi.Output<string> {
    return pulumi.interpolate`${scheme}://${hostAddress(p)}:${hostPortOf(p, container, internal)}`;
}

export function labels(p: Placement, role: string): docker.types.input.ContainerLabel[] {
    return [...stackLabels(p.project, p.stack), { label: "cdc-test-infra.role", value: role }];
}

/** Settings every container of the stack shares. */
export function containerBase(p: Placement, role: string, alias: string, memoryMb: number) {
    return {
        networksAdvanced: [{ name: p.networkName, aliases: [alias] }],
        labels: labels(p, role),
        memory: memoryMb,
        // Equal to memory: no swap, so a memory-starved service fails visibly instead of crawling.
        memorySwap: memoryMb,
        restart: "unless-stopped",
        // The gates judge readiness; `wait` would only see Docker's own healthcheck.
        mustRun: true,
        logOpts: { "max-size": "10m", "max-file": "3" },
    } satisfies Partial<docker.ContainerArgs>;
}

export const CONTAINER_OPTIONS: pulumi.CustomResourceOptions = {
    // Fixed container names clash on replace unless the old one goes first.
    deleteBeforeReplace: true,
    // The daemon reports a network mode we never set; without this every up diffs and replaces
    // the container (pulumi/pulumi-docker#1272).
    ignoreChanges: ["networkMode"],
};

export function pulledImage(name: string, reference: string, parent: pulumi.Resource): docker.RemoteImage {
    // keepLocally: other stacks on the same daemon may use the same image.
    return new docker.RemoteImage(name, { name: reference, keepLocally: true }, { parent });
}

export function dataVolume(name: string, p: Placement, dockerVolumeName: string, role: string, parent: pulumi.Resource): docker.Volume {
    return new docker.Volume(name, { name: dockerVolumeName, labels: labels(p, role) }, { parent, retainOnDelete: p.retainVolumesOnDestroy });
}
