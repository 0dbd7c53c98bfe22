/**
 * The emulator's options, their defaults, and the one function that validates them.
 */
import type { RateLimitOptions } from "./faults";
import type { DeployPhaseMs, ResolvedDeployPhaseMs } from "./agents/options";
import { DEFAULT_LIMITS, type EmulatorLimits } from "./secrets/rules";
import type { ImagePullUpdates } from "./secrets/options";

/** API key the emulator accepts when none is given. */
export const DEFAULT_API_KEY = "emulator-key";
/** Interface the emulator binds to when none is given. */
export const DEFAULT_HOST = "127.0.0.1";
/** The documented region codes. */
export const DEFAULT_REGIONS: readonly string[] = ["us-west", "us-east", "eu-central", "ap-south"];
/** The organisation's default region in the docs. */
export const DEFAULT_REGION = "us-west";

/** A region as `GET /regions` lists it. @internal */
export interface Region {
    /** Region code used in request bodies, e.g. `us-west`. */
    readonly code: string;
    /** Human-readable name. */
    readonly displayName: string;
}

// Display names are the emulator's wording; the docs list the codes only.
const DISPLAY_NAMES: Readonly<Record<string, string>> = {
    "us-west": "US West",
    "us-east": "US East",
    "eu-central": "EU Central",
    "ap-south": "AP South",
};

/** Options of {@link startEmulator}. Every field is optional. */
export interface EmulatorOptions {
    /**
     * The only API key accepted as `Authorization: Bearer <apiKey>`.
     * @default "emulator-key"
     */
    readonly apiKey?: string | undefined;
    /**
     * Interface to bind to.
     * @default "127.0.0.1"
     */
    readonly host?: string | undefined;
    /**
     * Port to listen on; 0 picks a free one (read it back from `emulator.port` or `emulator.url`).
     * @default 0
     */
    readonly port?: number | undefined;
    /**
     * How long a set stays `pending` after each successful change (PUT, key deletion) before it is `ready` (or
     * `failed`). 0 means ready at the next read.
     * @default 0
     */
    readonly readyAfterMs?: number | undefined;
    /**
     * Whether an image-pull PUT for an existing image-pull set is refused (the seed spec: 400 "Cannot update existing
     * image pull secrets. Delete and recreate instead.") or updates it in place (the docs since March 2026).
     * @default "refuse"
     */
    readonly imagePullUpdates?: ImagePullUpdates | undefined;
    /**
     * How long a new agent deployment stays in each phase: `Creating` for `creating` ms, then `Validating` for
     * `validating` ms, then `Active`. When it becomes `Active`, the deployment it replaces shows as `Draining` for
     * `draining` ms, then is gone. All 0 by default: a new deployment is `Active` at the next read.
     * @default { creating: 0, validating: 0, draining: 0 }
     */
    readonly deployPhaseMs?: DeployPhaseMs | undefined;
    /**
     * How long the teardown that `DELETE /agents/{name}` starts takes. 0: the agent is gone at once. Otherwise the
     * DELETE answers 200 at once, but the agent stays readable and listed (with `deletedAt`) for this long, `POST
     * /agents` with its name answers 400 `Service already exists` and an update 404 `Service not found` until the
     * teardown ends.
     * @default 0
     */
    readonly agentDeleteAfterMs?: number | undefined;
    /**
     * Answer an unknown route (a path outside `/v1`, say) with the bare 404 `{"error":"Not found","code":"NOT_FOUND"}`,
     * the same body as a missing agent, as a gateway or framework in front of an API may, instead of the emulator's
     * `Route not found: <METHOD> <path>`.
     * @default false
     */
    readonly bareRouteNotFound?: boolean | undefined;
    /** Answer 429 beyond this many requests in any 1-second window. @default no limit */
    readonly rateLimit?: RateLimitOptions | undefined;
    /**
     * Region codes the organisation has access to.
     * @default ["us-west", "us-east", "eu-central", "ap-south"]
     */
    readonly regions?: readonly string[] | undefined;
    /**
     * Region of sets and agents created without one; must be in `regions`.
     * @default "us-west"
     */
    readonly defaultRegion?: string | undefined;
    /** Size limits (the emulator's choices, not documented API limits). @default {@link DEFAULT_LIMITS} */
    readonly limits?: Partial<EmulatorLimits> | undefined;
    /**
     * Clock in milliseconds, for readiness and the rate-limit window; inject one to step time in tests.
     * @default Date.now
     */
    readonly now?: (() => number) | undefined;
    /**
     * How a fault's `delayMs` is waited for: the held request is handled (or answered) when the returned promise
     * resolves. Inject one to hold and release requests in tests without waiting in real time. After `close()` a
     * request whose wait ends is abandoned. @default a `setTimeout` of `ms`, cancelled by `close()`
     */
    readonly sleep?: ((ms: number) => Promise<void>) | undefined;
    /** Receives one line per request (method, path, status, duration; never bodies). @default no logging */
    readonly log?: ((line: string) => void) | undefined;
    /**
     * Serve HTTPS with this PEM key and certificate instead of plain HTTP (`url` then starts with `https://`), for
     * tests of TLS and of proxies, which tunnel only https. The client must trust the certificate (for Node:
     * `NODE_EXTRA_CA_CERTS`, or the `ca` of an agent). @default plain HTTP
     */
    readonly tls?: EmulatorTlsOptions | undefined;
}

/** PEM text (or its bytes) of the emulator's TLS key and certificate chain. */
export interface EmulatorTlsOptions {
    readonly key: string | Buffer;
    readonly cert: string | Buffer;
}

