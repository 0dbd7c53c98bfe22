/**
 * The HTTP layer: reads a request, applies the rate limit, authentication, routing and faults in that order, runs the
 * room's handler that emulator.ts wires in, writes JSON, records and logs. The only module here that touches sockets; it
 * imports no room.
 *
 * Log lines carry method, path, status and duration only. Bodies are never logged, and JSON parse errors are never
 * echoed (Node's messages quote the input, which may hold secret values).
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer, type Server as TlsServer } from "node:https";
import {
    type ApiError,
    agentNotFound,
    internalError,
    invalidRequest,
    payloadTooLarge,
    routeNotFound,
    tooManyRequests,
    unauthorized,
    errorBody,
    faultError,
    storageErrorXml,
    storageFaultError,
} from "./errors";
import type { Fault, FaultRules, RateLimiter } from "./faults";
import { type ByteRequest, errorReply, type RawReply, type Reply, type RequestBody } from "./outcome";
import type { ResolvedServerOptions } from "./options";
import type { RecordedRequest } from "./request-log";
import { matchRoute, needsApiKey, roomOf, type RouteMatch, takesBytes } from "./routes";

/**
 * Runs one matched request in the room that serves its route: the route and its path parameters, the body as read
 * and the query in, the status and JSON body to answer out. No I/O. @internal
 */
export type RoomHandler = (match: RouteMatch, body: RequestBody, query: URLSearchParams) => Reply;

/**
 * Runs a request whose body is bytes (a route {@link takesBytes}: the storage upload) in its room: the body read up
 * to `maxBodyBytes()` (beyond it, `bytes` is `undefined`) and the headers in, a raw answer out. @internal
 */
export interface BytesHandler {
    readonly maxBodyBytes: () => number;
    readonly handle: (match: RouteMatch, request: ByteRequest) => Promise<RawReply>;
}

/** What the HTTP layer works with. @internal */
export interface ServerDeps {
    readonly options: ResolvedServerOptions;
    /** The rooms, wired by the composition root (emulator.ts). */
    readonly handle: RoomHandler;
    /** The room that reads the routes whose body is bytes. */
    readonly handleBytes: BytesHandler;
    readonly faults: FaultRules;
    readonly rateLimiter: RateLimiter | undefined;
    readonly record: (request: RecordedRequest) => void;
}

/** A reply whose body is already text (an injected body is sent verbatim). */
interface Answer {
    readonly status: number;
    readonly text: string;
    readonly retryAfter?: number;
    /** @default JSON; `null`: no content type (an empty body) */
    readonly contentType?: string | null;
}

type ReadBody = { readonly tooLarge: false; readonly bytes: Buffer } | { readonly tooLarge: true };

/** The node:http (or, with `tls`, node:https) server plus a way to stop it that does not wait for idle keep-alive connections. @internal */
export interface EmulatorServer {
    readonly server: Server | TlsServer;
    stop(): Promise<void>;
}

