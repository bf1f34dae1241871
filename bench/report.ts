// BENCHMARKS.md is written by several benchmarks, each owning its `## ` sections: each can run alone.
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../lib/probes";

const FILE = path.join(PROJECT_ROOT, "BENCHMARKS.md");
const headingOf = (part: string) => part.split("\n", 1)[0]!;

/**
 * Each `## ` section of `text` replaces the section with the same heading where it stands, or is added
 * at the end; every other section (other benchmarks', hand-written records) stays as it is.
 */
export function writeBenchmarkSections(text: string): void {
    const parts = (fs.existsSync(FILE) ? fs.readFileSync(FILE, "utf8") : "# Benchmarks\n").split(/\n(?=## )/);
    for (const section of text.split(/\n(?=## )/).filter((part) => part.startsWith("## "))) {
        const at = parts.findIndex((part) => headingOf(part) === headingOf(section));
        if (at < 0) parts.push(section);
        else parts[at] = section;
    }
    fs.writeFileSync(FILE, parts.map((part) => part.trimEnd()).join("\n\n") + "\n");
}
