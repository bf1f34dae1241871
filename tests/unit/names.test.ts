// Two stacks on one daemon: every Docker object name differs, so `dev` and `pr-42` never collide.
import { AlertManager } from "../../components/alertManager";
import { MysqlServer } from "../../components/mysqlServer";
import { StackNetwork } from "../../components/network";
import { SparkCluster } from "../../components/sparkCluster";
import type { Placement } from "../../components/dockerHelpers";
import { CONTAINER, NETWORK, registered, settle, useMocks, VOLUME } from "./harness";

useMocks({ stack: "names" });

function buildStack(stack: string, fixedHostPorts: boolean) {
    const network = new StackNetwork(`${stack}-network`, { project: "cdc-test-infra", stack });
    const placement: Placement = {
        project: "cdc-test-infra", stack, networkName: network.name, bindAddress: "127.0.0.1", fixedHostPorts, retainVolumesOnDestroy: fixedHostPorts,
    };
    const readiness = { timeoutSeconds: 60, intervalMs: 100 };
    new SparkCluster(`${stack}-spark`, { placement, image: "apache/spark:3.5.8", workers: 2, workerCores: 1, workerMemoryMb: 1024, masterMemoryMb: 512, masterHostPort: 7077, uiHostPort: 8080, readiness });
    new AlertManager(`${stack}-alertmanager`, { placement, image: "prom/alertmanager:v0.28.1", hostPort: 9093, memoryMb: 128, readiness });
    new MysqlServer(`${stack}-mysql`, {
        placement, flavor: "mysql", image: "mysql:8.4", hostPort: 3306, memoryMb: 512, serverId: 1, binlogRetentionHours: 24,
        database: "cdc_test", cdcUser: "cdc", readiness,
    });
}

const dockerNames = (stack: string, type: string) =>
    registered.filter((r) => r.type === type && r.name.startsWith(`${stack}-`)).map((r) => r.inputs.name as string);

test("container, volume and network names of dev and pr-42 are disjoint, and each carries its stack", async () => {
    buildStack("dev", true);
    buildStack("pr-42", false);
    await settle();
    for (const type of [CONTAINER, VOLUME, NETWORK]) {
        const dev = dockerNames("dev", type);
        const pr = dockerNames("pr-42", type);
        expect(dev.length).toBeGreaterThan(0);
        expect(pr).toHaveLength(dev.length);
        for (const n of dev) expect(n).toMatch(/^cdc-test-infra-dev-/);
        for (const n of pr) expect(n).toMatch(/^cdc-test-infra-pr-42-/);
        expect(dev.filter((n) => pr.includes(n))).toEqual([]);
    }
});

test("host ports: the persistent stack holds fixed ports, the ephemeral one claims none", () => {
    const published = (stack: string) => registered.filter((r) => r.type === CONTAINER && r.name.startsWith(`${stack}-`))
        .flatMap((r) => (r.inputs.ports ?? []).map((p: any) => p.external)).filter((p: unknown) => p !== undefined);
    expect(published("dev").sort()).toEqual([3306, 7077, 8080, 9093]);
    expect(published("pr-42")).toEqual([]);
});
