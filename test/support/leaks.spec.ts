/**
 * The leak scanner finds what is planted (so a clean scan means something) and never prints a secret.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import axios from "axios";
import { assertNoLeaks, describeLeaks, errorHaystack, fileHaystacks, needlesFor, scanForLeaks, splitRegisterResourceDumps } from "./leaks";

const SECRET = "sk-live-PLANTED-secret-0001";
const SPECIAL = 'p@ss word/with+"quotes"&=';
const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

describe("scanForLeaks", () => {
    it("finds a secret as is, and reports where without the value", () => {
        const leaks = scanForLeaks(
            [{ label: "message", text: `create failed: ${SECRET} was refused` }],
            [{ label: "OPENAI", value: SECRET }],
        );
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

    it("finds a value with quotes, backslashes and newlines JSON-escaped once, twice and three times", () => {
        const tricky = 'sk-"quoted"\\back\nslash-0004';
        const once = JSON.stringify({ error: `rejected ${tricky}` });
        const twice = JSON.stringify({ message: `API said ${once}` });
        const thrice = JSON.stringify({ log: twice });
        const leaks = scanForLeaks(
            [
                { label: "once", text: once },
                { label: "twice", text: twice },
                { label: "thrice", text: thrice },
            ],
            [tricky],
        );
        assert.deepEqual(
            leaks.map((l) => [l.haystack, l.form]),
            [
                ["once", "json-escaped"],
                ["twice", "json-escaped"],
                ["thrice", "json-escaped"],
            ],
        );
        assert.ok(!twice.includes(JSON.stringify(tricky).slice(1, -1)), "the twice-escaped text does not hold the once-escaped form");
    });

    it("finds a truncated echo: a prefix of 12 characters, also JSON-escaped, or a shorter one cut by an ellipsis", () => {
        const long = 'sk-live-"TRUNCATED"-secret-value-0005';
        const leaks = scanForLeaks(
            [
                { label: "prefix", text: `value ${long.slice(0, 12)} (truncated)` },
                { label: "escaped prefix", text: JSON.stringify({ v: long }).slice(0, 20) },
                { label: "ellipsis", text: `value ${long.slice(0, 9)}… was refused` },
                { label: "dots", text: `value ${long.slice(0, 8)}... was refused` },
                { label: "too short to mean it", text: `value ${long.slice(0, 7)}… and ${long.slice(0, 11)} alone` },
            ],
            [long],
        );
        assert.deepEqual(
            leaks.map((l) => [l.haystack, l.form]),
            [
                ["prefix", "truncated"],
                ["escaped prefix", "truncated"],
                ["ellipsis", "truncated"],
                ["dots", "truncated"],
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

    it("does not flag a near miss, but counts a shared prefix of 12 characters as a truncated echo", () => {
        const nearMiss = "t" + SECRET.slice(1);
        assert.deepEqual(scanForLeaks([{ label: "x", text: `${nearMiss} ${b64(nearMiss)}` }], [SECRET]), []);
        const sameStart = SECRET.slice(0, -1) + "2";
        assert.deepEqual(
            scanForLeaks([{ label: "x", text: `${sameStart}` }], [SECRET]).map((l) => l.form),
            ["truncated"],
        );
    });

    it("refuses secrets too short to scan for, without showing them", () => {
        assert.throws(
            () => scanForLeaks([], ["abc"]),
            (e: Error) => /secret #0 is 3 characters long/.test(e.message) && !e.message.includes("abc"),
        );
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

describe("errorHaystack with circular and library errors", () => {
    it("finds a secret in one own property when another one is circular", () => {
        const error = new Error("create failed") as Error & Record<string, unknown>;
        error["self"] = error;
        error["request"] = { headers: { authorization: `Bearer ${SECRET}` } };
        (error["request"] as Record<string, unknown>)["error"] = error;
        const haystack = errorHaystack("circular", error);
        assert.deepEqual(
            scanForLeaks([haystack], [SECRET]).map((l) => l.form),
            ["plain"],
        );
        assert.ok(!haystack.text.includes("not serializable"));
    });

    it("finds the key and the body in a real axios error (circular through its request and socket)", async () => {
        const server = http.createServer((_req, res) => {
            res.statusCode = 500;
            res.end('{"error":"boom"}');
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const { port } = server.address() as AddressInfo;
        const other = "sk-live-PLANTED-body-value-0006";
        try {
            const error = await axios
                .put(`http://127.0.0.1:${port}/v1/secrets/x`, JSON.stringify({ secrets: [{ secretKey: "A", secretValue: other }] }), {
                    headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" },
                    proxy: false,
                })
                .then(
                    () => assert.fail("expected a 500"),
                    (e: unknown) => e,
                );
            const own = Object.fromEntries(Object.getOwnPropertyNames(error).map((k) => [k, (error as Record<string, unknown>)[k]]));
            assert.throws(() => JSON.stringify(own), /circular/i, "its own properties are circular: the case this test is about");
            const leaks = scanForLeaks([errorHaystack("axios error", error)], [SECRET, other]);
            assert.deepEqual(
                leaks.map((l) => l.secretIndex),
                [0, 1],
            );
        } finally {
            await new Promise((resolve) => server.close(resolve));
        }
    });

    it("reads no getter", () => {
        const error = new Error("x");
        let read = false;
        Object.defineProperty(error, "lazy", {
            enumerable: true,
            get: () => {
                read = true;
                return SECRET;
            },
        });
        errorHaystack("getter", error);
        assert.equal(read, false);
    });
});

describe("splitRegisterResourceDumps", () => {
    const PROVIDER = "exports.handler = __f0;\n\nvar __provider = {create: __f1};\n\nfunction __f0() {\n  return __provider;\n}\n";
    const dump = (indent: string, value: string) =>
        [
            `${indent}debug: RegisterResource RPC finished: resource:set-00[pulumi-nodejs:dynamic/pipecat:SecretSet]; err: null, resp: urn:x::set-00,set-00,__provider,,,${PROVIDER.split("\n")[0]}`,
            ...PROVIDER.split("\n")
                .slice(1, -1)
                .map((l) => `${indent}${l}`),
            `${indent},name,,,set-00,secrets,,,FIRST,,,${value},,`,
        ].join("\n");

    it("sets apart exactly the dump, also under the Diagnostics indent, and keeps the lines after it up to the next debug line", () => {
        for (const indent of ["", "    "]) {
            const output = [
                `${indent}debug: Registering resource: t=pulumi-nodejs:dynamic/pipecat:SecretSet, name=set-00`,
                dump(indent, SECRET),
                `${indent}warning: the provider printed ${SECRET}`,
                "Resources:",
                `    + 1 to create ${SECRET}`,
                `${indent}debug: RegisterResource RPC finished: resource:stack[pulumi:pulumi:Stack]; err: null, resp: urn:stack,,,,`,
                `${indent}error: after the one-line dump ${SECRET}`,
            ].join("\n");
            const split = splitRegisterResourceDumps(output, PROVIDER);
            assert.equal(split.count, 2);
            assert.equal(split.dumps.split("\n").length, PROVIDER.split("\n").length + 1);
            assert.deepEqual(
                scanForLeaks([{ label: "dumps", text: split.dumps }], [SECRET]).map((l) => l.haystack),
                ["dumps"],
            );
            assert.equal(
                (split.rest.match(new RegExp(SECRET, "g")) ?? []).length,
                3,
                `indent ${JSON.stringify(indent)}: a line after a dump was dropped`,
            );
            assert.ok(!split.rest.includes("RegisterResource RPC finished"));
        }
    });

    it("takes the live display's one-line form as the dump alone", () => {
        const output = [
            ` +  pulumi:pulumi:Stack e2e creating (3s) debug: RegisterResource RPC finished: resource:set-00[x]; err: null, resp: urn,set-00,__provider,,,${PROVIDER.split("\n")[0]}`,
            ` +  pulumi-nodejs:dynamic/pipecat:SecretSet set-00 created ${SECRET}`,
        ].join("\n");
        const split = splitRegisterResourceDumps(output, PROVIDER);
        assert.equal(split.count, 1);
        assert.ok(split.rest.includes(SECRET));
        assert.ok(!split.dumps.includes(SECRET));
    });

    it("refuses a dump that holds only part of the provider's text", () => {
        const cut = dump("", SECRET).split("\n").slice(0, 4).join("\n") + "\nsomething else";
        assert.throws(() => splitRegisterResourceDumps(cut, PROVIDER), /holds only part of the serialized provider/);
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
