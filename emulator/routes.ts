/**
 * The API's routes and the matching of a request line to one of them. No I/O.
 */

/** The base path every route lives under. */
export const BASE_PATH = "/v1";

/** A route of the API, as fault rules and request filters name it. */
export type RouteId =
    | "GET /regions"
    | "GET /secrets"
    | "PUT /secrets/:name"
    | "GET /secrets/:name"
    | "DELETE /secrets/:name"
    | "DELETE /secrets/:name/:key"
    | "POST /agents"
    | "GET /agents"
    | "GET /agents/:name"
    | "POST /agents/:name"
    | "DELETE /agents/:name"
    | "GET /properties"
    | "PATCH /properties"
    | "GET /properties/schema"
    | "POST /builds/upload-url"
    | "POST /builds"
    | "GET /builds"
    | "GET /builds/:id"
    | "GET /builds/:id/logs"
    | "POST /storage/:bucket";

/** Every route, for validating options. */
export const ROUTE_IDS: readonly RouteId[] = [
    "GET /regions",
    "GET /secrets",
    "PUT /secrets/:name",
    "GET /secrets/:name",
    "DELETE /secrets/:name",
    "DELETE /secrets/:name/:key",
    "POST /agents",
    "GET /agents",
    "GET /agents/:name",
    "POST /agents/:name",
    "DELETE /agents/:name",
    "GET /properties",
    "PATCH /properties",
    "GET /properties/schema",
    "POST /builds/upload-url",
    "POST /builds",
    "GET /builds",
    "GET /builds/:id",
    "GET /builds/:id/logs",
    "POST /storage/:bucket",
];

/**
 * The path of the storage service's upload (outside {@link BASE_PATH}): the S3-style presigned POST a build's context
 * goes to. It takes no API key and its body is bytes (multipart), not JSON.
 */
export const STORAGE_PATH = "/storage";

/** A request matched to a route, with its decoded path parameters. */
export interface RouteMatch {
    readonly route: RouteId;
    /** The set named in the path (secrets routes). */
    readonly setName?: string;
    readonly secretKey?: string;
    /** The agent named in the path (`/agents/:name` routes). */
    readonly agentName?: string;
    /** The build named in the path (`/builds/:id` routes), as given (not yet checked to be a UUID). */
    readonly buildId?: string;
    /** The bucket named in the path of the storage upload. */
    readonly bucket?: string;
}

/** Why a request matched no route. */
export type RouteMiss = "not-found" | "bad-encoding";

/** Which room of the emulator serves a route. @internal */
export function roomOf(route: RouteId): "secrets" | "agents" | "properties" | "builds" {
    if (route.includes("/properties")) return "properties";
    if (route.includes("/builds") || route.includes("/storage")) return "builds";
    return route.includes("/agents") ? "agents" : "secrets";
}

/** Whether a route takes the API key: every route but the storage upload, which is authorised by its signed policy. @internal */
export function needsApiKey(route: RouteId): boolean {
    return route !== "POST /storage/:bucket";
}

/** Whether a route's body is bytes the room reads itself (the storage upload's multipart form), not JSON. @internal */
export function takesBytes(route: RouteId): boolean {
    return route === "POST /storage/:bucket";
}

/**
 * Matches a method and URL path (without query) to a route. Segments are percent-decoded; an empty segment
 * (a trailing slash, `//`) matches nothing.
 */
export function matchRoute(method: string, pathname: string): RouteMatch | RouteMiss {
    if (pathname.startsWith(`${STORAGE_PATH}/`)) return matchStorage(method, pathname);
    if (pathname !== BASE_PATH && !pathname.startsWith(`${BASE_PATH}/`)) return "not-found";
    const raw = pathname.slice(BASE_PATH.length + 1).split("/");
    let segments: string[];
    try {
        segments = raw.map((s) => decodeURIComponent(s));
    } catch {
        return "bad-encoding";
    }
    if (segments.some((s) => s === "")) return "not-found";

    const [collection, name, secretKey, ...rest] = segments;
    if (rest.length > 0) return "not-found";
    if (collection === "regions" && name === undefined && method === "GET") return { route: "GET /regions" };
    if (collection === "agents") return secretKey === undefined ? matchAgents(method, name) : "not-found";
    if (collection === "properties") return secretKey === undefined ? matchProperties(method, name) : "not-found";
    if (collection === "builds") return matchBuilds(method, name, secretKey);
    if (collection !== "secrets") return "not-found";
    if (name === undefined) return method === "GET" ? { route: "GET /secrets" } : "not-found";
    const setName = name;
    if (secretKey === undefined) {
        switch (method) {
            case "PUT":
                return { route: "PUT /secrets/:name", setName };
            case "GET":
                return { route: "GET /secrets/:name", setName };
            case "DELETE":
                return { route: "DELETE /secrets/:name", setName };
            default:
                return "not-found";
        }
    }
    return method === "DELETE" ? { route: "DELETE /secrets/:name/:key", setName, secretKey } : "not-found";
}

function matchAgents(method: string, agentName: string | undefined): RouteMatch | RouteMiss {
    if (agentName === undefined) {
        if (method === "POST") return { route: "POST /agents" };
        return method === "GET" ? { route: "GET /agents" } : "not-found";
    }
    switch (method) {
        case "GET":
            return { route: "GET /agents/:name", agentName };
        case "POST":
            return { route: "POST /agents/:name", agentName };
        case "DELETE":
            return { route: "DELETE /agents/:name", agentName };
        default:
            return "not-found";
    }
}

/** `/properties` (GET, PATCH; not PUT) and `/properties/schema` (GET); any other method is a route not found. */
function matchProperties(method: string, sub: string | undefined): RouteMatch | RouteMiss {
    if (sub === undefined) {
        if (method === "GET") return { route: "GET /properties" };
        return method === "PATCH" ? { route: "PATCH /properties" } : "not-found";
    }
    return sub === "schema" && method === "GET" ? { route: "GET /properties/schema" } : "not-found";
}

function matchBuilds(method: string, id: string | undefined, sub: string | undefined): RouteMatch | RouteMiss {
    if (id === undefined) {
        if (method === "POST") return { route: "POST /builds" };
        return method === "GET" ? { route: "GET /builds" } : "not-found";
    }
    if (sub !== undefined) return sub === "logs" && method === "GET" ? { route: "GET /builds/:id/logs", buildId: id } : "not-found";
    if (id === "upload-url" && method === "POST") return { route: "POST /builds/upload-url" };
    return method === "GET" ? { route: "GET /builds/:id", buildId: id } : "not-found";
}

/** `POST /storage/<bucket>`: one segment, the bucket. */
function matchStorage(method: string, pathname: string): RouteMatch | RouteMiss {
    const raw = pathname.slice(STORAGE_PATH.length + 1);
    if (raw === "" || raw.includes("/")) return "not-found";
    let bucket: string;
    try {
        bucket = decodeURIComponent(raw);
    } catch {
        return "bad-encoding";
    }
    return method === "POST" ? { route: "POST /storage/:bucket", bucket } : "not-found";
}
