/**
 * The provider's behaviour for OrganizationSettings: check, diff, create, read, update, delete and configure.
 * Not serialized: the shim in `provider.ts` requires this module by package name in the provider process, as the
 * other resources' do, and shares that process's settings and API client (`../session`).
 *
 * There is one set of settings per organisation, so the resource has a fixed id, is never replaced, and its delete
 * sends nothing: the organisation keeps its default region.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { PipecatError, isPipecatError } from "../errors";
import { type CheckFailure, UNKNOWN } from "../inputs";
import * as session from "../session";
import { api, currentSettings, found as readAs, unchecked, withoutProvider as strip } from "../session";
import type { ConfigSource } from "../settings";
import { didYouMean } from "../suggest";
import { diffSettings, regionChanged } from "./diff";
import { defaultRegion as readDefaultRegion, organizationCall, setDefaultRegion } from "./endpoints";
import { learnDefaultRegion, organisationDefaultRegionSchema } from "./regions";
import { checkInputs } from "./schema";
import type { OrganizationSettingsInputs, OrganizationSettingsOutputs } from "./types";

/** The provider's methods, typed as the engine calls them: checked inputs in, the settings' outputs out. */
type Provider = Required<dynamic.ResourceProvider<OrganizationSettingsInputs, OrganizationSettingsOutputs>>;

/** The id of every OrganizationSettings: there is one per organisation. */
const SETTINGS_ID = "organization";

/** The URN of the first OrganizationSettings this process checked: every resource of a program is checked here. */
let claimedBy: string | undefined;
session.onReset(() => {
    claimedBy = undefined;
});

export async function configure(req: { readonly config: ConfigSource }): Promise<void> {
    session.configure(req.config);
}

export async function check(olds: OrganizationSettingsInputs, news: OrganizationSettingsInputs): ReturnType<Provider["check"]> {
    const result = checkInputs(unchecked(news));
    if (!result.ok) return { inputs: news, failures: result.failures };
    const ins = result.inputs;
    let failures = secondFailures(ins.resourceUrn);
    if (failures.length === 0) failures = await regionFailures(strip(olds), ins);
    if (failures.length > 0) return { inputs: news, failures };
    return { inputs: { ...ins } };
}

/**
 * Only one OrganizationSettings per program: two would write one organisation's default region in turn, each `up`
 * undoing the other. Every dynamic resource of a program is checked in one provider process, so the first URN
 * checked claims the settings and another is refused, naming both. (Two programs, or two stacks, managing one
 * organisation cannot be seen from here: README.)
 */
function secondFailures(urn: string | undefined): CheckFailure[] {
    if (urn === undefined || urn === UNKNOWN) return [];
    claimedBy ??= urn;
    if (claimedBy === urn) return [];
    return [
        {
            property: "",
            reason:
                `only one OrganizationSettings may be declared per program, and ${described(claimedBy)} already is: ${described(urn)} ` +
                "would write the same organisation's default region. Declare the settings once (pass that resource where it is needed).",
        },
    ];
}

/** `"<name>" (<urn>)`: the resource name a user declared, and where it is in the program. */
function described(urn: string): string {
    return `"${urn.slice(urn.lastIndexOf("::") + 2)}" (${urn})`;
}

/**
 * A newly declared default region is checked against the regions the organisation may choose
 * (`GET /properties/schema`, read once per process), with a "did you mean" for a typo. Without an API key (a
 * pull-request preview) nothing is sent, nor for an unchanged region. When the schema cannot be read, nothing is
 * refused here: nothing is deleted on the way, and the PATCH then fails with the API's own words.
 */
async function regionFailures(old: Partial<OrganizationSettingsInputs>, ins: OrganizationSettingsInputs): Promise<CheckFailure[]> {
    const region = ins.defaultRegion;
    if (region === UNKNOWN || region === old.defaultRegion || currentSettings().apiKey === undefined) return [];
    let available: readonly string[];
    try {
        available = (await organisationDefaultRegionSchema(organizationCall("region check"))).availableValues;
    } catch (e) {
        if (isPipecatError(e)) return [];
        throw e;
    }
    if (available.length === 0 || available.includes(region)) return [];
    return [
        {
            property: "",
            reason: `defaultRegion: "${region}" is not a region this organisation can use (it has: ${available.join(", ")})${didYouMean(region, available)}`,
        },
    ];
}

