// The kubernetes platform on a real single-node cluster (scripts/k8s/up.sh): a default stack (MariaDB
// flavor: the MySQL server is not in Debian) from the program's own pure manifests (lib/kubernetes),
// applied with kubectl, with local stand-ins for the registry images (scripts/images/stack.sh) loaded
// into the cluster's containerd, and judged by the program's own gates (the probe, through its own
// kubectl port-forward):
//   - namespace, ResourceQuota (admission counts every pod against it) and LimitRange;
//   - every service ready by its gate; the connectors registered by their gates (RUNNING, snapshot done);
//   - the plugin's own suite as a Job in the namespace, fed by the Secret cdc-test-env: a MySQL commit
//     reaches Kafka through the connector (test_debezium.py), and the database and AlertManager fixtures;
//   - deleting the namespace leaves no object and no volume behind.
import { randomBytes } from "crypto";
import { inClusterEnvValues } from "../../lib/kubernetes/endpoints";
import type { KubeGateName } from "../../lib/kubernetes/gates";
import { secret } from "../../lib/kubernetes/objects";
import { suiteJob, TEST_ENV_SECRET } from "../../lib/kubernetes/suite";
import { CONNECTOR_REDACT_ENV } from "../../lib/probes";
import { applyObjects, clusterImagesMissing, clusterMissing, jobOutcome, kubectl, runGate, type GateRun } from "./support/kube";
import { defaultKubeStack, STACK_IMAGES } from "./support/kubeStack";
import { waitFor } from "./support/processes";
import { describeIfAvailable } from "./support/tools";

const CLUSTER_MISSING = clusterMissing();
const describeCluster = describeIfAvailable("kubernetes platform on the local cluster", [
    CLUSTER_MISSING,
    !CLUSTER_MISSING && clusterImagesMissing(Object.values(STACK_IMAGES)),
]);

const k = defaultKubeStack();
const { stack, placement: p, gates, outside, passwords: pw, mysqlConnector, postgresConnector } = k;

const report = (what: string, run: GateRun) =>
    // eslint-disable-next-line no-console
    console.log(`kubernetes ${what}: exit ${run.code} after ${run.seconds.toFixed(1)} s: ${run.stdout.trim() || run.stderr.trim().split("\n").slice(-40).join("\n")}`);

