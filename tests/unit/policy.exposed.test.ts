// The policy pack against the real program configured to expose its services (bindAddress 0.0.0.0)
// on an ephemeral MariaDB stack: every port published on 0.0.0.0 is reported, nothing else is (the
// second publication on the stack network's gateway, host drivers being on, is the host's own address),
// and allowedBindAddresses is the one way to accept the exposure.
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy/policy";
import { CONTAINER, POLICIES } from "../../policy/policies";
import { MOCK_GATEWAY, ofType, registered, reveal, runProgram, useMocks } from "./harness";

useMocks({ stack: "pr-7", config: { bindAddress: "0.0.0.0", mysqlFlavor: "mariadb" } });
beforeAll(async () => { await runProgram(); });

const urnOf = (type: string, name: string) => `urn:pulumi:pr-7::cdc-test-infra::${type}::${name}`;

/** Every violation of every policy over every registered resource, as `<resource>: <policy>: <message>`. */
async function allViolations(config: object): Promise<string[]> {
    const found: string[] = [];
    const nameOf = new Map(registered.map((r) => [urnOf(r.type, r.name), r.name]));
    for (const p of POLICIES) {
        if ("validateStack" in p) {
            // A stack validation sees every resource's outputs.
            const args = {
                resources: registered.map((r) => ({ type: r.type, name: r.name, props: reveal(r.state), urn: urnOf(r.type, r.name) }) as unknown as PolicyResource),
                getConfig: () => config,
            } as unknown as StackValidationArgs;
            await p.validateStack(args, (message, urn) => found.push(`${urn === undefined ? "(stack)" : nameOf.get(urn)}: ${p.name}: ${message}`));
            continue;
        }
        for (const r of registered) {
            const args = {
                type: r.type, name: r.name, props: reveal(r.inputs), urn: urnOf(r.type, r.name),
                getConfig: () => config,
            } as unknown as ResourceValidationArgs;
            for (const validate of [p.validateResource ?? []].flat()) {
                await validate(args, (message) => found.push(`${r.name}: ${p.name}: ${message}`));
            }
        }
    }
    return found;
}

const exposed = (resource: string, port: number) =>
    `${resource}: published-ports-on-loopback: container port ${port} is published on 0.0.0.0; ` +
    "publish on 127.0.0.1 or ::1 (or the gateway of a Docker bridge network the container is attached to), or add 0.0.0.0 to allowedBindAddresses";

test("every port published on 0.0.0.0 is reported, and nothing else: not the ports on the stack network's gateway", async () => {
    const ports = ofType(CONTAINER).flatMap((c) => (c.inputs.ports ?? []).filter((p: any) => p.ip === "0.0.0.0").map((p: any) => exposed(c.name, p.internal)));
    expect(ports).toEqual(expect.arrayContaining([
        exposed("spark-master", 7077), exposed("spark-master", 8080), exposed("alertmanager-server", 9093), exposed("mysql-server", 3306),
    ]));
    // Not vacuous: host drivers are on, so some ports are on the gateway too.
    expect(ofType(CONTAINER).flatMap((c) => c.inputs.ports ?? []).filter((p: any) => p.ip === MOCK_GATEWAY).length).toBeGreaterThan(0);
    expect((await allViolations({})).sort()).toEqual(ports.sort());
});

test("allowedBindAddresses: [0.0.0.0] accepts the exposure deliberately", async () => {
    expect(await allViolations({ allowedBindAddresses: ["0.0.0.0"] })).toEqual([]);
    expect(await allViolations({ allowedBindAddresses: ["10.0.0.5"] })).not.toEqual([]);
});
