// A crash report shows the output of the run that crashed. Here a stand-in Docker daemon (in memory)
// keeps a container's log as json-file does: `--tail N` takes the log's last N lines first, and
// `--since`/`--until` filter those after. Its container ran once, printed a preamble and then the
// crash, and runs again under its restart policy, the new run's preamble filling the tail.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { ContainerState, DockerRunner } from "../../probe/containers";
import { containerLogReport, dockerLogReader, mergeLogLines, nanosOf, rfc3339Nano, RUN_END_MARGIN_NS, type LogReader } from "../../probe/logs";
import { containerLogTails } from "../../probe/main";

interface Entry { at: bigint; stream: "stdout" | "stderr"; text: string }

const S = 1_000_000_000n;
const MS = 1_000_000n;
const T0 = nanosOf("2026-03-01T10:00:00Z")!;
const CRASH = "org.apache.hadoop.security.KerberosAuthException: failure to login: javax.security.auth.login.LoginException";

class StandInDocker {
    log: Entry[] = [];
    dies: Array<{ at: bigint; exitCode: number }> = [];
    calls: string[][] = [];
    state: ContainerState = { name: "/c1", status: "running", restarting: false, exitCode: 0, restartCount: 0 };
    inspectFails = false;
    eventsFail = false;

    print(at: bigint, stream: Entry["stream"], text: string) { this.log.push({ at, stream, text }); }

    readonly cli: DockerRunner = async (args) => {
        this.calls.push(args);
        if (args[0] === "inspect") {
            if (this.inspectFails) throw Object.assign(new Error("exit 1"), { stderr: "Cannot connect to the Docker daemon" });
            return JSON.stringify(this.state) + "\n";
        }
        if (args[0] === "events") {
            if (this.eventsFail) throw new Error("events: exit 1");
            const since = nanosOf(args[args.indexOf("--since") + 1])!;
            const until = nanosOf(args[args.indexOf("--until") + 1])!;
            return this.dies.filter((d) => d.at >= since && d.at <= until).map((d) => `${d.exitCode}\n`).join("");
        }
        throw new Error(`unexpected docker ${args.join(" ")}`);
    };

    readonly logs: LogReader = async (args, keep) => {
        this.calls.push(args);
        const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
        // json-file: the tail first, then the time filters.
        let entries = opt("--tail") === undefined ? this.log : this.log.slice(-Number(opt("--tail")));
        const since = nanosOf(opt("--since"));
        const until = nanosOf(opt("--until"));
        entries = entries.filter((e) => (since === undefined || e.at >= since) && (until === undefined || e.at <= until));
        const show = (e: Entry) => (args.includes("--timestamps") ? `${rfc3339Nano(e.at)} ${e.text}` : e.text);
        return {
            stdout: entries.filter((e) => e.stream === "stdout").map(show).slice(-keep),
            stderr: entries.filter((e) => e.stream === "stderr").map(show).slice(-keep),
        };
    };

    /** One run of the container from `start`: `lines` of preamble at once, then (if `crashAfter`) the crash line and an exit with `code`. */
    run(start: bigint, lines: number, crashAfter?: bigint, code = 1): bigint | undefined {
        for (let i = 1; i <= lines; i++) this.print(start + BigInt(i) * 1000n, "stdout", `preamble ${i} of the run started ${rfc3339Nano(start)}`);
        if (crashAfter === undefined) return undefined;
        this.print(start + crashAfter, "stderr", CRASH);
        const end = start + crashAfter + 3n * MS; // the exit comes moments after the last line
        this.dies.push({ at: end, exitCode: code });
        return end;
    }
}

/** The container crashed once and runs again: `docker logs --tail 20` shows only the new run. */
function restartedOnce(preamble = 30): { docker: StandInDocker; finished: bigint; restarted: bigint } {
    const docker = new StandInDocker();
    const finished = docker.run(T0, preamble, 2n * S)!;
    const restarted = finished + 300n * MS;
    // A new run's first lines can be logged a moment before inspect's StartedAt (set once the task runs).
    docker.run(restarted - 1n * MS, preamble);
    docker.state = { name: "/c1", status: "running", restarting: false, exitCode: 0, restartCount: 1,
        startedAt: rfc3339Nano(restarted), finishedAt: rfc3339Nano(finished) };
    return { docker, finished, restarted };
}

const sectionOf = (report: string, header: RegExp): string[] => {
    const parts = report.split(/^(?=--- )/m);
    const part = parts.find((p) => header.test(p.split("\n")[0]!));
    if (!part) throw new Error(`no section ${header} in:\n${report}`);
    return part.trimEnd().split("\n").slice(1);
};

