// The cdc-test-infra policy pack: `pulumi preview|up --policy-pack policy`. Every policy is mandatory:
// a violation fails the preview or update. The policies themselves are in policies.ts.
// Not the package index: see policies.ts.
import { PolicyPack } from "@pulumi/policy/policy";
import { POLICIES } from "./policies";

export const POLICY_PACK_NAME = "cdc-test-infra";

new PolicyPack(POLICY_PACK_NAME, {
    description: "Guardrails for cdc-test-infra stacks: ports published on loopback or the container's own bridge gateway only, memory limits, pinned images, no secrets in plain container environment",
    enforcementLevel: "mandatory",
    policies: [...POLICIES],
});
