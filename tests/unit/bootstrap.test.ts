// scripts/: every apt-get waits for the dpkg/apt locks (on a fresh machine unattended upgrades hold them,
// and apt-get without a timeout fails at once: "Could not get lock /var/lib/dpkg/lock-frontend", exit 100).
import * as fs from "fs";
import * as path from "path";

const SCRIPTS = path.resolve(__dirname, "..", "..", "scripts");

test("every apt-get command in scripts/ passes DPkg::Lock::Timeout", () => {
    const calls: string[] = [];
    for (const file of fs.readdirSync(SCRIPTS).filter((f) => f.endsWith(".sh"))) {
        const text = fs.readFileSync(path.join(SCRIPTS, file), "utf8");
        // The option may be spelled out or held in an array the call expands.
        const arrays = [...text.matchAll(/^\s*(\w+)=\(([^)]*DPkg::Lock::Timeout=\d+[^)]*)\)/gm)].map((m) => m[1]);
        // Commands only: not comments, not echo lines that mention apt-get.
        for (const line of text.split("\n").filter((l) => /\bapt-get\b/.test(l) && !/^\s*(#|echo\b)/.test(l))) {
            calls.push(line.trim());
            const waits = /DPkg::Lock::Timeout=\d+/.test(line) || arrays.some((a) => line.includes(`"\${${a}[@]}"`));
            expect({ file, line: line.trim(), waits }).toEqual({ file, line: line.trim(), waits: true });
        }
    }
    expect(calls.length).toBeGreaterThanOrEqual(2); // update and install
});
