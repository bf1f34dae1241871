// Command line of the environment driver (env/driver.ts): pure parsing, every mistake named.
import { parseSettings, SECRET_KEYS, SettingsError } from "../lib/settings";

export const USAGE = `usage:
  npm run env:up -- --stack <name> [--env-file <path>] [--config <key>=<value> ...] [--show-secrets]
  npm run env:down -- --stack <name>
  npm run env:list

  up     create or select the stack on the project's backend (Pulumi.yaml), set the given config,
         run \`pulumi up\` (progress streamed), print the outputs and the KEY=value test environment;
         --env-file writes those lines to <path> (mode 0600); --show-secrets prints secret values
  down   destroy the stack's resources (progress streamed), then remove the stack and its config file
  list   the project's stacks with their last update and resource count

Stacks named pr-<N> are ephemeral (Docker-assigned host ports, volumes removed on destroy);
set --config environment=ephemeral for any other throwaway stack.
up and down need PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE): it encrypts the stack's secrets.`;

export type Command =
    | { command: "up"; stack: string; envFile?: string; config: ConfigEntry[]; showSecrets: boolean }
    | { command: "down"; stack: string }
    | { command: "list" }
    | { command: "help" };

export interface ConfigEntry {
    key: string;
    value: string;
    /** Keys in SECRET_KEYS are stored encrypted (`pulumi config set --secret`). */
    secret: boolean;
}

/** A command line the driver refuses; the message names the argument and what is allowed. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** What Pulumi allows in a stack name and Docker in an object name (the stack is part of every one). */
export const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

const OPTIONS: Record<string, { commands: string[]; takesValue: boolean }> = {
    "--stack": { commands: ["up", "down"], takesValue: true },
    "--env-file": { commands: ["up"], takesValue: true },
    "--config": { commands: ["up"], takesValue: true },
    "--show-secrets": { commands: ["up"], takesValue: false },
};

/**
 * Parses `<command> [options]` (the arguments after `node dist/env/driver.js`).
 * `project` is the Pulumi project name: config keys may carry it as a prefix, and the values are
 * checked against the project's settings schema, so a bad one fails before any Pulumi work.
 */
export function parseArgs(argv: readonly string[], project: string): Command {
    const [command, ...rest] = argv;
    if (command === undefined) throw new UsageError("no command given: expected up, down or list");
    if (command === "help" || command === "--help" || command === "-h") return { command: "help" };
    if (command !== "up" && command !== "down" && command !== "list") {
        throw new UsageError(`unknown command ${JSON.stringify(command)}: expected up, down or list`);
    }
    let stack: string | undefined;
    let envFile: string | undefined;
    let showSecrets = false;
    const config: ConfigEntry[] = [];
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i]!;
        if (arg === "--help" || arg === "-h") return { command: "help" };
        const eq = arg.indexOf("=");
        const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
        const spec = OPTIONS[name];
        if (!spec) {
            throw new UsageError(arg.startsWith("-")
                ? `${command}: unknown option ${JSON.stringify(name)}; ${command} takes ${optionsOf(command)}`
                : `${command}: unexpected argument ${JSON.stringify(arg)}; ${command} takes ${optionsOf(command)}`);
        }
        if (!spec.commands.includes(command)) throw new UsageError(`${command}: ${name} is not an option of ${command}; ${command} takes ${optionsOf(command)}`);
        let value: string | undefined;
        if (spec.takesValue) {
            if (eq > 0 && name !== arg) value = arg.slice(eq + 1);
            else {
                value = rest[++i];
                if (value === undefined || value.startsWith("--")) throw new UsageError(`${command}: ${name} needs a value`);
            }
        } else if (name !== arg) {
            throw new UsageError(`${command}: ${name} takes no value`);
        }
        switch (name) {
            case "--stack":
                if (stack !== undefined) throw new UsageError(`${command}: --stack given twice (${stack}, ${value})`);
                stack = value!;
                break;
            case "--env-file":
                if (envFile !== undefined) throw new UsageError(`${command}: --env-file given twice`);
                if (value === "") throw new UsageError(`${command}: --env-file needs a path`);
                envFile = value!;
                break;
            case "--config":
                config.push(configEntry(value!, project));
                break;
            case "--show-secrets":
                showSecrets = true;
                break;
        }
    }
    if (command === "list") return { command };
    if (stack === undefined) throw new UsageError(`${command}: --stack <name> is required (e.g. --stack pr-123)`);
    if (!STACK_NAME.test(stack)) {
        throw new UsageError(`${command}: stack name ${JSON.stringify(stack)} is not allowed: expected letters, digits, _, . or -, ` +
            "starting with a letter or digit, at most 100 characters (it is part of every Docker object name)");
    }
    if (command === "down") return { command, stack };
    const seen = new Set<string>();
    for (const c of config) {
        if (seen.has(c.key)) throw new UsageError(`up: --config ${c.key} given twice`);
        seen.add(c.key);
    }
    checkConfigValues(config, project, stack);
    return { command, stack, ...(envFile === undefined ? {} : { envFile }), config, showSecrets };
}

