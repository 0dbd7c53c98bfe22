/**
 * parseDotEnv against python-dotenv, the reader of a Pipecat bot: a corpus of tricky files with the values
 * python-dotenv reads from them (corpus/python-dotenv.json), and python-dotenv itself run over the corpus and over
 * generated files, when it is installed (in CI it must be: .ci/run installs Debian's python3-dotenv).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as dotenv from "dotenv";
import { parseDotEnv } from "../../../provider/dotenv/parse";
import { MISSING, type PythonDotEnv, findPythonDotEnv, pythonDotEnvValues } from "../../support/python-dotenv";

interface Case {
    readonly name: string;
    readonly text: string;
    /** python-dotenv's `dotenv_values`: null for a name without `=`. */
    readonly python: Record<string, string | null>;
    /** The lines parseDotEnv refuses; absent when it reads the file. */
    readonly refused?: readonly number[];
}
const corpus = JSON.parse(fs.readFileSync(path.join(__dirname, "corpus", "python-dotenv.json"), "utf8")) as {
    readonly environment: Record<string, string>;
    readonly cases: readonly Case[];
};

/** The case's reading by parseDotEnv: its values, or its refused lines. */
function ours(text: string): { values: Record<string, string> } | { refused: number[] } {
    const r = parseDotEnv(text);
    if (!r.ok) return { refused: [...new Set(r.problems.map((p) => p.line ?? 0))] };
    return { values: Object.fromEntries(r.entries.map((e) => [e.key, e.value])) };
}

describe("parseDotEnv on the corpus of tricky .env files (corpus/python-dotenv.json)", () => {
    it("reads exactly python-dotenv's values from each accepted case, and refuses each other case on the recorded lines", () => {
        assert.ok(corpus.cases.length >= 50);
        for (const c of corpus.cases) {
            const read = ours(c.text);
            if (c.refused === undefined) {
                assert.ok("values" in read, `${c.name}: refused lines ${"refused" in read ? read.refused.join(", ") : ""}`);
                assert.deepEqual(read.values, c.python, c.name);
            } else {
                assert.deepEqual(read, { refused: c.refused }, c.name);
            }
        }
    });

    it("refuses only what python-dotenv reads with a warning, without a value, from the environment, or against other readers", () => {
        // A case is refused when python-dotenv skips a line (a key is missing), reads a name without a value (null),
        // takes a value from the environment, or reads a key or value that Pipecat Cloud or other readers do not.
        const refused = corpus.cases.filter((c) => c.refused !== undefined).map((c) => c.name);
        assert.ok(refused.length >= 15 && refused.length <= corpus.cases.length / 2, `${refused.length} refused cases`);
        for (const c of corpus.cases.filter((c) => c.refused === undefined)) {
            assert.ok(
                Object.values(c.python).every((v) => v !== null),
                `${c.name}: accepted with a name without a value`,
            );
            assert.ok(
                !Object.values(c.python).some((v) => v?.includes(corpus.environment["PCS_CORPUS_ENVIRONMENT"] as string)),
                `${c.name}: a value from the environment`,
            );
        }
    });

    it("holds the cases where Node's dotenv reads another value than python-dotenv; there python-dotenv's value wins", () => {
        const differ = corpus.cases.filter(
            (c) => JSON.stringify(Object.entries(dotenv.parse(c.text)).sort()) !== JSON.stringify(Object.entries(c.python).sort()),
        );
        assert.ok(differ.length >= 25, `only ${differ.length} cases where Node's dotenv differs`);
        const issue = corpus.cases.find((c) => c.name.includes("GOOGLE_CREDENTIALS") && c.name.includes('\\"'));
        assert.ok(issue !== undefined && differ.includes(issue), "the issue's case: Node's dotenv keeps the backslashes of \\\"");
        assert.match(dotenv.parse(issue.text)["GOOGLE_CREDENTIALS"] ?? "", /\\"type\\"/);
        assert.deepEqual(ours(issue.text), { values: issue.python });
        const accepted = differ.filter((c) => c.refused === undefined);
        assert.ok(accepted.length >= 10, `python-dotenv's value is taken in only ${accepted.length} of them`);
    });
});

