/** The builds API as the provider reads it today: where a build is (an Agent's placement checks it). */
import { z } from "zod";
import type { CallContext } from "../api/call";
import type { Transport } from "../api/transport";
import { parseJson } from "../api/response";

/** `GET /builds/{id}`, as far as the provider reads it. */
export interface BuildSummary {
    readonly region: string | undefined;
    readonly status: string | undefined;
}

const buildResponse = z.looseObject({ build: z.looseObject({ region: z.string().nullish(), status: z.string().nullish() }) });

/** GET /builds/{id}: the build's region and status; `"absent"` on a 404 (nothing is deleted on it). */
export function getBuild(api: Transport, ctx: CallContext, id: string): Promise<BuildSummary | "absent"> {
    return api.call(ctx, { method: "GET", path: `/builds/${encodeURIComponent(id)}` }, (res): BuildSummary | "absent" | undefined => {
        if (res.status === 404) return "absent";
        const body = parseJson(res, buildResponse, false);
        return body && { region: body.build.region ?? undefined, status: body.build.status ?? undefined };
    });
}
