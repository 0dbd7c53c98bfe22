/**
 * The agents API as the Agent provider calls it: one function per endpoint over the shared transport,
 * the answers' schemas, the API's words for agents, and the advice after an error answer.
 */
import { z } from "zod";
import type { Step } from "../errors";
import { type Answer, type CallContext, commonAdvice, notSaidMissing } from "../api/call";
import type { Transport } from "../api/transport";
import { type Missing, apiError, deleted, isMissing, missing, parseJson } from "../api/response";

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
 * One row of `GET /agents`: which deployment is desired and which the operator has reconciled. The list
 * carries no `ready` and no health (as documented): read the agent for those.
 */
export interface AgentRow {
    readonly name: string;
    readonly desiredDeploymentId: string | undefined;
    readonly reconciledDeploymentId: string | undefined;
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
    services: z.array(
        z.looseObject({
            name: z.string(),
            region: z.string().nullish(),
            desiredDeploymentId: z.string().nullish(),
            activeDeploymentId: z.string().nullish(),
            reconciledDeploymentId: z.string().nullish(),
            deployment: agentResponse.shape.deployment,
        }),
    ),
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

/** GET /agents: the organisation's agents, with their deployments' progress. */
export async function listAgents(api: Transport, ctx: CallContext): Promise<AgentRow[]> {
    const body = await api.call(ctx, { method: "GET", path: "/agents", list: true }, (res) => parseJson(res, agentListResponse, false));
    return body.services.map((a) => ({
        name: a.name,
        desiredDeploymentId: a.desiredDeploymentId ?? a.activeDeploymentId ?? undefined,
        reconciledDeploymentId: a.reconciledDeploymentId ?? undefined,
    }));
}

/** GET /agents: the names of the organisation's agents. */
export async function agentNames(api: Transport, ctx: CallContext): Promise<string[]> {
    return (await listAgents(api, ctx)).map((a) => a.name);
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
