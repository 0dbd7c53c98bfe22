/**
 * The context's upload: a presigned multipart POST to the storage service the upload URL names (S3 for
 * Pipecat Cloud, the emulator's `/storage/<bucket>` in tests), as the official clients send it: every field
 * in the order given, then the `file` part.
 *
 * It is not a Pipecat API call, so it does not go through the API transport: no `Authorization` header
 * (the presigned fields are the credential), no proxy of the API's, no request log. Node's own `fetch`
 * sends it, with the file as a Blob read from disk (`fs.openAsBlob`): streamed, with a known length. An
 * error says the storage service's status and S3 error code, never the fields or the URL's query.
 */
import * as fs from "node:fs";
import { PipecatError, redact } from "../errors";
import { isLoopbackHost } from "../api/proxy";
import type { UploadTarget } from "./endpoints";

/** How an upload runs: its bound (`pipecat:buildTimeoutSeconds`), and the session's clock and sleep. */
export interface UploadOptions {
    readonly timeoutMs: number;
    readonly now: () => number;
    readonly sleep: (ms: number) => Promise<void>;
    /** Injected for tests. @default globalThis.fetch */
    readonly fetch?: typeof fetch;
}

/** Attempts of one upload URL for a 5xx or no answer (the POST writes one object: sending it again is harmless). */
const ATTEMPTS = 3;

/** One POST's outcome. */
type Sent =
    { readonly ok: true } | { readonly ok: false; readonly error: PipecatError; readonly expired: boolean; readonly retryable: boolean };

/** The fields that carry the presigned credential: never quoted, even if the storage service echoed one. */
const SIGNED = /^(policy|signature|x-amz-signature|x-amz-credential|x-amz-security-token|awsaccesskeyid)$/i;

/** S3's words for a presigned POST whose policy expired. */
const POLICY_EXPIRED = /policy expired/i;

/**
 * Uploads `file` to a presigned target from `fresh` (`POST /builds/upload-url`). A target that expired, by
 * its `expiresAt` on the session's clock or by the storage service's 403, is replaced by one fresh target,
 * once. Returns the target the file reached (its `uploadId` names the upload to `POST /builds`).
 */
export async function uploadContext(file: string, fresh: () => Promise<UploadTarget>, options: UploadOptions): Promise<UploadTarget> {
    let target = await fresh();
    let renewed = false;
    if (pastExpiry(target, options.now())) {
        target = await fresh();
        renewed = true;
    }
    for (let attempt = 1; ; attempt++) {
        const sent = await post(file, target, options);
        if (sent.ok) return target;
        if (sent.expired && !renewed) {
            target = await fresh();
            renewed = true;
            attempt = 0;
            continue;
        }
        if (!sent.retryable || attempt >= ATTEMPTS) throw sent.error;
        await options.sleep(1000 * 2 ** (attempt - 1));
    }
}

function pastExpiry(target: UploadTarget, now: number): boolean {
    const at = Date.parse(target.expiresAt);
    return Number.isFinite(at) && at <= now;
}

/** Where the upload went, for messages: origin and path, never the query (a presigned URL may carry its signature there). */
function where(url: URL): string {
    return `${url.origin}${url.pathname}`;
}

async function post(file: string, target: UploadTarget, options: UploadOptions): Promise<Sent> {
    let url: URL;
    try {
        url = new URL(target.uploadUrl);
    } catch {
        return failed("Pipecat Cloud answered with an upload URL that is not a URL.", false);
    }
    if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
        return failed(
            `Pipecat Cloud answered with an upload URL to ${url.host} over ${url.protocol.slice(0, -1)}; the context is sent only over https ` +
                "(plain http only to this machine, as for the emulator), so nothing was uploaded.",
            false,
        );
    }
    const form = new FormData();
    for (const [name, value] of target.uploadFields) form.append(name, value);
    // A Blob backed by the file: fetch streams it from disk, and knows its length for Content-Length.
    form.append("file", await fs.openAsBlob(file, { type: "application/gzip" }), "context.tar.gz");
    const secrets = target.uploadFields.filter(([name]) => SIGNED.test(name)).map(([, v]) => v);
    let res: Response;
    try {
        res = await (options.fetch ?? fetch)(url, {
            method: "POST",
            body: form,
            redirect: "error",
            signal: AbortSignal.timeout(options.timeoutMs),
        });
    } catch (e) {
        const timedOut = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
        const reason = timedOut ? `it did not complete within pipecat:buildTimeoutSeconds (${options.timeoutMs / 1000})` : networkReason(e);
        return failed(`upload of the build context to the storage service at ${where(url)} failed: ${reason}.`, !timedOut, secrets);
    }
    const text = await res.text().catch(() => "");
    if (res.ok) return { ok: true };
    const code = xmlField(text, "Code");
    const said = xmlField(text, "Message");
    const expired = res.status === 403 && POLICY_EXPIRED.test(said ?? text);
    const head =
        `upload of the build context to the storage service at ${where(url)} failed: it answered ${res.status}` +
        `${code ? ` ${code}` : ""}${said ? ` ("${said}")` : ""}.`;
    return failed(`${head} ${uploadAdvice(res.status, code, expired)}`, res.status >= 500 || res.status === 429, secrets, expired);
}

function failed(message: string, retryable: boolean, secrets: readonly string[] = [], expired = false): Sent {
    return { ok: false, error: new PipecatError(redact(message, secrets)), expired, retryable };
}

/** One field of an S3 error document (`<Error><Code>…</Code><Message>…</Message>…`), unescaped, at most 300 characters. */
function xmlField(xml: string, field: "Code" | "Message"): string | undefined {
    const m = new RegExp(`<${field}>([^<]*)</${field}>`).exec(xml);
    if (m === null) return undefined;
    const text = (m[1] ?? "")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, "&")
        .trim();
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function uploadAdvice(status: number, code: string | undefined, expired: boolean): string {
    if (expired)
        return "The upload URL expired again after a fresh one was asked for: check this machine's clock, then run `pulumi up` again.";
    if (code === "EntityTooLarge")
        return "The context is larger than the storage service accepts: leave out what the image does not need with a .dockerignore.";
    if (status === 403)
        return "The storage service refused the presigned upload: run `pulumi up` again; if this persists, report it to Pipecat.";
    if (status >= 500) return "The storage service had a server error and the retries did not get through: run `pulumi up` again later.";
    return "Run `pulumi up` again; if this persists, report it to Pipecat.";
}

function networkReason(e: unknown): string {
    const cause = e instanceof Error ? (e as Error & { cause?: { code?: unknown } }).cause : undefined;
    const code = typeof cause?.code === "string" ? cause.code : undefined;
    return code === undefined ? "no answer" : `no answer (${code})`;
}
