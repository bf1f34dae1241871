// The stack's guardrails, one policy each (the pack is index.ts). The resource validations read the
// resource inputs the engine sends, so they see exactly what Docker would be asked to create; the one
// stack validation (published-ports-on-loopback) reads every resource's outputs, inputs included (the
// engine copies inputs to outputs during preview), because it needs the daemon-chosen network gateways.
// From @pulumi/policy/policy, not the package index: 1.21.0's index.d.ts re-exports names its proxy.d.ts
// does not declare, which fails a type check that includes library files.
import type {
    ReportViolation, ResourceValidation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy,
} from "@pulumi/policy/policy";
import type { ContainerArgs, NetworkArgs, RemoteImageArgs } from "@pulumi/docker";
import type { Unwrap } from "@pulumi/pulumi";

export const CONTAINER = "docker:index/container:Container";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
export const NETWORK = "docker:index/network:Network";

type ContainerProps = Unwrap<ContainerArgs>;
type RemoteImageProps = Unwrap<RemoteImageArgs>;
type NetworkProps = Unwrap<NetworkArgs>;

/** Runs `check` on resources of `type` only; every other resource passes. */
function forType<P>(type: string, check: (props: P, args: ResourceValidationArgs, report: ReportViolation) => void): ResourceValidation {
    return (args, report) => {
        if (args.type === type) check(args.props as P, args, report);
    };
}

export const LOOPBACK_ADDRESSES: readonly string[] = ["127.0.0.1", "::1"];
/** Addresses that publish on every interface of the host: never a bridge gateway, whatever the stack's networks. */
const EVERY_INTERFACE: readonly string[] = ["0.0.0.0", "::"];

export interface PublishedPortsConfig {
    /** Host addresses allowed besides loopback, e.g. the private address of a shared Docker host. */
    allowedBindAddresses?: string[];
}

// The SDK reads props through a proxy that throws UnknownValueError on a value unknown during preview (an
// output of a resource not created yet), and turns one escaping a policy into an advisory "can't run
// policy during preview" note. proxy.d.ts of 1.21.0 declares none of its exports (they are @internal);
// this is the class the SDK's own server catches.
const { UnknownValueError } = require("@pulumi/policy/proxy") as { UnknownValueError: abstract new (...args: never[]) => Error };

/** A value the engine does not know yet, with the SDK's error naming where it is. */
class Unknown {
    constructor(readonly error: Error) {}
}

/** `get()`, or Unknown if it reads a value unknown during preview. Any other error propagates. */
function read<T>(get: () => T): T | Unknown {
    try {
        return get();
    } catch (e) {
        if (e instanceof UnknownValueError) return new Unknown(e);
        throw e;
    }
}

/** The elements of a (proxied) list, each of them or the whole list possibly Unknown. */
function items<T>(get: () => readonly T[] | null | undefined): (T | Unknown)[] | Unknown {
    const list = read(() => get() ?? []);
    if (list instanceof Unknown) return list;
    return Array.from({ length: list.length }, (_, i) => read(() => list[i]!));
}

/** A stack network as a container's ports are judged against it. */
interface BridgeFacts {
    /** The known name and id: a container's networksAdvanced[].name or networkMode names a network by either. */
    refs: string[];
    /** Set when the name or id is unknown: the network may be one a container names. */
    refsUnknown?: Unknown;
    /** Its IPAM configs' gateways: on a bridge network, the Docker host's own address on it. */
    gateways: string[] | Unknown;
    /** Only a bridge network's gateway is the host's (a macvlan or ipvlan gateway is a router on the LAN). */
    isBridge: boolean | Unknown;
}

function bridgeFacts(n: NetworkProps & { id?: string }): BridgeFacts {
    const refs: string[] = [];
    let refsUnknown: Unknown | undefined;
    for (const ref of [read(() => n.name), read(() => n.id)]) {
        if (ref instanceof Unknown) refsUnknown ??= ref;
        else if (typeof ref === "string" && ref !== "") refs.push(ref);
    }
    const configs = items(() => n.ipamConfigs);
    let gateways: string[] | Unknown = [];
    if (configs instanceof Unknown) {
        gateways = configs;
    } else {
        for (const config of configs) {
            const gateway = config instanceof Unknown ? config : read(() => config.gateway);
            if (gateway instanceof Unknown) {
                gateways = gateway;
                break;
            }
            if (gateway) gateways.push(gateway);
        }
    }
    const driver = read(() => n.driver);
    // Docker's default driver is bridge.
    const isBridge = driver instanceof Unknown ? driver : driver === undefined || driver === null || driver === "" || driver === "bridge";
    return { refs, refsUnknown, gateways, isBridge };
}

