/**
 * What each route answers: a matched route plus its JSON body in, a status and a JSON body out. No I/O.
 *
 * Success bodies carry set names, key names, regions and readiness only; no handler ever puts a value in a body.
 */
import { type ApiError, errorBody, imagePullBodyRequired } from "../errors";
import type { RouteMatch } from "../routes";
import { type EmulatorLimits, type Outcome, hasImagePullFields, parsePutBody } from "./rules";
import type { SecretStore } from "./store";

/** An answer to send: status and JSON body. @internal */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
}

/** Turns an error into its reply. @internal */
export function errorReply(e: ApiError): Reply {
  return { status: e.status, body: errorBody(e) };
}

function reply<T>(outcome: Outcome<T>, status: number, body: (value: T) => unknown): Reply {
  return outcome.ok ? { status, body: body(outcome.value) } : errorReply(outcome.error);
}

/**
 * Runs one matched request against the store. `body` is the parsed JSON body (only read by PUT; the server has
 * already answered 400 for malformed JSON).
 * @internal
 */
export function handle(store: SecretStore, match: RouteMatch, body: unknown, limits: EmulatorLimits): Reply {
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
      const request = parsePutBody(body, limits);
      // Today's docs: an update of an image-pull set needs the full body, and the 400 names its fields.
      if (!request.ok && !hasImagePullFields(body) && store.kindOf(name) === "imagePullSecret") return errorReply(imagePullBodyRequired());
      if (!request.ok) return errorReply(request.error);
      return reply(store.put(name, request.value), 202, ({ region }) => ({ status: "OK", region }));
    }
    case "GET /secrets/:name":
      return reply(store.describe(name), 200, (description) => description);
    case "DELETE /secrets/:name":
      return reply(store.delete(name), 200, () => ({ status: "OK" }));
    case "DELETE /secrets/:name/:key":
      return reply(store.deleteKey(name, match.secretKey ?? ""), 200, () => ({ status: "OK" }));
  }
}
