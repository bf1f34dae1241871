// CDC_E2E_CONFIG: extra stack config for the e2e test, checked like the driver's --config.
import { parseConfigList, UsageError } from "../../env/args";

test("key=value pairs, comma-separated, become config entries; password keys are secret", () => {
    expect(parseConfigList("mysqlFlavor=mariadb, sparkWorkers=2,mysqlCdcPassword=s3cret", "CDC_E2E_CONFIG", "cdc-test-infra", "e2e-1")).toEqual([
        { key: "mysqlFlavor", value: "mariadb", secret: false },
        { key: "sparkWorkers", value: "2", secret: false },
        { key: "mysqlCdcPassword", value: "s3cret", secret: true },
    ]);
    expect(parseConfigList("", "CDC_E2E_CONFIG", "cdc-test-infra", "e2e-1")).toEqual([]);
});

test("bad keys and values are refused all at once, naming the variable, the key and what is allowed", () => {
    const attempt = () => parseConfigList("mysqlFlavor=oracle,sparkWorkers=99,nope=1", "CDC_E2E_CONFIG", "cdc-test-infra", "e2e-1");
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(/^CDC_E2E_CONFIG: bad --config:/);
    expect(attempt).toThrow(/mysqlFlavor = "oracle": expected one of mysql, mariadb/);
    expect(attempt).toThrow(/sparkWorkers = "99": expected an integer from 0 to 16/);
    expect(attempt).toThrow(/nope: unknown setting/);
    expect(() => parseConfigList("sparkWorkers", "CDC_E2E_CONFIG", "cdc-test-infra", "e2e-1")).toThrow(/CDC_E2E_CONFIG: --config "sparkWorkers": expected <key>=<value>/);
});
