// What the driver knows of a stack's settings without running the program: the plain values of its
// Pulumi.<stack>.yaml (where `pulumi config set` and `env:up --config` write them), with --config on top.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseSettings, type Settings } from "../lib/settings";
import type { ConfigEntry } from "./args";

export function stackConfigFile(workDir: string, stack: string): string {
    return path.join(workDir, `Pulumi.${stack}.yaml`);
}

/**
 * The project's keys (prefix removed) and plain values from the stack's config file; secure values
 * (the passwords) and other namespaces' keys (`kubernetes:…`) are left out. No file: no values.
 */
export function readStackConfigFile(workDir: string, project: string, stack: string): Record<string, string> {
    const file = stackConfigFile(workDir, stack);
    if (!fs.existsSync(file)) return {};
    let doc: { config?: unknown } | null;
    try {
        doc = parse(fs.readFileSync(file, "utf8")) as { config?: unknown } | null;
    } catch (err) {
        throw new Error(`${file} is not valid YAML: ${(err as Error).message}`);
    }
    const raw: Record<string, string> = {};
    const config = doc?.config;
    if (config === undefined || config === null) return raw;
    if (typeof config !== "object" || Array.isArray(config)) throw new Error(`${file}: config is not a map of keys to values`);
    for (const [key, value] of Object.entries(config)) {
        const name = key.startsWith(`${project}:`) ? key.slice(project.length + 1) : key;
        if (name.includes(":") || value === null || typeof value === "object") continue;
        raw[name] = String(value);
    }
    return raw;
}

/** The file's values with the plain `--config` entries of `env:up` on top (they are set before `pulumi up`). */
export function stackConfigValues(workDir: string, project: string, stack: string, config: readonly ConfigEntry[] = []): Record<string, string> {
    const raw = readStackConfigFile(workDir, project, stack);
    for (const c of config) if (!c.secret) raw[c.key] = c.value;
    return raw;
}

/** Where a stack runs. */
export type StackPlacement = Pick<Settings, "platform" | "kubernetes">;

/**
 * The platform and, on kubernetes, the context and namespace (its default derived as the program derives it),
 * from these keys only: other settings' mistakes are the program's to report. Throws SettingsError.
 */
export function stackPlacement(raw: Record<string, string>, project: string, stack: string): StackPlacement {
    const placementKeys = ["platform", "kubeContext", "kubernetesNamespace"] as const;
    const subset: Record<string, string> = Object.fromEntries(placementKeys.filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]!]));
    // Host drivers do not decide the placement; "" keeps their checks of this machine out.
    const s = parseSettings({ ...subset, sparkSharedDir: "" }, project, stack);
    return { platform: s.platform, ...(s.kubernetes ? { kubernetes: s.kubernetes } : {}) };
}
