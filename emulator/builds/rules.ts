/**
 * The builds API's bodies and queries, checked: `POST /builds/upload-url`, `POST /builds`, the list's filters and
 * pagination, the logs' limit, and the build id of a path. Pure.
 */
import { z } from "zod";
import { type ApiError, badRequest, invalidBuildId, invalidRequest } from "../errors";
import { describeIssues } from "../issues";
import { type Outcome, type RequestBody, fail, ok } from "../outcome";

/** A build's status, as the API names it. */
export type BuildStatus = "pending" | "building" | "success" | "failed" | "timeout";
/** Every status, in lifecycle order. */
export const BUILD_STATUSES: readonly BuildStatus[] = ["pending", "building", "success", "failed", "timeout"];

/** A UUID (any version), as a build id must be. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The Dockerfile path of a build that names none (documented). */
export const DEFAULT_DOCKERFILE_PATH = "Dockerfile";

/** List pagination: `limit` 1–100, default 20 (documented). */
export const LIST_LIMIT = { min: 1, max: 100, default: 20 } as const;
/** Log lines: `limit` at most 10000, default 500 (documented). */
export const LOGS_LIMIT = { min: 1, max: 10000, default: 500 } as const;

/** A validated `POST /builds/upload-url` body. @internal */
export interface UploadUrlRequest {
    readonly region?: string;
}

/** A validated `POST /builds` body. @internal */
export interface CreateBuildRequest {
    readonly uploadId: string;
    readonly region?: string;
    readonly dockerfilePath: string;
}

/** Filters and page of `GET /builds`. @internal */
export interface ListQuery {
    readonly status?: BuildStatus;
    readonly region?: string;
    readonly contextHash?: string;
    readonly dockerfilePath?: string;
    readonly limit: number;
    readonly offset: number;
}

// Unknown fields are stripped (ignored), as a lenient server does.
const uploadUrlBody = z.object({ region: z.string().min(1).optional() });
const createBody = z.object({
    uploadId: z.string().min(1),
    region: z.string().min(1).optional(),
    dockerfilePath: z.string().min(1).optional(),
});

function parsedBody(body: RequestBody, emptyAllowed: boolean): Outcome<unknown> {
    if (!body.valid) return fail(invalidRequest("body is not valid JSON"));
    if (body.value === undefined && emptyAllowed) return ok({});
    const value = body.value;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(invalidRequest("body must be a JSON object"));
    return ok(value);
}

/** `POST /builds/upload-url`: `{region?}` (an empty body is the same as `{}`, as both official clients may send). @internal */
export function parseUploadUrlBody(body: RequestBody): Outcome<UploadUrlRequest> {
    const object = parsedBody(body, true);
    if (!object.ok) return object;
    const parsed = uploadUrlBody.safeParse(object.value);
    if (!parsed.success) return fail(invalidRequest(describeIssues(parsed.error.issues)));
    return ok(parsed.data.region === undefined ? {} : { region: parsed.data.region });
}

/** `POST /builds`: `{uploadId, region?, dockerfilePath?}`; the path must stay inside the context. @internal */
export function parseCreateBody(body: RequestBody): Outcome<CreateBuildRequest> {
    const object = parsedBody(body, false);
    if (!object.ok) return object;
    if (!("uploadId" in (object.value as object))) return fail(invalidRequest("uploadId is required"));
    const parsed = createBody.safeParse(object.value);
    if (!parsed.success) return fail(invalidRequest(describeIssues(parsed.error.issues)));
    const dockerfilePath = parsed.data.dockerfilePath ?? DEFAULT_DOCKERFILE_PATH;
    const problem = dockerfilePathProblem(dockerfilePath);
    if (problem !== undefined) return fail(invalidRequest(problem));
    return ok({
        uploadId: parsed.data.uploadId,
        ...(parsed.data.region === undefined ? {} : { region: parsed.data.region }),
        dockerfilePath,
    });
}

/** Why a Dockerfile path cannot name a file of the context (absolute, or climbing out of it), or `undefined`. */
export function dockerfilePathProblem(path: string): string | undefined {
    if (path.startsWith("/") || path.split("/").includes("..")) return "dockerfilePath must be a relative path inside the build context";
    return undefined;
}

/** A build id of a path: 400 `Invalid build ID` unless it is a UUID. @internal */
export function checkBuildId(id: string): Outcome<string> {
    return UUID.test(id) ? ok(id.toLowerCase()) : fail(invalidBuildId());
}

function integerParam(query: URLSearchParams, name: string, bounds: { min: number; max: number; default: number }): Outcome<number> {
    const raw = query.get(name);
    if (raw === null) return ok(bounds.default);
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < bounds.min || n > bounds.max) return fail(limitProblem(name, bounds));
    return ok(n);
}

function limitProblem(name: string, bounds: { min: number; max: number }): ApiError {
    return bounds.max === Number.MAX_SAFE_INTEGER
        ? badRequest(`Invalid request format: ${name} must be a whole number of at least ${bounds.min}`)
        : badRequest(`Invalid request format: ${name} must be a whole number from ${bounds.min} to ${bounds.max}`);
}

/** `GET /builds?status&region&contextHash&dockerfilePath&limit&offset`. @internal */
export function parseListQuery(query: URLSearchParams): Outcome<ListQuery> {
    const limit = integerParam(query, "limit", LIST_LIMIT);
    if (!limit.ok) return limit;
    const offset = integerParam(query, "offset", { min: 0, max: Number.MAX_SAFE_INTEGER, default: 0 });
    if (!offset.ok) return offset;
    const status = query.get("status") ?? undefined;
    if (status !== undefined && !BUILD_STATUSES.includes(status as BuildStatus)) {
        return fail(invalidRequest(`status must be one of ${BUILD_STATUSES.join(", ")}`));
    }
    const filters: Record<string, string> = {};
    for (const name of ["region", "contextHash", "dockerfilePath"] as const) {
        const value = query.get(name);
        if (value !== null) filters[name] = value;
    }
    return ok({ ...filters, ...(status === undefined ? {} : { status: status as BuildStatus }), limit: limit.value, offset: offset.value });
}

/** `GET /builds/{id}/logs?limit`. @internal */
export function parseLogsLimit(query: URLSearchParams): Outcome<number> {
    return integerParam(query, "limit", LOGS_LIMIT);
}
