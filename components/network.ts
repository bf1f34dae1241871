import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { dockerName, stackLabels } from "../lib/naming";

export interface StackNetworkArgs {
    project: string;
    stack: string;
}

/** The stack's own bridge network: every service joins it under a stable alias. */
export class StackNetwork extends pulumi.ComponentResource {
    public readonly name: pulumi.Output<string>;
    /** The IPAM configs the daemon reports (it picks the subnet and gateway; the provider reads them back). */
    private readonly ipamConfigs: pulumi.Output<{ gateway?: string }[]>;

    constructor(name: string, args: StackNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc:infra:StackNetwork", name, {}, opts);
        const network = new docker.Network(`${name}-bridge`, {
            name: dockerName(args.project, args.stack, "net"),
            driver: "bridge",
            labels: stackLabels(args.project, args.stack),
        }, { parent: this });
        this.name = network.name;
        this.ipamConfigs = network.ipamConfigs.apply((configs) => configs ?? []);
        this.registerOutputs({ name: this.name });
    }

    /**
     * The bridge's gateway: the Docker host's own address on this network, which the host and every
     * container of the stack reach. Asked for only with host drivers; fails the update when there is none.
     */
    public gateway(): pulumi.Output<string> {
        return pulumi.all([this.name, this.ipamConfigs]).apply(([networkName, configs]) => ipv4GatewayOf(networkName, configs));
    }
}

/** The IPv4 gateway among a network's IPAM configs (an IPv6 one may be listed too). */
export function ipv4GatewayOf(networkName: string, configs: { gateway?: string }[]): string {
    const gateway = configs.map((c) => c.gateway).find((g) => g !== undefined && /^\d{1,3}(\.\d{1,3}){3}$/.test(g));
    if (gateway === undefined) {
        throw new Error(`Docker network ${networkName} reports no IPv4 gateway (IPAM config ${JSON.stringify(configs)}): ` +
            "drivers on the Docker host reach the stack through it; set sparkSharedDir to \"\" to run without host drivers");
    }
    return gateway;
}
