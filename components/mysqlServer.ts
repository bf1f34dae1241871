import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { binlogFlags, cdcInitSql, credentialsSql, entrypointScript, MYSQL, MYSQL_CNF_FILE, rootPasswordEnv } from "../lib/mysql";
import { dockerName } from "../lib/naming";
import { PROBE_SECRET_ENV } from "../lib/probes";
import type { MysqlFlavor } from "../lib/settings";
import { containerBase, dataVolume, hostAddress, hostPortOf, publishedPort, pulledImage, sharedPorts, CONTAINER_OPTIONS, type Placement } from "./dockerHelpers";
import { generatedPassword } from "./passwords";
import { ReadinessGate } from "./readinessGate";

export interface MysqlServerArgs {
    placement: Placement;
    flavor: MysqlFlavor;
    image: string;
    hostPort: number;
    memoryMb: number;
    serverId: number;
    binlogRetentionHours: number;
    database: string;
    cdcUser: string;
    /** From secret config; generated (and kept in state) when absent. */
    rootPassword?: pulumi.Input<string>;
    cdcPassword?: pulumi.Input<string>;
    readiness: { timeoutSeconds: number; intervalMs: number };
}

/** MySQL (or MariaDB) with the binlog Debezium needs, a test database and a CDC user. */
export class MysqlServer extends pulumi.ComponentResource {
    public readonly container: docker.Container;
    public readonly dataVolume: docker.Volume;
    public readonly host: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    /** Host and port a driver on the Docker host and the executors in the Spark containers both reach; undefined without host drivers. */
    public readonly sharedHost?: pulumi.Output<string>;
    public readonly sharedPort?: pulumi.Output<number>;
    public readonly database: pulumi.Output<string>;
    public readonly cdcUser: pulumi.Output<string>;
    public readonly cdcPassword: pulumi.Output<string>;
    public readonly rootPassword: pulumi.Output<string>;
    /** The CDC password (secret) without waiting for the gate: for services that log in by themselves later (Kafka Connect's secret file). */
    public readonly cdcPasswordSecret: pulumi.Output<string>;
    public readonly gate: ReadinessGate;

    constructor(name: string, args: MysqlServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc:infra:MysqlServer", name, {}, opts);
        const p = args.placement;
        const rootPassword = pulumi.secret(args.rootPassword ?? generatedPassword(`${name}-root-password`, this));
        const cdcPassword = pulumi.secret(args.cdcPassword ?? generatedPassword(`${name}-cdc-password`, this));
        const image = pulledImage(`${name}-image`, args.image, this);
        this.dataVolume = dataVolume(`${name}-data`, p, dockerName(p.project, p.stack, "mysql-data"), "mysql", this);
        const initSql = cdcPassword.apply((password) => cdcInitSql({ database: args.database, user: args.cdcUser, password }));
        const credentials = pulumi.secret(pulumi.all([rootPassword, cdcPassword]).apply(([root, cdc]) =>
            credentialsSql(args.flavor, { rootPassword: root, database: args.database, user: args.cdcUser, password: cdc })));
        this.container = new docker.Container(`${name}-server`, {
            ...containerBase(p, "mysql", MYSQL.alias, args.memoryMb),
            name: dockerName(p.project, p.stack, "mysql"),
            image: image.imageId,
            // Passwords live in state, not on the volume: a kept volume (persistent stacks keep it through
            // destroy) gets the current ones at every start. See entrypointScript.
            entrypoints: [MYSQL.entrypointFile],
            command: binlogFlags(args.flavor, { serverId: args.serverId, retentionHours: args.binlogRetentionHours }),
            // The root password comes from a file: an env var would show in `docker inspect`.
            envs: rootPasswordEnv(args.flavor),
            uploads: [
                { file: MYSQL.confFile, content: fs.readFileSync(MYSQL_CNF_FILE, "utf8"), permissions: "0444" },
                { file: MYSQL.rootPasswordFile, content: rootPassword, permissions: "0444" },
                { file: MYSQL.initFile, content: initSql, permissions: "0444" },
                { file: MYSQL.credentialsFile, content: credentials, permissions: "0444" },
                { file: MYSQL.entrypointFile, content: entrypointScript(MYSQL), permissions: "0555" },
            ],
            volumes: [{ volumeName: this.dataVolume.name, containerPath: MYSQL.dataDir }],
            // The shared address too (host drivers): executors' JDBC reads and a driver on the host dial the same address.
            ports: [publishedPort(p, MYSQL.port, args.hostPort), ...sharedPorts(p, MYSQL.port, args.hostPort)],
            // A clean shutdown flushes InnoDB and the binlog.
            destroyGraceSeconds: 60,
        }, { parent: this, ...CONTAINER_OPTIONS });

        const host = hostAddress(p);
        const port = hostPortOf(p, this.container, MYSQL.port);
        this.gate = new ReadinessGate(`${name}-ready`, {
            request: port.apply((hostPort) => ({ service: "mysql" as const, host, port: hostPort, flavor: args.flavor, cdcUser: args.cdcUser })),
            timing: args.readiness,
            containers: [this.container],
            secretEnv: { [PROBE_SECRET_ENV.mysqlRootPassword]: rootPassword, [PROBE_SECRET_ENV.mysqlCdcPassword]: cdcPassword },
        }, { parent: this });
        this.host = this.gate.gate(host);
        this.port = this.gate.gate(port);
        if (p.sharedAddress !== undefined) {
            this.sharedHost = this.gate.gate(p.sharedAddress);
            this.sharedPort = this.gate.gate(args.hostPort);
        }
        this.database = this.gate.gate(args.database);
        this.cdcUser = this.gate.gate(args.cdcUser);
        this.cdcPassword = this.gate.gate(cdcPassword);
        this.rootPassword = rootPassword;
        this.cdcPasswordSecret = cdcPassword;
        this.registerOutputs({ host: this.host, port: this.port, sharedHost: this.sharedHost, sharedPort: this.sharedPort, database: this.database, cdcUser: this.cdcUser });
    }
}
