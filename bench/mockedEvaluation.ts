// One evaluation of the Pulumi program against the SDK's mocks, in a fresh process, every resource
// answering as an already-ready stack would: what a no-op `up` or `preview` spends in the program itself.
// Prints the milliseconds from loading the program to every stack output resolved (module loading included).
// Argument: how the program is started —
//   compiled        dist/index.js with plain Node (Pulumi.yaml `main: dist/index.js`, `typescript: false`);
//   ts-node         index.ts through the ts-node the SDK registers for `typescript: true`, which type-checks
//                   what it compiles and caches its output by content in the temp dir: a repeated run;
//   ts-node-cold    the same with an empty cache: the first run after a source change;
//   transpile-only  that ts-node without type-checking (PULUMI_NODEJS_TRANSPILE_ONLY=true).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_ROOT } from "../lib/paths";

export const START_MODES = ["compiled", "ts-node", "ts-node-cold", "transpile-only"] as const;
export type StartMode = (typeof START_MODES)[number];

/** A new ts-node cache directory, removed when the process exits. */
function emptyCacheDirectory(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-bench-ts-node-"));
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
}

/** ts-node registered with the options the SDK's own runner (@pulumi/pulumi/cmd/run/run.js) gives it. */
function registerTsNode(transpileOnly: boolean, cold: boolean): void {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const tsutils = require("@pulumi/pulumi/tsutils");
    const tsconfig = path.join(PROJECT_ROOT, "tsconfig.json");
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    require(tsnodeRequire).register({
        compiler: typescriptRequire, transpileOnly, project: tsconfig, skipProject: false,
        ...(cold ? { cacheDirectory: emptyCacheDirectory() } : {}),
        compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...tsutils.loadTypeScriptCompilerOptions(tsconfig) },
    });
    /* eslint-enable @typescript-eslint/no-require-imports */
}

if (require.main === module) {
    const mode = process.argv[2] as StartMode;
    if (!START_MODES.includes(mode)) throw new Error(`usage: mockedEvaluation.js ${START_MODES.join("|")}`);
    const started = performance.now();
    pulumi.runtime.setMocks({
        newResource: (args) => ({
            id: `${args.name}-id`,
            state: args.type === "docker:index/container:Container"
                ? { ...args.inputs, ports: (args.inputs.ports ?? []).map((p: { external?: number }, i: number) => ({ ...p, external: p.external ?? 32768 + i })) }
                // What the daemon reads back for a network, and what a command, an image and a password leave in state.
                : { ...args.inputs, ipamConfigs: [{ subnet: "172.30.0.0/16", gateway: "172.30.0.1" }], imageId: "sha256:x", result: "pw", stdout: "ready" },
        }),
        call: (args) => args.inputs,
    }, "cdc-test-infra", "bench", false);
    if (mode !== "compiled") registerTsNode(mode === "transpile-only", mode === "ts-node-cold");

    pulumi.runtime.runInPulumiStack(async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const outputs = require(mode === "compiled" ? path.join(PROJECT_ROOT, "dist", "index.js") : path.join(PROJECT_ROOT, "index.ts")) as Record<string, unknown>;
        await Promise.all(Object.values(outputs).map((o) => (pulumi.Output.isInstance(o) ? (o as any).promise() : o)));
        return undefined;
    }).then(() => process.stdout.write(`${(performance.now() - started).toFixed(1)}\n`));
}
