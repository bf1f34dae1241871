import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { DEFAULT_MYSQL_IMAGES, parseSettings, SETTINGS_SCHEMA, SettingsError } from "../../lib/settings";

const ROOT = path.resolve(__dirname, "..", "..");
const parseOk = (raw: Record<string, string>, stack = "dev") => parseSettings(raw, "cdc-test-infra", stack);
function problemsOf(raw: Record<string, string>, stack = "dev", project = "cdc-test-infra"): string[] {
    try {
        parseSettings(raw, project, stack);
    } catch (err) {
        expect(err).toBeInstanceOf(SettingsError);
        return (err as SettingsError).problems;
    }
    throw new Error("expected a SettingsError");
}

describe("parseSettings", () => {
    test("defaults: loopback, fixed ports, one worker with a 2 GiB budget, mysql 8.4", () => {
        const s = parseOk({});
        expect(s.bindAddress).toBe("127.0.0.1");
        expect(s.environment).toBe("persistent");
        expect(s.fixedHostPorts).toBe(true);
        expect(s.retainVolumesOnDestroy).toBe(true);
        expect(s.spark).toMatchObject({ workers: 1, workerMemoryMb: 2048, masterPort: 7077, uiPort: 8080 });
        expect(s.spark.image).toMatch(/^apache\/spark:3\.5\.\d+/);
        expect(s.alertmanager).toMatchObject({ port: 9093, memoryMb: 256 });
        expect(s.mysql).toMatchObject({ flavor: "mysql", image: "mysql:8.4", port: 3306 });
    });

    test("pr-<N> stacks are ephemeral: Docker-assigned ports, volumes removed", () => {
        const s = parseOk({}, "pr-42");
        expect(s).toMatchObject({ environment: "ephemeral", fixedHostPorts: false, retainVolumesOnDestroy: false });
    });

    test("environment and volume retention can be set explicitly", () => {
        expect(parseOk({ environment: "ephemeral" }, "alice")).toMatchObject({ environment: "ephemeral", fixedHostPorts: false });
        expect(parseOk({ environment: "persistent" }, "pr-7")).toMatchObject({ environment: "persistent", fixedHostPorts: true });
        expect(parseOk({ retainVolumesOnDestroy: "false" }).retainVolumesOnDestroy).toBe(false);
        expect(parseOk({ retainVolumesOnDestroy: "true" }, "pr-1").retainVolumesOnDestroy).toBe(true);
    });

    test("flavor picks its default image; an explicit image wins", () => {
        expect(parseOk({ mysqlFlavor: "mariadb" }).mysql.image).toBe(DEFAULT_MYSQL_IMAGES.mariadb);
        expect(parseOk({ mysqlFlavor: "mariadb", mysqlImage: "mariadb:10.11" }).mysql.image).toBe("mariadb:10.11");
    });

    test("zero workers is allowed", () => {
        expect(parseOk({ sparkWorkers: "0" }).spark.workers).toBe(0);
    });

    test.each([
        ["sparkUiPort", "0", "an integer from 1 to 65535"],
        ["mysqlPort", "65536", "an integer from 1 to 65535"],
        ["alertmanagerPort", "http", "an integer from 1 to 65535"],
        ["mysqlMemoryMb", "0", "an integer from 64 to 65536"],
        ["alertmanagerMemoryMb", "-5", "an integer from 64 to 65536"],
        ["sparkWorkers", "-1", "an integer from 0 to 16"],
        ["sparkWorkers", "1.5", "an integer from 0 to 16"],
        ["mysqlFlavor", "postgres", "one of mysql, mariadb"],
        ["sparkImage", "", "a non-empty value"],
        ["sparkImage", "apache/spark", "explicit tag or digest"],
        ["alertmanagerImage", "prom/alertmanager:latest", "\"latest\" is not a pin"],
        ["bindAddress", "localhost", "an IPv4 address"],
        ["mysqlCdcUser", "cdc'--", "letters, digits and _"],
        ["environment", "staging", "one of auto, persistent, ephemeral"],
        ["prometheusEnabled", "yes", "true or false"],
    ])("%s = %j is rejected, naming what is allowed", (key, value, allowed) => {
        const problems = problemsOf({ [key]: value });
        expect(problems).toHaveLength(1);
        expect(problems[0]).toContain(key);
        expect(problems[0]).toContain(JSON.stringify(value));
        expect(problems[0]).toContain(allowed);
    });

    test("every bad key is reported at once, in one message", () => {
        let message = "";
        try {
            parseOk({ sparkUiPort: "70000", mysqlMemoryMb: "0", sparkWorkers: "-2", mysqlFlavor: "oracle", sparkImage: " " });
        } catch (err) {
            message = (err as Error).message;
        }
        expect(message).toMatch(/5 problems/);
        for (const key of ["sparkUiPort", "mysqlMemoryMb", "sparkWorkers", "mysqlFlavor", "sparkImage"]) expect(message).toContain(key);
    });

    test("unknown keys and unusable stack names are errors", () => {
        expect(problemsOf({ sparkWorker: "2" })[0]).toMatch(/sparkWorker: unknown setting; known settings are .*sparkWorkers/);
        expect(problemsOf({}, "my stack")[0]).toMatch(/stack name "my stack"/);
    });
});

describe("Pulumi.yaml and Pulumi.dev.yaml", () => {
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));

    test("the config block types, documents and defaults exactly the settings the program reads", () => {
        const expected = Object.fromEntries(Object.entries(SETTINGS_SCHEMA).map(([k, s]) =>
            [k, { type: s.type, default: s.default, description: s.description }]));
        expect(project.config).toEqual(expected);
    });

    test("the project runs its build (npm run build) on Node, not through ts-node, and keeps state in a local file backend", () => {
        expect(project.name).toBe("cdc-test-infra");
        expect(project.main).toBe("dist/index.js");
        expect(project.runtime).toMatchObject({ name: "nodejs", options: { typescript: false } });
        expect(project.backend.url).toMatch(/^file:\/\//);
    });

    test("the dev stack's config is valid", () => {
        const dev = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
        const raw = Object.fromEntries(Object.entries(dev.config as Record<string, unknown>)
            .map(([k, v]) => [k.replace(/^cdc-test-infra:/, ""), String(v)]));
        expect(parseOk(raw).environment).toBe("persistent");
    });
});
