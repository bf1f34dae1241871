// Host drivers on an ephemeral stack (local daemon, defaults): the shared directory is bind-mounted at
// its own path into every Spark container, the containers run as the program's user, reach the host by
// name, and the directory is made before them and removed with the stack.
import { defaultSharedDir } from "../../lib/hostFacts";
import { PROJECT_ROOT } from "../../lib/paths";
import { SPARK, sparkJarsPackages } from "../../lib/spark";
import { envLinesOf, TEST_ENV_KEYS } from "../../lib/testEnv";
import { byName, COMMAND, CONTAINER, ofType, options, runProgram, useMocks, valueOf } from "./harness";

useMocks({ stack: "pr-7", config: { sparkWorkers: "2" } });
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

const SHARED = defaultSharedDir(PROJECT_ROOT, "pr-7");
const sparkContainers = () => ofType(CONTAINER).filter((c) => c.name.startsWith("spark-"));

test("every Spark container bind-mounts the shared directory at the same absolute path", () => {
    expect(sparkContainers().map((c) => c.name).sort()).toEqual(["spark-master", "spark-worker-1", "spark-worker-2"]);
    for (const c of sparkContainers()) {
        expect({ name: c.name, mounts: c.inputs.mounts }).toEqual({ name: c.name, mounts: [{ type: "bind", source: SHARED, target: SHARED }] });
    }
    expect(SHARED).toBe(`${PROJECT_ROOT}/.cdc-shared/pr-7`);
});

test("Spark containers run as the program's uid:gid, keep the image's group for the data volume, and reach the host by name", () => {
    for (const c of sparkContainers()) {
        expect(c.inputs.user).toBe(`${process.getuid!()}:${process.getgid!()}`);
        expect(c.inputs.groupAdds).toEqual([String(SPARK.imageGid)]);
        expect(c.inputs.hosts).toEqual([{ host: "host.docker.internal", ip: "host-gateway" }]);
    }
    for (const c of ofType(CONTAINER).filter((x) => !x.name.startsWith("spark-"))) {
        expect({ name: c.name, user: c.inputs.user, mounts: c.inputs.mounts }).toEqual({ name: c.name, user: undefined, mounts: undefined });
    }
});

test("the directory is made by a command before any Spark container, and removed on destroy (ephemeral)", () => {
    const dir = byName("spark-shared-dir");
    expect(dir.type).toBe(COMMAND);
    expect(dir.inputs.environment).toEqual({ CDC_SHARED_DIR: SHARED });
    expect(dir.inputs.create).toBe('mkdir -p -- "$CDC_SHARED_DIR"');
    expect(dir.inputs.delete).toMatch(/rm -rf -- "\$CDC_SHARED_DIR"/);
    // The path stays out of the shell text.
    expect(dir.inputs.create + dir.inputs.delete).not.toContain(SHARED);
    expect(options.get("spark-shared-dir")?.parent).toBe("spark");
    for (const c of sparkContainers()) expect(options.get(c.name)?.dependsOn).toContain("spark-shared-dir");
});

test("outputs and env lines: the shared directory, the driver host, the cluster's delta-spark coordinates", async () => {
    expect(await valueOf(out.sparkSharedDir)).toBe(SHARED);
    expect(await valueOf(out.sparkDriverHost)).toBe("host.docker.internal");
    expect(await valueOf(out.sparkJarsPackages)).toBe(sparkJarsPackages());
    expect(sparkJarsPackages()).toMatch(/^io\.delta:delta-spark_2\.12:3\.3\.\d+$/);
    const lines = (await valueOf<string>(out.testEnv))!.split("\n");
    expect(lines).toEqual(expect.arrayContaining([
        envLinesOf({ sparkSharedDir: SHARED }).trim(),
        `${TEST_ENV_KEYS.sparkDriverHost}=host.docker.internal`,
        `${TEST_ENV_KEYS.sparkJarsPackages}=${sparkJarsPackages()}`,
    ]));
});
