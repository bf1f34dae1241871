// The stack operations of the driver on the Pulumi Automation API, against the project's own
// directory (its Pulumi.yaml names the backend: file://./.pulumi-state, no login).
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { LocalWorkspace, StackNotFoundError, type OpMap, type Stack } from "@pulumi/pulumi/automation";
import type { ConfigEntry } from "./args";
import type { StackOutputs, StackSummaryLike } from "./output";

/** The `name:` of the project's Pulumi.yaml. */
export function readProjectName(workDir: string): string {
    const file = path.join(workDir, "Pulumi.yaml");
    const doc = parse(fs.readFileSync(file, "utf8")) as { name?: unknown } | null;
    if (typeof doc?.name !== "string" || doc.name === "") throw new Error(`${file} has no project name`);
    return doc.name;
}

export interface OperationOptions {
    stack: string;
    /** Progress lines of the Pulumi CLI as they come. */
    onOutput: (text: string) => void;
}

export interface UpOutcome {
    outputs: StackOutputs;
    resourceChanges: OpMap;
}

export interface StackOps {
    up(o: OperationOptions & { config: ConfigEntry[] }): Promise<UpOutcome>;
    /** Destroys the stack's resources, then removes the stack (and its Pulumi.<stack>.yaml). */
    down(o: OperationOptions): Promise<{ resourceChanges: OpMap }>;
    list(): Promise<StackSummaryLike[]>;
    /** Whether the stack exists in the backend. */
    exists(stack: string): Promise<boolean>;
}

export interface AutomationOptions {
    workDir: string;
    /** Extra environment for the Pulumi CLI (added to this process's environment). */
    envVars?: Record<string, string>;
}

export function automationOps(o: AutomationOptions): StackOps {
    const wsOpts = { workDir: o.workDir, ...(o.envVars ? { envVars: o.envVars } : {}) };
    const select = async (stackName: string): Promise<Stack> => {
        try {
            return await LocalWorkspace.selectStack({ stackName, workDir: o.workDir }, wsOpts);
        } catch (err) {
            if (err instanceof StackNotFoundError) {
                throw new Error(`no stack ${JSON.stringify(stackName)} in this project's backend (\`npm run env:list\` shows the ones there)`);
            }
            throw err;
        }
    };
    return {
        async up({ stack: stackName, config, onOutput }) {
            const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: o.workDir }, wsOpts);
            if (config.length > 0) {
                await stack.setAllConfig(Object.fromEntries(config.map((c) => [c.key, { value: c.value, secret: c.secret }])));
            }
            const result = await stack.up({ onOutput });
            return { outputs: result.outputs, resourceChanges: result.summary.resourceChanges ?? {} };
        },
        async down({ stack: stackName, onOutput }) {
            const stack = await select(stackName);
            const result = await stack.destroy({ onOutput });
            await stack.workspace.removeStack(stackName);
            return { resourceChanges: result.summary.resourceChanges ?? {} };
        },
        async list() {
            const ws = await LocalWorkspace.create(wsOpts);
            return ws.listStacks();
        },
        async exists(stackName) {
            const ws = await LocalWorkspace.create(wsOpts);
            return (await ws.listStacks()).some((s) => s.name === stackName);
        },
    };
}

/** "3 created, 12 unchanged" from a resourceChanges map. */
export function describeChanges(changes: OpMap): string {
    const words: Record<string, string> = { same: "unchanged", create: "created", update: "updated", delete: "deleted", replace: "replaced" };
    const parts = Object.entries(changes).filter(([, n]) => (n ?? 0) > 0).map(([op, n]) => `${n} ${words[op] ?? op}`);
    return parts.length > 0 ? parts.join(", ") : "no resources";
}

/** The short reason of a failed Pulumi command: its last stderr lines (the full output was streamed). */
export function failureSummary(err: unknown): string {
    const result = (err as { commandResult?: { stderr?: unknown; code?: unknown } } | null)?.commandResult;
    if (result && typeof result.stderr === "string") {
        const lines = result.stderr.trim().split("\n").filter((l) => l.trim() !== "").slice(-15);
        const code = typeof result.code === "number" ? ` (exit code ${result.code})` : "";
        return `the Pulumi CLI failed${code}${lines.length > 0 ? `:\n${lines.join("\n")}` : "; see its output above"}`;
    }
    return err instanceof Error ? err.message : String(err);
}
