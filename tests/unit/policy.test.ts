// The policy pack (policy/): each policy's validateResource called directly with hand-built
// resources shaped like the program's, then every resource the real program registers on a
// persistent `dev` stack (mocked engine) fed to every policy.
import { PolicyPack, type ResourceValidationArgs, type ResourceValidationPolicy } from "@pulumi/policy/policy";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { MYSQL, rootPasswordEnv } from "../../lib/mysql";
import { DEFAULT_MYSQL_IMAGES, parseSettings } from "../../lib/settings";
import { SPARK, sparkDaemonEnv } from "../../lib/spark";
import { POLICY_PACK_NAME } from "../../policy/index";
import {
    CONTAINER, containerMemoryLimit, imageTag, noSecretsInPlainEnv, pinnedImages, POLICIES, publishedPortsOnLoopback, REMOTE_IMAGE,
} from "../../policy/policies";
import { CONTAINER as HARNESS_CONTAINER, IMAGE as HARNESS_IMAGE, ofType, registered, reveal, runProgram, useMocks } from "./harness";

// index.ts serves the pack over gRPC when constructed: record the construction instead.
jest.mock("@pulumi/policy/policy", () => ({ PolicyPack: jest.fn() }));

useMocks({ stack: "dev" });
const dev = parseSettings({}, "cdc-test-infra", "dev");

/** What the engine passes a resource validation, for a resource of `type` with inputs `props`. */
function argsFor(type: string, name: string, props: Record<string, any>, config: object = {}): ResourceValidationArgs {
    return {
        type,
        name,
        props,
        urn: `urn:pulumi:dev::cdc-test-infra::${type}::${name}`,
        opts: {
            protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        },
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`notApplicable(${reason ?? ""})`);
        },
    };
}

/** The messages `policy` reports for one resource. */
async function violations(policy: ResourceValidationPolicy, type: string, props: Record<string, any>, config: object = {}, name = "r"): Promise<string[]> {
    const found: string[] = [];
    const validations = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
    expect(validations.length).toBeGreaterThan(0);
    for (const validate of validations) await validate(argsFor(type, name, props, config), (message) => found.push(message));
    return found;
}

// Containers as the program builds them on a persistent stack (fixed host ports on bindAddress).
const mysqlContainer = {
    name: "cdc-test-infra-dev-mysql",
    image: "sha256:0123",
    memory: dev.mysql.memoryMb,
    memorySwap: dev.mysql.memoryMb,
    envs: rootPasswordEnv("mysql"),
    ports: [{ internal: MYSQL.port, external: dev.mysql.port, ip: dev.bindAddress }],
};
const sparkMaster = {
    name: "cdc-test-infra-dev-spark-master",
    image: "sha256:4567",
    memory: dev.spark.masterMemoryMb,
    envs: sparkDaemonEnv(),
    ports: [
        { internal: SPARK.rpcPort, external: dev.spark.masterPort, ip: dev.bindAddress },
        { internal: SPARK.masterUiPort, external: dev.spark.uiPort, ip: dev.bindAddress },
    ],
};

