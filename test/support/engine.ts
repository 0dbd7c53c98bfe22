// Helpers for end-to-end tests that drive the real Pulumi engine (the `pulumi` binary installed into
// .pulumi-engine/bin by scripts/install-engine.sh) against throw-away TypeScript programs.
//
// Everything a run touches lives in one temporary directory: the program, a file-backend state
// directory and PULUMI_HOME. The program's node_modules holds symlinks into this repository's
// node_modules (one copy of @pulumi/pulumi, shared by the program, the language host's runner and the
// dynamic-provider plugin, since Node resolves symlinked packages by their real path), and
// `pulumi-pipecat-secrets` points at the repository itself. Nothing is downloaded.
//
// This file knows nothing about the provider under test: programs are passed in as source text.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { type RunResult, runProcess } from "./process";
import type { Haystack } from "./leaks";

/** Root of this repository. */
export const repoRoot = path.resolve(__dirname, "..", "..");

const engineBinaries = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"];

/**
 * Absolute path of the directory holding the engine binaries. Throws if any is missing (or is a
 * dangling link): the e2e tests must fail, not skip, when the engine was not installed.
 */
export function engineBin(): string {
    const bin = path.join(repoRoot, ".pulumi-engine", "bin");
    const missing = engineBinaries.filter((name) => !fs.existsSync(path.join(bin, name)));
    if (missing.length > 0) {
        throw new Error(`Pulumi engine not built: run bash scripts/install-engine.sh (missing in ${bin}: ${missing.join(", ")})`);
    }
    return bin;
}

export interface HermeticEnvOptions {
    /** PULUMI_HOME: the engine's plugins, credentials and workspace settings. */
    home: string;
    /** The file backend's state directory (PULUMI_BACKEND_URL `file://<stateDir>`). */
    stateDir: string;
    /** Passphrase of the stacks' secrets provider. Default: "". */
    passphrase?: string;
    /** Directory holding the `pulumi` to run, first on PATH. Default: {@link engineBin}. */
    bin?: string;
    /** More directories on PATH, after the engine's and before the base environment's (a Node.js runtime). */
    path?: readonly string[];
    /** The environment to start from, without its PULUMI_* variables. Default: this process's. */
    base?: NodeJS.ProcessEnv;
    /** PULUMI_NODEJS_TRANSPILE_ONLY (read by @pulumi/pulumi's runner), when given: skip ts-node's type check. */
    transpileOnly?: boolean;
}

/**
 * A hermetic environment for the Pulumi engine: no PULUMI_* variable of the caller leaks in (access tokens, backend
 * URLs, a stack selected by PULUMI_STACK, ...), the engine on PATH is ours, state and plugins stay in the given
 * directories, and nothing is checked or downloaded over the network.
 */
