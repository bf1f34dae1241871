// The kubernetes platform on a real single-node cluster (scripts/k8s/up.sh): the program's own pure
// manifests (lib/kubernetes) applied with kubectl, with the local images in place of the registry's,
// and the program's own gates (the probe, through its own kubectl port-forward) judging each service.
//   - namespace, ResourceQuota (admission counts every pod against it) and LimitRange;
//   - AlertManager and Prometheus (StatefulSets on the default StorageClass; Prometheus finds AlertManager
//     by its Service name through cluster DNS), and the Spark master and worker (Deployments, a shared
//     ReadWriteMany claim, the user wrapper), each ready by its gate;
//   - deleting the namespace leaves no object and no volume behind.
import { randomBytes } from "crypto";
import { alertmanagerObjects, prometheusObjects } from "../../lib/kubernetes/monitoring";
import { kubeGates, kubePlacement, servicesMemoryMb } from "../../lib/kubernetes/gates";
import { limitRange, namespaceObject, resourceQuota } from "../../lib/kubernetes/namespace";
import { sparkObjects } from "../../lib/kubernetes/spark";
import { parseSettings } from "../../lib/settings";
import { applyObjects, clusterImagesMissing, clusterMissing, kubectl, runGate, type GateRun } from "./support/kube";
import { waitFor } from "./support/processes";
import { describeIfAvailable } from "./support/tools";

const IMAGES = { spark: "cdc-test/spark:3.5.8", alertmanager: "cdc-test/alertmanager:local", prometheus: "cdc-test/prometheus:local" };
const CLUSTER_MISSING = clusterMissing();
const describeCluster = describeIfAvailable("kubernetes platform on the local cluster", [
    CLUSTER_MISSING,
    !CLUSTER_MISSING && clusterImagesMissing(Object.values(IMAGES)),
]);

// An ephemeral environment (pr-<N>): its claims go with its namespace.
const stack = `pr-${parseInt(randomBytes(3).toString("hex"), 16)}`;
const settings = parseSettings({
    platform: "kubernetes", sparkImage: IMAGES.spark, alertmanagerImage: IMAGES.alertmanager, prometheusImage: IMAGES.prometheus,
    sparkWorkerMemoryMb: "1024",
}, "cdc-test-infra", stack);
const p = kubePlacement(settings);
const gates = kubeGates(settings);

describeCluster("the kubernetes platform's manifests and gates on a real cluster", () => {
    jest.setTimeout(600_000);
    const ready: Record<string, GateRun> = {};

    afterAll(() => {
        try { kubectl(["delete", "namespace", p.namespace, "--ignore-not-found", "--wait=false"]); } catch { /* reported by the last test */ }
    });

    test("the namespace with its quota and limits, then every service from its manifests, each passes its gate", async () => {
        applyObjects([namespaceObject(p), resourceQuota(p, servicesMemoryMb(settings).reduce((a, b) => a + b, 0)), limitRange(p, Math.max(...servicesMemoryMb(settings)))]);
        applyObjects([...alertmanagerObjects(p, settings.alertmanager), ...prometheusObjects(p, settings.prometheus), ...sparkObjects(p, settings.spark)]);
        const runs = await Promise.all((["alertmanager", "prometheus", "spark"] as const).map(async (name) => {
            const g = gates[name]!;
            ready[name] = await runGate(g.request, g.forward, 240);
            return [name, ready[name]] as const;
        }));
        for (const [name, run] of runs) {
            // eslint-disable-next-line no-console
            console.log(`kubernetes gate ${name}: exit ${run.code} after ${run.seconds.toFixed(1)} s: ${run.stdout.trim() || run.stderr.trim().split("\n").slice(-40).join("\n")}`);
        }
        expect(runs.map(([name, run]) => [name, run.code])).toEqual([["alertmanager", 0], ["prometheus", 0], ["spark", 0]]);
        expect(ready.prometheus.stdout).toContain("through kubectl port-forward to service/prometheus:9090");
    });

    test("the namespace is labelled, the quota counts the pods, and the claims are bound on the default class", () => {
        const ns = JSON.parse(kubectl(["get", "namespace", p.namespace, "-o", "json"]));
        expect(ns.metadata.labels).toMatchObject({ "cdc-test-infra.stack": stack, "cdc-test-infra.environment": "ephemeral" });
        const quota = JSON.parse(kubectl(["-n", p.namespace, "get", "resourcequota", "cdc-environment", "-o", "json"]));
        expect(quota.status.used["limits.memory"]).not.toBe("0");
        const claims = JSON.parse(kubectl(["-n", p.namespace, "get", "pvc", "-o", "json"])).items;
        expect(claims.map((c: any) => [c.metadata.name, c.status.phase]).sort()).toEqual([
            ["data-alertmanager-0", "Bound"], ["data-prometheus-0", "Bound"], ["spark-data", "Bound"],
        ]);
    });

    test("deleting the namespace leaves nothing: no object, no volume", async () => {
        const volumes = JSON.parse(kubectl(["-n", p.namespace, "get", "pvc", "-o", "json"])).items.map((c: any) => c.spec.volumeName);
        kubectl(["delete", "namespace", p.namespace, "--wait=true", "--timeout=180s"]);
        await waitFor("the namespace's volumes to be deleted", async () => {
            const left = JSON.parse(kubectl(["get", "pv", "-o", "json"])).items.filter((v: any) => volumes.includes(v.metadata.name));
            return left.length === 0 ? true : undefined;
        }, 120_000, 500);
        expect(kubectl(["get", "namespace", p.namespace, "--ignore-not-found", "-o", "name"]).trim()).toBe("");
    });
});
