// Prometheus without the always-firing test rule.
import { PROMETHEUS } from "../../lib/prometheus";
import { byName, runProgram, useMocks } from "./harness";

useMocks({ stack: "dev", config: { prometheusTestAlert: "false" } });
beforeAll(async () => { await runProgram(); });

test("only the config is uploaded: no rules file", () => {
    expect(byName("prometheus-server").inputs.uploads.map((u: any) => u.file)).toEqual([PROMETHEUS.configFile]);
});
