/**
 * The API's error shape and every error the emulator can answer, in one voice.
 *
 * Messages quoted in `CONTRACT.md` are reproduced verbatim; the others are the emulator's own wording (listed in the
 * README). No message ever contains a secret value: only set names, key names, regions and limits.
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

/**
 * The default body of an injected fault that gives a status but no body: the contract's message where one exists
 * (409, 429), the error shape with a generic message otherwise.
 */
export function faultError(status: number, setName: string | undefined): ApiError {
  switch (status) {
    case 400:
      return badRequest("Bad request (injected fault)");
    case 401:
      return unauthorized();
    case 404:
      return setNotFound();
    case 409:
      return conflict(setName);
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
