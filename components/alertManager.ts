import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { ALERTMANAGER, ALERTMANAGER_CONFIG_FILE, alertmanagerArgs, routeReceiverOf } from "../lib/alertmanager";
import { dockerName } from "../lib/naming";
import { containerBase, dataVolume, hostUrl, publishedPort, pulledImage, CONTAINER_OPTIONS, type Placement } from "./dockerHelpers";
import { ReadinessGate } from "./readinessGate";

export interface AlertManagerArgs {
    placement: Placement;
    image: string;
    hostPort: number;
    memoryMb: number;
    readiness: { timeoutSeconds: number; intervalMs: number };
}

/** AlertManager with the project's config and a named volume for silences and the notification log. */
export class AlertManager extends pulumi.ComponentResource {
    public readonly container: docker.Container;
    public readonly dataVolume: docker.Volume;
    /** Base URL for the host; released once the API serves the loaded config. */
    public readonly url: pulumi.Output<string>;
    /** Base URL inside the stack network. */
    public readonly internalUrl: string;
    public readonly gate: ReadinessGate;

    constructor(name: string, args: AlertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc:infra:AlertManager", name, {}, opts);
        const p = args.placement;
        const config = fs.readFileSync(ALERTMANAGER_CONFIG_FILE, "utf8");
        const routeReceiver = routeReceiverOf(config);
        if (!routeReceiver) throw new Error(`${ALERTMANAGER_CONFIG_FILE} has no route.receiver`);
        const image = pulledImage(`${name}-image`, args.image, this);
        this.dataVolume = dataVolume(`${name}-data`, p, dockerName(p.project, p.stack, "alertmanager-data"), "alertmanager", this);
        this.container = new docker.Container(`${name}-server`, {
            ...containerBase(p, "alertmanager", ALERTMANAGER.alias, args.memoryMb),
            name: dockerName(p.project, p.stack, "alertmanager"),
            image: image.imageId,
            command: alertmanagerArgs({ configFile: ALERTMANAGER.configFile, storagePath: ALERTMANAGER.storagePath, listenAddress: `:${ALERTMANAGER.port}` }),
            uploads: [{ file: ALERTMANAGER.configFile, content: config }],
            volumes: [{ volumeName: this.dataVolume.name, containerPath: ALERTMANAGER.storagePath }],
            ports: [publishedPort(p, ALERTMANAGER.port, args.hostPort)],
            // Silences are snapshotted on graceful shutdown: give it time.
            destroyGraceSeconds: 30,
        }, { parent: this, ...CONTAINER_OPTIONS });
        this.internalUrl = `http://${ALERTMANAGER.alias}:${ALERTMANAGER.port}`;
        const url = hostUrl(p, "http", this.container, ALERTMANAGER.port);
        this.gate = new ReadinessGate(`${name}-ready`, {
            request: url.apply((u) => ({ service: "alertmanager" as const, url: u, routeReceiver })),
            timing: args.readiness,
            containers: [this.container],
        }, { parent: this });
        this.url = this.gate.gate(url);
        this.registerOutputs({ url: this.url, internalUrl: this.internalUrl });
    }
}