describe("the stand-in daemon behaves as json-file does", () => {
    test("after a restart, --tail 20 (with or without --until the crash) misses the crash line", async () => {
        const { docker, finished } = restartedOnce();
        const plain = mergeLogLines(await docker.logs(["logs", "--tail", "20", "c1"], 20), 20);
        expect(plain).toHaveLength(20);
        expect(plain.join("\n")).not.toContain(CRASH);
        const naive = mergeLogLines(await docker.logs(["logs", "--tail", "20", "--until", rfc3339Nano(finished), "c1"], 20), 20);
        expect(naive).toEqual([]);
    });
});

describe("containerLogReport", () => {
    test("a container running again after a crash: the crashed run's last lines, ending with the crash, its exit code; then the current run's", async () => {
        const { docker, finished, restarted } = restartedOnce();
        const report = await containerLogReport("c1", docker.cli, docker.logs, 20);
        const previous = sectionOf(report, /from its previous run/);
        expect(report.split("\n")[0]).toBe(`--- last 20 log lines of container c1, from its previous run, which exited with code 1 at ${rfc3339Nano(finished)}` +
            " (restarted 1 time by its restart policy) ---");
        expect(previous).toHaveLength(20);
        expect(previous.at(-1)).toBe(CRASH);
        expect(previous.slice(0, -1).every((l) => l.endsWith(`run started ${rfc3339Nano(T0)}`))).toBe(true);
        const current = sectionOf(report, /from its current run/);
        expect(report).toContain(`--- last 20 log lines of container c1, from its current run, started at ${rfc3339Nano(restarted)} ---`);
        expect(current).toHaveLength(20);
        expect(current.every((l) => l.endsWith(`run started ${rfc3339Nano(restarted - 1n * MS)}`))).toBe(true);
        // The exit code of the run that ended comes from its die event (inspect says 0 while it runs again).
        expect(docker.calls.find((c) => c[0] === "events")).toEqual(["events", "--since", rfc3339Nano(finished - S), "--until", rfc3339Nano(restarted),
            "--filter", "container=c1", "--filter", "event=die", "--format", "{{.Actor.Attributes.exitCode}}"]);
    });

    test("the crashed run's tail is one call when the log ends with it, and read up to its end when a new run has logged since", async () => {
        const { docker, finished } = restartedOnce();
        await containerLogReport("c1", docker.cli, docker.logs, 20);
        const until = rfc3339Nano(finished + RUN_END_MARGIN_NS);
        expect(docker.calls.filter((c) => c[0] === "logs")).toEqual([
            ["logs", "--tail", "20", "--timestamps", "--until", until, "c1"],
            ["logs", "--timestamps", "--until", until, "c1"],
            ["logs", "--tail", "20", "--timestamps", "--since", until, "c1"],
        ]);
        const exited = new StandInDocker();
        const end = exited.run(T0, 30, 2n * S, 137)!;
        exited.state = { name: "/c1", status: "exited", restarting: false, exitCode: 137, restartCount: 0, startedAt: rfc3339Nano(T0), finishedAt: rfc3339Nano(end) };
        const report = await containerLogReport("c1", exited.cli, exited.logs, 20);
        expect(exited.calls.filter((c) => c[0] === "logs")).toHaveLength(1);
        expect(report.split("\n")[0]).toBe(`--- last 20 log lines of container c1, from its run that exited with code 137 at ${rfc3339Nano(end)} ---`);
        expect(report.split("\n").at(-1)).toBe(CRASH);
    });

    test("being restarted: the run that crashed, with its exit code, also if the next run starts while the logs are read", async () => {
        const docker = new StandInDocker();
        const end = docker.run(T0, 30, 2n * S, 3)!;
        docker.state = { name: "/c1", status: "restarting", restarting: true, exitCode: 3, restartCount: 2, startedAt: rfc3339Nano(T0), finishedAt: rfc3339Nano(end) };
        docker.run(end + 150n * MS, 30); // the restart happened between inspect and logs
        const report = await containerLogReport("c1", docker.cli, docker.logs, 20);
        expect(report.split("\n")[0]).toBe(`--- last 20 log lines of container c1, from its run that exited with code 3 at ${rfc3339Nano(end)} ` +
            "(being restarted by its restart policy; restarted 2 times so far) ---");
        expect(report.split("\n").at(-1)).toBe(CRASH);
        expect(report).not.toContain(`run started ${rfc3339Nano(end + 150n * MS)}`);
    });

    test("a crashed run with fewer lines than asked shows them all; its stdout and stderr in the order they were logged", async () => {
        const docker = new StandInDocker();
        docker.print(T0 + 1n, "stdout", "starting");
        docker.print(T0 + 2n, "stderr", "warning: x");
        docker.print(T0 + 3n, "stdout", "still starting");
        docker.print(T0 + 4n, "stderr", "fatal: y");
        docker.state = { name: "/c1", status: "exited", restarting: false, exitCode: 2, restartCount: 0, startedAt: rfc3339Nano(T0), finishedAt: rfc3339Nano(T0 + 5n * MS) };
        const report = await containerLogReport("c1", docker.cli, docker.logs, 20);
        expect(report.split("\n").slice(1)).toEqual(["starting", "warning: x", "still starting", "fatal: y"]);
    });

    test("a running container that never exited, or Docker cannot tell: its last lines, as before", async () => {
        const docker = new StandInDocker();
        docker.run(T0, 30);
        docker.state = { name: "/c1", status: "running", restarting: false, exitCode: 0, restartCount: 0, startedAt: rfc3339Nano(T0), finishedAt: "0001-01-01T00:00:00Z" };
        const report = await containerLogReport("c1", docker.cli, docker.logs, 20);
        expect(report.split("\n")[0]).toBe("--- last 20 log lines of container c1 ---");
        expect(report.split("\n")).toHaveLength(21);
        expect(docker.calls.filter((c) => c[0] === "logs")).toEqual([["logs", "--tail", "20", "c1"]]);
        docker.inspectFails = true;
        expect((await containerLogReport("c1", docker.cli, docker.logs, 20)).split("\n")[0]).toBe("--- last 20 log lines of container c1 ---");
    });

    test("without the die event the exit code is said to be unknown; without a docker CLI, as before", async () => {
        const { docker } = restartedOnce();
        docker.eventsFail = true;
        expect((await containerLogReport("c1", docker.cli, docker.logs, 20)).split("\n")[0]).toContain("from its previous run, which exited (exit code unknown) at");
        const missing = Object.assign(new Error("spawn docker ENOENT"), { code: "ENOENT" });
        const noCli: DockerRunner = async () => { throw missing; };
        const noLogs: LogReader = async () => { throw missing; };
        expect(await containerLogReport("c1", noCli, noLogs)).toBe("--- container c1: no docker CLI on the PATH, logs not shown ---");
    });

    test("containerLogTails reports every container of the gate", async () => {
        const { docker } = restartedOnce();
        const text = await containerLogTails(["c1", "c1"], {}, 20, { cli: docker.cli, logs: docker.logs });
        expect(text.split("\n").filter((l) => l.includes(CRASH))).toHaveLength(2);
    });
});

