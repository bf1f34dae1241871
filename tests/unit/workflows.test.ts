// The GitHub Actions workflows: each one parsed and converted by GitHub's own parser
// (@actions/workflow-parser, as github.com does), their key properties asserted, and every `run:`
// block passed through shellcheck.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT_ROOT, which } from "../integration/support/tools";

const WORKFLOWS_DIR = path.join(PROJECT_ROOT, ".github", "workflows");
const WORKFLOW_FILES = fs.readdirSync(WORKFLOWS_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");

// ---- GitHub's parser ----------------------------------------------------------------------------

/** The converted template, serialized: expressions become {type, expr}, mappings {type, map: [{Key, Value}]}. */
interface Expr { type: number; expr: string }
interface Mapping { type: number; map: { Key: string; Value: unknown }[] }
interface TemplateStep { id: string; name?: string; if?: Expr; uses?: string; run?: string | Expr; env?: Mapping }
interface TemplateJob { id: string; needs?: string[]; if: Expr; env?: Mapping; steps: TemplateStep[] }
interface Template { events: Record<string, unknown>; jobs: TemplateJob[]; concurrency?: Mapping }
interface Parsed { name: string; errors: string[]; template: Template | null }

// @actions/workflow-parser is ESM only, and imports its JSON schemas without import attributes (fine
// in a bundler, refused by Node): run it in a child Node that serves those files as modules.
const PARSER = `
import { registerHooks } from "node:module";
import { readFileSync } from "node:fs";
registerHooks({
    load: (url, context, next) => url.startsWith("file:") && url.endsWith(".json")
        ? { format: "module", source: "export default " + readFileSync(new URL(url), "utf8") + ";", shortCircuit: true }
        : next(url, context),
});
const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import("@actions/workflow-parser");
const results = [];
for (const file of JSON.parse(readFileSync(0, "utf8"))) {
    const parsed = parseWorkflow(file, new NoOperationTraceWriter());
    const errors = parsed.context.errors.getErrors().map((e) => e.message);
    const template = parsed.value ? await convertWorkflowTemplate(parsed.context, parsed.value) : null;
    for (const e of template?.errors ?? []) if (!errors.includes(e.Message)) errors.push(e.Message);
    results.push({ name: file.name, errors, template: template && JSON.parse(JSON.stringify(template)) });
}
process.stdout.write(JSON.stringify(results));
`;

function parseWithGitHub(files: { name: string; content: string }[]): Parsed[] {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", PARSER], {
        cwd: PROJECT_ROOT, input: JSON.stringify(files), encoding: "utf8", timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`the workflow parser failed (status ${r.status}): ${r.error?.message ?? r.stderr}`);
    return JSON.parse(r.stdout) as Parsed[];
}

const parsed = new Map(parseWithGitHub(WORKFLOW_FILES.map((name) => ({ name, content: read(`.github/workflows/${name}`) }))).map((p) => [p.name, p]));
function template(file: string): Template {
    const t = parsed.get(file)?.template;
    if (!t) throw new Error(`${file} did not convert: ${parsed.get(file)?.errors.join("; ")}`);
    return t;
}
const job = (file: string, id: string) => {
    const j = template(file).jobs.find((x) => x.id === id);
    if (!j) throw new Error(`${file} has no job ${id}`);
    return j;
};
const valueOf = (m: Mapping | undefined, key: string) => m?.map.find((e) => e.Key === key)?.Value;

// ---- the YAML as written (inputs, permissions and timeouts are not in the converted template) -------

interface RawStep { name?: string; id?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, unknown> }
interface RawJob { "runs-on"?: string; "timeout-minutes"?: number; permissions?: Record<string, string>; if?: string; env?: Record<string, string>; steps: RawStep[] }
interface RawWorkflow { on: Record<string, any>; permissions?: Record<string, string>; defaults?: { run?: { shell?: string } }; jobs: Record<string, RawJob> }
const raw = new Map(WORKFLOW_FILES.map((f) => [f, parse(read(`.github/workflows/${f}`)) as RawWorkflow]));
const rawWorkflow = (file: string) => raw.get(file)!;
const allSteps = (file: string) => Object.values(rawWorkflow(file).jobs).flatMap((j) => j.steps);
const stepIndex = (steps: RawStep[], test: (s: RawStep) => boolean) => {
    const i = steps.findIndex(test);
    if (i < 0) throw new Error("no such step");
    return i;
};
const usesPulumi = (s: RawStep) => s.uses?.startsWith("pulumi/actions@") ?? false;

