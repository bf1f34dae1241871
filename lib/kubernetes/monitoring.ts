// AlertManager and Prometheus as StatefulSets (silences and the TSDB are data), configured from the
// project's config files through ConfigMaps, with the Docker components' flags.
import * as fs from "fs";
import * as path from "path";
import { ALERTMANAGER, ALERTMANAGER_CONFIG_FILE, alertmanagerArgs } from "../alertmanager";
import { PROMETHEUS, PROMETHEUS_CONFIG_FILE, prometheusArgs, TEST_ALERT_RULES_FILE } from "../prometheus";
import { DATA_SIZE_GI, configMap, httpProbe, livenessOf, memoryResources, service, statefulSet, type KubePlacement } from "./objects";

/** nobody: the user of the prom/* images, given the data claim through fsGroup. */
export const PROM_IMAGE_GID = 65534;

export function alertmanagerObjects(p: KubePlacement, a: { image: string; memoryMb: number }) {
    const role = "alertmanager";
    const file = path.posix.basename(ALERTMANAGER.configFile);
    return [
        configMap(p, "alertmanager-config", role, { [file]: fs.readFileSync(ALERTMANAGER_CONFIG_FILE, "utf8") }),
        service(p, ALERTMANAGER.alias, role, [{ name: "http", port: ALERTMANAGER.port }]),
        statefulSet(p, "alertmanager", {
            role,
            data: { sizeGi: DATA_SIZE_GI.alertmanager },
            securityContext: { fsGroup: PROM_IMAGE_GID },
            // Silences are snapshotted on graceful shutdown.
            terminationGraceSeconds: 30,
            volumes: [{ name: "config", configMap: { name: "alertmanager-config" } }],
            containers: [{
                name: "alertmanager",
                image: a.image,
                args: alertmanagerArgs({ configFile: ALERTMANAGER.configFile, storagePath: ALERTMANAGER.storagePath, listenAddress: `:${ALERTMANAGER.port}` }),
                ports: [{ name: "http", containerPort: ALERTMANAGER.port }],
                resources: memoryResources(a.memoryMb),
                readinessProbe: httpProbe("/-/ready", ALERTMANAGER.port),
                livenessProbe: livenessOf(httpProbe("/-/healthy", ALERTMANAGER.port)),
                volumeMounts: [
                    { name: "data", mountPath: ALERTMANAGER.storagePath },
                    { name: "config", mountPath: ALERTMANAGER.configFile, subPath: file, readOnly: true },
                ],
            }],
        }),
    ];
}

export function prometheusObjects(p: KubePlacement, a: { image: string; memoryMb: number; testAlert: boolean }) {
    const role = "prometheus";
    const file = path.posix.basename(PROMETHEUS.configFile);
    const rules = a.testAlert ? { [path.posix.basename(TEST_ALERT_RULES_FILE)]: fs.readFileSync(TEST_ALERT_RULES_FILE, "utf8") } : {};
    return [
        configMap(p, "prometheus-config", role, { [file]: fs.readFileSync(PROMETHEUS_CONFIG_FILE, "utf8") }),
        configMap(p, "prometheus-rules", role, rules),
        service(p, PROMETHEUS.alias, role, [{ name: "http", port: PROMETHEUS.port }]),
        statefulSet(p, "prometheus", {
            role,
            data: { sizeGi: DATA_SIZE_GI.prometheus },
            securityContext: { fsGroup: PROM_IMAGE_GID },
            // The TSDB head is flushed on graceful shutdown.
            terminationGraceSeconds: 30,
            volumes: [
                { name: "config", configMap: { name: "prometheus-config" } },
                { name: "rules", configMap: { name: "prometheus-rules" } },
            ],
            containers: [{
                name: "prometheus",
                image: a.image,
                args: prometheusArgs({ configFile: PROMETHEUS.configFile, storagePath: PROMETHEUS.storagePath, listenAddress: `:${PROMETHEUS.port}` }),
                ports: [{ name: "http", containerPort: PROMETHEUS.port }],
                resources: memoryResources(a.memoryMb),
                readinessProbe: httpProbe("/-/ready", PROMETHEUS.port),
                livenessProbe: livenessOf(httpProbe("/-/healthy", PROMETHEUS.port)),
                volumeMounts: [
                    { name: "data", mountPath: PROMETHEUS.storagePath },
                    { name: "config", mountPath: PROMETHEUS.configFile, subPath: file, readOnly: true },
                    { name: "rules", mountPath: PROMETHEUS.rulesDir, readOnly: true },
                ],
            }],
        }),
    ];
}
