// The port-forward plan of a Kubernetes stack (lib/kubernetes/forwards.ts): one forward per address the
// env lines name, each to the Service and port its gate forwards to, for the services switched on.
import { ALERTMANAGER } from "../../lib/alertmanager";
import { KAFKA } from "../../lib/kafka";
import { KAFKA_CONNECT } from "../../lib/kafkaConnect";
import { FORWARD_ADDRESS, outsideAddresses } from "../../lib/kubernetes/endpoints";
import { forwardedPort, portForwards, type PortForward } from "../../lib/kubernetes/forwards";
import { kubeGates } from "../../lib/kubernetes/gates";
import { MYSQL } from "../../lib/mysql";
import { POSTGRES } from "../../lib/postgres";
import { PROMETHEUS } from "../../lib/prometheus";
import { defaultNamespace, parseSettings, SETTINGS_SCHEMA } from "../../lib/settings";
import { SPARK } from "../../lib/spark";

const PROJECT = "cdc-test-infra";
const kube = (stack: string, raw: Record<string, string> = {}) => parseSettings({ platform: "kubernetes", ...raw }, PROJECT, stack);
const at = (f: PortForward) => `${f.localPort}->${f.service}:${f.servicePort}`;

describe("portForwards", () => {
    test("a default kubernetes stack: every service, at the configured ports, in the stack's namespace and current context", () => {
        const s = kube("pr-7");
        const plan = portForwards(s);
        const namespace = defaultNamespace(PROJECT, "pr-7");
        expect(plan.map(at)).toEqual([
            `${s.spark.masterPort}->${SPARK.masterAlias}:${SPARK.rpcPort}`,
            `${s.spark.uiPort}->${SPARK.masterAlias}:${SPARK.masterUiPort}`,
            `${s.alertmanager.port}->${ALERTMANAGER.alias}:${ALERTMANAGER.port}`,
            `${s.prometheus.port}->${PROMETHEUS.alias}:${PROMETHEUS.port}`,
            `${s.mysql.port}->${MYSQL.alias}:${MYSQL.port}`,
            `${s.postgres.port}->${POSTGRES.alias}:${POSTGRES.port}`,
            // Kafka's host listener, which advertises 127.0.0.1:<kafkaPort>: clients follow the forward.
            `${s.kafka.port}->${KAFKA.alias}:${KAFKA.ports.host}`,
            `${s.connect.port}->${KAFKA_CONNECT.alias}:${KAFKA_CONNECT.restPort}`,
        ]);
        expect(plan.every((f) => f.namespace === namespace && f.context === undefined && !("context" in f))).toBe(true);
        // Each local port is the default of the setting the plan names.
        for (const f of plan) expect(SETTINGS_SCHEMA[f.setting].default).toBe(f.localPort);
        // The pods' role is the gate's, so a forward and its gate pick the same pods.
        const gates = kubeGates(s);
        expect(plan.find((f) => f.service === MYSQL.alias)!.role).toBe(gates.mysql!.forward.role);
        expect(plan.filter((f) => f.service === SPARK.masterAlias).map((f) => f.role)).toEqual([gates.spark!.forward.role, gates.spark!.forward.role]);
    });

    test("every address the outputs name for a client here is served by exactly one forward", () => {
        const s = kube("pr-7");
        const o = outsideAddresses(s);
        const named = [o.sparkMasterUrl, o.sparkUiUrl, o.alertmanagerUrl, `${o.mysql.host}:${o.mysql.port}`, o.prometheusUrl,
            o.kafkaBootstrapServers, o.connectUrl, `${o.postgres.host}:${o.postgres.port}`].map(forwardedPort);
        expect(portForwards(s).map((f) => f.localPort).sort()).toEqual(named.sort());
    });

    test("prometheus, postgres and the CDC path off: no forwards for them", () => {
        const s = kube("dev", { prometheusEnabled: "false", postgresEnabled: "false", cdcEnabled: "false" });
        expect(portForwards(s).map(at)).toEqual([
            `${s.spark.masterPort}->${SPARK.masterAlias}:${SPARK.rpcPort}`,
            `${s.spark.uiPort}->${SPARK.masterAlias}:${SPARK.masterUiPort}`,
            `${s.alertmanager.port}->${ALERTMANAGER.alias}:${ALERTMANAGER.port}`,
            `${s.mysql.port}->${MYSQL.alias}:${MYSQL.port}`,
        ]);
        expect(portForwards(kube("dev", { prometheusEnabled: "false" })).map((f) => f.service)).not.toContain(PROMETHEUS.alias);
        expect(portForwards(kube("dev", { postgresEnabled: "false" })).map((f) => f.service)).not.toContain(POSTGRES.alias);
        const noCdc = portForwards(kube("dev", { cdcEnabled: "false" })).map((f) => f.service);
        expect(noCdc).not.toContain(KAFKA.alias);
        expect(noCdc).not.toContain(KAFKA_CONNECT.alias);
        expect(noCdc).toContain(POSTGRES.alias);
    });

    test("configured ports, context and namespace are what the forwards use", () => {
        const s = kube("dev", { mysqlPort: "13306", kafkaPort: "19092", kubeContext: "team-cluster", kubernetesNamespace: "cdc-dev" });
        const plan = portForwards(s);
        expect(plan.find((f) => f.service === MYSQL.alias)).toEqual({
            service: MYSQL.alias, namespace: "cdc-dev", context: "team-cluster", localPort: 13306, servicePort: MYSQL.port, role: kubeGates(s).mysql!.forward.role, setting: "mysqlPort",
        });
        expect(plan.find((f) => f.service === KAFKA.alias)!.localPort).toBe(19092);
        expect(plan.every((f) => f.context === "team-cluster" && f.namespace === "cdc-dev")).toBe(true);
    });

    test("two settings on one local port: refused, naming both", () => {
        const s = kube("dev", { mysqlPort: String(SETTINGS_SCHEMA.prometheusPort.default) });
        expect(() => portForwards(s)).toThrow(`prometheusPort, mysqlPort share local port ${SETTINGS_SCHEMA.prometheusPort.default}`);
    });

    test("a docker stack has no forwards", () => {
        expect(() => portForwards(parseSettings({}, PROJECT, "dev"))).toThrow("not for platform kubernetes");
    });

    test("forwardedPort: the port of an address on the forward address, anything else refused", () => {
        expect(forwardedPort(`http://${FORWARD_ADDRESS}:9093`)).toBe(9093);
        expect(forwardedPort(`spark://${FORWARD_ADDRESS}:7077`)).toBe(7077);
        expect(forwardedPort(`${FORWARD_ADDRESS}:9092`)).toBe(9092);
        expect(() => forwardedPort("http://10.0.0.5:9093")).toThrow("is not an address on");
    });
});
