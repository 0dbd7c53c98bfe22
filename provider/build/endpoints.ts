/**
 * The builds API as the Build provider calls it (and an Agent's placement reads it): one function per
 * endpoint over the shared transport, the answers' schemas, the API's words for builds, and the advice
 * after an error answer. The upload itself goes to the storage service, not through here (`upload.ts`).
 */
import { z } from "zod";
import type { Step } from "../errors";
import { type Answer, type CallContext, commonAdvice, notSaidMissing } from "../api/call";
import type { Transport } from "../api/transport";
import { type Missing, isMissing, missing, parseJson } from "../api/response";

/** `GET /builds/{id}` (and the builds of the list and of `POST /builds`), as far as the provider reads it. */
export interface BuildDetails {
    readonly id: string;
    readonly status: string | undefined;
    readonly region: string | undefined;
    readonly contextHash: string | undefined;
    readonly dockerfilePath: string | undefined;
    readonly imageUri: string | undefined;
    readonly errorMessage: string | undefined;
    readonly contextSizeBytes: number | undefined;
    readonly imageSizeBytes: number | undefined;
    readonly buildDurationSeconds: number | undefined;
}

/** Where a build is and how it stands: all an Agent's placement reads. */
export type BuildSummary = Pick<BuildDetails, "region" | "status">;

/** The presigned upload `POST /builds/upload-url` answers: where to send the context, with which fields. */
export interface UploadTarget {
    readonly uploadId: string;
    readonly uploadUrl: string;
    /** The form fields, in the order given (S3 reads them in order, the policy first). */
    readonly uploadFields: readonly (readonly [string, string])[];
    readonly expiresAt: string;
}

/** What `POST /builds` answered: the build, and whether it was a cache hit (200) or a new build (201). */
export interface Started {
    readonly build: BuildDetails;
    readonly cached: boolean;
}

/** A call about a build: what failed is said as `<step> of <subject>`, with the builds' advice. */
export function buildCall(step: Step, subject: string): CallContext {
    return { step, subject, advise: buildAdvice };
}

// Lenient on purpose: a field this provider does not know must not break a wait or a refresh.
const build = z.looseObject({
    id: z.string(),
    status: z.string().nullish(),
    region: z.string().nullish(),
    contextHash: z.string().nullish(),
    dockerfilePath: z.string().nullish(),
    imageUri: z.string().nullish(),
    errorMessage: z.string().nullish(),
    contextSizeBytes: z.number().nullish(),
    imageSizeBytes: z.number().nullish(),
    buildDurationSeconds: z.number().nullish(),
});
const buildResponse = z.looseObject({ build });
const startedResponse = z.looseObject({ build, cached: z.boolean().nullish() });
const listResponse = z.looseObject({ builds: z.array(build), total: z.number().nullish() });
const uploadResponse = z.looseObject({
    uploadId: z.string().min(1),
    uploadUrl: z.string().min(1),
    uploadFields: z.record(z.string(), z.string()),
    expiresAt: z.string(),
});
const logsResponse = z.looseObject({ logs: z.array(z.string()) });

/** The API's words for a build that does not exist. */
const BUILD_NOT_FOUND = /^build not found\.?$/i;

function details(b: z.infer<typeof build>): BuildDetails {
    return {
        id: b.id,
        status: b.status ?? undefined,
        region: b.region ?? undefined,
        contextHash: b.contextHash ?? undefined,
        dockerfilePath: b.dockerfilePath ?? undefined,
        imageUri: b.imageUri ?? undefined,
        errorMessage: b.errorMessage ?? undefined,
        contextSizeBytes: b.contextSizeBytes ?? undefined,
        imageSizeBytes: b.imageSizeBytes ?? undefined,
        buildDurationSeconds: b.buildDurationSeconds ?? undefined,
    };
}

/** POST /builds/upload-url: a presigned upload, in `region` (else the organisation's default). */
export async function uploadUrl(api: Transport, ctx: CallContext, region: string | undefined): Promise<UploadTarget> {
    const body = region === undefined ? {} : { region };
    const res = await api.call(ctx, { method: "POST", path: "/builds/upload-url", body }, (r) => parseJson(r, uploadResponse, false));
    return { ...res, uploadFields: Object.entries(res.uploadFields) };
}

/** The filters of `GET /builds` (the action also sends `dockerfilePath`, which the server's cache key holds). */
export interface BuildFilters {
    readonly contextHash?: string | undefined;
    readonly region?: string | undefined;
    readonly dockerfilePath?: string | undefined;
    readonly status?: string | undefined;
    readonly limit?: number | undefined;
    readonly offset?: number | undefined;
}

/** GET /builds with filters: one page, newest first. */
export async function listBuilds(api: Transport, ctx: CallContext, filters: BuildFilters): Promise<BuildDetails[]> {
    return (await listPage(api, ctx, filters)).builds;
}

async function listPage(
    api: Transport,
    ctx: CallContext,
    filters: BuildFilters,
): Promise<{ builds: BuildDetails[]; total: number | undefined }> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v !== undefined) query.set(k, String(v));
    const search = query.toString();
    const path = `/builds${search === "" ? "" : `?${search}`}`;
    const body = await api.call(ctx, { method: "GET", path, list: true }, (r) => parseJson(r, listResponse, false));
    return { builds: body.builds.map(details), total: body.total ?? undefined };
}

