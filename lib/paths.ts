import * as fs from "fs";
import * as path from "path";

/** The project root: the nearest folder above this file with Pulumi.yaml (the same from source and from dist/). */
function findProjectRoot(from: string): string {
    for (let dir = from; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
        if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml above ${from}`);
    }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);

/** A file under configs/, placed into a container. */
export function configFile(...parts: string[]): string {
    return path.join(PROJECT_ROOT, "configs", ...parts);
}
