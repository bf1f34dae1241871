// Reads the stack's Pulumi config (the only place that does) into Settings plus its secrets.
import * as pulumi from "@pulumi/pulumi";
import { processHostFacts } from "./hostFacts";
import { parseSettings, SECRET_KEYS, type Settings } from "./settings";

export interface StackConfig {
    settings: Settings;
    secrets: Partial<Record<(typeof SECRET_KEYS)[number], pulumi.Output<string>>>;
}

export function readStackConfig(): StackConfig {
    const project = pulumi.getProject();
    const prefix = `${project}:`;
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (key.startsWith(prefix) && !(SECRET_KEYS as readonly string[]).includes(key.slice(prefix.length))) {
            raw[key.slice(prefix.length)] = value;
        }
    }
    // The docker provider's own `docker:host`, else DOCKER_HOST: where bind mounts' sources live.
    const settings = parseSettings(raw, project, pulumi.getStack(), processHostFacts(new pulumi.Config("docker").get("host")));
    if (settings.spark.sharedDirOffReason) pulumi.log.warn(`sparkSharedDir = auto: host drivers are off: ${settings.spark.sharedDirOffReason}`);
    const config = new pulumi.Config();
    const secrets: StackConfig["secrets"] = {};
    for (const key of SECRET_KEYS) {
        if (config.get(key) !== undefined) secrets[key] = config.requireSecret(key);
    }
    return { settings, secrets };
}
