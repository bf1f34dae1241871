#!/usr/bin/env node
// Readiness probe run by the stack's gates: `node dist/probe/cli.js <service> [options]`.
// The compile cache is enabled before anything else loads, so later runs start from cached bytecode.
import { enableCompileCache } from "module";

enableCompileCache?.();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { main } = require("./main") as typeof import("./main");
main(process.argv.slice(2), process.env).then((code) => { process.exitCode = code; });
