import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { dockerName } from "../lib/naming";
import { SPARK, SPARK_DEFAULTS_FILE, sparkDaemonEnv, sparkMasterCommand, sparkMasterUrl, sparkWorkerCommand } from "../lib/spark";
import { containerBase, dataVolume, hostUrl, publishedPort, pulledImage, CONTAINER_OPTIONS, type Placement } from "./dockerHelpers";
import { ReadinessGate } from "./readinessGate";

export interface SparkClusterArgs {
    placement: Placement;
    image: string;
    workers: number;
    workerCores: number;
    workerMemoryMb: number;
    masterMemoryMb: number;
    masterHostPort: number;
    uiHostPort: number;
    readiness: { timeoutSeconds: number; intervalMs: number };
}

/** Spark standalone master + workers, configured for Delta Lake, gated on workers registering. */
export class SparkCluster extends pulumi.ComponentResource {
    public readonly master: docker.Container;
    public readonly workers: docker.Container[];
    public readonly dataVolume: docker.Volume;
    /** spark://host:port for drivers on the Docker host; released once the cluster is ready. */
    public readonly masterUrl: pulumi.Output<string>;
    public readonly uiUrl: pulumi.Output<string>;
    /** spark://spark-master:7077 for drivers inside the stack network. */
    public readonly internalMasterUrl: string;
    public readonly gate: ReadinessGate;

    constructor(name: string, args: SparkClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc:infra:SparkCluster", name, {}, opts);
        const p = args.placement;
        const image = pulledImage(`${name}-image`, args.image, this);
        this.dataVolume = dataVolume(`${name}-data`, p, dockerName(p.project, p.stack, "spark-data"), "spark", this);
        const sparkDefaults = fs.readFileSync(SPARK_DEFAULTS_FILE, "utf8");
        // Every Spark container gets the Delta configuration and the shared data volume (drivers and executors write tables).
        const shared = {
            image: image.imageId,
            envs: sparkDaemonEnv(),
            uploads: [{ file: `${SPARK.confDir}/spark-defaults.conf`, content: sparkDefaults }],
            volumes: [{ volumeName: this.dataVolume.name, containerPath: SPARK.dataDir }],
        };
        this.internalMasterUrl = sparkMasterUrl(SPARK.masterAlias, SPARK.rpcPort);

        const masterName = dockerName(p.project, p.stack, "spark-master");
        this.master = new docker.Container(`${name}-master`, {
            ...containerBase(p, "spark-master", SPARK.masterAlias, args.masterMemoryMb),
            ...shared,
            name: masterName,
            hostname: SPARK.masterAlias,
            command: sparkMasterCommand({ sparkHome: SPARK.home, host: SPARK.masterAlias, port: SPARK.rpcPort, webUiPort: SPARK.masterUiPort }),
            ports: [publishedPort(p, SPARK.rpcPort, args.masterHostPort), publishedPort(p, SPARK.masterUiPort, args.uiHostPort)],
        }, { parent: this, ...CONTAINER_OPTIONS });

        this.workers = Array.from({ length: args.workers }, (_, i) => {
            const alias = SPARK.workerAlias(i + 1);
            return new docker.Container(`${name}-worker-${i + 1}`, {
                ...containerBase(p, "spark-worker", alias, args.workerMemoryMb + SPARK.workerOverheadMb),
                ...shared,
                name: dockerName(p.project, p.stack, alias),
                hostname: alias,
                command: sparkWorkerCommand({
                    sparkHome: SPARK.home, host: alias, webUiPort: SPARK.workerUiPort, cores: args.workerCores,
                    memoryMb: args.workerMemoryMb, workDir: SPARK.workerScratchDir, masterUrl: this.internalMasterUrl,
                }),
            }, { parent: this, dependsOn: [this.master], ...CONTAINER_OPTIONS });
        });

        const uiUrl = hostUrl(p, "http", this.master, SPARK.masterUiPort);
        const all = [this.master, ...this.workers];
        this.gate = new ReadinessGate(`${name}-ready`, {
            request: uiUrl.apply((url) => ({ service: "spark" as const, url, expectedWorkers: args.workers })),
            timing: args.readiness,
            containers: all,
        }, { parent: this });
        this.uiUrl = this.gate.gate(uiUrl);
        this.masterUrl = this.gate.gate(hostUrl(p, "spark", this.master, SPARK.rpcPort));
        this.registerOutputs({ masterUrl: this.masterUrl, uiUrl: this.uiUrl, internalMasterUrl: this.internalMasterUrl });
    }
}
