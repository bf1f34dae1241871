// A crash report must show the output of the run that crashed, on the real Docker daemon. A container
// under a restart policy prints 30 lines of preamble at once, waits, prints a distinctive crash line
// and exits 3, every run; once the policy has started it again, `docker logs --tail 20` shows only
// the new run's preamble (and so would `--tail 20 --until <the crash>` on json-file, which tails
// first). The gate's report must still show the crash line, with the exit code.
//
// The image is made here from a static busybox (Debian: busybox-static) or, without one, from this
// machine's own sh and sleep with their libraries: no registry is needed. No daemon: skipped, or
// failed under CDC_REQUIRE_INTEGRATION=1.
import { execFileSync, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { probeArgv, probeShellCommand } from "../../lib/probes";
import { containerLogTails } from "../../probe/main";
import { freePort, LOOPBACK, startProcess, stopAll, tempDir, waitFor } from "./support/processes";
import { describeIfAvailable, PROJECT_ROOT, which } from "./support/tools";

const DOCKER = which("docker");

function daemonProblem(): string | undefined {
    if (!DOCKER) return "no docker CLI on the PATH";
    const info = spawnSync(DOCKER, ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 30_000 });
    if (info.status !== 0) return `no Docker daemon answers (docker info: ${(info.stderr || info.error?.message || "").trim().split("\n").pop()})`;
    return undefined;
}

function docker(args: string[], input?: Buffer): string {
    const r = spawnSync(DOCKER!, args, { encoding: "utf8", timeout: 120_000, input });
    if (r.status !== 0) throw new Error(`docker ${args.join(" ")} failed: ${r.stderr || r.error?.message}`);
    return r.stdout;
}

/** The shared libraries a dynamically linked program loads (none for a static one). */
function sharedLibraries(program: string): string[] {
    const r = spawnSync("ldd", [program], { encoding: "utf8" });
    return r.status === 0 ? [...r.stdout.matchAll(/(\/\S+) \(0x[0-9a-f]+\)/g)].map((m) => m[1]!) : [];
}

/** A tiny image with /bin/sh and /bin/sleep, imported from a directory: busybox where there is one, else this machine's own. */
function buildImage(tag: string): string {
    const root = tempDir("crash-logs-rootfs");
    fs.mkdirSync(path.join(root, "bin"));
    const busybox = which("busybox");
    const programs: Array<[string, string]> = busybox ? [[busybox, "/bin/busybox"]] : [[fs.realpathSync(which("sh")!), "/bin/sh"], [fs.realpathSync(which("sleep")!), "/bin/sleep"]];
    for (const [from, to] of programs) {
        fs.copyFileSync(from, path.join(root, to));
        fs.chmodSync(path.join(root, to), 0o755);
        for (const lib of sharedLibraries(from)) {
            fs.mkdirSync(path.join(root, path.dirname(lib)), { recursive: true });
            fs.copyFileSync(lib, path.join(root, lib));
        }
    }
    if (busybox) for (const applet of ["sh", "sleep"]) fs.symlinkSync("busybox", path.join(root, "bin", applet));
    docker(["import", "-", tag], execFileSync("tar", ["-C", root, "-c", "."], { maxBuffer: 256 * 1024 * 1024 }));
    return busybox ? `busybox (${busybox})` : "this machine's sh and sleep";
}

const problem = daemonProblem();
const LABEL = "cdc-test-infra.test=crash-logs";

