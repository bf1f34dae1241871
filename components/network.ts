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

    constructor(name: string, args: StackNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc:infra:StackNetwork", name, {}, opts);
        const network = new docker.Network(`${name}-bridge`, {
            name: dockerName(args.project, args.stack, "net"),
            driver: "bridge",
            labels: stackLabels(args.project, args.stack),
        }, { parent: this });
        this.name = network.name;
        this.registerOutputs({ name: this.name });
    }
}
