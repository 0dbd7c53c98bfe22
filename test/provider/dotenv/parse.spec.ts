import * as assert from "node:assert/strict";
import * as dotenv from "dotenv";
import { type DotEnvProblem, DotEnvError, formatProblems, isDotEnvError, parseDotEnv } from "../../../provider/dotenv/parse";
import { LIMITS } from "../../../provider/secretset/limits";
import { assertNoLeaks } from "../../support/leaks";

const V = {
    openai: "sk-test-OPENAI-never-shown-0001",
    daily: "test-DAILY-never-shown-0002",
    hash: "test-HASH#inside-never-shown-0003",
    pem: "-----BEGIN TEST KEY-----\nMIIEnevershownAAAA0004\nBBBBnevershown0004\n-----END TEST KEY-----",
    single: "test-SINGLE-never-shown-0005",
};

/** The entries of an accepted file, as key -> [line, value]. */
function accepted(text: string): Record<string, [number, string]> {
    const r = parseDotEnv(text);
    assert.ok(r.ok, r.ok ? "" : formatProblems(".env", r.problems));
    return Object.fromEntries(r.entries.map((e) => [e.key, [e.line, e.value]]));
}

/** The problems of a refused file, as "line: message". */
function refused(text: string): string[] {
    const r = parseDotEnv(text);
    assert.equal(r.ok, false, "expected the file to be refused");
    return r.ok ? [] : r.problems.map((p) => `${p.line ?? "-"}: ${p.message}`);
}

