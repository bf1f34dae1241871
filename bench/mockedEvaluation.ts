// One evaluation of the Pulumi program against the SDK's mocks, in a fresh process: prints the
// milliseconds from loading the program to every stack output resolved (module loading included).
import * as pulumi from "@pulumi/pulumi";

const started = performance.now();
pulumi.runtime.setMocks({
    newResource: (args) => ({
        id: `${args.name}-id`,
        state: args.type === "docker:index/container:Container"
            ? { ...args.inputs, ports: (args.inputs.ports ?? []).map((p: { external?: number }, i: number) => ({ ...p, external: p.external ?? 32768 + i })) }
            : { ...args.inputs, imageId: "sha256:x", result: "pw", stdout: "ready" },
    }),
    call: (args) => args.inputs,
}, "cdc-test-infra", "bench", false);

pulumi.runtime.runInPulumiStack(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const outputs = require("../index") as Record<string, unknown>;
    await Promise.all(Object.values(outputs).map((o) => (pulumi.Output.isInstance(o) ? (o as any).promise() : o)));
    return undefined;
}).then(() => process.stdout.write(`${(performance.now() - started).toFixed(1)}\n`));
