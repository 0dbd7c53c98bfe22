/**
 * The Pipecat Cloud API client, shared by every resource: one method per endpoint, typed results, retries.
 *
 * Every call here is idempotent (PUT writes the same body again, a repeated DELETE answers 404,
 * which callers treat as done), so every call is retried on network errors, 408, the documented 409
 * (a concurrent modification), 429 and 5xx,
 * and on 2xx bodies that cannot be understood, with exponential backoff, full jitter and a cap,
 * honouring `Retry-After`, bounded in attempts and in total time. Other 4xx are never retried.
 *
 * axios errors carry the request (headers with the key, body with the values): they never leave
 * this module. Errors are rebuilt from status, method, path and the API's `error`/`code` only.
 *
 * Requests travel as `proxy.ts` decides from HTTPS_PROXY / NO_PROXY: through a proxy, https goes
 * inside a CONNECT tunnel (axios ≥ 1.16.1 with https-proxy-agent), so the proxy sees the API's host
 * and port and nothing else. The proxy's own answers (a refused CONNECT) are told apart from the
 * API's: they come over the plain connection to the proxy, never over TLS from the API.
 */
import axios, { type AxiosInstance, type AxiosProxyConfig, type AxiosResponse } from "axios";
import { z } from "zod";
import {
    ConfigurationError,
    IMAGE_PULL_UPDATE_REFUSED,
    NetworkError,
    PipecatApiError,
    ProxyError,
    type Step,
    UnexpectedResponseError,
} from "../errors";
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
import { DEFAULT_API_URL } from "../settings";

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