/** Where the list finds a build again: its context's hash, and its region when known (the filters of `GET /builds`). */
export interface BuildListing {
    readonly contextHash: string;
    readonly region?: string | undefined;
}

/** The most a page of `GET /builds` holds (the API's bound). */
const PAGE = 100;
/** Pages read at most to confirm that a build is gone (10,000 builds of one context in one region). */
const MAX_PAGES = 100;

/**
 * The ids `GET /builds` lists for one context and region, page after page until a short page or the total.
 * A list that answers 404 fails naming pipecat:apiUrl (the transport's words for a list), as Pipecat Cloud's
 * lists are never missing.
 */
async function listedIds(api: Transport, ctx: CallContext, listing: BuildListing): Promise<string[]> {
    const ids: string[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
        const found = await listPage(api, ctx, {
            contextHash: listing.contextHash,
            region: listing.region,
            limit: PAGE,
            offset: ids.length,
        });
        ids.push(...found.builds.map((b) => b.id));
        if (found.builds.length < PAGE || (found.total !== undefined && ids.length >= found.total)) break;
    }
    return ids;
}

/** The cache lookup of the official clients: the newest successful build of this context, Dockerfile and region. */
export async function cachedBuild(
    api: Transport,
    ctx: CallContext,
    key: { readonly contextHash: string; readonly dockerfilePath: string; readonly region: string | undefined },
): Promise<BuildDetails | undefined> {
    const found = await listBuilds(api, ctx, { ...key, status: "success", limit: 1 });
    // Only what the filters asked for: a server that ignored one must not hand over another context's image.
    return found.find(
        (b) =>
            b.status === "success" &&
            b.contextHash === key.contextHash &&
            (b.dockerfilePath ?? "Dockerfile") === key.dockerfilePath &&
            (key.region === undefined || b.region === key.region) &&
            b.imageUri !== undefined,
    );
}

/** POST /builds: a build of an upload; 200 answers a cache hit (`cached: true`), 201 a new build. */
export function createBuild(
    api: Transport,
    ctx: CallContext,
    body: { readonly uploadId: string; readonly region?: string; readonly dockerfilePath: string },
): Promise<Started> {
    return api.call(ctx, { method: "POST", path: "/builds", body }, (res) => {
        const parsed = parseJson(res, startedResponse, false);
        return parsed && { build: details(parsed.build), cached: parsed.cached === true || res.status === 200 };
    });
}

/**
 * GET /builds/{id}. A 404 is "gone" only when the API's own list says so, never on its wording: with `listing`
 * (the build's context hash and region, which a Build's read and wait know), `"absent"` when
 * `GET /builds?contextHash&region` does not hold the id, an error when it still does (`confirmGone`). Without
 * it (an Agent's placement knows only the id), a 404 is `"unknown"`: the caller decides what that allows.
 */
export function getBuild(api: Transport, ctx: CallContext, id: string, listing: BuildListing): Promise<BuildDetails | "absent">;
export function getBuild(api: Transport, ctx: CallContext, id: string): Promise<BuildDetails | "unknown">;
export async function getBuild(
    api: Transport,
    ctx: CallContext,
    id: string,
    listing?: BuildListing,
): Promise<BuildDetails | "absent" | "unknown"> {
    const path = `/builds/${encodeURIComponent(id)}`;
    const found = await api.call(ctx, { method: "GET", path }, (res): BuildDetails | Missing | undefined => {
        if (res.status === 404) return missing(res, "GET", path);
        const parsed = parseJson(res, buildResponse, false);
        return parsed && details(parsed.build);
    });
    if (!isMissing(found)) return found;
    if (listing === undefined) return "unknown";
    await api.confirmGone(ctx, found, id, () => listedIds(api, ctx, listing));
    return "absent";
}

/** GET /builds/{id}/logs: the last `limit` lines of the build's log. */
export async function buildLogs(api: Transport, ctx: CallContext, id: string, limit: number): Promise<string[]> {
    const path = `/builds/${encodeURIComponent(id)}/logs?limit=${limit}`;
    const body = await api.call(ctx, { method: "GET", path }, (r) => parseJson(r, logsResponse, false));
    return body.logs;
}

/** What to do after an error answer about a build. */
function buildAdvice(a: Answer): string | undefined {
    const said = a.error ?? "";
    if (a.status === 400 && /invalid region|not have access/i.test(said))
        return "Declare a region this organisation can build in (`region` of the Build; `pipecat cloud regions list` shows them).";
    if (a.status === 400 && /not enabled/i.test(said))
        return "Cloud builds are not enabled for this organisation or region: ask Pipecat to enable them, or deploy the Agent from an `image`.";
    if (a.status === 400 && /upload not found/i.test(said))
        return "Pipecat Cloud did not find the uploaded context (the upload may have expired): run `pulumi up` again.";
    if (a.status === 404 && BUILD_NOT_FOUND.test(said))
        return "The build does not exist (any more): run `pulumi refresh` to bring the state up to date, then `pulumi up` builds again.";
    if (a.status === 404) return notSaidMissing("build", a.apiUrl);
    if (a.status === 413)
        return "The context was too large for Pipecat Cloud: leave out what the image does not need with a .dockerignore.";
    return commonAdvice(a, { noun: "build", plural: "builds" });
}
