/**
 * The in-memory record of requests the emulator answered, for assertions in tests. Never printed or sent anywhere.
 */
import type { RouteId } from "./routes";

/** One request as the emulator saw and answered it. */
export interface RecordedRequest {
    /** HTTP method, upper case. */
    readonly method: string;
    /** URL path as received, without the query string, e.g. `/v1/secrets/my-set`. */
    readonly path: string;
    /** The route it matched, when it matched one. */
    readonly route?: RouteId;
    /** The set named in the path (decoded), for routes that name one. */
    readonly setName?: string;
    /** The agent named in the path (decoded), for `/agents/:name` routes. */
    readonly agentName?: string;
    /** Status answered; 0 when the connection was dropped by a fault. */
    readonly status: number;
    /** Parsed JSON request body, when there was a valid one. Holds secret values: keep it in memory. */
    readonly body?: unknown;
    /** Clock time (the emulator's `now`) at which the request arrived, in milliseconds. */
    readonly at: number;
    /** Whether an injected fault or the rate limiter produced the answer (or the delay). */
    readonly faulted: boolean;
}

/**
 * Which requests to count: every given field must match, or a predicate.
 * `path` is compared with {@link RecordedRequest.path} exactly.
 */
export type RequestFilter =
    | {
          readonly method?: string;
          readonly path?: string;
          readonly route?: RouteId;
          readonly setName?: string;
          readonly agentName?: string;
          readonly status?: number;
      }
    | ((request: RecordedRequest) => boolean);

/** Whether `request` passes `filter`. @internal */
export function matchesFilter(request: RecordedRequest, filter: RequestFilter | undefined): boolean {
    if (filter === undefined) return true;
    if (typeof filter === "function") return filter(request);
    return (
        (filter.method === undefined || filter.method.toUpperCase() === request.method) &&
        (filter.path === undefined || filter.path === request.path) &&
        (filter.route === undefined || filter.route === request.route) &&
        (filter.setName === undefined || filter.setName === request.setName) &&
        (filter.agentName === undefined || filter.agentName === request.agentName) &&
        (filter.status === undefined || filter.status === request.status)
    );
}
