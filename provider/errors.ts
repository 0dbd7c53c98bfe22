/**
 * Errors raised by the provider. Three kinds are kept apart (invalid inputs are `check` failures,
 * not exceptions): a call the API answered with an error, a response of an unexpected shape, and
 * a request that never got an answer. Each carries data (status, method, path, set) and a message
 * that says what to do; none ever contains a secret value or the API key.
 *
 * The provider is serialized and reloaded in another process, so `instanceof` may see two copies
 * of a class: the `is…` guards check a brand instead.
 */

const brand = Symbol.for("pulumi-pipecat-secrets:error");

/** What the provider was doing when a call failed, as said in messages. */
export type Step =
    | "existence check"
    | "create"
    | "update"
    | "key deletion"
    | "delete"
    | "read"
    | "readiness check"
    | "region check"
    | "adoption"
    | "deployment check";

/** Base class of every error this package throws. Its message says what to do, and never holds a secret value or the API key. */
export class PipecatError extends Error {
    /** Marks this package's errors, also across two copies of the class (what `isPipecatError` checks). */
    readonly [brand] = true;
    /** The class's name (`"PipecatError"` here, the subclass's own in each subclass): what the `is…` guards compare. */
    override name = "PipecatError";
}

/** The API answered with an HTTP error status. */
export class PipecatApiError extends PipecatError {
    /** `"PipecatApiError"`. */
    override name = "PipecatApiError";
    /** Made by the provider's API client; a program only reads these. */
    constructor(
        message: string,
        /** The HTTP status of the answer. */
        readonly status: number,
        /** The request's method (`GET`, `PUT`, `POST` or `DELETE`). */
        readonly method: string,
        /** The request's path under the API URL, for example `/secrets/voice-secrets`. */
        readonly path: string,
        /** The API's own `code` field (informational: the live codes drift from the docs). */
        readonly code: string | undefined,
        /** The API's own `error` field. */
        readonly apiMessage: string | undefined,
    ) {
        super(message);
    }
}

/** The API answered 2xx with a body this provider does not understand. */
export class UnexpectedResponseError extends PipecatError {
    /** `"UnexpectedResponseError"`. */
    override name = "UnexpectedResponseError";
    /** Made by the provider's API client; a program only reads these. */
    constructor(
        message: string,
        /** The request's method. */
        readonly method: string,
        /** The request's path under the API URL. */
        readonly path: string,
    ) {
        super(message);
    }
}

/** No usable answer: connection refused or dropped, or the per-request timeout elapsed. */
export class NetworkError extends PipecatError {
    /** `"NetworkError"`. */
    override name = "NetworkError";
    /** Made by the provider's API client; a program only reads these. */
    constructor(
        message: string,
        /** The request's method. */
        readonly method: string,
        /** The request's path under the API URL. */
        readonly path: string,
        /** Why no answer came: `timed out`, a Node.js error code such as `ECONNREFUSED`, or what the proxy answered. */
        readonly reason: string,
    ) {
        super(message);
    }
}

/**
 * The proxy that carries the request failed it: not reached, or it refused to open the tunnel to the API
 * (`status`, its answer to the CONNECT; the proxy's own text is never quoted). The request never reached
 * Pipecat Cloud. `proxy` is the proxy's URL with any credentials hidden.
 */
export class ProxyError extends NetworkError {
    /** `"ProxyError"`. */
    override name = "ProxyError";
    /** Whether an earlier attempt of the same call may have reached the API (this one did not). */
    mayHaveApplied = false;
    /** Made by the provider's API client; a program only reads these. */
    constructor(
        message: string,
        method: string,
        path: string,
        reason: string,
        /** The variable the proxy came from (`HTTPS_PROXY`, `https_proxy`, ...). */
        readonly variable: string,
        /** The proxy's URL, with any credentials in it hidden. */
        readonly proxy: string,
        /** The proxy's answer to the CONNECT, when it answered (undefined when it was not reached). */
        readonly status: number | undefined,
    ) {
        super(message, method, path, reason);
    }
}

/** The provider's own settings (credentials, URL, timeouts) are unusable. */
export class ConfigurationError extends PipecatError {
    /** `"ConfigurationError"`. */
    override name = "ConfigurationError";
}

