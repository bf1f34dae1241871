// The dependency graph of the whole program (persistent `dev` stack, every service on, host drivers on),
// against the mocked engine: what each resource waits for before the engine creates it. That is its
// explicit dependsOn (recorded by the harness's stack transformation, components standing for their
// children) plus every resource behind an Output among its inputs — the SDK resolves an input only once
// what it was computed from exists, so a gated value in an input holds the resource until the gate passes.
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER, dependenciesOf, ofType, options, runProgram, useMocks } from "./harness";

useMocks({ stack: "dev" });
let out: Record<string, unknown>;
beforeAll(async () => { out = await runProgram(); });

const nameOf = (r: pulumi.Resource) => (r as unknown as { __name: string }).__name;

/** Names of what `name` waits for: explicit dependsOn and the resources behind its inputs' Outputs. */
async function waitsFor(name: string): Promise<string[]> {
    const o = options.get(name);
    if (!o) throw new Error(`no options recorded for ${name}`);
    const fromInputs = (await dependenciesOf(pulumi.output(o.props))).map(nameOf);
    return [...new Set([...o.dependsOn, ...fromInputs])].sort();
}

/** A readiness gate (`<service>-ready`, its probe `<service>-ready-probe`) or a connector's registration, by gate name. */
function gatesAmong(names: string[]): string[] {
    return [...new Set(names.flatMap((n) => {
        if (/-ready$/.test(n) || /-register$/.test(n)) return [n];
        if (/-ready-probe$/.test(n)) return [n.replace(/-probe$/, "")];
        return [];
    }))].sort();
}

const containers = () => ofType(CONTAINER).map((c) => c.name);

/**
 * The only edges from one container to another: each named with why it must be there. Everything else a
 * container waits for is its own image, volume, network or shared directory.
 */
const CONTAINER_EDGES: Record<string, string[]> = {
    // A worker dials the master by its network alias once at start; the alias resolves only once the master's
    // container exists, and a failed first registration is retried only after 5-15 s.
    "spark-worker-1": ["spark-master"],
    // The worker's Kafka clients refuse a bootstrap name that does not resolve ("No resolvable bootstrap
    // urls", exit 2 within seconds); `kafka` resolves once the broker's container is on the network.
    "connect-worker": ["kafka-server"],
};

test("the stack has the containers this test reasons about", () => {
    expect(containers().sort()).toEqual(["alertmanager-server", "connect-worker", "kafka-server", "mysql-server", "postgres-server", "prometheus-server", "spark-master", "spark-worker-1"]);
});

test("no container waits for any service's gate: every service starts at once and waits for its peers itself", async () => {
    for (const c of containers()) {
        expect({ container: c, gates: gatesAmong(await waitsFor(c)) }).toEqual({ container: c, gates: [] });
    }
});

test("Kafka Connect starts alongside Kafka: after the broker's container exists, not after its gate or its host listener hand-over", async () => {
    const deps = await waitsFor("connect-worker");
    expect(deps.filter((d) => d.startsWith("kafka"))).toEqual(["kafka-server"]);
});

test("containers wait for other containers only where named (with the reason) in CONTAINER_EDGES", async () => {
    const all = new Set(containers());
    for (const c of containers()) {
        const others = (await waitsFor(c)).filter((d) => all.has(d) && d !== c);
        expect({ container: c, others }).toEqual({ container: c, others: CONTAINER_EDGES[c] ?? [] });
    }
});

test("each connector's registration waits for exactly its three gates: its database, Kafka and Connect", async () => {
    expect(gatesAmong(await waitsFor("mysql-connector-register"))).toEqual(["connect-ready", "kafka-ready", "mysql-ready"]);
    expect(gatesAmong(await waitsFor("postgres-connector-register"))).toEqual(["connect-ready", "kafka-ready", "postgres-ready"]);
});

test("each gate waits only for its own service's containers (and what they wait for), never another gate", async () => {
    for (const probe of [...options.keys()].filter((n) => n.endsWith("-ready-probe"))) {
        expect({ probe, gates: gatesAmong(await waitsFor(probe)) }).toEqual({ probe, gates: [] });
    }
});

// Each stack output that is an Output, by the gate that releases it (its prefix names the service).
const RELEASED_BY: Array<[RegExp, string]> = [
    [/^spark(MasterUrl|UiUrl|SharedDir|DriverHost)$/, "spark-ready"],
    [/^alertmanagerUrl$/, "alertmanager-ready"],
    [/^mysql(Host|Port|SharedHost|SharedPort|Database|CdcUser|CdcPassword|RootPassword)$/, "mysql-ready"],
    [/^prometheusUrl$/, "prometheus-ready"],
    [/^kafka/, "kafka-ready"],
    [/^connectUrl$/, "connect-ready"],
    [/^cdc(ConnectorName|TopicPrefix)$/, "mysql-connector-register"],
    [/^postgres(ConnectorName|TopicPrefix)$/, "postgres-connector-register"],
    [/^postgres/, "postgres-ready"],
];

// Outputs no gate holds back: the databases' admin passwords come from state at once, so someone can log in
// to a database whose gate failed; testEnv is made of the gated outputs.
const NOT_GATED = ["mysqlRootPassword", "postgresSuperuserPassword", "testEnv"];

test("every endpoint output is released by its service's gate", async () => {
    const checked: string[] = [];
    for (const [key, value] of Object.entries(out)) {
        if (!pulumi.Output.isInstance(value) || NOT_GATED.includes(key)) continue;
        const gate = RELEASED_BY.find(([re]) => re.test(key))?.[1];
        expect({ key, gate }).toEqual({ key, gate: expect.any(String) });
        expect({ key, gates: gatesAmong((await dependenciesOf(value as pulumi.Output<unknown>)).map(nameOf)) }).toEqual({ key, gates: expect.arrayContaining([gate]) });
        checked.push(key);
    }
    // The endpoints a test suite dials are all among them.
    expect(checked).toEqual(expect.arrayContaining(["sparkMasterUrl", "alertmanagerUrl", "mysqlPort", "prometheusUrl", "kafkaBootstrapServers", "connectUrl", "cdcConnectorName", "postgresPort", "postgresConnectorName"]));
});
