/**
 * `import-env`: the keys of a `.env` file into one map of the stack's configuration, each value encrypted, by running
 * `pulumi config set --secret --path` once per key with the value on standard input (never on a command line).
 *
 * Order of work: the file is read and checked first (nothing runs if it is unusable); then pulumi is asked for the
 * stack's name and for the map as it is (`pulumi config get --json`, which decrypts it). Its values are only compared
 * with the file's, in memory, so that a key whose value did not change is left as it is: its ciphertext in
 * `Pulumi.<stack>.yaml` stays the same, and a pull request's diff shows exactly the keys that changed. Then the new
 * and changed keys are written, a value stored in plaintext is written again encrypted, and with `prune` the keys
 * the file no longer has are removed. pulumi's standard output is never shown; its error output is, with every value
 * redacted from it.
 *
 * The values are python-dotenv's, as the bot reads the file (`parse.ts`). Where Pipecat's own
 * `pcc secrets set --file` would store another value for a key (`pcc.ts`), the report says so, key and line only.
 */
import { spawn } from "node:child_process";
import { PipecatError, redact } from "../errors";
import type { DotEnvEntry } from "./parse";
import { readDotEnvFile } from "./read";

/** What `import-env` is asked to do. */
export interface ImportEnvOptions {
    /** The `.env` file, relative to the current directory. */
    readonly file: string;
    /** The config key that holds the map (`agentSecrets`, or `<namespace>:agentSecrets`). */
    readonly key: string;
    /** The stack to write to. @default the selected stack */
    readonly stack?: string | undefined;
    /** The folder of the Pulumi project (pulumi's `--cwd`). @default the current directory */
    readonly cwd?: string | undefined;
    /** Remove the keys of the map that the file does not have. @default false: they are kept and reported */
    readonly prune?: boolean;
    /** Read the file and the stack, write nothing. @default false */
    readonly dryRun?: boolean;
    /** The pulumi command. @default "pulumi" (found on PATH) */
    readonly pulumi?: string;
    /** The environment pulumi runs with. @default process.env */
    readonly env?: NodeJS.ProcessEnv;
}

/** What happens (or, in a dry run, would happen) to one key. */
export type KeyAction =
    /** In the file, not in the map: written. */
    | "add"
    /** In both, with another value: written. */
    | "change"
    /** In both, the same value, stored encrypted: left as it is. */
    | "same"
    /** In both, the same value, but stored in plaintext: written again, encrypted. */
    | "encrypt"
    /** Only in the map, and `prune`: removed. */
    | "remove"
    /** Only in the map: kept (and reported). */
    | "keep";

export interface KeyChange {
    readonly key: string;
    readonly action: KeyAction;
    /** The line of the file it comes from (not for remove and keep). */
    readonly line?: number;
    /** Its value is the empty string: often a placeholder never filled in. */
    readonly empty?: boolean;
}

/** A key for which `pcc secrets set --file` would not store the value imported here. */
export interface PccNote {
    readonly key: string;
    readonly line: number;
    /** Why, in words without a value. */
    readonly reason: string;
}

/** The outcome of an import: the stack, and every key's change in file order, then the keys the file lacks. */
export interface ImportEnvReport {
    readonly stack: string;
    readonly key: string;
    readonly dryRun: boolean;
    readonly changes: readonly KeyChange[];
    /** The keys, in file order, for which `pcc secrets set --file` would store another value (or none). */
    readonly pcc?: readonly PccNote[];
}

/** A pulumi command failed (or could not start): its arguments (no value is ever one), exit code and error output. */
export class PulumiCommandError extends PipecatError {
    override name = "PulumiCommandError";
    constructor(
        message: string,
        readonly args: readonly string[],
        readonly exitCode: number | undefined,
        /** Keys written (or removed) before the failure, in order. */
        readonly written: readonly string[] = [],
    ) {
        super(message);
    }
}

/** The stack holds something under `key` that is not a map of strings: writing into it would replace it. */
export class ConfigShapeError extends PipecatError {
    override name = "ConfigShapeError";
}

// A config key as `--path` reads it: a name, optionally after a namespace, and no "." or "[" (those start a path).
const CONFIG_KEY = /^(?:([A-Za-z0-9_-]+):)?[A-Za-z0-9_-]+$/;

