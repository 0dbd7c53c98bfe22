/**
 * A stack fixture for tests through the real engine: an emulator (started here, or shared), a temporary project
 * (test/support/engine.ts) with a stack whose config points at it (the API key as a secret, the URL, extra config),
 * a labelled `pulumi` runner that keeps every command's output for the leak scan, and `close()`, which destroys what
 * the stack holds, adds the exported state to the haystacks, removes the project and closes the emulator it started.
 * `TargetStack.open({ target: { url, apiKey }, ... })` is the same stack pointed at a service without an emulator
 * of its own (the live acceptance tests), with per-stack timeouts, environment and redaction of failures.
 *
 * `useStack` registers the mocha hooks, so a spec writes only its scenario:
 *
 *     const s = useStack({ name: "agents-e2e", program, emulator: { apiKey: API_KEY }, secrets: SECRETS });
 *     it("...", async () => {
 *         await s.start();
 *         await s.up("create");
 *         assert.deepEqual(s.seen(), [...]);
 *     });
 *
 * Every stack started in the suite is closed after its test, and after the suite every output and state is scanned
 * for the secrets.
 */
import { type Emulator, type EmulatorOptions, startEmulator } from "../../emulator";
import {
    createTempProject,
    nonInteractive,
    recordOutput,
    type RunResult,
    type StackExport,
    type TempProject,
    type TempProjectOptions,
} from "./engine";
import { assertNoLeaks, type Haystack, type SecretSpec } from "./leaks";

/** What every stack has, whatever it points at: its program, its stack and how its commands run. */
export interface ProjectStackOptions {
    /** Pulumi project name. */
    name: string;
    /** Source of the program's index.ts. */
    program: string;
    /** More files of the program: relative path -> contents. */
    files?: Record<string, string>;
    /** More of the repository's packages to link into the program's node_modules. */
    modules?: string[];
    /** The stack's name. Default: "e2e". */
    stack?: string;
    /** Plain stack config set after the API key and URL: key -> value. */
    config?: Record<string, string>;
    /** Extra TempProject options (passphrase, typecheck). */
    project?: Pick<TempProjectOptions, "passphrase" | "typecheck">;
    /** How long one command may take before it is killed. Default: the engine harness's (180 s). */
    timeoutMs?: number;
    /** Extra environment variables of every command (a run's own `env` goes on top). */
    env?: Record<string, string>;
    /**
     * Cuts what must not be shown out of a text. When given, a command that fails (or times out) rejects with its
     * output passed through it, and its output is kept for the leak scan all the same.
     */
    redact?: (text: string) => string;
}

/** A service the stack points at without an emulator of its own: a real organisation, or an emulator run elsewhere. */
export interface StackTarget {
    /** pipecat:apiUrl. */
    url: string;
    /** pipecat:apiKey, set as a secret through standard input. */
    apiKey: string;
}

export interface TargetStackOptions extends ProjectStackOptions {
    target: StackTarget;
}

export interface StackOptions extends ProjectStackOptions {
    /** The emulator's options, for an emulator started for this stack (and closed with it). */
    emulator?: EmulatorOptions;
    /** An emulator started elsewhere, shared: the stack points at it and leaves it running. */
    shared?: Emulator;
    /** The URL the stack's pipecat:apiUrl names. Default: the emulator's. */
    apiUrl?: (emulator: Emulator) => string;
}

export interface PulumiRunOptions {
    /** Resolve with a non-zero exit code instead of rejecting. */
    allowFail?: boolean;
    /** Extra environment variables of this run. */
    env?: Record<string, string>;
    /** Written to the command's standard input. */
    input?: string;
}

/** A shorthand's options: the flags after the command's own, and the run's. */
export interface CommandOptions extends PulumiRunOptions {
    args?: string[];
}

/** Requests as `METHOD path status` (or `METHOD path` with `status: false`), the path without `/v1`; never bodies. */
export function requestLines(emulator: Emulator, opts: { status?: boolean } = {}): string[] {
    return emulator.requests.map((r) => `${r.method} ${r.path.replace(/^\/v1/, "")}${opts.status === false ? "" : ` ${r.status}`}`);
}

/** Creates the project, inits the stack and sets its config: the API key (secret), the URL, then the plain config. */
async function createStackProject(options: ProjectStackOptions, target: StackTarget): Promise<TempProject> {
    const project = createTempProject({
        name: options.name,
        programTs: options.program,
        ...(options.files ? { files: options.files } : {}),
        ...(options.modules ? { modules: options.modules } : {}),
        ...options.project,
    });
    try {
        await project.initStack(options.stack ?? "e2e");
        await project.setConfig("pipecat:apiKey", target.apiKey, { secret: true });
        await project.setConfig("pipecat:apiUrl", target.url);
        for (const [k, v] of Object.entries(options.config ?? {})) await project.setConfig(k, v);
    } catch (e) {
        project.cleanup();
        throw e;
    }
    return project;
}

