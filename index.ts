// cdc-test-infra: read config, stand the stack up on its platform, export the (readiness-gated) endpoints.
import * as pulumi from "@pulumi/pulumi";
import { readStackConfig } from "./lib/stackConfig";
import { testEnvLines } from "./lib/testEnv";
import { dockerStack } from "./platforms/docker";
import { kubernetesStack } from "./platforms/kubernetes";

const config = readStackConfig();
const e = config.settings.platform === "kubernetes" ? kubernetesStack(config) : dockerStack(config);

export const environment = e.environment;
export const sparkMasterUrl = e.sparkMasterUrl;
export const sparkUiUrl = e.sparkUiUrl;
export const sparkInternalMasterUrl = e.sparkInternalMasterUrl;
export const alertmanagerUrl = e.alertmanagerUrl;
export const alertmanagerInternalUrl = e.alertmanagerInternalUrl;
export const mysqlFlavor = e.mysqlFlavor;
export const mysqlHost = e.mysqlHost;
export const mysqlPort = e.mysqlPort;
export const mysqlSharedHost = e.mysqlSharedHost;
export const mysqlSharedPort = e.mysqlSharedPort;
export const mysqlDatabase = e.mysqlDatabase;
export const mysqlCdcUser = e.mysqlCdcUser;
export const mysqlCdcPassword = e.mysqlCdcPassword;
export const mysqlRootPassword = e.mysqlRootPassword;
export const prometheusUrl = e.prometheusUrl;
export const kafkaBootstrapServers = e.kafkaBootstrapServers;
export const kafkaInternalBootstrapServers = e.kafkaInternalBootstrapServers;
export const kafkaSharedBootstrapServers = e.kafkaSharedBootstrapServers;
export const connectUrl = e.connectUrl;
export const cdcConnectorName = e.cdcConnectorName;
export const cdcTopicPrefix = e.cdcTopicPrefix;
export const postgresHost = e.postgresHost;
export const postgresPort = e.postgresPort;
export const postgresSharedHost = e.postgresSharedHost;
export const postgresSharedPort = e.postgresSharedPort;
export const postgresDatabase = e.postgresDatabase;
export const postgresCdcUser = e.postgresCdcUser;
export const postgresCdcPassword = e.postgresCdcPassword;
export const postgresPublication = e.postgresPublication;
export const postgresSuperuserPassword = e.postgresSuperuserPassword;
export const postgresConnectorName = e.postgresConnectorName;
export const postgresTopicPrefix = e.postgresTopicPrefix;
export const sparkSharedDir = e.sparkSharedDir;
export const sparkDriverHost = e.sparkDriverHost;
export const sparkJarsPackages = e.sparkJarsPackages;
export const sparkKafkaPackage = e.sparkKafkaPackage;
/** `pulumi stack output testEnv --show-secrets > .env.cdc` gives KEY=value lines to source. */
export const testEnv = pulumi.secret(pulumi.output({
    sparkMasterUrl, sparkUiUrl, alertmanagerUrl, mysqlFlavor, mysqlHost, mysqlPort, mysqlDatabase, mysqlCdcUser, mysqlCdcPassword, prometheusUrl,
    kafkaBootstrapServers, kafkaInternalBootstrapServers, connectUrl, cdcConnectorName, cdcTopicPrefix,
    postgresHost, postgresPort, postgresDatabase, postgresCdcUser, postgresCdcPassword, postgresPublication, postgresConnectorName, postgresTopicPrefix,
    sparkSharedDir, sparkDriverHost, sparkJarsPackages, sparkKafkaPackage,
    kafkaSharedBootstrapServers, mysqlSharedHost, mysqlSharedPort, postgresSharedHost, postgresSharedPort,
}).apply(testEnvLines));
