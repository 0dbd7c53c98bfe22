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
    | "GET /properties/schema";

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
];

/** A request matched to a route, with its decoded path parameters. */
export interface RouteMatch {
    readonly route: RouteId;
    /** The set named in the path (secrets routes). */
    readonly setName?: string;
    readonly secretKey?: string;
    /** The agent named in the path (`/agents/:name` routes). */
    readonly agentName?: string;
}

/** Why a request matched no route. */
export type RouteMiss = "not-found" | "bad-encoding";

/** Which room of the emulator serves a route. @internal */
export function roomOf(route: RouteId): "secrets" | "agents" | "properties" {
    if (route.includes("/properties")) return "properties";
    return route.includes("/agents") ? "agents" : "secrets";
}

/**
 * Matches a method and URL path (without query) to a route. Segments are percent-decoded; an empty segment
 * (a trailing slash, `//`) matches nothing.
 */
export function matchRoute(method: string, pathname: string): RouteMatch | RouteMiss {
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
