// Facts about Prometheus: used by the component, the probe and the tests.
import * as fs from "fs";
import { parse } from "yaml";
import { configFile } from "./paths";

export const PROMETHEUS = {
    alias: "prometheus",
    port: 9090,
    configFile: "/etc/prometheus/prometheus.yml",
    rulesDir: "/etc/prometheus/rules",
    storagePath: "/prometheus",
} as const;

export const PROMETHEUS_CONFIG_FILE = configFile("prometheus", "prometheus.yml");
export const TEST_ALERT_RULES_FILE = configFile("prometheus", "rules", "test-alert.yml");

export interface PrometheusArgsOptions {
    configFile: string;
    storagePath: string;
    listenAddress: string;
}

/** The container's command (replaces the image CMD, so both paths are passed). */
export function prometheusArgs(o: PrometheusArgsOptions): string[] {
    return [
        `--config.file=${o.configFile}`,
        `--storage.tsdb.path=${o.storagePath}`,
        `--web.listen-address=${o.listenAddress}`,
        // POST /-/reload after changing rules, without a restart.
        "--web.enable-lifecycle",
        // Alerts fired before AlertManager discovery completes (~5 s after start) are dropped and
        // resent only after this delay (default 1m): measured 64 s to first delivery with the default.
        "--rules.alert.resend-delay=5s",
    ];
}

/** host:port targets of the alerting section's static configs. */
export function alertmanagerTargetsOf(configText: string): string[] {
    const doc = parse(configText) as { alerting?: { alertmanagers?: Array<{ static_configs?: Array<{ targets?: string[] }> }> } };
    return (doc.alerting?.alertmanagers ?? []).flatMap((am) => (am.static_configs ?? []).flatMap((sc) => sc.targets ?? []));
}

/** Names of the alerting rules in a rules file. */
export function alertNamesOf(rulesText: string): string[] {
    const doc = parse(rulesText) as { groups?: Array<{ rules?: Array<{ alert?: string }> }> };
    return (doc.groups ?? []).flatMap((g) => (g.rules ?? []).flatMap((r) => (r.alert ? [r.alert] : [])));
}

export const TEST_ALERT_NAMES = alertNamesOf(fs.readFileSync(TEST_ALERT_RULES_FILE, "utf8"));
