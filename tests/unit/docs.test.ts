// The documentation stays true: the generated pages are what `npm run docs` writes from the sources, and
// what README.md and docs/ name (npm scripts, settings, variables, files, links, code, failure messages)
// exists in the project.
import * as fs from "fs";
import * as path from "path";
import ENV_KEYS from "../../python/src/cdc_test_infra/env_keys.json";
import { USAGE } from "../../env/args";
import { SECRET_KEYS, SETTINGS_SCHEMA, type SettingSpec } from "../../lib/settings";
import { ENV_LINE_NOTES } from "../../scripts/docs/envLines";
import { generatedPages } from "../../scripts/docs/generate";
import { cell, renderConfiguration, renderEnvLines } from "../../scripts/docs/render";

const ROOT = path.resolve(__dirname, "..", "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const DOCS = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** Every file under `dir` (relative to the root) with one of `exts`, skipping builds and installs. */
function filesUnder(dir: string, exts: string[]): string[] {
    const full = path.join(ROOT, dir);
    if (!fs.existsSync(full)) return [];
    if (fs.statSync(full).isFile()) return [dir];
    return fs.readdirSync(full, { withFileTypes: true }).flatMap((e) => {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) return ["node_modules", "dist", "__pycache__", ".mypy_cache"].includes(e.name) ? [] : filesUnder(rel, exts);
        return exts.some((x) => e.name.endsWith(x)) ? [rel] : [];
    });
}

interface Block { lang: string; text: string; doc: string }
function fencedBlocks(doc: string): Block[] {
    return [...read(doc).matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]!, doc }));
}
/** A page's prose: everything outside fenced blocks. */
const prose = (doc: string) => read(doc).replace(/^```\w*\n[\s\S]*?^```$/gm, "");
const inlineCode = (doc: string) => [...prose(doc).matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);

describe("the generated pages", () => {
    test.each(Object.entries(generatedPages()))("%s is what `npm run docs` writes", (file, text) => {
        const committed = fs.existsSync(path.join(ROOT, file)) ? read(file) : undefined;
        if (committed !== text) {
            throw new Error(`${file} ${committed === undefined ? "is missing" : "differs from what scripts/docs/generate.ts renders from its sources"}: run \`npm run docs\` and commit the result`);
        }
    });

    test("a setting's row shows its type, default, what it allows and its description", () => {
        const schema: Record<string, SettingSpec> = {
            port: { type: "integer", default: 7077, min: 1, max: 65535, description: "A port" },
            mode: { type: "string", default: "auto", oneOf: ["auto", "off"], description: "A choice" },
            dir: { type: "string", default: "", optional: true, pattern: /^\/.*/, patternHelp: "an absolute path", description: "Empty: none" },
            on: { type: "boolean", default: true, description: "A switch" },
        };
        const rows = renderConfiguration(schema, ["aPassword"]).split("\n");
        expect(rows).toEqual(expect.arrayContaining([
            "| `port` | integer | `7077` | 1 to 65535 | A port |",
            "| `mode` | string | `auto` | `auto`, `off` | A choice |",
            "| `dir` | string | (empty) | an absolute path; empty allowed | Empty: none |",
            "| `on` | boolean | `true` | `true`, `false` | A switch |",
            "- `aPassword`",
        ]));
    });

    test("a description cannot break its table: pipes, angle brackets and emphasis characters are escaped", () => {
        expect(cell("a|b <N> *x_y")).toBe("a\\|b &lt;N&gt; \\*x\\_y");
    });

    test("every env line has a note, and every note an env line", () => {
        expect(Object.keys(ENV_LINE_NOTES).sort()).toEqual(Object.keys(ENV_KEYS).sort());
    });

    test("an env line without a note stops the rendering, naming it", () => {
        expect(() => renderEnvLines({ somethingNew: "CDC_SOMETHING_NEW" }, {})).toThrow(/CDC_SOMETHING_NEW \(output somethingNew\).*ENV_LINE_NOTES/);
    });
});

