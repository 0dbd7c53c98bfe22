/**
 * Reading one answer of the API, whatever the resource: a 2xx body against its schema, the API's own
 * `error` and `code` of an error answer, and a 404 of a request by name, kept as said until the list
 * confirms that the name is gone (`Transport.confirmGone`). Pure: no request is sent here.
 */
import type { AxiosResponse } from "axios";
import { z } from "zod";

export type Method = "GET" | "PUT" | "POST" | "PATCH" | "DELETE";

/** An answer as the transport hands it over: the body is text, parsed here. */
export type Response = AxiosResponse<string>;

const errorBody = z.looseObject({ error: z.string().optional(), code: z.string().optional() });
const deleteResponse = z.looseObject({ status: z.string().optional() });

/**
 * Parses a 2xx body against its schema; throws (caught by the transport) when it does not fit.
 * Non-2xx answers return undefined. `emptyOk`: older servers may answer a PUT with no body.
 */
export function parseJson<T>(res: Response, schema: z.ZodType<T>, emptyOk: boolean): T | undefined {
    if (res.status < 200 || res.status >= 300) return undefined;
    const text = typeof res.data === "string" ? res.data : "";
    if (text.trim() === "" && emptyOk) return schema.parse({});
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch {
        throw new Error("not JSON");
    }
    const parsed = schema.safeParse(json, { reportInput: false });
    if (!parsed.success) {
        throw new Error(`unexpected shape at ${parsed.error.issues.map((i) => i.path.join(".") || "(root)").join(", ")}`);
    }
    return parsed.data;
}

/** The API's own `error` and `code` fields of an answer, when its body is the API's JSON. */
export function apiError(res: Response): { error: string | undefined; code: string | undefined } {
    try {
        const parsed = errorBody.safeParse(JSON.parse(typeof res.data === "string" ? res.data : ""));
        if (parsed.success) return { error: parsed.data.error, code: parsed.data.code };
    } catch {
        // Not JSON (a proxy's error page, say): the status alone must do.
    }
    return { error: undefined, code: undefined };
}

/** A 404 of a request by name, as said: whether the name is gone is the list's to say (`confirmGone`). */
export interface Missing {
    readonly missing: true;
    readonly method: Method;
    readonly path: string;
    readonly error: string | undefined;
    readonly code: string | undefined;
}

export function missing(res: Response, method: Method, path: string): Missing {
    return { missing: true, method, path, ...apiError(res) };
}

export function isMissing<T>(value: T | Missing): value is Missing {
    return typeof value === "object" && value !== null && (value as Partial<Missing>).missing === true;
}

/** The answer to a DELETE: a 2xx page that is not the API's (a proxy's, say) is no proof of deletion, so it is retried. */
export function deleted(res: Response): "deleted" | undefined {
    return parseJson(res, deleteResponse, true) === undefined ? undefined : "deleted";
}
