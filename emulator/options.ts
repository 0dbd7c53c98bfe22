/**
 * The options the HTTP layer and every room share (address, key, routes, rate limit, regions, clock, sleep, log, TLS),
 * their defaults and checks, and the helpers each room's options/ file checks its own with. Names no resource: each
 * room declares and resolves its own options, and emulator.ts composes them into `EmulatorOptions`.
 */
import type { RateLimitOptions } from "./faults";

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

/** The options of `startEmulator` that the server and every room read. */
export interface ServerOptions {
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
     * The organisation's initial default region: `PATCH /properties` changes it for what is created later.
     * @default "us-west"
     */
    readonly defaultRegion?: string | undefined;
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

/** The limit of the HTTP layer: the size of a request. */
export interface ServerLimits {
    /**
     * Largest request body, in bytes; larger bodies get 413.
     * @default 1048576
     */
    readonly maxBodyBytes: number;
}

/** The default limit of the HTTP layer. @internal */
export const DEFAULT_SERVER_LIMITS: ServerLimits = Object.freeze({ maxBodyBytes: 1024 * 1024 });

/** {@link ServerOptions} with defaults applied and checked. @internal */
export interface ResolvedServerOptions {
    readonly apiKey: string;
    readonly host: string;
    readonly port: number;
    readonly bareRouteNotFound: boolean;
    readonly rateLimit: RateLimitOptions | undefined;
    readonly regions: readonly Region[];
    readonly defaultRegion: string;
    readonly limits: ServerLimits;
    readonly now: () => number;
    readonly sleep: ((ms: number) => Promise<void>) | undefined;
    readonly log: ((line: string) => void) | undefined;
    readonly tls: EmulatorTlsOptions | undefined;
}

/** Throws the `TypeError` that names an option and what it must be, unless `condition` holds. @internal */
export function checkOption(condition: boolean, option: string, requirement: string): void {
    if (!condition) throw new TypeError(`EmulatorOptions.${option} ${requirement}`);
}

/** @internal */
export function isNonNegativeNumber(n: number): boolean {
    return Number.isFinite(n) && n >= 0;
}

/** @internal */
export function isPositiveInteger(n: number): boolean {
    return Number.isInteger(n) && n >= 1;
}

/** Who may connect and where: `apiKey`, `host`, `port`. Checked first. @internal */
export function resolveAccess(options: ServerOptions): Pick<ResolvedServerOptions, "apiKey" | "host" | "port"> {
    const apiKey = options.apiKey ?? DEFAULT_API_KEY;
    checkOption(apiKey.length > 0, "apiKey", "must not be empty");

    const port = options.port ?? 0;
    checkOption(Number.isInteger(port) && port >= 0 && port <= 65535, "port", "must be an integer from 0 to 65535");
    return { apiKey, host: options.host ?? DEFAULT_HOST, port };
}

/**
 * How it serves: routes, rate limit, regions, the limits (those of every room, given with their defaults: each must be
 * a positive integer), clock, sleep, log and TLS. Checked after the rooms' options. @internal
 */
export function resolveServing<L extends ServerLimits>(
    options: ServerOptions,
    limits: Partial<L> | undefined,
    defaultLimits: L,
): Omit<ResolvedServerOptions, "apiKey" | "host" | "port" | "limits"> & { readonly limits: L } {
    const bareRouteNotFound = options.bareRouteNotFound ?? false;
    checkOption(typeof bareRouteNotFound === "boolean", "bareRouteNotFound", "must be true or false");

    if (options.rateLimit !== undefined) {
        checkOption(isPositiveInteger(options.rateLimit.requestsPerSecond), "rateLimit.requestsPerSecond", "must be a positive integer");
    }

    const codes = options.regions ?? DEFAULT_REGIONS;
    checkOption(codes.length > 0, "regions", "must name at least one region");
    checkOption(new Set(codes).size === codes.length, "regions", "must not repeat a region");
    checkOption(
        codes.every((c) => c.length > 0),
        "regions",
        "must not contain an empty region code",
    );
    const defaultRegion = options.defaultRegion ?? (codes.includes(DEFAULT_REGION) ? DEFAULT_REGION : (codes[0] ?? ""));
    checkOption(codes.includes(defaultRegion), "defaultRegion", `must be one of regions (${codes.join(", ")})`);

    const resolvedLimits: L = { ...defaultLimits, ...definedOnly(limits ?? {}) };
    for (const [name, value] of Object.entries(resolvedLimits)) {
        checkOption(isPositiveInteger(value), `limits.${name}`, "must be a positive integer");
    }

    checkOption(options.sleep === undefined || typeof options.sleep === "function", "sleep", "must be a function (ms) => Promise<void>");

    if (options.tls !== undefined) {
        checkOption(isPem(options.tls.key), "tls.key", "must be a PEM private key (string or Buffer)");
        checkOption(isPem(options.tls.cert), "tls.cert", "must be a PEM certificate (string or Buffer)");
    }

    return {
        bareRouteNotFound,
        rateLimit: options.rateLimit,
        regions: codes.map((code) => ({ code, displayName: DISPLAY_NAMES[code] ?? code })),
        defaultRegion,
        limits: resolvedLimits,
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
