/**
 * What every resource's implementation shares inside one provider process: the settings read by
 * `configure`, the one API client (so a Retry-After or a rate limit slows the whole run), the
 * organisation's regions, and the test hooks.
 *
 * The engine runs every dynamic resource of a stack in one provider process and configures each
 * serialized provider once, so SecretSet and Agent both call `configure` here with the same config.
 */
import type { CallContext, PipecatClient, RetryPolicy } from "./api/client";
import { type ConfigSource, type Settings, requireApiKey, resolveSettings } from "./settings";

/** Overrides for tests: a recorded sleep, a fake clock and fixed dice instead of real waits. @internal */
export interface TestHooks {
    readonly sleep?: (ms: number) => Promise<void>;
    readonly now?: () => number;
    readonly random?: () => number;
    readonly retry?: Partial<RetryPolicy>;
}

let settings: Settings | undefined;
let client: PipecatClient | undefined;
let hooks: TestHooks = {};
/** The organisation's regions, fetched once per process when a declared region must be checked. */
let regions: Promise<string[]> | undefined;
const resetters: (() => void)[] = [];

/** Reads `pipecat:*` stack config, falling back to environment variables. */
export function configure(config: ConfigSource | undefined): void {
    settings = resolveSettings(config);
    client = undefined;
    regions = undefined;
}

/** Installs test hooks and forgets everything a process remembers (each resource's too). @internal */
export function setTestHooks(next: TestHooks): void {
    hooks = next;
    client = undefined;
    regions = undefined;
    for (const reset of resetters) reset();
}

/** Registers what a resource's implementation remembers per process, to be forgotten with the test hooks. @internal */
export function onReset(reset: () => void): void {
    resetters.push(reset);
}

export function testHooks(): TestHooks {
    return hooks;
}

export function currentSettings(): Settings {
    // An engine that never calls configure still gets the environment variables.
    settings ??= resolveSettings(undefined);
    return settings;
}

/** One client per provider process, so a Retry-After slows every resource of the run. */
export function api(): PipecatClient {
    if (client === undefined) {
        const s = currentSettings();
        // Loaded on first use: check and diff (all a preview runs) never need axios, whose load would
        // otherwise delay the first check of every preview by about 50 ms.
        const { PipecatClient } = require("./api/client") as typeof import("./api/client");
        client = new PipecatClient({ apiUrl: s.apiUrl, apiKey: requireApiKey(s), timeoutMs: s.requestTimeoutMs, ...hooks });
    }
    return client;
}

/** The organisation's region codes (`GET /regions`), once per process; a failed fetch is tried again next time. */
export async function organisationRegions(ctx: CallContext): Promise<string[]> {
    regions ??= api().regions(ctx);
    try {
        return await regions;
    } catch (e) {
        regions = undefined;
        throw e;
    }
}

/** How to wait: the test hook's, or a real timer. */
export function sleep(ms: number): Promise<void> {
    return hooks.sleep ? hooks.sleep(ms) : new Promise<void>((r) => setTimeout(r, ms));
}

export function now(): number {
    return (hooks.now ?? Date.now)();
}
