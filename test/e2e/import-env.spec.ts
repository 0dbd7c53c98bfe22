/**
 * From a .env file to Pipecat Cloud through the real engine, both ways:
 * - `pipecat-secrets import-env` (the bin, as its own process, running the engine's `pulumi` from PATH or PULUMI) stores
 *   the file's keys in the stack's config, encrypted; a program reads them with `requireSecretObject`;
 * - `dotEnvSecrets` reads another file when the program runs.
 * The API (the emulator) must get exactly python-dotenv's values (the bot's reading of the file), the stack file and the state must hold them only encrypted,
 * and no value may reach a command line (every `pulumi` the import starts is recorded), an output or an error.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { assertNoLeaks, fileHaystacks } from "../support/leaks";
import { runProcess } from "../support/process";
import { engineBin, repoRoot } from "../support/engine";
import { EngineStack } from "../support/stack";

// js-yaml comes with @pulumi/pulumi (a dependency of it), so no package is added for this test.
const yaml = require("js-yaml") as { load(text: string): unknown };

const API_KEY = "pk-e2e-API-KEY-never-shown-0300";
const V = {
    openai: "sk-e2e-OPENAI-never-shown-0301",
    daily: "e2e-DAILY-never-shown-0302",
    cartesia: "e2e-CARTESIA#never-shown-0303",
    google: "e2e-GOOGLE-never-shown-0304",
    pem: "e2e-PEM-line-never-shown-0305",
    openai2: "sk-e2e-OPENAI-rotated-never-shown-0306",
    deepgram: "e2e-DEEPGRAM-never-shown-0307",
    local: "e2e-LOCAL-file-never-shown-0308",
    local2: "e2e-LOCAL-file-two-never-shown-0309",
};
const SECRETS = [API_KEY, ...Object.values(V)];
const PASSPHRASE = "e2e-dotenv-passphrase";
const PROJECT = "dotenv-e2e";

/** A Pipecat starter's .env, with everything users report breaking `pcc secrets set --file`. */
const STARTER = `# Pipecat starter: copy env.example to .env and fill in your keys
export OPENAI_API_KEY=${V.openai}   # platform.openai.com

DAILY_API_KEY = ${V.daily}
   # an indented comment
CARTESIA_API_KEY="${V.cartesia}" # the # inside the quotes belongs to the value
GOOGLE_CREDENTIALS='{
  "type": "service_account",
  "private_key": "${V.google}"
}'
TLS_KEY="-----BEGIN TEST KEY-----
${V.pem}
-----END TEST KEY-----
"
`;

/** STARTER as python-dotenv reads it (dotenv_values): what the bot reads locally, and what Pipecat Cloud must get. */
const STARTER_VALUES = {
    OPENAI_API_KEY: V.openai,
    DAILY_API_KEY: V.daily,
    CARTESIA_API_KEY: V.cartesia,
    GOOGLE_CREDENTIALS: `{\n  "type": "service_account",\n  "private_key": "${V.google}"\n}`,
    TLS_KEY: `-----BEGIN TEST KEY-----\n${V.pem}\n-----END TEST KEY-----\n`,
};

/** Standard error without import-env's note on pcc secrets set --file (printed last). */
const withoutNote = (stderr: string) => stderr.replace(/^pipecat-secrets: note: [\s\S]*$/m, "");

const program = `
import * as pulumi from "@pulumi/pulumi";
import { SecretSet, dotEnvSecrets } from "pulumi-pipecat-secrets";

const cfg = new pulumi.Config();
const fromConfig = new SecretSet("from-config", { name: "agent-from-config", secrets: cfg.requireSecretObject<Record<string, string>>("agentSecrets") });
const fromFile = new SecretSet("from-file", { name: "agent-from-file", secrets: dotEnvSecrets("local.env") });
export const keys = { fromConfig: fromConfig.keys, fromFile: fromFile.keys };
`;

const CLI = path.join(repoRoot, "provider", "dotenv", "cli.ts");
const TS_NODE = path.join(repoRoot, "node_modules", "ts-node", "register", "transpile-only");