describe("published-ports-on-loopback", () => {
    const check = (props: Record<string, any>, config: object = {}) => violations(publishedPortsOnLoopback, CONTAINER, props, config);

    test("ports on 127.0.0.1 or ::1 pass, with fixed or Docker-assigned host ports, and so does a container publishing nothing", async () => {
        expect(await check(mysqlContainer)).toEqual([]);
        expect(await check(sparkMaster)).toEqual([]);
        expect(await check({ ...mysqlContainer, ports: [{ internal: MYSQL.port, ip: "127.0.0.1" }] })).toEqual([]);
        expect(await check({ ...mysqlContainer, ports: [{ internal: MYSQL.port, ip: "::1" }] })).toEqual([]);
        expect(await check({ ...sparkMaster, ports: undefined })).toEqual([]);
    });

    test("a port without an ip is published on every interface", async () => {
        expect(await check({ ...mysqlContainer, ports: [{ internal: 3306, external: 3306 }] })).toEqual([
            "container port 3306 is published on 0.0.0.0 (no ip given: every interface); publish on 127.0.0.1 or ::1, or add 0.0.0.0 to allowedBindAddresses",
        ]);
        expect(await check({ ...mysqlContainer, ports: [{ internal: 3306, ip: "" }] })).toEqual([
            "container port 3306 is published on 0.0.0.0 (no ip given: every interface); publish on 127.0.0.1 or ::1, or add 0.0.0.0 to allowedBindAddresses",
        ]);
    });

    test("each port on another address is reported", async () => {
        expect(await check({ ...sparkMaster, ports: [{ internal: 7077, ip: "0.0.0.0" }, { internal: 8080, ip: "127.0.0.1" }, { internal: 8081, ip: "192.168.1.20" }] })).toEqual([
            "container port 7077 is published on 0.0.0.0; publish on 127.0.0.1 or ::1, or add 0.0.0.0 to allowedBindAddresses",
            "container port 8081 is published on 192.168.1.20; publish on 127.0.0.1 or ::1, or add 192.168.1.20 to allowedBindAddresses",
        ]);
        // 127.0.0.2 is loopback too, but the policy allows exactly the two addresses the program uses.
        expect(await check({ ...sparkMaster, ports: [{ internal: 7077, ip: "127.0.0.2" }] })).toEqual([
            "container port 7077 is published on 127.0.0.2; publish on 127.0.0.1 or ::1, or add 127.0.0.2 to allowedBindAddresses",
        ]);
    });

    test("allowedBindAddresses admits the addresses it lists, and only those", async () => {
        const config = { allowedBindAddresses: ["10.0.0.5"] };
        const ports = [{ internal: 9093, ip: "10.0.0.5" }, { internal: 3306, ip: "10.0.0.6" }, { internal: 7077, ip: "127.0.0.1" }];
        expect(await check({ ...mysqlContainer, ports }, config)).toEqual([
            "container port 3306 is published on 10.0.0.6; publish on 127.0.0.1 or ::1, or add 10.0.0.6 to allowedBindAddresses",
        ]);
        expect(await check({ ...mysqlContainer, ports: [{ internal: 3306 }] }, { allowedBindAddresses: ["0.0.0.0"] })).toEqual([]);
        // An empty list (the schema's default) allows loopback only.
        expect(await check({ ...mysqlContainer, ports: [{ internal: 9093, ip: "10.0.0.5" }] }, { allowedBindAddresses: [] })).toHaveLength(1);
    });

    test("the config schema declares allowedBindAddresses as a list of strings defaulting to none", () => {
        expect(publishedPortsOnLoopback.configSchema?.properties.allowedBindAddresses).toMatchObject({ type: "array", items: { type: "string" }, default: [] });
    });

    test("other resource types are not its business", async () => {
        expect(await violations(publishedPortsOnLoopback, "docker:index/service:Service", { ports: [{ internal: 1 }] })).toEqual([]);
    });
});

describe("container-memory-limit", () => {
    const check = (props: Record<string, any>) => violations(containerMemoryLimit, CONTAINER, props);

    test("every container the program shapes has its configured limit", async () => {
        expect(await check(mysqlContainer)).toEqual([]);
        expect(await check(sparkMaster)).toEqual([]);
        expect(await check({ ...sparkMaster, memory: dev.spark.workerMemoryMb + SPARK.workerOverheadMb })).toEqual([]);
    });

    test("a missing, zero or negative limit is reported", async () => {
        expect(await check({ ...mysqlContainer, memory: undefined })).toEqual(["container has no memory limit: set memory (MB)"]);
        expect(await check({ ...mysqlContainer, memory: 0 })).toEqual(["container memory limit 0 is not a positive number of MB"]);
        expect(await check({ ...mysqlContainer, memory: -512 })).toEqual(["container memory limit -512 is not a positive number of MB"]);
    });

    test("images are not containers", async () => {
        expect(await violations(containerMemoryLimit, REMOTE_IMAGE, { name: "mysql:8.4" })).toEqual([]);
    });
});

describe("pinned-images", () => {
    const check = (name: string) => violations(pinnedImages, REMOTE_IMAGE, { name, keepLocally: true });

    test("the default images of every service pass", async () => {
        for (const image of [dev.spark.image, dev.alertmanager.image, DEFAULT_MYSQL_IMAGES.mysql, DEFAULT_MYSQL_IMAGES.mariadb]) {
            expect(await check(image)).toEqual([]);
        }
    });

    test("a digest pins, with or without a tag; a registry port is not a tag", async () => {
        const digest = `sha256:${"ab".repeat(32)}`;
        expect(await check(`mysql@${digest}`)).toEqual([]);
        expect(await check(`mysql:latest@${digest}`)).toEqual([]);
        expect(await check("registry.internal:5000/cdc/mysql:8.4")).toEqual([]);
        expect(imageTag("registry.internal:5000/cdc/mysql")).toBeUndefined();
        expect(imageTag("registry.internal:5000/cdc/mysql:8.4")).toBe("8.4");
    });

    test("no tag, or latest, is reported", async () => {
        expect(await check("mysql")).toEqual(['image "mysql" has no tag (Docker would pull latest): pin a version tag or a digest']);
        expect(await check("registry.internal:5000/cdc/mysql")).toEqual([
            'image "registry.internal:5000/cdc/mysql" has no tag (Docker would pull latest): pin a version tag or a digest',
        ]);
        expect(await check("prom/alertmanager:latest")).toEqual(['image "prom/alertmanager:latest" is tagged latest, which moves: pin a version tag or a digest']);
    });
});

