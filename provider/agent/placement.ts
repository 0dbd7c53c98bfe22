/**
 * Where an agent will run, and whether what it binds is there too, decided by `check` before anything
 * is sent or deleted. A move is a replacement that deletes the running agent first under the same name,
 * so a move the API would refuse (a set or build in another region) must fail in the preview, not after
 * the delete.
 */
import { isPipecatError } from "../errors";
import { type CheckFailure, UNKNOWN } from "../inputs";
import * as session from "../session";
import { api, currentSettings } from "../session";
import { getBuild } from "../build/endpoints";
import { organisationDefaultRegion } from "../organization/regions";
import { listSets, setCall } from "../secretset/endpoints";
import { agentCall } from "./endpoints";
import type { AgentInputs, AgentOutputs } from "./types";

/** The previous checked inputs: none at a create. */
type Props = Partial<AgentInputs>;

/** The kind of resource, for what the session remembers per process. */
// Stryker disable next-line StringLiteral: the key only has to differ from SecretSet's ("SecretSet"); "" does too
export const KIND = "Agent";

const known = (v: unknown): v is string => typeof v === "string" && v !== "" && v !== UNKNOWN;

/**
 * The region the agent will use, so that the preview shows it: the declared one; else the one its
 * inputs already hold (a region no longer declared keeps the agent where it is); else, for a
 * replacement, the old agent's (a replacement's check gets no old inputs; the diff before it saw them).
 * `kept`: the region the agent has now, as far as its old inputs or the replaced agent tell.
 */
export function placed(old: Props, ins: AgentInputs): { readonly ins: AgentInputs; readonly kept: string | undefined } {
    const replaced = Object.keys(old).length === 0 ? session.replacedPlace(KIND, ins) : undefined;
    const carried = [old["region"], replaced?.region].find(known);
    const region = ins.region ?? carried;
    // An agent runs in its sets' region: without a region in its old inputs, a bound SecretSet resource's last
    // known region tells where it is, so a set moved under it is a mismatch, not a silent break. (Only for the
    // checks: put into the inputs, it would show in every preview as a new `region`.)
    const kept = carried ?? [old["secretSetRegion"], old["imagePullSecretSetRegion"], old["buildRegion"]].find(known);
    return { ins: region === undefined ? ins : { ...ins, region }, kept };
}

/** Whether these inputs place an agent anew: a create (or a replacement's), or a region other than where it is (`kept`). */
export function placesAnew(old: Props, ins: AgentInputs, kept: string | undefined): boolean {
    return Object.keys(old).length === 0 || (ins.region !== undefined && ins.region !== kept);
}

/**
 * Failures that need no API: a bound SecretSet resource, or a Build resource, whose region is known and is
 * not the agent's (so also in a pull-request preview without a key), and a `websocketAuth` no longer declared.
 */
export function inputFailures(old: Props, ins: AgentInputs, kept: string | undefined): CheckFailure[] {
    const failures: CheckFailure[] = [];
    if (typeof old["websocketAuth"] === "string" && ins.websocketAuth === undefined) {
        failures.push({
            property: "",
            reason:
                `websocketAuth: no longer declared (it was "${old["websocketAuth"]}"). An update leaves out a field it does not send, so ` +
                'the agent would keep it, and Pipecat\'s pages disagree on its default ("none" or "token"): declare websocketAuth: "none" or "token"',
        });
    }
    const where = ins.region ?? kept;
    if (!known(where)) return failures;
    for (const [binding, region] of [
        ["secretSet", ins.secretSetRegion],
        ["imagePullSecretSet", ins.imagePullSecretSetRegion],
    ] as const) {
        if (known(region) && region !== where) failures.push(elsewhere(binding, ins[binding], region, where));
    }
    if (known(ins.buildRegion) && ins.buildRegion !== where) failures.push(buildElsewhere(ins.buildId, ins.buildRegion, where));
    return failures;
}

/**
 * With an API key: each bound set (from the sets list) and the build (`GET /builds/{id}`) must be in the
 * region the agent will use (for a new agent without one, the organisation's default). For an agent that
 * exists, what cannot be checked fails too: it is about to be deleted first.
 */
