// published-ports-on-loopback on the real program's first preview of a fresh stack with host drivers:
// the daemon has not picked the stack network's subnet yet, so its gateway (ipamConfigs) and the
// address of every port published on it are unknown, as the engine sends them, read through the SDK's
// unknown-checking proxy. No violation may come of that: the SDK reports the policy could not run
// (advisory). Ports whose address is known are still judged.
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy/policy";
import { CONTAINER, NETWORK, publishedPortsOnLoopback } from "../../policy/policies";
import { MOCK_GATEWAY, ofType, registered, reveal, runProgram, useMocks } from "./harness";

// proxy.d.ts of @pulumi/policy 1.21.0 declares none of these (@internal).
const { unknownCheckingProxy, UnknownValueError, unknownArrayValue, unknownStringValue } = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy: <T>(props: T) => T;
    UnknownValueError: new (...args: never[]) => Error;
    unknownArrayValue: string;
    unknownStringValue: string;
};

useMocks({ stack: "pr-9", preview: true, config: { bindAddress: "0.0.0.0" } });
beforeAll(async () => { await runProgram(); });

const urnOf = (type: string, name: string) => `urn:pulumi:pr-9::cdc-test-infra::${type}::${name}`;

/** A registered resource's outputs as a fresh stack's preview has them: the gateway, and every address derived from it, unknown. */
function asInFirstPreview(r: { type: string; state: Record<string, any> }): Record<string, any> {
    const props = reveal(r.state);
    if (r.type === NETWORK) return { ...props, ipamConfigs: unknownArrayValue };
    if (r.type === CONTAINER) return { ...props, ports: (props.ports ?? []).map((p: any) => (p.ip === MOCK_GATEWAY ? { ...p, ip: unknownStringValue } : p)) };
    return props;
}

test("the ports on the unknown gateway are no violation; those on 0.0.0.0 still are", () => {
    const gatewayPorts = ofType(CONTAINER).flatMap((c) => (c.state.ports ?? []).filter((p: any) => p.ip === MOCK_GATEWAY));
    expect(gatewayPorts.length).toBeGreaterThan(0);
    const resources = registered.map((r) => ({ type: r.type, name: r.name, urn: urnOf(r.type, r.name), props: unknownCheckingProxy(asInFirstPreview(r)) }) as unknown as PolicyResource);
    const found: string[] = [];
    const args = { resources, getConfig: () => ({}) } as unknown as StackValidationArgs;
    // What escapes is the error the SDK turns into an advisory "can't run policy ... during preview".
    expect(() => publishedPortsOnLoopback.validateStack(args, (message) => found.push(message))).toThrow(UnknownValueError);
    expect(found.length).toBeGreaterThan(0);
    for (const message of found) expect(message).toMatch(/ is published on 0\.0\.0\.0; /);
    expect(found).toHaveLength(ofType(CONTAINER).flatMap((c) => (c.state.ports ?? []).filter((p: any) => p.ip === "0.0.0.0")).length);
});
