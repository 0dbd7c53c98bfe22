/**
 * The API's error shape and every error the emulator can answer, in one voice.
 *
 * Messages quoted in `CONTRACT.md` are reproduced verbatim; the others are the emulator's own wording (listed in the
 * README). No message ever contains a secret value: only set names, key names, agent names, images, regions and limits.
 */

/** An error answer: the HTTP status plus the documented body `{"error": "...", "code": "..."}`. */
export interface ApiError {
    /** HTTP status code of the answer. */
    readonly status: number;
    /** Human-readable message (`error` in the body). */
    readonly error: string;
    /** Machine code (`code` in the body); clients should branch on `status`, not on this. */
    readonly code: string;
}

/** The JSON body sent for an {@link ApiError}. */
export function errorBody(e: ApiError): { error: string; code: string } {
    return { error: e.error, code: e.code };
}

function apiError(status: number, code: string, error: string): ApiError {
    return { status, code, error };
}

/** 400 with the documented `GENERIC_BAD_REQUEST` code. */
export function badRequest(message: string): ApiError {
    return apiError(400, "GENERIC_BAD_REQUEST", message);
}

/**
 * 409 for a managed write to a referenced set. The docs say only that it is a 409; the body is the emulator's
 * choice (README), with the documented `CONFLICT` code.
 */
export function referencedSetConflict(name: string): ApiError {
    return apiError(409, "CONFLICT", `Secret set '${name}' is a referenced secret set and cannot be modified through the API.`);
}

/** 400 for a write to an image-pull set without the full image-pull body, verbatim from today's docs. */
export function imagePullBodyRequired(): ApiError {
    return badRequest("Must provide isImagePullSecret, host, and secretValue to update an image pull secret");
}

/** 400 for a body or name that does not validate; the detail follows the documented "Invalid request format". */
export function invalidRequest(detail: string): ApiError {
    return badRequest(`Invalid request format: ${detail}`);
}

/** 400 for a region the organisation does not have, verbatim from the contract (sets and agents alike). */
export function invalidRegion(): ApiError {
    return badRequest("Invalid region or organization does not have access");
}

/** 401, verbatim from the contract. */
export function unauthorized(): ApiError {
    return apiError(401, "UNAUTHORIZED", "Unauthorized");
}

/** 404 for a set that does not exist, verbatim from the contract. */
export function setNotFound(): ApiError {
    return apiError(404, "NOT_FOUND", "Set not found");
}

/** 404 for a key that does not exist in an existing set, verbatim from the contract. */
export function secretNotFound(): ApiError {
    return apiError(404, "NOT_FOUND", "Secret not found");
}

/**
 * 404 for a path the API does not serve. The message names the route so that a wrong base URL (for example one
 * missing `/v1`) is not mistaken for "set not found" by someone reading logs.
 */
export function routeNotFound(method: string, path: string): ApiError {
    return apiError(404, "NOT_FOUND", `Route not found: ${method} ${path}`);
}

/** 409 for a concurrent modification, verbatim from the contract (only ever sent when injected). */
export function conflict(setName: string | undefined): ApiError {
    const subject = setName === undefined ? "Secret set" : `Secret set '${setName}'`;
    return apiError(409, "CONFLICT", `${subject} was modified concurrently. Please retry.`);
}

/** 413 for a request body over the emulator's size limit. */
export function payloadTooLarge(limitBytes: number): ApiError {
    return apiError(413, "PAYLOAD_TOO_LARGE", `Request body exceeds the emulator's limit of ${limitBytes} bytes`);
}

/** 429 sent by the rate limiter (or by an injected fault). */
export function tooManyRequests(): ApiError {
    return apiError(429, "TOO_MANY_REQUESTS", "Too many requests. Retry after the time given in Retry-After.");
}

/** 500 for an unexpected failure inside the emulator. */
export function internalError(): ApiError {
    return apiError(500, "INTERNAL_SERVER_ERROR", "Internal server error");
}

// ---- Agents -------------------------------------------------------------------------------------------------------

/** 400 for an agent body that does not validate; the docs' update example says "Invalid parameters". */
export function invalidParameters(detail: string): ApiError {
    return badRequest(`Invalid parameters: ${detail}`);
}

/** 400 on create when an agent of that name exists, verbatim from the docs. */
export function serviceExists(): ApiError {
    return badRequest("Service already exists");
}

/** 400 on create without `image` or `buildId`, verbatim from the docs. */
export function imageOrBuildIdRequired(): ApiError {
    return badRequest("Either image or buildId is required for service creation");
}

