#!/usr/bin/env node
/**
 * `pipecat-secrets`: the package's command line. One command, `import-env`, which stores a `.env` file's keys in the
 * stack's configuration as secrets (`import.ts`). It prints key names, never a value.
 */
import { parseArgs } from "node:util";
import { isPipecatError } from "../errors";
import { type ImportEnvOptions, type ImportEnvReport, type KeyChange, configKeyProblem, importEnv } from "./import";
import { isDotEnvError } from "./parse";

/** Exit codes, as `--help` documents them. */
export const EXIT = {
    ok: 0,
    /** The `.env` file cannot be used; nothing was written. */
    badFile: 1,
    /** The command line is wrong; nothing ran. */
    usage: 2,
    /** The import failed: pulumi failed, or the config key holds something else; the keys written before are listed. */
    failed: 3,
} as const;

/** Environment variable naming the pulumi command (default: `pulumi` on PATH). */
export const PULUMI_ENV = "PULUMI";

const USAGE = `Usage: pipecat-secrets import-env <file> --key <name> [--stack <stack>] [--cwd <dir>] [--prune] [--dry-run]

Stores each key of a .env file in the stack's configuration, encrypted, in one map under <name>, so that
the program reads it with new pulumi.Config().requireSecretObject("<name>") and passes it as a SecretSet's
secrets. Each value reaches \`pulumi config set --secret\` on standard input, never on a command line, and
is never printed. Only new and changed values are written: an unchanged one keeps its ciphertext.

The file is read as the bot reads it, with python-dotenv's rules: in double quotes \\" \\n \\\\ and the other
escapes are decoded, in single quotes only \\' and \\\\; an unquoted value ends at a # after a space;
\${NAME} and \${NAME:-default} take the value of a key above. Nothing is written when a line python-dotenv
would skip or read without a value, a \${NAME} no line above sets (it would come from your environment),
an unquoted value starting with #, a key Pipecat Cloud refuses, a key set twice or a file without keys is
found. Where \`pcc secrets set --file\` would store another value for a key, a note names the key and line.

  <file>         the .env file, relative to the current directory (not to --cwd)
  --key NAME     the config key of the map, e.g. agentSecrets (or <namespace>:agentSecrets)
  --stack NAME   the stack to write to (default: the selected stack)
  --cwd DIR      the folder of the Pulumi project (default: the current directory)
  --prune        remove keys from the map that the file no longer has
                 (without it they are kept, and listed as a warning)
  --dry-run      print what would change, key names only; write nothing (the stack is read)
  --help         show this help

Environment: ${PULUMI_ENV} is the pulumi command to run (default: pulumi on PATH). pulumi gets the
environment as it is: PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE for a passphrase stack.

Exit codes: ${EXIT.ok} imported (or the dry run's plan printed); ${EXIT.badFile} the file cannot be used, nothing was written;
${EXIT.usage} wrong command line, nothing ran; ${EXIT.failed} the import failed: pulumi failed, or <name> holds something
other than a map (the keys written before are listed: run again to finish).`;

const TOP_USAGE = `Usage: pipecat-secrets <command>

Commands:
  import-env   store a .env file's keys in the stack's configuration as secrets (pipecat-secrets import-env --help)

The local emulator of the Pipecat Cloud API is its own command: pipecat-secrets-emulator --help`;

/** A command line that cannot be run; the message says what is wrong. */
export class CliUsageError extends Error {
    override readonly name = "CliUsageError";
}

export type CliCommand = { readonly help: "top" | "import-env" } | { readonly help?: undefined; readonly options: ImportEnvOptions };

