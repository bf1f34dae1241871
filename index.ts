// cdc-test-infra: read config, build the components, export the (readiness-gated) endpoints.
import * as pulumi from "@pulumi/pulumi";
import { AlertManager } from "./components/alertManager";
import { MysqlServer } from "./components/mysqlServer";
import { StackNetwork } from "./components/network";
import { PrometheusServer } from "./components/prometheusServer";
import { SparkCluster } from "./components/sparkCluster";
import { readStackConfig } from "./lib/stackConfig";
import { testEnvLines } from "./lib/testEnv";

const { settings: s, secrets } = readStackConfig();
const network = new StackNetwork("network", { project: s.project, stack: s.stack });
const placement = {
    project: s.project,
    stack: s.stack,
    networkName: network.name,
    bindAddress: s.bindAddress,
    fixedHostPorts: s.fixedHostPorts,
    retainVolumesOnDestroy: s.retainVolumesOnDestroy,
};

const spark = new SparkCluster("spark", {
    placement,
    image: s.spark.image,
    workers: s.spark.workers,
    workerCores: s.spark.workerCores,
    workerMemoryMb: s.spark.workerMemoryMb,
    masterMemoryMb: s.spark.masterMemoryMb,
    masterHostPort: s.spark.masterPort,
    uiHostPort: s.spark.uiPort,
    readiness: s.readiness,
    sharedDir: s.spark.sharedDir,
    user: s.spark.user,
});

const alertmanager = new AlertManager("alertmanager", {
    placement,
    image: s.alertmanager.image,
    hostPort: s.alertmanager.port,
    memoryMb: s.alertmanager.memoryMb,
    readiness: s.readiness,
});

const prometheus = s.prometheus.enabled
    ? new PrometheusServer("prometheus", {
        placement,
        image: s.prometheus.image,
        hostPort: s.prometheus.port,
        memoryMb: s.prometheus.memoryMb,
        testAlert: s.prometheus.testAlert,
        readiness: s.readiness,
    })
    : undefined;

const mysql = new MysqlServer("mysql", {
    placement,
    ...s.mysql,
    hostPort: s.mysql.port,
    rootPassword: secrets.mysqlRootPassword,
    cdcPassword: secrets.mysqlCdcPassword,
    readiness: s.readiness,
});

export const environment = s.environment;
export const sparkMasterUrl = spark.masterUrl;
export const sparkUiUrl = spark.uiUrl;
export const sparkInternalMasterUrl = spark.internalMasterUrl;
export const alertmanagerUrl = alertmanager.url;
export const alertmanagerInternalUrl = alertmanager.internalUrl;
export const mysqlFlavor = s.mysql.flavor;
export const mysqlHost = mysql.host;
export const mysqlPort = mysql.port;
export const mysqlDatabase = mysql.database;
export const mysqlCdcUser = mysql.cdcUser;
export const mysqlCdcPassword = mysql.cdcPassword;
export const mysqlRootPassword = mysql.rootPassword;
export const prometheusUrl = prometheus?.url;
export const sparkSharedDir = spark.sharedDir;
export const sparkDriverHost = spark.driverHost;
export const sparkJarsPackages = spark.jarsPackages;
/** `pulumi stack output testEnv --show-secrets > .env.cdc` gives KEY=value lines to source. */
export const testEnv = pulumi.secret(pulumi.output({
    sparkMasterUrl, sparkUiUrl, alertmanagerUrl, mysqlFlavor, mysqlHost, mysqlPort, mysqlDatabase, mysqlCdcUser, mysqlCdcPassword, prometheusUrl,
    sparkSharedDir, sparkDriverHost, sparkJarsPackages,
}).apply(testEnvLines));
