// The policy pack (policy/): each policy's validateResource (or, for published-ports-on-loopback,
// validateStack) called directly with hand-built resources shaped like the program's, then every
// resource the real program registers on a persistent `dev` stack (mocked engine) fed to every policy.
import {
    PolicyPack, type PolicyResource, type ResourceValidationArgs, type ResourceValidationPolicy, type StackValidationArgs, type StackValidationPolicy,
} from "@pulumi/policy/policy";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { MYSQL, rootPasswordEnv } from "../../lib/mysql";
import { DEFAULT_MYSQL_IMAGES, parseSettings } from "../../lib/settings";
import { SPARK, sparkDaemonEnv } from "../../lib/spark";
import { POLICY_PACK_NAME } from "../../policy/index";
import {
    CONTAINER, containerMemoryLimit, imageTag, NETWORK, noSecretsInPlainEnv, pinnedImages, POLICIES, publishedPortsOnLoopback, REMOTE_IMAGE,
} from "../../policy/policies";
import {
    CONTAINER as HARNESS_CONTAINER, IMAGE as HARNESS_IMAGE, MOCK_GATEWAY, NETWORK as HARNESS_NETWORK, ofType, registered, reveal, runProgram, useMocks,
} from "./harness";

// What the SDK wraps props in (it throws UnknownValueError on a value unknown during preview) and its
// sentinels for such values: proxy.d.ts of @pulumi/policy 1.21.0 declares none of them (@internal).
const { unknownCheckingProxy, UnknownValueError, unknownArrayValue, unknownObjectValue, unknownStringValue } = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy: <T>(props: T) => T;
    UnknownValueError: new (...args: never[]) => Error;
    unknownArrayValue: string;
    unknownObjectValue: string;
    unknownStringValue: string;
};

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

const urnOf = (type: string, name: string) => `urn:pulumi:dev::cdc-test-infra::${type}::${name}`;
const nameOf = (urn: string | undefined) => (urn === undefined ? "(stack)" : urn.slice(urn.lastIndexOf("::") + 2));

/** A resource as a stack validation sees it, with outputs `props`. */
function resource(type: string, name: string, props: Record<string, any>): PolicyResource {
    return {
        type,
        name,
        props,
        urn: urnOf(type, name),
        opts: {
            protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        },
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    };
}

/** What the engine passes a stack validation. */
function stackArgs(resources: PolicyResource[], config: object = {}): StackValidationArgs {
    return {
        resources,
        stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`notApplicable(${reason ?? ""})`);
        },
    };
}

/** The messages `policy` reports for a stack of `resources`, as `<resource>: <message>`. */
async function stackViolations(policy: StackValidationPolicy, resources: PolicyResource[], config: object = {}): Promise<string[]> {
    const found: string[] = [];
    await policy.validateStack(stackArgs(resources, config), (message, urn) => found.push(`${nameOf(urn)}: ${message}`));
    return found;
}

