// The Spark standalone cluster: a master and N workers (Deployments), the Delta configuration and the user
// wrapper from a ConfigMap, and one data claim all Spark pods share (Delta tables of drivers in the namespace).
import * as fs from "fs";
import { SPARK, SPARK_DEFAULTS_FILE, sparkDaemonEnv, sparkMasterCommand, sparkMasterUrl, sparkUserScript, sparkWorkerCommand, withSparkUser } from "../spark";
import { DATA_SIZE_GI, deployment, envOf, httpProbe, livenessOf, memoryResources, persistentVolumeClaim, service, tcpProbe, configMap, type KubePlacement } from "./objects";

export interface SparkManifestArgs {
    image: string;
    workers: number;
    workerCores: number;
    workerMemoryMb: number;
    masterMemoryMb: number;
    /** `<uid>:<gid>` the pods run as; absent: the image's user. */
    user?: string;
}

/** The data claim of the Spark pods and of drivers in the namespace: ReadWriteMany, as several pods mount it. */
export const SPARK_DATA_CLAIM = "spark-data";
export const SPARK_INTERNAL_MASTER_URL = sparkMasterUrl(SPARK.masterAlias, SPARK.rpcPort);
/** Each daemon binds to its pod's own address: a Service name resolves to the Service, which a daemon cannot bind. */
const POD_IP = "$(POD_IP)";

export function sparkObjects(p: KubePlacement, a: SparkManifestArgs) {
    const [uid, gid] = a.user === undefined ? [undefined, undefined] : a.user.split(":").map(Number);
    const pod = {
        securityContext: {
            // The claim belongs to the image's `spark` group, as the Docker volume does.
            fsGroup: SPARK.imageGid,
            ...(uid === undefined ? {} : { runAsUser: uid, runAsGroup: gid, supplementalGroups: [SPARK.imageGid] }),
        },
        volumes: [
            { name: "config", configMap: { name: "spark-config", defaultMode: 0o555 } },
            { name: "data", persistentVolumeClaim: { claimName: SPARK_DATA_CLAIM } },
        ],
    };
    const container = (name: string, command: string[], memoryMb: number) => ({
        name,
        image: a.image,
        command: withSparkUser(command),
        env: [
            ...envOf(sparkDaemonEnv()),
            { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        ],
        resources: memoryResources(memoryMb),
        volumeMounts: [
            { name: "config", mountPath: `${SPARK.confDir}/spark-defaults.conf`, subPath: "spark-defaults.conf", readOnly: true },
            { name: "config", mountPath: SPARK.userScript, subPath: "spark-user.sh", readOnly: true },
            { name: "data", mountPath: SPARK.dataDir },
        ],
    });
    return [
        configMap(p, "spark-config", "spark", { "spark-defaults.conf": fs.readFileSync(SPARK_DEFAULTS_FILE, "utf8"), "spark-user.sh": sparkUserScript() }),
        persistentVolumeClaim(p, SPARK_DATA_CLAIM, "spark", { sizeGi: DATA_SIZE_GI.spark, accessMode: "ReadWriteMany" }),
        service(p, SPARK.masterAlias, "spark-master", [{ name: "rpc", port: SPARK.rpcPort }, { name: "ui", port: SPARK.masterUiPort }]),
        deployment(p, "spark-master", {
            role: "spark-master",
            ...pod,
            containers: [{
                ...container("spark-master", sparkMasterCommand({ sparkHome: SPARK.home, host: POD_IP, port: SPARK.rpcPort, webUiPort: SPARK.masterUiPort }), a.masterMemoryMb),
                ports: [{ name: "rpc", containerPort: SPARK.rpcPort }, { name: "ui", containerPort: SPARK.masterUiPort }],
                readinessProbe: httpProbe("/", SPARK.masterUiPort),
                livenessProbe: livenessOf(tcpProbe(SPARK.rpcPort)),
            }],
        }),
        deployment(p, "spark-worker", {
            role: "spark-worker",
            replicas: a.workers,
            ...pod,
            containers: [{
                ...container("spark-worker", sparkWorkerCommand({
                    sparkHome: SPARK.home, host: POD_IP, webUiPort: SPARK.workerUiPort, cores: a.workerCores,
                    memoryMb: a.workerMemoryMb, workDir: SPARK.workerScratchDir, masterUrl: SPARK_INTERNAL_MASTER_URL,
                }), a.workerMemoryMb + SPARK.workerOverheadMb),
                ports: [{ name: "ui", containerPort: SPARK.workerUiPort }],
                readinessProbe: httpProbe("/", SPARK.workerUiPort),
                livenessProbe: livenessOf(httpProbe("/", SPARK.workerUiPort)),
            }],
        }),
    ];
}
