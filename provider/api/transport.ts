/**
 * How every request reaches Pipecat Cloud, whatever the resource: retries, pacing (`rate.ts`), the proxy
 * (`proxy.ts`), and errors rebuilt from the answer. The endpoints live with their resources
 * (`<resource>/endpoints.ts`); each call passes its context (`call.ts`): the step, what it is about, and
 * the advice for an error answer. Nothing here names a resource.
 *
 * Every call is idempotent (PUT writes the same body again, a repeated DELETE answers 404, which callers
 * treat as done), so every call is retried on network errors, 408, the documented 409 (a concurrent
 * modification), 429 and 5xx, and on 2xx bodies that cannot be understood, with exponential backoff,
 * full jitter and a cap, honouring `Retry-After`, bounded in attempts and in total time. Other 4xx are
 * never retried.
 *
 * axios errors carry the request (headers with the key, body with the values): they never leave
 * this module. Errors are rebuilt from status, method, path and the API's `error`/`code` only.
 *
 * Requests travel as `proxy.ts` decides from HTTPS_PROXY / NO_PROXY: through a proxy, https goes
 * inside a CONNECT tunnel (axios ≥ 1.16.1 with https-proxy-agent), so the proxy sees the API's host
 * and port and nothing else. The proxy's own answers (a refused CONNECT) are told apart from the
 * API's: they come over the plain connection to the proxy, never over TLS from the API.
 */
import axios, { type AxiosInstance, type AxiosProxyConfig } from "axios";
import { ConfigurationError, NetworkError, PipecatApiError, ProxyError, UnexpectedResponseError, told } from "../errors";
import {
    type ProxyEnvironment,
    type Route,
    UNTRUSTED_CERTIFICATE,
    networkAdvice,
    proxyUnreachable,
    refusalMessage,
    routeFor,
    via,
} from "./proxy";
import { RateLimiter } from "./rate";
import { type Answer, CONCURRENT_MODIFICATION, type CallContext, type Request } from "./call";
import { type Missing, type Response, apiError } from "./response";
import { DEFAULT_API_URL } from "./url";

/** How failed calls are retried. */
export interface RetryPolicy {
    /** Retries after the first attempt. @default 5 */
    readonly retries: number;
    /** First backoff step; doubles each retry. @default 500 ms */
    readonly baseDelayMs: number;
    /** Cap of one backoff step. @default 10 s */
    readonly maxDelayMs: number;
    /** Cap of a server's `Retry-After`. @default 60 s */
    readonly maxRetryAfterMs: number;
    /** No retry starts after this much time since the first attempt. @default 120 s */
    readonly deadlineMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
    retries: 5,
    baseDelayMs: 500,
    maxDelayMs: 10_000,
    maxRetryAfterMs: 60_000,
    deadlineMs: 120_000,
};

export interface TransportOptions {
    readonly apiUrl: string;
    readonly apiKey: string;
    /** Per-attempt timeout. */
    readonly timeoutMs: number;
    readonly retry?: Partial<RetryPolicy>;
    /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read from (see `proxy.ts`). @default process.env */
    readonly env?: ProxyEnvironment;
    /** Injected for tests: how to wait, and the clock and dice that drive backoff. */
    readonly sleep?: (ms: number) => Promise<void>;
    readonly now?: () => number;
    readonly random?: () => number;
}

/**
 * A response that was understood, or a reason to try again. `unsent`: the request cannot have reached the
 * API (the proxy was not reached, or refused the tunnel). `final`: trying again cannot help.
 */
type Attempt<T> =
    | { readonly ok: true; readonly value: T }
    | { readonly ok: false; readonly error: Error; readonly retryAfterMs?: number; readonly unsent?: boolean; readonly final?: boolean };

const RETRYABLE_STATUS = new Set([408, 429]);

export class Transport {
    private readonly http: AxiosInstance;
    private readonly retry: RetryPolicy;
    private readonly sleep: (ms: number) => Promise<void>;
    private readonly now: () => number;
    private readonly random: () => number;
    /** Shared by every call of this transport: one Retry-After pauses them all, and after a 429 they are paced. */
    private readonly limiter: RateLimiter;
    /** How requests reach the API: directly or through which proxy (decided once, from the environment). */
    readonly route: Route;

