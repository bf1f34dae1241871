// The policy pack against the real program configured to expose its services (bindAddress 0.0.0.0)
// on an ephemeral MariaDB stack: every published port is reported, nothing else is, and
// allowedBindAddresses is the one way to accept it.
import type { ResourceValidationArgs } from "@pulumi/policy/policy";
import { CONTAINER, POLICIES } from "../../policy/policies";
import { ofType, registered, reveal, runProgram, useMocks } from "./harness";

useMocks({ stack: "pr-7", config: { bindAddress: "0.0.0.0", mysqlFlavor: "mariadb" } });
beforeAll(async () => { await runProgram(); });

/** Every violation of every policy over every registered resource, as `<resource>: <policy>: <message>`. */
async function allViolations(config: object): Promise<string[]> {
    const found: string[] = [];
    for (const r of registered) {
        const args = {
            type: r.type, name: r.name, props: reveal(r.inputs), urn: `urn:pulumi:pr-7::cdc-test-infra::${r.type}::${r.name}`,
            getConfig: () => config,
        } as unknown as ResourceValidationArgs;
        for (const p of POLICIES) {
            for (const validate of [p.validateResource ?? []].flat()) {
                await validate(args, (message) => found.push(`${r.name}: ${p.name}: ${message}`));
            }
        }
    }
    return found;
}

const exposed = (resource: string, port: number) =>
    `${resource}: published-ports-on-loopback: container port ${port} is published on 0.0.0.0; publish on 127.0.0.1 or ::1, or add 0.0.0.0 to allowedBindAddresses`;

test("every published port of the exposed stack is reported, and nothing else", async () => {
    const ports = ofType(CONTAINER).flatMap((c) => (c.inputs.ports ?? []).map((p: any) => exposed(c.name, p.internal)));
    expect(ports).toEqual(expect.arrayContaining([
        exposed("spark-master", 7077), exposed("spark-master", 8080), exposed("alertmanager-server", 9093), exposed("mysql-server", 3306),
    ]));
    expect((await allViolations({})).sort()).toEqual(ports.sort());
});

test("allowedBindAddresses: [0.0.0.0] accepts the exposure deliberately", async () => {
    expect(await allViolations({ allowedBindAddresses: ["0.0.0.0"] })).toEqual([]);
    expect(await allViolations({ allowedBindAddresses: ["10.0.0.5"] })).not.toEqual([]);
});