export function hermeticEnv(options: HermeticEnvOptions): NodeJS.ProcessEnv {
    const base = options.base ?? process.env;
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(base)) {
        if (!key.startsWith("PULUMI_")) env[key] = value;
    }
    Object.assign(env, {
        PATH: [options.bin ?? engineBin(), ...(options.path ?? []), base.PATH ?? ""].join(path.delimiter),
        PULUMI_HOME: options.home,
        PULUMI_BACKEND_URL: `file://${options.stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: options.passphrase ?? "",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    });
    if (options.transpileOnly !== undefined) env["PULUMI_NODEJS_TRANSPILE_ONLY"] = options.transpileOnly ? "true" : "false";
    return env;
}

/** Keeps a command's stdout and stderr for the leak scan, labelled `<label> stdout` and `<label> stderr`. */
export function recordOutput(outputs: Haystack[], label: string, result: { readonly stdout: string; readonly stderr: string }): void {
    outputs.push({ label: `${label} stdout`, text: result.stdout }, { label: `${label} stderr`, text: result.stderr });
}

/** A `pulumi` command line with `--non-interactive`: among the flags, before a `--` (after which all is positional). */
export function nonInteractive(args: readonly string[]): string[] {
    const end = args.includes("--") ? args.indexOf("--") : args.length;
    return [...args.slice(0, end), "--non-interactive", ...args.slice(end)];
}

/** Packages of the repository's node_modules that every test program gets, as symlinks. */
const defaultLinkedModules = ["@pulumi", "@types", "typescript", "ts-node"];

/**
 * Gives the program in `dir` a node_modules of symlinks: the repository's packages `names`, and
 * `pulumi-pipecat-secrets` pointing at the repository itself. Nothing is downloaded.
 */
export function linkModules(dir: string, names: readonly string[] = defaultLinkedModules): void {
    const repoModules = path.join(repoRoot, "node_modules");
    const programModules = path.join(dir, "node_modules");
    fs.mkdirSync(programModules);
    for (const name of names) {
        const target = path.join(repoModules, name);
        if (!fs.existsSync(target)) throw new Error(`${target} is missing: run npm ci`);
        fs.mkdirSync(path.dirname(path.join(programModules, name)), { recursive: true });
        fs.symlinkSync(target, path.join(programModules, name), "dir");
    }
    fs.symlinkSync(repoRoot, path.join(programModules, "pulumi-pipecat-secrets"), "dir");
}

export interface TempProjectOptions {
    /** Pulumi project name (Pulumi.yaml `name`; also the namespace of unqualified config keys). */
    name: string;
    /** Source of the program's entry point, index.ts. */
    programTs: string;
    /** More files for the program directory: relative path -> contents. */
    files?: Record<string, string>;
    /** Plain (non-secret) stack configuration that initStack sets: key -> value. */
    config?: Record<string, string>;
    /** More packages of the repository's node_modules to link into the program's node_modules. */
    modules?: string[];
    /** Type-check the program with ts-node on every run (slower). Default: transpile only. */
    typecheck?: boolean;
    /** Passphrase of the stack's secrets provider. Default: "". */
    passphrase?: string;
}

export interface RunOptions {
    /** Extra environment variables for this run (on top of the hermetic environment). */
    env?: Record<string, string>;
    /** Resolve with a non-zero exit code instead of rejecting. */
    allowFail?: boolean;
    /** Written to the command's standard input (which is closed in any case). */
    input?: string;
    /** Kill the command (and everything it started) after this long. Default: 180 s. */
    timeoutMs?: number;
}

export type { RunResult } from "./process";

export interface TempProject {
    /** The temporary directory holding everything below. */
    root: string;
    /** The program directory (Pulumi.yaml, index.ts, node_modules); the commands' working directory. */
    programDir: string;
    /** The file backend's state directory. */
    stateDir: string;
    /** The environment every command runs with (before RunOptions.env). */
    env: NodeJS.ProcessEnv;
    /** Runs `pulumi <args>` in the program directory. Rejects on a non-zero exit unless allowFail. */
    run(args: string[], opts?: RunOptions): Promise<RunResult>;
    /** `pulumi stack init` (which also selects the stack), then sets the project's `config`. */
    initStack(stackName: string): Promise<void>;
    /** `pulumi config set`; the value goes through standard input, never on a command line. */
    setConfig(key: string, value: string, opts?: { secret?: boolean }): Promise<void>;
    /** `pulumi stack export`, parsed. */
    exportStack(opts?: { showSecrets?: boolean }): Promise<StackExport>;
    /** Writes (or replaces) a file of the program, e.g. index.ts to change the program between runs. */
    writeFile(relPath: string, contents: string): void;
    /** Removes the temporary directory. */
    cleanup(): void;
}

/** The parts of `pulumi stack export` output the tests look at. */
export interface StackExport {
    version: number;
    deployment: {
        resources?: ExportedResource[];
        [key: string]: unknown;
    };
}

export interface ExportedResource {
    urn: string;
    type: string;
    id?: string;
    custom?: boolean;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    [key: string]: unknown;
}

export function createTempProject(options: TempProjectOptions): TempProject {
    const bin = engineBin();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-e2e-"));
    const programDir = path.join(root, "program");
    const stateDir = path.join(root, "state");
    const homeDir = path.join(root, "home");
    for (const dir of [programDir, stateDir, homeDir]) fs.mkdirSync(dir, { recursive: true });

    const writeFile = (relPath: string, contents: string): void => {
        const file = path.join(programDir, relPath);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, contents);
    };

    // typescript: true makes the language host ask @pulumi/pulumi's runner to register ts-node, which
    // compiles index.ts (package.json's main) with the tsconfig.json found beside it.
    writeFile("Pulumi.yaml", [`name: ${options.name}`, "runtime:", "  name: nodejs", "  options:", "    typescript: true", ""].join("\n"));
    writeFile("package.json", JSON.stringify({ name: options.name, private: true, main: "index.ts" }, null, 2) + "\n");
    writeFile(
        "tsconfig.json",
        JSON.stringify(
            {
                compilerOptions: {
                    target: "ES2020",
                    module: "commonjs",
                    moduleResolution: "node",
                    strict: true,
                    esModuleInterop: true,
                    skipLibCheck: true,
                    types: ["node"],
                },
                files: ["index.ts"],
            },
            null,
            2,
        ) + "\n",
    );
    writeFile("index.ts", options.programTs);
    for (const [relPath, contents] of Object.entries(options.files ?? {})) writeFile(relPath, contents);

    linkModules(programDir, [...defaultLinkedModules, ...(options.modules ?? [])]);

    const env = hermeticEnv({
        home: homeDir,
        stateDir,
        passphrase: options.passphrase ?? "",
        bin,
        // Read by @pulumi/pulumi's runner: skip ts-node's type check unless asked for.
        transpileOnly: !options.typecheck,
    });

    const run = (args: string[], opts: RunOptions = {}): Promise<RunResult> =>
        runProcess(path.join(bin, "pulumi"), args, {
            ...opts,
            timeoutMs: opts.timeoutMs ?? 180_000,
            cwd: programDir,
            env: { ...env, ...opts.env },
        });
    const setConfig = async (key: string, value: string, opts: { secret?: boolean } = {}): Promise<void> => {
        const flags = [opts.secret ? "--secret" : "--plaintext", "--non-interactive"];
        await run(["config", "set", ...flags, "--", key], { input: value });
    };

    return {
        root,
        programDir,
        stateDir,
        env,
        run,
        async initStack(stackName) {
            await run(["stack", "init", stackName, "--non-interactive"]);
            for (const [key, value] of Object.entries(options.config ?? {})) {
                await setConfig(key, value);
            }
        },
        setConfig,
        async exportStack(opts = {}) {
            const args = ["stack", "export", ...(opts.showSecrets ? ["--show-secrets"] : [])];
            return JSON.parse((await run(args)).stdout) as StackExport;
        },
        writeFile,
        cleanup() {
            fs.rmSync(root, { recursive: true, force: true });
        },
    };
}

/**
 * Soft assertions for a scenario of several steps: it goes on after a broken expectation (later steps say more about
 * the behaviour under test), and `done` fails with all of them, plus the notes that explain them. Put only what may
 * be printed into expectations, details and notes: command output that is leak-scanned, request lines, never values.
 */
export class Findings {
    private readonly problems: string[] = [];
    private readonly notes: string[] = [];

    /** Records `expectation` as broken unless `condition` holds; `detail` says what was seen. */
    ok(condition: unknown, expectation: string, detail?: string): boolean {
        if (!condition) this.problems.push(detail ? `${expectation}\n      ${detail.split("\n").join("\n      ")}` : expectation);
        return Boolean(condition);
    }

    /** `ok` for a deep equality; both sides are printed as JSON when it breaks. */
    equal(actual: unknown, expected: unknown, expectation: string, detail?: string): boolean {
        const shown = `actual: ${JSON.stringify(actual)}; expected: ${JSON.stringify(expected)}`;
        return this.ok(isDeepStrictEqual(actual, expected), expectation, detail ? `${shown}\n${detail}` : shown);
    }

    /** Context printed only if something broke (or with `verbose`). */
    note(text: string): void {
        this.notes.push(text);
    }

    /** Fails with every broken expectation and the notes; `verbose` prints the notes in any case. */
    done(title: string, verbose = false): void {
        if (verbose) console.log(`      ${title} notes:\n        ${this.notes.join("\n").split("\n").join("\n        ")}`);
        if (this.problems.length === 0) return;
        const body = this.problems.map((p, i) => `  ${i + 1}. ${p}`).join("\n");
        const notes = this.notes.length ? `\n  context:\n    ${this.notes.join("\n").split("\n").join("\n    ")}` : "";
        assert.fail(`${this.problems.length} expectation(s) not met:\n${body}${notes}`);
    }
}