    constructor(readonly options: TransportOptions) {
        this.retry = { ...DEFAULT_RETRY, ...options.retry };
        this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
        this.now = options.now ?? Date.now;
        this.random = options.random ?? Math.random;
        this.limiter = new RateLimiter({ now: () => this.now(), sleep: (ms) => this.sleep(ms) });
        const url = new URL(options.apiUrl);
        this.route = routeFor(url, options.env ?? process.env);
        if (this.route.kind === "proxy" && url.protocol !== "https:") {
            // Settings allow plain http only to loopback, which is never proxied; this transport must not either.
            throw new ConfigurationError(
                `Refusing to send the Pipecat API key in clear through the proxy ${this.route.proxy.display} (${this.route.variable}) ` +
                    `to ${url.host}: use an https:// API URL, which is tunnelled through the proxy.`,
            );
        }
        this.http = axios.create({
            baseURL: options.apiUrl,
            timeout: options.timeoutMs,
            headers: { Authorization: `Bearer ${options.apiKey}`, "Content-Type": "application/json" },
            // Bodies are parsed here, so a malformed one is an error of ours, not an axios one.
            responseType: "text",
            transformResponse: [(d: unknown) => d],
            validateStatus: () => true,
            maxRedirects: 0,
            // Always explicit: axios never reads the environment (nor Node's NODE_USE_ENV_PROXY) on its own,
            // so proxy.ts alone decides.
            proxy: axiosProxy(this.route),
        });
    }

    /**
     * "Gone" never rests on the wording of a 404: an API URL without `/v1` answers 404 too, and the live
     * service words its errors its own way. It means that the API's own list answered and does not hold
     * the name (a key: the set's keys). One request, only after a 404. A list that fails is its own
     * error (a wrong URL then says so); a list that still holds the name is an error too.
     */
    async confirmGone(ctx: CallContext, said: Missing, name: string, listed: () => Promise<readonly string[]>): Promise<void> {
        if (!(await listed()).includes(name)) return;
        const quoted = said.error !== undefined ? ` ("${said.error}")` : "";
        throw new PipecatApiError(
            `${failed(ctx)}: Pipecat Cloud answered ${said.method} ${said.path} with 404${quoted}, but its own list still holds "${name}", ` +
                "so it is not taken as gone. Run the command again; if this persists, check pipecat:apiUrl (or PIPECAT_API_URL), " +
                `which is ${this.options.apiUrl}; Pipecat Cloud's is ${DEFAULT_API_URL}.`,
            404,
            said.method,
            said.path,
            said.code,
            said.error,
        );
    }

    /**
     * Sends one request with retries. `understand` turns a response into a result, or returns
     * undefined for "not a success" (then the status decides: retry, or fail with the API's words).
     * `mayHaveApplied`: an earlier attempt got no answer or a 5xx, so it may have been applied.
     */
    async call<T>(ctx: CallContext, request: Request, understand: (res: Response, mayHaveApplied: boolean) => T | undefined): Promise<T> {
        const started = this.now();
        let mayHaveApplied = false;
        for (let attempt = 0; ; attempt++) {
            await this.limiter.acquire();
            const applied: boolean = mayHaveApplied;
            const result: Attempt<T> = await this.attempt(ctx, request, (res) => understand(res, applied));
            if (result.ok) return result.value;
            mayHaveApplied ||= result.unsent !== true && (!(result.error instanceof PipecatApiError) || result.error.status >= 500);
            const elapsed = this.now() - started;
            const retryable = result.final !== true && (!(result.error instanceof PipecatApiError) || isRetryable(result.error));
            if (result.error instanceof ProxyError) result.error.mayHaveApplied = mayHaveApplied;
            if (!retryable || attempt >= this.retry.retries) throw gaveUp(result.error, attempt + 1, elapsed);
            const delay = result.retryAfterMs ?? this.backoff(attempt);
            if (elapsed + delay > this.retry.deadlineMs) throw gaveUp(result.error, attempt + 1, elapsed);
            if (result.retryAfterMs !== undefined) this.limiter.pause(this.now() + delay);
            await this.sleep(delay);
        }
    }

