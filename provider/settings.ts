/**
 * Where the provider's settings come from: stack config (`pipecat:*`, read in `configure`) first,
 * then environment variables, then defaults. Resolved once by `resolveSettings`, whose messages
 * name the setting to fix. The API key lives only in the provider process: it is never an input,
 * an output, or part of the serialized provider.
 */
import { ConfigurationError } from "./errors";
import { isLoopbackHost } from "./api/proxy";
import { DEFAULT_API_URL } from "./api/url";

export { DEFAULT_API_URL };

/** Settings of the provider process. */
export interface Settings {
    /** Private API key; undefined until an operation that needs the network complains. */
    readonly apiKey: string | undefined;
    readonly apiUrl: string;
    /** Per-request timeout. @default 30 s */
    readonly requestTimeoutMs: number;
    /** How long create and update wait for a set to become ready (and an agent's deploy for its sets). @default 300 s */
    readonly readyTimeoutMs: number;
    /** How long an agent's create and update wait for its deployment to complete. @default 600 s, as Pipecat's CLI */
    readonly deployTimeoutMs: number;
    /** How long a Build's create waits for its upload and for the build to finish. @default 600 s, as Pipecat's CLI and deploy action */
    readonly buildTimeoutMs: number;
    /**
     * Set names that create may take over as if they declared `adopt: true`, for recovering from an
     * interrupted `pulumi up` (its pending creates) without editing the program; "*" means any. @default none
     */
    readonly adopt: ReadonlySet<string>;
    /**
     * How new image-pull credentials reach Pipecat Cloud: `replace` (delete, then create; the API as first
     * documented refuses updates) or `in-place` (one PUT of the full body; the API since 2026-03-06). @default "replace"
     */
    readonly imagePullUpdates: ImagePullUpdates;
}

export type ImagePullUpdates = "replace" | "in-place";

/** Reads one setting; `configure` hands the provider something with this shape. */
export interface ConfigSource {
    get(key: string): string | undefined;
}

const SOURCES = {
    apiKey: { config: "pipecat:apiKey", env: "PIPECAT_API_KEY" },
    apiUrl: { config: "pipecat:apiUrl", env: "PIPECAT_API_URL" },
    requestTimeout: { config: "pipecat:requestTimeoutSeconds", env: "PIPECAT_REQUEST_TIMEOUT_SECONDS" },
    readyTimeout: { config: "pipecat:readyTimeoutSeconds", env: "PIPECAT_READY_TIMEOUT_SECONDS" },
    deployTimeout: { config: "pipecat:deployTimeoutSeconds", env: "PIPECAT_DEPLOY_TIMEOUT_SECONDS" },
    adopt: { config: "pipecat:adopt", env: "PIPECAT_ADOPT" },
    imagePullUpdates: { config: "pipecat:imagePullUpdates", env: "PIPECAT_IMAGE_PULL_UPDATES" },
    buildTimeout: { config: "pipecat:buildTimeoutSeconds", env: "PIPECAT_BUILD_TIMEOUT_SECONDS" },
} as const;

function read(config: ConfigSource | undefined, env: NodeJS.ProcessEnv, which: keyof typeof SOURCES): string | undefined {
    const source = SOURCES[which];
    const value = config?.get(source.config) ?? env[source.env];
    return value === undefined || value === "" ? undefined : value;
}

function seconds(
    config: ConfigSource | undefined,
    env: NodeJS.ProcessEnv,
    which: "requestTimeout" | "readyTimeout" | "deployTimeout" | "buildTimeout",
    fallback: number,
): number {
    const raw = read(config, env, which);
    if (raw === undefined) return fallback * 1000;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) {
        const s = SOURCES[which];
        throw new ConfigurationError(`${s.config} (or ${s.env}) must be a positive number of seconds, got "${raw}".`);
    }
    return n * 1000;
}

/** Validates the API URL: https anywhere, plain http only to this machine (the emulator). */
export function normalizeApiUrl(raw: string): string {
    let url: URL;
    try {
        url = new URL(raw);
    } catch {
        throw new ConfigurationError(`pipecat:apiUrl (or PIPECAT_API_URL) is not a URL: "${raw}". Use for example ${DEFAULT_API_URL}.`);
    }
    if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
        throw new ConfigurationError(
            `Refusing to send the Pipecat API key over plain http to ${url.host}: use an https:// URL ` +
                `(plain http is allowed only for loopback addresses such as a local emulator).`,
        );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new ConfigurationError(`pipecat:apiUrl (or PIPECAT_API_URL) must be an http(s) URL, got "${url.protocol}".`);
    }
    return url.toString().replace(/\/+$/, "");
}

/**
 * `pipecat:imagePullUpdates`, validated. Read by the provider (update, diff) and by the resource in the
 * program (its `replaceOnChanges`), from the same stack config or environment.
 */
export function imagePullUpdates(config: ConfigSource | undefined, env: NodeJS.ProcessEnv = process.env): ImagePullUpdates {
    const raw = read(config, env, "imagePullUpdates");
    if (raw === undefined || raw === "replace" || raw === "in-place") return raw ?? "replace";
    const s = SOURCES.imagePullUpdates;
    throw new ConfigurationError(`${s.config} (or ${s.env}) must be "replace" or "in-place", got "${raw}".`);
}

/**
 * `pipecat:adopt` and `PIPECAT_ADOPT` combine: the recovery steps set the variable for one run, and
 * a name kept in stack config must not be silently dropped by it (or the other way round).
 */
function adoptNames(config: ConfigSource | undefined, env: NodeJS.ProcessEnv): ReadonlySet<string> {
    const lists = [config?.get(SOURCES.adopt.config), env[SOURCES.adopt.env]];
    return new Set(
        lists
            .flatMap((list) => (list ?? "").split(","))
            .map((n) => n.trim())
            .filter((n) => n !== ""),
    );
}

export function resolveSettings(config?: ConfigSource, env: NodeJS.ProcessEnv = process.env): Settings {
    return {
        apiKey: read(config, env, "apiKey"),
        apiUrl: normalizeApiUrl(read(config, env, "apiUrl") ?? DEFAULT_API_URL),
        requestTimeoutMs: seconds(config, env, "requestTimeout", 30),
        readyTimeoutMs: seconds(config, env, "readyTimeout", 300),
        deployTimeoutMs: seconds(config, env, "deployTimeout", 600),
        buildTimeoutMs: seconds(config, env, "buildTimeout", 600),
        adopt: adoptNames(config, env),
        imagePullUpdates: imagePullUpdates(config, env),
    };
}

/** The key, or an error that says exactly how to provide it. */
export function requireApiKey(settings: Settings): string {
    if (settings.apiKey === undefined) {
        throw new ConfigurationError(
            "No Pipecat Cloud API key: run `pulumi config set --secret pipecat:apiKey <private key>` " +
                "or set PIPECAT_API_KEY (a Private key from the Pipecat Cloud dashboard, Settings > API Keys).",
        );
    }
    return settings.apiKey;
}
