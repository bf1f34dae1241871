// The shared directory and the Spark containers' user from settings and host facts; the remote-daemon rule.
import { daemonIsLocal, defaultSharedDir, type HostFacts } from "../../lib/hostFacts";
import { parseSettings, SettingsError } from "../../lib/settings";

const LOCAL: HostFacts = { uid: 1001, gid: 1002, projectRoot: "/home/dev/cdc-test-infra" };
const remote = (value: string, source = "DOCKER_HOST"): HostFacts => ({ ...LOCAL, dockerHost: { value, source } });
const spark = (raw: Record<string, string>, host: HostFacts = LOCAL, stack = "dev") => parseSettings(raw, "cdc-test-infra", stack, host).spark;
function problemsOf(raw: Record<string, string>, host: HostFacts): string[] {
    try {
        parseSettings(raw, "cdc-test-infra", "dev", host);
    } catch (err) {
        expect(err).toBeInstanceOf(SettingsError);
        return (err as SettingsError).problems;
    }
    throw new Error("expected a SettingsError");
}

describe("which daemons are on this machine", () => {
    test.each([
        [undefined, true], ["unix:///var/run/docker.sock", true], ["npipe:////./pipe/docker_engine", true],
        ["tcp://127.0.0.1:2375", true], ["tcp://localhost:2376", true], ["tcp://[::1]:2375", true], ["ssh://me@localhost", true],
        ["tcp://10.1.2.3:2376", false], ["ssh://ci@build-host.example", false], ["tcp://docker:2375", false], ["not a url", false],
    ])("%s -> local %s", (dockerHost, local) => {
        expect(daemonIsLocal(dockerHost)).toBe(local);
    });
});

describe("host drivers on a local daemon", () => {
    test("auto: a directory per stack inside the project, and the program's own uid:gid", () => {
        expect(spark({})).toMatchObject({ sharedDir: "/home/dev/cdc-test-infra/.cdc-shared/dev", user: "1001:1002" });
        expect(spark({}, LOCAL, "pr-9").sharedDir).toBe(defaultSharedDir(LOCAL.projectRoot, "pr-9"));
        expect(spark({}, { ...LOCAL, dockerHost: { value: "unix:///run/user/1001/docker.sock", source: "DOCKER_HOST" } }).sharedDir)
            .toBe("/home/dev/cdc-test-infra/.cdc-shared/dev");
    });
    test("explicit directory and user are taken as given; image keeps the image's user", () => {
        expect(spark({ sparkSharedDir: "/srv/cdc/delta", sparkUser: "2000:3000" })).toMatchObject({ sharedDir: "/srv/cdc/delta", user: "2000:3000" });
        expect(spark({ sparkUser: "image" }).user).toBeUndefined();
    });
    test("empty switches host drivers off, and with them the user change", () => {
        const s = spark({ sparkSharedDir: "" });
        expect(s.sharedDir).toBeUndefined();
        expect(s.user).toBeUndefined();
        expect(s.sharedDirOffReason).toBeUndefined();
        expect(spark({ sparkSharedDir: "", sparkUser: "2000:3000" }).user).toBe("2000:3000");
    });
    test("bad values are refused, naming the key and what is allowed", () => {
        const problems = problemsOf({ sparkSharedDir: "relative/dir", sparkUser: "alice" }, LOCAL);
        expect(problems).toEqual([
            'sparkSharedDir = "relative/dir": expected auto, empty, or an absolute path of letters, digits and _ . @ + - (no .. segments, no trailing /)',
            'sparkUser = "alice": expected auto, image, or <uid>:<gid> as numbers, e.g. 1000:1000',
        ]);
        for (const dir of ["/", "/a/../etc", "/a/b/", "/has space", "/a:b"]) {
            expect(problemsOf({ sparkSharedDir: dir }, LOCAL)).toEqual([expect.stringMatching(/^sparkSharedDir = .*: expected auto, empty, or an absolute path/)]);
        }
        expect(problemsOf({ sparkUser: "1:99999999999" }, LOCAL)).toEqual([expect.stringContaining("sparkUser = \"1:99999999999\"")]);
    });
    test("auto on a platform without uids asks for an explicit user", () => {
        expect(problemsOf({}, { projectRoot: "C:/repo" })).toEqual([expect.stringMatching(/^sparkUser = "auto": this platform reports no uid\/gid .* set sparkUser to <uid>:<gid>/)]);
    });
});

describe("host drivers on a remote daemon", () => {
    test("auto switches them off, saying why and what works", () => {
        const s = spark({}, remote("tcp://10.1.2.3:2376"));
        expect(s.sharedDir).toBeUndefined();
        expect(s.user).toBeUndefined();
        expect(s.sharedDirOffReason).toMatch(/Docker daemon \(DOCKER_HOST=tcp:\/\/10\.1\.2\.3:2376\) is on another machine/);
        expect(s.sharedDirOffReason).toContain("spark://spark-master:7077");
    });
    test("an explicit directory is refused, naming the settings, the daemon and what works", () => {
        const [problem, ...rest] = problemsOf({ sparkSharedDir: "/srv/cdc" }, remote("ssh://ci@build-host", "docker:host"));
        expect(rest).toEqual([]);
        expect(problem).toMatch(/^sparkSharedDir = "\/srv\/cdc": the Docker daemon \(docker:host=ssh:\/\/ci@build-host\) is on another machine/);
        expect(problem).toContain('Set sparkSharedDir to auto or "" (no host drivers; run drivers inside the stack network, spark://spark-master:7077), or use a Docker daemon on this machine');
    });
    test("an explicit user still applies (drivers inside the network)", () => {
        expect(spark({ sparkUser: "2000:3000" }, remote("tcp://10.1.2.3:2376")).user).toBe("2000:3000");
    });
});