function optionsOf(command: string): string {
    const names = Object.entries(OPTIONS).filter(([, s]) => s.commands.includes(command)).map(([n, s]) => (s.takesValue ? `${n} <value>` : n));
    return names.length === 0 ? "no options" : names.join(", ");
}

function configEntry(text: string, project: string): ConfigEntry {
    const eq = text.indexOf("=");
    if (eq <= 0) throw new UsageError(`up: --config ${JSON.stringify(text)}: expected <key>=<value>, e.g. --config sparkWorkers=2`);
    let key = text.slice(0, eq).trim();
    if (key.startsWith(`${project}:`)) key = key.slice(project.length + 1);
    if (key.includes(":")) throw new UsageError(`up: --config ${key}: only this project's keys (${project}:…) can be set`);
    return { key, value: text.slice(eq + 1), secret: (SECRET_KEYS as readonly string[]).includes(key) };
}

/**
 * `key=value,key=value` (e.g. the e2e test's CDC_E2E_CONFIG), checked like `--config`; `source` names
 * where the text came from in errors. Values cannot contain commas.
 */
export function parseConfigList(text: string, source: string, project: string, stack: string): ConfigEntry[] {
    try {
        const config = text.split(",").map((t) => t.trim()).filter(Boolean).map((t) => configEntry(t, project));
        checkConfigValues(config, project, stack);
        return config;
    } catch (err) {
        if (err instanceof UsageError) throw new UsageError(`${source}: ${err.message.replace(/^up: /, "")}`);
        throw err;
    }
}

/** Checks the given keys and values against the settings schema (unknown keys, ranges, patterns), all at once. */
function checkConfigValues(config: ConfigEntry[], project: string, stack: string): void {
    const raw: Record<string, string> = {};
    for (const c of config) {
        if (c.secret && c.value === "") throw new UsageError(`up: --config ${c.key} needs a non-empty value`);
        raw[c.key] = c.value;
    }
    try {
        parseSettings(raw, project, stack);
    } catch (err) {
        if (err instanceof SettingsError) throw new UsageError(`up: bad --config:\n${err.problems.map((p) => `  - ${p}`).join("\n")}`);
        throw err;
    }
}

/** What an env command's main needs from its process; tests pass their own. */
export interface ProcessDeps {
    env: NodeJS.ProcessEnv;
    workDir: string;
    out: (text: string) => void;
    err: (text: string) => void;
}

/** Runs an env command's main with this process's environment and streams; its result is the exit status. */
export function runFromCommandLine(label: string, main: (argv: readonly string[], deps: ProcessDeps) => Promise<number>, workDir: string): void {
    main(process.argv.slice(2), {
        env: process.env,
        workDir,
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
    }).then((code) => { process.exitCode = code; }, (err) => {
        process.stderr.write(`${label}: ${String(err)}\n`);
        process.exitCode = 1;
    });
}