// The stack's bridge network as the provider reads it back (the daemon picked subnet and gateway).
const NET = "cdc-test-infra-dev-net";
const SUBNET = "172.18.0.0/16";
const GATEWAY = "172.18.0.1";
const network = (name: string, props: Record<string, any>) => resource(NETWORK, name, props);
const stackNet = network("net", { name: NET, driver: "bridge", ipamConfigs: [{ subnet: SUBNET, gateway: GATEWAY }] });
/** A container on the stack's network publishing `ports`. */
const attached = (name: string, ports: object[]) => resource(CONTAINER, name, { ports, networksAdvanced: [{ name: NET, aliases: [name] }] });

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
    const check = (props: Record<string, any>, config: object = {}) => stackViolations(publishedPortsOnLoopback, [resource(CONTAINER, "r", props)], config);
    const advice = (ip: string) => `publish on 127.0.0.1 or ::1 (or the gateway of a Docker bridge network the container is attached to), or add ${ip} to allowedBindAddresses`;

    test("it is a stack validation: the gateways it needs are outputs of the stack's Network resources", () => {
        expect(publishedPortsOnLoopback.validateStack).toBeInstanceOf(Function);
        expect((publishedPortsOnLoopback as { validateResource?: unknown }).validateResource).toBeUndefined();
        expect(publishedPortsOnLoopback.description).toMatch(/127\.0\.0\.1 or ::1.*gateway of a Docker bridge network the same container.*allowedBindAddresses/s);
    });

    test("ports on 127.0.0.1 or ::1 pass, with fixed or Docker-assigned host ports, and so does a container publishing nothing", async () => {
        expect(await check(mysqlContainer)).toEqual([]);
        expect(await check(sparkMaster)).toEqual([]);
        expect(await check({ ...mysqlContainer, ports: [{ internal: MYSQL.port, ip: "127.0.0.1" }] })).toEqual([]);
        expect(await check({ ...mysqlContainer, ports: [{ internal: MYSQL.port, ip: "::1" }] })).toEqual([]);
        expect(await check({ ...sparkMaster, ports: undefined })).toEqual([]);
        expect(await stackViolations(publishedPortsOnLoopback, [])).toEqual([]);
    });

    test("a port without an ip is published on every interface, and reported against its container", async () => {
        expect(await check({ ...mysqlContainer, ports: [{ internal: 3306, external: 3306 }] })).toEqual([
            `r: container port 3306 is published on 0.0.0.0 (no ip given: every interface); ${advice("0.0.0.0")}`,
        ]);
        expect(await check({ ...mysqlContainer, ports: [{ internal: 3306, ip: "" }] })).toEqual([
            `r: container port 3306 is published on 0.0.0.0 (no ip given: every interface); ${advice("0.0.0.0")}`,
        ]);
        // Even on a container attached to a network: no address is not its gateway.
        expect(await stackViolations(publishedPortsOnLoopback, [stackNet, attached("mysql", [{ internal: 3306, external: 3306 }])])).toEqual([
            `mysql: container port 3306 is published on 0.0.0.0 (no ip given: every interface); ${advice("0.0.0.0")}`,
        ]);
    });

    test("each port on another address is reported", async () => {
        expect(await check({ ...sparkMaster, ports: [{ internal: 7077, ip: "0.0.0.0" }, { internal: 8080, ip: "127.0.0.1" }, { internal: 8081, ip: "192.168.1.20" }] })).toEqual([
            `r: container port 7077 is published on 0.0.0.0; ${advice("0.0.0.0")}`,
            `r: container port 8081 is published on 192.168.1.20; ${advice("192.168.1.20")}`,
        ]);
        // 127.0.0.2 is loopback too, but the policy allows exactly the two addresses the program uses.
        expect(await check({ ...sparkMaster, ports: [{ internal: 7077, ip: "127.0.0.2" }] })).toEqual([
            `r: container port 7077 is published on 127.0.0.2; ${advice("127.0.0.2")}`,
        ]);
    });

    test("the gateway of a bridge network the same container is attached to passes (the host's own address on that bridge)", async () => {
        const mysql = attached("mysql", [{ internal: 3306, external: 3306, ip: "127.0.0.1" }, { internal: 3306, external: 3306, ip: GATEWAY }]);
        expect(await stackViolations(publishedPortsOnLoopback, [stackNet, mysql])).toEqual([]);
        // Whatever the order of the resources, and with the driver left to Docker's default (bridge).
        expect(await stackViolations(publishedPortsOnLoopback, [mysql, network("net", { name: NET, ipamConfigs: [{ subnet: SUBNET, gateway: GATEWAY }] })])).toEqual([]);
        // An IPv6 bridge lists a second IPAM config: either gateway is the host's.
        const dualStack = network("net", { name: NET, driver: "bridge", ipamConfigs: [{ subnet: SUBNET, gateway: GATEWAY }, { subnet: "fd00:18::/64", gateway: "fd00:18::1" }] });
        expect(await stackViolations(publishedPortsOnLoopback, [dualStack, attached("mysql", [{ internal: 3306, ip: "fd00:18::1" }, { internal: 3306, ip: GATEWAY }])])).toEqual([]);
        // A container may name its network by id, or join it by networkMode.
        const byId = network("net", { id: "4f1c9e", name: NET, driver: "bridge", ipamConfigs: [{ subnet: SUBNET, gateway: GATEWAY }] });
        expect(await stackViolations(publishedPortsOnLoopback, [byId, { ...attached("mysql", [{ internal: 3306, ip: GATEWAY }]), props: { ports: [{ internal: 3306, ip: GATEWAY }], networksAdvanced: [{ name: "4f1c9e" }] } }])).toEqual([]);
        expect(await stackViolations(publishedPortsOnLoopback, [stackNet, resource(CONTAINER, "mysql", { ports: [{ internal: 3306, ip: GATEWAY }], networkMode: NET })])).toEqual([]);
    });

    test("the gateway of a network the container is not attached to is reported, and so is every other address", async () => {
        const other = network("other-net", { name: "other-stack-net", driver: "bridge", ipamConfigs: [{ subnet: "172.19.0.0/16", gateway: "172.19.0.1" }] });
        const ports = [{ internal: 3306, ip: "172.19.0.1" }, { internal: 3307, ip: GATEWAY }, { internal: 3308, ip: "192.168.1.20" }, { internal: 3309, ip: "0.0.0.0" }, { internal: 3310, ip: "::" }];
        expect(await stackViolations(publishedPortsOnLoopback, [stackNet, other, attached("mysql", ports)])).toEqual([
            `mysql: container port 3306 is published on 172.19.0.1; ${advice("172.19.0.1")}`,
            `mysql: container port 3308 is published on 192.168.1.20; ${advice("192.168.1.20")}`,
            `mysql: container port 3309 is published on 0.0.0.0; ${advice("0.0.0.0")}`,
            `mysql: container port 3310 is published on ::; ${advice("::")}`,
        ]);
        // A container on no network, or on one the stack does not manage (its gateway is unseen), has no gateway of its own.
        expect(await stackViolations(publishedPortsOnLoopback, [stackNet, resource(CONTAINER, "lone", { ports: [{ internal: 3306, ip: GATEWAY }] })])).toEqual([
            `lone: container port 3306 is published on ${GATEWAY}; ${advice(GATEWAY)}`,
        ]);
        expect(await stackViolations(publishedPortsOnLoopback, [attached("mysql", [{ internal: 3306, ip: GATEWAY }])])).toEqual([
            `mysql: container port 3306 is published on ${GATEWAY}; ${advice(GATEWAY)}`,
        ]);
        // Another container's network does not lend its gateway.
        const spark = resource(CONTAINER, "spark", { ports: [{ internal: 7077, ip: "172.19.0.1" }], networksAdvanced: [{ name: NET }] });
        const onOther = resource(CONTAINER, "other", { ports: [], networksAdvanced: [{ name: "other-stack-net" }] });
        expect(await stackViolations(publishedPortsOnLoopback, [stackNet, other, spark, onOther])).toEqual([
            `spark: container port 7077 is published on 172.19.0.1; ${advice("172.19.0.1")}`,
        ]);
    });

    test("only a bridge network's gateway is the host's: a macvlan or ipvlan gateway is a router on the LAN", async () => {
        for (const driver of ["macvlan", "ipvlan", "overlay"]) {
            const lan = network("lan", { name: NET, driver, ipamConfigs: [{ subnet: "192.168.1.0/24", gateway: "192.168.1.1" }] });
            expect(await stackViolations(publishedPortsOnLoopback, [lan, attached("mysql", [{ internal: 3306, ip: "192.168.1.1" }])])).toEqual([
                `mysql: container port 3306 is published on 192.168.1.1; ${advice("192.168.1.1")}`,
            ]);
        }
    });

    test("allowedBindAddresses admits the addresses it lists, and only those", async () => {
        const config = { allowedBindAddresses: ["10.0.0.5"] };
        const ports = [{ internal: 9093, ip: "10.0.0.5" }, { internal: 3306, ip: "10.0.0.6" }, { internal: 7077, ip: "127.0.0.1" }];
        expect(await check({ ...mysqlContainer, ports }, config)).toEqual([
            `r: container port 3306 is published on 10.0.0.6; ${advice("10.0.0.6")}`,
        ]);
        expect(await check({ ...mysqlContainer, ports: [{ internal: 3306 }] }, { allowedBindAddresses: ["0.0.0.0"] })).toEqual([]);
        // An empty list (the schema's default) allows loopback (and own gateways) only.
        expect(await check({ ...mysqlContainer, ports: [{ internal: 9093, ip: "10.0.0.5" }] }, { allowedBindAddresses: [] })).toHaveLength(1);
        // A listed address passes on any container, attached or not; own gateways still pass beside it.
        expect(await stackViolations(publishedPortsOnLoopback, [stackNet, attached("mysql", [{ internal: 3306, ip: GATEWAY }, { internal: 3306, ip: "10.0.0.5" }]),
            resource(CONTAINER, "lone", { ports: [{ internal: 3306, ip: "172.19.0.1" }] })], { allowedBindAddresses: ["10.0.0.5", "172.19.0.1"] })).toEqual([]);
    });

    test("the config schema declares allowedBindAddresses as a list of strings defaulting to none", () => {
        expect(publishedPortsOnLoopback.configSchema?.properties.allowedBindAddresses).toMatchObject({ type: "array", items: { type: "string" }, default: [] });
    });

    test("other resource types are not its business", async () => {
        expect(await stackViolations(publishedPortsOnLoopback, [resource("docker:index/service:Service", "s", { ports: [{ internal: 1 }] }), stackNet])).toEqual([]);
    });

    describe("during preview (values read through the SDK's unknown-checking proxy)", () => {
        const fresh = (type: string, name: string, props: Record<string, any>) => ({ ...resource(type, name, props), props: unknownCheckingProxy(props) });
        const freshNet = fresh(NETWORK, "net", { name: NET, driver: "bridge", ipamConfigs: unknownArrayValue });

        test("a port whose address is not known yet is no violation: the SDK reports the policy could not run (advisory)", async () => {
            const mysql = fresh(CONTAINER, "mysql", { ports: [{ internal: 3306, ip: "127.0.0.1" }, { internal: 3306, ip: unknownStringValue }], networksAdvanced: [{ name: NET }] });
            await expect(stackViolations(publishedPortsOnLoopback, [freshNet, mysql])).rejects.toThrow(UnknownValueError);
            await expect(stackViolations(publishedPortsOnLoopback, [freshNet, mysql])).rejects.toThrow("string value at .ports.1.ip can't be known during preview");
        });

        test("nor is a known address whose network's gateway is not known yet", async () => {
            const mysql = fresh(CONTAINER, "mysql", { ports: [{ internal: 3306, ip: GATEWAY }], networksAdvanced: [{ name: NET }] });
            await expect(stackViolations(publishedPortsOnLoopback, [freshNet, mysql])).rejects.toThrow("Array value at .ipamConfigs can't be known during preview");
            const unknownGateway = fresh(NETWORK, "net", { name: NET, ipamConfigs: [{ subnet: SUBNET, gateway: unknownStringValue }] });
            await expect(stackViolations(publishedPortsOnLoopback, [unknownGateway, mysql])).rejects.toThrow(UnknownValueError);
            const unknownDriver = fresh(NETWORK, "net", { name: NET, driver: unknownStringValue, ipamConfigs: [{ subnet: SUBNET, gateway: GATEWAY }] });
            await expect(stackViolations(publishedPortsOnLoopback, [unknownDriver, mysql])).rejects.toThrow(UnknownValueError);
            const unknownConfig = fresh(NETWORK, "net", { name: NET, ipamConfigs: [unknownObjectValue] });
            await expect(stackViolations(publishedPortsOnLoopback, [unknownConfig, mysql])).rejects.toThrow(UnknownValueError);
            const unknownNetworks = fresh(CONTAINER, "mysql", { ports: [{ internal: 3306, ip: GATEWAY }], networksAdvanced: unknownArrayValue });
            await expect(stackViolations(publishedPortsOnLoopback, [stackNet, unknownNetworks])).rejects.toThrow(UnknownValueError);
            const unknownAttachment = fresh(CONTAINER, "mysql", { ports: [{ internal: 3306, ip: GATEWAY }], networksAdvanced: [{ name: unknownStringValue }] });
            await expect(stackViolations(publishedPortsOnLoopback, [stackNet, unknownAttachment])).rejects.toThrow(UnknownValueError);
            const unnamedNetwork = fresh(NETWORK, "net", { name: unknownStringValue, ipamConfigs: [{ subnet: SUBNET, gateway: GATEWAY }] });
            await expect(stackViolations(publishedPortsOnLoopback, [unnamedNetwork, mysql])).rejects.toThrow(UnknownValueError);
        });

        test("what can be judged still is: every-interface and other known violations are reported before the advisory", async () => {
            const found: string[] = [];
            const exposedPort = fresh(CONTAINER, "spark", { ports: [{ internal: 7077, ip: "0.0.0.0" }, { internal: 8080 }], networksAdvanced: [{ name: NET }] });
            const undecided = fresh(CONTAINER, "mysql", { ports: [{ internal: 3306, ip: GATEWAY }, { internal: 3307, ip: "192.168.1.20" }], networksAdvanced: [{ name: NET }] });
            const lone = fresh(CONTAINER, "lone", { ports: [{ internal: 5432, ip: GATEWAY }] });
            // One port unknown as a whole does not hide the others.
            const partly = fresh(CONTAINER, "kafka", { ports: [unknownObjectValue, { internal: 9092, ip: "0.0.0.0" }], networksAdvanced: [{ name: NET }] });
            expect(() => publishedPortsOnLoopback.validateStack(stackArgs([freshNet, exposedPort, undecided, lone, partly]), (m, urn) => found.push(`${nameOf(urn)}: ${m}`)))
                .toThrow(UnknownValueError);
            expect(found).toEqual([
                `spark: container port 7077 is published on 0.0.0.0; ${advice("0.0.0.0")}`,
                `spark: container port 8080 is published on 0.0.0.0 (no ip given: every interface); ${advice("0.0.0.0")}`,
                `lone: container port 5432 is published on ${GATEWAY}; ${advice(GATEWAY)}`,
                `kafka: container port 9092 is published on 0.0.0.0; ${advice("0.0.0.0")}`,
            ]);
        });

        test("an unknown the verdict does not depend on changes nothing", async () => {
            const loopbackOnly = fresh(CONTAINER, "mysql", { ports: [{ internal: 3306, ip: "127.0.0.1" }], networksAdvanced: [{ name: NET }] });
            expect(await stackViolations(publishedPortsOnLoopback, [freshNet, loopbackOnly])).toEqual([]);
            // Another network's gateway being unknown does not hold up this container's own.
            const otherFresh = fresh(NETWORK, "other-net", { name: "other-stack-net", ipamConfigs: unknownArrayValue });
            expect(await stackViolations(publishedPortsOnLoopback, [stackNet, otherFresh, attached("mysql", [{ internal: 3306, ip: GATEWAY }])])).toEqual([]);
        });
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
        expect([HARNESS_CONTAINER, HARNESS_IMAGE, HARNESS_NETWORK]).toEqual([CONTAINER, REMOTE_IMAGE, NETWORK]);
        const containers = ofType(CONTAINER).map((c) => reveal(c.inputs));
        expect(containers.map((c) => c.name)).toEqual(expect.arrayContaining(
            ["spark-master", "spark-worker-1", "alertmanager", "mysql"].map((role) => `cdc-test-infra-dev-${role}`)));
        const ips = containers.flatMap((c) => c.ports ?? []).map((p: any) => p.ip);
        expect(ips.length).toBeGreaterThanOrEqual(4);
        // Host drivers are on: some ports are published a second time on the stack network's gateway.
        expect(new Set(ips)).toEqual(new Set([dev.bindAddress, MOCK_GATEWAY]));
        expect(ofType(NETWORK).map((n) => n.state.ipamConfigs)).toEqual([[expect.objectContaining({ gateway: MOCK_GATEWAY })]]);
        for (const c of containers) expect(c.memory).toBeGreaterThan(0);
        expect(containers.some((c) => (c.envs ?? []).length > 0)).toBe(true);
        expect(ofType(REMOTE_IMAGE).map((i) => i.inputs.name)).toEqual(expect.arrayContaining([dev.spark.image, dev.alertmanager.image, dev.mysql.image]));
    });

    test("every registered resource passes every policy", async () => {
        const found: string[] = [];
        // Resource validations see each resource's inputs; stack validations every resource's outputs.
        const stack = registered.map((r) => resource(r.type, r.name, reveal(r.state)));
        for (const p of POLICIES) {
            if ("validateStack" in p) {
                for (const message of await stackViolations(p, stack)) found.push(`${p.name}: ${message}`);
                continue;
            }
            for (const r of registered) {
                for (const message of await violations(p, r.type, reveal(r.inputs), {}, r.name)) found.push(`${r.name}: ${p.name}: ${message}`);
            }
        }
        expect(found).toEqual([]);
    });

    test("the gateway ports pass because their container is on that network: off it, they are reported", async () => {
        const gatewayPorts = (r: { state: Record<string, any> }) => (r.state.ports ?? []).filter((p: any) => p.ip === MOCK_GATEWAY);
        const published = ofType(CONTAINER).filter((c) => gatewayPorts(c).length > 0);
        expect(published.length).toBeGreaterThan(0);
        const detached = registered.map((r) => resource(r.type, r.name, { ...reveal(r.state), networksAdvanced: [], networkMode: undefined }));
        expect((await stackViolations(publishedPortsOnLoopback, detached)).sort()).toEqual(published.flatMap((c) => gatewayPorts(c).map((p: any) =>
            `${c.name}: container port ${p.internal} is published on ${MOCK_GATEWAY}; publish on 127.0.0.1 or ::1 (or the gateway of a Docker bridge network the container is attached to), or add ${MOCK_GATEWAY} to allowedBindAddresses`)).sort());
    });
});
