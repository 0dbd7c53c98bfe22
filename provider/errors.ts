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
    | "adoption";

/** Base class of every error this package throws. */
export class PipecatError extends Error {
    readonly [brand] = true;
    override name = "PipecatError";
}

/** The API answered with an HTTP error status. */
export class PipecatApiError extends PipecatError {
    override name = "PipecatApiError";
    constructor(
        message: string,
        readonly status: number,
        readonly method: string,
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
    override name = "UnexpectedResponseError";
    constructor(message: string, readonly method: string, readonly path: string) {
        super(message);
    }
}

/** No usable answer: connection refused or dropped, or the per-request timeout elapsed. */
export class NetworkError extends PipecatError {
    override name = "NetworkError";
    constructor(message: string, readonly method: string, readonly path: string, readonly reason: string) {
        super(message);
    }
}

/** The provider's own settings (credentials, URL, timeouts) are unusable. */
export class ConfigurationError extends PipecatError {
    override name = "ConfigurationError";
}

/** A set did not become ready: provisioning failed, or the wait bound elapsed. */
export class ReadinessError extends PipecatError {
    override name = "ReadinessError";
}

export function isPipecatError(e: unknown): e is PipecatError {
    return typeof e === "object" && e !== null && (e as { [brand]?: unknown })[brand] === true;
}

export function isPipecatApiError(e: unknown): e is PipecatApiError {
    return isPipecatError(e) && e.name === "PipecatApiError";
}

/**
 * Replaces every occurrence of the given secret values (and their base64 forms) in a text.
 * Defence in depth for messages that quote the API: the server never should echo a value, but if
 * it ever did, the value would stop here.
 */
export function redact(text: string, secrets: readonly string[]): string {
    let out = text;
    for (const s of secrets) {
        if (s.length < 4) continue; // too short to be told apart from ordinary words
        for (const form of [s, Buffer.from(s, "utf8").toString("base64")]) {
            out = out.split(form).join("[secret]");
        }
    }
    return out;
}
