// An ephemeral stack whose MySQL container crashed at start: Docker reports no ports for it. The
// program must not throw (it once died with "container publishes no host port for 3306"); the gate
// gets port 0, and the probe turns that into a gate failure with the container's state and logs.
import { byName, runProgram, useMocks, valueOf } from "./harness";
import { parseProbeArgv } from "../../lib/probes";
import { checkFor } from "../../probe/main";

useMocks({ stack: "pr-7", crashing: ["mysql-server"] });
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

test("the program completes; the other services' endpoints are unaffected", async () => {
    expect(await valueOf(out.alertmanagerUrl)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await valueOf(out.mysqlHost)).toBe("127.0.0.1");
});

test("the mysql gate probes port 0, which the probe treats as fatal: the container was not running", async () => {
    const create: string = byName("mysql-ready-probe").inputs.create;
    expect(create).toContain("--port 0 ");
    expect(create).toContain("--container cdc-test-infra-pr-7-mysql");
    const { request } = parseProbeArgv(create.split(" ").slice(2));
    const observation = await checkFor(request, { PROBE_MYSQL_ROOT_PASSWORD: "x", PROBE_MYSQL_CDC_PASSWORD: "y" }).attempt(1000);
    expect(observation).toEqual({ ready: false, fatal: true, observed: "no host port was published: the container was not running when its ports were read" });
});