/** @internal */
export function createEmulatorServer(deps: ServerDeps): EmulatorServer {
    const timers = new Set<NodeJS.Timeout>();
    let stopped = false;

    const realSleep = (ms: number): Promise<void> =>
        new Promise((resolve) => {
            // After stop() the timer is cleared and the request is abandoned with its (destroyed) socket.
            const timer = setTimeout(() => {
                timers.delete(timer);
                resolve();
            }, ms);
            timers.add(timer);
        });

    const sleep = deps.options.sleep ?? realSleep;
    const listener: RequestListener = (req, res) => {
        serve(deps, req, res, sleep, () => stopped).catch((err: unknown) => {
            deps.options.log?.(`internal error: ${err instanceof Error ? err.message : String(err)}`);
            if (!res.headersSent && !res.destroyed) send(res, jsonAnswer(errorReply(internalError())));
        });
    };
    const tls = deps.options.tls;
    const server = tls === undefined ? createServer(listener) : createTlsServer({ key: tls.key, cert: tls.cert }, listener);

    return {
        server,
        stop: () =>
            new Promise<void>((resolve) => {
                if (stopped) return resolve();
                stopped = true;
                for (const timer of timers) clearTimeout(timer);
                timers.clear();
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}

async function serve(
    deps: ServerDeps,
    req: IncomingMessage,
    res: ServerResponse,
    sleep: (ms: number) => Promise<void>,
    isStopped: () => boolean,
): Promise<void> {
    const { options, handle, faults, rateLimiter } = deps;
    const at = options.now();
    const startedMs = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    const { path, query } = splitUrl(req.url);
    const matched = matchRoute(method, path);
    const bytesRoute = typeof matched === "object" && takesBytes(matched.route);
    const raw = await readBody(req, bytesRoute ? deps.handleBytes.maxBodyBytes() : options.limits.maxBodyBytes);
    // A bytes route's body is its room's to read; it is never parsed, recorded or logged here.
    const parsed: RequestBody = bytesRoute
        ? { valid: true, value: undefined }
        : raw.tooLarge
          ? { valid: false }
          : parseJson(raw.bytes.toString("utf8"));

    let match: RouteMatch | undefined;
    let faulted = false;
    const finish = (answer: Answer | "dropped", note?: string): void => {
        if (isStopped()) return;
        const status = answer === "dropped" ? 0 : answer.status;
        if (answer === "dropped") res.destroy();
        else send(res, answer);
        deps.record({
            method,
            path,
            ...(match?.route === undefined ? {} : { route: match.route }),
            ...(match?.setName === undefined ? {} : { setName: match.setName }),
            ...(match?.agentName === undefined ? {} : { agentName: match.agentName }),
            status,
            ...(parsed.valid && parsed.value !== undefined ? { body: parsed.value } : {}),
            at,
            faulted,
        });
        const outcome = answer === "dropped" ? "dropped" : String(status);
        options.log?.(`${method} ${path} ${outcome} ${Date.now() - startedMs}ms${note === undefined ? "" : ` (${note})`}`);
    };

    if (rateLimiter !== undefined && !rateLimiter.allow()) {
        faulted = true;
        return finish({ ...jsonAnswer(errorReply(tooManyRequests())), retryAfter: 1 }, "rate limited");
    }
    const keyless = typeof matched === "object" && !needsApiKey(matched.route);
    if (!keyless && !isAuthorized(req.headers.authorization, options.apiKey)) return finish(errorAnswer(unauthorized()));

    if (matched === "not-found") return finish(errorAnswer(options.bareRouteNotFound ? agentNotFound() : routeNotFound(method, path)));
    if (matched === "bad-encoding") return finish(errorAnswer(invalidRequest("path is not valid percent-encoding")));
    match = matched;
    if (raw.tooLarge && !bytesRoute) return finish(errorAnswer(payloadTooLarge(options.limits.maxBodyBytes)));

    const run = async (): Promise<Answer> =>
        bytesRoute
            ? rawAnswer(await deps.handleBytes.handle(matched, { bytes: raw.tooLarge ? undefined : raw.bytes, headers: req.headers }))
            : jsonAnswer(handle(matched, parsed, query));

    const fault = faults.take({ method, route: matched.route, setName: matched.setName, agentName: matched.agentName });
    if (fault === undefined) return finish(await run());

    faulted = true;
    if (fault.delayMs > 0) await sleep(fault.delayMs);
    if (isStopped()) return;
    if (fault.answer.kind === "none") return finish(await run(), `delayed ${fault.delayMs}ms`);
    if (fault.afterApply) await run();
    return finish(faultAnswer(fault, matched), "injected fault");
}

function faultAnswer(fault: Fault, match: RouteMatch): Answer | "dropped" {
    const answer = fault.answer;
    if (answer.kind === "drop") return "dropped";
    if (answer.kind === "none") throw new Error("faultAnswer: a delay-only fault has no answer");
    if (takesBytes(match.route) && answer.body === undefined) {
        // The storage service answers in S3's words and XML, faults included.
        const xml = storageErrorXml(storageFaultError(answer.status));
        return {
            status: answer.status,
            text: xml,
            contentType: "application/xml",
            ...(answer.retryAfter === undefined ? {} : { retryAfter: answer.retryAfter }),
        };
    }
    const text = answer.body ?? JSON.stringify(errorBody(faultError(answer.status, { room: roomOf(match.route), setName: match.setName })));
    return answer.retryAfter === undefined
        ? { status: answer.status, text }
        : { status: answer.status, text, retryAfter: answer.retryAfter };
}

function jsonAnswer(reply: Reply): Answer {
    return { status: reply.status, text: JSON.stringify(reply.body) };
}

function rawAnswer(reply: RawReply): Answer {
    return { status: reply.status, text: reply.text, contentType: reply.contentType ?? null };
}

function errorAnswer(e: ApiError): Answer {
    return jsonAnswer(errorReply(e));
}

function send(res: ServerResponse, answer: Answer): void {
    const contentType = answer.contentType === undefined ? "application/json; charset=utf-8" : answer.contentType;
    res.writeHead(answer.status, {
        ...(contentType === null ? {} : { "content-type": contentType }),
        "content-length": Buffer.byteLength(answer.text),
        ...(answer.retryAfter === undefined ? {} : { "retry-after": String(answer.retryAfter) }),
    });
    res.end(answer.text);
}

function splitUrl(url: string | undefined): { path: string; query: URLSearchParams } {
    const raw = url ?? "/";
    const at = raw.indexOf("?");
    return at === -1
        ? { path: raw, query: new URLSearchParams() }
        : { path: raw.slice(0, at), query: new URLSearchParams(raw.slice(at + 1)) };
}

/** Reads the whole body; beyond `limit` bytes keeps draining but discards, so the answer can still be sent. */
function readBody(req: IncomingMessage, limit: number): Promise<ReadBody> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size <= limit) chunks.push(chunk);
        });
        req.on("end", () => resolve(size > limit ? { tooLarge: true } : { tooLarge: false, bytes: Buffer.concat(chunks) }));
        req.on("error", reject);
    });
}

function parseJson(text: string): RequestBody {
    if (text.trim() === "") return { valid: true, value: undefined };
    try {
        return { valid: true, value: JSON.parse(text) as unknown };
    } catch {
        return { valid: false };
    }
}

function isAuthorized(header: string | undefined, apiKey: string): boolean {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
    const given = Buffer.from(match?.[1] ?? "");
    const expected = Buffer.from(apiKey);
    return given.length === expected.length && timingSafeEqual(given, expected);
}