describeIfAvailable("crash logs on a real Docker daemon", [problem])("the crashed run's output in a gate's report (real Docker daemon)", () => {
    const id = randomBytes(4).toString("hex");
    const image = `cdc-test-infra-test/crash-logs:${id}`;
    const marker = `KerberosAuthException: crash marker ${id}`;

    /** Every run: 30 lines of preamble at once, `runSeconds` of work, the crash line on stderr, exit 3. */
    function startCrashLooping(name: string, runSeconds: number): void {
        const script = [
            "i=1",
            'while [ "$i" -le 30 ]; do echo "preamble line $i: classpath banner of a starting daemon"; i=$((i+1)); done',
            `sleep ${runSeconds}`,
            `echo "FATAL org.apache.hadoop.security.$MARKER" >&2`,
            "exit 3",
        ].join("\n");
        docker(["run", "-d", "--name", name, "--label", LABEL, "--restart", "always", "-e", `MARKER=${marker}`, image, "/bin/sh", "-c", script]);
    }

    const state = (name: string) => JSON.parse(docker(["inspect", "--format", "{{json .State}}", name])) as { Status: string; FinishedAt: string };
    const restartCount = (name: string) => Number(docker(["inspect", "--format", "{{.RestartCount}}", name]).trim());
    const plainTail = (name: string) => {
        const r = spawnSync(DOCKER!, ["logs", "--tail", "20", name], { encoding: "utf8" });
        return r.stdout + r.stderr;
    };

    beforeAll(() => {
        // eslint-disable-next-line no-console
        console.log(`crash logs: image ${image} from ${buildImage(image)}; daemon ${docker(["version", "--format", "{{.Server.Version}}"]).trim()}`);
    }, 120_000);
    afterAll(async () => {
        await stopAll();
        const leftovers = docker(["ps", "-aq", "--filter", `label=${LABEL}`]).split("\n").filter(Boolean);
        if (leftovers.length > 0) docker(["rm", "-f", ...leftovers]);
        spawnSync(DOCKER!, ["rmi", "-f", image]);
    }, 60_000);

    test("once it runs again, --tail 20 misses the crash line; the report shows the crashed run, ending with it, and its exit code", async () => {
        const name = `cdc-crash-logs-${id}-a`;
        startCrashLooping(name, 2);
        // Running again after a crash, the new run's 30 lines of preamble printed.
        await waitFor("the container running again after a crash, its tail all preamble", async () => {
            if (state(name).Status !== "running" || restartCount(name) < 1) return undefined;
            const tail = plainTail(name);
            return !tail.includes(marker) && tail.split("\n").filter(Boolean).length === 20 ? true : undefined;
        }, 30_000, 50);
        const finishedAt = state(name).FinishedAt;
        const tailUntil = spawnSync(DOCKER!, ["logs", "--tail", "20", "--until", finishedAt, name], { encoding: "utf8" });
        const report = await containerLogTails([name], process.env);
        // eslint-disable-next-line no-console
        console.log(`crash logs: \`docker logs --tail 20 --until ${finishedAt}\` (RFC3339Nano from inspect) exited ${tailUntil.status} with ` +
            `${(tailUntil.stdout + tailUntil.stderr).split("\n").filter(Boolean).length} lines; the report:\n${report}`);
        expect(tailUntil.status).toBe(0); // the daemon takes inspect's timestamp
        expect(report).toContain(marker);
        // Usually the previous run (running again); the next crash may have come in between (then the run that exited).
        expect(report).toMatch(new RegExp(`^--- last 20 log lines of container ${name}, from its (previous run, which exited|run that exited) with code 3 at `, "m"));
        const crashed = report.split("\n");
        const at = crashed.findIndex((l) => l.includes(marker));
        expect(crashed[at - 1]).toBe("preamble line 30: classpath banner of a starting daemon");
    }, 60_000);

    test("the gate's probe, run as the gate runs it, fails within seconds of the crash and shows the crash line", async () => {
        const name = `cdc-crash-logs-${id}-b`;
        const argv = probeArgv({ service: "spark", url: `http://${LOOPBACK}:${await freePort()}`, expectedWorkers: 1 },
            { timeoutSeconds: 120, intervalMs: 100, containers: [name] });
        startCrashLooping(name, 3);
        const started = Date.now();
        const probe = startProcess("/bin/sh", ["-c", probeShellCommand(argv)], {
            cwd: PROJECT_ROOT,
            env: { PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` },
        });
        const code = await new Promise<number | null>((resolve) => probe.child.once("close", resolve));
        const failedAfter = Date.now() - started;
        const tailNow = plainTail(name);
        const output = probe.output();
        // eslint-disable-next-line no-console
        console.log(`crash logs: the gate failed ${failedAfter} ms after the container started (its first run crashes after 3 s); ` +
            `\`docker logs --tail 20\` just after ${tailNow.includes(marker) ? "still showed" : "no longer showed"} the crash line; the gate's output:\n${output}`);
        expect(code).toBe(1);
        expect(failedAfter).toBeLessThan(15_000);
        expect(output).toContain(`spark is not ready at http://${LOOPBACK}:`);
        expect(output).toMatch(new RegExp(`container ${name} (is crash-looping: it exited with code 3|crashed and was restarted)`));
        expect(output).toMatch(new RegExp(`--- last 20 log lines of container ${name}, from its (previous run, which exited|run that exited) with code 3 at `));
        expect(output).toContain(`FATAL org.apache.hadoop.security.${marker}`);
    }, 60_000);
});
