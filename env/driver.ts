// Per-environment driver on the Pulumi Automation API:
//   node -- dist/env/driver.js up --stack pr-123 [--env-file .env.cdc] [--config key=value ...] [--show-secrets]
//   node -- dist/env/driver.js down --stack pr-123
//   node -- dist/env/driver.js list
// (npm run env:up / env:down / env:list build first.) A stack on platform kubernetes needs kubectl and its
// cluster instead of Docker; `npm run env:forward` (env/forward.ts) then serves its env lines' addresses. Exit status: 0 done, 1 failed, 2 bad command line.
// The `--` matters: without it Node 22/24 read a script argument `--env-file <path>` as their own
// option and exit 9 when <path> does not exist yet (nodejs/node#54232), before this file runs.
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../lib/paths";
import { parseArgs, runFromCommandLine, USAGE, UsageError, type Command, type ProcessDeps } from "./args";
import { describeKubeLeftovers, describeLeftovers, findKubeLeftovers, findLeftovers, isEmpty, type KubeLeftovers, type Leftovers } from "./leftovers";
import { formatOutputs, formatStackTable, maskEnvLines, secretEnvKeys, testEnvOf, writeEnvFile } from "./output";
import { preflight, type KubeTarget, type PreflightOptions, type PreflightResult } from "./preflight";
import { automationOps, describeChanges, failureSummary, readProjectName, type StackOps } from "./stack";
import { stackConfigFile, stackConfigValues, stackPlacement, type StackPlacement } from "./stackSettings";

/** `env` is what preflight checks; the Automation API runs the Pulumi CLI with this process's environment (the same object in the CLI). */
export interface DriverDeps extends ProcessDeps {
    /** Defaults to the real checks (PATH, `docker info` or `kubectl get --raw /readyz`, built probe, passphrase). */
    preflight?: (o: PreflightOptions) => PreflightResult;
    /** Defaults to the Automation API on `workDir`. */
    ops?: StackOps;
    /** What is left on the daemon after down; defaults to `docker ps/volume ls/network ls`. */
    leftovers?: (project: string, stack: string) => Leftovers;
    /** What is left of a kubernetes stack after down; defaults to `kubectl get namespace/persistentvolumeclaims`. */
    kubeLeftovers?: (t: KubeTarget & { namespace: string }) => KubeLeftovers;
    projectName?: string;
}