export interface ClientOptions {
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

/** What the provider was doing, and to which set, for messages. */
export interface CallContext {
    readonly step: Step;
    readonly setName: string;
}

/** What the provider was doing, and to which agent, for messages. */
export interface AgentContext {
    readonly step: Step;
    readonly agentName: string;
}

/** One revision of an agent's deployment (`currentRevision` / `previousRevision`). */
export interface Revision {
    readonly deploymentId: string | undefined;
    /** `Creating`, `Validating`, `Active`, `Draining`, `Failed`; others are kept as they came. */
    readonly phase: string | undefined;
    readonly health: {
        readonly ready?: boolean | undefined;
        readonly state?: string | undefined;
        readonly reason?: string | undefined;
        readonly message?: string | undefined;
        readonly restartCount?: number | undefined;
        readonly lastExitCode?: number | undefined;
    };
}

/** `GET /agents/{name}` (and the answers of create and update), as far as the provider reads it. */
export interface AgentDetails {
    readonly name: string | undefined;
    readonly region: string | undefined;
    readonly ready: boolean;
    readonly available: boolean;
    readonly desiredDeploymentId: string | undefined;
    readonly reconciledDeploymentId: string | undefined;
    readonly image: string | undefined;
    readonly buildId: string | undefined;
    readonly secretSet: string | undefined;
    readonly imagePullSecretSet: string | undefined;
    readonly autoScaling: { readonly minAgents: number; readonly maxAgents: number } | undefined;
    readonly agentProfile: string | undefined;
    readonly maxSessionDuration: number | undefined;
    readonly nodeType: string | undefined;
    readonly enableKrisp: boolean | undefined;
    /** The Krisp VIVA filter; `null` when the API says it is off, undefined when it does not say. */
    readonly krispAudioFilter: string | null | undefined;
    readonly websocketAuth: string | undefined;
    readonly current: Revision | undefined;
    /** The first entry of `errors`, as text, when the API reports one. */
    readonly error: string | undefined;
}

/**
 * Readiness as the API reports it. Other values are kept as they came (a newer API may add some):
 * only `ready` counts as ready, so an unknown value is waited on, never mistaken for success.
 */
export type Readiness = "pending" | "ready" | "failed" | (string & {});

/** `GET /secrets/{name}` of a regular set: key names only, never values. */
export interface SetDetails {
    readonly keys: string[];
    readonly region: string | undefined;
    readonly status: Readiness | undefined;
    readonly errorMessage: string | undefined;
}

/** One row of `GET /agents`: the agent and the sets its desired deployment binds. */
export interface AgentSummary {
    readonly name: string;
    readonly region: string | undefined;
    readonly secretSet: string | undefined;
    readonly imagePullSecretSet: string | undefined;
}

/** `GET /builds/{id}`, as far as the provider reads it. */
export interface BuildSummary {
    readonly region: string | undefined;
    readonly status: string | undefined;
}

/** One row of `GET /secrets`. */
export interface SetSummary {
    readonly name: string;
    /** `secret` or `imagePullSecret`; other values are kept as they came. */
    readonly type: string;
    readonly region: string | undefined;
    readonly status: Readiness | undefined;
    /** `managed`, or `referenced` for a Kubernetes Secret registered by name; absent on older servers. */
    readonly source: string | undefined;
}

/** What a lookup by name found. Image-pull sets cannot be read by name: the API answers 400. */
export type Lookup =
    | { readonly kind: "absent" }
    | { readonly kind: "imagePull" }
    | { readonly kind: "regular"; readonly set: SetDetails }
    /** A Kubernetes Secret registered by name (`source: "referenced"`): Pipecat Cloud stores no keys or values of it. */
    | { readonly kind: "referenced" };

// Lenient on purpose: a value this provider does not know must not break every wait and refresh.
const status = z.string().optional();
const putResponse = z.looseObject({ status: z.string().optional(), region: z.string().optional() });
const setResponse = z.looseObject({
    secrets: z.array(z.looseObject({ fieldName: z.string() })),
    region: z.string().optional(),
    status,
    errorMessage: z.string().optional(),
    source: z.string().optional(),
});
const listResponse = z.looseObject({
    sets: z.array(
        z.looseObject({
            name: z.string(),
            type: z.string(),
            region: z.string().optional(),
            status,
            source: z.string().optional(),
        }),
    ),
});
const revision = z.looseObject({
    deploymentID: z.string().nullish(),
    phase: z.string().nullish(),
    health: z
        .looseObject({
            ready: z.boolean().nullish(),
            state: z.string().nullish(),
            reason: z.string().nullish(),
            message: z.string().nullish(),
            restartCount: z.number().nullish(),
            lastExitCode: z.number().nullish(),
        })
        .nullish(),
});
const agentResponse = z.looseObject({
    name: z.string().nullish(),
    region: z.string().nullish(),
    ready: z.boolean().nullish(),
    available: z.boolean().nullish(),
    activeDeploymentReady: z.boolean().nullish(),
    desiredDeploymentId: z.string().nullish(),
    activeDeploymentId: z.string().nullish(),
    reconciledDeploymentId: z.string().nullish(),
    autoScaling: z.looseObject({ minReplicas: z.number().nullish(), maxReplicas: z.number().nullish() }).nullish(),
    deployment: z
        .looseObject({
            manifest: z
                .looseObject({
                    spec: z
                        .looseObject({
                            image: z.string().nullish(),
                            buildId: z.string().nullish(),
                            envFromSecretNames: z.array(z.string()).nullish(),
                            imagePullSecretName: z.string().nullish(),
                            dailyNodeType: z.string().nullish(),
                            krispModels: z.looseObject({ enabled: z.boolean().nullish() }).nullish(),
                            maxSessionDurationSeconds: z.number().nullish(),
                            websocketAuth: z.string().nullish(),
                        })
                        .nullish(),
                })
                .nullish(),
        })
        .nullish(),
    agentProfile: z.string().nullish(),
    krispViva: z.looseObject({ audioFilter: z.string().nullish() }).nullish(),
    currentRevision: revision.nullish(),
    errors: z.array(z.unknown()).nullish(),
});
const agentListResponse = z.looseObject({
    services: z.array(z.looseObject({ name: z.string(), region: z.string().nullish(), deployment: agentResponse.shape.deployment })),
});
const buildResponse = z.looseObject({ build: z.looseObject({ region: z.string().nullish(), status: z.string().nullish() }) });
const propertiesResponse = z.looseObject({ properties: z.looseObject({ defaultRegion: z.string().nullish() }) });
const errorBody = z.looseObject({ error: z.string().optional(), code: z.string().optional() });
const regionsResponse = z.looseObject({ regions: z.array(z.looseObject({ code: z.string() })) });

const IMAGE_PULL_NOT_READABLE = /image pull/i;
/** The API's own words for a missing set or key: used for advice only, never to decide that something is gone. */
const SET_OR_SECRET_NOT_FOUND = /^(set|secret) not found/i;
const deleteResponse = z.looseObject({ status: z.string().optional() });
/** The API's words for a missing agent ("Service not found", "Not found"): for advice only, as for sets. */
const AGENT_NOT_FOUND = /^((service|agent) )?not found\.?$/i;
/** The API's words for a name taken by an existing agent. */
export const AGENT_EXISTS = /^service already exists/i;
/** The 409 of a deploy that binds a set still `pending` (or `failed`). */
export const SET_NOT_READY = /is not yet ready/i;

/**
 * A response that was understood, or a reason to try again. `unsent`: the request cannot have reached the
 * API (the proxy was not reached, or refused the tunnel). `final`: trying again cannot help.
 */
type Attempt<T> =
    | { readonly ok: true; readonly value: T }
    | { readonly ok: false; readonly error: Error; readonly retryAfterMs?: number; readonly unsent?: boolean; readonly final?: boolean };

const RETRYABLE_STATUS = new Set([408, 429]);
/** The documented 409: a concurrent write. Any other 409 (a write to a referenced set, say) is final. */
const CONCURRENT_MODIFICATION = /was modified concurrently/i;

export class PipecatClient {
    private readonly http: AxiosInstance;
    private readonly retry: RetryPolicy;
    private readonly sleep: (ms: number) => Promise<void>;
    private readonly now: () => number;
    private readonly random: () => number;
    /** Shared by every call of this client: one Retry-After pauses them all, and after a 429 they are paced. */
    private readonly limiter: RateLimiter;
    /** How requests reach the API: directly or through which proxy (decided once, from the environment). */
    readonly route: Route;

