// Bad config stops the program before any resource is created, naming every bad key.
import { registered, settle, useMocks } from "./harness";

useMocks({ stack: "dev", config: { sparkUiPort: "99999", sparkWorkers: "-1", mysqlMemoryMb: "0", mysqlFlavor: "sqlite", alertmanagerImage: "" } });

test("one error lists every bad key, its value and what is allowed; no resource is registered", async () => {
    let message = "";
    try {
        require("../../index");
    } catch (err) {
        message = (err as Error).message;
    }
    expect(message).toContain("5 problems");
    expect(message).toContain('sparkUiPort = "99999": expected an integer from 1 to 65535');
    expect(message).toContain('sparkWorkers = "-1": expected an integer from 0 to 16');
    expect(message).toContain('mysqlMemoryMb = "0": expected an integer from 64 to 65536');
    expect(message).toContain('mysqlFlavor = "sqlite": expected one of mysql, mariadb');
    expect(message).toContain('alertmanagerImage = "": expected a non-empty value');
    await settle();
    expect(registered).toEqual([]);
});
