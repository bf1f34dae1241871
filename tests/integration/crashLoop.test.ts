// A real server that exits at start, restarted in a loop as Docker's restart policy does, behind a
// stand-in `docker` that reports that loop's state and the server's real output: the gate's probe,
// run as the gate runs it, must fail within 10 s of the first crash, showing the server's own error.
// (There is no Docker daemon here; the crash, the exit code and the log lines are real.)
import * as fs from "fs";
import * as path from "path";
import { binlogFlags } from "../../lib/mysql";
import { PROBE_SECRET_ENV, probeArgv, probeShellCommand } from "../../lib/probes";
import { freePort, LOOPBACK, startProcess, stopAll, tempDir } from "./support/processes";
import { describeIfAvailable, PROJECT_ROOT, which } from "./support/tools";

const MARIADBD = which("mariadbd");
const CONTAINER = "cdc-test-infra-pr-7-mysql";

describeIfAvailable("crash loop", [!MARIADBD && "mariadbd not found (apt-get install mariadb-server)"])("a crash-looping database behind a stand-in docker", () => {
    afterAll(() => stopAll(), 30_000);

    test("the probe fails within 10 s of the first crash, with the exit code and the server's last log lines", async () => {
        const dir = tempDir("crash-loop");
        const port = await freePort();
        const stateFile = path.join(dir, "state.json");
        const logFile = path.join(dir, "server.log");
        const firstCrashFile = path.join(dir, "first-crash-ms");
        fs.mkdirSync(path.join(dir, "data"));
        // The component's flags plus one the server rejects: it exits at once, every time.
        const server = [MARIADBD!, "--no-defaults", `--datadir=${dir}/data`, `--port=${port}`, `--bind-address=${LOOPBACK}`,
            ...binlogFlags("mariadb", { serverId: 7, retentionHours: 1 }), "--no-such-option=1",
            ...(process.getuid?.() === 0 ? ["--user=root"] : [])];
        const state = (status: string, restarting: boolean) =>
            `printf '{"name":"/${CONTAINER}","status":"${status}","restarting":${restarting},"exitCode":%d,"restartCount":%d}\\n' "$code" "$n" > '${stateFile}'`;
        // Docker's restart policy, in miniature: run, record the exit, back off, run again.
        startProcess("bash", ["-c", [
            "n=0; code=0",
            "while :; do",
            `  ${state("running", false)}`,
            `  ${server.map((a) => `'${a}'`).join(" ")} >> '${logFile}' 2>&1; code=$?`,
            `  [ -f '${firstCrashFile}' ] || date +%s%3N > '${firstCrashFile}'`,
            `  ${state("restarting", true)}`,
            "  sleep 0.5; n=$((n+1))",
            "done",
        ].join("\n")]);
        const bin = tempDir("stand-in-docker");
        fs.writeFileSync(path.join(bin, "docker"), [
            "#!/bin/sh",
            `case "$1" in`,
            `  inspect) cat '${stateFile}' ;;`,
            `  logs) tail -n "$3" '${logFile}' ;;`,
            "esac", "",
        ].join("\n"), { mode: 0o755 });

        const argv = probeArgv({ service: "mysql", host: LOOPBACK, port, flavor: "mariadb", cdcUser: "cdc" },
            { timeoutSeconds: 300, intervalMs: 100, containers: [CONTAINER] });
        const probe = startProcess("/bin/sh", ["-c", probeShellCommand(argv)], {
            cwd: PROJECT_ROOT,
            env: {
                PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`,
                [PROBE_SECRET_ENV.mysqlRootPassword]: "root-pw", [PROBE_SECRET_ENV.mysqlCdcPassword]: "cdc-pw",
            },
        });
        const code = await new Promise<number | null>((resolve) => probe.child.once("close", resolve));
        const failedAt = Date.now();
        const firstCrashAt = Number(fs.readFileSync(firstCrashFile, "utf8"));
        const output = probe.output();
        // eslint-disable-next-line no-console
        console.log(`crash loop: the gate failed ${failedAt - firstCrashAt} ms after the server's first exit`);
        expect(code).toBe(1);
        expect(failedAt - firstCrashAt).toBeLessThan(10_000);
        expect(output).toContain(`mysql is not ready at ${LOOPBACK}:${port}: gave up, waiting cannot help`);
        expect(output).toMatch(new RegExp(`container ${CONTAINER} (is crash-looping: it exited with code [1-9]\\d*|crashed and was restarted)`));
        expect(output).toContain(`--- last 20 log lines of container ${CONTAINER} ---`);
        expect(output).toMatch(/unknown variable 'no-such-option=1'/);
        expect(output).not.toContain("root-pw");
    }, 60_000);
});
