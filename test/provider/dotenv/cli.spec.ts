/**
 * pipecat-secrets: the command line without the engine, in this process. Arguments, help, exit codes, the report's
 * text, and a bad file stopping the import before pulumi is started (a stand-in pulumi records whether it ran). The
 * bin as its own process, importing through the real engine, is test/e2e/import-env.spec.ts.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXIT, formatReport, main, parseCliArgs } from "../../../provider/dotenv/cli";
import { configKeyProblem, keyPath, planChanges } from "../../../provider/dotenv/import";
import { assertNoLeaks } from "../../support/leaks";

const VALUE = "sk-test-CLI-value-never-shown-0201";

describe("pipecat-secrets: arguments", () => {
    const env = {};
    const usage = (argv: string[], reason: RegExp) =>
        assert.throws(
            () => parseCliArgs(argv, env),
            (e: Error) => e.name === "CliUsageError" && reason.test(e.message),
        );

    it("reads import-env's file, key, stack, cwd, --prune and --dry-run", () => {
        assert.deepEqual(
            parseCliArgs(["import-env", ".env", "--key", "agentSecrets", "--stack", "dev", "--cwd", "infra", "--prune", "--dry-run"], env),
            {
                options: { file: ".env", key: "agentSecrets", stack: "dev", cwd: "infra", prune: true, dryRun: true, env },
            },
        );
        const plain = parseCliArgs(["import-env", "--key=app:agentSecrets", "agent.env"], env);
        assert.ok(!("help" in plain && plain.help !== undefined));
        assert.deepEqual(plain, {
            options: { file: "agent.env", key: "app:agentSecrets", stack: undefined, cwd: undefined, prune: false, dryRun: false, env },
        });
    });

    it("takes the pulumi command from PULUMI", () => {
        const withPulumi = { PULUMI: "/opt/pulumi/bin/pulumi" };
        const command = parseCliArgs(["import-env", ".env", "--key", "k"], withPulumi);
        assert.equal("options" in command && command.options.pulumi, "/opt/pulumi/bin/pulumi");
        const empty = parseCliArgs(["import-env", ".env", "--key", "k"], { PULUMI: "" });
        assert.equal("options" in empty && empty.options.pulumi, undefined);
    });

    it("answers --help for the command and for import-env", () => {
        assert.deepEqual(parseCliArgs(["--help"], env), { help: "top" });
        assert.deepEqual(parseCliArgs(["import-env", "--help"], env), { help: "import-env" });
    });

    it("refuses what cannot run, saying why", () => {
        usage([], /^no command given$/);
        usage(["export-env", ".env"], /^unknown command "export-env"$/);
        usage(["import-env", "--key", "k"], /^give the \.env file to import$/);
        usage(["import-env", "a.env", "b.env", "--key", "k"], /^give one \.env file \(got 2 arguments\)$/);
        usage(["import-env", ".env"], /^--key is required: the config key of the map, e\.g\. --key agentSecrets$/);
        usage(["import-env", ".env", "--key", "k", "--force"], /^Unknown option '--force'/);
        usage(["import-env", ".env", "--key", "k", "--stack", ""], /^--stack must not be empty$/);
        usage(["import-env", ".env", "--key", "agent.secrets"], /^--key must be a config key name .* \(got "agent\.secrets"\)$/);
    });

    it("takes as --key only a config key that --path reads as one name, outside the provider's namespace", () => {
        for (const key of ["agentSecrets", "agent_secrets-2", "my-app:agentSecrets"]) assert.equal(configKeyProblem(key), undefined, key);
        for (const key of ["", "a.b", "a[0]", 'a"b', "a:b:c", ":a", "my.app:agent"])
            assert.match(configKeyProblem(key) ?? "", /^--key must be a config key name/, key);
        assert.match(configKeyProblem("pipecat:agent") ?? "", /pipecat: namespace, which holds the provider's own settings/);
    });

    it("writes each key by a bracketed path, so names starting with a digit or holding '-' stay one segment", () => {
        assert.equal(keyPath("agentSecrets", "OPENAI_API_KEY"), 'agentSecrets["OPENAI_API_KEY"]');
        assert.equal(keyPath("app:s", "1-KEY"), 'app:s["1-KEY"]');
    });
});

describe("pipecat-secrets: the plan and its report", () => {
    const entries = [
        { key: "OPENAI_API_KEY", line: 2, value: VALUE },
        { key: "DEEPGRAM_API_KEY", line: 5, value: "" },
    ];

    it("adds new keys, changes changed ones, leaves equal encrypted ones, encrypts plaintext ones, keeps or (--prune) removes the rest", () => {
        const more = [
            ...entries,
            { key: "SAME", line: 6, value: "same" },
            { key: "PLAIN", line: 7, value: "plain" },
            { key: "NUMBER", line: 8, value: "1" },
        ];
        const current = { OPENAI_API_KEY: "other", SAME: "same", PLAIN: "plain", NUMBER: 1, ZED: "z", CARTESIA_API_KEY: "c" };
        assert.deepEqual(planChanges(more, current, new Set(["PLAIN"]), false), [
            { key: "OPENAI_API_KEY", action: "change", line: 2, empty: false },
            { key: "DEEPGRAM_API_KEY", action: "add", line: 5, empty: true },
            { key: "SAME", action: "same", line: 6, empty: false },
            { key: "PLAIN", action: "encrypt", line: 7, empty: false },
            { key: "NUMBER", action: "change", line: 8, empty: false },
            { key: "CARTESIA_API_KEY", action: "keep" },
            { key: "ZED", action: "keep" },
        ]);
        assert.deepEqual(
            planChanges(entries, { CARTESIA_API_KEY: "c" }, new Set(), true).map((c) => `${c.key}:${c.action}`),
            ["OPENAI_API_KEY:add", "DEEPGRAM_API_KEY:add", "CARTESIA_API_KEY:remove"],
        );
    });

    it("reports key names, lines and empty values, never a value, and warns about kept keys", () => {
        const current = { OPENAI_API_KEY: VALUE, CARTESIA_API_KEY: "c" };
        const changes = planChanges(
            [...entries, { key: "PLAIN", line: 6, value: "p" }],
            { ...current, PLAIN: "p" },
            new Set(["PLAIN"]),
            false,
        );
        const done = formatReport({ stack: "dev", key: "agentSecrets", dryRun: false, changes }, ".env");
        assert.equal(
            done.stdout,
            [
                "Imported 3 keys of .env into agentSecrets of stack dev, encrypted:",
                "  OPENAI_API_KEY    unchanged (line 2)",
                "  DEEPGRAM_API_KEY  added (line 5, empty value)",
                "  PLAIN             encrypted (was in plaintext) (line 6)",
                "  CARTESIA_API_KEY  kept (not in .env)",
                'Read them in the program with new pulumi.Config().requireSecretObject("agentSecrets").',
                "",
            ].join("\n"),
        );
        assert.equal(
            done.warning,
            "warning: agentSecrets keeps 1 key that .env does not have: CARTESIA_API_KEY. Run again with --prune to remove it.",
        );
        const planned = formatReport(
            {
                stack: "org/app/prod",
                key: "app:agentSecrets",
                dryRun: true,
                changes: planChanges(entries, { OPENAI_API_KEY: "old", X: "x", Y: "y" }, new Set(), true),
            },
            "agent.env",
        );
        assert.equal(
            planned.stdout,
            [
                "Dry run, nothing written: 2 keys of agent.env would go into app:agentSecrets of stack org/app/prod, encrypted:",
                "  OPENAI_API_KEY    would change (line 2)",
                "  DEEPGRAM_API_KEY  would add (line 5, empty value)",
                "  X                 would remove (not in agent.env)",
                "  Y                 would remove (not in agent.env)",
                "",
            ].join("\n"),
        );
        assert.equal(planned.warning, undefined);
        assert.match(
            formatReport({ stack: "dev", key: "app:s", dryRun: false, changes }, ".env").stdout,
            /new pulumi\.Config\("app"\)\.requireSecretObject\("s"\)/,
        );
        assert.equal(done.note, undefined);
        assertNoLeaks([{ label: "report", text: done.stdout + planned.stdout }], [VALUE]);
    });
});

describe("pipecat-secrets: the note on pcc secrets set --file", () => {
    it("names each key and line where pcc would store another value, and says the values are python-dotenv's", () => {
        const changes = [
            { key: "A", action: "add" as const, line: 2 },
            { key: "B", action: "add" as const, line: 3 },
        ];
        const pcc = [
            { key: "A", line: 2, reason: 'pcc would take "export " (or what else is before the key) as part of the key' },
            { key: "B", line: 3, reason: "pcc would store another value: it keeps the # comment" },
        ];
        assert.equal(
            formatReport({ stack: "dev", key: "agentSecrets", dryRun: false, changes, pcc }, ".env").note,
            "note: the values imported are python-dotenv's, as the bot reads .env; `pcc secrets set --file .env` would store other values for 2 keys:\n" +
                '  .env:2 A: pcc would take "export " (or what else is before the key) as part of the key\n' +
                "  .env:3 B: pcc would store another value: it keeps the # comment",
        );
        assert.match(
            formatReport({ stack: "dev", key: "agentSecrets", dryRun: true, changes, pcc: pcc.slice(1) }, "agent.env").note ?? "",
            /^note: the values to import are python-dotenv's, as the bot reads agent\.env; `pcc secrets set --file agent\.env` would store another value for 1 key:\n {2}agent\.env:3 B: /,
        );
        assert.equal(formatReport({ stack: "dev", key: "agentSecrets", dryRun: false, changes, pcc: [] }, ".env").note, undefined);
    });
});

describe("pipecat-secrets: main", () => {
    let dir: string;
    let marker: string;
    let env: NodeJS.ProcessEnv;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipecat-secrets-cli-"));
        marker = path.join(dir, "pulumi-ran");
        // A stand-in pulumi that only records that it ran: the runs below must stop before it.
        const fake = path.join(dir, "fake-pulumi");
        fs.writeFileSync(fake, `#!/bin/sh\necho "$@" >> "${marker}"\nexit 0\n`, { mode: 0o755 });
        env = { PATH: process.env["PATH"], PULUMI: fake };
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Runs the command line in this process (the bin is this function and an exit), its output captured. */
    async function cli(argv: string[], withEnv = env): Promise<{ code: number; stdout: string; stderr: string }> {
        let stdout = "";
        let stderr = "";
        const code = await main(argv, withEnv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
        return { code, stdout, stderr };
    }

    it("prints its help with the exit codes (0); a wrong command line exits 2 with the reason and the usage", async () => {
        const help = await cli(["import-env", "--help"]);
        assert.equal(help.code, EXIT.ok);
        assert.match(
            help.stdout,
            /^Usage: pipecat-secrets import-env <file> --key <name> \[--stack <stack>\] \[--cwd <dir>\] \[--prune\] \[--dry-run\]/,
        );
        assert.match(
            help.stdout,
            /Exit codes: 0 imported .*; 1 the file cannot be used, nothing was written;\n2 wrong command line, nothing ran; 3 the import failed/,
        );
        const top = await cli([]);
        assert.equal(top.code, EXIT.usage);
        assert.match(top.stderr, /^pipecat-secrets: no command given\n\nUsage: pipecat-secrets <command>/);
        const wrong = await cli(["import-env", ".env"]);
        assert.equal(wrong.code, EXIT.usage);
        assert.match(wrong.stderr, /^pipecat-secrets: --key is required.*\n\nUsage: pipecat-secrets import-env/);
        assert.ok(!fs.existsSync(marker), "pulumi ran");
    });

    it("stops at a bad file with exit 1, naming the file and the line, before pulumi runs; no value is printed", async () => {
        const file = path.join(dir, ".env");
        fs.writeFileSync(file, `# keys\nOPENAI_API_KEY=${VALUE}\n${VALUE}\n`);
        const run = await cli(["import-env", file, "--key", "agentSecrets"]);
        assert.equal(run.code, EXIT.badFile, run.stderr);
        assert.equal(run.stdout, "");
        assert.equal(
            run.stderr,
            `pipecat-secrets: ${file}:3: not a KEY=value line (no =: python-dotenv reads a name without a value, which the bot never gets): write it as KEY=value, ` +
                "make it a comment with #, or quote a value that runs over several lines\nNothing was written.\n",
        );
        assertNoLeaks(
            [
                { label: "stdout", text: run.stdout },
                { label: "stderr", text: run.stderr },
            ],
            [VALUE],
        );
        const empty = path.join(dir, "empty.env");
        fs.writeFileSync(empty, "# nothing yet\n");
        const none = await cli(["import-env", empty, "--key", "agentSecrets"]);
        assert.equal(none.code, EXIT.badFile);
        assert.match(none.stderr, new RegExp(`^pipecat-secrets: ${empty}: no KEY=value line`));
        assert.ok(!fs.existsSync(marker), "pulumi ran");
    });

    it("exits 3 when the pulumi command cannot be found, on PATH or from PULUMI", async () => {
        const file = path.join(dir, "ok.env");
        fs.writeFileSync(file, `OPENAI_API_KEY=${VALUE}\n`);
        const missing = await cli(["import-env", file, "--key", "agentSecrets"], { PATH: dir });
        assert.equal(missing.code, EXIT.failed);
        assert.equal(
            missing.stderr,
            "pipecat-secrets: pulumi is not on PATH: install the Pulumi CLI, or set PULUMI to the pulumi command\nNothing was written.\n",
        );
        const wrong = await cli(["import-env", file, "--key", "agentSecrets"], { PATH: dir, PULUMI: path.join(dir, "nope") });
        assert.equal(wrong.code, EXIT.failed);
        assert.equal(
            wrong.stderr,
            `pipecat-secrets: ${path.join(dir, "nope")} (from PULUMI) does not exist: set PULUMI to the pulumi command\nNothing was written.\n`,
        );
    });
});
