// The program on an ephemeral per-pull-request stack, MariaDB flavor, several workers, secrets from config.
import { binlogFlags, credentialsSql, MYSQL, rootPasswordEnv } from "../../lib/mysql";
import { byName, CONTAINER, MOCK_GATEWAY, ofType, options, reveal, runProgram, useMocks, valueOf, VOLUME } from "./harness";

useMocks({
    stack: "pr-42",
    config: {
        sparkWorkers: "3", mysqlFlavor: "mariadb", mysqlRootPassword: "r00t-from-config", mysqlCdcPassword: "cdc-from-config",
        postgresSuperuserPassword: "pg-super-from-config", postgresCdcPassword: "pg-cdc-from-config",
    },
    secretKeys: ["mysqlRootPassword", "mysqlCdcPassword", "postgresSuperuserPassword", "postgresCdcPassword"],
});
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

test("Docker assigns every loopback port, so any number of stacks coexist; fixed ports only on the stack's own gateway", () => {
    let shared = 0;
    for (const c of ofType(CONTAINER)) {
        for (const p of c.inputs.ports ?? []) {
            if (p.ip === MOCK_GATEWAY) {
                // The gateway address belongs to this stack's network alone: a fixed port there clashes with no other stack.
                expect(p.external).toEqual(expect.any(Number));
                shared++;
            } else {
                expect(p.external).toBeUndefined();
                expect(p.ip).toBe("127.0.0.1");
            }
        }
    }
    expect(shared).toBe(3);
});

test("gates and outputs use the ports Docker assigned, read back from the containers", async () => {
    const master = byName("spark-master").state.ports;
    const ui = master.find((p: any) => p.internal === 8080).external;
    const rpc = master.find((p: any) => p.internal === 7077).external;
    expect(ui).toBeGreaterThanOrEqual(32768);
    expect(await valueOf(out.sparkUiUrl)).toBe(`http://127.0.0.1:${ui}`);
    expect(await valueOf(out.sparkMasterUrl)).toBe(`spark://127.0.0.1:${rpc}`);
    expect(byName("spark-ready-probe").inputs.create).toContain(`--url http://127.0.0.1:${ui} --workers 3`);
    const mysqlPort = byName("mysql-server").state.ports.find((p: any) => p.ip === "127.0.0.1").external;
    expect(await valueOf(out.mysqlPort)).toBe(mysqlPort);
    expect(byName("mysql-ready-probe").inputs.create).toContain(`--port ${mysqlPort} --flavor mariadb`);
});

test("volumes are removed with an ephemeral stack", () => {
    expect(ofType(VOLUME)).toHaveLength(6);
    for (const v of ofType(VOLUME)) {
        expect(v.inputs.name).toMatch(/^cdc-test-infra-pr-42-/);
        expect(options.get(v.name)?.retainOnDelete).toBe(false);
    }
});

test("three workers, each depending on the master and gating the cluster", () => {
    const workers = ofType(CONTAINER).filter((c) => c.name.startsWith("spark-worker-")).map((c) => c.inputs.name).sort();
    expect(workers).toEqual(["cdc-test-infra-pr-42-spark-worker-1", "cdc-test-infra-pr-42-spark-worker-2", "cdc-test-infra-pr-42-spark-worker-3"]);
    for (const i of [1, 2, 3]) expect(options.get(`spark-worker-${i}`)?.dependsOn).toEqual(["spark-master", "spark-shared-dir"]);
    expect(options.get("spark-ready-probe")?.dependsOn).toEqual(["spark-master", "spark-worker-1", "spark-worker-2", "spark-worker-3"]);
});

test("MariaDB flavor: its image, its flags (no GTID variables), its password variable", () => {
    const mysql = byName("mysql-server").inputs;
    expect(byName("mysql-image").inputs.name).toBe("mariadb:11.4");
    expect(mysql.command).toEqual(binlogFlags("mariadb", { serverId: 184054, retentionHours: 168 }));
    expect(mysql.command.join(" ")).not.toMatch(/gtid/);
    expect(mysql.envs).toEqual(rootPasswordEnv("mariadb"));
});

test("MariaDB flavor: the kept-volume password SQL keeps root's socket login, and the env lines name the flavor", async () => {
    const credentials = reveal(byName("mysql-server").inputs.uploads).find((u: any) => u.file === MYSQL.credentialsFile).content;
    expect(credentials).toBe(credentialsSql("mariadb", { rootPassword: "r00t-from-config", database: "cdc_test", user: "cdc", password: "cdc-from-config" }));
    expect(credentials).toContain("OR unix_socket");
    expect(await valueOf<string>(out.testEnv)).toContain("CDC_MYSQL_FLAVOR=mariadb\n");
});

test("passwords from secret config are used as given, and no password is generated", async () => {
    expect(await valueOf(out.mysqlRootPassword)).toBe("r00t-from-config");
    expect(await valueOf(out.mysqlCdcPassword)).toBe("cdc-from-config");
    expect(ofType("random:index/randomPassword:RandomPassword")).toHaveLength(0);
    expect(reveal(byName("mysql-ready-probe").inputs.environment).PROBE_MYSQL_ROOT_PASSWORD).toBe("r00t-from-config");
});
