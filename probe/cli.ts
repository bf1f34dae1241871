#!/usr/bin/env node
// Readiness probe run by the stack's gates: `node dist/probe/cli.js <service> [options]`.
// The compile cache is enabled before anything else loads, so later runs start from cached bytecode.
import { enableCompileCache } from "module";

enableCompileCache?.();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { main } = require("./main") as typeof import("./main");
// Only a verdict sets the exit code: a run that ends without one (its event loop drained) is a failure, never a pass.
let verdict: number | undefined;
process.on("exit", () => {
    if (verdict !== undefined) return;
    process.stderr.write("probe: ended without a verdict (a pending check was dropped); counted as not ready\n");
    process.exitCode = 1;
});
main(process.argv.slice(2), process.env).then((code) => { verdict = code; process.exitCode = code; });