// Inputs of pulumi/actions v7 (action.yml at tag v7, commit 8e5e406f4007fca908480587cb9893c07090f58d):
// a misspelt input (policy-packs for policyPacks) would be ignored with only a warning.
const PULUMI_ACTIONS_V7_INPUTS = [
    "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr", "comment-on-pr-number",
    "comment-on-summary", "github-token", "cloud-url", "secrets-provider", "parallel", "message", "config-map",
    "expect-no-changes", "diff", "replace", "exclude", "exclude-dependents", "target", "target-dependents", "policyPacks",
    "policyPackConfigs", "refresh", "upsert", "remove", "edit-pr-comment", "color", "exclude-protected", "plan",
    "suppress-outputs", "suppress-progress", "always-include-summary", "continue-on-error", "log-verbosity", "log-flow", "debug",
];

const BOOTSTRAP = "bash scripts/bootstrap.sh";
const TEST_COMMAND = 'PATH="$PWD/.tools/bin:$PATH" npm test';

describe("GitHub's workflow parser", () => {
    test("the three workflows are there", () => {
        expect(WORKFLOW_FILES).toEqual(expect.arrayContaining(["main.yml", "pr-environment.yml", "pull-request.yml"]));
    });

    test.each(WORKFLOW_FILES)("%s parses and converts without errors", (file) => {
        expect(parsed.get(file)?.errors).toEqual([]);
        expect(template(file).jobs.length).toBeGreaterThan(0);
    });

    test("it reports the errors of a broken workflow (so the check above can fail)", () => {
        const [broken] = parseWithGitHub([{
            name: "broken.yml",
            content: "on: pull_request\njobs:\n  a:\n    timeout-minute: 5\n    steps:\n      - run: echo ${{ github.event.number\n",
        }]);
        expect(broken!.errors.join("\n")).toMatch(/Unexpected value 'timeout-minute'/);
        expect(broken!.errors.join("\n")).toMatch(/Required property is missing: runs-on/);
        expect(broken!.errors.join("\n")).toMatch(/The expression is not closed/);
    });
});

