/**
 * What every rule and store operation returns (a value or the API error to answer), and what every handler answers
 * (a status and a JSON body). Shared by the secrets and the agents rooms. No I/O.
 */
import { type ApiError, errorBody } from "./errors";

/** Result of a rule: the value, or the API error to answer. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiError };

/** @internal */
export function ok<T>(value: T): Outcome<T> {
    return { ok: true, value };
}

/** @internal */
export function fail<T = never>(error: ApiError): Outcome<T> {
    return { ok: false, error };
}

/** An answer to send: status and JSON body. @internal */
export interface Reply {
    readonly status: number;
    readonly body: unknown;
}

/** Turns an error into its reply. @internal */
export function errorReply(e: ApiError): Reply {
    return { status: e.status, body: errorBody(e) };
}

/** The reply for an outcome: `status` with `body(value)` on success, the error's reply otherwise. @internal */
export function reply<T>(outcome: Outcome<T>, status: number, body: (value: T) => unknown): Reply {
    return outcome.ok ? { status, body: body(outcome.value) } : errorReply(outcome.error);
}

/** A request body as the server read it: parsed JSON (`undefined` when empty), or not valid JSON. @internal */
export type RequestBody = { readonly valid: true; readonly value: unknown } | { readonly valid: false };

/**
 * A request whose body is bytes the room reads itself (the storage upload): the body, or `undefined` when it was
 * over the limit the room gave (then drained and dropped), and the headers as received (lower-case names). @internal
 */
export interface ByteRequest {
    readonly bytes: Buffer | undefined;
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** An answer that is not JSON (the storage service's XML, or no body): status, content type and text. @internal */
export interface RawReply {
    readonly status: number;
    /** `undefined` with an empty body (a 204). */
    readonly contentType: string | undefined;
    readonly text: string;
}