describe("what README.md and docs/ name exists", () => {
    const scripts = Object.keys(JSON.parse(read("package.json")).scripts as Record<string, string>);
    const settings = new Set<string>([...Object.keys(SETTINGS_SCHEMA), ...SECRET_KEYS]);

    test("every docs page is linked from the README", () => {
        const readme = read("README.md");
        expect(DOCS.filter((d) => d !== "README.md" && !readme.includes(`](${d})`))).toEqual([]);
    });

    test.each(DOCS)("%s: every `npm run` script is in package.json, every env driver option in its usage", (doc) => {
        const text = read(doc);
        const named = [...text.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1]!);
        expect(named.filter((s) => !scripts.includes(s))).toEqual([]);
        const options = [...text.matchAll(/npm run env:\w+ -- ([^\n`]*)/g)].flatMap((m) => m[1]!.match(/--[\w-]+/g) ?? []);
        expect(options.filter((o) => !USAGE.includes(o))).toEqual([]);
    });

    test.each(DOCS)("%s: every setting a command sets is in the schema", (doc) => {
        const text = read(doc);
        const keys = [
            ...[...text.matchAll(/pulumi config (?:set|rm) (?:--secret )?([A-Za-z]\w*)/g)].map((m) => m[1]!),
            ...[...text.matchAll(/--config ([A-Za-z]\w*)=/g)].map((m) => m[1]!),
            ...[...text.matchAll(/CDC_E2E_CONFIG="([^"]*)"/g)].flatMap((m) => m[1]!.split(",").map((kv) => kv.split("=")[0]!)),
        ];
        expect(keys.filter((k) => !settings.has(k))).toEqual([]);
    });

    test.each(DOCS)("%s: every stack output a command reads is exported, every pip extra is in pyproject.toml", (doc) => {
        const text = read(doc);
        const exported = new Set([...read("index.ts").matchAll(/^export const (\w+)/gm)].map((m) => m[1]!));
        const outputs = [...text.matchAll(/pulumi stack output (\w+)/g)].map((m) => m[1]!);
        expect(outputs.filter((o) => !exported.has(o))).toEqual([]);
        const optional = /^\[project\.optional-dependencies\]\n([\s\S]*?)(?=^\[)/m.exec(read("python/pyproject.toml"))?.[1] ?? "";
        const extras = new Set([...optional.matchAll(/^(\w+) = \[/gm)].map((m) => m[1]!));
        const named = [...text.matchAll(/(?:python|cdc-test-infra)\[(\w+)\]/g)].map((m) => m[1]!);
        expect(named.filter((e) => !extras.has(e))).toEqual([]);
    });

    // Env lines are in env_keys.json; every other CDC_ variable (CDC_ENV_FILE, CDC_REQUIRE_E2E, ...) is read somewhere.
    const everything = ["lib", "probe", "env", "policy", "components", "platforms", "bench", "scripts", "python/src", "tests", ".github", ".ci"]
        .flatMap((d) => filesUnder(d, [".ts", ".py", ".sh", ".yml", ".ini", "run"])).map(read).join("\n");
    test.each(DOCS)("%s: every CDC_ variable is an env line or one the project reads", (doc) => {
        const envLines = new Set<string>(Object.values(ENV_KEYS));
        const names = [...read(doc).matchAll(/\bCDC_[A-Z0-9_]*[A-Z0-9]/g)].map((m) => m[0]);
        expect(names.filter((n) => !envLines.has(n) && !everything.includes(n))).toEqual([]);
    });

    test.each(DOCS)("%s: every file path in its prose exists", (doc) => {
        const paths = inlineCode(doc)
            // Paths of this repository: relative, with a slash, no placeholders, globs, URLs or image names (quay.io/…).
            .filter((c) => /^\.?\.?\/?[\w.-]+(\/[\w.-]+)*\/?$/.test(c) && c.includes("/") && !c.startsWith("/") && !/^\w[\w-]*\.\w+\//.test(c))
            // The build's outputs stand for their sources.
            .map((c) => c.replace(/^\.\//, "").replace(/^dist\/(.*)\.js$/, "$1.ts"));
        expect(paths.filter((p) => !fs.existsSync(path.join(ROOT, p)))).toEqual([]);
    });

    test.each(DOCS)("%s: every relative link leads to a file, and its #anchor to a heading there", (doc) => {
        const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");
        const broken = [...prose(doc).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!)
            .filter((href) => !/^[a-z]+:/.test(href))
            .filter((href) => {
                const [file, anchor] = href.split("#");
                const target = file ? path.join(path.dirname(doc), file) : doc;
                if (!fs.existsSync(path.join(ROOT, target))) return true;
                if (anchor === undefined) return false;
                const headings = [...read(target).matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!));
                return !headings.includes(anchor);
            });
        expect(broken).toEqual([]);
    });
});

describe("the code the docs show is code the tests run", () => {
    // Python and ini blocks are excerpts of the test suites (whole-line comments in a block may name a file).
    const lines = (text: string) => text.split("\n").map((l) => l.replace(/\s+# type: ignore\[[\w-]+\]$/, "").trim()).filter((l) => l !== "");
    const suites = ["python/tests", "tests/e2e/python"].flatMap((d) => filesUnder(d, [".py", ".ini"])).map((f) => lines(read(f)).join("\n"));
    const blocks = DOCS.flatMap(fencedBlocks).filter((b) => b.lang === "python" || b.lang === "ini");

    test("there are such blocks (so the check below checks something)", () => {
        expect(blocks.length).toBeGreaterThanOrEqual(4);
    });

    test.each(blocks.map((b) => [b.doc, b.text.split("\n")[0], b] as const))("%s: the %s block is in python/tests or tests/e2e/python", (_doc, _first, block) => {
        const excerpt = lines(block.text).filter((l) => !l.startsWith("#")).join("\n");
        if (!suites.some((s) => s.includes(excerpt))) {
            throw new Error(`${block.doc} shows code no test runs:\n${block.text}\nshow an excerpt of a test (python/tests, tests/e2e/python) instead`);
        }
    });
});

describe("the failure messages docs/troubleshooting.md quotes", () => {
    // The program's own sources, where the messages are written: string pieces split over lines joined,
    // escapes undone, and simple string constants filled in (`${NAME}`, `{NAME}`, `{NAME!r}`).
    const sources = ["lib", "probe", "env", "policy", "components", "platforms", "python/src"].flatMap((d) => filesUnder(d, [".ts", ".py"])).map(read);
    const constants = new Map(sources.flatMap((s) => [...s.matchAll(/^(?:export )?(?:const )?([A-Z][A-Z0-9_]+) = "([^"\\]*)";?$/gm)].map((m) => [m[1]!, m[2]!] as const)));
    const corpus = sources.join("\n")
        .replace(/["'`]\s*\+?\s*\n\s*f?["'`]/g, "")
        .replace(/\\([`"])/g, "$1")
        .replace(/\$?\{([A-Z][A-Z0-9_]+)(!r)?\}/g, (whole, name: string, repr?: string) => {
            const value = constants.get(name);
            return value === undefined ? whole : repr ? `'${value}'` : value;
        });
    const messages = fencedBlocks("docs/troubleshooting.md").filter((b) => b.lang === "text");

    test("there are messages (so the check below checks something)", () => {
        expect(messages.length).toBeGreaterThan(40);
    });

    test.each(messages.map((m) => [m.text.split("\n")[0]!.slice(0, 80), m] as const))("%s", (_first, message) => {
        // `<…>` (quotes included: a quoted value) stands for what the program fills in; `…` for an elision.
        const pieces = message.text.split(/["']?<[^<>\n]+>["']?|…|\n/).map((p) => p.trim()).filter((p) => p !== "");
        expect(pieces.filter((p) => !corpus.includes(p))).toEqual([]);
    });
});
