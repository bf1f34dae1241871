// One mocked Pulumi engine for every unit test: records what the program registers.
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
    state: Record<string, any>;
}

export const registered: Registered[] = [];
/** What the mocked daemon gives every stack network. */
export const MOCK_SUBNET = "172.30.0.0/16";
export const MOCK_GATEWAY = "172.30.0.1";
let nextPort = 32768;
/** Containers that crash at start: the daemon reports no ports for them. */
let crashingContainers = new Set<string>();

/** Emulates what the engine and daemon fill in; everything else echoes the inputs back. */
function daemonState(type: string, name: string, inputs: Record<string, any>, preview: boolean): Record<string, any> {
    const state: Record<string, any> = { ...inputs };
    switch (type) {
        case "docker:index/container:Container":
            // Docker picks a host port when none is given, as the real daemon does.
            state.ports = crashingContainers.has(name) ? [] : (inputs.ports ?? []).map((p: any) => ({ ...p, external: p.external ?? nextPort++ }));
            break;
        case "docker:index/network:Network":
            // The daemon picks the subnet and its gateway; the provider reads them back.
            state.ipamConfigs = [{ subnet: MOCK_SUBNET, gateway: MOCK_GATEWAY }];
            break;
        case "docker:index/remoteImage:RemoteImage":
            state.imageId = `sha256:${name}`;
            break;
        case "random:index/randomPassword:RandomPassword":
            state.result = `generated-${name}`;
            break;
        case "command:local:Command":
            // A command does not run during preview: its output is unknown then.
            if (!preview) state.stdout = `ready (${name})`;
            break;
    }
    return state;
}

export interface MockOptions {
    project?: string;
    stack: string;
    preview?: boolean;
    config?: Record<string, string>;
    secretKeys?: string[];
    /** Logical names of containers that are not running when their ports are read. */
    crashing?: string[];
    /** The Docker daemon address the program sees (DOCKER_HOST); unset unless given, whatever the developer's shell has. */
    dockerHost?: string;
}

export function useMocks(o: MockOptions): void {
    const project = o.project ?? "cdc-test-infra";
    const preview = o.preview ?? false;
    crashingContainers = new Set(o.crashing ?? []);
    if (o.dockerHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = o.dockerHost;
    pulumi.runtime.setMocks({
        newResource(args) {
            const state = daemonState(args.type, args.name, args.inputs, preview);
            registered.push({ type: args.type, name: args.name, inputs: args.inputs, state });
            return { id: preview ? undefined : `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
    }, project, o.stack, preview);
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.config ?? {})) config[`${project}:${k}`] = v;
    pulumi.runtime.setAllConfig(config, (o.secretKeys ?? []).map((k) => `${project}:${k}`));
}

/** An Output's value; undefined when unknown (preview). */
export async function valueOf<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T | undefined> {
    const o = pulumi.output(output) as any;
    return (await o.isKnown) ? o.promise() : undefined;
}
export async function isSecret(output: pulumi.Input<unknown>): Promise<boolean> {
    return (pulumi.output(output) as any).isSecret;
}
export async function isKnown(output: pulumi.Input<unknown>): Promise<boolean> {
    return (pulumi.output(output) as any).isKnown;
}
/** The resources an Output was computed from (what an update waits for before it is known). */
export async function dependenciesOf(output: pulumi.Output<unknown>): Promise<pulumi.Resource[]> {
    return [...await (output as any).allResources()];
}

/** Lets the mocked engine finish registering everything the program started. */
export async function settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

export function ofType(type: string): Registered[] {
    return registered.filter((r) => r.type === type);
}
export function byName(name: string): Registered {
    const r = registered.find((x) => x.name === name);
    if (!r) throw new Error(`no resource named ${name}; have ${registered.map((x) => x.name).join(", ")}`);
    return r;
}

export const CONTAINER = "docker:index/container:Container";
export const VOLUME = "docker:index/volume:Volume";
export const NETWORK = "docker:index/network:Network";
export const IMAGE = "docker:index/remoteImage:RemoteImage";
export const COMMAND = "command:local:Command";

export interface RecordedOptions {
    type: string;
    parent?: string;
    dependsOn: string[];
    deleteBeforeReplace?: boolean;
    retainOnDelete?: boolean;
    additionalSecretOutputs?: string[];
    ignoreChanges?: string[];
    /** The inputs as given: the resources behind their Outputs are what the engine waits for besides dependsOn. */
    props: Record<string, unknown>;
}
/** Resource options by logical name, recorded by a stack transformation. */
export const options = new Map<string, RecordedOptions>();

function recordOptions(args: pulumi.ResourceTransformationArgs): undefined {
    const deps = args.opts.dependsOn;
    const list = (deps === undefined ? [] : Array.isArray(deps) ? deps : [deps]) as pulumi.Resource[];
    const nameOf = (r: pulumi.Resource) => (r as any).__name as string;
    options.set(args.name, {
        type: args.type,
        parent: args.opts.parent ? nameOf(args.opts.parent) : undefined,
        dependsOn: list.map(nameOf),
        deleteBeforeReplace: (args.opts as pulumi.CustomResourceOptions).deleteBeforeReplace,
        retainOnDelete: args.opts.retainOnDelete,
        additionalSecretOutputs: (args.opts as pulumi.CustomResourceOptions).additionalSecretOutputs,
        ignoreChanges: args.opts.ignoreChanges,
        props: args.props,
    });
    return undefined;
}

/** Runs index.ts as the engine would (inside a stack), returning its exports. */
export async function runProgram(): Promise<Record<string, pulumi.Output<any>>> {
    let exported: Record<string, pulumi.Output<any>> = {};
    await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation(recordOptions);
        exported = require("../../index");
        return undefined;
    });
    await settle();
    return exported;
}

/** The engine's marker for a secret value in serialized inputs. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export function isSecretValue(v: unknown): boolean {
    return !!v && typeof v === "object" && SECRET_SIG in (v as object);
}
/** Inputs with secret markers removed, to compare values. */
export function reveal(v: any): any {
    if (isSecretValue(v)) return reveal(v.value);
    if (Array.isArray(v)) return v.map(reveal);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
    return v;
}