/** Options with defaults applied and checked. @internal */
export interface ResolvedOptions {
    readonly apiKey: string;
    readonly host: string;
    readonly port: number;
    readonly readyAfterMs: number;
    readonly imagePullUpdates: ImagePullUpdates;
    readonly deployPhaseMs: ResolvedDeployPhaseMs;
    readonly agentDeleteAfterMs: number;
    readonly bareRouteNotFound: boolean;
    readonly rateLimit: RateLimitOptions | undefined;
    readonly regions: readonly Region[];
    readonly defaultRegion: string;
    readonly limits: EmulatorLimits;
    readonly now: () => number;
    readonly sleep: ((ms: number) => Promise<void>) | undefined;
    readonly log: ((line: string) => void) | undefined;
    readonly tls: EmulatorTlsOptions | undefined;
}

function check(condition: boolean, option: string, requirement: string): void {
    if (!condition) throw new TypeError(`EmulatorOptions.${option} ${requirement}`);
}

function isNonNegativeNumber(n: number): boolean {
    return Number.isFinite(n) && n >= 0;
}

function isPositiveInteger(n: number): boolean {
    return Number.isInteger(n) && n >= 1;
}

/**
 * Applies defaults and validates; throws a `TypeError` whose message names the option and what it must be.
 * @internal
 */
export function normalizeOptions(options: EmulatorOptions = {}): ResolvedOptions {
    const apiKey = options.apiKey ?? DEFAULT_API_KEY;
    check(apiKey.length > 0, "apiKey", "must not be empty");

    const port = options.port ?? 0;
    check(Number.isInteger(port) && port >= 0 && port <= 65535, "port", "must be an integer from 0 to 65535");

    const readyAfterMs = options.readyAfterMs ?? 0;
    check(isNonNegativeNumber(readyAfterMs), "readyAfterMs", "must be a non-negative number of milliseconds");

    const imagePullUpdates = options.imagePullUpdates ?? "refuse";
    check(imagePullUpdates === "refuse" || imagePullUpdates === "accept", "imagePullUpdates", 'must be "refuse" or "accept"');

    const phases = options.deployPhaseMs ?? {};
    check(typeof phases === "object" && phases !== null, "deployPhaseMs", "must be an object { creating?, validating?, draining? }");
    const unknownPhase = Object.keys(phases).find((k) => !["creating", "validating", "draining"].includes(k));
    check(unknownPhase === undefined, "deployPhaseMs", `has no phase '${String(unknownPhase)}' (creating, validating, draining)`);
    const deployPhaseMs: ResolvedDeployPhaseMs = {
        creating: phases.creating ?? 0,
        validating: phases.validating ?? 0,
        draining: phases.draining ?? 0,
    };
    for (const [phase, ms] of Object.entries(deployPhaseMs)) {
        check(isNonNegativeNumber(ms), `deployPhaseMs.${phase}`, "must be a non-negative number of milliseconds");
    }

    const agentDeleteAfterMs = options.agentDeleteAfterMs ?? 0;
    check(isNonNegativeNumber(agentDeleteAfterMs), "agentDeleteAfterMs", "must be a non-negative number of milliseconds");

    const bareRouteNotFound = options.bareRouteNotFound ?? false;
    check(typeof bareRouteNotFound === "boolean", "bareRouteNotFound", "must be true or false");

    if (options.rateLimit !== undefined) {
        check(isPositiveInteger(options.rateLimit.requestsPerSecond), "rateLimit.requestsPerSecond", "must be a positive integer");
    }

    const codes = options.regions ?? DEFAULT_REGIONS;
    check(codes.length > 0, "regions", "must name at least one region");
    check(new Set(codes).size === codes.length, "regions", "must not repeat a region");
    check(
        codes.every((c) => c.length > 0),
        "regions",
        "must not contain an empty region code",
    );
    const defaultRegion = options.defaultRegion ?? (codes.includes(DEFAULT_REGION) ? DEFAULT_REGION : (codes[0] ?? ""));
    check(codes.includes(defaultRegion), "defaultRegion", `must be one of regions (${codes.join(", ")})`);

    const limits: EmulatorLimits = { ...DEFAULT_LIMITS, ...definedOnly(options.limits ?? {}) };
    for (const [name, value] of Object.entries(limits)) {
        check(isPositiveInteger(value), `limits.${name}`, "must be a positive integer");
    }

    check(options.sleep === undefined || typeof options.sleep === "function", "sleep", "must be a function (ms) => Promise<void>");

    if (options.tls !== undefined) {
        check(isPem(options.tls.key), "tls.key", "must be a PEM private key (string or Buffer)");
        check(isPem(options.tls.cert), "tls.cert", "must be a PEM certificate (string or Buffer)");
    }

    return {
        apiKey,
        host: options.host ?? DEFAULT_HOST,
        port,
        readyAfterMs,
        imagePullUpdates,
        deployPhaseMs,
        agentDeleteAfterMs,
        bareRouteNotFound,
        rateLimit: options.rateLimit,
        regions: codes.map((code) => ({ code, displayName: DISPLAY_NAMES[code] ?? code })),
        defaultRegion,
        limits,
        now: options.now ?? Date.now,
        sleep: options.sleep,
        log: options.log,
        tls: options.tls,
    };
}

function isPem(value: unknown): boolean {
    const text = Buffer.isBuffer(value) ? value.toString("latin1") : value;
    return typeof text === "string" && text.includes("-----BEGIN ");
}

function definedOnly<T extends object>(value: T): Partial<T> {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
