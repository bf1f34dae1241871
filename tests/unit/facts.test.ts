// Pure facts shared by components, probe and integration tests.
import { execFileSync } from "child_process";
import * as fs from "fs";
import { parse } from "yaml";
import { ALERTMANAGER } from "../../lib/alertmanager";
import { PROMETHEUS_CONFIG_FILE, TEST_ALERT_NAMES, alertmanagerTargetsOf } from "../../lib/prometheus";
import { binlogFlags, binlogStatusQuery, CDC_GRANTS, cdcInitSql } from "../../lib/mysql";
import { SPARK, SPARK_KAFKA_PACKAGE, sparkMasterCommand, sparkUserScript, sparkWorkerCommand, withSparkUser } from "../../lib/spark";
import { TEST_ENV_KEYS, testEnvLines, type Endpoints } from "../../lib/testEnv";

test("binlog flags: ROW, FULL, server id and retention for both flavors; GTIDs only for MySQL", () => {
    const mysql = binlogFlags("mysql", { serverId: 9, retentionHours: 2 });
    const mariadb = binlogFlags("mariadb", { serverId: 9, retentionHours: 2 });
    for (const flags of [mysql, mariadb]) {
        expect(flags).toEqual(expect.arrayContaining(["--server-id=9", "--binlog-format=ROW", "--binlog-row-image=FULL", "--binlog-expire-logs-seconds=7200"]));
        expect(flags.filter((f) => f.startsWith("--log-bin="))).toHaveLength(1);
        for (const f of flags) expect(f.startsWith("-")).toBe(true); // the entrypoints prepend the server binary
    }
    expect(mysql).toEqual(expect.arrayContaining(["--gtid-mode=ON", "--enforce-gtid-consistency=ON"]));
    expect(mariadb.join(" ")).not.toContain("gtid");
    expect(binlogStatusQuery("mysql")).toBe("SHOW BINARY LOG STATUS");
    expect(binlogStatusQuery("mariadb")).toBe("SHOW MASTER STATUS");
});

test("init SQL: database, user, Debezium's grants; quotes in the password cannot break out", () => {
    const sql = cdcInitSql({ database: "cdc_test", user: "cdc", password: "p'w\\d" });
    expect(sql).toContain("CREATE DATABASE IF NOT EXISTS `cdc_test`;");
    expect(sql).toContain("CREATE USER IF NOT EXISTS 'cdc'@'%' IDENTIFIED BY 'p''w\\\\d';");
    expect(sql).toContain(`GRANT ${CDC_GRANTS.join(", ")} ON *.* TO 'cdc'@'%';`);
    expect(CDC_GRANTS).toEqual(["SELECT", "RELOAD", "SHOW DATABASES", "REPLICATION SLAVE", "REPLICATION CLIENT"]);
});

test("spark commands run the daemon classes in the foreground via spark-class", () => {
    expect(sparkMasterCommand({ sparkHome: "/opt/spark", host: "m", port: 1, webUiPort: 2 }).slice(0, 2))
        .toEqual(["/opt/spark/bin/spark-class", "org.apache.spark.deploy.master.Master"]);
    const worker = sparkWorkerCommand({ sparkHome: "/s", host: "w", webUiPort: 3, cores: 2, memoryMb: 512, workDir: "/tmp/w", masterUrl: "spark://m:1" });
    expect(worker[1]).toBe("org.apache.spark.deploy.worker.Worker");
    expect(worker[worker.length - 1]).toBe("spark://m:1");
});

test("test env lines source back into a POSIX shell unchanged", () => {
    const endpoints: Endpoints = {
        sparkMasterUrl: "spark://127.0.0.1:7077", sparkUiUrl: "http://127.0.0.1:8080", alertmanagerUrl: "http://127.0.0.1:9093",
        mysqlFlavor: "mysql", mysqlHost: "127.0.0.1", mysqlPort: 3306, mysqlDatabase: "cdc_test", mysqlCdcUser: "cdc", mysqlCdcPassword: "a b'$c\"`d", prometheusUrl: "http://127.0.0.1:9090",
        kafkaBootstrapServers: "127.0.0.1:9092", kafkaInternalBootstrapServers: "kafka:9092",
        connectUrl: "http://127.0.0.1:8083", cdcConnectorName: "cdc-mysql-source", cdcTopicPrefix: "cdc",
        postgresHost: "127.0.0.1", postgresPort: 5432, postgresDatabase: "cdc_test", postgresCdcUser: "cdc", postgresCdcPassword: "p'g $x", postgresPublication: "dbz_publication", postgresConnectorName: "cdc-postgres-source", postgresTopicPrefix: "cdc-postgres",
        sparkSharedDir: "/home/me/repo/.cdc-shared/dev", sparkDriverHost: "host.docker.internal", sparkJarsPackages: "io.delta:delta-spark_2.12:3.3.3",
        sparkKafkaPackage: SPARK_KAFKA_PACKAGE, kafkaSharedBootstrapServers: "172.18.0.1:9092",
        mysqlSharedHost: "172.18.0.1", mysqlSharedPort: 3306, postgresSharedHost: "172.18.0.1", postgresSharedPort: 5432,
    };
    const script = `set -a\n${testEnvLines(endpoints)}set +a\n` + Object.values(TEST_ENV_KEYS).map((k) => `printf '%s\\n' "$${k}"`).join("\n");
    const printed = execFileSync("sh", ["-c", script], { encoding: "utf8", env: {} }).split("\n").slice(0, -1);
    expect(printed).toEqual(Object.keys(TEST_ENV_KEYS).map((k) => String(endpoints[k as keyof Endpoints])));
    const { prometheusUrl: _p, ...withoutPrometheus } = endpoints;
    expect(testEnvLines(withoutPrometheus)).not.toContain("CDC_PROMETHEUS_URL");
});

test("prometheus.yml sends to the stack's AlertManager by its alias on API v2, and the test rule has an alert", () => {
    const text = fs.readFileSync(PROMETHEUS_CONFIG_FILE, "utf8");
    expect(alertmanagerTargetsOf(text)).toEqual([`${ALERTMANAGER.alias}:${ALERTMANAGER.port}`]);
    expect(parse(text).alerting.alertmanagers[0].api_version).toBe("v2");
    expect(TEST_ALERT_NAMES).toEqual(["CdcTestInfraAlwaysFiring"]);
});

test("the Spark user wrapper names an unknown uid through nss_wrapper, else runs the command as it is", () => {
    const script = sparkUserScript();
    expect(script.startsWith("#!/bin/sh\n")).toBe(true);
    expect(script).toContain("if ! id -un >/dev/null 2>&1; then");
    expect(script).toContain("libnss_wrapper.so");
    expect(script).toContain("export LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP");
    expect(script.trimEnd().endsWith('exec "$@"')).toBe(true);
    expect(withSparkUser(["/opt/spark/bin/spark-class", "X"])).toEqual([SPARK.userScript, "/opt/spark/bin/spark-class", "X"]);
    // It must run under a plain POSIX shell.
    expect(execFileSync("sh", ["-n"], { input: script }).toString()).toBe("");
});
