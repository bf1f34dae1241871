// Prometheus switched off, or its test rule switched off.
import { CONTAINER, ofType, runProgram, useMocks, valueOf } from "./harness";

useMocks({ stack: "dev", config: { prometheusEnabled: "false" } });
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

test("no Prometheus container, no URL output, no env line", async () => {
    expect(ofType(CONTAINER).map((c) => c.name)).not.toContain("prometheus-server");
    expect(out.prometheusUrl).toBeUndefined();
    expect(await valueOf<string>(out.testEnv)).not.toContain("CDC_PROMETHEUS_URL");
});