describe("e2e: from a .env file, through the real engine", function () {
    this.timeout(600_000);

    let s: EngineStack;
    let argvLog: string;
    let wrapperDir: string;

    const stackFile = () => path.join(s.project.programDir, "Pulumi.dev.yaml");
    const stackYaml = () => fs.readFileSync(stackFile(), "utf8");
    const pulumiRuns = () => (fs.existsSync(argvLog) ? fs.readFileSync(argvLog, "utf8").split("\n").filter(Boolean) : []);
    const secretsOf = (name: string) => {
        const set = s.emulator.snapshot()[name];
        return set?.type === "secret" ? set.secrets : undefined;
    };

    /**
     * `pipecat-secrets <args>` as its own process (from source through ts-node: the bin dist/provider/dotenv/cli.js is
     * the same module), in the temporary root, with the project's environment and the recording `pulumi` first on PATH.
     */
    async function cli(label: string, args: string[], env: NodeJS.ProcessEnv = {}) {
        const result = await runProcess(process.execPath, ["-r", TS_NODE, CLI, ...args], {
            cwd: s.project.root,
            env: {
                ...s.project.env,
                PATH: `${wrapperDir}${path.delimiter}${s.project.env["PATH"] ?? ""}`,
                TS_NODE_PROJECT: path.join(repoRoot, "tsconfig.json"),
                ...env,
            },
            allowFail: true,
            timeoutMs: 180_000,
        });
        s.outputs.push({ label: `${label} stdout`, text: result.stdout }, { label: `${label} stderr`, text: result.stderr });
        return result;
    }
    const importEnv = (label: string, file: string, ...more: string[]) =>
        cli(label, ["import-env", file, "--key", "agentSecrets", "--cwd", "program", ...more]);

    /** The map under agentSecrets in Pulumi.dev.yaml, as stored. */
    function storedMap(): Record<string, unknown> {
        const doc = yaml.load(stackYaml()) as { config?: Record<string, unknown> };
        return (doc.config?.[`${PROJECT}:agentSecrets`] ?? {}) as Record<string, unknown>;
    }
    function assertAllSecure(keys: string[]): void {
        const map = storedMap();
        assert.deepEqual(Object.keys(map).sort(), [...keys].sort());
        for (const [key, stored] of Object.entries(map)) {
            assert.ok(
                typeof stored === "object" && stored !== null && Object.keys(stored).join() === "secure",
                `${key} is not a secure: entry`,
            );
            assert.match((stored as { secure: string }).secure, /^v1:/, key);
        }
        assertNoLeaks([{ label: "Pulumi.dev.yaml", text: stackYaml() }], SECRETS);
    }

    before(async () => {
        s = await EngineStack.start({
            name: PROJECT,
            program,
            emulator: { apiKey: API_KEY },
            stack: "dev",
            project: { passphrase: PASSPHRASE },
        });
        // A pulumi that records each command line it is given, then runs the engine's.
        wrapperDir = path.join(s.project.root, "recording-bin");
        argvLog = path.join(s.project.root, "pulumi-argv.log");
        fs.mkdirSync(wrapperDir);
        fs.writeFileSync(
            path.join(wrapperDir, "pulumi"),
            `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${path.join(engineBin(), "pulumi")}' "$@"\n`,
            { mode: 0o755 },
        );
        fs.writeFileSync(path.join(s.project.root, ".env"), STARTER);
        s.project.writeFile(
            "local.env",
            `# read by dotEnvSecrets when the program runs\nLOCAL_KEY="${V.local}" # quoted\nexport OTHER_KEY=${V.local2}\n`,
        );
    });

    after(async () => {
        if (!s) return;
        // The state files and the command lines, read before close() removes them; the stack is left as it is.
        const extra = [...fileHaystacks([s.project.stateDir]), { label: "pulumi command lines", text: pulumiRuns().join("\n") }];
        assertNoLeaks([...(await s.close({ destroy: false })), ...extra], SECRETS, "outputs, command lines and state files");
    });

    it("imports a Pipecat starter's .env into the stack config: exit 0, key names only, every value a secure: entry", async () => {
        const run = await importEnv("import 1", ".env");
        assert.equal(run.code, 0, run.stderr);
        assert.equal(
            run.stdout,
            [
                "Imported 5 keys of .env into agentSecrets of stack dev, encrypted:",
                "  OPENAI_API_KEY      added (line 2)",
                "  DAILY_API_KEY       added (line 4)",
                "  CARTESIA_API_KEY    added (line 6)",
                "  GOOGLE_CREDENTIALS  added (line 7)",
                "  TLS_KEY             added (line 11)",
                'Read them in the program with new pulumi.Config().requireSecretObject("agentSecrets").',
                "",
            ].join("\n"),
        );
        // Where pcc secrets set --file would have stored other values: a note, keys and lines only.
        assert.equal(
            run.stderr,
            [
                "pipecat-secrets: note: the values imported are python-dotenv's, as the bot reads .env; `pcc secrets set --file .env` would store other values for 4 keys:",
                '  .env:2 OPENAI_API_KEY: pcc would take "export " (or what else is before the key) as part of the key',
                "  .env:6 CARTESIA_API_KEY: pcc would store another value: it keeps the double quotes, the # comment",
                "  .env:7 GOOGLE_CREDENTIALS: its value runs over lines 7 to 10, and pcc reads each line on its own",
                "  .env:11 TLS_KEY: its value runs over lines 11 to 14, and pcc reads each line on its own",
                "",
            ].join("\n"),
        );
        assertAllSecure(["OPENAI_API_KEY", "DAILY_API_KEY", "CARTESIA_API_KEY", "GOOGLE_CREDENTIALS", "TLS_KEY"]);
        // pulumi's own listing, without --show-secrets, shows the map as a secret.
        const listed = JSON.parse((await s.project.run(["config", "--json"])).stdout) as Record<string, { secret?: boolean }>;
        assert.equal(listed[`${PROJECT}:agentSecrets`]?.secret, true);
        // One `config set` per key, each with the path only: the values went on standard input.
        const sets = pulumiRuns().filter((l) => l.startsWith("config set"));
        assert.equal(sets.length, 5);
        assert.match(
            sets[0] ?? "",
            /^config set --secret --path --raw --cwd program --non-interactive -- agentSecrets\["OPENAI_API_KEY"\]$/,
        );
        assertNoLeaks(
            [
                { label: "pulumi command lines", text: pulumiRuns().join("\n") },
                { label: "stdout", text: run.stdout },
            ],
            SECRETS,
        );
    });

    it("a program reading that map with requireSecretObject, and local.env with dotEnvSecrets, writes exactly python-dotenv's values", async () => {
        await s.up("up 1");
        const expected = STARTER_VALUES;
        assert.equal(expected["CARTESIA_API_KEY"], V.cartesia, "the # in quotes is part of the value");
        assert.equal(
            expected["TLS_KEY"],
            `-----BEGIN TEST KEY-----\n${V.pem}\n-----END TEST KEY-----\n`,
            "the multi-line value, its last newline included",
        );
        assert.deepEqual(secretsOf("agent-from-config"), expected);
        assert.deepEqual(secretsOf("agent-from-file"), { LOCAL_KEY: V.local, OTHER_KEY: V.local2 });
        // In state only as ciphertext: the export without --show-secrets, and the state files, hold no value.
        const exported = JSON.stringify(await s.project.exportStack());
        assertNoLeaks([{ label: "stack export", text: exported }, ...fileHaystacks([s.project.stateDir])], SECRETS);
        const withSecrets = JSON.stringify(await s.project.exportStack({ showSecrets: true }));
        assert.ok(withSecrets.includes(V.local), "the values are in the state, encrypted (--show-secrets decrypts them)");
    });

    it("a changed file: --dry-run writes nothing; only changed keys are written; a dropped key is kept with a warning, or removed with --prune", async () => {
        // A value someone set by hand in plaintext, equal to the file's: it must end up encrypted all the same.
        const plain = "plain-but-the-same";
        await s.project.run(["config", "set", "--plaintext", "--path", "--raw", "--non-interactive", "--", 'agentSecrets["PLAIN_KEY"]'], {
            input: plain,
        });
        fs.writeFileSync(
            path.join(s.project.root, ".env"),
            STARTER.replace(V.openai, V.openai2).replace(/^DAILY_API_KEY = .*\n/m, "") +
                `DEEPGRAM_API_KEY=${V.deepgram}\nPLAIN_KEY=${plain}\n`,
        );
        const before = stackYaml();
        const ciphertext = (key: string) => (storedMap()[key] as { secure?: string } | undefined)?.secure;
        const unchanged = ["CARTESIA_API_KEY", "GOOGLE_CREDENTIALS", "TLS_KEY"];
        const ciphertexts = unchanged.map(ciphertext);

        const dry = await importEnv("dry run", ".env", "--dry-run");
        assert.equal(dry.code, 0, dry.stderr);
        assert.equal(
            dry.stdout,
            [
                "Dry run, nothing written: 6 keys of .env would go into agentSecrets of stack dev, encrypted:",
                "  OPENAI_API_KEY      would change (line 2)",
                "  CARTESIA_API_KEY    unchanged (line 5)",
                "  GOOGLE_CREDENTIALS  unchanged (line 6)",
                "  TLS_KEY             unchanged (line 10)",
                "  DEEPGRAM_API_KEY    would add (line 14)",
                "  PLAIN_KEY           would encrypt (is in plaintext) (line 15)",
                "  DAILY_API_KEY       would keep (not in .env)",
                "",
            ].join("\n"),
        );
        assert.equal(
            withoutNote(dry.stderr),
            "pipecat-secrets: warning: agentSecrets would keep 1 key that .env does not have: DAILY_API_KEY. Run again with --prune to remove it.\n",
        );
        assert.equal(stackYaml(), before, "a dry run writes nothing");

        const setsBefore = pulumiRuns().filter((l) => l.startsWith("config set")).length;
        const kept = await importEnv("import 2", ".env");
        assert.equal(kept.code, 0, kept.stderr);
        assert.equal(
            kept.stdout,
            [
                "Imported 6 keys of .env into agentSecrets of stack dev, encrypted:",
                "  OPENAI_API_KEY      changed (line 2)",
                "  CARTESIA_API_KEY    unchanged (line 5)",
                "  GOOGLE_CREDENTIALS  unchanged (line 6)",
                "  TLS_KEY             unchanged (line 10)",
                "  DEEPGRAM_API_KEY    added (line 14)",
                "  PLAIN_KEY           encrypted (was in plaintext) (line 15)",
                "  DAILY_API_KEY       kept (not in .env)",
                'Read them in the program with new pulumi.Config().requireSecretObject("agentSecrets").',
                "",
            ].join("\n"),
        );
        assert.equal(
            withoutNote(kept.stderr),
            "pipecat-secrets: warning: agentSecrets keeps 1 key that .env does not have: DAILY_API_KEY. Run again with --prune to remove it.\n",
        );
        assert.equal(
            pulumiRuns().filter((l) => l.startsWith("config set")).length - setsBefore,
            3,
            "only the changed, added and plaintext keys are written",
        );
        assert.deepEqual(
            unchanged.map(ciphertext),
            ciphertexts,
            "unchanged values keep their ciphertext, so the stack file's diff shows only real changes",
        );
        assertAllSecure([
            "OPENAI_API_KEY",
            "DAILY_API_KEY",
            "CARTESIA_API_KEY",
            "GOOGLE_CREDENTIALS",
            "TLS_KEY",
            "DEEPGRAM_API_KEY",
            "PLAIN_KEY",
        ]);
        assert.ok(!stackYaml().includes(plain), "the plaintext value is encrypted now");

        const pruned = await importEnv("import 3", ".env", "--prune");
        assert.equal(pruned.code, 0, pruned.stderr);
        assert.match(pruned.stdout, /\n {2}OPENAI_API_KEY +unchanged \(line 2\)\n/);
        assert.match(pruned.stdout, /\n {2}DAILY_API_KEY +removed \(not in \.env\)\n/);
        assert.equal(withoutNote(pruned.stderr), "");
        assertAllSecure(["OPENAI_API_KEY", "CARTESIA_API_KEY", "GOOGLE_CREDENTIALS", "TLS_KEY", "DEEPGRAM_API_KEY", "PLAIN_KEY"]);

        await s.up("up 2");
        const { DAILY_API_KEY: _dropped, ...rest } = STARTER_VALUES;
        assert.deepEqual(secretsOf("agent-from-config"), {
            ...rest,
            OPENAI_API_KEY: V.openai2,
            DEEPGRAM_API_KEY: V.deepgram,
            PLAIN_KEY: plain,
        });
        assert.equal(secretsOf("agent-from-config")?.["OPENAI_API_KEY"], V.openai2);
    });

    it("a bad file exits 1, naming the file and the line, before any pulumi command; the config is unchanged", async () => {
        fs.writeFileSync(path.join(s.project.root, "bad.env"), `OPENAI_API_KEY=${V.openai}\nagent.daily=${V.daily}\n${V.deepgram}\n`);
        const before = stackYaml();
        const runs = pulumiRuns().length;
        const run = await importEnv("bad file", "bad.env");
        assert.equal(run.code, 1);
        assert.equal(run.stdout, "");
        assert.match(
            run.stderr,
            /^pipecat-secrets: bad\.env: 2 problems, nothing was read:\nbad\.env:2: key "agent\.daily" may contain only .*\nbad\.env:3: not a KEY=value line .*\nNothing was written\.\n$/,
        );
        assert.equal(pulumiRuns().length, runs, "no pulumi command ran");
        assert.equal(stackYaml(), before);
    });

    it("exits 3 with pulumi's own words when pulumi refuses: an unknown stack, a wrong passphrase, a key holding one value", async () => {
        const before = stackYaml();
        const noStack = await importEnv("unknown stack", ".env", "--stack", "nope");
        assert.equal(noStack.code, 3);
        assert.equal(noStack.stderr, "pipecat-secrets: pulumi cannot tell the stack: no stack named 'nope' found\nNothing was written.\n");

        const wrongPassphrase = await cli("wrong passphrase", ["import-env", ".env", "--key", "agentSecrets", "--cwd", "program"], {
            PULUMI_CONFIG_PASSPHRASE: "not-the-passphrase",
        });
        assert.equal(wrongPassphrase.code, 3);
        assert.equal(
            wrongPassphrase.stderr,
            "pipecat-secrets: pulumi config get agentSecrets failed: incorrect passphrase\nNothing was written.\n",
        );

        await s.project.setConfig("single", "one value");
        const single = await cli("single value", ["import-env", ".env", "--key", "single", "--cwd", "program"]);
        assert.equal(single.code, 3);
        assert.match(
            single.stderr,
            /^pipecat-secrets: single in stack dev holds a single value, not a map of keys; writing keys into it would replace it\. Choose another --key, or remove it first: pulumi config rm single\nNothing was written\.\n$/,
        );
        assert.equal(stackYaml().replace(/^ {2}dotenv-e2e:single: one value\n/m, ""), before);
    });

    it("runs the pulumi named by PULUMI when none is on PATH", async () => {
        fs.writeFileSync(path.join(s.project.root, "one.env"), `ONE_KEY=${V.local}\n`);
        const run = await cli("PULUMI", ["import-env", "one.env", "--key", "fromPulumiEnv", "--cwd", "program"], {
            PATH: "/usr/bin:/bin",
            PULUMI: path.join(engineBin(), "pulumi"),
        });
        assert.equal(run.code, 0, run.stderr);
        assert.match(
            run.stdout,
            /^Imported 1 key of one\.env into fromPulumiEnv of stack dev, encrypted:\n {2}ONE_KEY {2}added \(line 1\)\n/,
        );
        const stored = (yaml.load(stackYaml()) as { config: Record<string, Record<string, unknown>> }).config[`${PROJECT}:fromPulumiEnv`];
        assert.deepEqual(Object.keys(stored ?? {}), ["ONE_KEY"]);
        assert.ok(typeof stored?.["ONE_KEY"] === "object", "stored as a secure: entry");
    });
});
