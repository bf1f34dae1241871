import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { dockerName } from "../lib/naming";
import { SPARK, SPARK_DEFAULTS_FILE, SPARK_KAFKA_PACKAGE, sparkDaemonEnv, sparkJarsPackages, sparkMasterCommand, sparkMasterUrl, sparkUserScript, sparkWorkerCommand, withSparkUser } from "../lib/spark";
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
    /** Host directory for drivers on the Docker host: mounted at the same path in every Spark container. */
    sharedDir?: string;
    /** `<uid>:<gid>` the containers run as (the owner of what executors write); absent: the image's user. */
    user?: string;
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
    /** The shared host directory (same path in the containers); undefined without host drivers. */
    public readonly sharedDir?: pulumi.Output<string>;
    /** The address executors reach a driver on the Docker host by; undefined without host drivers. */
    public readonly driverHost?: pulumi.Output<string>;
    /** Maven coordinates the cluster's spark-defaults.conf loads; a host driver loads the same. */
    public readonly jarsPackages: string;
    /** spark-sql-kafka matching the cluster's Spark, for jobs streaming from the stack's Kafka. */
    public readonly kafkaPackage: string;

    constructor(name: string, args: SparkClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc:infra:SparkCluster", name, {}, opts);
        const p = args.placement;
        const image = pulledImage(`${name}-image`, args.image, this);
        this.dataVolume = dataVolume(`${name}-data`, p, dockerName(p.project, p.stack, "spark-data"), "spark", this);
        const sparkDefaults = fs.readFileSync(SPARK_DEFAULTS_FILE, "utf8");
        const sharedDir = args.sharedDir === undefined ? undefined : this.sharedDirectory(`${name}-shared-dir`, args.sharedDir, !p.retainVolumesOnDestroy);
        // Every Spark container gets the Delta configuration and the shared data volume (drivers and executors write tables).
        const shared = {
            image: image.imageId,
            envs: sparkDaemonEnv(),
            uploads: [
                { file: `${SPARK.confDir}/spark-defaults.conf`, content: sparkDefaults },
                // Any uid gets a user name (Hadoop's login needs one): see sparkUserScript.
                { file: SPARK.userScript, content: sparkUserScript(), permissions: "0555" },
            ],
            volumes: [{ volumeName: this.dataVolume.name, containerPath: SPARK.dataDir }],
            ...(args.user === undefined ? {} : {
                user: args.user,
                // The data volume belongs to the image's `spark` group (group-writable).
                groupAdds: [String(SPARK.imageGid)],
            }),
            ...(args.sharedDir === undefined ? {} : {
                // Same path inside and out: a file: table path names the same files for a host driver and every executor.
                mounts: [{ type: "bind", source: args.sharedDir, target: args.sharedDir }],
                // Executors of a host driver connect back to it.
                hosts: [{ host: SPARK.dockerHostAlias, ip: SPARK.hostGateway }],
            }),
        };
        const after = sharedDir ? [sharedDir] : [];
        this.internalMasterUrl = sparkMasterUrl(SPARK.masterAlias, SPARK.rpcPort);

        const masterName = dockerName(p.project, p.stack, "spark-master");
        this.master = new docker.Container(`${name}-master`, {
            ...containerBase(p, "spark-master", SPARK.masterAlias, args.masterMemoryMb),
            ...shared,
            name: masterName,
            hostname: SPARK.masterAlias,
            command: withSparkUser(sparkMasterCommand({ sparkHome: SPARK.home, host: SPARK.masterAlias, port: SPARK.rpcPort, webUiPort: SPARK.masterUiPort })),
            ports: [publishedPort(p, SPARK.rpcPort, args.masterHostPort), publishedPort(p, SPARK.masterUiPort, args.uiHostPort)],
        }, { parent: this, dependsOn: after, ...CONTAINER_OPTIONS });

        this.workers = Array.from({ length: args.workers }, (_, i) => {
            const alias = SPARK.workerAlias(i + 1);
            return new docker.Container(`${name}-worker-${i + 1}`, {
                ...containerBase(p, "spark-worker", alias, args.workerMemoryMb + SPARK.workerOverheadMb),
                ...shared,
                name: dockerName(p.project, p.stack, alias),
                hostname: alias,
                command: withSparkUser(sparkWorkerCommand({
                    sparkHome: SPARK.home, host: alias, webUiPort: SPARK.workerUiPort, cores: args.workerCores,
                    memoryMb: args.workerMemoryMb, workDir: SPARK.workerScratchDir, masterUrl: this.internalMasterUrl,
                })),
            }, { parent: this, dependsOn: [this.master, ...after], ...CONTAINER_OPTIONS });
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
        this.jarsPackages = sparkJarsPackages();
        this.kafkaPackage = SPARK_KAFKA_PACKAGE;
        if (sharedDir) {
            this.sharedDir = this.gate.gate(sharedDir.create.apply(() => args.sharedDir!));
            this.driverHost = this.gate.gate(SPARK.dockerHostAlias);
        }
        this.registerOutputs({
            masterUrl: this.masterUrl, uiUrl: this.uiUrl, internalMasterUrl: this.internalMasterUrl,
            sharedDir: this.sharedDir, driverHost: this.driverHost, jarsPackages: this.jarsPackages, kafkaPackage: this.kafkaPackage,
        });
    }

    /** Created before the containers (a bind mount's source must exist); removed on destroy unless kept like the volumes. */
    private sharedDirectory(name: string, dir: string, removeOnDestroy: boolean): command.local.Command {
        return new command.local.Command(name, {
            // The path goes through the environment, never into the shell text.
            environment: { CDC_SHARED_DIR: dir },
            create: 'mkdir -p -- "$CDC_SHARED_DIR"',
            delete: removeOnDestroy ? 'case "$CDC_SHARED_DIR" in /?*) rm -rf -- "$CDC_SHARED_DIR" ;; esac' : undefined,
        }, { parent: this });
    }
}
