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

/** `python -m pytest <files>` with the plugin loaded from its entry point and the endpoints in an env file. */
export async function runPytest(files: string[], endpoints: Partial<Endpoints>, env: NodeJS.ProcessEnv = {}): Promise<PytestRun> {
    const envFile = path.join(tempDir("pytest-env"), "env.cdc");
    fs.writeFileSync(envFile, envLinesOf(endpoints), { mode: 0o600 });
    const proc = startProcess(venvPython()!, ["-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", ...files.map((f) => path.join(PLUGIN_TESTS, f))], {
        cwd: PROJECT_ROOT,
        env: { CDC_ENV_FILE: envFile, CDC_REQUIRE_E2E: "1", ...env },
    });
    const code = await new Promise<number | null>((resolve) => proc.child.once("close", resolve));
    const output = proc.output();
    // pytest's closing line, e.g. "12 passed in 9.81s".
    const summary = output.trimEnd().split("\n").pop() ?? "";
    return { code, output, summary };
}