/** 400 when a body gives both `image` and `buildId`, verbatim from the docs. */
export function imageAndBuildIdConflict(): ApiError {
    return badRequest("Cannot specify both image and buildId. Use one or the other.");
}

/** 404 for `POST /agents/{name}` on a missing agent, verbatim from the docs' update example. */
export function serviceNotFound(): ApiError {
    return apiError(404, "NOT_FOUND", "Service not found");
}

/** 404 for `GET` and `DELETE /agents/{name}` on a missing agent, verbatim from the docs' examples of those two. */
export function agentNotFound(): ApiError {
    return apiError(404, "NOT_FOUND", "Not found");
}

/** 404 when `secretSet` or `imagePullSecretSet` names no set, verbatim from the docs (the same for both fields). */
export function boundSetNotFound(): ApiError {
    return apiError(404, "NOT_FOUND", "Secret set not found");
}

/** Which field bound a set, for the messages that differ between the two. */
export type BindingField = "secretSet" | "imagePullSecretSet";

/**
 * 400 when a bound set is in another region than the agent, verbatim from the docs: the create and update wordings
 * differ ("will be created in" / "is in"), and so do the regular and image-pull ones.
 */
export function boundSetRegionMismatch(
    field: BindingField,
    set: string,
    setRegion: string,
    serviceRegion: string,
    creating: boolean,
): ApiError {
    const service = creating ? `service will be created in region '${serviceRegion}'` : `service is in region '${serviceRegion}'`;
    return field === "secretSet"
        ? badRequest(`Secret set '${set}' is in region '${setRegion}' but ${service}. Secrets must be in the same region as the service.`)
        : badRequest(
              `Image pull secret set '${set}' is in region '${setRegion}' but ${service}. Image pull secrets must be in the same region as the service.`,
          );
}

/** 400 when a set of the other kind is bound (the docs are silent; the emulator's wording). */
export function boundSetWrongKind(field: BindingField, set: string): ApiError {
    return field === "secretSet"
        ? badRequest(`Secret set '${set}' is an image pull secret set; bind it as imagePullSecretSet, not secretSet`)
        : badRequest(`Secret set '${set}' is not an image pull secret set; bind it as secretSet, not imagePullSecretSet`);
}

/** 409 while a bound set is `pending` or `failed`, verbatim from the docs' troubleshooting page (code `CONFLICT`). */
export function boundSetNotReady(set: string | undefined): ApiError {
    const subject = set === undefined ? "Secret set" : `Secret set '${set}'`;
    return apiError(409, "CONFLICT", `${subject} is not yet ready. Retry once it has been provisioned.`);
}

/** 400 for an update that names another region (the docs are silent: agents cannot move; the emulator's wording). */
export function regionChange(current: string, requested: string): ApiError {
    return badRequest(`Service is in region '${current}'. Cannot change region to '${requested}'.`);
}

// ---- Properties ---------------------------------------------------------------------------------------------------

/** 400 for a `PATCH /properties` body naming a property the API does not have, verbatim from the contract. */
export function invalidProperty(name: string): ApiError {
    return badRequest(`Property '${name}' is not a valid property`);
}

/**
 * 400 for a `defaultRegion` the organisation does not have, verbatim from the contract; the regions in `GET /regions`
 * order.
 */
export function regionNotAvailable(code: string, available: readonly string[]): ApiError {
    return badRequest(`Region '${code}' is not available. Available regions: ${available.join(", ")}`);
}

/** 400 for a `PATCH /properties` body with no property, verbatim from the contract. */
export function noPropertiesProvided(): ApiError {
    return badRequest("No properties provided");
}

/**
 * The default body of an injected fault that gives a status but no body: the contract's message where one exists
 * (404, 409, 429; for agent routes the agents' 404 and 409), the error shape with a generic message otherwise.
 * On the properties routes, which have neither, 404 is the bare `Not found` and 409 a generic `CONFLICT`.
 */
export function faultError(
    status: number,
    target: { readonly room: "secrets" | "agents" | "properties" | "builds"; readonly setName?: string | undefined },
): ApiError {
    // The properties routes answer no 404 or 409 of their own: the bare 404 of a gateway, and a generic 409.
    if (target.room === "properties" && status === 404) return agentNotFound();
    if (target.room === "properties" && status === 409) return apiError(409, "CONFLICT", "Conflict (injected fault)");
    switch (status) {
        case 400:
            return badRequest("Bad request (injected fault)");
        case 401:
            return unauthorized();
        case 404:
            if (target.room === "builds") return buildNotFound();
            return target.room === "agents" ? serviceNotFound() : setNotFound();
        case 409:
            return target.room === "agents" ? boundSetNotReady(undefined) : conflict(target.setName);
        case 429:
            return tooManyRequests();
        case 503:
            return apiError(503, "SERVICE_UNAVAILABLE", "Service unavailable (injected fault)");
        default:
            return status >= 500
                ? apiError(status, "INTERNAL_SERVER_ERROR", "Internal server error (injected fault)")
                : apiError(status, "INJECTED_FAULT", `Injected fault with status ${status}`);
    }
}

