// platform = kubernetes on a persistent stack: one labelled namespace with its quota, every service from
// the pure manifests, passwords only in Secret objects, ClusterIP Services, gates through port-forward,
// outputs for a client outside the cluster, and the Service-name lines in the namespace's Secret.
import { JOBS_HEADROOM_MB } from "../../lib/kubernetes/namespace";
import { SPARK } from "../../lib/spark";
import { COMMAND, isSecretValue, ofType, options, registered, runProgram, useMocks, valueOf } from "./harness";

const PASSWORDS = { mysqlRootPassword: "root-pw-k8s-1", mysqlCdcPassword: "cdc-pw-k8s-2", postgresSuperuserPassword: "pg-su-pw-3", postgresCdcPassword: "pg-cdc-pw-4" };
useMocks({ stack: "dev", config: { platform: "kubernetes", mysqlFlavor: "mariadb", ...PASSWORDS }, secretKeys: Object.keys(PASSWORDS) });
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

const kinds = (kind: string) => ofType(`kubernetes:${kind}`);

test("no Docker resource: the second platform is a sibling, not a branch", () => {
    expect(registered.filter((r) => r.type.startsWith("docker:"))).toEqual([]);
    expect(ofType("pulumi:providers:kubernetes")).toHaveLength(1);
});

test("one namespace <project>-<stack>, labelled with project, stack and kind of environment, kept on destroy", () => {
    const [ns] = kinds("core/v1:Namespace");
    expect(ns.inputs.metadata.name).toBe("cdc-test-infra-dev");
    expect(ns.inputs.metadata.labels).toMatchObject({ "cdc-test-infra.project": "cdc-test-infra", "cdc-test-infra.stack": "dev", "cdc-test-infra.environment": "persistent" });
    expect(options.get(ns.name)?.retainOnDelete).toBe(true);
    for (const r of registered.filter((x) => x.type.startsWith("kubernetes:") && x.type !== "kubernetes:core/v1:Namespace")) {
        expect([r.name, r.inputs.metadata?.namespace]).toEqual([r.name, "cdc-test-infra-dev"]);
    }
});

test("a ResourceQuota from the services' memory plus the jobs' headroom, a LimitRange, and no node port or load balancer", () => {
    const [quota] = kinds("core/v1:ResourceQuota");
    const services = 1024 + (2048 + SPARK.workerOverheadMb) + 256 + 1024 + 512 + 1024 + 1024 + 512;
    expect(quota.inputs.spec.hard).toEqual({
        "requests.memory": `${services + JOBS_HEADROOM_MB}Mi`, "limits.memory": `${services + JOBS_HEADROOM_MB}Mi`,
        "services.loadbalancers": "0", "services.nodeports": "0",
    });
    expect(kinds("core/v1:LimitRange")).toHaveLength(1);
});

test("data services are StatefulSets whose claims are kept (persistent); Connect and Spark are Deployments", () => {
    const sts = kinds("apps/v1:StatefulSet").map((r) => r.inputs.metadata.name).sort();
    expect(sts).toEqual(["alertmanager", "kafka", "mysql", "postgres", "prometheus"]);
    for (const r of kinds("apps/v1:StatefulSet")) {
        expect(r.inputs.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
        expect(r.inputs.spec.volumeClaimTemplates[0].metadata.name).toBe("data");
    }
    expect(kinds("apps/v1:Deployment").map((r) => r.inputs.metadata.name).sort()).toEqual(["kafka-connect", "spark-master", "spark-worker"]);
    const [sparkData] = kinds("core/v1:PersistentVolumeClaim");
    expect(sparkData.inputs.spec.accessModes).toEqual(["ReadWriteMany"]);
    expect(options.get(sparkData.name)?.retainOnDelete).toBe(true);
});

test("every Service is ClusterIP: nothing is exposed outside the cluster", () => {
    const services = kinds("core/v1:Service");
    expect(services.map((r) => r.inputs.metadata.name).sort()).toEqual(["alertmanager", "kafka", "kafka-connect", "mysql", "postgres", "prometheus", "spark-master"]);
    for (const r of services) expect(r.inputs.spec.type).toBe("ClusterIP");
});

test("passwords appear only in Secret objects and the gates' environment, never in a manifest's plain fields or a command line", () => {
    for (const r of registered) {
        const text = JSON.stringify(r.inputs);
        const where = r.type === COMMAND ? JSON.stringify({ ...r.inputs, environment: undefined }) : text;
        for (const pw of Object.values(PASSWORDS)) {
            if (r.type === "kubernetes:core/v1:Secret") continue;
            expect([r.type, r.name, where.includes(pw)]).toEqual([r.type, r.name, false]);
        }
    }
    const secrets = kinds("core/v1:Secret").map((r) => r.inputs.metadata.name).sort();
    expect(secrets).toEqual(["cdc-test-env", "kafka-connect-secrets", "mysql-secrets", "postgres-secrets"]);
});

test("each gate reaches its Service through kubectl port-forward in the namespace", () => {
    const gates = ofType(COMMAND).filter((r) => r.name.endsWith("-probe") || r.name.endsWith("-register"));
    expect(gates.length).toBe(9);
    for (const g of gates) expect(g.inputs.create).toMatch(/--kube-namespace cdc-test-infra-dev --kube-service [a-z-]+ --kube-port \d+ --kube-role [a-z-]+/);
    const kafka = gates.find((g) => g.name === "kafka-ready-probe")!;
    expect(kafka.inputs.create).toContain("--bootstrap 127.0.0.1:9092");
    expect(kafka.inputs.create).toContain("--kube-service kafka --kube-port 29092");
});

test("outputs and env lines name the port-forwarded addresses; no host-driver lines", async () => {
    expect(await valueOf(out.kafkaBootstrapServers)).toBe("127.0.0.1:9092");
    expect(await valueOf(out.kafkaInternalBootstrapServers)).toBe("kafka:9092");
    expect(await valueOf(out.sparkInternalMasterUrl)).toBe("spark://spark-master:7077");
    const lines = (await valueOf<string>(out.testEnv))!;
    expect(lines).toContain("CDC_MYSQL_HOST=127.0.0.1\nCDC_MYSQL_PORT=3306");
    expect(lines).toContain("CDC_CONNECT_URL=http://127.0.0.1:8083");
    expect(lines).not.toMatch(/SHARED|CDC_SPARK_SHARED_DIR|CDC_SPARK_DRIVER_HOST/);
});

test("pods in the namespace get the same variables with Service names, from the Secret cdc-test-env", async () => {
    const env = kinds("core/v1:Secret").find((r) => r.inputs.metadata.name === "cdc-test-env")!;
    // Secret in state too, as the engine marks it.
    expect(isSecretValue(env.inputs.stringData)).toBe(true);
    expect(env.inputs.stringData.value).toMatchObject({
        CDC_SPARK_MASTER_URL: "spark://spark-master:7077", CDC_MYSQL_HOST: "mysql", CDC_MYSQL_PORT: "3306",
        CDC_KAFKA_BOOTSTRAP_SERVERS: "kafka:9092", CDC_CONNECT_URL: "http://kafka-connect:8083", CDC_POSTGRES_HOST: "postgres",
        CDC_MYSQL_PASSWORD: PASSWORDS.mysqlCdcPassword,
    });
});