export async function diff(_id: string, olds: OrganizationSettingsOutputs, news: OrganizationSettingsInputs): ReturnType<Provider["diff"]> {
    return diffSettings(strip(olds), strip(news));
}

export async function create(props: OrganizationSettingsInputs): ReturnType<Provider["create"]> {
    const ins = strip(props);
    return guard(async () => ({ id: SETTINGS_ID, outs: await written(ins, "create") }));
}

export async function update(
    _id: string,
    olds: OrganizationSettingsOutputs,
    news: OrganizationSettingsInputs,
): ReturnType<Provider["update"]> {
    const before: Partial<OrganizationSettingsOutputs> = strip(olds);
    const ins = strip(news);
    return guard(async () => {
        // Bookkeeping only (a renamed resource or stack): nothing to send.
        if (!regionChanged(before, ins)) return { outs: { ...ins, availableRegions: before.availableRegions ?? [] } };
        return { outs: await written(ins, "update") };
    });
}

/**
 * PATCH /properties with the declared default region; the outputs are what the API answers. This process learns the
 * new default, so the sets and agents checked after it (those that `dependsOn` it) are placed there.
 */
async function written(ins: OrganizationSettingsInputs, step: "create" | "update"): Promise<OrganizationSettingsOutputs> {
    const answer = await setDefaultRegion(api(), organizationCall(step), ins.defaultRegion);
    const region = answer.currentValue ?? ins.defaultRegion;
    learnDefaultRegion(region, answer);
    return { ...ins, defaultRegion: region, availableRegions: [...answer.availableValues] };
}

/**
 * GET /properties: the default region as it is now, so a change made outside Pulumi (the dashboard, `pcc`) shows in
 * `pulumi refresh` and the next `up` sets the declared one again. The regions it may take come from the schema.
 */
export async function read(id: string, props?: Partial<OrganizationSettingsOutputs>): ReturnType<Provider["read"]> {
    const olds: Partial<OrganizationSettingsOutputs> = strip(props ?? {});
    return guard(async () => {
        const ctx = organizationCall("read");
        const region = (await readDefaultRegion(api(), ctx)) ?? olds.defaultRegion;
        if (region === undefined) {
            throw new PipecatError(
                "read of the organisation's settings failed: Pipecat Cloud answered GET /properties without a defaultRegion. Run the command again; if this persists, report it.",
            );
        }
        const schema = await organisationDefaultRegionSchema(ctx);
        learnDefaultRegion(region);
        return readAs<OrganizationSettingsOutputs>(id || SETTINGS_ID, {
            ...olds,
            defaultRegion: region,
            availableRegions: schema.availableValues.length > 0 ? [...schema.availableValues] : (olds.availableRegions ?? []),
        });
    });
}

/** What a delete (destroy, or the resource removed from the program) prints: the organisation keeps its setting. */
const KEPT_ON_DELETE =
    "pipecat: OrganizationSettings was removed from the stack, and the organisation keeps its default region as it is (an organisation always has one; nothing was sent). Change it in the Pipecat Cloud dashboard, or with an OrganizationSettings, if you need to.";

/**
 * Sends nothing: an organisation always has a default region, and resources of other stacks may rely on the one it
 * has. The provider says so on its output, which the engine shows with the command's diagnostics.
 */
async function deleteSettings(_id: string, _props: OrganizationSettingsOutputs): ReturnType<Provider["delete"]> {
    process.stderr.write(`${KEPT_ON_DELETE}\n`);
}
export { deleteSettings as delete };

/** Runs an operation so that anything it throws that is not ours (a bug) is rebuilt without its cause. */
async function guard<T>(op: () => Promise<T>): Promise<T> {
    try {
        return await op();
    } catch (e) {
        if (isPipecatError(e)) throw e;
        throw new PipecatError(
            `Unexpected error in the Pipecat organisation settings provider: ${e instanceof Error ? e.message : String(e)}`,
        );
    }
}

// The methods the shim calls, as the engine's interface types them.
void ({ configure, check, diff, create, read, update, delete: deleteSettings } satisfies dynamic.ResourceProvider<
    OrganizationSettingsInputs,
    OrganizationSettingsOutputs
>);
