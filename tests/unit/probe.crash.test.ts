// The probe notices a crashed container through Docker (a stand-in `docker` on the PATH here) and
// fails at once with its state and last log lines, instead of waiting out its timeout.
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { probeArgv } from "../../lib/probes";
import { crashOf, crashWatch, type ContainerState, type DockerRunner } from "../../probe/containers";
import { main } from "../../probe/main";

const state = (over: Partial<ContainerState>): ContainerState =>
    ({ name: "c1", status: "running", restarting: false, exitCode: 0, restartCount: 0, ...over });

describe("crashOf", () => {
    const none = new Map<string, number>();
    test("a running container that has not restarted may still become ready", () => {
        expect(crashOf([state({})], new Map([["c1", 0]]))).toBeUndefined();
        // Restarted before this probe began (a crash long ago): not this probe's concern.
        expect(crashOf([state({ restartCount: 2 })], new Map([["c1", 2]]))).toBeUndefined();
    });
    test("exited, restarting, or restarted since the first look is a crash, with exit code and count", () => {
        expect(crashOf([state({ status: "exited", exitCode: 1 })], none)).toBe("container c1 has exited with code 1");
        expect(crashOf([state({ status: "restarting", restarting: true, exitCode: 1, restartCount: 3 })], none))
            .toBe("container c1 is crash-looping: it exited with code 1 and is being restarted (restarted 3 times by its restart policy)");
        expect(crashOf([state({ restartCount: 1, exitCode: 137 })], new Map([["c1", 0]])))
            .toBe("container c1 crashed and was restarted (restarted 1 time by its restart policy)");
    });
    test("any one crashed container of several is named", () => {
        expect(crashOf([state({}), state({ name: "c2", status: "dead", exitCode: 2 })], none)).toBe("container c2 has exited with code 2");
    });
});

describe("crashWatch", () => {
    test("looks at most once per interval and stays silent where docker cannot tell", async () => {
        let t = 0;
        const calls: string[][] = [];
        const failing: DockerRunner = async (args) => { calls.push(args); throw new Error("Cannot connect to the Docker daemon"); };
        const watch = crashWatch(["c1"], failing, 1_000, () => t);
        expect(await watch()).toBeUndefined();
        t = 500;
        expect(await watch()).toBeUndefined();
        expect(calls).toHaveLength(1);
        t = 1_000;
        await watch();
        expect(calls).toHaveLength(2);
        expect(calls[0].slice(0, 2)).toEqual(["inspect", "--format"]);
        expect(calls[0].at(-1)).toBe("c1");
    });
    test("takes the restart count of its first look as the baseline", async () => {
        const states = [state({ restartCount: 4 }), state({ restartCount: 4 }), state({ restartCount: 5, exitCode: 1 })];
        let i = 0;
        const docker: DockerRunner = async () => JSON.stringify(states[i++]) + "\n";
        const watch = crashWatch(["c1"], docker, 0);
        expect(await watch()).toBeUndefined();
        expect(await watch()).toBeUndefined();
        expect(await watch()).toBe("container c1 crashed and was restarted (restarted 5 times by its restart policy)");
    });
});

describe("the probe with a stand-in docker", () => {
    let bin: string;
    let stateFile: string;
    let stderr: string[];
    let spy: jest.SpyInstance;
    beforeEach(() => {
        bin = fs.mkdtempSync(path.join(os.tmpdir(), "stand-in-docker-"));
        stateFile = path.join(bin, "state.json");
        // inspect prints the state file (as `docker inspect --format` would, one line per container); logs prints a crash log.
        fs.writeFileSync(path.join(bin, "docker"), [
            "#!/bin/sh",
            `case "$1" in`,
            `  inspect) cat '${stateFile}' ;;`,
            `  logs) echo "[ERROR] mysqld: unknown variable 'no-such-option=1'"; echo '[ERROR] Aborting' >&2 ;;`,
            "esac", "",
        ].join("\n"), { mode: 0o755 });
        stderr = [];
        spy = jest.spyOn(process.stderr, "write").mockImplementation((s: any) => { stderr.push(String(s)); return true; });
    });
    afterEach(() => { spy.mockRestore(); fs.rmSync(bin, { recursive: true, force: true }); });

    /** A loopback port nothing listens on. */
    async function deadPort(): Promise<number> {
        return new Promise((resolve) => {
            const s = net.createServer().listen(0, "127.0.0.1", () => {
                const { port } = s.address() as net.AddressInfo;
                s.close(() => resolve(port));
            });
        });
    }

    test("a container that crashes while the gate waits fails the gate within seconds, not at the timeout, with its logs", async () => {
        const running = { name: "/cdc-test-infra-dev-alertmanager", status: "running", restarting: false, exitCode: 0, restartCount: 0 };
        fs.writeFileSync(stateFile, JSON.stringify(running) + "\n");
        const argv = probeArgv({ service: "alertmanager", url: `http://127.0.0.1:${await deadPort()}`, routeReceiver: "r" },
            { timeoutSeconds: 300, intervalMs: 100, containers: ["cdc-test-infra-dev-alertmanager"] });
        const crashAt = Date.now() + 1_500;
        setTimeout(() => fs.writeFileSync(stateFile, JSON.stringify({ ...running, status: "restarting", restarting: true, exitCode: 1, restartCount: 1 }) + "\n"),
            crashAt - Date.now());
        const code = await main(argv, { PATH: `${bin}:/usr/bin:/bin` });
        const detectedAfterMs = Date.now() - crashAt;
        const text = stderr.join("");
        expect(code).toBe(1);
        expect(detectedAfterMs).toBeLessThan(10_000);
        expect(text).toContain("gave up, waiting cannot help");
        expect(text).toContain("last observed: container cdc-test-infra-dev-alertmanager is crash-looping: it exited with code 1 and is being restarted");
        expect(text).toContain("--- last 20 log lines of container cdc-test-infra-dev-alertmanager ---");
        expect(text).toContain("unknown variable 'no-such-option=1'");
    }, 30_000);

    test("port 0 (no port published: the container was not running) fails at once with the container's state and logs", async () => {
        fs.writeFileSync(stateFile, JSON.stringify({ name: "/m", status: "restarting", restarting: true, exitCode: 1, restartCount: 2 }) + "\n");
        const argv = probeArgv({ service: "mysql", host: "127.0.0.1", port: 0, flavor: "mysql", cdcUser: "cdc" },
            { timeoutSeconds: 300, intervalMs: 100, containers: ["m"] });
        const started = Date.now();
        const code = await main(argv, { PATH: `${bin}:/usr/bin:/bin`, PROBE_MYSQL_ROOT_PASSWORD: "a", PROBE_MYSQL_CDC_PASSWORD: "b" });
        const text = stderr.join("");
        expect(code).toBe(1);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(text).toContain("mysql is not ready at 127.0.0.1:0: gave up, waiting cannot help (1 attempt)");
        expect(text).toContain("container m is crash-looping: it exited with code 1 and is being restarted (restarted 2 times by its restart policy); " +
            "last answer: no host port was published: the container was not running when its ports were read");
        expect(text).toContain("--- last 20 log lines of container m ---");
    }, 30_000);
});