// ---- Builds -------------------------------------------------------------------------------------------------------
// Sources: CONTRACT.md "Cloud builds" (the REST spec `/builds*` and the deploy action's `src/build.js`, `src/api.js`).

/** 400 for a `/builds/{id}` whose id is not a UUID, verbatim from the REST spec's description ("malformed id"). */
export function invalidBuildId(): ApiError {
    return badRequest("Invalid build ID");
}

/** 404 for `GET /builds/{id}` (and its logs) on a build the organisation does not have, verbatim from the contract. */
export function buildNotFound(): ApiError {
    return apiError(404, "NOT_FOUND", "Build not found");
}

/** 400 for `POST /builds` when nothing was uploaded under that `uploadId` (the contract's "upload not found"). */
export function uploadNotFound(): ApiError {
    return badRequest("Upload not found");
}

/** 400 for an agent whose `buildId` names no build in the agent's region, verbatim from the contract. */
export function deployBuildNotFound(): ApiError {
    return badRequest("Build not found");
}

/** 400 for an agent whose `buildId` names a build that is not `success`, verbatim from the contract. */
export function buildNotReady(status: string): ApiError {
    return badRequest(`Build is not ready (status: ${status}). Only successful builds can be deployed.`);
}

/**
 * An answer of the storage service (the S3-style upload): its HTTP status and the `<Error>` document S3 sends, with
 * S3's codes and messages (Amazon S3 API reference, "Error responses" and "POST Object"). Never holds a field's value
 * beyond the policy's own words.
 */
export interface StorageError {
    readonly status: number;
    readonly code: string;
    readonly message: string;
}

/** The XML body S3 sends for a {@link StorageError}. */
export function storageErrorXml(e: StorageError): string {
    const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escape(e.code)}</Code><Message>${escape(e.message)}</Message></Error>`;
}

function storageError(status: number, code: string, message: string): StorageError {
    return { status, code, message };
}

/** 403 for a policy whose `expiration` has passed, as S3 words it. */
export function policyExpired(): StorageError {
    return storageError(403, "AccessDenied", "Invalid according to Policy: Policy expired.");
}

/** 403 for a form field the policy does not allow (a changed, missing, extra or misplaced field), as S3 words it. */
export function policyConditionFailed(detail: string): StorageError {
    return storageError(403, "AccessDenied", `Invalid according to Policy: ${detail}`);
}

/** 403 for a signature that does not match the policy (shared interface: `AccessDenied`; S3 itself says `SignatureDoesNotMatch`). */
export function signatureMismatch(): StorageError {
    return storageError(
        403,
        "AccessDenied",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    );
}

/** 400 for a file over the policy's `content-length-range`, as S3 words it. */
export function entityTooLarge(): StorageError {
    return storageError(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size");
}

/** 400 for a file under the policy's `content-length-range`, as S3 words it. */
export function entityTooSmall(): StorageError {
    return storageError(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size");
}

/** 400 for a form without exactly one `file` part, as S3 words it. */
export function incorrectNumberOfFiles(): StorageError {
    return storageError(400, "IncorrectNumberOfFilesInPostRequest", "POST requires exactly one file upload per request.");
}

/** 412 for a POST that is not `multipart/form-data`, as S3 words it. */
export function notMultipart(): StorageError {
    return storageError(412, "PreconditionFailed", "Bucket POST must be of the enclosure-type multipart/form-data");
}

/** 400 for a multipart body that cannot be parsed, as S3 words it. */
export function malformedPost(): StorageError {
    return storageError(400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.");
}

/** 404 for a bucket other than the emulator's, as S3 words it. */
export function noSuchBucket(): StorageError {
    return storageError(404, "NoSuchBucket", "The specified bucket does not exist");
}

/** The S3 error of an injected fault on the storage route that gives a status but no body. */
export function storageFaultError(status: number): StorageError {
    switch (status) {
        case 403:
            return storageError(403, "AccessDenied", "Access Denied");
        case 503:
            return storageError(503, "SlowDown", "Please reduce your request rate.");
        default:
            return status >= 500
                ? storageError(status, "InternalError", "We encountered an internal error. Please try again.")
                : storageError(status, "InjectedFault", `Injected fault with status ${status}`);
    }
}
