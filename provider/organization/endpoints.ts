/** The organisation's settings as the provider reads them: its regions, and its default region. */
import { z } from "zod";
import type { CallContext } from "../api/call";
import type { Transport } from "../api/transport";
import { parseJson } from "../api/response";

const regionsResponse = z.looseObject({ regions: z.array(z.looseObject({ code: z.string() })) });
const propertiesResponse = z.looseObject({ properties: z.looseObject({ defaultRegion: z.string().nullish() }) });

/** GET /regions: the region codes the organisation may use. */
export async function regions(api: Transport, ctx: CallContext): Promise<string[]> {
    const body = await api.call(ctx, { method: "GET", path: "/regions" }, (res) => parseJson(res, regionsResponse, false));
    return body.regions.map((r) => r.code);
}

/** GET /properties: the organisation's default region (where a set or agent created without `region` goes). */
export async function defaultRegion(api: Transport, ctx: CallContext): Promise<string | undefined> {
    const body = await api.call(ctx, { method: "GET", path: "/properties" }, (res) => parseJson(res, propertiesResponse, false));
    return body.properties.defaultRegion ?? undefined;
}
