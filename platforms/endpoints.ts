// What every platform hands back: the stack outputs, each released by its service's gate.
import * as pulumi from "@pulumi/pulumi";
import type { EnvironmentKind } from "../lib/settings";
import type { Endpoints } from "../lib/testEnv";

type OptionalKey<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];
// Every endpoint is named; an optional one (its service switched off) is undefined rather than missing.
type Gated<T> = { [K in Exclude<keyof T, OptionalKey<T>>]: pulumi.Input<T[K]> } & { [K in OptionalKey<T>]: pulumi.Output<NonNullable<T[K]>> | undefined };

/** The test-env endpoints plus the outputs that are not env lines (internal URLs, the root passwords). */
export interface StackEndpoints extends Gated<Endpoints> {
    environment: EnvironmentKind;
    sparkInternalMasterUrl: pulumi.Input<string>;
    alertmanagerInternalUrl: pulumi.Input<string>;
    mysqlRootPassword: pulumi.Output<string>;
    postgresSuperuserPassword: pulumi.Output<string> | undefined;
}
