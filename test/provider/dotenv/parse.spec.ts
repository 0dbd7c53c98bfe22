import * as assert from "node:assert/strict";
import { DotEnvError, formatProblems, isDotEnvError, parseDotEnv } from "../../../provider/dotenv/parse";
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
    it("reads a Pipecat starter's .env with comments, export, quoted # and multi-line values, as python-dotenv does", () => {
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
    });

    it("reads the issue's GOOGLE_CREDENTIALS as the bot does: in double quotes \\\" is a quote, where Node's dotenv kept the backslash", () => {
        const json = `{"type": "service_account", "private_key": "${V.single}"}`;
        const text = `GOOGLE_CREDENTIALS="${json.replace(/"/g, '\\"')}"\n`;
        assert.deepEqual(accepted(text), { GOOGLE_CREDENTIALS: [1, json] });
        assert.deepEqual(JSON.parse(accepted(text)["GOOGLE_CREDENTIALS"]?.[1] ?? ""), JSON.parse(json));
    });

    it("decodes python-dotenv's escapes: in double quotes \\\\ \\' \\\" \\a \\b \\f \\n \\r \\t \\v, in single quotes \\\\ and \\' only, unquoted none", () => {
        assert.deepEqual(accepted('A="a\\\\b \\\'c\\\' \\"d\\" \\a\\b\\f\\n\\r\\t\\v \\x41 \\$"\n'), {
            A: [1, "a\\b 'c' \"d\" \x07\b\f\n\r\t\v \\x41 \\$"],
        });
        assert.deepEqual(accepted("A='it\\'s \\\\ \\n \\\"'\nB=x\\ny\\\\\n"), { A: [1, "it's \\ \\n \\\""], B: [2, "x\\ny\\\\"] });
        // "\\" before the closing quote is one backslash, and the quote closes the value.
        assert.deepEqual(accepted('A="C:\\\\"\nB=1\n'), { A: [1, "C:\\"], B: [2, "1"] });
    });

    it("reads quoted values over several lines, line ends as Python reads a file: CRLF and a lone CR are newlines", () => {
        assert.deepEqual(accepted('A="one\nB=two\n# three\n"\nC=4\n'), { A: [1, "one\nB=two\n# three\n"], C: [5, "4"] });
        assert.deepEqual(accepted("A='{\n  \"k\": 1\n}'\n"), { A: [1, '{\n  "k": 1\n}'] });
        assert.deepEqual(accepted('A=1\r\nB="x\r\ny"\r\nC=3\r\n'), { A: [1, "1"], B: [2, "x\ny"], C: [4, "3"] });
        assert.deepEqual(accepted("A=1\rB=2\r"), { A: [1, "1"], B: [2, "2"] });
        const r = parseDotEnv('A="x\ny"\nB=1\n');
        assert.ok(r.ok);
        assert.deepEqual(
            r.entries.map((e) => [e.line, e.lastLine]),
            [
                [1, 2],
                [3, 3],
            ],
        );
    });

    it("keeps what python-dotenv keeps: backticks, $NAME without braces, quotes and = inside an unquoted value", () => {
        assert.deepEqual(accepted('A=`x`\nB=$A\nC=it\'s "so"=1\n'), { A: [1, "`x`"], B: [2, "$A"], C: [3, 'it\'s "so"=1'] });
    });

    it("expands ${NAME} and ${NAME:-default} from the keys above it, in any quotes, as python-dotenv does", () => {
        assert.deepEqual(
            accepted(
                `HOST=${V.daily}\nURL="https://\${HOST}/v1"\nSAME='\${HOST}'\nD=\${HOST:-unused}\nE=\nF=\${E:-not used: E is set}\nG=\${HOST:x}\n`,
            ),
            {
                HOST: [1, V.daily],
                URL: [2, `https://${V.daily}/v1`],
                SAME: [3, V.daily],
                D: [4, V.daily],
                E: [5, ""],
                F: [6, ""],
                G: [7, "${HOST:x}"],
            },
        );
    });

    it("refuses a ${NAME} that no line above sets: python-dotenv would take it from the environment, which is not Pipecat Cloud's", () => {
        for (const [text, line] of [
            ["A=${HOME}\n", 1],
            ["A=1\nB=x${LATER}\nLATER=2\n", 2],
            ["A=${MISSING:-default}\n", 1],
            ["A=${A}\n", 1],
            ["A='${}'\n", 1],
        ] as const) {
            assert.deepEqual(
                refused(text),
                [
                    `${line}: the value of "${line === 1 ? "A" : "B"}" uses \${...} with a name that no line above sets (python-dotenv would take it from the environment of whoever runs the bot, ` +
                        "or its :- default: yours locally, not Pipecat Cloud's): set the name on a line above, or write the value out",
                ],
                text,
            );
        }
    });

    it("refuses the lines python-dotenv skips with a warning, or reads as a name without a value, naming each line and nothing of it", () => {
        const text = `OPENAI_API_KEY=${V.openai}\nDAILY API KEY=${V.daily}\n${V.single}\nB:c\n=${V.hash}\n`;
        assert.deepEqual(refused(text), [
            "2: not a KEY=value line (python-dotenv would skip it, with a warning): write it as KEY=value, make it a comment with #, or quote a value that runs over several lines",
            "3: not a KEY=value line (no =: python-dotenv reads a name without a value, which the bot never gets): write it as KEY=value, make it a comment with #, or quote a value that runs over several lines",
            "4: not a KEY=value line (no =: python-dotenv reads a name without a value, which the bot never gets): write it as KEY=value, make it a comment with #, or quote a value that runs over several lines",
            "5: not a KEY=value line (python-dotenv would skip it, with a warning): write it as KEY=value, make it a comment with #, or quote a value that runs over several lines",
        ]);
    });

    it("refuses the lines of an unquoted multi-line value, which python-dotenv would drop", () => {
        const problems = refused(`PRIVATE_KEY=${V.pem}\n`);
        assert.deepEqual(
            problems.map((p) => p.split(":")[0]),
            ["2", "3", "4"],
        );
        assert.match(problems.join("\n"), /quote a value that runs over several lines/);
    });

    it('refuses keys Pipecat Cloud does not accept: "." (which python-dotenv allows), more than 64 characters; a quoted key; a byte order mark', () => {
        const long = "K".repeat(LIMITS.keyMax + 1);
        const problems = refused(`agent.openai=${V.openai}\n${"K".repeat(LIMITS.keyMax)}=${V.daily}\n${long}=${V.single}\n'A'=1\nx/y=1\n`);
        assert.deepEqual(problems, [
            `1: key "agent.openai" may contain only letters, digits, "_" and "-" (python-dotenv accepts more, Pipecat Cloud does not): rename it`,
            `3: key of 65 characters is longer than the 64 characters Pipecat Cloud allows: shorten it`,
            "4: the key is in quotes (python-dotenv reads them, Node's dotenv and pcc do not): write the key without quotes",
            `5: key of 3 characters may contain only letters, digits, "_" and "-" (python-dotenv accepts more, Pipecat Cloud does not): rename it`,
        ]);
        assert.deepEqual(refused(`\ufeffA=${V.openai}\n`), [
            "1: the file starts with a byte order mark (BOM), which python-dotenv reads as part of the first key: save the file as UTF-8 without BOM",
        ]);
    });

    it("refuses a key set twice, naming both lines", () => {
        assert.deepEqual(refused(`A=${V.openai}\n# later\nexport A=${V.daily}\n`), [
            '3: key "A" is set again, first on line 1 (python-dotenv would keep the later value without a word): remove one of them',
        ]);
    });

    it("refuses an empty file, and one of comments and blank lines only", () => {
        for (const text of ["", "\n\n", "# OPENAI_API_KEY=\n   \n# nothing yet\n", "export # not a key\n"]) {
            assert.deepEqual(refused(text), [
                "-: no KEY=value line (the file is empty, or holds only blank lines and comments): add the keys of the set",
            ]);
        }
    });

    it("refuses a quote that nothing closes, and a closing quote followed by more than a comment, which python-dotenv would skip", () => {
        assert.deepEqual(refused(`A="${V.openai}\nB=${V.daily}\n`), [
            `1: the value of "A" opens a " quote that nothing after it closes (python-dotenv would skip the line, with a warning): end the value with "`,
        ]);
        assert.deepEqual(refused(`A='${V.openai}' trailing\n`), [
            `1: the value of "A" is followed by more than a # comment after its closing ' on line 1 (python-dotenv would skip line 1, with a warning): ` +
                `escape a ' inside the value as \\', and put nothing but a # comment after the closing '`,
        ]);
        // An escaped quote at a line end does not close the value: it runs on to the next quote, here B's; python-dotenv loses both keys.
        assert.deepEqual(refused('A="x\\"\nB="y"\n'), [
            `1: the value of "A" is followed by more than a # comment after its closing " on line 2 (python-dotenv would skip lines 1 to 2, with a warning): ` +
                `escape a " inside the value as \\", and put nothing but a # comment after the closing "`,
        ]);
    });

    it("reads an unquoted value's # as python-dotenv does: a comment after whitespace, the value's after anything else", () => {
        const text = `URL=https://example.test/#/callback\nPASSWORD=${V.hash}\nA=${V.openai} #comment\nB=${V.daily}\t# tab\nC=${V.single} # see a#b\nD= \nE=p@ss# word\n`;
        assert.deepEqual(accepted(text), {
            URL: [1, "https://example.test/#/callback"],
            PASSWORD: [2, V.hash],
            A: [3, V.openai],
            B: [4, V.daily],
            C: [5, V.single],
            D: [6, ""],
            E: [7, "p@ss# word"],
        });
        // In quotes a # is the value's; after the closing quote, with or without a space, a comment.
        assert.deepEqual(accepted(`P="p@ss# word"\nQ='#start'\nR="a #b"#c\n`), { P: [1, "p@ss# word"], Q: [2, "#start"], R: [3, "a #b"] });
    });

    it("refuses an unquoted value that starts with #: the value to python-dotenv, a comment to most readers", () => {
        for (const text of ["COLOR=#fff\n", "export COLOR=#fff\n", "COLOR= # no value yet\n"]) {
            assert.deepEqual(
                refused(text),
                [
                    '1: the value of "COLOR" starts with # (python-dotenv reads it as the value, most other readers as a comment): quote the value ("#...") if the # belongs to it, or write nothing after = for an empty value',
                ],
                text,
            );
        }
        assert.deepEqual(accepted('COLOR="#fff"\nNONE=\n'), { COLOR: [1, "#fff"], NONE: [2, ""] });
    });

    it("refuses values longer than a set may hold, and more keys than a set may hold", () => {
        const big = "x".repeat(LIMITS.valueMaxBytes + 1);
        assert.deepEqual(refused(`A=${V.openai}\nB=${big}\n`), [
            `2: the value of "B" is ${LIMITS.valueMaxBytes + 1} bytes long; a value may have at most ${LIMITS.valueMaxBytes}: shorten it`,
        ]);
        assert.ok(parseDotEnv(`B=${"x".repeat(LIMITS.valueMaxBytes)}\n`).ok);
        // The limit is on the value as read: an escape is one character, an expansion all of its value.
        assert.ok(parseDotEnv(`B="${"\\n".repeat(LIMITS.valueMaxBytes)}"\n`).ok);
        assert.match(
            refused(`A=${"x".repeat(LIMITS.valueMaxBytes / 2)}\nB=\${A}\${A}y\n`)[0] ?? "",
            /^2: the value of "B" is 65537 bytes long/,
        );
        const keys = (n: number) => Array.from({ length: n }, (_, i) => `K${i}=v`).join("\n");
        assert.ok(parseDotEnv(keys(LIMITS.keysMax)).ok);
        assert.deepEqual(refused(keys(LIMITS.keysMax + 1)), [
            `-: ${LIMITS.keysMax + 1} keys; a secret set may hold at most ${LIMITS.keysMax}: split them over several files and sets`,
        ]);
    });

    it("lists every problem of a file, in line order, without a value or any part of a line but its key", () => {
        const text = [
            `A=${V.openai}`,
            `${V.daily}`,
            `A=${V.single}`,
            `B=x\${${V.hash}}`,
            `bad.key=${V.openai}`,
            `C="${V.pem}`,
            `${V.pem.split("\n")[1]}=x`,
        ].join("\n");
        const r = parseDotEnv(text);
        assert.ok(!r.ok);
        // 2: a value alone; 3: A again; 4: a ${...} of no key above; 5: "."; 6: a quote nothing closes, so 7-9 are the
        // PEM's lines alone (two without =, then one python-dotenv cannot parse). Line 10 is an entry whose key is part
        // of the PEM: it is fine on its own, so nothing names it.
        assert.deepEqual(
            r.problems.map((p) => p.line),
            [2, 3, 4, 5, 6, 7, 8, 9],
        );
        const error = new DotEnvError("/tmp/x/.env", r.problems);
        assert.match(error.message, /^\/tmp\/x\/\.env: 8 problems, nothing was read:\n\/tmp\/x\/\.env:2: not a KEY=value line/);
        assertNoLeaks(
            [{ label: "message", text: error.message }],
            Object.values(V)
                .flatMap((v) => v.split("\n"))
                .filter((v) => v.length >= 8 && !v.startsWith("-----")),
        );
    });

    it("says for each entry whether pcc secrets set --file would store another value, in words without a value", () => {
        const r = parseDotEnv(`export A=${V.openai}\nB="${V.daily}" # c\nC=${V.single}\nD="x\ny"\n`);
        assert.ok(r.ok);
        assert.deepEqual(
            r.entries.map((e) => [e.key, e.pcc]),
            [
                ["A", 'pcc would take "export " (or what else is before the key) as part of the key'],
                ["B", "pcc would store another value: it keeps the double quotes, the # comment"],
                ["C", undefined],
                ["D", "its value runs over lines 4 to 5, and pcc reads each line on its own"],
            ],
        );
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