/** Reads the arguments (without `node` and the script) and the environment; throws {@link CliUsageError}. */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliCommand {
    const [command, ...rest] = argv;
    if (command === undefined) throw new CliUsageError("no command given");
    if (command === "--help" || command === "-h" || command === "help") return { help: "top" };
    if (command !== "import-env") throw new CliUsageError(`unknown command ${JSON.stringify(command)}`);
    let parsed;
    try {
        parsed = parseArgs({
            args: rest,
            strict: true,
            allowPositionals: true,
            options: {
                key: { type: "string" },
                stack: { type: "string" },
                cwd: { type: "string" },
                prune: { type: "boolean" },
                "dry-run": { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
        });
    } catch (err) {
        throw new CliUsageError((err as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.help === true) return { help: "import-env" };
    if (positionals.length !== 1) {
        throw new CliUsageError(
            positionals.length === 0 ? "give the .env file to import" : `give one .env file (got ${positionals.length} arguments)`,
        );
    }
    if (values.key === undefined) throw new CliUsageError("--key is required: the config key of the map, e.g. --key agentSecrets");
    const keyProblem = configKeyProblem(values.key);
    if (keyProblem !== undefined) throw new CliUsageError(keyProblem);
    for (const flag of ["stack", "cwd"] as const) {
        if (values[flag] === "") throw new CliUsageError(`--${flag} must not be empty`);
    }
    const pulumi = env[PULUMI_ENV];
    return {
        options: {
            file: positionals[0] as string,
            key: values.key,
            stack: values.stack,
            cwd: values.cwd,
            prune: values.prune === true,
            dryRun: values["dry-run"] === true,
            ...(pulumi !== undefined && pulumi !== "" ? { pulumi } : {}),
            env,
        },
    };
}

const LABELS: Record<KeyChange["action"], [done: string, planned: string]> = {
    add: ["added", "would add"],
    change: ["changed", "would change"],
    same: ["unchanged", "unchanged"],
    encrypt: ["encrypted (was in plaintext)", "would encrypt (is in plaintext)"],
    remove: ["removed", "would remove"],
    keep: ["kept", "would keep"],
};

/**
 * The report as lines for standard output (key names and counts only), the warning for kept keys, and the note on the
 * keys `pcc secrets set --file` would store otherwise.
 */
export function formatReport(
    report: ImportEnvReport,
    file: string,
): { stdout: string; warning: string | undefined; note: string | undefined } {
    const imported = report.changes.filter((c) => c.line !== undefined);
    const width = Math.max(...report.changes.map((c) => c.key.length));
    const head = report.dryRun
        ? `Dry run, nothing written: ${imported.length} ${imported.length === 1 ? "key" : "keys"} of ${file} would go into ${report.key} of stack ${report.stack}, encrypted:`
        : `Imported ${imported.length} ${imported.length === 1 ? "key" : "keys"} of ${file} into ${report.key} of stack ${report.stack}, encrypted:`;
    const lines = report.changes.map((c) => {
        const label = LABELS[c.action][report.dryRun ? 1 : 0];
        const note = c.line !== undefined ? `line ${c.line}${c.empty === true ? ", empty value" : ""}` : `not in ${file}`;
        return `  ${c.key.padEnd(width)}  ${label} (${note})`;
    });
    const [namespace, name] = report.key.includes(":") ? report.key.split(":") : [undefined, report.key];
    const read = `Read them in the program with new pulumi.Config(${namespace === undefined ? "" : JSON.stringify(namespace)}).requireSecretObject(${JSON.stringify(name)}).`;
    const kept = report.changes.filter((c) => c.action === "keep").map((c) => c.key);
    const warning =
        kept.length === 0
            ? undefined
            : `warning: ${report.key} ${report.dryRun ? "would keep" : "keeps"} ${kept.length === 1 ? "1 key" : `${kept.length} keys`} that ${file} does not have: ` +
              `${kept.join(", ")}. Run again with --prune to remove ${kept.length === 1 ? "it" : "them"}.`;
    const pcc = report.pcc ?? [];
    const note =
        pcc.length === 0
            ? undefined
            : `note: the values ${report.dryRun ? "to import" : "imported"} are python-dotenv's, as the bot reads ${file}; \`pcc secrets set --file ${file}\` ` +
              `would store ${pcc.length === 1 ? "another value for 1 key" : `other values for ${pcc.length} keys`}:\n` +
              pcc.map((n) => `  ${file}:${n.line} ${n.key}: ${n.reason}`).join("\n");
    return { stdout: [head, ...lines, ...(report.dryRun ? [] : [read])].join("\n") + "\n", warning, note };
}

interface Io {
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
}

const processIo: Io = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

/** Runs the command line; resolves to the exit code. */
export async function main(
    argv: readonly string[] = process.argv.slice(2),
    env: NodeJS.ProcessEnv = process.env,
    io: Io = processIo,
): Promise<number> {
    let command: CliCommand;
    try {
        command = parseCliArgs(argv, env);
    } catch (err) {
        io.stderr(`pipecat-secrets: ${(err as Error).message}\n\n${argv[0] === "import-env" ? USAGE : TOP_USAGE}\n`);
        return EXIT.usage;
    }
    if (command.help !== undefined) {
        io.stdout(`${command.help === "top" ? TOP_USAGE : USAGE}\n`);
        return EXIT.ok;
    }
    const { options } = command;
    try {
        const report = await importEnv(options);
        const { stdout, warning, note } = formatReport(report, options.file);
        io.stdout(stdout);
        if (warning !== undefined) io.stderr(`pipecat-secrets: ${warning}\n`);
        if (note !== undefined) io.stderr(`pipecat-secrets: ${note}\n`);
        return EXIT.ok;
    } catch (err) {
        if (isDotEnvError(err)) {
            io.stderr(`pipecat-secrets: ${err.message}\nNothing was written.\n`);
            return EXIT.badFile;
        }
        if (isPipecatError(err)) {
            const written = (err as { written?: readonly string[] }).written ?? [];
            const after =
                written.length === 0
                    ? "Nothing was written."
                    : `Written before the failure: ${written.join(", ")}. Run the command again to write the rest.`;
            io.stderr(`pipecat-secrets: ${err.message}\n${after}\n`);
            return EXIT.failed;
        }
        throw err;
    }
}

if (require.main === module) {
    main().then(
        (code) => {
            process.exitCode = code;
        },
        (err: unknown) => {
            // Not one of ours: a bug. Its message, not its stack, and never anything read from the file.
            process.stderr.write(`pipecat-secrets: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
            process.exitCode = EXIT.failed;
        },
    );
}