    constructor(readonly options: ClientOptions) {
        this.retry = { ...DEFAULT_RETRY, ...options.retry };
        this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
        this.now = options.now ?? Date.now;
        this.random = options.random ?? Math.random;
        this.limiter = new RateLimiter({ now: () => this.now(), sleep: (ms) => this.sleep(ms) });
        const url = new URL(options.apiUrl);
        this.route = routeFor(url, options.env ?? process.env);
        if (this.route.kind === "proxy" && url.protocol !== "https:") {
            // Settings allow plain http only to loopback, which is never proxied; this client must not either.
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

    putRegular(ctx: CallContext, secrets: Readonly<Record<string, string>>, region?: string): Promise<{ region: string | undefined }> {
        const body = {
            // Sorted, so the same set always produces the same body whatever order the program used.
            secrets: Object.keys(secrets)
                .sort()
                .map((secretKey) => ({ secretKey, secretValue: secrets[secretKey] as string })),
            ...(region !== undefined ? { region } : {}),
        };
        return this.put(ctx, body);
    }

    putImagePull(ctx: CallContext, host: string, secretValue: string, region?: string): Promise<{ region: string | undefined }> {
        return this.put(ctx, { isImagePullSecret: true, host, secretValue, ...(region !== undefined ? { region } : {}) }, true);
    }

    private async put(ctx: CallContext, body: object, imagePull = false): Promise<{ region: string | undefined }> {
        const parsed = await this.call(ctx, "PUT", setPath(ctx.setName), body, (res, mayHaveApplied) => {
            // The API refuses a second image-pull PUT. After an attempt that may have been applied
            // (no answer, or a 5xx), that refusal means the earlier attempt wrote the set.
            if (imagePull && mayHaveApplied && res.status === 400 && IMAGE_PULL_UPDATE_REFUSED.test(apiError(res).error ?? "")) return {};
            return parseJson(res, putResponse, true);
        });
        return { region: parsed?.region };
    }

    /** Looks a set up by name (GET /secrets/{name}); `absent` only when the list confirms it (`confirmGone`). */
    async lookup(ctx: CallContext): Promise<Lookup> {
        const path = setPath(ctx.setName);
        const found = await this.call(ctx, "GET", path, undefined, (res): Lookup | Missing | undefined => {
            if (res.status === 404) return missing(res, "GET", path);
            if (res.status === 400 && IMAGE_PULL_NOT_READABLE.test(apiError(res).error ?? "")) return { kind: "imagePull" };
            if (res.status >= 300) return undefined;
            const body = parseJson(res, setResponse, false);
            if (body === undefined) return undefined;
            if (body.source === "referenced") return { kind: "referenced" };
            return {
                kind: "regular",
                set: {
                    keys: body.secrets.map((s) => s.fieldName).sort(),
                    region: body.region,
                    status: body.status,
                    errorMessage: body.errorMessage,
                },
            };
        });
        if (!isMissing(found)) return found;
        await this.confirmGone(ctx, found, ctx.setName, async () => (await this.list(ctx)).map((s) => s.name));
        return { kind: "absent" };
    }

    /** GET /secrets: every set of the organisation with its kind and readiness. */
    async list(ctx: CallContext): Promise<SetSummary[]> {
        const body = await this.call(ctx, "GET", "/secrets", undefined, (res) => parseJson(res, listResponse, false));
        return body.sets.map((s) => ({ name: s.name, type: s.type, region: s.region, status: s.status, source: s.source }));
    }

    /** DELETE /secrets/{name}; a set that is already gone (the list says so) is not an error. */
    async deleteSet(ctx: CallContext): Promise<"deleted" | "absent"> {
        const path = setPath(ctx.setName);
        const result = await this.call(ctx, "DELETE", path, undefined, (res) =>
            res.status === 404 ? missing(res, "DELETE", path) : deleted(res),
        );
        if (!isMissing(result)) return result;
        await this.confirmGone(ctx, result, ctx.setName, async () => (await this.list(ctx)).map((s) => s.name));
        return "absent";
    }

    /** DELETE /secrets/{name}/{key}; a key that is already gone (the set's keys say so) is not an error. */
    async deleteKey(ctx: CallContext, key: string): Promise<"deleted" | "absent"> {
        const path = `${setPath(ctx.setName)}/${encodeURIComponent(key)}`;
        const result = await this.call(ctx, "DELETE", path, undefined, (res) =>
            res.status === 404 ? missing(res, "DELETE", path) : deleted(res),
        );
        if (!isMissing(result)) return result;
        await this.confirmGone(ctx, result, key, async () => {
            const set = await this.lookup(ctx);
            return set.kind === "regular" ? set.set.keys : [];
        });
        return "absent";
    }

    /** GET /regions: the region codes the organisation may use. */
    async regions(ctx: CallContext | AgentContext): Promise<string[]> {
        const body = await this.call(ctx, "GET", "/regions", undefined, (res) => parseJson(res, regionsResponse, false));
        return body.regions.map((r) => r.code);
    }

    /** GET /properties: the organisation's default region (where a set or agent created without `region` goes). */
    async defaultRegion(ctx: CallContext | AgentContext): Promise<string | undefined> {
        const body = await this.call(ctx, "GET", "/properties", undefined, (res) => parseJson(res, propertiesResponse, false));
        return body.properties.defaultRegion ?? undefined;
    }

    /** GET /builds/{id}: the build's region and status; `"absent"` on a 404 (nothing is deleted on it). */
    async getBuild(ctx: AgentContext, id: string): Promise<BuildSummary | "absent"> {
        return this.call(ctx, "GET", `/builds/${encodeURIComponent(id)}`, undefined, (res): BuildSummary | "absent" | undefined => {
            if (res.status === 404) return "absent";
            const body = parseJson(res, buildResponse, false);
            return body && { region: body.build.region ?? undefined, status: body.build.status ?? undefined };
        });
    }

    /**
     * POST /agents. A retry after an attempt that may have been applied (no answer, a 5xx) can find the
     * agent created by it, or someone else's: "already exists" is then `"created-earlier"`, and the
     * caller reads the agent to tell which.
     */
    async createAgent(ctx: AgentContext, body: object): Promise<AgentDetails | "created-earlier"> {
        return this.call(ctx, "POST", "/agents", body, (res, mayHaveApplied): AgentDetails | "created-earlier" | undefined => {
            if (mayHaveApplied && res.status === 400 && AGENT_EXISTS.test(apiError(res).error ?? "")) return "created-earlier";
            const parsed = parseJson(res, agentResponse, false);
            return parsed && agentDetails(parsed);
        });
    }

    /** POST /agents/{name}: a new configuration; `forceRedeploy` starts a new deployment even if it is unchanged. */
    async updateAgent(ctx: AgentContext, body: object): Promise<AgentDetails> {
        return this.call(ctx, "POST", agentPath(ctx.agentName), body, (res) => {
            const parsed = parseJson(res, agentResponse, false);
            return parsed && agentDetails(parsed);
        });
    }

    /** GET /agents/{name}; `"absent"` only when the list confirms it (`confirmGone`). */
    async getAgent(ctx: AgentContext): Promise<AgentDetails | "absent"> {
        const path = agentPath(ctx.agentName);
        const found = await this.call(ctx, "GET", path, undefined, (res): AgentDetails | Missing | undefined => {
            if (res.status === 404) return missing(res, "GET", path);
            const parsed = parseJson(res, agentResponse, false);
            return parsed && agentDetails(parsed);
        });
        if (!isMissing(found)) return found;
        await this.confirmGone(ctx, found, ctx.agentName, () => this.agentNames(ctx));
        return "absent";
    }

    /** GET /agents: the names of the organisation's agents. */
    async agentNames(ctx: CallContext | AgentContext): Promise<string[]> {
        const body = await this.call(ctx, "GET", "/agents", undefined, (res) => parseJson(res, agentListResponse, false));
        return body.services.map((a) => a.name);
    }

    /**
     * GET /agents with each agent's desired deployment, for the sets it binds. An answer without the
     * deployment (a server that ignores `includeActiveDeployment`) is completed by reading that agent.
     */
    async listAgents(ctx: CallContext | AgentContext): Promise<AgentSummary[]> {
        const body = await this.call(ctx, "GET", "/agents?includeActiveDeployment=true", undefined, (res) =>
            parseJson(res, agentListResponse, false),
        );
        const rows: AgentSummary[] = [];
        for (const row of body.services) {
            let spec = row.deployment?.manifest?.spec;
            if (spec === undefined || spec === null) {
                const details = await this.getAgent({ step: ctx.step, agentName: row.name });
                if (details === "absent") continue;
                spec = {
                    envFromSecretNames: details.secretSet === undefined ? [] : [details.secretSet],
                    imagePullSecretName: details.imagePullSecretSet ?? null,
                };
            }
            rows.push({
                name: row.name,
                region: row.region ?? undefined,
                secretSet: spec.envFromSecretNames?.[0],
                imagePullSecretSet: spec.imagePullSecretName ?? undefined,
            });
        }
        return rows;
    }

    /** DELETE /agents/{name}; an agent that is already gone (the list says so) is not an error. */
    async deleteAgent(ctx: AgentContext): Promise<"deleted" | "absent"> {
        const path = agentPath(ctx.agentName);
        const result = await this.call(ctx, "DELETE", path, undefined, (res) =>
            res.status === 404 ? missing(res, "DELETE", path) : deleted(res),
        );
        if (!isMissing(result)) return result;
        await this.confirmGone(ctx, result, ctx.agentName, () => this.agentNames(ctx));
        return "absent";
    }

    /**
     * "Gone" never rests on the wording of a 404: an API URL without `/v1` answers 404 too, and the live
     * service words its errors its own way. It means that the API's own list answered and does not hold
     * the name (a key: the set's keys). One request, only after a 404. A list that fails is its own
     * error (a wrong URL then says so); a list that still holds the name is an error too.
     */
    private async confirmGone(
        ctx: CallContext | AgentContext,
        said: Missing,
        name: string,
        listed: () => Promise<readonly string[]>,
    ): Promise<void> {
        if (!(await listed()).includes(name)) return;
        const quoted = said.error !== undefined ? ` ("${said.error}")` : "";
        throw new PipecatApiError(
            `${describe(ctx)}: Pipecat Cloud answered ${said.method} ${said.path} with 404${quoted}, but its own list still holds "${name}", ` +
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
     */
    private async call<T>(
        ctx: CallContext | AgentContext,
        method: Method,
        path: string,
        body: object | undefined,
        understand: (res: AxiosResponse<string>, mayHaveApplied: boolean) => T | undefined,
    ): Promise<T> {
        const started = this.now();
        let mayHaveApplied = false;
        for (let attempt = 0; ; attempt++) {
            await this.limiter.acquire();
            const applied: boolean = mayHaveApplied;
            const result: Attempt<T> = await this.attempt(ctx, method, path, body, (res) => understand(res, applied));
            if (result.ok) return result.value;
            mayHaveApplied ||= result.unsent !== true && (!(result.error instanceof PipecatApiError) || result.error.status >= 500);
            const elapsed = this.now() - started;
            const retryable = result.final !== true && (!(result.error instanceof PipecatApiError) || isRetryable(result.error));
            if (result.error instanceof ProxyError) result.error.mayHaveApplied = mayHaveApplied;
            if (!retryable || attempt >= this.retry.retries) {
                throw withAttempts(result.error, attempt + 1, elapsed);
            }
            const delay = result.retryAfterMs ?? this.backoff(attempt);
            if (elapsed + delay > this.retry.deadlineMs) throw withAttempts(result.error, attempt + 1, elapsed);
            if (result.retryAfterMs !== undefined) this.limiter.pause(this.now() + delay);
            await this.sleep(delay);
        }
    }

    private async attempt<T>(
        ctx: CallContext | AgentContext,
        method: Method,
        path: string,
        body: object | undefined,
        understand: (res: AxiosResponse<string>) => T | undefined,
    ): Promise<Attempt<T>> {
        let res: AxiosResponse<string>;
        const sentAt = this.now();
        try {
            res = await this.http.request<string>({ method, url: path, data: body === undefined ? undefined : JSON.stringify(body) });
        } catch (e) {
            // Only the error code is kept: the axios error holds the request headers and body.
            const code = axios.isAxiosError(e) ? (e.code ?? "") : "";
            const reason = networkReason(e);
            const route = this.route;
            const advice = networkAdvice(route, code);
            const message = `${describe(ctx)}: no answer from Pipecat Cloud to ${method} ${path}${via(route)} (${reason}).${advice}`;
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
            const message = `${describe(ctx)}: ${method} ${path} did not reach Pipecat Cloud: ${refusalMessage(route, res.status)}`;
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
                    `${describe(ctx)}: Pipecat Cloud answered ${method} ${path} with ${res.status} and a body this provider does not understand (${why}).`,
                    method,
                    path,
                ),
            };
        }
        if (value !== undefined) return { ok: true, value };
        const { error, code } = apiError(res);
        const retryAfterMs = res.status === 429 || res.status === 503 ? this.retryAfter(res) : undefined;
        return {
            ok: false,
            error: new PipecatApiError(
                apiErrorMessage(ctx, method, path, res.status, error, code, this.options.apiUrl),
                res.status,
                method,
                path,
                code,
                error,
            ),
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        };
    }

    /** Full jitter: a random wait up to the exponential step, so parallel resources spread out. */
    private backoff(attempt: number): number {
        const step = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
        return Math.round(this.random() * step);
    }

    private retryAfter(res: AxiosResponse<string>): number | undefined {
        const header = res.headers["retry-after"];
        if (typeof header !== "string" || header.trim() === "") return undefined;
        const secs = Number(header);
        const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(header) - this.now();
        if (!Number.isFinite(ms)) return undefined;
        return Math.min(Math.max(ms, 0), this.retry.maxRetryAfterMs);
    }
}

type Method = "GET" | "PUT" | "POST" | "DELETE";

function agentPath(name: string): string {
    return `/agents/${encodeURIComponent(name)}`;
}

function agentDetails(body: z.infer<typeof agentResponse>): AgentDetails {
    const spec = body.deployment?.manifest?.spec;
    const scaling = body.autoScaling;
    const current = body.currentRevision;
    const first = body.errors?.[0];
    return {
        name: body.name ?? undefined,
        region: body.region ?? undefined,
        ready: body.ready ?? body.activeDeploymentReady ?? false,
        available: body.available ?? body.ready ?? false,
        desiredDeploymentId: body.desiredDeploymentId ?? body.activeDeploymentId ?? undefined,
        reconciledDeploymentId: body.reconciledDeploymentId ?? undefined,
        image: spec?.image ?? undefined,
        buildId: spec?.buildId ?? undefined,
        secretSet: spec?.envFromSecretNames?.[0],
        imagePullSecretSet: spec?.imagePullSecretName ?? undefined,
        agentProfile: body.agentProfile ?? undefined,
        maxSessionDuration: spec?.maxSessionDurationSeconds ?? undefined,
        nodeType: spec?.dailyNodeType ?? undefined,
        enableKrisp: spec?.krispModels?.enabled ?? undefined,
        krispAudioFilter: body.krispViva === undefined || body.krispViva === null ? undefined : (body.krispViva.audioFilter ?? null),
        websocketAuth: spec?.websocketAuth ?? undefined,
        autoScaling:
            typeof scaling?.minReplicas === "number" && typeof scaling.maxReplicas === "number"
                ? { minAgents: scaling.minReplicas, maxAgents: scaling.maxReplicas }
                : undefined,
        current: current
            ? {
                  deploymentId: current.deploymentID ?? undefined,
                  phase: current.phase ?? undefined,
                  health: Object.fromEntries(Object.entries(current.health ?? {}).filter(([, v]) => v !== null && v !== undefined)),
              }
            : undefined,
        error:
            first === undefined
                ? undefined
                : typeof first === "object" && first !== null && "message" in first
                  ? String((first as { message: unknown }).message)
                  : String(JSON.stringify(first)),
    };
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
function answeredByProxy(res: AxiosResponse<string>): boolean {
    const socket = (res.request as { socket?: { encrypted?: unknown } | null } | undefined)?.socket;
    if (socket === undefined || socket === null) return res.status === 407;
    return socket.encrypted !== true;
}

function setPath(name: string): string {
    return `/secrets/${encodeURIComponent(name)}`;
}

/** A 404 of a request by name, as said: whether the name is gone is the list's to say (`confirmGone`). */
interface Missing {
    readonly missing: true;
    readonly method: Method;
    readonly path: string;
    readonly error: string | undefined;
    readonly code: string | undefined;
}

function missing(res: AxiosResponse<string>, method: Method, path: string): Missing {
    return { missing: true, method, path, ...apiError(res) };
}

function isMissing<T>(value: T | Missing): value is Missing {
    return typeof value === "object" && value !== null && (value as Partial<Missing>).missing === true;
}

function deleted(res: AxiosResponse<string>): "deleted" | undefined {
    // A 2xx page that is not the API's (a proxy's, say) is no proof of deletion: retry it.
    return parseJson(res, deleteResponse, true) === undefined ? undefined : "deleted";
}

/**
 * Parses a 2xx body against its schema; throws (caught by the caller) when it does not fit.
 * Non-2xx answers return undefined. `emptyOk`: older servers may answer a PUT with no body.
 */
function parseJson<T>(res: AxiosResponse<string>, schema: z.ZodType<T>, emptyOk: true): T | undefined;
function parseJson<T>(res: AxiosResponse<string>, schema: z.ZodType<T>, emptyOk: false): T | undefined;
function parseJson<T>(res: AxiosResponse<string>, schema: z.ZodType<T>, emptyOk: boolean): T | undefined {
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

function apiError(res: AxiosResponse<string>): { error: string | undefined; code: string | undefined } {
    try {
        const parsed = errorBody.safeParse(JSON.parse(typeof res.data === "string" ? res.data : ""));
        if (parsed.success) return { error: parsed.data.error, code: parsed.data.code };
    } catch {
        // Not JSON (a proxy's error page, say): the status alone must do.
    }
    return { error: undefined, code: undefined };
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

function describe(ctx: CallContext | AgentContext): string {
    return "agentName" in ctx ? `${ctx.step} of agent "${ctx.agentName}" failed` : `${ctx.step} of secret set "${ctx.setName}" failed`;
}

const HINTS: Record<number, string> = {
    401: "The API key was refused: set a valid Private API key with `pulumi config set --secret pipecat:apiKey <key>` or PIPECAT_API_KEY.",
    403: "The API key may not manage secrets: use a Private API key of the organisation that owns the set (`pulumi config set --secret pipecat:apiKey <key>`).",
    413: "The request was too large for Pipecat Cloud: split the keys over several sets.",
    429: "Pipecat Cloud kept rate-limiting the provider: run again later, or with less parallelism (`pulumi up --parallel 4`).",
};

/**
 * The engine runs refresh and destroy with the provider configuration saved by the last `pulumi up`,
 * not with the stack's current config: a key rotated since is not seen there.
 */
const KEY_IN_STATE =
    "The API key was refused. `pulumi refresh` and `pulumi destroy` use the API key saved in the state by the last " +
    "`pulumi up`: after rotating `pipecat:apiKey`, run `pulumi up` first (it saves the new key), or add `--run-program` " +
    "(`pulumi refresh --run-program`, `pulumi destroy --run-program`) so they read the current stack config.";

/** The list endpoints: a 404 there can only mean a wrong URL. */
const LISTS = /^\/(secrets|agents)(\?|$)/;

/** One voice for every API error: what failed, what the API said, what to do. */
export function apiErrorMessage(
    ctx: CallContext | AgentContext,
    method: string,
    path: string,
    status: number,
    error: string | undefined,
    code: string | undefined,
    apiUrl: string,
): string {
    const said = error !== undefined ? `: "${error}"` : "";
    const head = `${describe(ctx)}: Pipecat Cloud answered ${method} ${path} with ${status}${code ? ` ${code}` : ""}${said}.`;
    if (status === 404 && method === "GET" && LISTS.test(path)) {
        return `${head} Pipecat Cloud's lists are never missing, so the API URL is wrong: pipecat:apiUrl (or PIPECAT_API_URL) is ${apiUrl}; Pipecat Cloud's is ${DEFAULT_API_URL}.`;
    }
    if ("agentName" in ctx) {
        const hint = agentHint(ctx, status, error, apiUrl);
        return hint ? `${head} ${hint}` : head;
    }
    let hint = HINTS[status];
    if (status === 401 && (ctx.step === "read" || ctx.step === "delete")) {
        hint = KEY_IN_STATE;
    } else if (status === 409) {
        hint = CONCURRENT_MODIFICATION.test(error ?? "")
            ? "The set was modified concurrently and kept changing while the provider retried: run `pulumi up` again."
            : "Pipecat Cloud refused the write as a conflict that retrying cannot resolve (a referenced set, managed outside " +
              "Pipecat Cloud, is one): check the set in the dashboard, or choose another name.";
    } else if (status === 404) {
        hint = SET_OR_SECRET_NOT_FOUND.test(error ?? "")
            ? "The set or key does not exist (any more): run `pulumi refresh` to bring the state up to date."
            : `Pipecat Cloud did not say that the set is missing, so this is not taken as "already gone": the API URL may be wrong. ` +
              `pipecat:apiUrl (or PIPECAT_API_URL) is ${apiUrl}; Pipecat Cloud's is ${DEFAULT_API_URL}.`;
    }
    if (status === 400 && ctx.step === "update" && IMAGE_PULL_UPDATE_REFUSED.test(error ?? "")) {
        hint =
            "This Pipecat Cloud API does not update image-pull sets in place, as `pipecat:imagePullUpdates` is set to ask " +
            "(`in-place`): switch back with `pulumi config set pipecat:imagePullUpdates replace` (or unset " +
            "PIPECAT_IMAGE_PULL_UPDATES), then run `pulumi up`; the set is then replaced (deleted, then created).";
    } else if (status === 400 && /image pull/i.test(error ?? "") && /update/i.test(error ?? "")) {
        hint =
            "Pipecat Cloud cannot update an image-pull secret set in place. This provider replaces such sets " +
            "(delete, then create under the same name); if the set was changed outside Pulumi, run `pulumi refresh`, then `pulumi up`.";
    } else if (status === 400 && /cannot change region/i.test(error ?? "")) {
        hint =
            "A set's region cannot change after creation: remove `region`, or set it to the set's current region (a new region replaces the set).";
    } else if (status === 400 && /invalid region/i.test(error ?? "")) {
        hint =
            "The organisation cannot use this region: set `region` to one it has (Pipecat Cloud's dashboard, or GET /regions), or remove it to use the default.";
    } else if (status === 400) {
        hint = "The request was refused as invalid: check the set's inputs against the message above.";
    } else if (status >= 500) {
        hint =
            "Pipecat Cloud had a server error and the provider's retries did not get through: run `pulumi up` again later; it finishes the change.";
    }
    return hint ? `${head} ${hint}` : head;
}

/** What to do after an error of the agents API. */
function agentHint(ctx: AgentContext, status: number, error: string | undefined, apiUrl: string): string | undefined {
    const said = error ?? "";
    if (status === 401 && (ctx.step === "read" || ctx.step === "delete")) return KEY_IN_STATE;
    if (status === 404 && /secret set not found/i.test(said)) {
        return "A bound secret set (secretSet or imagePullSecretSet) does not exist: pass the SecretSet resource itself (then Pulumi creates it first), or correct the set name.";
    }
    if (status === 404 && AGENT_NOT_FOUND.test(said))
        return "The agent does not exist (any more): run `pulumi refresh` to bring the state up to date, then `pulumi up` creates it again.";
    if (status === 404) {
        return `Pipecat Cloud did not say that the agent is missing, so this is not taken as "already gone": the API URL may be wrong. pipecat:apiUrl (or PIPECAT_API_URL) is ${apiUrl}; Pipecat Cloud's is ${DEFAULT_API_URL}.`;
    }
    if (status === 409 && SET_NOT_READY.test(said)) {
        return "A bound secret set was still not ready when the provider stopped retrying: check it with `pipecat cloud secrets list`; a set that failed must be written again (`pulumi up` does that for a SecretSet of this program).";
    }
    if (status === 400 && /same region/i.test(said))
        return "An agent and its secret sets must be in one region: declare the agent's `region` as the sets', or create the sets in the agent's region.";
    if (status === 400 && AGENT_EXISTS.test(said)) {
        return "An agent of this name already exists (names are unique across regions; it may belong to someone else): choose another name, or set `adopt: true` to manage the existing agent with this program.";
    }
    if (status === 400) return "The request was refused as invalid: check the agent's inputs against the message above.";
    if (status === 403)
        return "The API key may not manage agents: use a Private API key of the organisation that owns the agent (`pulumi config set --secret pipecat:apiKey <key>`).";
    if (status >= 500)
        return "Pipecat Cloud had a server error and the provider's retries did not get through: run `pulumi up` again later.";
    return HINTS[status];
}

function withAttempts(error: Error, attempts: number, elapsedMs: number): Error {
    if (attempts > 1) error.message += ` (gave up after ${attempts} attempts in ${(elapsedMs / 1000).toFixed(1)} s)`;
    return error;
}
