// The port-forwards a test process on this machine needs for a Kubernetes stack (`npm run env:forward`):
// one per address the outputs and env lines name (outsideAddresses), each to the Service and port its
// gate forwards to (kubeGates), for the services the settings switch on. Settings in, plan out.
import type { SettingKey, Settings } from "../settings";
import { SPARK } from "../spark";
import { FORWARD_ADDRESS, outsideAddresses } from "./endpoints";
import { kubeGates, type KubeGateName } from "./gates";

export interface PortForward {
    /** The Service forwarded to, in `namespace`. */
    service: string;
    namespace: string;
    /** Absent: the kubeconfig's current context. */
    context?: string;
    /** The forward listens on FORWARD_ADDRESS:localPort, the address the env lines name. */
    localPort: number;
    /** The Service's port. */
    servicePort: number;
    /** The pods' role label (app.kubernetes.io/name). */
    role: string;
    /** The setting that chose localPort (what to change when it is taken). */
    setting: SettingKey;
}

/** The `host:port` the outputs name for each gate's service, and the setting behind its port. */
function gateAddresses(s: Settings): Record<KubeGateName, { address: string; setting: SettingKey }> {
    const o = outsideAddresses(s);
    return {
        spark: { address: o.sparkUiUrl, setting: "sparkUiPort" },
        alertmanager: { address: o.alertmanagerUrl, setting: "alertmanagerPort" },
        prometheus: { address: o.prometheusUrl, setting: "prometheusPort" },
        mysql: { address: `${o.mysql.host}:${o.mysql.port}`, setting: "mysqlPort" },
        postgres: { address: `${o.postgres.host}:${o.postgres.port}`, setting: "postgresPort" },
        kafka: { address: o.kafkaBootstrapServers, setting: "kafkaPort" },
        connect: { address: o.connectUrl, setting: "connectPort" },
    };
}

/** The port of `[scheme://]127.0.0.1:<port>[/]`; anything else would not be a forward's address. */
export function forwardedPort(address: string): number {
    const m = /^(?:[a-z]+:\/\/)?([^/:]+):(\d+)\/?$/.exec(address);
    if (!m || m[1] !== FORWARD_ADDRESS) throw new Error(`${address} is not an address on ${FORWARD_ADDRESS}: no port-forward serves it`);
    return Number(m[2]);
}

/** Every forward of a Kubernetes stack, in a stable order; throws when two share a local port. */
export function portForwards(s: Settings): PortForward[] {
    const gates = kubeGates(s);
    const addresses = gateAddresses(s);
    const plan: PortForward[] = [];
    for (const name of Object.keys(gates) as KubeGateName[]) {
        const forward = gates[name]!.forward;
        const base = { service: forward.service, namespace: forward.namespace, ...(forward.context === undefined ? {} : { context: forward.context }), role: forward.role };
        // The Spark gate forwards the master's UI only; the master URL (spark://) needs its RPC port too.
        if (name === "spark") {
            plan.push({ ...base, localPort: forwardedPort(outsideAddresses(s).sparkMasterUrl), servicePort: SPARK.rpcPort, setting: "sparkMasterPort" });
        }
        plan.push({ ...base, localPort: forwardedPort(addresses[name].address), servicePort: forward.port, setting: addresses[name].setting });
    }
    const bySetting = new Map<number, SettingKey[]>();
    for (const f of plan) bySetting.set(f.localPort, [...(bySetting.get(f.localPort) ?? []), f.setting]);
    const shared = [...bySetting].filter(([, settings]) => settings.length > 1);
    if (shared.length > 0) {
        throw new Error(shared.map(([port, settings]) => `${settings.join(", ")} share local port ${port}`).join("; ") +
            `: each forward needs its own local port on ${FORWARD_ADDRESS}; give each of these settings its own value`);
    }
    return plan;
}
