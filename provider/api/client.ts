/**
 * The Pipecat Cloud API's endpoints, one function per endpoint over the shared transport
 * (`transport.ts`), with their schemas, the API's words and each resource's advice; and the
 * organisation's regions, once per process. (Split into each resource's room next.)
 */
import { z } from "zod";
import { type Step, isPipecatApiError, isPipecatError } from "../errors";
import { type CheckFailure, UNKNOWN } from "../inputs";
import { api, currentSettings } from "../session";
import { didYouMean } from "../suggest";
import { type Answer, CONCURRENT_MODIFICATION, type CallContext, commonAdvice, notSaidMissing } from "./call";
import type { Transport } from "./transport";
import { type Missing, apiError, deleted, isMissing, missing, parseJson } from "./response";

// ---- secretset: endpoints.ts ----
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

/** One row of `GET /agents` as a set reads it: the agent and the sets its desired deployment binds. */
export interface Binding {
    readonly name: string;
    readonly region: string | undefined;
    readonly secretSet: string | undefined;
    readonly imagePullSecretSet: string | undefined;
}

/** A call about one set: what failed is said as `<step> of secret set "<name>"`, with the set's advice. */
export interface SetCall extends CallContext {
    readonly setName: string;
}

export function setCall(step: Step, setName: string): SetCall {
    return { step, setName, subject: `secret set "${setName}"`, advise: setAdvice };
}

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
/** What a set reads of an agent's desired deployment: the sets it binds. */
const boundSpec = z
    .looseObject({
        manifest: z
            .looseObject({
                spec: z
                    .looseObject({ envFromSecretNames: z.array(z.string()).nullish(), imagePullSecretName: z.string().nullish() })
                    .nullish(),
            })
            .nullish(),
    })
    .nullish();
const bindingsResponse = z.looseObject({
    services: z.array(z.looseObject({ name: z.string(), region: z.string().nullish(), deployment: boundSpec })),
});
const boundAgentResponse = z.looseObject({ deployment: boundSpec });

const IMAGE_PULL_NOT_READABLE = /image pull/i;
/** The API's own words for a missing set or key: used for advice only, never to decide that something is gone. */
const SET_OR_SECRET_NOT_FOUND = /^(set|secret) not found/i;
/** The API's refusal to update an existing image-pull set in place (the API as first documented). */
export const IMAGE_PULL_UPDATE_REFUSED = /cannot update existing image pull/i;

export function isImagePullUpdateRefused(e: unknown): boolean {
    return isPipecatApiError(e) && e.status === 400 && IMAGE_PULL_UPDATE_REFUSED.test(e.apiMessage ?? "");
}

function setPath(name: string): string {
    return `/secrets/${encodeURIComponent(name)}`;
}

/** PUT /secrets/{name} of a regular set: every declared key; returns the region the API names. */
export function putRegular(
    api: Transport,
    ctx: SetCall,
    secrets: Readonly<Record<string, string>>,
    region?: string,
): Promise<{ region: string | undefined }> {
    const body = {
        // Sorted, so the same set always produces the same body whatever order the program used.
        secrets: Object.keys(secrets)
            .sort()
            .map((secretKey) => ({ secretKey, secretValue: secrets[secretKey] as string })),
        ...(region !== undefined ? { region } : {}),
    };
    return put(api, ctx, body);
}

/** PUT /secrets/{name} of an image-pull set: the full body. */
export function putImagePull(
    api: Transport,
    ctx: SetCall,
    host: string,
    secretValue: string,
    region?: string,
): Promise<{ region: string | undefined }> {
    return put(api, ctx, { isImagePullSecret: true, host, secretValue, ...(region !== undefined ? { region } : {}) }, true);
}

async function put(api: Transport, ctx: SetCall, body: object, imagePull = false): Promise<{ region: string | undefined }> {
    const parsed = await api.call(ctx, { method: "PUT", path: setPath(ctx.setName), body }, (res, mayHaveApplied) => {
        // The API refuses a second image-pull PUT. After an attempt that may have been applied
        // (no answer, or a 5xx), that refusal means the earlier attempt wrote the set.
        if (imagePull && mayHaveApplied && res.status === 400 && IMAGE_PULL_UPDATE_REFUSED.test(apiError(res).error ?? "")) return {};
        return parseJson(res, putResponse, true);
    });
    return { region: parsed?.region };
}

