/**
 * The secret sets API as the SecretSet provider calls it: one function per endpoint over the shared
 * transport, the answers' schemas, the API's words for sets, and the advice after an error answer.
 * Also the agents list as a set reads it: which agents bind which sets (a set's delete asks).
 */
import { z } from "zod";
import { type Step, isPipecatApiError } from "../errors";
import { type Answer, CONCURRENT_MODIFICATION, type CallContext, commonAdvice, notSaidMissing } from "../api/call";
import type { Transport } from "../api/transport";
import { type Missing, apiError, deleted, isMissing, missing, parseJson } from "../api/response";

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
