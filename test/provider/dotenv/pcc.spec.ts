/**
 * How `pcc secrets set --file` reads a line (pipecatcloud 0.2.18, cli/commands/secrets.py), and when import-env says
 * that it would store another value than python-dotenv's.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { type PccEntryFacts, pccDifference, pccReadLine } from "../../../provider/dotenv/pcc";

/** pcc's loop over the lines of the file, as in its source, for one line: [key, value], "skipped" or "refused". */
const PCC_LOOP = `
import json, sys
out = []
for line in json.load(sys.stdin):
    line = line.strip()
    if not line or line.startswith("#"):
        out.append("skipped"); continue
    if "=" not in line:
        out.append("refused"); continue
    key, value = line.split("=", 1)
    key = key.strip()
    value = value.strip()
    if value.startswith('"') and value.endswith('"'):
        value = value[1:-1]
    if not key or not value:
        out.append("refused"); continue
    out.append([key, value])
print(json.dumps(out))
`;

const LINES = [
    "A=1",
    "  A  =  spaced  ",
    'A="quoted"',
    'A="x" # comment',
    "A='single'",
    "A=value # comment",
    'A="esc \\"aped\\""',
    "export A=1",
    "A=${B}",
    "A=a=b",
    "A=",
    'A=""',
    'A="',
    "=value",
    "no equals sign",
    "# comment",
    "   # indented",
    "",
    "\tA=tab\t",
    "A=\u00a0nbsp\u3000",
    "A=\x1cfile-separator\x1f",
    "\ufeffA=bom",
];

describe("pccReadLine", () => {
    it("reads a line as pcc secrets set --file does: stripped, split at the first =, one pair of double quotes removed", () => {
        assert.deepEqual(LINES.map(pccReadLine), [
            { key: "A", value: "1" },
            { key: "A", value: "spaced" },
            { key: "A", value: "quoted" },
            { key: "A", value: '"x" # comment' },
            { key: "A", value: "'single'" },
            { key: "A", value: "value # comment" },
            { key: "A", value: 'esc \\"aped\\"' },
            { key: "export A", value: "1" },
            { key: "A", value: "${B}" },
            { key: "A", value: "a=b" },
            "refused",
            "refused",
            "refused",
            "refused",
            "refused",
            "skipped",
            "skipped",
            "skipped",
            { key: "A", value: "tab" },
            { key: "A", value: "nbsp" },
            { key: "A", value: "file-separator" },
            { key: "\ufeffA", value: "bom" },
        ]);
    });

    it("agrees with pcc's own loop run by Python, whose strip() is not JavaScript's trim()", function () {
        const python = ["python3", "/usr/bin/python3"].find((p) => spawnSync(p, ["-c", "pass"]).status === 0);
        if (python === undefined) {
            console.log("      (skipped: no python3)");
            this.skip();
        }
        const run = spawnSync(python as string, ["-c", PCC_LOOP], { input: JSON.stringify(LINES), encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        const theirs = (JSON.parse(run.stdout) as unknown[]).map((r) =>
            Array.isArray(r) ? { key: r[0] as string, value: r[1] as string } : r,
        );
        assert.deepEqual(LINES.map(pccReadLine), theirs);
    });
});

describe("pccDifference", () => {
    const facts = (over: Partial<PccEntryFacts>): PccEntryFacts => ({
        key: "A",
        value: "1",
        line: 3,
        lastLine: 3,
        quote: undefined,
        comment: false,
        expanded: false,
        ...over,
    });

    it("is undefined where pcc stores python-dotenv's value: plain, double-quoted without escapes, trailing spaces", () => {
        assert.equal(pccDifference("A=1", facts({})), undefined);
        assert.equal(pccDifference('A = "1"  ', facts({ quote: '"' })), undefined);
        // A backslash that python-dotenv keeps too (not an escape it knows) is no difference.
        assert.equal(pccDifference('A="\\d"', facts({ value: "\\d", quote: '"' })), undefined);
    });

    it("names what pcc would do otherwise, without the value", () => {
        assert.equal(pccDifference("A='1'", facts({ quote: "'" })), "pcc would store another value: it keeps the single quotes");
        assert.equal(pccDifference("A=1 # c", facts({ comment: true })), "pcc would store another value: it keeps the # comment");
        assert.equal(
            pccDifference('A="1"#c', facts({ quote: '"', comment: true })),
            "pcc would store another value: it keeps the double quotes, the # comment",
        );
        assert.equal(
            pccDifference('A="\\"1\\""', facts({ value: '"1"', quote: '"' })),
            "pcc would store another value: it keeps the backslashes of escapes",
        );
        assert.equal(pccDifference("A=${B}", facts({ expanded: true })), "pcc would store another value: it does not expand ${...}");
        assert.equal(
            pccDifference("export A=1", facts({})),
            'pcc would take "export " (or what else is before the key) as part of the key',
        );
        assert.equal(pccDifference("A=", facts({ value: "" })), "pcc refuses an empty value (and with it the whole file)");
        assert.equal(
            pccDifference('A="1', facts({ lastLine: 5, quote: '"' })),
            "its value runs over lines 3 to 5, and pcc reads each line on its own",
        );
    });
});