/** What a container names its networks by: networksAdvanced[].name, and networkMode (a network's name, or bridge, host, ...). */
function attachments(c: ContainerProps): (string | Unknown)[] | Unknown {
    const advanced = items(() => c.networksAdvanced);
    if (advanced instanceof Unknown) return advanced;
    const refs = advanced.map((a) => (a instanceof Unknown ? a : read(() => a.name)));
    const mode = read(() => c.networkMode);
    if (mode instanceof Unknown || mode) refs.push(mode);
    return refs;
}

/**
 * Whether `ip` is the gateway of a bridge network the container is attached to: true, false, or
 * Unknown when a value it depends on is not known yet (preview) and no known one settles it.
 */
function isOwnBridgeGateway(ip: string, container: (string | Unknown)[] | Unknown, networks: BridgeFacts[]): boolean | Unknown {
    if (container instanceof Unknown) return container;
    let unknown: Unknown | undefined;
    for (const ref of container) {
        if (ref instanceof Unknown) {
            unknown ??= ref;
            continue;
        }
        for (const n of networks) {
            if (!n.refs.includes(ref)) {
                // An unnamed network may be this one.
                if (n.refsUnknown) unknown ??= n.refsUnknown;
                continue;
            }
            if (n.gateways instanceof Unknown) {
                unknown ??= n.gateways;
            } else if (n.gateways.includes(ip)) {
                if (n.isBridge === true) return true;
                if (n.isBridge instanceof Unknown) unknown ??= n.isBridge;
            }
        }
    }
    return unknown ?? false;
}

export const publishedPortsOnLoopback: StackValidationPolicy = {
    name: "published-ports-on-loopback",
    description: "Docker containers publish ports only on 127.0.0.1 or ::1, on the gateway of a Docker bridge network the same container " +
        "is attached to (the host's own address on that bridge: reachable from the host and that network's containers, not " +
        "beyond the host), or on an address in allowedBindAddresses.",
    configSchema: {
        properties: {
            allowedBindAddresses: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Host addresses a container may publish ports on besides 127.0.0.1, ::1 and the gateways of its own bridge networks",
            },
        },
    },
    // A stack validation, because a container's inputs name its networks but not their gateways: the
    // daemon picks those, and only the Network resources' outputs (ipamConfigs) carry them.
    validateStack: (args, report) => {
        const allowed = new Set([...LOOPBACK_ADDRESSES, ...(args.getConfig<PublishedPortsConfig>().allowedBindAddresses ?? [])]);
        const networks = args.resources.filter((r) => r.type === NETWORK).map((r) => bridgeFacts(r.props as NetworkProps));
        // The first value unknown during preview that left a port undecided.
        let undecided: Unknown | undefined;
        for (const r of args.resources) {
            if (r.type !== CONTAINER) continue;
            const c = r.props as ContainerProps;
            const ports = items(() => c.ports);
            if (ports instanceof Unknown) {
                undecided ??= ports;
                continue;
            }
            const networksOfContainer = attachments(c);
            for (const port of ports) {
                if (port instanceof Unknown) {
                    undecided ??= port;
                    continue;
                }
                const given = read(() => port.ip);
                if (given instanceof Unknown) {
                    undecided ??= given;
                    continue;
                }
                // Docker publishes on every interface when no address is given.
                const ip = given || "0.0.0.0";
                if (allowed.has(ip)) continue;
                if (!EVERY_INTERFACE.includes(ip)) {
                    const ownGateway = isOwnBridgeGateway(ip, networksOfContainer, networks);
                    if (ownGateway === true) continue;
                    if (ownGateway instanceof Unknown) {
                        undecided ??= ownGateway;
                        continue;
                    }
                }
                const internal = read(() => port.internal);
                report(`container port ${internal instanceof Unknown ? "(unknown)" : internal} is published on ${ip}` +
                    `${given ? "" : " (no ip given: every interface)"}; publish on 127.0.0.1 or ::1 (or the gateway of a Docker bridge ` +
                    `network the container is attached to), or add ${ip} to allowedBindAddresses`, r.urn);
            }
        }
        // Every port that could be judged was. One that could not (preview) is the SDK's advisory note, not a violation.
        if (undecided) throw undecided.error;
    },
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

export const POLICIES: readonly (ResourceValidationPolicy | StackValidationPolicy)[] = [publishedPortsOnLoopback, containerMemoryLimit, pinnedImages, noSecretsInPlainEnv];
