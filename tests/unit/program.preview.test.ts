// During preview nothing has run: gated endpoints must be unknown, so nothing consumes a service before it is ready.
import { byName, isKnown, runProgram, useMocks } from "./harness";

useMocks({ stack: "dev", preview: true });
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

test("containers' ports are known in preview, the gates' verdicts are not", () => {
    expect(byName("spark-master").state.ports[0].external).toBe(7077);
    expect(byName("spark-ready-probe").state.stdout).toBeUndefined();
});

test("every endpoint output stays unknown until its gate has run", async () => {
    for (const key of ["sparkMasterUrl", "sparkUiUrl", "alertmanagerUrl", "mysqlHost", "mysqlPort", "mysqlDatabase", "mysqlCdcUser", "mysqlCdcPassword", "testEnv"]) {
        expect({ key, known: await isKnown(out[key]) }).toEqual({ key, known: false });
    }
});

test("facts that need no service are known at once", async () => {
    expect(await isKnown(out.sparkInternalMasterUrl)).toBe(true);
    expect(await isKnown(out.environment)).toBe(true);
});
