// scripts/ and .ci/run: the facts CI rests on.
//   - every apt-get waits for the dpkg/apt locks (on a fresh machine unattended upgrades hold them,
//     and apt-get without a timeout fails at once: "Could not get lock /var/lib/dpkg/lock-frontend", exit 100);
//   - bootstrap installs Docker and debootstrap, and builds the container images only when a daemon answers;
//   - .ci/run starts dockerd (scripts/images/start-dockerd.sh) and builds the images before the README's
//     test command, which stays its last line.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const SCRIPTS = path.join(ROOT, "scripts");
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), "utf8");
/** The lines a shell runs: no blank lines, no comments. */
const commandLines = (text: string) => text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));

function shellScripts(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) return shellScripts(full);
        return e.name.endsWith(".sh") ? [full] : [];
    });
}

test("every apt-get command in scripts/ (and below) passes DPkg::Lock::Timeout", () => {
    const calls: string[] = [];
    const files = shellScripts(SCRIPTS);
    expect(files.map((f) => path.relative(SCRIPTS, f))).toEqual(expect.arrayContaining(["bootstrap.sh", "images/rootfs.sh"]));
    for (const full of files) {
        const file = path.relative(SCRIPTS, full);
        const text = fs.readFileSync(full, "utf8");
        // The option may be spelled out or held in an array the call expands.
        const arrays = [...text.matchAll(/^\s*(\w+)=\(([^)]*DPkg::Lock::Timeout=\d+[^)]*)\)/gm)].map((m) => m[1]);
        // Commands only: not comments, not echo lines that mention apt-get.
        for (const line of text.split("\n").filter((l) => /\bapt-get\b/.test(l) && !/^\s*(#|echo\b)/.test(l))) {
            calls.push(line.trim());
            const waits = /DPkg::Lock::Timeout=\d+/.test(line) || arrays.some((a) => line.includes(`"\${${a}[@]}"`));
            expect({ file, line: line.trim(), waits }).toEqual({ file, line: line.trim(), waits: true });
        }
    }
    expect(calls.length).toBeGreaterThanOrEqual(5); // bootstrap's update and install; the image rootfs's update, install, clean
});

