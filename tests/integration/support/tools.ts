/// <reference types="jest" />
// Which real programs this machine has. A missing one skips its tests with the reason printed,
// except under CDC_REQUIRE_INTEGRATION=1 (set by .ci/run, which installs them all): then it fails.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT as PROJECT_ROOT_DIR } from "../../../lib/paths";

// The project root from source and from dist/ alike (the benchmark runs these helpers compiled).
const ROOT = PROJECT_ROOT_DIR;

export function which(program: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter).concat(["/usr/sbin", "/usr/bin"])) {
        const candidate = path.join(dir, program);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return candidate;
        } catch { /* keep looking */ }
    }
    return undefined;
}

/** The project's Python virtual environment (made by .ci/run from tests/integration/requirements.txt). */
export function venvPython(): string | undefined {
    const python = process.env.CDC_PYTHON ?? path.join(ROOT, ".venv", "bin", "python");
    return fs.existsSync(python) ? python : undefined;
}

/** SPARK_HOME of the pyspark wheel: it carries Spark's jars and bin/spark-class. */
export function pysparkHome(): string | undefined {
    const python = venvPython();
    if (!python) return undefined;
    try {
        return execFileSync(python, ["-c", "import os, pyspark; print(os.path.dirname(pyspark.__file__))"], { encoding: "utf8" }).trim();
    } catch {
        return undefined;
    }
}

/**
 * Returns jest's `describe` when every requirement is met, else `describe.skip` after printing
 * "skipped: <what is missing>". Under CDC_REQUIRE_INTEGRATION=1 a missing requirement throws.
 */
export function describeIfAvailable(title: string, missing: (string | false | undefined)[]): jest.Describe {
    const reasons = missing.filter((m): m is string => typeof m === "string" && m.length > 0);
    if (reasons.length === 0) return describe;
    const message = `skipped: ${title}: ${reasons.join("; ")}`;
    if (process.env.CDC_REQUIRE_INTEGRATION === "1") throw new Error(`${message} (CDC_REQUIRE_INTEGRATION=1 forbids skipping)`);
    // eslint-disable-next-line no-console
    console.warn(message);
    return describe.skip;
}

export const PROJECT_ROOT = ROOT;

