// Facts about AlertManager: used by the component, the probe and the tests.
import { configFile } from "./paths";
import { parse } from "yaml";

export const ALERTMANAGER = {
    alias: "alertmanager",
    port: 9093,
    configFile: "/etc/alertmanager/alertmanager.yml",
    storagePath: "/alertmanager",
} as const;

export const ALERTMANAGER_CONFIG_FILE = configFile("alertmanager", "alertmanager.yml");

export interface AlertmanagerArgsOptions {
    configFile: string;
    storagePath: string;
    /** host:port to serve on; the container serves on every interface. */
    listenAddress: string;
}

/** The container's command (replaces the image CMD, so both paths are passed). */
export function alertmanagerArgs(o: AlertmanagerArgsOptions): string[] {
    return [
        `--config.file=${o.configFile}`,
        `--storage.path=${o.storagePath}`,
        `--web.listen-address=${o.listenAddress}`,
        // A single node: no gossip port, no peers to wait for.
        "--cluster.listen-address=",
    ];
}

/** The top-level route's receiver: what tells our config from any other. */
export function routeReceiverOf(configText: string): string | undefined {
    const doc = parse(configText) as { route?: { receiver?: unknown } } | null;
    const receiver = doc?.route?.receiver;
    return typeof receiver === "string" ? receiver : undefined;
}
