/**
 * A fixture for tests of the provider's methods, called directly against the emulator (no engine): it starts an
 * emulator on a fake clock, installs the test hooks (sleeps advance that clock, backoff without jitter), configures
 * the provider with the emulator's URL and the API key, and keeps every error it is handed for one leak scan at the
 * end. The engine-level counterpart is test/support/stack.ts.
 *
 *     const m = new ProviderMethods({ provider: agentProvider, apiKey: KEY, emulator: { readyAfterMs: 1_500 } });
 *     afterEach(() => m.close());
 *     after(() => m.assertNoLeaks(SECRETS));
 *     it("...", async () => {
 *         await m.setup({ readyAfterMs: 0 }, { "pipecat:readyTimeoutSeconds": "10" });
 *         const message = await m.message(agentProvider.create(inputs));
 *         assert.deepEqual(m.seen(), ["POST /agents 200"]);
 *     });
 */
import * as assert from "node:assert/strict";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../emulator";
import type { TestHooks } from "../../provider/session";
import { type Haystack, type SecretSpec, assertNoLeaks, errorHaystack } from "./leaks";
import { requestLines } from "./stack";

// The shim requires the compiled implementation by package name: hooks must reach that same module.
const impl = require("pulumi-pipecat-secrets/implementation") as { setTestHooks(hooks: TestHooks): void };

/** Stack config as the provider reads it; `undefined` removes a key the fixture would otherwise set. */
export type ConfigValues = Record<string, string | undefined>;

/** The provider whose `configure` the fixture calls (both resources share one session). */
export interface Configurable {
    configure?: (req: { config: { get(key: string): string | undefined; require(key: string): string } }) => Promise<void>;
}

export interface ProviderMethodsOptions {
    /** The provider configured with the emulator. */
    provider: Configurable;
    /** The emulator's API key, also the provider's `pipecat:apiKey`. */
    apiKey: string;
    /** The emulator's options of every setup in the suite; a setup's own options go over them. */
    emulator?: EmulatorOptions;
    /** Stack config of every setup, over the key and URL; a setup's own config goes over it. */
    config?: ConfigValues;
}

/** An error of an operation expected to fail, with what the provider may attach to it. */
export type Failure<P = Record<string, unknown>> = Error & { id?: string; properties?: P };

export class ProviderMethods {
    /** The emulator of the current test (started by `setup`). */
    emulator!: Emulator;
    /** The fake clock shared by the emulator and the provider's hooks. */
    clock = 1_000_000;
    /** Every wait the provider (and its client) asked for, in milliseconds, in order. */
    sleeps: number[] = [];
    /** Run at each sleep, before the clock moves: a change behind the program's back while the provider waits. */
    duringSleep: ((n: number) => void) | undefined;
    /** Every error handed to `failure` or `message`, for the leak scan. */
    readonly failures: Haystack[] = [];

    constructor(private readonly options: ProviderMethodsOptions) {}

    /** Starts the emulator on a fresh fake clock, installs the hooks and configures the provider. */
    async setup(options: EmulatorOptions = {}, config: ConfigValues = {}): Promise<Emulator> {
        this.clock = 1_000_000;
        this.sleeps = [];
        this.duringSleep = undefined;
        this.emulator = await startEmulator({ apiKey: this.options.apiKey, now: () => this.clock, ...this.options.emulator, ...options });
        this.freshProcess();
        await this.configure({ ...this.options.config, ...config });
        return this.emulator;
    }

    /** What a new provider process starts with: nothing remembered, the fake clock. */
    freshProcess(): void {
        impl.setTestHooks({
            sleep: async (ms) => {
                this.sleeps.push(ms);
                this.duringSleep?.(this.sleeps.length);
                this.clock += ms;
            },
            now: () => this.clock,
            random: () => 0.5,
        });
    }

    /** Configures the provider again: the key and the URL (the emulator's unless given), then `config` over them. */
    async configure(config: ConfigValues = {}, url = this.emulator.url): Promise<void> {
        const values: ConfigValues = { "pipecat:apiKey": this.options.apiKey, "pipecat:apiUrl": url, ...config };
        await this.options.provider.configure!({
            config: { get: (k) => values[k], require: (k) => values[k] ?? assert.fail(`missing ${k}`) },
        });
    }

    /** The requests the emulator saw, as `METHOD path status`. */
    seen = (): string[] => requestLines(this.emulator);

    /** Runs an operation expected to fail and returns its error, kept for the leak scan under `label` (what failed). */
    async failure<P = Record<string, unknown>>(op: Promise<unknown>, label = "operation"): Promise<Failure<P>> {
        const error = await op.then(
            () => assert.fail(`expected the ${label} to fail`),
            (e: unknown) => e as Failure<P>,
        );
        this.failures.push(errorHaystack(`failure #${this.failures.length}: ${label}`, error));
        return error;
    }

    /** Runs an operation expected to fail and returns its message; the error is kept for the leak scan. */
    async message(op: Promise<unknown>): Promise<string> {
        return (await this.failure(op)).message;
    }

    /** Forgets the hooks and closes the emulator (for `afterEach`). */
    async close(): Promise<void> {
        impl.setTestHooks({});
        await this.emulator?.close();
    }

    /** Scans every kept error (string form, stack, own properties) for the secrets (for `after`). */
    assertNoLeaks(secrets: readonly SecretSpec[], what = "error"): void {
        assertNoLeaks(this.failures, secrets, what);
    }
}
