/**
 * dotEnvSecrets: real files in a temporary directory, read by python-dotenv's rules; values checked through the Outputs.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { type SecretSetArgs, dotEnvSecrets, isDotEnvError } from "../../../provider";
import { assertNoLeaks, errorHaystack } from "../../support/leaks";

const V = {
    openai: "sk-test-OPENAI-never-shown-0101",
    daily: "test-DAILY-never-shown-0102",
    pem: "-----BEGIN TEST-----\nline-one-never-shown-0103\n-----END TEST-----",
};

const resolved = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply((v) => resolve(v)));

describe("dotEnvSecrets", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dotenv-secrets-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, text: string | Buffer): string => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, text);
        return file;
    };

    it("reads a .env file into a map whose every value is a secret, usable as a SecretSet's secrets", async () => {
        const file = write(
            ".env",
            `# keys of the agent\nexport OPENAI_API_KEY=${V.openai} # inline comment\nDAILY_API_KEY="${V.daily}"\nPEM="${V.pem}"\n`,
        );
        const secrets = dotEnvSecrets(file);
        const args: SecretSetArgs = { name: "agent", secrets }; // the type a SecretSet takes
        assert.deepEqual(Object.keys(args.secrets as object), ["OPENAI_API_KEY", "DAILY_API_KEY", "PEM"]);
        for (const [key, output] of Object.entries(secrets)) assert.equal(await pulumi.isSecret(output), true, key);
        assert.deepEqual(Object.fromEntries(await Promise.all(Object.entries(secrets).map(async ([k, o]) => [k, await resolved(o)]))), {
            OPENAI_API_KEY: V.openai,
            DAILY_API_KEY: V.daily,
            PEM: V.pem,
        });
    });

    it("reads a relative path from the working directory", async () => {
        write("agent.env", `OPENAI_API_KEY=${V.openai}\n`);
        const cwd = process.cwd();
        process.chdir(dir);
        try {
            assert.equal(await resolved(dotEnvSecrets("agent.env")["OPENAI_API_KEY"] as pulumi.Output<string>), V.openai);
        } finally {
            process.chdir(cwd);
        }
    });

    it("throws a DotEnvError naming the file and each line, never a value", () => {
        const file = write(".env", `OPENAI_API_KEY=${V.openai}\n${V.daily}\nOPENAI_API_KEY=${V.daily}\n`);
        let caught: unknown;
        assert.throws(
            () => dotEnvSecrets(file),
            (e: unknown) => {
                caught = e;
                return isDotEnvError(e) && e.file === file && e.problems.map((p) => p.line).join() === "2,3";
            },
        );
        assert.match(String(caught), new RegExp(`${file.replace(/[.]/g, "\\.")}:2: not a KEY=value line`));
        assert.match(String(caught), /:3: key "OPENAI_API_KEY" is set again, first on line 1/);
        assertNoLeaks(
            [errorHaystack("error", caught)],
            Object.values(V).flatMap((v) => v.split("\n")),
        );
    });

    it("says what is wrong with a file it cannot read: missing, a directory, UTF-16, not UTF-8, a byte order mark", () => {
        const message = (file: string): string => {
            try {
                dotEnvSecrets(file);
            } catch (e) {
                assert.ok(isDotEnvError(e));
                return e.message;
            }
            return assert.fail("no error");
        };
        assert.equal(
            message(path.join(dir, "missing.env")),
            `${path.join(dir, "missing.env")}: no such file: give the path of the .env file (relative to the current directory)`,
        );
        assert.equal(message(dir), `${dir}: is a directory: give the path of the .env file itself`);
        const utf16 = write(
            "utf16.env",
            Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`OPENAI_API_KEY=${V.openai}\n`, "utf16le")]),
        );
        assert.equal(message(utf16), `${utf16}: is saved as UTF-16: save it as UTF-8`);
        // Latin-1: Python's open(encoding="utf-8") would fail on it; Buffer#toString would have read U+FFFD.
        const latin1 = write(
            "latin1.env",
            Buffer.concat([Buffer.from(`OPENAI_API_KEY=${V.openai}\nNAME=caf`), Buffer.from([0xe9]), Buffer.from("\n")]),
        );
        assert.equal(
            message(latin1),
            `${latin1}: is not valid UTF-8 (python-dotenv, which reads it as UTF-8, would fail): save it as UTF-8`,
        );
        // A UTF-8 byte order mark is kept, as Python keeps it (in the first key).
        const bom = write("bom.env", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`OPENAI_API_KEY=${V.openai}\n`)]));
        assert.equal(
            message(bom),
            `${bom}:1: the file starts with a byte order mark (BOM), which python-dotenv reads as part of the first key: save the file as UTF-8 without BOM`,
        );
    });
});
