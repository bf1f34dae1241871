import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { ALERTMANAGER } from "../lib/alertmanager";
import { dockerName } from "../lib/naming";
import { PROMETHEUS, PROMETHEUS_CONFIG_FILE, prometheusArgs, TEST_ALERT_RULES_FILE, alertmanagerTargetsOf } from "../lib/prometheus";
import { containerBase, dataVolume, hostUrl, publishedPort, pulledImage, CONTAINER_OPTIONS, type Placement } from "./dockerHelpers";
import { ReadinessGate } from "./readinessGate";

export interface PrometheusServerArgs {
    placement: Placement;
    image: string;
    hostPort: number;
    memoryMb: number;
    /** Load the always-firing test rule. */
    testAlert: boolean;
    readiness: { timeoutSeconds: number; intervalMs: number };
}

/** Prometheus evaluating the project's rules and sending alerts to the stack's AlertManager. */
export class PrometheusServer extends pulumi.ComponentResource {
    public readonly container: docker.Container;
    public readonly dataVolume: docker.Volume;
    /** Base URL for the host; released once AlertManager shows as active. */
    public readonly url: pulumi.Output<string>;
    public readonly gate: ReadinessGate;

    constructor(name: string, args: PrometheusServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc:infra:PrometheusServer", name, {}, opts);
        const p = args.placement;
        const config = fs.readFileSync(PROMETHEUS_CONFIG_FILE, "utf8");
        const alertmanagerTarget = `${ALERTMANAGER.alias}:${ALERTMANAGER.port}`;
        if (!alertmanagerTargetsOf(config).includes(alertmanagerTarget)) {
            throw new Error(`${PROMETHEUS_CONFIG_FILE} does not send alerts to ${alertmanagerTarget}`);
        }
        const uploads: docker.types.input.ContainerUpload[] = [{ file: PROMETHEUS.configFile, content: config }];
        if (args.testAlert) {
            uploads.push({ file: `${PROMETHEUS.rulesDir}/${path.basename(TEST_ALERT_RULES_FILE)}`, content: fs.readFileSync(TEST_ALERT_RULES_FILE, "utf8") });
        }
        const image = pulledImage(`${name}-image`, args.image, this);
        this.dataVolume = dataVolume(`${name}-data`, p, dockerName(p.project, p.stack, "prometheus-data"), "prometheus", this);
        this.container = new docker.Container(`${name}-server`, {
            ...containerBase(p, "prometheus", PROMETHEUS.alias, args.memoryMb),
            name: dockerName(p.project, p.stack, "prometheus"),
            image: image.imageId,
            command: prometheusArgs({ configFile: PROMETHEUS.configFile, storagePath: PROMETHEUS.storagePath, listenAddress: `:${PROMETHEUS.port}` }),
            uploads,
            volumes: [{ volumeName: this.dataVolume.name, containerPath: PROMETHEUS.storagePath }],
            ports: [publishedPort(p, PROMETHEUS.port, args.hostPort)],
            // The TSDB head is flushed on graceful shutdown.
            destroyGraceSeconds: 30,
        // Starts alongside AlertManager, not after its gate: Prometheus re-resolves and retries its
        // AlertManager on its own, and its own gate waits until that AlertManager shows as active.
        }, { parent: this, ...CONTAINER_OPTIONS });
        const url = hostUrl(p, "http", this.container, PROMETHEUS.port);
        this.gate = new ReadinessGate(`${name}-ready`, {
            request: url.apply((u) => ({ service: "prometheus" as const, url: u, alertmanagerTarget })),
            timing: args.readiness,
            containers: [this.container],
        }, { parent: this });
        this.url = this.gate.gate(url);
        this.registerOutputs({ url: this.url });
    }
}
