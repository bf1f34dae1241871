// The stack's endpoints as KEY=value lines for a test suite to source (`set -a; . file`).

export interface Endpoints {
    sparkMasterUrl: string;
    sparkUiUrl: string;
    alertmanagerUrl: string;
    mysqlHost: string;
    mysqlPort: number;
    mysqlDatabase: string;
    mysqlCdcUser: string;
    mysqlCdcPassword: string;
    /** Absent when Prometheus is switched off. */
    prometheusUrl?: string;
}

export const TEST_ENV_KEYS: Record<keyof Endpoints, string> = {
    sparkMasterUrl: "CDC_SPARK_MASTER_URL",
    sparkUiUrl: "CDC_SPARK_UI_URL",
    alertmanagerUrl: "CDC_ALERTMANAGER_URL",
    mysqlHost: "CDC_MYSQL_HOST",
    mysqlPort: "CDC_MYSQL_PORT",
    mysqlDatabase: "CDC_MYSQL_DATABASE",
    mysqlCdcUser: "CDC_MYSQL_USER",
    mysqlCdcPassword: "CDC_MYSQL_PASSWORD",
    prometheusUrl: "CDC_PROMETHEUS_URL",
};

/** Single-quoted for POSIX shells, so any value sources back unchanged. */
function shellValue(value: string): string {
    return /^[A-Za-z0-9_.:\/@%+=,-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function testEnvLines(e: Endpoints): string {
    return (Object.keys(TEST_ENV_KEYS) as (keyof Endpoints)[])
        .filter((key) => e[key] !== undefined)
        .map((key) => `${TEST_ENV_KEYS[key]}=${shellValue(String(e[key]))}`)
        .join("\n") + "\n";
}