describe("no-secrets-in-plain-env", () => {
    const check = (envs: string[]) => violations(noSecretsInPlainEnv, CONTAINER, { ...mysqlContainer, envs });

    test("the program's environments pass: secrets come from files, the rest is not secret", async () => {
        expect(await check(rootPasswordEnv("mysql"))).toEqual([]);
        expect(await check(rootPasswordEnv("mariadb"))).toEqual([]);
        expect(await check(sparkDaemonEnv())).toEqual([]);
        expect(await check([`MYSQL_DATABASE=${dev.mysql.database}`, "MYSQL_PASSWORD_FILE=/run/cdc-secrets/cdc", "api_token_file=/run/t"])).toEqual([]);
    });

    test("names like secrets with a value are reported, without repeating the value", async () => {
        const found = await check(["MYSQL_ROOT_PASSWORD=hunter2", "SPARK_CONF_DIR=/opt/spark/conf", "GITHUB_TOKEN=ghp_abc", "aws_secret_access_key=wJalr", "OPENAI_API_KEY=sk-1", "SSH_PRIVATE_KEY=-----BEGIN"]);
        expect(found).toEqual([
            "environment variable MYSQL_ROOT_PASSWORD looks like a secret and is visible to docker inspect: pass it as a file (MYSQL_ROOT_PASSWORD_FILE) instead",
            "environment variable GITHUB_TOKEN looks like a secret and is visible to docker inspect: pass it as a file (GITHUB_TOKEN_FILE) instead",
            "environment variable aws_secret_access_key looks like a secret and is visible to docker inspect: pass it as a file (aws_secret_access_key_FILE) instead",
            "environment variable OPENAI_API_KEY looks like a secret and is visible to docker inspect: pass it as a file (OPENAI_API_KEY_FILE) instead",
            "environment variable SSH_PRIVATE_KEY looks like a secret and is visible to docker inspect: pass it as a file (SSH_PRIVATE_KEY_FILE) instead",
        ]);
        for (const secret of ["hunter2", "ghp_abc", "wJalr", "sk-1", "BEGIN"]) expect(found.join("\n")).not.toContain(secret);
    });
});

describe("the pack", () => {
    test("index.ts serves every policy as one mandatory pack", () => {
        const calls = jest.mocked(PolicyPack).mock.calls;
        expect(calls).toHaveLength(1);
        const [name, args] = calls[0]!;
        expect(name).toBe(POLICY_PACK_NAME);
        expect(args.enforcementLevel).toBe("mandatory");
        expect(args.policies).toEqual([...POLICIES]);
        expect(POLICIES.map((p) => p.name)).toEqual(["published-ports-on-loopback", "container-memory-limit", "pinned-images", "no-secrets-in-plain-env"]);
        // No policy lowers the pack's level for itself.
        for (const p of POLICIES) expect(p.enforcementLevel).toBeUndefined();
    });

    test("PulumiPolicy.yaml declares a Node.js pack (what `--policy-pack policy` reads)", () => {
        const project = parse(fs.readFileSync(path.join(__dirname, "..", "..", "policy", "PulumiPolicy.yaml"), "utf8"));
        expect(project.runtime).toBe("nodejs");
    });
});

describe("the program on a persistent dev stack", () => {
    beforeAll(async () => { await runProgram(); });

    test("the policies see what the program registers (the check below is not vacuous)", () => {
        // The harness and the policies name the resource types alike.
        expect([HARNESS_CONTAINER, HARNESS_IMAGE]).toEqual([CONTAINER, REMOTE_IMAGE]);
        const containers = ofType(CONTAINER).map((c) => reveal(c.inputs));
        expect(containers.map((c) => c.name)).toEqual(expect.arrayContaining(
            ["spark-master", "spark-worker-1", "alertmanager", "mysql"].map((role) => `cdc-test-infra-dev-${role}`)));
        const ips = containers.flatMap((c) => c.ports ?? []).map((p: any) => p.ip);
        expect(ips.length).toBeGreaterThanOrEqual(4);
        expect(new Set(ips)).toEqual(new Set([dev.bindAddress]));
        for (const c of containers) expect(c.memory).toBeGreaterThan(0);
        expect(containers.some((c) => (c.envs ?? []).length > 0)).toBe(true);
        expect(ofType(REMOTE_IMAGE).map((i) => i.inputs.name)).toEqual(expect.arrayContaining([dev.spark.image, dev.alertmanager.image, dev.mysql.image]));
    });

    test("every registered resource passes every policy", async () => {
        const found: string[] = [];
        for (const r of registered) {
            for (const p of POLICIES) {
                for (const message of await violations(p, r.type, reveal(r.inputs), {}, r.name)) found.push(`${r.name}: ${p.name}: ${message}`);
            }
        }
        expect(found).toEqual([]);
    });
});
