/**
 * import-env against a stand-in pulumi (test/support/stand-in-pulumi.ts): the commands the import runs, what each
 * gets on standard input, and what the user sees when one fails, in a second instead of the engine's minutes. The
 * stand-in answers as pulumi 3.248 does (`config get --json` prints `configValueJSON`, a missing key says "not
 * found", an error exits 1 with `error: ...` on standard error). The real pulumi is test/e2e/import-env.spec.ts.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXIT, main } from "../../../provider/dotenv/cli";
import { assertNoLeaks } from "../../support/leaks";
import { type PulumiRun, StandInPulumi, configGetJson } from "../../support/stand-in-pulumi";

const V = {
    openai: "sk-test-IMPORT-openai-never-shown-0401",
    // A value that reads as a flag: on a command line, pulumi would take it for one.
    dashed: "--show-secrets-IMPORT-never-shown-0402",
    pem: "-----BEGIN TEST KEY-----\nIMPORTpemLINEnevershown0403\n-----END TEST KEY-----\n",
    old: "sk-test-IMPORT-old-never-shown-0404",
    same: "test-IMPORT-same-never-shown-0405",
    plain: "test-IMPORT-plain-never-shown-0406",
    added: "test-IMPORT-added-never-shown-0407",
    extra: "test-IMPORT-extra-never-shown-0408",
};
const SECRETS = Object.values(V)
    .flatMap((v) => v.split("\n"))
    .filter((v) => v.length >= 8 && !v.startsWith("-----"));

const SET = ["config", "set", "--secret", "--path", "--raw"];
const RM = ["config", "rm", "--path"];
const failed = (message: string) => ({ code: 1, stderr: `error: ${message}\n` });

describe("pipecat-secrets import-env, against a stand-in pulumi", () => {
    let dir: string;
    let pulumi: StandInPulumi;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipecat-import-"));
        pulumi = new StandInPulumi();
    });
    afterEach(() => {
        pulumi.cleanup();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /**
     * The command line in this process, the stand-in first on PATH (no PULUMI), its output captured. No value may be
     * on a command line pulumi got, nor in anything the command printed.
     */
    async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
        let stdout = "";
        let stderr = "";
        const env = { PATH: `${pulumi.binDir}${path.delimiter}${process.env["PATH"] ?? ""}` };
        const code = await main(argv, env, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
        const commandLines = pulumi.runs().map((r) => r.argv.join(" "));
        assertNoLeaks(
            [
                { label: "pulumi command lines", text: commandLines.join("\n") },
                { label: "stdout", text: stdout },
                { label: "stderr", text: stderr },
            ],
            SECRETS,
        );
        return { code, stdout, stderr };
    }

    function envFile(text: string): string {
        const file = path.join(dir, ".env");
        fs.writeFileSync(file, text);
        return file;
    }

    /** The runs as "argv | stdin", the reads that run side by side (`config get --path`) sorted among themselves. */
    function shown(runs: readonly PulumiRun[]): string[] {
        const lines = runs.map((r) => `${r.argv.join(" ")} | ${JSON.stringify(r.stdin)}`);
        const first = lines.findIndex((l) => l.startsWith("config get --path"));
        if (first === -1) return lines;
        let end = first;
        while (end < lines.length && (lines[end] as string).startsWith("config get --path")) end++;
        return [...lines.slice(0, first), ...lines.slice(first, end).sort(), ...lines.slice(end)];
    }

    it("writes each new key by `config set --secret --path --raw` with its value on standard input, exactly, never on the command line", async () => {
        const file = envFile(`OPENAI_API_KEY=${V.openai}\nDASHED=${V.dashed}\nTLS_KEY="${V.pem}"\n`);
        const flags = ["--stack", "dev", "--cwd", "infra", "--non-interactive"];
        pulumi
            .answer(["stack", "--show-name", ...flags], { stdout: "dev\n" })
            .answer(
                ["config", "get", "--json", ...flags, "--", "agentSecrets"],
                failed("configuration key 'agentSecrets' not found for stack 'dev'"),
            );
        for (const key of ["OPENAI_API_KEY", "DASHED", "TLS_KEY"]) pulumi.answer([...SET, ...flags, "--", `agentSecrets["${key}"]`]);

        const run = await cli("import-env", file, "--key", "agentSecrets", "--stack", "dev", "--cwd", "infra");
        assert.deepEqual(shown(pulumi.runs()), [
            `stack --show-name ${flags.join(" ")} | ""`,
            `config get --json ${flags.join(" ")} -- agentSecrets | ""`,
            `${SET.join(" ")} ${flags.join(" ")} -- agentSecrets["OPENAI_API_KEY"] | ${JSON.stringify(V.openai)}`,
            `${SET.join(" ")} ${flags.join(" ")} -- agentSecrets["DASHED"] | ${JSON.stringify(V.dashed)}`,
            `${SET.join(" ")} ${flags.join(" ")} -- agentSecrets["TLS_KEY"] | ${JSON.stringify(V.pem)}`,
        ]);
        assert.equal(run.code, EXIT.ok, run.stderr);
        // The PEM runs over lines 3 to 6: pcc secrets set --file would read them one by one.
        assert.equal(
            run.stderr,
            `pipecat-secrets: note: the values imported are python-dotenv's, as the bot reads ${file}; \`pcc secrets set --file ${file}\` would store another value for 1 key:\n` +
                `  ${file}:3 TLS_KEY: its value runs over lines 3 to 6, and pcc reads each line on its own\n`,
        );
        assert.match(
            run.stdout,
            /^Imported 3 keys of .*\.env into agentSecrets of stack dev, encrypted:\n {2}OPENAI_API_KEY {2}added \(line 1\)\n {2}DASHED {10}added \(line 2\)\n {2}TLS_KEY {9}added \(line 3\)\n/,
        );
    });

    it("writes python-dotenv's values, the bot's: \\\" in double quotes is a quote, ${NAME} the value above; a note names where pcc differs", async () => {
        const json = `{"type": "service_account", "private_key": "${V.openai}"}`;
        const file = envFile(`GOOGLE_CREDENTIALS="${json.replace(/"/g, '\\"')}"\nHOST=${V.same}\nURL=https://\${HOST}/v1 # the API\n`);
        const flags = ["--non-interactive"];
        pulumi
            .answer(["stack", "--show-name", ...flags], { stdout: "dev\n" })
            .answer(
                ["config", "get", "--json", ...flags, "--", "agentSecrets"],
                failed("configuration key 'agentSecrets' not found for stack 'dev'"),
            );
        for (const key of ["GOOGLE_CREDENTIALS", "HOST", "URL"]) pulumi.answer([...SET, ...flags, "--", `agentSecrets["${key}"]`]);

        const run = await cli("import-env", file, "--key", "agentSecrets");
        assert.equal(run.code, EXIT.ok, run.stderr);
        assert.deepEqual(
            pulumi
                .runs()
                .filter((r) => r.argv[1] === "set")
                .map((r) => r.stdin),
            [json, V.same, `https://${V.same}/v1`],
        );
        assert.equal(
            run.stderr,
            `pipecat-secrets: note: the values imported are python-dotenv's, as the bot reads ${file}; \`pcc secrets set --file ${file}\` would store other values for 2 keys:\n` +
                `  ${file}:1 GOOGLE_CREDENTIALS: pcc would store another value: it keeps the backslashes of escapes\n` +
                `  ${file}:3 URL: pcc would store another value: it keeps the # comment; it does not expand \${...}\n`,
        );
    });

    describe("a stack whose map already holds keys", () => {
        // The map as pulumi decrypts it: one value changed in the file, one the same (stored encrypted), one the same
        // but stored in plaintext, one the file does not have. The file adds one more.
        const map = { OPENAI_API_KEY: V.old, SAME: V.same, PLAIN: V.plain, EXTRA: V.extra };
        const flags = ["--non-interactive"];
        const write = (key: string, value: string) =>
            `${SET.join(" ")} ${flags.join(" ")} -- agentSecrets["${key}"] | ${JSON.stringify(value)}`;
        const reads = [
            `stack --show-name ${flags.join(" ")} | ""`,
            `config get --json ${flags.join(" ")} -- agentSecrets | ""`,
            `config get --path --json ${flags.join(" ")} -- agentSecrets["PLAIN"] | ""`,
            `config get --path --json ${flags.join(" ")} -- agentSecrets["SAME"] | ""`,
        ];
        const writes = [write("OPENAI_API_KEY", V.openai), write("PLAIN", V.plain), write("NEW_KEY", V.added)];
        const removal = `${RM.join(" ")} ${flags.join(" ")} -- agentSecrets["EXTRA"] | ""`;
        let file: string;

        beforeEach(() => {
            file = envFile(`OPENAI_API_KEY=${V.openai}\nSAME=${V.same}\nPLAIN=${V.plain}\nNEW_KEY=${V.added}\n`);
            pulumi
                .answer(["stack", "--show-name", ...flags], { stdout: "dev\n" })
                .answer(["config", "get", "--json", ...flags, "--", "agentSecrets"], { stdout: configGetJson(map, true) })
                .answer(["config", "get", "--path", "--json", ...flags, "--", 'agentSecrets["SAME"]'], {
                    stdout: configGetJson(V.same, true),
                })
                .answer(["config", "get", "--path", "--json", ...flags, "--", 'agentSecrets["PLAIN"]'], {
                    stdout: configGetJson(V.plain, false),
                });
            // Every write answers: a test fails on the commands that ran, not on a command the stand-in refused.
            for (const key of Object.keys({ ...map, NEW_KEY: "" })) pulumi.answer([...SET, ...flags, "--", `agentSecrets["${key}"]`]);
            pulumi.answer([...RM, ...flags, "--", 'agentSecrets["EXTRA"]']);
        });

        it("writes only the new and changed values, and the one stored in plaintext; keeps the key the file lacks, with a warning", async () => {
            const run = await cli("import-env", file, "--key", "agentSecrets");
            assert.deepEqual(shown(pulumi.runs()), [...reads, ...writes]);
            assert.equal(run.code, EXIT.ok, run.stderr);
            assert.equal(
                run.stdout,
                [
                    `Imported 4 keys of ${file} into agentSecrets of stack dev, encrypted:`,
                    "  OPENAI_API_KEY  changed (line 1)",
                    "  SAME            unchanged (line 2)",
                    "  PLAIN           encrypted (was in plaintext) (line 3)",
                    "  NEW_KEY         added (line 4)",
                    `  EXTRA           kept (not in ${file})`,
                    'Read them in the program with new pulumi.Config().requireSecretObject("agentSecrets").',
                    "",
                ].join("\n"),
            );
            assert.equal(
                run.stderr,
                `pipecat-secrets: warning: agentSecrets keeps 1 key that ${file} does not have: EXTRA. Run again with --prune to remove it.\n`,
            );
        });

        it("removes the key the file lacks only with --prune, after the writes", async () => {
            const run = await cli("import-env", file, "--key", "agentSecrets", "--prune");
            assert.deepEqual(shown(pulumi.runs()), [...reads, ...writes, removal]);
            assert.equal(run.code, EXIT.ok, run.stderr);
            assert.match(run.stdout, new RegExp(`\n {2}EXTRA {11}removed \\(not in ${file.replace(/[.\\/]/g, "\\$&")}\\)\n`));
            assert.equal(run.stderr, "");
        });

        it("writes and removes nothing in a dry run, with --prune or without", async () => {
            for (const more of [["--prune"], []]) {
                pulumi.clearRuns();
                const run = await cli("import-env", file, "--key", "agentSecrets", "--dry-run", ...more);
                assert.deepEqual(shown(pulumi.runs()), reads, more.join(" "));
                assert.equal(run.code, EXIT.ok, run.stderr);
                assert.match(run.stdout, more.length > 0 ? /\n {2}EXTRA +would remove / : /\n {2}EXTRA +would keep /);
            }
        });

        it("shows a failing config set's error output with the value it was given, and the map's old value, redacted; nothing written", async () => {
            // A pulumi that quotes the values it handles in its error: the old one from the map, the new one it read.
            pulumi.answer([...SET, ...flags, "--", 'agentSecrets["OPENAI_API_KEY"]'], {
                code: 1,
                stderr: `error: agentSecrets["OPENAI_API_KEY"]: cannot replace ${V.old} with `,
                echoInput: true,
            });
            const run = await cli("import-env", file, "--key", "agentSecrets");
            assert.deepEqual(shown(pulumi.runs()), [...reads, write("OPENAI_API_KEY", V.openai)]);
            assert.equal(run.code, EXIT.failed);
            assert.equal(run.stdout, "");
            assert.equal(
                run.stderr,
                'pipecat-secrets: pulumi config set failed for OPENAI_API_KEY: agentSecrets["OPENAI_API_KEY"]: cannot replace [secret] with [secret]\nNothing was written.\n',
            );
        });

        it("shows a failing config rm's error output with the removed key's value redacted, and lists the keys written before", async () => {
            pulumi.answer([...RM, ...flags, "--", 'agentSecrets["EXTRA"]'], failed(`could not remove agentSecrets["EXTRA"] (${V.extra})`));
            const run = await cli("import-env", file, "--key", "agentSecrets", "--prune");
            assert.deepEqual(shown(pulumi.runs()), [...reads, ...writes, removal]);
            assert.equal(run.code, EXIT.failed);
            assert.equal(
                run.stderr,
                'pipecat-secrets: pulumi config rm failed for EXTRA: could not remove agentSecrets["EXTRA"] ([secret])\n' +
                    "Written before the failure: OPENAI_API_KEY, PLAIN, NEW_KEY. Run the command again to write the rest.\n",
            );
        });
    });
});
