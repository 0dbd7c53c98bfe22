/**
 * The organisation's regions as every resource's `check` uses them: read once per provider process (per
 * client: a new configuration reads them again), and the check failures of a newly declared region.
 */
import { isPipecatError } from "../errors";
import { type CheckFailure, UNKNOWN } from "../inputs";
import { api, currentSettings } from "../session";
import { didYouMean } from "../suggest";
import type { CallContext } from "../api/call";
import type { Transport } from "../api/transport";
import { type DefaultRegionSchema, defaultRegionSchema, defaultRegion as readDefaultRegion, regions as readRegions } from "./endpoints";

/** What this process fetched, with the client it fetched it with (a new configuration reads again). */
interface Fetched {
    regions?: Promise<string[]>;
    defaultRegion?: Promise<string | undefined>;
    schema?: Promise<DefaultRegionSchema>;
}
const fetched = new WeakMap<Transport, Fetched>();

/** What `read` answers, once per client; a failed read is tried again next time. */
async function once<K extends keyof Fetched>(
    key: K,
    read: (client: Transport) => NonNullable<Fetched[K]>,
): Promise<Awaited<NonNullable<Fetched[K]>>> {
    const client = api();
    const cache = fetched.get(client) ?? {};
    fetched.set(client, cache);
    cache[key] ??= read(client);
    try {
        return (await cache[key]) as Awaited<NonNullable<Fetched[K]>>;
    } catch (e) {
        delete cache[key];
        throw e;
    }
}

/** The organisation's region codes (`GET /regions`), once per process; a failed fetch is tried again next time. */
export function organisationRegions(ctx: CallContext): Promise<string[]> {
    return once("regions", (client) => readRegions(client, ctx));
}

/** The organisation's default region (`GET /properties`), once per process; a failed fetch is tried again next time. */
export function organisationDefaultRegion(ctx: CallContext): Promise<string | undefined> {
    return once("defaultRegion", (client) => readDefaultRegion(client, ctx));
}

/** The default region's schema (`GET /properties/schema`: the regions it may take), once per process. */
export function organisationDefaultRegionSchema(ctx: CallContext): Promise<DefaultRegionSchema> {
    return once("schema", (client) => defaultRegionSchema(client, ctx));
}

/**
 * What this process knows after OrganizationSettings wrote the default region: sets and agents declared without a
 * region that are checked after it in the same run (they `dependsOn` it) see the new default, not the one read before.
 */
export function learnDefaultRegion(region: string, schema?: DefaultRegionSchema): void {
    const client = api();
    const cache = fetched.get(client) ?? {};
    fetched.set(client, cache);
    cache.defaultRegion = Promise.resolve(region);
    if (schema !== undefined && schema.availableValues.length > 0) cache.schema = Promise.resolve(schema);
}

/**
 * Check failures for a newly declared region, checked against the organisation's regions before
 * anything is written or deleted: a region change replaces a resource, deleting it first under the
 * same name, so a typo would otherwise cost the live one before the API refused the region. Without
 * an API key (a pull-request preview) nothing is sent; `up`, which has the key, checks it.
 * `existed`: a resource that exists is not replaced when the regions cannot be read.
 */
export async function regionFailures(
    region: string | undefined,
    previous: unknown,
    existed: boolean,
    ctx: CallContext,
    what: string,
    redact: (text: string) => string,
): Promise<CheckFailure[]> {
    if (region === undefined || region === UNKNOWN || previous === region || currentSettings().apiKey === undefined) return [];
    let available: readonly string[];
    try {
        available = await organisationRegions(ctx);
    } catch (e) {
        // A new resource needs no check: a wrong region fails its creation and nothing is lost.
        if (!existed) return [];
        const why = isPipecatError(e) ? redact(e.message) : "no answer";
        return [{ property: "", reason: `region: "${region}" could not be checked, so ${what} was not replaced (${why})` }];
    }
    if (available.includes(region)) return [];
    return [
        {
            property: "",
            reason: `region: "${region}" is not a region this organisation can use (it has: ${available.join(", ")})${didYouMean(region, available)}`,
        },
    ];
}