/**
 * One stack of a test pointed at a URL and key (no emulator of its own): its project and the outputs of every
 * command run through it. {@link EngineStack} is the one with an emulator.
 */
export class TargetStack {
    /** Every command's stdout and stderr, labelled; `close()` adds the exported state. */
    readonly outputs: Haystack[] = [];
    private destroyed = false;
    private closed = false;

    protected constructor(
        readonly target: StackTarget,
        readonly project: TempProject,
        private readonly runs: Pick<ProjectStackOptions, "timeoutMs" | "env" | "redact">,
    ) {}

    /** Creates the project, inits the stack and points its config at `target`. */
    static async open(options: TargetStackOptions): Promise<TargetStack> {
        return new TargetStack(options.target, await createStackProject(options, options.target), options);
    }

    /** Runs `pulumi <args> --non-interactive` and keeps its output, labelled, for the leak scan. */
    async pulumi(label: string, args: string[], opts: PulumiRunOptions = {}): Promise<RunResult> {
        const { redact } = this.runs;
        const env = this.runs.env || opts.env ? { ...this.runs.env, ...opts.env } : undefined;
        const result = await this.project
            .run(nonInteractive(args), {
                ...(opts.allowFail || redact ? { allowFail: true } : {}),
                ...(env ? { env } : {}),
                ...(opts.input !== undefined ? { input: opts.input } : {}),
                ...(this.runs.timeoutMs !== undefined ? { timeoutMs: this.runs.timeoutMs } : {}),
            })
            .catch((e: unknown) => {
                throw redact ? new Error(redact(e instanceof Error ? e.message : String(e))) : e;
            });
        recordOutput(this.outputs, label, result);
        if (args[0] === "destroy") this.destroyed ||= result.code === 0;
        else if (["up", "refresh", "import"].includes(args[0] ?? "")) this.destroyed = false;
        if (redact && result.code !== 0 && !opts.allowFail) throw new Error(this.failure(args, result));
        return result;
    }

    /** What a failed command said (redacted when the stack redacts): its exit code, stdout and stderr. */
    failure(args: string[], result: RunResult): string {
        const shown = this.runs.redact ?? ((text: string) => text);
        return `pulumi ${args.join(" ")} exited with ${result.code}\n--- stdout\n${shown(result.stdout)}\n--- stderr\n${shown(result.stderr)}`;
    }

    /** `pulumi up --yes --skip-preview`. */
    up(label: string, opts: CommandOptions = {}): Promise<RunResult> {
        return this.pulumi(label, ["up", "--yes", "--skip-preview", ...(opts.args ?? [])], opts);
    }

    /** `pulumi preview`. */
    preview(label: string, opts: CommandOptions = {}): Promise<RunResult> {
        return this.pulumi(label, ["preview", ...(opts.args ?? [])], opts);
    }

    /** `pulumi refresh --yes --skip-preview`. */
    refresh(label: string, opts: CommandOptions = {}): Promise<RunResult> {
        return this.pulumi(label, ["refresh", "--yes", "--skip-preview", ...(opts.args ?? [])], opts);
    }

    /** `pulumi destroy --yes --skip-preview`. */
    destroy(label: string, opts: CommandOptions = {}): Promise<RunResult> {
        return this.pulumi(label, ["destroy", "--yes", "--skip-preview", ...(opts.args ?? [])], opts);
    }

    /** Writes a JSON file of the program (a program that reads what to declare from it). */
    writeJson(relPath: string, value: unknown): void {
        this.project.writeFile(relPath, JSON.stringify(value, null, 2));
    }

    /** `pulumi stack export`, parsed. */
    exportStack(opts: { showSecrets?: boolean } = {}): Promise<StackExport> {
        return this.project.exportStack(opts);
    }

    /**
     * Ends the stack: destroys what it holds (allowFail; not when `destroy: false` or a destroy was the last
     * command), adds the exported state to the outputs and removes the project. Returns every haystack of the
     * stack: the outputs and the state. Closing twice does nothing more.
     */
    async close(opts: { destroy?: boolean } = {}): Promise<Haystack[]> {
        if (this.closed) return this.outputs;
        this.closed = true;
        try {
            const exported = await this.project.run(["stack", "export"], { allowFail: true });
            this.outputs.push({ label: "stack export", text: exported.stdout });
            if (opts.destroy !== false && !this.destroyed) await this.destroy("destroy", { allowFail: true });
        } finally {
            this.project.cleanup();
        }
        return this.outputs;
    }
}