/** A small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** Lines of the kinds .env files hold, good and bad; `K` is replaced by a key, `R` by another. */
const FRAGMENTS = [
    "K=plain value",
    "export K=exported",
    "  K  =  spaced out  ",
    "K: yaml style",
    'K="double # quoted"',
    "K='single # quoted'",
    "K=`back # ticked`",
    'K="multi\nline\n# not a comment\nX=not a key"',
    "K='multi\nline'",
    'K="esc \\"aped\\" \\n \\t \\\\ \\x"',
    "K='esc \\'aped\\' \\n \\\\'",
    'K="esc at end\\"',
    'K="closed" # comment',
    'K="closed"#comment',
    "K=value # comment",
    "K=value\t#tab comment",
    "K=a#b",
    "K=#start",
    "K=",
    'K=""',
    "K= # empty",
    'K="unterminated',
    "K='unterminated",
    'K="text" after',
    "# comment",
    "   # indented comment",
    "",
    "   ",
    "junk line",
    "K",
    '"orphan quoted"',
    "K:nospace",
    "K=a=b=c",
    "K=\\n literal",
    "export",
    'K="a\'b`c"',
    "K=${R}",
    'K="${R}-${R:-d}"',
    "K='${R}'",
    "K=${MISSING:-default}",
    "K=${PCS_CORPUS_ENVIRONMENT}",
    "K=$R",
    "K=a\u00a0#b",
    "'K'=quoted key",
];
const KEYS = ["A", "B", "C", "D_1", "e-2", "f.3"];

/** A generated file of 1 to 6 fragments, with "\n", "\r\n" or "\r" line ends. */
function generated(seed: number): string {
    const next = random(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    const lines = Array.from({ length: 1 + Math.floor(next() * 6) }, () =>
        pick(FRAGMENTS)
            .replace(/^(\s*'?(?:export )?)K/, (_, p: string) => p + pick(KEYS))
            .replace(/\$\{R/g, () => "${" + pick(KEYS)),
    );
    const end = next();
    return lines.join(end < 0.15 ? "\r\n" : end < 0.2 ? "\r" : "\n") + (next() < 0.7 ? "\n" : "");
}

describe("parseDotEnv against python-dotenv itself", function () {
    this.timeout(120_000);
    let found: PythonDotEnv | undefined;

    before(function () {
        found = findPythonDotEnv();
        if (found === undefined) {
            if (process.env["CI"] !== undefined && process.env["CI"] !== "") throw new Error(`${MISSING} In CI this comparison must run.`);
            console.log(`      (skipped: ${MISSING})`);
            this.skip();
        }
    });

    it("python-dotenv still reads every case of the corpus as recorded", () => {
        const python = found as PythonDotEnv;
        const values = pythonDotEnvValues(
            python,
            corpus.cases.map((c) => c.text),
            corpus.environment,
        );
        corpus.cases.forEach((c, i) =>
            assert.deepEqual(values[i], c.python, `${c.name} (python-dotenv ${python.version}, ${python.python})`),
        );
    });

    it("accepts a generated file only with python-dotenv's keys and values, and names only lines of the file", () => {
        const python = found as PythonDotEnv;
        const seeds = Array.from({ length: 3000 }, (_, i) => i + 1);
        const texts = seeds.map(generated);
        const values = pythonDotEnvValues(python, texts, corpus.environment);
        let accepted = 0;
        texts.forEach((text, i) => {
            const context = `seed ${seeds[i]} (python-dotenv ${python.version}): ${JSON.stringify(text)}`;
            const r = parseDotEnv(text);
            if (!r.ok) {
                const lines = text.split(/\r\n|\n|\r/).length;
                for (const p of r.problems) assert.ok(p.line === undefined || (p.line >= 1 && p.line <= lines), context);
                return;
            }
            accepted++;
            assert.deepEqual(Object.fromEntries(r.entries.map((e) => [e.key, e.value])), values[i], context);
        });
        assert.ok(accepted > 300, `only ${accepted} generated files were accepted: the generator tests little`);
    });
});
