/**
 * What each agents route answers: a matched route, its JSON body and query in, a status and a JSON body out. No I/O.
 * The store returns agents as read; the views render them.
 *
 * Success bodies carry agent and set names, the image, scaling and deployment phases; never a secret value.
 */
import { invalidParameters } from "../errors";
import { type Reply, type RequestBody, errorReply, reply } from "../outcome";
import type { RouteMatch } from "../routes";
import { parseCreateBody, parseUpdateBody } from "./rules";
import type { AgentStore } from "./store";
import { serviceDetails, serviceListItem } from "./views";

/**
 * Runs one matched request of the agents room against the store. Create and update read their body (malformed JSON
 * is rejected before any rule runs); `GET /agents` reads the documented `region` and `includeActiveDeployment`
 * query parameters.
 * @internal
 */
export function handleAgents(store: AgentStore, match: RouteMatch, body: RequestBody, query: URLSearchParams): Reply {
    const name = match.agentName ?? "";
    switch (match.route) {
        case "POST /agents": {
            if (!body.valid) return errorReply(invalidParameters("body is not valid JSON"));
            const request = parseCreateBody(body.value);
            if (!request.ok) return errorReply(request.error);
            return reply(store.create(request.value), 200, serviceDetails);
        }
        case "GET /agents": {
            const region = query.get("region") ?? undefined;
            const includeDeployment = query.get("includeActiveDeployment") === "true";
            return { status: 200, body: { services: store.list(region).map((agent) => serviceListItem(agent, includeDeployment)) } };
        }
        case "GET /agents/:name":
            return reply(store.describe(name), 200, serviceDetails);
        case "POST /agents/:name": {
            if (!body.valid) return errorReply(invalidParameters("body is not valid JSON"));
            const request = parseUpdateBody(body.value);
            if (!request.ok) return errorReply(request.error);
            return reply(store.update(name, request.value), 200, serviceDetails);
        }
        case "DELETE /agents/:name":
            return reply(store.delete(name), 200, () => ({ status: "OK" }));
        default:
            throw new Error(`handleAgents: ${match.route} is not an agents route`);
    }
}
