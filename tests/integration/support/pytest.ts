// Runs the Python plugin's own pytest tests against real services, the way a pipeline's suite runs
// against a stack: the endpoints are written as env lines by the program's own function and read
// back by the plugin from CDC_ENV_FILE; CDC_REQUIRE_E2E=1 makes a missing endpoint fail, not skip.
import * as fs from "fs";
import * as path from "path";
import { envLinesOf, type Endpoints } from "../../../lib/testEnv";
import { startProcess, tempDir } from "./processes";
import { PROJECT_ROOT, venvPython } from "./tools";

export interface PytestRun { code: number | null; output: string; summary: string }

/** The plugin's tests directory (python/tests). */
export const PLUGIN_TESTS = path.join(PROJECT_ROOT, "python", "tests");

export interface PytestOptions {
    /** Where `files` are (default: the plugin's tests). */
    dir?: string;
    /** Run as this user (setpriv), who gets the env file; default: as this process. */
    user?: { uid: number; gid: number };
}

/** `python -m pytest <files>` with the plugin loaded from its entry point and the endpoints in an env file. */
export async function runPytest(files: string[], endpoints: Partial<Endpoints>, env: NodeJS.ProcessEnv = {}, o: PytestOptions = {}): Promise<PytestRun> {
    const envDir = tempDir("pytest-env");
    const envFile = path.join(envDir, "env.cdc");
    fs.writeFileSync(envFile, envLinesOf(endpoints), { mode: 0o600 });
    const pytest = [venvPython()!, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", ...files.map((f) => path.join(o.dir ?? PLUGIN_TESTS, f))];
    const asUser = o.user === undefined || o.user.uid === process.getuid?.() ? [] : ["setpriv", `--reuid=${o.user.uid}`, `--regid=${o.user.gid}`, "--clear-groups", "--"];
    if (asUser.length > 0) for (const p of [envDir, envFile]) fs.chownSync(p, o.user!.uid, o.user!.gid);
    const [command, ...args] = [...asUser, ...pytest];
    const proc = startProcess(command, args, {
        cwd: PROJECT_ROOT,
        env: { CDC_ENV_FILE: envFile, CDC_REQUIRE_E2E: "1", ...env },
    });
    const code = await new Promise<number | null>((resolve) => proc.child.once("close", resolve));
    const output = proc.output();
    // pytest's closing line, e.g. "12 passed in 9.81s".
    const summary = output.trimEnd().split("\n").pop() ?? "";
    return { code, output, summary };
}
