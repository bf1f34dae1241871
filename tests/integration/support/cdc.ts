// The CDC path for integration tests and the benchmark, from real processes: a MariaDB with the
// component's binlog flags and init SQL, a Kafka Connect worker (ConnectDistributed from the image's
// Kafka jars) with the component's worker properties and the Debezium plugins, and a change-topic
// reader. Everything is stopped by stopAll().
import { execFile } from "child_process";
import * as fs from "fs";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import * as path from "path";
import * as mysql from "mysql2/promise";
import { connectWorkerProperties } from "../../../lib/kafkaConnect";
import { binlogFlags, cdcInitSql, MYSQL_CNF_FILE, type CdcAccount } from "../../../lib/mysql";
import { startKafkaJava, writeProperties } from "./kafka";
import { freePort, LOOPBACK, startProcess, tempDir, waitFor, type RunningProcess } from "./processes";
import { PROJECT_ROOT, which } from "./tools";

/** The Debezium connector plugin directories (scripts/fetch-jars.sh). */
export const PLUGIN_DIR = path.join(PROJECT_ROOT, ".tools", "jars", "plugins");
const MARIADBD = which("mariadbd");
const INSTALL_DB = which("mariadb-install-db");
const CLIENT = which("mariadb");

/** What the MariaDB + Connect path needs besides Kafka (kafkaMissing); for describeIfAvailable. */
export function cdcMissing(): (string | undefined)[] {
    return [
        MARIADBD && INSTALL_DB && CLIENT ? undefined : "mariadbd, mariadb-install-db or mariadb not found (apt-get install mariadb-server mariadb-client)",
        fs.existsSync(path.join(PLUGIN_DIR, "debezium-connector-mariadb")) ? undefined : `${path.relative(PROJECT_ROOT, PLUGIN_DIR)}/debezium-connector-mariadb missing (run scripts/fetch-jars.sh)`,
    ];
}

function runWithInput(program: string, args: string[], input: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = execFile(program, args, { timeout: 60_000 }, (err, stdout, stderr) =>
            err ? reject(new Error(`${path.basename(program)} failed: ${stderr || stdout || err.message}`)) : resolve(stdout));
        child.stdin!.end(input);
    });
}

export interface Mariadb {
    proc: RunningProcess;
    port: number;
    serverId: number;
    account: CdcAccount;
    /** A connection as the CDC user, who owns the test database. */
    connect(): Promise<mysql.Connection>;
}

/** mariadbd as the container runs it (the project's cnf, the MariaDB binlog flags, the init SQL), on loopback. */
export async function startMariadb(account: CdcAccount, serverId: number): Promise<Mariadb> {
    const dir = tempDir("cdc-mariadb");
    const dataDir = path.join(dir, "data");
    const socket = path.join(dir, "mysqld.sock");
    const cnf = path.join(dir, "my.cnf");
    const port = await freePort();
    fs.writeFileSync(cnf, `!include ${MYSQL_CNF_FILE}\n`);
    // mariadbd refuses to run as root without --user=root (CI containers run as root).
    const asRoot = process.getuid?.() === 0 ? ["--user=root"] : [];
    await runWithInput(INSTALL_DB!, ["--no-defaults", `--datadir=${dataDir}`, "--skip-test-db", ...asRoot], "");
    const proc = startProcess(MARIADBD!, [`--defaults-file=${cnf}`, ...binlogFlags("mariadb", { serverId, retentionHours: 24 }),
        `--datadir=${dataDir}`, `--socket=${socket}`, `--port=${port}`, `--bind-address=${LOOPBACK}`, `--pid-file=${path.join(dir, "mysqld.pid")}`, ...asRoot]);
    await waitFor("mariadbd ready for connections", async () => {
        if (proc.child.exitCode !== null) throw new Error(`mariadbd exited: ${proc.output()}`);
        return proc.output().includes("ready for connections") || undefined;
    }, 60_000);
    // The image runs the init SQL as root on its first boot; here root is the socket's unix user.
    await runWithInput(CLIENT!, ["--no-defaults", "--protocol=socket", `--socket=${socket}`, "--user=root"], cdcInitSql(account));
    return {
        proc, port, serverId, account,
        connect: () => mysql.createConnection({ host: LOOPBACK, port, user: account.user, password: account.password, database: account.database }),
    };
}

export interface ConnectWorker {
    proc: RunningProcess;
    url: string;
    /** Where secret files go, standing in for the container's secret directory. */
    secretDir: string;
    properties: Record<string, string>;
}

/**
 * A Connect worker with the component's worker properties (lib/kafkaConnect.ts) on `kafkaBootstrap`
 * (the broker's internal listener, as in the stack); only the REST listener and the plugin path are
 * local. Resolves once the process is started; the Connect gate (probe) decides when it is ready.
 */
export function startConnectWorker(kafkaBootstrap: string, restPort: number): ConnectWorker {
    const dir = tempDir("connect");
    const secretDir = path.join(dir, "secrets");
    fs.mkdirSync(secretDir, { mode: 0o700 });
    const properties = {
        ...connectWorkerProperties({ bootstrapServers: kafkaBootstrap }),
        listeners: `http://${LOOPBACK}:${restPort}`,
        "plugin.path": PLUGIN_DIR,
    };
    const file = path.join(dir, "connect-distributed.properties");
    writeProperties(file, properties);
    const proc = startKafkaJava("org.apache.kafka.connect.cli.ConnectDistributed", [file], { heap: "-Xms128m -Xmx512m" });
    return { proc, url: `http://${LOOPBACK}:${restPort}`, secretDir, properties };
}

export interface ChangeEvent {
    key: unknown;
    value: { op: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; source: Record<string, unknown>; ts_ms: number } | null;
    /** Date.now() when the consumer got it. */
    receivedAt: number;
}

/** Reads a change topic from the beginning, from the host; `until` waits for a matching event. */
export class TopicTail {
    readonly events: ChangeEvent[] = [];
    private constructor(private readonly consumer: Consumer, readonly topic: string) {}

    static async start(bootstrap: string, topic: string): Promise<TopicTail> {
        const kafka = new Kafka({ clientId: "cdc-infra-test", brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10 } });
        const consumer = kafka.consumer({ groupId: `tail-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 50 });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const tail = new TopicTail(consumer, topic);
        await consumer.run({
            eachMessage: async ({ message }) => {
                const parse = (b: Buffer | null) => (b === null ? null : JSON.parse(b.toString()));
                tail.events.push({ key: parse(message.key), value: parse(message.value), receivedAt: Date.now() });
            },
        });
        return tail;
    }

    async until(what: string, match: (e: ChangeEvent) => boolean, timeoutMs = 30_000): Promise<ChangeEvent> {
        try {
            return await waitFor(what, async () => this.events.find(match), timeoutMs, 5);
        } catch (err) {
            throw new Error(`${(err as Error).message} on ${this.topic}; arrived: ${JSON.stringify(this.events.map((e) => e.value && { op: e.value.op, after: e.value.after }))}`);
        }
    }

    stop(): Promise<void> {
        return this.consumer.disconnect();
    }
}