describeCluster("a default stack from the kubernetes platform's manifests, on a real cluster", () => {
    jest.setTimeout(900_000);
    const ready: Partial<Record<KubeGateName, GateRun>> = {};

    afterAll(() => {
        try { kubectl(["delete", "namespace", p.namespace, "--ignore-not-found", "--wait=false"]); } catch { /* reported by the last test */ }
    });

    test("the namespace with its quota and limits, then every service from its manifests, each passes its gate", async () => {
        applyObjects(k.environmentObjects());
        applyObjects(k.serviceObjects());
        const names = Object.keys(gates) as KubeGateName[];
        await Promise.all(names.map(async (name) => {
            const g = gates[name]!;
            ready[name] = await runGate(g.request, g.forward, 300, k.gateSecretEnv);
        }));
        for (const name of names) report(`gate ${name}`, ready[name]!);
        expect(names.map((name) => [name, ready[name]!.code])).toEqual(names.map((name) => [name, 0]));
        expect(names.sort()).toEqual(["alertmanager", "connect", "kafka", "mysql", "postgres", "prometheus", "spark"]);
        expect(ready.kafka!.stdout).toContain(`through kubectl port-forward to service/kafka`);
    });

    test("each connector's gate registers it and sees it RUNNING with its snapshot done", async () => {
        const connect = gates.connect!;
        const runs = await Promise.all([
            [mysqlConnector, pw.mysqlCdc] as const, [postgresConnector, pw.postgresCdc] as const,
        ].map(([spec, secretValue]) => runGate({ service: "connector", url: outside.connectUrl, name: spec.name, config: spec.config },
            connect.forward, 300, { [CONNECTOR_REDACT_ENV]: secretValue })));
        runs.forEach((run, i) => report(`connector ${i === 0 ? mysqlConnector.name : postgresConnector.name}`, run));
        expect(runs.map((run) => run.code)).toEqual([0, 0]);
        for (const run of runs) expect(run.stdout + run.stderr).not.toContain(pw.mysqlCdc);
    });

    test("the plugin's suite as a Job in the namespace: a MySQL commit reaches Kafka through the connector, every fixture passes", async () => {
        applyObjects([secret(p, TEST_ENV_SECRET, "test-env", inClusterEnvValues(k.endpointValues()))]);
        const job = `pytest-${randomBytes(3).toString("hex")}`;
        applyObjects([suiteJob(p, {
            name: job, image: STACK_IMAGES.suite, memoryMb: 512, deadlineSeconds: 600,
            args: ["-v", "test_debezium.py", "test_mysql.py", "test_postgres.py", "test_alertmanager.py"],
        })]);
        const outcome = await jobOutcome(p.namespace, job, 660_000);
        // eslint-disable-next-line no-console
        console.log(`kubernetes suite Job ${job}: ${outcome.state}\n${outcome.log.split("\n").slice(-30).join("\n")}`);
        expect(outcome.state).toBe("Complete");
        expect(outcome.log).toMatch(/test_debezium\.py::test_insert_and_update_arrive_as_c_and_u PASSED/);
        // The summary line names only passed tests: nothing failed, errored or skipped.
        expect(outcome.log).toMatch(/^=+ \d+ passed in [\d.]+s/m);
        // The passwords reach the pod only from the Secret: the Job's manifest holds none.
        const manifest = kubectl(["-n", p.namespace, "get", "job", job, "-o", "json"]);
        for (const value of Object.values(pw)) expect(manifest).not.toContain(value);
    });

    test("the namespace is labelled, the quota counts the pods, and the claims are bound on the default class", () => {
        const ns = JSON.parse(kubectl(["get", "namespace", p.namespace, "-o", "json"]));
        expect(ns.metadata.labels).toMatchObject({ "cdc-test-infra.stack": stack, "cdc-test-infra.environment": "ephemeral" });
        const quota = JSON.parse(kubectl(["-n", p.namespace, "get", "resourcequota", "cdc-environment", "-o", "json"]));
        expect(quota.status.used["limits.memory"]).not.toBe("0");
        const claims = JSON.parse(kubectl(["-n", p.namespace, "get", "pvc", "-o", "json"])).items;
        expect(claims.map((c: any) => [c.metadata.name, c.status.phase]).sort()).toEqual([
            ["data-alertmanager-0", "Bound"], ["data-kafka-0", "Bound"], ["data-mysql-0", "Bound"], ["data-postgres-0", "Bound"],
            ["data-prometheus-0", "Bound"], ["spark-data", "Bound"],
        ]);
        const services = JSON.parse(kubectl(["-n", p.namespace, "get", "services", "-o", "json"])).items;
        expect([...new Set(services.map((x: any) => x.spec.type))]).toEqual(["ClusterIP"]);
    });

    test("deleting the namespace leaves nothing: no object, no volume", async () => {
        const volumes = JSON.parse(kubectl(["-n", p.namespace, "get", "pvc", "-o", "json"])).items.map((c: any) => c.spec.volumeName);
        kubectl(["delete", "namespace", p.namespace, "--wait=true", "--timeout=240s"]);
        await waitFor("the namespace's volumes to be deleted", async () => {
            const left = JSON.parse(kubectl(["get", "pv", "-o", "json"])).items.filter((v: any) => volumes.includes(v.metadata.name));
            return left.length === 0 ? true : undefined;
        }, 120_000, 500);
        expect(kubectl(["get", "namespace", p.namespace, "--ignore-not-found", "-o", "name"]).trim()).toBe("");
    });
});