describe("pull-request.yml", () => {
    const file = "pull-request.yml";
    const jobs = () => rawWorkflow(file).jobs;

    test("runs on pull requests: bootstrap, then the README's test command, as .ci/run does", () => {
        expect(Object.keys(template(file).events)).toEqual(["pull_request"]);
        const steps = job(file, "test").steps;
        const runs = steps.map((s) => s.run);
        expect(runs).toContain(BOOTSTRAP);
        expect(runs).toContain(TEST_COMMAND);
        expect(runs.indexOf(BOOTSTRAP)).toBeLessThan(runs.indexOf(TEST_COMMAND));
        expect(read("README.md")).toContain(`${BOOTSTRAP} && ${TEST_COMMAND}`);
        const ciRun = read(".ci/run").split("\n");
        expect(ciRun).toEqual(expect.arrayContaining([BOOTSTRAP, TEST_COMMAND, "export CDC_REQUIRE_INTEGRATION=1"]));
        // Integration tests may not skip here either.
        expect(valueOf(steps.find((s) => s.run === TEST_COMMAND)!.env, "CDC_REQUIRE_INTEGRATION")).toBe("1");
        const node = jobs().test!.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
        expect(String(node?.with?.["node-version"])).toBe("24");
    });

    test("previews the dev stack with the policy pack on the runner's file backend, commenting on the pull request", () => {
        expect(job(file, "preview").needs).toEqual(["test"]);
        const steps = jobs().preview!.steps;
        const preview = steps.find(usesPulumi)!;
        expect(preview.uses).toBe("pulumi/actions@v7");
        expect(preview.with).toMatchObject({ command: "preview", "stack-name": "dev", upsert: true, policyPacks: "policy" });
        // The same backend Pulumi.yaml names.
        expect(parse(read("Pulumi.yaml")).backend.url).toBe(preview.with!["cloud-url"]);
        expect(fs.existsSync(path.join(PROJECT_ROOT, "policy", "PulumiPolicy.yaml"))).toBe(true);
        expect(fs.existsSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"))).toBe(true);
        expect(preview.with!["comment-on-pr"]).toBe("${{ github.event.pull_request.head.repo.full_name == github.repository }}");
        // A passphrase is in the environment before the stack is created.
        const passphrase = stepIndex(steps, (s) => /PULUMI_CONFIG_PASSPHRASE=.*>> "\$GITHUB_ENV"/.test(s.run ?? ""));
        expect(passphrase).toBeLessThan(steps.indexOf(preview));
    });

    test("least privilege: read-only, except the preview job, which may write pull request comments", () => {
        expect(rawWorkflow(file).permissions).toEqual({ contents: "read" });
        expect(jobs().test!.permissions).toBeUndefined();
        expect(jobs().preview!.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    });
});

describe("pr-environment.yml", () => {
    const file = "pr-environment.yml";
    const rawJob = () => Object.values(rawWorkflow(file).jobs)[0]!;
    const steps = () => rawJob().steps;
    const indexOfRun = (pattern: RegExp) => stepIndex(steps(), (s) => pattern.test(s.run ?? ""));

    test("one job, one environment per pull request: concurrency group pr-env-<number>, a new push cancels", () => {
        expect(Object.keys(template(file).events)).toEqual(["pull_request"]);
        expect(template(file).jobs).toHaveLength(1);
        const concurrency = template(file).concurrency;
        expect(valueOf(concurrency, "group")).toEqual({ type: 3, expr: "format('pr-env-{0}', github.event.number)" });
        expect(valueOf(concurrency, "cancel-in-progress")).toBe(true);
        expect(rawJob()["timeout-minutes"]).toBeGreaterThan(0);
        expect(rawJob()["timeout-minutes"]).toBeLessThanOrEqual(60);
    });

    test("brings up stack pr-<number> with the driver, writing the env file the tests source", () => {
        expect(valueOf(job(file, Object.keys(rawWorkflow(file).jobs)[0]!).env, "STACK")).toEqual({ type: 3, expr: "format('pr-{0}', github.event.number)" });
        const up = steps()[indexOfRun(/^npm run env:up -- /)]!;
        expect(up.run).toBe('npm run env:up -- --stack "$STACK" --env-file "$ENV_FILE"');
        const e2e = steps()[indexOfRun(/npx jest tests\/e2e/)]!;
        expect(e2e.env).toEqual({ CDC_REQUIRE_E2E: "1" });
        expect(e2e.run).toMatch(/set -a\n(#.*\n)?\. "\.\/\$ENV_FILE"\nset \+a\n/);
        expect(indexOfRun(/^npm run env:up/)).toBeLessThan(indexOfRun(/npx jest tests\/e2e/));
        // The Pulumi CLI (install only: no command) and a passphrase come first.
        const cli = stepIndex(steps(), usesPulumi);
        expect(steps()[cli]!.uses).toBe("pulumi/actions@v7");
        expect(steps()[cli]!.with?.command).toBeUndefined();
        expect(cli).toBeLessThan(indexOfRun(/^npm run env:up/));
        expect(indexOfRun(/PULUMI_CONFIG_PASSPHRASE=/)).toBeLessThan(indexOfRun(/^npm run env:up/));
    });

    test("destroys always: the last step, with if: always() (also after a failure or a cancellation)", () => {
        const last = template(file).jobs[0]!.steps.at(-1)!;
        expect(last.run).toBe('npm run env:down -- --stack "$STACK"');
        expect(last.if).toEqual({ type: 3, expr: "always()" });
        // Nothing else runs regardless of failure: only the destroy.
        expect(template(file).jobs[0]!.steps.filter((s) => s.if?.expr === "always()")).toHaveLength(1);
    });
});

describe("main.yml", () => {
    const file = "main.yml";

    test("runs on pushes to main, never cancelling an update half-way", () => {
        expect(template(file).events).toEqual({ push: { branches: ["main"] } });
        expect(valueOf(template(file).concurrency, "cancel-in-progress")).toBe(false);
    });

    test("a step looks at the three secrets and sets an output; without them a notice says what to set", () => {
        const check = job(file, "check");
        const step = check.steps.find((s) => s.id === "secrets")!;
        for (const secret of ["PULUMI_BACKEND_URL", "DOCKER_HOST", "PULUMI_CONFIG_PASSPHRASE"]) {
            expect(valueOf(step.env, secret)).toEqual({ type: 3, expr: `secrets.${secret}` });
        }
        expect(step.run).toMatch(/echo "configured=true" >> "\$GITHUB_OUTPUT"/);
        expect(step.run).toMatch(/echo "configured=false" >> "\$GITHUB_OUTPUT"/);
        expect(step.run).toMatch(/::notice title=[^:]+::Set the repository secrets/);
        expect(rawWorkflow(file).jobs.check!.steps).toHaveLength(1);
        expect(parse(read(`.github/workflows/${file}`)).jobs.check.outputs.configured).toBe("${{ steps.secrets.outputs.configured }}");
    });

    test("pulumi up of the persistent stack (variable CDC_PERSISTENT_STACK, default ci) only when configured", () => {
        const up = job(file, "up");
        expect(up.needs).toEqual(["check"]);
        expect(up.if.expr).toBe("success() && (needs.check.outputs.configured == 'true')");
        expect(valueOf(up.env, "STACK")).toEqual({ type: 3, expr: "vars.CDC_PERSISTENT_STACK || 'ci'" });
        const step = rawWorkflow(file).jobs.up!.steps.find(usesPulumi)!;
        expect(step.uses).toBe("pulumi/actions@v7");
        expect(step.with).toMatchObject({ command: "up", "stack-name": "${{ env.STACK }}", upsert: true, policyPacks: "policy" });
        // Pulumi.yaml's backend.url wins over `pulumi login`; only PULUMI_BACKEND_URL overrides it.
        expect(step.env).toMatchObject({
            PULUMI_BACKEND_URL: "${{ secrets.PULUMI_BACKEND_URL }}",
            DOCKER_HOST: "${{ secrets.DOCKER_HOST }}",
            PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        });
    });
});

describe("every workflow", () => {
    test.each(WORKFLOW_FILES)("%s: pulumi/actions at v7, with inputs v7 has", (file) => {
        const steps = allSteps(file).filter(usesPulumi);
        expect(steps.length).toBeGreaterThan(0);
        for (const s of steps) {
            expect(s.uses).toBe("pulumi/actions@v7");
            for (const input of Object.keys(s.with ?? {})) expect(PULUMI_ACTIONS_V7_INPUTS).toContain(input);
        }
    });

    test.each(WORKFLOW_FILES)("%s: read-only token by default, bash for run steps, a timeout on every job", (file) => {
        const w = rawWorkflow(file);
        expect(w.permissions).toEqual({ contents: "read" });
        expect(w.defaults?.run?.shell).toBe("bash");
        for (const j of Object.values(w.jobs)) expect(j["timeout-minutes"]).toBeGreaterThan(0);
    });

    test.each(WORKFLOW_FILES)("%s: no secrets in if:, no ${{ }} inside run: (values reach scripts through env:)", (file) => {
        const w = rawWorkflow(file);
        const conditions = Object.values(w.jobs).flatMap((j) => [j.if, ...j.steps.map((s) => s.if)]).filter((c): c is string => !!c);
        for (const c of conditions) expect(c).not.toMatch(/secrets\./);
        for (const s of allSteps(file)) expect(s.run ?? "").not.toContain("${{");
    });
});

// ---- shellcheck -----------------------------------------------------------------------------------

/** A run: block as bash sees it once GitHub has substituted its expressions. */
function withoutExpressions(script: string): string {
    return script.replace(/\$\{\{[\s\S]*?\}\}/g, "GHA_EXPR");
}

function shellcheck(program: string, script: string): { status: number | null; output: string } {
    const r = spawnSync(program, ["--shell=bash", "--severity=style", "--format=gcc", "-"], { input: withoutExpressions(script), encoding: "utf8", timeout: 60_000 });
    return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

const SHELLCHECK = which("shellcheck");
const runBlocks = WORKFLOW_FILES.flatMap((file) => Object.entries(rawWorkflow(file).jobs).flatMap(([jobId, j]) =>
    j.steps.filter((s) => typeof s.run === "string").map((s, i) => ({ label: `${file} ${jobId}: ${s.name ?? s.id ?? `run #${i + 1}`}`, run: s.run! }))));

describe("shellcheck on every run: block", () => {
    test("expressions become a placeholder word before shellcheck reads the script", () => {
        expect(withoutExpressions('npm run env:up -- --stack pr-${{ github.event.number }} --x "${{ env.A }}"'))
            .toBe('npm run env:up -- --stack pr-GHA_EXPR --x "GHA_EXPR"');
    });

    if (!SHELLCHECK) {
        if (process.env.CDC_REQUIRE_INTEGRATION === "1") {
            test("shellcheck is installed", () => {
                throw new Error("shellcheck not installed (CDC_REQUIRE_INTEGRATION=1 forbids skipping; scripts/bootstrap.sh installs it)");
            });
        } else {
            // eslint-disable-next-line no-console
            console.warn("skipped: shellcheck not installed");
        }
        return;
    }
    const program = SHELLCHECK;

    test("there are run: blocks to check", () => {
        expect(runBlocks.length).toBeGreaterThanOrEqual(8);
    });

    test.each(runBlocks)("$label", ({ run }) => {
        expect(shellcheck(program, run)).toEqual({ status: 0, output: "" });
    });

    test("shellcheck reports a faulty script (so the checks above can fail)", () => {
        const r = shellcheck(program, 'npm run env:down -- --stack ${{ github.event.number }} $STACK\n');
        expect(r.status).not.toBe(0);
        expect(r.output).toMatch(/SC2086/);
    });
});