/** Looks a set up by name (GET /secrets/{name}); `absent` only when the list confirms it (`confirmGone`). */
export async function lookup(api: Transport, ctx: SetCall): Promise<Lookup> {
    const path = setPath(ctx.setName);
    const found = await api.call(ctx, { method: "GET", path }, (res): Lookup | Missing | undefined => {
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
    await api.confirmGone(ctx, found, ctx.setName, async () => (await listSets(api, ctx)).map((s) => s.name));
    return { kind: "absent" };
}

/** GET /secrets: every set of the organisation with its kind and readiness. */
export async function listSets(api: Transport, ctx: CallContext): Promise<SetSummary[]> {
    const body = await api.call(ctx, { method: "GET", path: "/secrets", list: true }, (res) => parseJson(res, listResponse, false));
    return body.sets.map((s) => ({ name: s.name, type: s.type, region: s.region, status: s.status, source: s.source }));
}

/** DELETE /secrets/{name}; a set that is already gone (the list says so) is not an error. */
export async function deleteSet(api: Transport, ctx: SetCall): Promise<"deleted" | "absent"> {
    const path = setPath(ctx.setName);
    const result = await api.call(ctx, { method: "DELETE", path }, (res) =>
        res.status === 404 ? missing(res, "DELETE", path) : deleted(res),
    );
    if (!isMissing(result)) return result;
    await api.confirmGone(ctx, result, ctx.setName, async () => (await listSets(api, ctx)).map((s) => s.name));
    return "absent";
}

/** DELETE /secrets/{name}/{key}; a key that is already gone (the set's keys say so) is not an error. */
export async function deleteKey(api: Transport, ctx: SetCall, key: string): Promise<"deleted" | "absent"> {
    const path = `${setPath(ctx.setName)}/${encodeURIComponent(key)}`;
    const result = await api.call(ctx, { method: "DELETE", path }, (res) =>
        res.status === 404 ? missing(res, "DELETE", path) : deleted(res),
    );
    if (!isMissing(result)) return result;
    await api.confirmGone(ctx, result, key, async () => {
        const set = await lookup(api, ctx);
        return set.kind === "regular" ? set.set.keys : [];
    });
    return "absent";
}

/**
 * GET /agents with each agent's desired deployment, for the sets it binds. An answer without the
 * deployment (a server that ignores `includeActiveDeployment`) is completed by reading that agent.
 */
export async function agentBindings(api: Transport, ctx: CallContext): Promise<Binding[]> {
    const body = await api.call(ctx, { method: "GET", path: "/agents?includeActiveDeployment=true", list: true }, (res) =>
        parseJson(res, bindingsResponse, false),
    );
    const rows: Binding[] = [];
    for (const row of body.services) {
        const spec = row.deployment?.manifest?.spec ?? (await boundBy(api, ctx.step, row.name));
        if (spec === "absent") continue;
        rows.push({
            name: row.name,
            region: row.region ?? undefined,
            secretSet: spec?.envFromSecretNames?.[0],
            imagePullSecretSet: spec?.imagePullSecretName ?? undefined,
        });
    }
    return rows;
}

/** GET /agents/{name}: the sets one agent binds; `"absent"` only when the agents list confirms it. */
async function boundBy(api: Transport, step: Step, name: string) {
    // The agent's own call, worded as the agent's.
    const ctx: CallContext = { step, subject: `agent "${name}"`, advise: (a) => commonAdvice(a, { noun: "agent", plural: "agents" }) };
    const path = `/agents/${encodeURIComponent(name)}`;
    const found = await api.call(ctx, { method: "GET", path }, (res) => {
        if (res.status === 404) return missing(res, "GET", path);
        const parsed = parseJson(res, boundAgentResponse, false);
        return parsed && { spec: parsed.deployment?.manifest?.spec };
    });
    if (isMissing(found)) {
        await api.confirmGone(ctx, found, name, async () => {
            const body = await api.call(ctx, { method: "GET", path: "/agents", list: true }, (res) =>
                parseJson(res, bindingsResponse, false),
            );
            return body.services.map((a) => a.name);
        });
        return "absent";
    }
    return { envFromSecretNames: found.spec?.envFromSecretNames ?? [], imagePullSecretName: found.spec?.imagePullSecretName ?? null };
}

/** What to do after an error answer about a set (the API's words decide where they can). */
function setAdvice(a: Answer): string | undefined {
    const said = a.error ?? "";
    if (a.status === 409) {
        return CONCURRENT_MODIFICATION.test(said)
            ? "The set was modified concurrently and kept changing while the provider retried: run `pulumi up` again."
            : "Pipecat Cloud refused the write as a conflict that retrying cannot resolve (a referenced set, managed outside " +
                  "Pipecat Cloud, is one): check the set in the dashboard, or choose another name.";
    }
    if (a.status === 404) {
        return SET_OR_SECRET_NOT_FOUND.test(said)
            ? "The set or key does not exist (any more): run `pulumi refresh` to bring the state up to date."
            : notSaidMissing("set", a.apiUrl);
    }
    if (a.status === 400 && a.step === "update" && IMAGE_PULL_UPDATE_REFUSED.test(said)) {
        return (
            "This Pipecat Cloud API does not update image-pull sets in place, as `pipecat:imagePullUpdates` is set to ask " +
            "(`in-place`): switch back with `pulumi config set pipecat:imagePullUpdates replace` (or unset " +
            "PIPECAT_IMAGE_PULL_UPDATES), then run `pulumi up`; the set is then replaced (deleted, then created)."
        );
    }
    if (a.status === 400 && /image pull/i.test(said) && /update/i.test(said)) {
        return (
            "Pipecat Cloud cannot update an image-pull secret set in place. This provider replaces such sets " +
            "(delete, then create under the same name); if the set was changed outside Pulumi, run `pulumi refresh`, then `pulumi up`."
        );
    }
    if (a.status === 400 && /cannot change region/i.test(said)) {
        return "A set's region cannot change after creation: remove `region`, or set it to the set's current region (a new region replaces the set).";
    }
    if (a.status === 400 && /invalid region/i.test(said)) {
        return "The organisation cannot use this region: set `region` to one it has (Pipecat Cloud's dashboard, or GET /regions), or remove it to use the default.";
    }
    if (a.status >= 500) {
        return "Pipecat Cloud had a server error and the provider's retries did not get through: run `pulumi up` again later; it finishes the change.";
    }
    return commonAdvice(a, { noun: "set", plural: "secrets" });
}

// ---- agent: endpoints.ts ----
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

/** A call about one agent: what failed is said as `<step> of agent "<name>"`, with the agent's advice. */
export interface AgentCall extends CallContext {
    readonly agentName: string;
}

export function agentCall(step: Step, agentName: string): AgentCall {
    return { step, agentName, subject: `agent "${agentName}"`, advise: agentAdvice };
}

// Lenient on purpose: a value this provider does not know must not break every wait and refresh.
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

/** The API's words for a missing agent ("Service not found", "Not found"): for advice only, as for sets. */
const AGENT_NOT_FOUND = /^((service|agent) )?not found\.?$/i;
/** The API's words for a name taken by an existing agent. */
export const AGENT_EXISTS = /^service already exists/i;
/** The 409 of a deploy that binds a set still `pending` (or `failed`). */
export const SET_NOT_READY = /is not yet ready/i;

function agentPath(name: string): string {
    return `/agents/${encodeURIComponent(name)}`;
}

/**
 * POST /agents. A retry after an attempt that may have been applied (no answer, a 5xx) can find the
 * agent created by it, or someone else's: "already exists" is then `"created-earlier"`, and the
 * caller reads the agent to tell which.
 */
export function createAgent(api: Transport, ctx: AgentCall, body: object): Promise<AgentDetails | "created-earlier"> {
    return api.call(ctx, { method: "POST", path: "/agents", body }, (res, mayHaveApplied): AgentDetails | "created-earlier" | undefined => {
        if (mayHaveApplied && res.status === 400 && AGENT_EXISTS.test(apiError(res).error ?? "")) return "created-earlier";
        const parsed = parseJson(res, agentResponse, false);
        return parsed && agentDetails(parsed);
    });
}

/** POST /agents/{name}: a new configuration; `forceRedeploy` starts a new deployment even if it is unchanged. */
export function updateAgent(api: Transport, ctx: AgentCall, body: object): Promise<AgentDetails> {
    return api.call(ctx, { method: "POST", path: agentPath(ctx.agentName), body }, (res) => {
        const parsed = parseJson(res, agentResponse, false);
        return parsed && agentDetails(parsed);
    });
}

/** GET /agents/{name}; `"absent"` only when the list confirms it (`confirmGone`). */
export async function getAgent(api: Transport, ctx: AgentCall): Promise<AgentDetails | "absent"> {
    const path = agentPath(ctx.agentName);
    const found = await api.call(ctx, { method: "GET", path }, (res): AgentDetails | Missing | undefined => {
        if (res.status === 404) return missing(res, "GET", path);
        const parsed = parseJson(res, agentResponse, false);
        return parsed && agentDetails(parsed);
    });
    if (!isMissing(found)) return found;
    await api.confirmGone(ctx, found, ctx.agentName, () => agentNames(api, ctx));
    return "absent";
}

/** GET /agents: the names of the organisation's agents. */
export async function agentNames(api: Transport, ctx: CallContext): Promise<string[]> {
    const body = await api.call(ctx, { method: "GET", path: "/agents", list: true }, (res) => parseJson(res, agentListResponse, false));
    return body.services.map((a) => a.name);
}

/** DELETE /agents/{name}; an agent that is already gone (the list says so) is not an error. */
export async function deleteAgent(api: Transport, ctx: AgentCall): Promise<"deleted" | "absent"> {
    const path = agentPath(ctx.agentName);
    const result = await api.call(ctx, { method: "DELETE", path }, (res) =>
        res.status === 404 ? missing(res, "DELETE", path) : deleted(res),
    );
    if (!isMissing(result)) return result;
    await api.confirmGone(ctx, result, ctx.agentName, () => agentNames(api, ctx));
    return "absent";
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

/** What to do after an error answer about an agent. */
function agentAdvice(a: Answer): string | undefined {
    const said = a.error ?? "";
    if (a.status === 404 && /secret set not found/i.test(said)) {
        return "A bound secret set (secretSet or imagePullSecretSet) does not exist: pass the SecretSet resource itself (then Pulumi creates it first), or correct the set name.";
    }
    if (a.status === 404 && AGENT_NOT_FOUND.test(said))
        return "The agent does not exist (any more): run `pulumi refresh` to bring the state up to date, then `pulumi up` creates it again.";
    if (a.status === 404) return notSaidMissing("agent", a.apiUrl);
    if (a.status === 409 && SET_NOT_READY.test(said)) {
        return "A bound secret set was still not ready when the provider stopped retrying: check it with `pipecat cloud secrets list`; a set that failed must be written again (`pulumi up` does that for a SecretSet of this program).";
    }
    if (a.status === 400 && /same region/i.test(said))
        return "An agent and its secret sets must be in one region: declare the agent's `region` as the sets', or create the sets in the agent's region.";
    if (a.status === 400 && AGENT_EXISTS.test(said)) {
        return "An agent of this name already exists (names are unique across regions; it may belong to someone else): choose another name, or set `adopt: true` to manage the existing agent with this program.";
    }
    return commonAdvice(a, { noun: "agent", plural: "agents" });
}

// ---- build: endpoints.ts ----
/** `GET /builds/{id}`, as far as the provider reads it. */
export interface BuildSummary {
    readonly region: string | undefined;
    readonly status: string | undefined;
}

const buildResponse = z.looseObject({ build: z.looseObject({ region: z.string().nullish(), status: z.string().nullish() }) });

/** GET /builds/{id}: the build's region and status; `"absent"` on a 404 (nothing is deleted on it). */
export function getBuild(api: Transport, ctx: CallContext, id: string): Promise<BuildSummary | "absent"> {
    return api.call(ctx, { method: "GET", path: `/builds/${encodeURIComponent(id)}` }, (res): BuildSummary | "absent" | undefined => {
        if (res.status === 404) return "absent";
        const body = parseJson(res, buildResponse, false);
        return body && { region: body.build.region ?? undefined, status: body.build.status ?? undefined };
    });
}

// ---- organization: endpoints.ts ----
const regionsResponse = z.looseObject({ regions: z.array(z.looseObject({ code: z.string() })) });
const propertiesResponse = z.looseObject({ properties: z.looseObject({ defaultRegion: z.string().nullish() }) });

/** GET /regions: the region codes the organisation may use. */
export async function regions(api: Transport, ctx: CallContext): Promise<string[]> {
    const body = await api.call(ctx, { method: "GET", path: "/regions" }, (res) => parseJson(res, regionsResponse, false));
    return body.regions.map((r) => r.code);
}

/** GET /properties: the organisation's default region (where a set or agent created without `region` goes). */
export async function defaultRegion(api: Transport, ctx: CallContext): Promise<string | undefined> {
    const body = await api.call(ctx, { method: "GET", path: "/properties" }, (res) => parseJson(res, propertiesResponse, false));
    return body.properties.defaultRegion ?? undefined;
}

// ---- organization: regions.ts ----
/** What this process fetched, with the client it fetched it with (a new configuration reads again). */
interface Fetched {
    regions?: Promise<string[]>;
    defaultRegion?: Promise<string | undefined>;
}
const fetched = new WeakMap<Transport, Fetched>();

function fetchedWith(client: Transport): Fetched {
    const cache = fetched.get(client) ?? {};
    fetched.set(client, cache);
    return cache;
}

/** The organisation's region codes (`GET /regions`), once per process; a failed fetch is tried again next time. */
export async function organisationRegions(ctx: CallContext): Promise<string[]> {
    const client = api();
    const cache = fetchedWith(client);
    cache.regions ??= regions(client, ctx);
    try {
        return await cache.regions;
    } catch (e) {
        delete cache.regions;
        throw e;
    }
}

/** The organisation's default region (`GET /properties`), once per process; a failed fetch is tried again next time. */
export async function organisationDefaultRegion(ctx: CallContext): Promise<string | undefined> {
    const client = api();
    const cache = fetchedWith(client);
    cache.defaultRegion ??= defaultRegion(client, ctx);
    try {
        return await cache.defaultRegion;
    } catch (e) {
        delete cache.defaultRegion;
        throw e;
    }
}

/**
 * Check failures for a newly declared region, checked against the organisation's regions before
 * anything is written or deleted: a region change replaces a resource, deleting it first under the
 * same name, so a typo would otherwise cost the live one before the API refused the region. Without
 * an API key (a pull-request preview) nothing is sent; `up`, which has the key, checks it.
 * `existed`: a resource that exists is not replaced when the regions cannot be read.
 */
export async function regionFailures(
    region: string | undefined,
    previous: unknown,
    existed: boolean,
    ctx: CallContext,
    what: string,
    redact: (text: string) => string,
): Promise<CheckFailure[]> {
    if (region === undefined || region === UNKNOWN || previous === region || currentSettings().apiKey === undefined) return [];
    let available: readonly string[];
    try {
        available = await organisationRegions(ctx);
    } catch (e) {
        // A new resource needs no check: a wrong region fails its creation and nothing is lost.
        if (!existed) return [];
        const why = isPipecatError(e) ? redact(e.message) : "no answer";
        return [{ property: "", reason: `region: "${region}" could not be checked, so ${what} was not replaced (${why})` }];
    }
    if (available.includes(region)) return [];
    return [
        {
            property: "",
            reason: `region: "${region}" is not a region this organisation can use (it has: ${available.join(", ")})${didYouMean(region, available)}`,
        },
    ];
}
