/**
 * The organisation's properties as the API knows them (only `defaultRegion`, documented with `additionalProperties:
 * false`), and the rules of a `PATCH /properties` body. Pure functions, no state.
 */
import { invalidProperty, invalidRequest, noPropertiesProvided, regionNotAvailable } from "../errors";
import { type Outcome, type RequestBody, fail, ok } from "../outcome";

/** The properties an organisation has (documented: `defaultRegion` only). */
export const PROPERTY_NAMES = ["defaultRegion"] as const;
/** The name of an organisation property. */
export type PropertyName = (typeof PROPERTY_NAMES)[number];

/** The description of `defaultRegion` in the schema map, as the docs' example of `PATCH /properties` shows it. */
export const DEFAULT_REGION_DESCRIPTION = "Default region for new service deployments";
/** The `default` of `defaultRegion` in the schema map: the docs' platform default, whatever the organisation chose. */
export const SCHEMA_DEFAULT_REGION = "us-west";

/** A checked `PATCH /properties` body: the properties to change, each already valid. */
export interface PropertiesPatch {
    readonly defaultRegion: string;
}

/**
 * Checks a `PATCH /properties` body against the organisation's region codes (`available`, in `GET /regions` order).
 * In order: not JSON, then not an object (400 `Invalid request format: …`, the emulator's wording); no property at
 * all (`No properties provided`, an empty body included); the first unknown property in the body's order (`Property
 * '<name>' is not a valid property`); a `defaultRegion` that is not one of `available`, a non-string included
 * (`Region '<code>' is not available. Available regions: <a, b>`).
 */
export function parsePatchBody(body: RequestBody, available: readonly string[]): Outcome<PropertiesPatch> {
    if (!body.valid) return fail(invalidRequest("body is not valid JSON"));
    if (body.value === undefined) return fail(noPropertiesProvided());
    if (typeof body.value !== "object" || body.value === null || Array.isArray(body.value)) {
        return fail(invalidRequest("body must be a JSON object"));
    }
    const fields = body.value as Readonly<Record<string, unknown>>;
    const names = Object.keys(fields);
    if (names.length === 0) return fail(noPropertiesProvided());
    const unknown = names.find((name) => !(PROPERTY_NAMES as readonly string[]).includes(name));
    if (unknown !== undefined) return fail(invalidProperty(unknown));
    const region = fields["defaultRegion"];
    if (typeof region !== "string" || !available.includes(region)) {
        return fail(regionNotAvailable(typeof region === "string" ? region : String(JSON.stringify(region)), available));
    }
    return ok({ defaultRegion: region });
}
