/**
 * What each properties route answers: a matched route and its JSON body in, a status and a JSON body out. No I/O.
 */
import { type Reply, type RequestBody, errorReply } from "../outcome";
import type { RouteMatch } from "../routes";
import { parsePatchBody } from "./rules";
import type { PropertiesStore } from "./store";
import { propertiesView, schemaView } from "./views";

/**
 * Runs one matched request of the properties room against the store. Only `PATCH` reads its body; a refused one
 * changes nothing.
 * @internal
 */
export function handleProperties(store: PropertiesStore, match: RouteMatch, body: RequestBody): Reply {
    switch (match.route) {
        case "GET /properties":
            return { status: 200, body: propertiesView(store.read()) };
        case "GET /properties/schema":
            return { status: 200, body: schemaView(store.read()) };
        case "PATCH /properties": {
            const patch = parsePatchBody(body, store.availableRegions());
            if (!patch.ok) return errorReply(patch.error);
            return { status: 200, body: schemaView(store.patch(patch.value)) };
        }
        default:
            throw new Error(`handleProperties: ${match.route} is not a properties route`);
    }
}
