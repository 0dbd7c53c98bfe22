/**
 * What each secrets route answers: a matched route plus its JSON body in, a status and a JSON body out. No I/O.
 *
 * Success bodies carry set names, key names, regions and readiness only; no handler ever puts a value in a body.
 */
import { imagePullBodyRequired, invalidRequest } from "../errors";
import { type Reply, type RequestBody, errorReply, reply } from "../outcome";
import type { RouteMatch } from "../routes";
import type { SecretsLimits } from "./options";
import { hasImagePullFields, parsePutBody } from "./rules";
import type { SecretStore } from "./store";

/**
 * Runs one matched request of the secrets room (and `GET /regions`) against the store. Only PUT reads its body; a
 * malformed one is rejected before any rule runs.
 * @internal
 */
export function handleSecrets(store: SecretStore, match: RouteMatch, body: RequestBody, limits: SecretsLimits): Reply {
    const name = match.setName ?? "";
    switch (match.route) {
        case "GET /regions":
            return {
                status: 200,
                body: { regions: store.regions().map((r) => ({ code: r.code, display_name: r.displayName })) },
            };
        case "GET /secrets":
            return { status: 200, body: { sets: store.list() } };
        case "PUT /secrets/:name": {
            if (!body.valid) return errorReply(invalidRequest("body is not valid JSON"));
            const request = parsePutBody(body.value, limits);
            // Today's docs: an update of an image-pull set needs the full body, and the 400 names its fields.
            if (!request.ok && !hasImagePullFields(body.value) && store.kindOf(name) === "imagePullSecret")
                return errorReply(imagePullBodyRequired());
            if (!request.ok) return errorReply(request.error);
            return reply(store.put(name, request.value), 202, ({ region }) => ({ status: "OK", region }));
        }
        case "GET /secrets/:name":
            return reply(store.describe(name), 200, (description) => description);
        case "DELETE /secrets/:name":
            return reply(store.delete(name), 200, () => ({ status: "OK" }));
        case "DELETE /secrets/:name/:key":
            return reply(store.deleteKey(name, match.secretKey ?? ""), 200, () => ({ status: "OK" }));
        default:
            throw new Error(`handleSecrets: ${match.route} is not a secrets route`);
    }
}
