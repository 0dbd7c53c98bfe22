/**
 * The leak scanner finds what is planted (so a clean scan means something) and never prints a secret.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { assertNoLeaks, describeLeaks, errorHaystack, fileHaystacks, needlesFor, scanForLeaks } from "./leaks";

const SECRET = "sk-live-PLANTED-secret-0001";
const SPECIAL = 'p@ss word/with+"quotes"&=';
const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

describe("scanForLeaks", () => {
    it("finds a secret as is, and reports where without the value", () => {
        const leaks = scanForLeaks([{ label: "message", text: `create failed: ${SECRET} was refused` }], [{ label: "OPENAI", value: SECRET }]);
        assert.deepEqual(leaks, [{ haystack: "message", secretIndex: 0, secretLabel: "OPENAI", form: "plain", offset: 15 }]);
        assert.ok(!describeLeaks(leaks).includes(SECRET));
        assert.equal(describeLeaks(leaks), "message: OPENAI (plain) at offset 15");
    });

    it("finds its base64 and base64url forms", () => {
        const urlish = "sk-urlsafe-???~~~-0003"; // its base64 holds "/" and "+", which base64url writes "_" and "-"
        assert.match(b64(urlish), /[+/]/);
        const leaks = scanForLeaks(
            [
                { label: "b64", text: `token=${b64(SECRET)}` },
                { label: "b64url", text: b64(urlish).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "") },
            ],
            [SECRET, urlish],
        );
        assert.deepEqual(
            leaks.map((l) => [l.haystack, l.secretIndex, l.form]),
            [
                ["b64", 0, "base64"],
                ["b64url", 1, "base64url"],
            ],
        );
    });

    it("finds it inside a longer base64 text at every byte alignment (user:password)", () => {
        for (const user of ["", "a", "ab", "abc", "robot-user"]) {
            const text = `{"auths":{"ghcr.io":{"auth":"${b64(`${user}:${SECRET}`)}"}}}`;
            const leaks = scanForLeaks([{ label: `user of ${user.length}`, text }], [SECRET]);
            assert.equal(leaks.length, 1, `not found after a user name of ${user.length} characters`);
            assert.equal(leaks[0]?.form, "base64");
        }
    });

    it("finds URL-encoded, form-encoded and JSON-escaped forms", () => {
        const leaks = scanForLeaks(
            [
                { label: "path", text: `DELETE /secrets/x/${encodeURIComponent(SPECIAL)}` },
                { label: "form", text: `a=1&v=${encodeURIComponent(SPECIAL).replace(/%20/g, "+")}` },
                { label: "json", text: JSON.stringify({ error: `bad value ${SPECIAL}` }) },
            ],
            [SPECIAL],
        );
        assert.deepEqual(
            leaks.map((l) => [l.haystack, l.form]),
            [
                ["path", "url-encoded"],
                ["form", "url-encoded"],
                ["json", "json-escaped"],
            ],
        );
    });

    it("reports each secret in each haystack once, and nothing when clean", () => {
        const other = "another-PLANTED-value-0002";
        const haystacks = [
            { label: "a", text: `${SECRET} ${SECRET} ${b64(SECRET)}` },
            { label: "b", text: `${other}` },
            { label: "c", text: "nothing to see here" },
        ];
        const leaks = scanForLeaks(haystacks, [SECRET, other]);
        assert.deepEqual(
            leaks.map((l) => `${l.haystack}:${l.secretLabel}`),
            ["a:secret #0", "b:secret #1"],
        );
        assert.deepEqual(scanForLeaks([{ label: "c", text: "nothing to see here" }], [SECRET, other]), []);
    });

    it("does not flag a near miss", () => {
        const nearMiss = SECRET.slice(0, -1) + "2";
        assert.deepEqual(scanForLeaks([{ label: "x", text: `${nearMiss} ${b64(nearMiss)}` }], [SECRET]), []);
    });

    it("refuses secrets too short to scan for, without showing them", () => {
        assert.throws(() => scanForLeaks([], ["abc"]), (e: Error) => /secret #0 is 3 characters long/.test(e.message) && !e.message.includes("abc"));
    });

    it("searches needles of at least 8 characters only", () => {
        for (const n of needlesFor("12345678")) assert.ok(n.text.length >= 8, `${n.form} needle of ${n.text.length}`);
    });
});

describe("assertNoLeaks", () => {
    it("passes on clean texts and fails naming the haystack and the secret's label, never the value", () => {
        assertNoLeaks([{ label: "clean", text: "all good" }], [SECRET]);
        assert.throws(
            () => assertNoLeaks([{ label: "stderr", text: `oops ${b64(SECRET)}` }], [{ label: "DAILY", value: SECRET }], "log lines"),
            (e: Error) =>
                e instanceof assert.AssertionError &&
                e.message.includes("1 secret leak(s) in 1 log lines") &&
                e.message.includes("stderr: DAILY (base64)") &&
                !e.message.includes(SECRET) &&
                !e.message.includes(b64(SECRET)),
        );
    });
});

describe("errorHaystack", () => {
    it("includes the message, the stack and own properties such as an API field", () => {
        class ApiError extends Error {
            constructor(
                message: string,
                readonly apiMessage: string,
            ) {
                super(message);
            }
        }
        const error = new ApiError("create failed", `server said ${SECRET}`);
        const leaks = scanForLeaks([errorHaystack("error", error)], [SECRET]);
        assert.equal(leaks.length, 1);
        const stackOnly = new Error("clean message");
        stackOnly.stack = `Error: ${SECRET}\n    at somewhere`;
        assert.equal(scanForLeaks([errorHaystack("stack", stackOnly)], [SECRET]).length, 1);
        const caused = new Error("outer", { cause: new Error(`inner ${SECRET}`) });
        assert.equal(scanForLeaks([errorHaystack("cause", caused)], [SECRET]).length, 1);
    });
});

describe("fileHaystacks", () => {
    it("reads files and directories recursively, labelled by path", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "leaks-"));
        try {
            fs.mkdirSync(path.join(dir, "stacks"));
            fs.writeFileSync(path.join(dir, "stacks", "dev.json"), JSON.stringify({ outputs: { v: b64(`bot:${SECRET}`) } }));
            fs.writeFileSync(path.join(dir, "log.txt"), "clean");
            const leaks = scanForLeaks(fileHaystacks([dir]), [SECRET]);
            assert.deepEqual(
                leaks.map((l) => path.relative(dir, l.haystack)),
                [path.join("stacks", "dev.json")],
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