export async function placementFailures(old: Props, ins: AgentInputs, kept: string | undefined): Promise<CheckFailure[]> {
    if (currentSettings().apiKey === undefined || !placesAnew(old, ins, kept)) return [];
    const exists = Object.keys(old).length > 0;
    const ctx = setCall("region check", known(ins.secretSet) ? ins.secretSet : ins.name);
    // A SecretSet resource's own region (its planned one, in a preview) wins over the list, which would still
    // show where a set that this run moves was; a set bound by name is looked up in the list. A new agent
    // without a region goes to the organisation's default, which is read only to compare a SecretSet
    // resource's region (a set by name that is elsewhere makes the create fail cleanly, and nothing is lost).
    const bound = (["secretSet", "imagePullSecretSet"] as const).filter(
        (b) => known(ins[b]) && (exists || ins.region !== undefined || known(ins[`${b}Region`])),
    );
    if (bound.length === 0 && !known(ins.buildId) && !known(ins.buildRegion)) return [];
    try {
        const target = ins.region ?? (await organisationDefaultRegion(ctx));
        if (!known(target)) return [];
        const failures: CheckFailure[] = [];
        const byName = bound.filter((b) => !known(ins[`${b}Region`]));
        const sets = byName.length > 0 ? await listSets(api(), ctx) : [];
        for (const binding of bound) {
            const declared = ins[`${binding}Region`];
            const row = known(declared) ? undefined : sets.find((s) => s.name === ins[binding]);
            const region = known(declared) ? declared : row?.region;
            if (region !== undefined && region !== target) failures.push(elsewhere(binding, ins[binding], region, target));
            // An agent that exists is deleted first: a set the new agent could not be deployed with refuses the move.
            else if (exists && !known(declared) && (row === undefined || row.status === "failed")) {
                const why = row === undefined ? "is not in the organisation's sets list" : "failed to provision";
                failures.push({
                    property: "",
                    reason: `${binding}: set "${ins[binding]}" ${why}, so the agent was not replaced (it would be deleted first, then fail to deploy)`,
                });
            }
        }
        // A Build resource's declared region wins over the API (a build this run makes again elsewhere).
        if (known(ins.buildRegion)) {
            if (ins.buildRegion !== target) failures.push(buildElsewhere(ins.buildId, ins.buildRegion, target));
        } else if (known(ins.buildId)) {
            const build = await getBuild(api(), agentCall("region check", ins.name), ins.buildId);
            if (build === "unknown" && exists)
                failures.push({ property: "", reason: `buildId: build ${ins.buildId} was not found, so the agent was not moved` });
            else if (build !== "unknown" && build.region !== undefined && build.region !== target) {
                failures.push(buildElsewhere(ins.buildId, build.region, target));
            }
        }
        return failures;
    } catch (e) {
        if (!exists || !isPipecatError(e)) return [];
        return [
            {
                property: "",
                reason: `region: where the agent's sets and build are could not be checked, so the agent was not moved (${e.message})`,
            },
        ];
    }
}

/**
 * For diff, which knows where the agent runs (its outputs): a Build resource whose declared region is not that
 * region, for an agent that stays where it is. Check cannot see it when neither the agent nor the build declared a
 * region before (an agent without a region has none in its inputs): the new build would be made, then the agent's
 * update refused. A move (a newly declared region) is check's.
 */
export function buildMovedAway(before: Partial<AgentOutputs>, ins: AgentInputs): string | undefined {
    const where = ins.region ?? before.region;
    if (!known(where) || !known(ins.buildRegion) || ins.buildRegion === where) return undefined;
    return buildElsewhere(ins.buildId, ins.buildRegion, where).reason;
}

function buildElsewhere(buildId: string | undefined, region: string, target: string): CheckFailure {
    const which = known(buildId) ? `build ${buildId}` : "the build";
    return {
        property: "",
        reason: `buildId: ${which} is in region "${region}", but the agent would be in "${target}": build again in "${target}", or keep the agent in "${region}"`,
    };
}

function elsewhere(binding: string, set: string | undefined, region: string, target: string): CheckFailure {
    return {
        property: "",
        reason:
            `${binding}: set "${set}" is in region "${region}", but the agent would be in "${target}", and an agent's sets must be in its region. ` +
            `Create the set in "${target}" (a SecretSet with region: "${target}"), or keep the agent in "${region}"`,
    };
}