/** A set did not become ready: provisioning failed, or the wait bound elapsed (`timedOut`). */
export class ReadinessError extends PipecatError {
    /** `"ReadinessError"`. */
    override name = "ReadinessError";
    /** Whether the wait bound (`pipecat:readyTimeoutSeconds`) elapsed, rather than provisioning failing. */
    readonly timedOut: boolean;
    /** Key names the last readiness check found (regular sets). */
    readonly keys: readonly string[] | undefined;
    /** Made by the provider's readiness wait; a program only reads these. */
    constructor(message: string, options: { readonly timedOut?: boolean; readonly keys?: readonly string[] | undefined } = {}) {
        super(message);
        this.timedOut = options.timedOut === true;
        this.keys = options.keys;
    }
}

/** An agent's deployment failed, crash-looped, or did not complete within `pipecat:deployTimeoutSeconds`. */
export class DeploymentError extends PipecatError {
    /** `"DeploymentError"`. */
    override name = "DeploymentError";
    /** Whether `pipecat:deployTimeoutSeconds` elapsed, rather than the deployment failing. */
    readonly timedOut: boolean;
    /** Made by the provider's deployment wait; a program only reads these. */
    constructor(message: string, options: { readonly timedOut?: boolean } = {}) {
        super(message);
        this.timedOut = options.timedOut === true;
    }
}

/** Whether `e` is an error of this package, also one made by another copy of it (the provider process loads its own). */
export function isPipecatError(e: unknown): e is PipecatError {
    return typeof e === "object" && e !== null && (e as { [brand]?: unknown })[brand] === true;
}

/** Whether `e` is this package's `PipecatApiError` (the API answered with an error status), by name rather than `instanceof`. */
export function isPipecatApiError(e: unknown): e is PipecatApiError {
    return isPipecatError(e) && e.name === "PipecatApiError";
}

/** Whether `e` is this package's `ProxyError` (the proxy failed the request), by name rather than `instanceof`. */
export function isProxyError(e: unknown): e is ProxyError {
    return isPipecatError(e) && e.name === "ProxyError";
}

/** Whether `e` is this package's `ConfigurationError`, by name rather than `instanceof`. */
export function isConfigurationError(e: unknown): e is ConfigurationError {
    return isPipecatError(e) && e.name === "ConfigurationError";
}

/** What followed a failure, and what to do next: the parts `told` adds to the cause's own message. */
export interface Aftermath {
    /** What happened after the cause: what a rollback left behind, how long the provider retried. */
    readonly outcome?: string | undefined;
    /** What to do next. */
    readonly next?: string | undefined;
}

/**
 * A failure told in full, made here once from its parts: the cause's own message (what failed, and why),
 * then the outcome, then what to do next. The error stays of the cause's kind with all its fields
 * (status, path, `timedOut`, ...), so the guards and a program's checks see what they saw; the cause
 * itself is left as it was, and never read for its stack (which would write its text out unredacted).
 */
export function told<E extends Error>(cause: E, aftermath: Aftermath): E {
    const text = [cause.message, aftermath.outcome, aftermath.next].filter((p) => p !== undefined && p !== "").join(" ");
    const error = Object.assign(Object.create(Object.getPrototypeOf(cause) as object) as E, cause);
    Object.defineProperty(error, "message", { value: text, writable: true, configurable: true, enumerable: false });
    // A stack of its own, written out only when read: the text it starts with is then the final one
    // (redacted by the guards), never the cause's as it was made.
    Error.captureStackTrace(error, told);
    return error;
}

/**
 * Replaces every occurrence of the given secret values in a text: as given, base64-encoded, and
 * JSON-escaped (a server that quotes a request body escapes quotes, backslashes and newlines).
 * Defence in depth for messages that quote the API: the server never should echo a value, but if
 * it ever did, the value would stop here. A value shorter than 4 characters is replaced only where
 * it stands alone (not inside a longer word), so that the rest of the message stays readable.
 */
export function redact(text: string, secrets: readonly string[]): string {
    let out = text;
    // Longest first, so that a value containing another is replaced whole.
    const forms = new Set<string>();
    for (const s of secrets) {
        if (s.length === 0) continue;
        forms.add(s);
        forms.add(Buffer.from(s, "utf8").toString("base64"));
        forms.add(JSON.stringify(s).slice(1, -1));
    }
    for (const form of [...forms].sort((a, b) => b.length - a.length)) {
        if (form.length >= 4) {
            out = out.split(form).join("[secret]");
        } else {
            const escaped = form.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
            out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, "gu"), "[secret]");
        }
    }
    return out;
}