/** Why `key` cannot hold the map, or undefined when it can. */
export function configKeyProblem(key: string): string | undefined {
    const match = CONFIG_KEY.exec(key);
    if (match === null) {
        return `--key must be a config key name of letters, digits, "_" and "-", optionally after a namespace and ":" (got ${JSON.stringify(key)})`;
    }
    if (match[1] === "pipecat")
        return "--key must not be in the pipecat: namespace, which holds the provider's own settings (pipecat:apiKey, ...)";
    return undefined;
}

/** The `--path` of one key of the map: bracketed, so any key Pipecat Cloud allows (digits first, "-") stays one segment. */
export function keyPath(key: string, name: string): string {
    return `${key}[${JSON.stringify(name)}]`;
}

interface Run {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

class Pulumi {
    constructor(
        private readonly options: ImportEnvOptions,
        private readonly values: readonly string[],
    ) {}

    private get command(): string {
        return this.options.pulumi ?? "pulumi";
    }

    /** Runs `pulumi <args>` with `--stack`, `--cwd` and `--non-interactive`, `input` on standard input. Rejects only when it cannot start. */
    run(args: readonly string[], input = ""): Promise<Run> {
        const { stack, cwd } = this.options;
        const flags = [
            ...(stack !== undefined ? ["--stack", stack] : []),
            ...(cwd !== undefined ? ["--cwd", cwd] : []),
            "--non-interactive",
        ];
        // The flags go before "--", after which pulumi reads the key path as an argument even if it began with "-".
        const end = args.indexOf("--");
        const full = end === -1 ? [...args, ...flags] : [...args.slice(0, end), ...flags, ...args.slice(end)];
        return new Promise((resolve, reject) => {
            const child = spawn(this.command, full, { env: this.options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
            child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
            // A pulumi that exits before reading its input closes the pipe: that is its exit code's to tell.
            child.stdin.on("error", () => undefined);
            child.stdin.end(input);
            child.on("error", (err: NodeJS.ErrnoException) => {
                const hint =
                    err.code === "ENOENT"
                        ? this.options.pulumi === undefined
                            ? "pulumi is not on PATH: install the Pulumi CLI, or set PULUMI to the pulumi command"
                            : `${this.command} (from PULUMI) does not exist: set PULUMI to the pulumi command`
                        : `${this.command} could not be started (${err.code ?? "unknown error"})`;
                reject(new PulumiCommandError(hint, full, undefined));
            });
            child.on("close", (code, signal) => resolve({ code: code ?? (signal !== null ? 128 : 1), stdout, stderr }));
        });
    }

    /** A failed run as an error: the command (no value is in it) and pulumi's own words, values redacted. */
    failure(what: string, args: readonly string[], run: Run, written: readonly string[] = []): PulumiCommandError {
        const said = redact(run.stderr.trim(), this.values).replace(/^error: /, "") || `(no message; exit code ${run.code})`;
        return new PulumiCommandError(`${what}: ${said}`, args, run.code, written);
    }
}

const NOT_FOUND = /configuration key '[^']*' not found/;

/** The map at `key` as pulumi decrypts it (empty when the key is not set), and whether any of its values is secret. */
async function currentMap(pulumi: Pulumi, key: string, stack: string): Promise<{ values: Record<string, unknown>; anySecret: boolean }> {
    const args = ["config", "get", "--json", "--", key];
    const run = await pulumi.run(args);
    if (run.code !== 0) {
        if (NOT_FOUND.test(run.stderr)) return { values: {}, anySecret: false };
        throw pulumi.failure(`pulumi config get ${key} failed`, args, run);
    }
    let answer: { objectValue?: unknown; secret?: unknown };
    try {
        answer = JSON.parse(run.stdout) as typeof answer;
    } catch {
        throw new ConfigShapeError(`pulumi config get ${key} answered with something other than JSON; nothing was written`);
    }
    const { objectValue } = answer;
    if (typeof objectValue !== "object" || objectValue === null || Array.isArray(objectValue)) {
        throw new ConfigShapeError(
            `${key} in stack ${stack} holds ${Array.isArray(objectValue) ? "a list" : "a single value"}, not a map of keys; ` +
                `writing keys into it would replace it. Choose another --key, or remove it first: pulumi config rm ${key}`,
        );
    }
    return { values: objectValue as Record<string, unknown>, anySecret: answer.secret === true };
}

/** Whether one value of the map is stored encrypted (`pulumi config get --path`, which says so per value). */
async function isStoredSecret(pulumi: Pulumi, key: string, name: string): Promise<boolean> {
    const args = ["config", "get", "--path", "--json", "--", keyPath(key, name)];
    const run = await pulumi.run(args);
    if (run.code !== 0) throw pulumi.failure(`pulumi config get ${keyPath(key, name)} failed`, args, run);
    try {
        return (JSON.parse(run.stdout) as { secret?: unknown }).secret === true;
    } catch {
        throw new ConfigShapeError(`pulumi config get ${keyPath(key, name)} answered with something other than JSON; nothing was written`);
    }
}

/** How many read-only `pulumi config get` run at once (each is a process of its own). */
const READ_CONCURRENCY = 4;

async function inBatches<T, R>(items: readonly T[], size: number, f: (item: T) => Promise<R>): Promise<R[]> {
    const out: R[] = [];
    for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(f))));
    return out;
}

