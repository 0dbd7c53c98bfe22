/**
 * What every resource's implementation shares inside one provider process: the settings read by
 * `configure`, the one API client (so a Retry-After or a rate limit slows the whole run), and the
 * test hooks.
 *
 * The engine runs every dynamic resource of a stack in one provider process and configures each
 * serialized provider once, so SecretSet and Agent both call `configure` here with the same config.
 */
import type { RetryPolicy, Transport } from "./api/transport";
import { UNKNOWN, dropUndefined } from "./inputs";
import { type ConfigSource, type Settings, requireApiKey, resolveSettings } from "./settings";

/** Overrides for tests: a recorded sleep, a fake clock and fixed dice instead of real waits. @internal */
export interface TestHooks {
    readonly sleep?: (ms: number) => Promise<void>;
    readonly now?: () => number;
    readonly random?: () => number;
    readonly retry?: Partial<RetryPolicy>;
}

let settings: Settings | undefined;
let client: Transport | undefined;
let hooks: TestHooks = {};
const resetters: (() => void)[] = [];

/**
 * Reads `pipecat:*` stack config, falling back to environment variables. Each resource's provider is
 * configured with the same config: only a change of settings starts a new client (and rate limit), and
 * what was read with the old one is read again (`organization/regions.ts`).
 */
export function configure(config: ConfigSource | undefined): void {
    const next = resolveSettings(config);
    if (settings !== undefined && fingerprint(settings) === fingerprint(next)) return;
    settings = next;
    client = undefined;
}

function fingerprint(s: Settings): string {
    return JSON.stringify({ ...s, adopt: [...s.adopt].sort() });
}

/** Installs test hooks and forgets everything a process remembers (each resource's too). @internal */
export function setTestHooks(next: TestHooks): void {
    hooks = next;
    client = undefined;
    for (const reset of resetters) reset();
}

/** Registers what a resource's implementation remembers per process, to be forgotten with the test hooks. @internal */
export function onReset(reset: () => void): void {
    resetters.push(reset);
}

/** The test hooks in force. @internal */
export function testHooks(): TestHooks {
    return hooks;
}

export function currentSettings(): Settings {
    // An engine that never calls configure still gets the environment variables.
    settings ??= resolveSettings(undefined);
    return settings;
}

/** One client per provider process, so a Retry-After slows every resource of the run. */
export function api(): Transport {
    if (client === undefined) {
        const s = currentSettings();
        // Loaded on first use: check and diff (all a preview runs) never need axios, whose load would
        // otherwise delay the first check of every preview by about 50 ms.
        const { Transport } = require("./api/transport") as typeof import("./api/transport");
        client = new Transport({ apiUrl: s.apiUrl, apiKey: requireApiKey(s), timeoutMs: s.requestTimeoutMs, ...hooks });
    }
    return client;
}

/**
 * Where a resource lived, as its last diff in this process saw it. A replacement's `check` gets no old
 * inputs (the engine checks the new resource afresh), so without this a replacement would be created
 * in the organisation's default region rather than where the old one was. Keyed by resource kind and
 * the resource's declared name, or its autoname prefix (the resource name) when autonamed.
 */
export interface Place {
    readonly name: string | undefined;
    readonly region: string | undefined;
}

const places = new Map<string, Place>();
/** `<kind>:<name>` of each resource that a replacement in this run creates again under the same name. */
const recreated = new Set<string>();
onReset(() => {
    places.clear();
    recreated.clear();
});

/** What names a resource: its declared name, or its autoname prefix. */
type Named = { readonly name?: unknown; readonly autonamePrefix?: unknown };

function placeKey(kind: string, props: Named): string | undefined {
    if (typeof props.autonamePrefix === "string") return `${kind}:prefix:${props.autonamePrefix}`;
    const name = props.name;
    return typeof name === "string" && name !== UNKNOWN ? `${kind}:name:${name}` : undefined;
}

/**
 * Called by every diff, and by every delete: the old resource's name and region, in case the engine
 * replaces it. `pulumi up --replace` asks no diff and checks no replacement; when it deletes first, the
 * old resource's delete runs in this process before the create, which then finds the place by name.
 */
export function rememberPlace(kind: string, news: Named, place: Place): void {
    const key = placeKey(kind, news);
    if (key !== undefined) places.set(key, place);
}

/**
 * The place of the resource that these inputs replace, if a diff or a delete of this run saw one: taken
 * once, by the replacement's `check`, or by its `create` (after a delete, when no check came between).
 */
export function replacedPlace(kind: string, news: Named): Place | undefined {
    const key = placeKey(kind, news);
    const place = key === undefined ? undefined : places.get(key);
    if (key !== undefined) places.delete(key);
    return place;
}

/** Notes that a replacement creates `name` again: its old half's delete may then remove what others still use. */
export function markRecreated(kind: string, name: string): void {
    recreated.add(`${kind}:${name}`);
}

export function isRecreated(kind: string, name: string): boolean {
    return recreated.has(`${kind}:${name}`);
}

/**
 * Turns an error after a change that was applied (a write accepted, its wait failed) into what the
 * dynamic-provider host reports as a partly applied change: an error with `id` and `properties`
 * becomes an initialization error, the engine keeps `outs` as the new state, and the next `up` tries
 * again; a program reverted meanwhile is then a change, not "unchanged". The host does not add the
 * serialized provider to these properties itself: without it a later delete could not run.
 */
export function partlyApplied<E extends Error>(e: E, id: string, outs: object, raw: object): E {
    Object.assign(e, { id, properties: dropUndefined({ ...outs, [PROVIDER_KEY]: Reflect.get(raw, PROVIDER_KEY) as unknown }) });
    // What the engine shows for an initialization error: the message as it finally is (redacted, with its advice).
    return Object.defineProperty(e, "reasons", { get: () => [e.message], enumerable: true });
}

/** Pulumi adds the serialized provider to every input and output under this key. */
const PROVIDER_KEY = "__provider";

/** A resource's properties without the serialized provider, which no implementation reads. */
export function withoutProvider<T extends object>(props: T): T {
    const { [PROVIDER_KEY]: _provider, ...rest } = props as T & { readonly [PROVIDER_KEY]?: unknown };
    return rest as T;
}

/** Properties as the engine sent them to `check`, not yet checked: every value is unknown until the schema says otherwise. */
export function unchecked(props: object): Readonly<Record<string, unknown>> {
    return withoutProvider(props as Readonly<Record<string, unknown>>);
}

/**
 * What `read` answers for a resource it found: its outputs as complete as the API's answer and the state
 * made them (`get` reads with no state, so a field the API leaves out is missing).
 */
export function found<Outputs>(id: string, props: object): { readonly id: string; readonly props: Outputs } {
    return { id, props: props as Outputs };
}

/** What `read` answers for a resource that is gone: an empty id, which the engine takes off the state (the props are not read). */
export function gone<Outputs>(): { readonly id: string; readonly props: Outputs } {
    return { id: "", props: {} as Outputs };
}

/** How to wait: the test hook's, or a real timer. */
export function sleep(ms: number): Promise<void> {
    return hooks.sleep ? hooks.sleep(ms) : new Promise<void>((r) => setTimeout(r, ms));
}

export function now(): number {
    return (hooks.now ?? Date.now)();
}
