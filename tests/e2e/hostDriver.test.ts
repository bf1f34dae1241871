// A PySpark driver on this machine against the running environment, using only the plugin's fixtures
// (tests/e2e/python): Delta written through the stack's executors at a path under the shared directory.
// Needs the stack's variables (source the env file of npm run env:up, or set CDC_ENV_FILE) and the venv;
// without them it prints "skipped: ..." and skips; under CDC_REQUIRE_E2E=1 it fails instead.
import { spawnSync } from "child_process";
import * as path from "path";
import { PROJECT_ROOT } from "../../lib/paths";
import { TEST_ENV_KEYS } from "../../lib/testEnv";
import { venvPython } from "../integration/support/tools";

const python = venvPython();
const NEEDED = ["sparkMasterUrl", "sparkSharedDir", "sparkDriverHost", "sparkJarsPackages", "sparkKafkaPackage", "kafkaSharedBootstrapServers", "mysqlSharedPort", "postgresSharedPort"] as const;
const missing = [
    ...(process.env.CDC_ENV_FILE ? [] : NEEDED.map((k) => TEST_ENV_KEYS[k]).filter((k) => !process.env[k]).map((k) => `${k} not set`)),
    ...(python && spawnSync(python, ["-c", "import pyspark, cdc_test_infra"]).status === 0 ? [] : ["no venv with pyspark and the plugin at .venv (bash scripts/bootstrap.sh)"]),
];
let describeHostDriver: jest.Describe = describe;
if (missing.length > 0) {
    const message = `skipped: e2e host driver (tests/e2e/hostDriver.test.ts): ${missing.join("; ")}`;
    if (process.env.CDC_REQUIRE_E2E === "1") throw new Error(`${message} (CDC_REQUIRE_E2E=1 forbids skipping)`);
    process.stderr.write(`${message}\n`);
    describeHostDriver = describe.skip;
}

describeHostDriver("a host PySpark driver through the running environment", () => {
    test("writes, merges, reads and deletes a Delta table, and streams database commits into Delta, with the plugin's fixtures", () => {
        const r = spawnSync(python!, ["-m", "pytest", "-q", "-s", "-rs", "-p", "no:cacheprovider", path.join(__dirname, "python")], {
            cwd: PROJECT_ROOT, encoding: "utf8", timeout: 15 * 60_000,
            // No fixture may skip here: a missing variable fails.
            env: { ...process.env, CDC_REQUIRE_E2E: "1" },
        });
        const output = `${r.stdout}${r.stderr}`;
        if (r.status !== 0) throw new Error(`pytest exited with ${r.status ?? r.signal}:\n${output.slice(-12_000)}`);
        // Delta through the shared directory (2), the golden path from MySQL and PostgreSQL, the executors' JDBC reads (3).
        expect(r.stdout.trimEnd().split("\n").pop()).toMatch(/^5 passed(, \d+ warnings?)? in [\d.]+s/);
        for (const line of r.stdout.split("\n").filter((l) => l.startsWith("golden path "))) process.stdout.write(`${line}\n`);
    }, 16 * 60_000);
});