describe("parseDotEnv", () => {
    it("reads a Pipecat starter's .env with comments, export, quoted # and multi-line values, as dotenv does", () => {
        const text = [
            "# Pipecat Cloud: copy to .env and fill in",
            "",
            `export OPENAI_API_KEY=${V.openai}   # from platform.openai.com`,
            `DAILY_API_KEY = ${V.daily}`,
            `   # an indented comment`,
            `HASHED="${V.hash}" # the # inside the quotes is part of the value`,
            `PRIVATE_KEY="${V.pem}"`,
            `SINGLE='${V.single}'`,
            "EMPTY=",
            "",
        ].join("\n");
        assert.deepEqual(accepted(text), {
            OPENAI_API_KEY: [3, V.openai],
            DAILY_API_KEY: [4, V.daily],
            HASHED: [6, V.hash],
            PRIVATE_KEY: [7, V.pem],
            SINGLE: [11, V.single],
            EMPTY: [12, ""],
        });
        // The values are dotenv's own reading of the file.
        assert.deepEqual(Object.fromEntries(Object.entries(accepted(text)).map(([k, [, v]]) => [k, v])), dotenv.parse(text));
    });

    it("reads the other forms dotenv knows: backticks, KEY: value, escaped newlines in double quotes, CRLF and lone CR line ends", () => {
        assert.deepEqual(accepted('A=`it\'s "b"`\nB: c\nC="x\\ny"\nD=\'x\\ny\'\n'), {
            A: [1, `it's "b"`],
            B: [2, "c"],
            C: [3, "x\ny"],
            D: [4, "x\\ny"],
        });
        assert.deepEqual(accepted('A=1\r\nB="x\r\ny"\r\nC=3\r\n'), { A: [1, "1"], B: [2, "x\ny"], C: [4, "3"] });
        assert.deepEqual(accepted("A=1\rB=2\r"), { A: [1, "1"], B: [2, "2"] });
    });

    it("closes a double-quoted value where dotenv does, escaped quotes included", () => {
        assert.deepEqual(accepted('A="say \\"hi\\""\nB=2\n'), { A: [1, 'say \\"hi\\"'], B: [2, "2"] });
        // No unescaped quote closes the value at a line end: dotenv backtracks to the escaped one.
        assert.deepEqual(accepted('A="x\\"\nB="y"\n'), { A: [1, "x\\"], B: [2, "y"] });
        // A quoted value runs over lines that look like entries and comments.
        assert.deepEqual(accepted('A="one\nB=two\n# three\n"\nC=4\n'), { A: [1, "one\nB=two\n# three\n"], C: [5, "4"] });
    });

    it("refuses the lines dotenv skips without a word, naming each line", () => {
        const text = `OPENAI_API_KEY=${V.openai}\nDAILY API KEY=${V.daily}\n${V.single}\nB:c\n`;
        // dotenv itself drops lines 2 to 4 silently:
        assert.deepEqual(Object.keys(dotenv.parse(text)), ["OPENAI_API_KEY"]);
        const problems = refused(text);
        assert.equal(problems.length, 3);
        for (const [i, line] of [2, 3, 4].entries()) assert.match(problems[i] ?? "", new RegExp(`^${line}: not a KEY=value line \\(dotenv would skip it without a word\\)`));
    });

    it("refuses the lines of an unquoted multi-line value, which dotenv would drop", () => {
        const problems = refused(`PRIVATE_KEY=${V.pem}\n`);
        assert.deepEqual(problems.map((p) => p.split(":")[0]), ["2", "3", "4"]);
        assert.match(problems.join("\n"), /quote a value that runs over several lines/);
    });

    it('refuses keys Pipecat Cloud does not accept: "." (which dotenv allows), more than 64 characters', () => {
        const long = "K".repeat(LIMITS.keyMax + 1);
        const problems = refused(`agent.openai=${V.openai}\n${"K".repeat(LIMITS.keyMax)}=${V.daily}\n${long}=${V.single}\n`);
        assert.deepEqual(problems, [
            `1: key "agent.openai" may contain only letters, digits, "_" and "-" (dotenv also accepts ".", Pipecat Cloud does not): rename it`,
            `3: key of 65 characters is longer than the 64 characters Pipecat Cloud allows: shorten it`,
        ]);
    });

    it("refuses a key set twice, naming both lines", () => {
        assert.deepEqual(refused(`A=${V.openai}\n# later\nexport A=${V.daily}\n`), [
            '3: key "A" is set again, first on line 1 (dotenv would keep the later value without a word): remove one of them',
        ]);
    });

    it("refuses an empty file, and one of comments and blank lines only", () => {
        for (const text of ["", "\n\n", "# OPENAI_API_KEY=\n   \n# nothing yet\n"]) {
            assert.deepEqual(refused(text), ["-: no KEY=value line (the file is empty, or holds only blank lines and comments): add the keys of the set"]);
        }
    });

    it("refuses a quote that no line end closes, which dotenv would keep in the value", () => {
        const text = `A="${V.openai}\nB=${V.daily}\n`;
        assert.equal(dotenv.parse(text)["A"], `"${V.openai}`);
        assert.deepEqual(refused(text), [
            `1: the value of "A" opens a " quote that no line closes (dotenv would keep the quote in the value): end the value with ", followed by nothing but a # comment on its line`,
        ]);
        assert.match(refused(`A='${V.openai}' trailing\n`)[0] ?? "", /^1: the value of "A" opens a ' quote that no line closes/);
    });

    it("refuses a # right after a value's characters, which dotenv would cut off; accepts it after a space and in quotes", () => {
        const text = `URL=https://example.test/#/callback\nPASSWORD=${V.hash}\nCOLOR=#fff\n`;
        assert.equal(dotenv.parse(text)["URL"], "https://example.test/");
        assert.deepEqual(
            refused(text).map((p) => p.slice(0, 45)),
            ['1: the value of "URL" has a # right after oth', '2: the value of "PASSWORD" has a # right afte', '3: the value of "COLOR" has a # right after o'],
        );
        assert.deepEqual(accepted(`A=${V.openai} # a comment\nB="${V.hash}"\nC= # no value yet\n`), { A: [1, V.openai], B: [2, V.hash], C: [3, ""] });
    });

    it("judges an unquoted value's # by the character before it, the one dotenv cuts at: not the one after, not a later #", () => {
        // Right after a character, with a space after it: dotenv cuts "p@ss" off, so the file must be refused.
        const cut = "PASSWORD=p@ss# word\n";
        assert.equal(dotenv.parse(cut)["PASSWORD"], "p@ss");
        assert.deepEqual(refused(cut), [
            '1: the value of "PASSWORD" has a # right after other characters (dotenv would cut the value there, reading the rest as a comment): ' +
                'quote the value ("...") if the # belongs to it, or put a space before the comment',
        ]);
        // At the start of the value, right after "=": dotenv reads an empty value.
        for (const text of ["COLOR=#fff\n", "export COLOR=#fff\n"]) {
            assert.equal(dotenv.parse(text)["COLOR"], "", text);
            assert.match(refused(text)[0] ?? "", /^1: the value of "COLOR" has a # right after other characters/, text);
        }
        // After a space or a tab, even with none after it, and when a later # follows a character: a comment.
        const comments = `A=${V.openai} #comment\nB=${V.daily}\t# tab\nC=${V.single} # see a#b\nD= #\n`;
        assert.deepEqual(accepted(comments), { A: [1, V.openai], B: [2, V.daily], C: [3, V.single], D: [4, ""] });
        assert.deepEqual(dotenv.parse(comments), { A: V.openai, B: V.daily, C: V.single, D: "" });
        // In quotes, a # is the value's, right after a character or not; after the closing quote, a comment.
        assert.deepEqual(accepted(`P="p@ss# word"\nQ='#start'\nR=\`a #b\`#c\n`), { P: [1, "p@ss# word"], Q: [2, "#start"], R: [3, "a #b"] });
    });

    it("refuses values longer than a set may hold, and more keys than a set may hold", () => {
        const big = "x".repeat(LIMITS.valueMaxBytes + 1);
        assert.deepEqual(refused(`A=${V.openai}\nB=${big}\n`), [`2: the value of "B" is ${LIMITS.valueMaxBytes + 1} bytes long; a value may have at most ${LIMITS.valueMaxBytes}: shorten it`]);
        assert.ok(parseDotEnv(`B=${"x".repeat(LIMITS.valueMaxBytes)}\n`).ok);
        const keys = (n: number) => Array.from({ length: n }, (_, i) => `K${i}=v`).join("\n");
        assert.ok(parseDotEnv(keys(LIMITS.keysMax)).ok);
        assert.deepEqual(refused(keys(LIMITS.keysMax + 1)), [`-: ${LIMITS.keysMax + 1} keys; a secret set may hold at most ${LIMITS.keysMax}: split them over several files and sets`]);
    });

    it("lists every problem of a file, in line order, without a value or any part of a line but its key", () => {
        const text = [`A=${V.openai}`, `${V.daily}`, `A=${V.single}`, `B=${V.hash}`, `bad.key=${V.openai}`, `C="${V.pem}`, `${V.pem.split("\n")[1]}=x`].join("\n");
        const r = parseDotEnv(text);
        assert.ok(!r.ok);
        // 2: a value alone; 3: A again; 4: "#" in a value; 5: "."; 6: an unclosed quote, so 7-9 are the PEM's lines
        // alone. Line 10 looks like an entry whose key is part of the PEM: it is fine on its own, so nothing names it.
        assert.deepEqual(
            r.problems.map((p) => p.line),
            [2, 3, 4, 5, 6, 7, 8, 9],
        );
        const error = new DotEnvError("/tmp/x/.env", r.problems);
        assert.match(error.message, /^\/tmp\/x\/\.env: 8 problems, nothing was read:\n\/tmp\/x\/\.env:2: not a KEY=value line/);
        assertNoLeaks([{ label: "message", text: error.message }], Object.values(V).flatMap((v) => v.split("\n")).filter((v) => v.length >= 8 && !v.startsWith("-----")));
    });

    it("refuses a file whose keys dotenv reads differently from the line scanner, rather than guess", () => {
        const problems = (parse: (text: string) => Record<string, string>): DotEnvProblem[] => {
            const r = parseDotEnv("A=1\nB=2\n", parse);
            assert.ok(!r.ok);
            return [...r.problems];
        };
        assert.deepEqual(problems(() => ({ A: "1" })), [{ line: 2, message: 'dotenv reads no key "B" here: check the quotes on the lines before it' }]);
        assert.deepEqual(problems(() => ({ A: "1", B: "2", C: "3" })), [{ line: undefined, message: `dotenv reads a key that starts on no line of its own ("C"): check the file's quotes` }]);
    });
});

describe("DotEnvError", () => {
    it("names the file and each line, and is told apart by its brand", () => {
        const e = new DotEnvError(".env", [{ line: 4, message: "not a KEY=value line" }]);
        assert.equal(e.message, ".env:4: not a KEY=value line");
        assert.equal(e.file, ".env");
        assert.ok(isDotEnvError(e));
        assert.ok(!isDotEnvError(new Error(".env:4: not a KEY=value line")));
        assert.equal(new DotEnvError(".env", [{ line: undefined, message: "no KEY=value line" }]).message, ".env: no KEY=value line");
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

/** Lines of the kinds .env files hold, good and bad; `K` is replaced by a key. */
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
    'K="esc \\"aped\\""',
    'K="esc at end\\"',
    'K="closed" # comment',
    'K="closed"#comment',
    "K=value # comment",
    "K=",
    'K=""',
    "K= # empty",
    'K="unterminated',
    'K="text" after',
    "K=a#b",
    "# comment",
    "",
    "   ",
    "junk line",
    '"orphan quoted"',
    "K:nospace",
    "K=a=b=c",
    "K=\\n literal",
    "export",
    "K=\"a'b`c\"",
];
const KEYS = ["A", "B", "C", "D_1", "e-2", "f.3"];

describe("parseDotEnv against dotenv (generated files)", () => {
    it("never disagrees with dotenv on the keys, and each accepted key's own lines give dotenv the same value", function () {
        this.timeout(60_000);
        let acceptedFiles = 0;
        for (let seed = 1; seed <= 3000; seed++) {
            const next = random(seed);
            const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
            const lines = Array.from({ length: 1 + Math.floor(next() * 8) }, () => pick(FRAGMENTS).replace(/^(\s*(?:export )?)K/, (_, p: string) => p + pick(KEYS)));
            const text = lines.join(next() < 0.2 ? "\r\n" : "\n");
            const r = parseDotEnv(text);
            const context = `seed ${seed}: ${JSON.stringify(text)}`;
            if (!r.ok) {
                for (const p of r.problems) {
                    assert.doesNotMatch(p.message, /^dotenv reads/, context);
                    assert.ok(p.line === undefined || (p.line >= 1 && p.line <= text.split(/\r\n|\n/).length), context);
                }
                continue;
            }
            acceptedFiles++;
            const normalized = text.replace(/\r\n?/g, "\n").split("\n");
            const whole = dotenv.parse(text);
            assert.deepEqual(r.entries.map((e) => e.key).sort(), Object.keys(whole).sort(), context);
            r.entries.forEach((entry, i) => {
                const end = (r.entries[i + 1]?.line ?? normalized.length + 1) - 1;
                const own = dotenv.parse(normalized.slice(entry.line - 1, end).join("\n"));
                assert.deepEqual(own, { [entry.key]: entry.value }, context);
            });
        }
        assert.ok(acceptedFiles > 300, `only ${acceptedFiles} generated files were accepted: the generator tests little`);
    });
});
