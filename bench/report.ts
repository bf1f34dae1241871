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
function writeBenchmarkSections(text: string): void {
    const parts = (fs.existsSync(FILE) ? fs.readFileSync(FILE, "utf8") : "# Benchmarks\n").split(/\n(?=## )/);
    for (const section of text.split(/\n(?=## )/).filter((part) => part.startsWith("## "))) {
        const at = parts.findIndex((part) => headingOf(part) === headingOf(section));
        if (at < 0) parts.push(section);
        else parts[at] = section;
    }
    fs.writeFileSync(FILE, parts.map((part) => part.trimEnd()).join("\n\n") + "\n");
}

/** A benchmark's report: its sections into BENCHMARKS.md, and the same text on stdout. */
export function publishBenchmarkSections(text: string): void {
    writeBenchmarkSections(text);
    process.stdout.write(text);
}

/** The middle value; of an even count, the mean of the two middle ones. */
export function median(xs: number[]): number {
    const sorted = [...xs].sort((a, b) => a - b);
    const m = sorted.length >> 1;
    return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

/** Runs a benchmark: `cleanup` after it either way; a failure prints its stack and exits 1. */
export function runBenchmark(main: () => Promise<void>, cleanup: () => Promise<void> = async () => undefined): void {
    main().then(cleanup, async (err) => {
        process.stderr.write(`${err?.stack ?? err}\n`);
        await cleanup();
        process.exit(1);
    });
}
