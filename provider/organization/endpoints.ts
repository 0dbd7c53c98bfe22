/**
 * The organisation's API as the provider calls it: its regions, and its properties (the default region), read by
 * every resource's check and written by OrganizationSettings. One function per endpoint, the answers' schemas, the
 * API's words for properties, and the advice after an error answer.
 */
import { z } from "zod";
import type { Step } from "../errors";
import { type Answer, type CallContext, commonAdvice } from "../api/call";
import type { Transport } from "../api/transport";
import { parseJson } from "../api/response";
import { DEFAULT_API_URL } from "../api/url";

const regionsResponse = z.looseObject({ regions: z.array(z.looseObject({ code: z.string() })) });
const propertiesResponse = z.looseObject({ properties: z.looseObject({ defaultRegion: z.string().nullish() }) });
// Lenient on purpose, as the agents' answers: a field this provider does not read must not break a check or a refresh.
const propertySchema = z.looseObject({
    default: z.string().nullish(),
    currentValue: z.string().nullish(),
    availableValues: z.array(z.string()).nullish(),
});
const schemaResponse = z.looseObject({ properties: z.looseObject({ defaultRegion: propertySchema }) });

/**
 * The property `defaultRegion` as `GET /properties/schema` and `PATCH /properties` describe it: its value now, the
 * value an organisation starts with, and the region codes it may take.
 */
export interface DefaultRegionSchema {
    readonly currentValue: string | undefined;
    readonly default: string | undefined;
    readonly availableValues: readonly string[];
}

/** The API's words for a region the organisation cannot use (`Region '<code>' is not available. Available regions: a, b`). */
export const REGION_NOT_AVAILABLE = /^region '.*' is not available/i;
/** The API's words for a property it does not know (`Property '<name>' is not a valid property`). */
export const NOT_A_PROPERTY = /^property '.*' is not a valid property/i;
/** The API's words for a PATCH without any property. */
export const NO_PROPERTIES = /^no properties provided/i;

/** A call about the organisation's settings: what failed is said as `<step> of the organisation's settings`. */
export function organizationCall(step: Step): CallContext {
    return { step, subject: "the organisation's settings", advise: organizationAdvice };
}

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

/** GET /properties/schema: the default region's current value, its default and the regions it may take. */
export async function defaultRegionSchema(api: Transport, ctx: CallContext): Promise<DefaultRegionSchema> {
    const body = await api.call(ctx, { method: "GET", path: "/properties/schema" }, (res) => parseJson(res, schemaResponse, false));
    return schemaOf(body);
}

/**
 * PATCH /properties `{defaultRegion}` (the API takes PATCH, not PUT): the organisation's new default region. The answer
 * is the whole schema map, with the value now current. Sending it again sends the same value: retries are safe.
 */
export async function setDefaultRegion(api: Transport, ctx: CallContext, region: string): Promise<DefaultRegionSchema> {
    const body = await api.call(ctx, { method: "PATCH", path: "/properties", body: { defaultRegion: region } }, (res) =>
        parseJson(res, schemaResponse, false),
    );
    return schemaOf(body);
}

function schemaOf(body: z.infer<typeof schemaResponse>): DefaultRegionSchema {
    const p = body.properties.defaultRegion;
    return { currentValue: p.currentValue ?? undefined, default: p.default ?? undefined, availableValues: p.availableValues ?? [] };
}

/** What to do after an error answer about the organisation's settings. */
function organizationAdvice(a: Answer): string | undefined {
    const said = a.error ?? "";
    if (a.status === 400 && REGION_NOT_AVAILABLE.test(said)) {
        return "Declare one of the regions the API lists as the OrganizationSettings' defaultRegion, then run `pulumi up` again.";
    }
    if (a.status === 400 && NOT_A_PROPERTY.test(said)) {
        return "Pipecat Cloud does not know a property this provider sent (it sends only defaultRegion): the API may have changed; upgrade pulumi-pipecat-secrets.";
    }
    if (a.status === 400 && NO_PROPERTIES.test(said)) {
        return "The provider sent no property, which it never should: please report this with the command you ran.";
    }
    if (a.status === 404) {
        return (
            `Pipecat Cloud's organisation properties are never missing, so the API URL may be wrong: pipecat:apiUrl (or PIPECAT_API_URL) ` +
            `is ${a.apiUrl}; Pipecat Cloud's is ${DEFAULT_API_URL}.`
        );
    }
    if (a.status === 403) {
        return "The API key may not change the organisation's settings: use a Private API key of the organisation (`pulumi config set --secret pipecat:apiKey <key>`) whose owner may change them.";
    }
    return commonAdvice(a, { noun: "setting", plural: "settings" });
}
