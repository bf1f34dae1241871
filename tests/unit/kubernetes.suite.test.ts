// The pieces a suite run inside the namespace is made of, as plain functions (no mocks): the Job that runs
// the pipeline's pytest suite, and the Service-name env lines its Secret holds.
import * as fs from "fs";
import * as path from "path";
import { inClusterEnvValues, insideAddresses } from "../../lib/kubernetes/endpoints";
import { suiteJob, TEST_ENV_SECRET } from "../../lib/kubernetes/suite";
import { REQUIRE_E2E_ENV, TEST_ENV_KEYS } from "../../lib/testEnv";

const placement = { project: "cdc-test-infra", stack: "pr-7", namespace: "cdc-test-infra-pr-7", serviceType: "ClusterIP" as const, retainData: false };

test("the suite Job takes the stack's lines from the Secret only, fails instead of skipping, and is not retried", () => {
    const job = suiteJob(placement, { name: "pytest-1", image: "team/suite:1", args: ["tests/"], memoryMb: 768, deadlineSeconds: 900 });
    expect(job.metadata).toMatchObject({ name: "pytest-1", namespace: "cdc-test-infra-pr-7" });
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 900 });
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe("Never");
    const [container] = pod.containers;
    expect(container.envFrom).toEqual([{ secretRef: { name: TEST_ENV_SECRET } }]);
    expect(container.env).toEqual([{ name: REQUIRE_E2E_ENV, value: "1" }]);
    expect(container.args).toEqual(["tests/"]);
    expect("command" in container).toBe(false);
    expect(container.resources).toEqual({ requests: { memory: "768Mi", cpu: "100m" }, limits: { memory: "768Mi" } });
});

test("the variable that makes a missing fixture fail is the plugin's", () => {
    const stackPy = fs.readFileSync(path.join(__dirname, "..", "..", "python", "src", "cdc_test_infra", "stack.py"), "utf8");
    expect(stackPy).toContain(`REQUIRE_VARIABLE = "${REQUIRE_E2E_ENV}"`);
});

test("in-namespace lines: each address a service has becomes its Service name; the rest stays; absent stays absent", () => {
    const inside = insideAddresses();
    const values = inClusterEnvValues({
        sparkMasterUrl: "spark://127.0.0.1:7077", mysqlHost: "127.0.0.1", mysqlPort: 3306, mysqlCdcPassword: "pw",
        kafkaBootstrapServers: "127.0.0.1:29092", cdcTopicPrefix: "cdc",
    });
    expect(values).toEqual({
        [TEST_ENV_KEYS.sparkMasterUrl]: inside.sparkMasterUrl,
        [TEST_ENV_KEYS.mysqlHost]: inside.mysql.host,
        [TEST_ENV_KEYS.mysqlPort]: String(inside.mysql.port),
        [TEST_ENV_KEYS.mysqlCdcPassword]: "pw",
        [TEST_ENV_KEYS.kafkaBootstrapServers]: inside.kafkaBootstrapServers,
        [TEST_ENV_KEYS.cdcTopicPrefix]: "cdc",
    });
});