describe("scripts/bootstrap.sh", () => {
    const text = read("scripts/bootstrap.sh");
    const lines = commandLines(text);

    it("installs Debian's docker.io and debootstrap with the other apt packages", () => {
        const packages = [...text.matchAll(/^APT_PACKAGES\+?=\(([^)]*)\)/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
        expect(packages).toEqual(expect.arrayContaining(["docker.io", "debootstrap", "mariadb-server", "postgresql"]));
    });

    it("keeps a Docker engine already installed (docker.io would conflict with docker-ce): skips docker.io when dockerd exists", () => {
        const loop = text.slice(text.indexOf('for pkg in "${APT_PACKAGES[@]}"'), text.indexOf("done", text.indexOf('for pkg in "${APT_PACKAGES[@]}"')));
        expect(loop).toMatch(/\[ "\$pkg" != docker\.io \] \|\| ! command -v dockerd >\/dev\/null \|\| continue/);
    });

    it("builds the images only when a daemon answers `docker info`, after the .venv (pyspark) exists, and never fails without one", () => {
        const build = lines.findIndex((l) => l === "bash scripts/images/build.sh");
        expect(build).toBeGreaterThan(lines.findIndex((l) => l.includes(".venv/bin/pip install")));
        expect(lines[build - 1]).toBe("if docker info >/dev/null 2>&1; then");
        expect(lines[build + 1]).toBe("else");
        expect(lines[build + 2]).toMatch(/^echo "bootstrap: no Docker daemon answers/);
        expect(lines.slice(build + 2).find((l) => l === "fi")).toBe("fi");
        // The only other mention of the daemon in bootstrap is the guard itself: nothing else may need it.
        expect(lines.filter((l) => /\bdocker (info|build|import|run)\b/.test(l) && !l.startsWith("echo "))).toEqual(["if docker info >/dev/null 2>&1; then"]);
    });
});

describe(".ci/run", () => {
    const lines = commandLines(read(".ci/run"));
    const readmeCommand = read("README.md").split("\n").map((l) => l.match(/^bash scripts\/bootstrap\.sh && (.+)$/)?.[1]).find(Boolean);

    it("ends with exactly the README's test command, after bootstrap, dockerd and the image build", () => {
        expect(readmeCommand).toBe('PATH="$PWD/.tools/bin:$PATH" npm test');
        expect(lines[lines.length - 1]).toBe(readmeCommand);
        const at = (cmd: string) => lines.indexOf(cmd);
        const order = ["bash scripts/bootstrap.sh", "bash scripts/images/start-dockerd.sh", "bash scripts/images/build.sh",
            "export CDC_REQUIRE_INTEGRATION=1", readmeCommand!].map(at);
        expect(order.every((i) => i >= 0)).toBe(true);
        expect([...order].sort((a, b) => a - b)).toEqual(order);
    });
});

describe("scripts/images/start-dockerd.sh (stub docker and dockerd)", () => {
    const SCRIPT = path.join(SCRIPTS, "images", "start-dockerd.sh");
    let dir: string;
    const pidsToKill: number[] = [];

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-dockerd-"));
    });
    afterEach(() => {
        for (const pid of pidsToKill.splice(0)) {
            try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
        }
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Runs the script with only the stubs and the basic tools it uses on PATH. */
    function run(dockerd: string | undefined, waitSeconds = 5) {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        for (const tool of ["bash", "sh", "setsid", "sleep", "tail", "mkdir", "dirname", "id", "touch", "cat"]) {
            const found = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
            if (!found) throw new Error(`${tool} not found`);
            fs.symlinkSync(found, path.join(bin, tool));
        }
        const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        stub("docker", '[ "$1" = info ] || exit 2\n[ -e "$STATE/up" ] || { echo "Cannot connect to the Docker daemon" >&2; exit 1; }');
        stub("sudo", 'exec "$@"');
        if (dockerd !== undefined) stub("dockerd", `echo $$ >"$STATE/dockerd.pid"\necho "dockerd $*" >"$STATE/dockerd.args"\n${dockerd}`);
        const log = path.join(dir, "dockerd.log");
        const res = spawnSync(path.join(bin, "bash"), [SCRIPT], {
            encoding: "utf8", timeout: 30_000,
            env: { PATH: bin, STATE: dir, CDC_DOCKERD_LOG: log, CDC_DOCKERD_WAIT_SECONDS: String(waitSeconds) },
        });
        const pidFile = path.join(dir, "dockerd.pid");
        if (fs.existsSync(pidFile)) pidsToKill.push(Number(fs.readFileSync(pidFile, "utf8")));
        return { code: res.status, out: res.stdout + res.stderr, started: fs.existsSync(pidFile), log: fs.existsSync(log) ? fs.readFileSync(log, "utf8") : undefined };
    }

    it("starts nothing when a daemon answers already", () => {
        fs.writeFileSync(path.join(dir, "up"), "");
        const r = run('touch "$STATE/started-anyway"');
        expect(r).toMatchObject({ code: 0, started: false, log: undefined });
        expect(r.out).toContain("a daemon answers already");
    });

    it("starts dockerd in the background, logging to the file, and returns once `docker info` answers", () => {
        const r = run('echo "API listen on /var/run/docker.sock"\nsleep 1\ntouch "$STATE/up"\nexec sleep 60');
        expect(r.code).toBe(0);
        expect(r.started).toBe(true);
        expect(r.log).toContain("API listen on /var/run/docker.sock");
        expect(r.out).toMatch(/dockerd: ready after \d+ s/);
    });

    it("fails at once, with the log's end, when dockerd exits before answering", () => {
        const started = Date.now();
        const r = run('echo "failed to start daemon: stub says no" >&2\nexit 1', 20);
        expect(r.code).toBe(1);
        expect(r.out).toContain("the daemon exited before it answered");
        expect(r.out).toContain("failed to start daemon: stub says no");
        expect(Date.now() - started).toBeLessThan(10_000);
    });

    it("fails after its patience when dockerd runs but never answers", () => {
        const r = run("exec sleep 60", 1);
        expect(r.code).toBe(1);
        expect(r.started).toBe(true);
        expect(r.out).toContain("no answer to 'docker info' after 1 s");
    });

    it("fails saying what to install when there is no dockerd", () => {
        const r = run(undefined);
        expect(r.code).toBe(1);
        expect(r.out).toContain("dockerd is not installed (bash scripts/bootstrap.sh installs docker.io)");
    });
});
