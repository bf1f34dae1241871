// `npm run docs`: writes the generated reference pages (see render.ts) into docs/.
import * as fs from "fs";
import * as path from "path";
import ENV_KEYS from "../../python/src/cdc_test_infra/env_keys.json";
import { PROJECT_ROOT } from "../../lib/paths";
import { SECRET_KEYS, SETTINGS_SCHEMA } from "../../lib/settings";
import { ENV_LINE_NOTES } from "./envLines";
import { renderConfiguration, renderEnvLines } from "./render";

/** Each generated page, relative to the project root, with its text. */
export function generatedPages(): Record<string, string> {
    return {
        "docs/configuration.md": renderConfiguration(SETTINGS_SCHEMA, SECRET_KEYS),
        "docs/env-lines.md": renderEnvLines(ENV_KEYS, ENV_LINE_NOTES),
    };
}

if (require.main === module) {
    for (const [file, text] of Object.entries(generatedPages())) {
        fs.writeFileSync(path.join(PROJECT_ROOT, file), text);
        console.log(`wrote ${file}`);
    }
}
