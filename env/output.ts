// How the driver shows a stack: outputs with secrets masked, the test environment lines, the env file.
import * as fs from "fs";
import * as path from "path";
import { TEST_ENV_KEYS } from "../lib/testEnv";

export const MASK = "[secret]";

/** The shape of an Automation API output (`OutputMap` values). */
export interface StackOutput {
    value: unknown;
    secret: boolean;
}
export type StackOutputs = Record<string, StackOutput>;

/** The name of the output holding the KEY=value lines (index.ts). */
export const TEST_ENV_OUTPUT = "testEnv";

function show(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * One `name: value` line per output, sorted; secret outputs show as [secret] unless `showSecrets`.
 * testEnv is left out (it is printed as its own lines).
 */
export function formatOutputs(outputs: StackOutputs, showSecrets = false): string {
    const names = Object.keys(outputs).filter((n) => n !== TEST_ENV_OUTPUT).sort();
    const width = Math.max(0, ...names.map((n) => n.length));
    return names.map((n) => {
        const o = outputs[n]!;
        return `  ${n.padEnd(width)}  ${o.secret && !showSecrets ? MASK : show(o.value)}`;
    }).join("\n");
}

/**
 * The environment keys whose values are secret: those whose output is secret, and (to be safe)
 * any whose output is missing or unknown.
 */
export function secretEnvKeys(outputs: StackOutputs): Set<string> {
    const keys = new Set<string>();
    for (const [output, envKey] of Object.entries(TEST_ENV_KEYS)) {
        const o = outputs[output];
        if (!o || o.secret) keys.add(envKey);
    }
    return keys;
}

/** KEY=value lines with the values of `secretKeys` (and of any key not known to be public) replaced by [secret]. */
export function maskEnvLines(lines: string, secretKeys: ReadonlySet<string>): string {
    const known = new Set(Object.values(TEST_ENV_KEYS));
    return lines.split("\n").map((line) => {
        const eq = line.indexOf("=");
        if (eq <= 0) return line;
        const key = line.slice(0, eq);
        return secretKeys.has(key) || !known.has(key) ? `${key}=${MASK}` : line;
    }).join("\n");
}

/** The testEnv output's text, or an error naming what is wrong with it. */
export function testEnvOf(outputs: StackOutputs): string {
    const o = outputs[TEST_ENV_OUTPUT];
    if (!o) throw new Error(`the stack has no ${TEST_ENV_OUTPUT} output (outputs: ${Object.keys(outputs).sort().join(", ") || "none"})`);
    if (typeof o.value !== "string") throw new Error(`the ${TEST_ENV_OUTPUT} output is not text: ${show(o.value)}`);
    return o.value.endsWith("\n") ? o.value : `${o.value}\n`;
}

/**
 * Writes the environment lines readable by the owner only (0600), also when the file already
 * existed with wider permissions: a new file is written beside it and renamed over it.
 */
export function writeEnvFile(file: string, lines: string): void {
    const target = path.resolve(file);
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
    try {
        fs.writeFileSync(temp, lines, { mode: 0o600, flag: "wx" });
        fs.chmodSync(temp, 0o600);
        fs.renameSync(temp, target);
    } catch (err) {
        fs.rmSync(temp, { force: true });
        throw new Error(`cannot write the env file ${target}: ${(err as Error).message}`);
    }
}

export interface StackSummaryLike {
    name: string;
    current?: boolean;
    lastUpdate?: string;
    updateInProgress?: boolean;
    resourceCount?: number;
}

/** The `list` table: name, last update, resource count; `*` marks the selected stack. */
export function formatStackTable(stacks: StackSummaryLike[]): string {
    if (stacks.length === 0) return "no stacks in this project's backend";
    const rows = [...stacks].sort((a, b) => a.name.localeCompare(b.name)).map((s) => [
        `${s.name}${s.current ? "*" : ""}`,
        s.updateInProgress ? "update in progress" : s.lastUpdate || "never updated",
        s.resourceCount === undefined ? "n/a" : String(s.resourceCount),
    ]);
    const table = [["NAME", "LAST UPDATE", "RESOURCES"], ...rows];
    const widths = [0, 1].map((i) => Math.max(...table.map((r) => r[i]!.length)));
    return table.map((r) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]}`).join("\n");
}