/** One stack of a test on an emulator: a {@link TargetStack} pointed at it, with its requests (`seen()`). */
export class EngineStack extends TargetStack {
    private constructor(
        readonly emulator: Emulator,
        target: StackTarget,
        project: TempProject,
        runs: ProjectStackOptions,
        private ownsEmulator: boolean,
    ) {
        super(target, project, runs);
    }

    /** Starts the emulator (unless shared), creates the project, inits the stack and sets its config. */
    static async start(options: StackOptions): Promise<EngineStack> {
        const emulator = options.shared ?? (await startEmulator(options.emulator ?? {}));
        const target = { url: options.apiUrl ? options.apiUrl(emulator) : emulator.url, apiKey: emulator.apiKey };
        let project: TempProject;
        try {
            project = await createStackProject(options, target);
        } catch (e) {
            if (!options.shared) await emulator.close();
            throw e;
        }
        return new EngineStack(emulator, target, project, options, !options.shared);
    }

    /** The requests the emulator saw, as `METHOD path status` (`status: false`: `METHOD path`). */
    seen(opts?: { status?: boolean }): string[] {
        return requestLines(this.emulator, opts);
    }

    /** {@link TargetStack.close}, then closes the emulator it started. */
    override async close(opts: { destroy?: boolean } = {}): Promise<Haystack[]> {
        try {
            return await super.close(opts);
        } finally {
            if (this.ownsEmulator) {
                this.ownsEmulator = false; // closing twice closes it once
                await this.emulator.close();
            }
        }
    }
}

export interface UseStackOptions extends StackOptions {
    /** The secrets no output or state may hold (read after the suite, so a spec may add to them as it goes). */
    secrets: Iterable<SecretSpec>;
    /** What the haystacks are, for the leak report. Default: "command outputs and states". */
    what?: string;
    /** Whether closing a stack destroys what it holds. Default: true (false where the emulator is thrown away anyway). */
    destroy?: boolean;
}

/**
 * The stack of the running test, with mocha hooks: `start()` makes it (options merged over the suite's), afterEach
 * closes it, and after the suite every output and state of every stack is scanned for `secrets`.
 */
export class StackFixture {
    private stack: EngineStack | undefined;
    private readonly haystacks: Haystack[] = [];

    constructor(private readonly options: UseStackOptions) {}

    /** Starts this test's stack; `overrides` replace the suite's options (`emulator` and `config` are merged). */
    async start(overrides: Partial<StackOptions> = {}): Promise<EngineStack> {
        if (this.stack) await this.close();
        const { emulator, config, ...rest } = overrides;
        this.stack = await EngineStack.start({
            ...this.options,
            ...rest,
            emulator: { ...this.options.emulator, ...emulator },
            config: { ...this.options.config, ...config },
        });
        return this.stack;
    }

    /** The running test's stack; throws before `start()`. */
    get current(): EngineStack {
        if (!this.stack) throw new Error("useStack: no stack yet; call start() first");
        return this.stack;
    }

    get emulator(): Emulator {
        return this.current.emulator;
    }

    get project(): TempProject {
        return this.current.project;
    }

    pulumi(label: string, args: string[], opts?: PulumiRunOptions): Promise<RunResult> {
        return this.current.pulumi(label, args, opts);
    }

    up(label: string, opts?: CommandOptions): Promise<RunResult> {
        return this.current.up(label, opts);
    }

    preview(label: string, opts?: CommandOptions): Promise<RunResult> {
        return this.current.preview(label, opts);
    }

    refresh(label: string, opts?: CommandOptions): Promise<RunResult> {
        return this.current.refresh(label, opts);
    }

    destroy(label: string, opts?: CommandOptions): Promise<RunResult> {
        return this.current.destroy(label, opts);
    }

    seen(opts?: { status?: boolean }): string[] {
        return this.current.seen(opts);
    }

    writeJson(relPath: string, value: unknown): void {
        this.current.writeJson(relPath, value);
    }

    /** Closes the running test's stack (afterEach does it); its haystacks wait for the scan after the suite. */
    async close(): Promise<void> {
        const stack = this.stack;
        this.stack = undefined;
        if (stack) this.haystacks.push(...(await stack.close({ destroy: this.options.destroy !== false })));
    }

    /** Scans every haystack of the suite's stacks for the secrets. */
    assertNoLeaks(): void {
        assertNoLeaks(this.haystacks, [...this.options.secrets], this.options.what ?? "command outputs and states");
    }
}

/** A {@link StackFixture} whose stacks mocha closes after each test, and whose outputs it scans after the suite. */
export function useStack(options: UseStackOptions): StackFixture {
    const fixture = new StackFixture(options);
    afterEach(() => fixture.close());
    after(() => fixture.assertNoLeaks());
    return fixture;
}