describe("dockerLogReader (a stand-in docker on the PATH)", () => {
    let bin: string;
    beforeEach(() => {
        bin = fs.mkdtempSync(path.join(os.tmpdir(), "stand-in-docker-"));
        // 100000 lines on stdout, 3 on stderr; `fail` as the first argument: an error and exit 1.
        fs.writeFileSync(path.join(bin, "docker"), [
            "#!/bin/sh",
            `[ "$1" = fail ] && { echo 'Error response from daemon: No such container: c9' >&2; exit 1; }`,
            "seq 1 100000", "echo e1 >&2; echo e2 >&2; printf e3 >&2", "",
        ].join("\n"), { mode: 0o755 });
    });
    afterEach(() => fs.rmSync(bin, { recursive: true, force: true }));

    test("keeps the last lines of each stream of a long log", async () => {
        const lines = await dockerLogReader({ PATH: `${bin}:/usr/bin:/bin` })(["logs", "c1"], 5);
        expect(lines).toEqual({ stdout: ["99996", "99997", "99998", "99999", "100000"], stderr: ["e1", "e2", "e3"] });
    });
    test("rejects with the CLI's error on a non-zero exit, and with ENOENT without a CLI", async () => {
        await expect(dockerLogReader({ PATH: `${bin}:/usr/bin:/bin` })(["fail"], 5)).rejects.toMatchObject({ stderr: "Error response from daemon: No such container: c9" });
        await expect(dockerLogReader({ PATH: fs.mkdtempSync(path.join(os.tmpdir(), "empty-path-")) })(["logs", "c1"], 5)).rejects.toMatchObject({ code: "ENOENT" });
    });
});

describe("timestamps", () => {
    test("RFC3339Nano as inspect gives it (trailing zeros dropped) round-trips to nanoseconds", () => {
        expect(rfc3339Nano(nanosOf("2026-12-02T00:38:59.41097148Z")!)).toBe("2026-12-02T00:38:59.410971480Z");
        expect(rfc3339Nano(nanosOf("2026-12-02T00:38:59Z")! + 1n)).toBe("2026-12-02T00:38:59.000000001Z");
        expect(nanosOf("0001-01-01T00:00:00Z")).toBeUndefined();
        expect(nanosOf("yesterday")).toBeUndefined();
    });
});