/** Runs one command; returns the process exit status. Never throws. */
export async function main(argv: readonly string[], deps: DriverDeps): Promise<number> {
    const line = (text = "") => deps.out(`${text}\n`);
    const fail = (text: string) => deps.err(`${text}\n`);
    let cmd: Command;
    let project: string;
    try {
        project = deps.projectName ?? readProjectName(deps.workDir);
        cmd = parseArgs(argv, project);
    } catch (err) {
        if (err instanceof UsageError) {
            fail(`env: ${err.message}\n\n${USAGE}`);
            return 2;
        }
        fail(`env: ${(err as Error).message}`);
        return 1;
    }
    if (cmd.command === "help") {
        line(USAGE);
        return 0;
    }

    const needsStack = cmd.command !== "list";
    // The platform decides what up and down need: the stack's config file, with up's --config on top.
    let placement: StackPlacement = { platform: "docker" };
    if (cmd.command !== "list") {
        try {
            placement = stackPlacement(stackConfigValues(deps.workDir, project, cmd.stack, cmd.command === "up" ? cmd.config : []), project, cmd.stack);
        } catch (err) {
            fail(`env ${cmd.command}: cannot tell where stack ${cmd.stack} runs from ${stackConfigFile(deps.workDir, cmd.stack)}` +
                `${cmd.command === "up" ? " and --config" : ""}: ${(err as Error).message}`);
            return 1;
        }
    }
    // Platform kubernetes: the cluster (kubeContext; absent: the current context) and the environment's namespace.
    const kube = placement.kubernetes && { namespace: placement.kubernetes.namespace, ...(placement.kubernetes.context === undefined ? {} : { context: placement.kubernetes.context }) };
    const check = (deps.preflight ?? preflight)({
        env: deps.env,
        needDocker: needsStack && kube === undefined,
        ...(kube ? { kubernetes: kube.context === undefined ? {} : { context: kube.context } } : {}),
        needPassphrase: needsStack,
        ...(cmd.command === "up" ? { probeScript: path.join(deps.workDir, "dist", "probe", "cli.js") } : {}),
    });
    if (!check.ok) {
        fail(`env ${cmd.command}: cannot start, ${check.problems.length} problem${check.problems.length === 1 ? "" : "s"}:\n` +
            check.problems.map((p) => `  - ${p}`).join("\n"));
        return 1;
    }
    const ops = deps.ops ?? automationOps({ workDir: deps.workDir });
    const progress = (text: string) => deps.out(text);

    try {
        switch (cmd.command) {
            case "list":
                line(formatStackTable(await ops.list()));
                return 0;
            case "up": {
                if (cmd.envFile && !fs.existsSync(path.dirname(path.resolve(cmd.envFile)))) {
                    fail(`env up: the directory of --env-file ${cmd.envFile} does not exist`);
                    return 1;
                }
                line(`env up: stack ${cmd.stack} of ${project} (backend from ${path.join(deps.workDir, "Pulumi.yaml")})`);
                let result;
                try {
                    result = await ops.up({ stack: cmd.stack, config: cmd.config, onOutput: progress });
                } catch (err) {
                    fail(`env up: ${failureSummary(err)}\n` +
                        `Resources created so far stay; remove them with: npm run env:down -- --stack ${cmd.stack}`);
                    return 1;
                }
                line(`\nenv up: stack ${cmd.stack} is up (${describeChanges(result.resourceChanges)})`);
                line("\nOutputs:");
                line(formatOutputs(result.outputs, cmd.showSecrets));
                const envLines = testEnvOf(result.outputs);
                line(`\nTest environment${cmd.showSecrets ? "" : " (secrets masked; --show-secrets or --env-file for the values)"}:`);
                deps.out(cmd.showSecrets ? envLines : maskEnvLines(envLines, secretEnvKeys(result.outputs)));
                if (cmd.envFile) {
                    writeEnvFile(cmd.envFile, envLines);
                    line(`\nWrote ${path.resolve(cmd.envFile)} (mode 0600): set -a; . ${cmd.envFile}; set +a`);
                }
                if (kube) {
                    line(`\nThe lines name 127.0.0.1:<port> for each service in namespace ${kube.namespace}: keep ` +
                        `\`npm run env:forward -- --stack ${cmd.stack}\` running (its port-forwards) while the tests run on this machine.`);
                }
                return 0;
            }
            case "down": {
                line(`env down: stack ${cmd.stack} of ${project}`);
                let changes;
                try {
                    changes = (await ops.down({ stack: cmd.stack, onOutput: progress })).resourceChanges;
                } catch (err) {
                    fail(`env down: ${failureSummary(err)}\nThe stack was kept; fix the problem and run env:down again.`);
                    return 1;
                }
                line(`\nenv down: stack ${cmd.stack} destroyed (${describeChanges(changes)}) and removed`);
                if (kube) {
                    try {
                        const left = (deps.kubeLeftovers ?? ((t) => findKubeLeftovers(t, { kubectl: check.kubectl ?? "kubectl", env: deps.env })))(kube);
                        // A persistent stack keeps its namespace and data claims by design (retainVolumesOnDestroy).
                        if (left.phase !== undefined) line(`env down: still on the cluster for ${cmd.stack}: ${describeKubeLeftovers(left)}`);
                    } catch (err) {
                        line(`env down: could not check the cluster for leftovers: ${(err as Error).message}`);
                    }
                    return 0;
                }
                try {
                    const left = (deps.leftovers ?? ((p, s) => findLeftovers(p, s, { docker: check.docker ?? "docker", env: deps.env })))(project, cmd.stack);
                    // Persistent stacks keep their data volumes by design (retainVolumesOnDestroy).
                    if (!isEmpty(left)) line(`env down: still on the Docker daemon for ${cmd.stack}: ${describeLeftovers(left)}`);
                } catch (err) {
                    line(`env down: could not check the Docker daemon for leftovers: ${(err as Error).message}`);
                }
                return 0;
            }
        }
    } catch (err) {
        fail(`env ${cmd.command}: ${(err as Error).message}`);
        return 1;
    }
}

if (require.main === module) runFromCommandLine("env", main, PROJECT_ROOT);