    private async attempt<T>(ctx: CallContext, request: Request, understand: (res: Response) => T | undefined): Promise<Attempt<T>> {
        const { method, path, body } = request;
        let res: Response;
        const sentAt = this.now();
        try {
            res = await this.http.request<string>({ method, url: path, data: body === undefined ? undefined : JSON.stringify(body) });
        } catch (e) {
            // Only the error code is kept: the axios error holds the request headers and body.
            const code = axios.isAxiosError(e) ? (e.code ?? "") : "";
            const reason = networkReason(e);
            const route = this.route;
            const advice = networkAdvice(route, code);
            const message = `${failed(ctx)}: no answer from Pipecat Cloud to ${method} ${path}${via(route)} (${reason}).${advice}`;
            const untrusted = UNTRUSTED_CERTIFICATE.has(code);
            if (route.kind === "proxy" && proxyUnreachable(route, code)) {
                const error = new ProxyError(message, method, path, reason, route.variable, route.proxy.display, undefined);
                return { ok: false, error, unsent: true };
            }
            // A certificate that is not trusted now will not be trusted on the next attempt either.
            return {
                ok: false,
                error: new NetworkError(message, method, path, reason),
                ...(untrusted ? { unsent: true, final: true } : {}),
            };
        }
        // The constructor allows a proxy only for https, so every answer through it should be the API's, over TLS.
        if (this.route.kind === "proxy" && answeredByProxy(res)) {
            // Not the API's answer: the proxy refused the CONNECT. Its body is never quoted.
            const route = this.route;
            const reason = `proxy answered ${res.status}`;
            const message = `${failed(ctx)}: ${method} ${path} did not reach Pipecat Cloud: ${refusalMessage(route, res.status)}`;
            const error = new ProxyError(message, method, path, reason, route.variable, route.proxy.display, res.status);
            return { ok: false, error, unsent: true, final: res.status < 500 };
        }
        this.limiter.observe(sentAt, res.status, res.status === 429 ? this.retryAfter(res) : undefined);
        let value: T | undefined;
        try {
            value = understand(res);
        } catch (e) {
            const why = e instanceof Error ? e.message : "unreadable body";
            return {
                ok: false,
                error: new UnexpectedResponseError(
                    `${failed(ctx)}: Pipecat Cloud answered ${method} ${path} with ${res.status} and a body this provider does not understand (${why}).`,
                    method,
                    path,
                ),
            };
        }
        if (value !== undefined) return { ok: true, value };
        const { error, code } = apiError(res);
        const retryAfterMs = res.status === 429 || res.status === 503 ? this.retryAfter(res) : undefined;
        const answer: Answer = { step: ctx.step, method, path, status: res.status, error, apiUrl: this.options.apiUrl };
        return {
            ok: false,
            error: new PipecatApiError(errorMessage(ctx, answer, code, request.list === true), res.status, method, path, code, error),
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        };
    }

    /** Full jitter: a random wait up to the exponential step, so parallel resources spread out. */
    private backoff(attempt: number): number {
        const step = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
        return Math.round(this.random() * step);
    }

    private retryAfter(res: Response): number | undefined {
        const header = res.headers["retry-after"];
        if (typeof header !== "string" || header.trim() === "") return undefined;
        const secs = Number(header);
        const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(header) - this.now();
        if (!Number.isFinite(ms)) return undefined;
        return Math.min(Math.max(ms, 0), this.retry.maxRetryAfterMs);
    }
}

/** The route as axios takes it: `false` for direct, else the proxy (axios tunnels https through it). */
function axiosProxy(route: Route): AxiosProxyConfig | false {
    if (route.kind === "direct") return false;
    const { protocol, hostname, port, username, password } = route.proxy;
    const auth = username !== undefined || password !== undefined ? { auth: { username: username ?? "", password: password ?? "" } } : {};
    return { protocol: protocol.slice(0, -1), host: hostname, port, ...auth };
}

/**
 * Whether an answer to an https request came from the proxy rather than from the API: after a refused
 * CONNECT, https-proxy-agent hands the proxy's response over on the plain socket; the API's answers all
 * arrive over TLS.
 */
function answeredByProxy(res: Response): boolean {
    const socket = (res.request as { socket?: { encrypted?: unknown } | null } | undefined)?.socket;
    if (socket === undefined || socket === null) return res.status === 407;
    return socket.encrypted !== true;
}

function isRetryable(e: PipecatApiError): boolean {
    if (e.status === 409) return CONCURRENT_MODIFICATION.test(e.apiMessage ?? "");
    return RETRYABLE_STATUS.has(e.status) || e.status >= 500;
}

function networkReason(e: unknown): string {
    if (axios.isAxiosError(e)) {
        if (e.code === "ECONNABORTED" || e.code === "ETIMEDOUT") return "timed out";
        return e.code ?? "connection failed";
    }
    return "request failed";
}

function failed(ctx: CallContext): string {
    return `${ctx.step} of ${ctx.subject} failed`;
}

/** One voice for every API error: what failed, what the API said, what to do. */
function errorMessage(ctx: CallContext, a: Answer, code: string | undefined, list: boolean): string {
    const said = a.error !== undefined ? `: "${a.error}"` : "";
    const head = `${failed(ctx)}: Pipecat Cloud answered ${a.method} ${a.path} with ${a.status}${code ? ` ${code}` : ""}${said}.`;
    if (a.status === 404 && a.method === "GET" && list) {
        return `${head} Pipecat Cloud's lists are never missing, so the API URL is wrong: pipecat:apiUrl (or PIPECAT_API_URL) is ${a.apiUrl}; Pipecat Cloud's is ${DEFAULT_API_URL}.`;
    }
    const hint = ctx.advise(a);
    return hint ? `${head} ${hint}` : head;
}

/** The error of the last attempt, saying how many were made when there were several. */
function gaveUp(error: Error, attempts: number, elapsedMs: number): Error {
    return attempts > 1 ? told(error, { outcome: `(gave up after ${attempts} attempts in ${(elapsedMs / 1000).toFixed(1)} s)` }) : error;
}
