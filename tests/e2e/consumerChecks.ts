// What the CDC pipeline's test suite needs of a running environment, checked from the host.
// Shared by stack.test.ts (a throwaway stack) and environment.test.ts (the environment in CDC_* variables).
import axios from "axios";
import * as fs from "fs";
import { Kafka, logLevel } from "kafkajs";
import * as mysql from "mysql2/promise";
import * as pg from "pg";
import { ALERTMANAGER_CONFIG_FILE, routeReceiverOf } from "../../lib/alertmanager";
import { AlertmanagerClient } from "../../lib/alertmanagerClient";
import { binlogStatusQuery, expectedServerVariables } from "../../lib/mysql";
import { TEST_ALERT_NAMES } from "../../lib/prometheus";
import type { MysqlFlavor } from "../../lib/settings";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function checkSpark(uiUrl: string, expectedWorkers: number): Promise<void> {
    const res = await axios.get(`${uiUrl}/json/`, { timeout: 10_000 });
    expect(res.status).toBe(200);
    expect(res.data.status).toBe("ALIVE");
    const alive = (res.data.workers as Array<{ state: string }>).filter((w) => w.state === "ALIVE");
    expect(alive).toHaveLength(expectedWorkers);
}

/** Our config is loaded, and an alert posted from the host is listed back. */
export async function checkAlertmanager(url: string, tag: string): Promise<void> {
    const client = new AlertmanagerClient(url);
    const status = await client.status();
    expect(routeReceiverOf(status.config.original)).toBe(routeReceiverOf(fs.readFileSync(ALERTMANAGER_CONFIG_FILE, "utf8")));
    await client.postAlerts([{ labels: { alertname: "CdcE2eCheck", service: "e2e", tag }, annotations: { summary: "end-to-end check" } }]);
    let listed: Awaited<ReturnType<AlertmanagerClient["listAlerts"]>> = [];
    for (const deadline = Date.now() + 15_000; listed.length === 0 && Date.now() < deadline;) {
        listed = await client.listAlerts({ filter: ['alertname="CdcE2eCheck"', `tag="${tag}"`] });
        if (listed.length === 0) await sleep(250);
    }
    expect(listed).toHaveLength(1);
    expect(listed[0]!.labels).toMatchObject({ alertname: "CdcE2eCheck", service: "e2e", tag });
}

/** Prometheus's always-firing test alert reaches the AlertManager (Prometheus -> AlertManager by network alias). */
export async function checkAlertDelivery(alertmanagerUrl: string, withinMs = 60_000): Promise<void> {
    const client = new AlertmanagerClient(alertmanagerUrl);
    const [alertname] = TEST_ALERT_NAMES;
    let listed: Awaited<ReturnType<AlertmanagerClient["listAlerts"]>> = [];
    for (const deadline = Date.now() + withinMs; listed.length === 0 && Date.now() < deadline;) {
        listed = await client.listAlerts({ filter: [`alertname="${alertname}"`] });
        if (listed.length === 0) await sleep(500);
    }
    expect(listed.map((a) => a.labels.alertname)).toEqual([alertname]);
}

export interface MysqlEndpoint { host: string; port: number; user: string; password: string; database: string }

/** The CDC user logs in from the host and sees the binlog Debezium needs. */
export async function checkMysql(e: MysqlEndpoint, flavor: MysqlFlavor): Promise<void> {
    const conn = await mysql.createConnection({ ...e, connectTimeout: 10_000 });
    try {
        const expected = expectedServerVariables(flavor);
        const names = Object.keys(expected);
        const [rows] = await conn.query(`SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names.map(() => "?").join(", ")})`, names);
        const vars = Object.fromEntries((rows as Array<{ Variable_name: string; Value: string }>).map((r) => [r.Variable_name, r.Value]));
        expect(vars).toEqual(expected);
        const [status] = await conn.query(binlogStatusQuery(flavor));
        expect((status as Array<{ File?: string }>)[0]?.File).toMatch(/^binlog\.\d+$/);
    } finally {
        await conn.end();
    }
}

export interface PostgresEndpoint { host: string; port: number; user: string; password: string; database: string; publication: string }

/** The CDC user logs in from the host; WAL is logical and the connector's publication exists. */
export async function checkPostgres(e: PostgresEndpoint): Promise<void> {
    const client = new pg.Client({ host: e.host, port: e.port, user: e.user, password: e.password, database: e.database, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
        const { rows } = await client.query("SELECT current_user AS who, current_setting('wal_level') AS wal_level, " +
            "(SELECT rolreplication FROM pg_roles WHERE rolname = current_user) AS replication, " +
            "EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1) AS publication", [e.publication]);
        expect(rows).toEqual([{ who: e.user, wal_level: "logical", replication: true, publication: true }]);
    } finally {
        await client.end();
    }
}

/** A host client produces to a fresh topic through the host listener and reads the record back. */
export async function checkKafka(bootstrap: string, tag: string): Promise<void> {
    const kafka = new Kafka({ clientId: "cdc-e2e", brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const topic = `cdc-e2e-${tag}`;
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    const consumer = kafka.consumer({ groupId: `cdc-e2e-${tag}` });
    try {
        await producer.connect();
        await producer.send({ topic, messages: [{ key: "k", value: tag }] });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const value = await new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no record on ${topic} via ${bootstrap} in 30 s`)), 30_000);
            consumer.run({ eachMessage: async ({ message }) => { clearTimeout(timer); resolve(String(message.value)); } }).catch(reject);
        });
        expect(value).toBe(tag);
    } finally {
        await consumer.disconnect();
        await producer.disconnect();
    }
}

/**
 * The line of `kafka-broker-api-versions --bootstrap-server …` for broker `id` at `address`: the
 * broker (Kafka's Node) then ` -> (` and its API versions. Kafka 3.x prints the node as
 * `kafka:9092 (id: 1 rack: null)`; 4.1 adds fields: `kafka:9092 (id: 1 rack: null isFenced: false)`.
 */
export function brokerApiVersionsLine(address: string, id: number): RegExp {
    const literal = address.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`^${literal} \\(id: ${id} rack: null(?: [^()\\n]*)?\\) -> \\(`, "m");
}