/**
 * What the import does to each key: the file's keys in file order, then the keys only the map has, sorted.
 * @param current the map as it is (values compared, never shown)
 * @param plaintext the keys of the map whose value is stored in plaintext
 */
export function planChanges(
    entries: readonly Pick<DotEnvEntry, "key" | "line" | "value">[],
    current: Readonly<Record<string, unknown>>,
    plaintext: ReadonlySet<string>,
    prune: boolean,
): KeyChange[] {
    const has = (k: string) => Object.prototype.hasOwnProperty.call(current, k);
    const inFile = new Set(entries.map((e) => e.key));
    const action = (e: Pick<DotEnvEntry, "key" | "value">): KeyAction =>
        !has(e.key) ? "add" : current[e.key] !== e.value ? "change" : plaintext.has(e.key) ? "encrypt" : "same";
    return [
        ...entries.map((e) => ({ key: e.key, action: action(e), line: e.line, empty: e.value === "" })),
        ...Object.keys(current)
            .filter((k) => !inFile.has(k))
            .sort()
            .map((k) => ({ key: k, action: prune ? ("remove" as const) : ("keep" as const) })),
    ];
}

/**
 * Imports the `.env` file into the stack's config.
 * @throws DotEnvError when the file is unusable (nothing ran); PulumiCommandError or ConfigShapeError when pulumi
 *   failed or the key holds something else (`written` says which keys were written before).
 */
export async function importEnv(options: ImportEnvOptions): Promise<ImportEnvReport> {
    const entries = readDotEnvFile(options.file);
    const redacted = entries.map((e) => e.value);
    const pulumi = new Pulumi(options, redacted);

    const stackArgs = ["stack", "--show-name"];
    const stackRun = await pulumi.run(stackArgs);
    if (stackRun.code !== 0) throw pulumi.failure("pulumi cannot tell the stack", stackArgs, stackRun);
    const stack = stackRun.stdout.trim();

    const current = await currentMap(pulumi, options.key, stack);
    for (const v of Object.values(current.values)) if (typeof v === "string") redacted.push(v);
    // Keys whose value is the file's: left alone only if stored encrypted. A map without any secret holds none.
    const same = entries
        .filter((e) => Object.prototype.hasOwnProperty.call(current.values, e.key) && current.values[e.key] === e.value)
        .map((e) => e.key);
    const secret = current.anySecret
        ? await inBatches(same, READ_CONCURRENCY, (name) => isStoredSecret(pulumi, options.key, name))
        : same.map(() => false);
    const plaintext = new Set(same.filter((_, i) => !secret[i]));
    const changes = planChanges(entries, current.values, plaintext, options.prune === true);
    const pcc = entries.flatMap((e) => (e.pcc === undefined ? [] : [{ key: e.key, line: e.line, reason: e.pcc }]));
    const report: ImportEnvReport = { stack, key: options.key, dryRun: options.dryRun === true, changes, pcc };
    if (options.dryRun === true) return report;

    const written: string[] = [];
    const values = new Map(entries.map((e) => [e.key, e.value]));
    for (const change of changes) {
        const path = keyPath(options.key, change.key);
        if (change.action === "add" || change.action === "change" || change.action === "encrypt") {
            // --raw: the value exactly as python-dotenv reads it (pulumi would strip a trailing newline of a multi-line value).
            const args = ["config", "set", "--secret", "--path", "--raw", "--", path];
            const run = await pulumi.run(args, values.get(change.key));
            if (run.code !== 0) throw pulumi.failure(`pulumi config set failed for ${change.key}`, args, run, written);
            written.push(change.key);
        } else if (change.action === "remove") {
            const args = ["config", "rm", "--path", "--", path];
            const run = await pulumi.run(args);
            if (run.code !== 0) throw pulumi.failure(`pulumi config rm failed for ${change.key}`, args, run, written);
            written.push(`${change.key} (removed)`);
        }
    }
    return report;
}
