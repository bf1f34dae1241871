import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { dockerName } from "../lib/naming";
import { logicalDecodingFlags, POSTGRES, postgresDatabaseSql, postgresRolesSql, postgresStartScript, SQL_DIR_ENV } from "../lib/postgres";
import { PROBE_SECRET_ENV } from "../lib/probes";
import { containerBase, dataVolume, hostAddress, hostPortOf, publishedPort, pulledImage, sharedPorts, CONTAINER_OPTIONS, type Placement } from "./dockerHelpers";
import { generatedPassword } from "./passwords";
import { ReadinessGate } from "./readinessGate";

export interface PostgresServerArgs {
    placement: Placement;
    image: string;
    hostPort: number;
    memoryMb: number;
    database: string;
    cdcUser: string;
    maxWalSenders: number;
    maxReplicationSlots: number;
    /** From secret config; generated (and kept in state) when absent. */
    superuserPassword?: pulumi.Input<string>;
    cdcPassword?: pulumi.Input<string>;
    readiness: { timeoutSeconds: number; intervalMs: number };
}

/** PostgreSQL with logical decoding for Debezium, a test database, a CDC role and the publication. */
export class PostgresServer extends pulumi.ComponentResource {
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
    public readonly publication: pulumi.Output<string>;
    public readonly superuserPassword: pulumi.Output<string>;
    /** The CDC password without waiting for the gate: for Kafka Connect's password file, so Connect need not wait for PostgreSQL. */
    public readonly cdcPasswordSecret: pulumi.Output<string>;
    public readonly gate: ReadinessGate;

    constructor(name: string, args: PostgresServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cdc:infra:PostgresServer", name, {}, opts);
        const p = args.placement;
        const generated = (suffix: string) => generatedPassword(`${name}-${suffix}`, this);
        const superuserPassword = pulumi.secret(args.superuserPassword ?? generated("superuser-password"));
        const cdcPassword = pulumi.secret(args.cdcPassword ?? generated("cdc-password"));
        const image = pulledImage(`${name}-image`, args.image, this);
        this.dataVolume = dataVolume(`${name}-data`, p, dockerName(p.project, p.stack, "postgres-data"), "postgres", this);
        const account = { database: args.database, user: args.cdcUser };
        const rolesSql = pulumi.all([superuserPassword, cdcPassword]).apply(([superuser, cdc]) =>
            postgresRolesSql({ ...account, password: cdc, superuserPassword: superuser }));
        this.container = new docker.Container(`${name}-server`, {
            ...containerBase(p, "postgres", POSTGRES.alias, args.memoryMb),
            name: dockerName(p.project, p.stack, "postgres"),
            image: image.imageId,
            // The wrapper re-applies roles and passwords on a kept volume, then execs the image's entrypoint.
            entrypoints: [POSTGRES.startScript],
            command: logicalDecodingFlags({ maxWalSenders: args.maxWalSenders, maxReplicationSlots: args.maxReplicationSlots }),
            // Passwords come from files: an env value would show in `docker inspect`.
            envs: [
                `POSTGRES_PASSWORD_FILE=${POSTGRES.superuserPasswordFile}`,
                `POSTGRES_DB=${args.database}`,
                `${SQL_DIR_ENV}=${POSTGRES.initDir}`,
            ],
            uploads: [
                { file: POSTGRES.startScript, content: postgresStartScript(), permissions: "0555" },
                // Read by the entrypoint as root before it steps down; the roles file is handed to postgres by the wrapper.
                { file: POSTGRES.superuserPasswordFile, content: superuserPassword, permissions: "0400" },
                { file: `${POSTGRES.initDir}/${POSTGRES.rolesSqlFile}`, content: rolesSql, permissions: "0400" },
                { file: `${POSTGRES.initDir}/${POSTGRES.databaseSqlFile}`, content: postgresDatabaseSql(account), permissions: "0444" },
            ],
            volumes: [{ volumeName: this.dataVolume.name, containerPath: POSTGRES.dataDir }],
            // The shared address too (host drivers): executors' JDBC reads and a driver on the host dial the same address.
            ports: [publishedPort(p, POSTGRES.port, args.hostPort), ...sharedPorts(p, POSTGRES.port, args.hostPort)],
            // The image stops with SIGINT (fast shutdown); give it time to checkpoint.
            destroyGraceSeconds: 60,
        }, { parent: this, ...CONTAINER_OPTIONS });

        const host = hostAddress(p);
        const port = hostPortOf(p, this.container, POSTGRES.port);
        this.gate = new ReadinessGate(`${name}-ready`, {
            request: port.apply((hostPort) => ({
                service: "postgres" as const, host, port: hostPort, database: args.database, cdcUser: args.cdcUser, publication: POSTGRES.publication,
            })),
            timing: args.readiness,
            containers: [this.container],
            secretEnv: { [PROBE_SECRET_ENV.postgresCdcPassword]: cdcPassword },
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
        this.publication = this.gate.gate(POSTGRES.publication);
        this.superuserPassword = superuserPassword;
        this.cdcPasswordSecret = cdcPassword;
        this.registerOutputs({ host: this.host, port: this.port, sharedHost: this.sharedHost, sharedPort: this.sharedPort, database: this.database, cdcUser: this.cdcUser, publication: this.publication });
    }
}
