/**
 * A stack fixture for tests through the real engine: an emulator (started here, or shared), a temporary project
 * (test/support/engine.ts) with a stack whose config points at it (the API key as a secret, the URL, extra config),
 * a labelled `pulumi` runner that keeps every command's output for the leak scan, and `close()`, which destroys what
 * the stack holds, adds the exported state to the haystacks, removes the project and closes the emulator it started.
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
import { createTempProject, type RunResult, type StackExport, type TempProject, type TempProjectOptions } from "./engine";
import { assertNoLeaks, type Haystack, type SecretSpec } from "./leaks";

export interface StackOptions {
    /** Pulumi project name. */
    name: string;
    /** Source of the program's index.ts. */
    program: string;
    /** More files of the program: relative path -> contents. */
    files?: Record<string, string>;
    /** More of the repository's packages to link into the program's node_modules. */
    modules?: string[];
    /** The emulator's options, for an emulator started for this stack (and closed with it). */
    emulator?: EmulatorOptions;
    /** An emulator started elsewhere, shared: the stack points at it and leaves it running. */
    shared?: Emulator;
    /** The stack's name. Default: "e2e". */
    stack?: string;
    /** Plain stack config set after the API key and URL: key -> value. */
    config?: Record<string, string>;
    /** The URL the stack's pipecat:apiUrl names. Default: the emulator's. */
    apiUrl?: (emulator: Emulator) => string;
    /** Extra TempProject options (passphrase, typecheck). */
    project?: Pick<TempProjectOptions, "passphrase" | "typecheck">;
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

/** One stack of a test: its emulator, project and the outputs of every command run through it. */
export class EngineStack {
    /** Every command's stdout and stderr, labelled; `close()` adds the exported state. */
    readonly outputs: Haystack[] = [];
    private destroyed = false;
    private closed = false;

    private constructor(
        readonly emulator: Emulator,
        readonly project: TempProject,
        private readonly ownsEmulator: boolean,
    ) {}

    /** Starts the emulator (unless shared), creates the project, inits the stack and sets its config. */
    static async start(options: StackOptions): Promise<EngineStack> {
        const emulator = options.shared ?? (await startEmulator(options.emulator ?? {}));
        let project: TempProject | undefined;
        try {
            project = createTempProject({
                name: options.name,
                programTs: options.program,
                ...(options.files ? { files: options.files } : {}),
                ...(options.modules ? { modules: options.modules } : {}),
                ...options.project,
            });
            await project.initStack(options.stack ?? "e2e");
            await project.setConfig("pipecat:apiKey", emulator.apiKey, { secret: true });
            await project.setConfig("pipecat:apiUrl", options.apiUrl ? options.apiUrl(emulator) : emulator.url);
            for (const [k, v] of Object.entries(options.config ?? {})) await project.setConfig(k, v);
        } catch (e) {
            project?.cleanup();
            if (!options.shared) await emulator.close();
            throw e;
        }
        return new EngineStack(emulator, project, !options.shared);
    }

    /** Runs `pulumi <args> --non-interactive` and keeps its output, labelled, for the leak scan. */
    async pulumi(label: string, args: string[], opts: PulumiRunOptions = {}): Promise<RunResult> {
        const result = await this.project.run([...args, "--non-interactive"], {
            ...(opts.allowFail ? { allowFail: true } : {}),
            ...(opts.env ? { env: opts.env } : {}),
            ...(opts.input !== undefined ? { input: opts.input } : {}),
        });
        this.outputs.push({ label: `${label} stdout`, text: result.stdout }, { label: `${label} stderr`, text: result.stderr });
        if (args[0] === "destroy") this.destroyed ||= result.code === 0;
        else if (["up", "refresh", "import"].includes(args[0] ?? "")) this.destroyed = false;
        return result;
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

    /** The requests the emulator saw, as `METHOD path status` (`status: false`: `METHOD path`). */
    seen(opts?: { status?: boolean }): string[] {
        return requestLines(this.emulator, opts);
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
     * command), adds the exported state to the outputs, removes the project and closes the emulator it started.
     * Returns every haystack of the stack: the outputs and the state. Closing twice does nothing more.
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
            if (this.ownsEmulator) await this.emulator.close();
        }
        return this.outputs;
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
