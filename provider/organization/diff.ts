/**
 * What a change of inputs means for the organisation's settings: nothing, or an update (a PATCH). Never a
 * replacement: there is one set of settings per organisation, and nothing to delete and create again. Pure.
 */
import { UNKNOWN } from "../inputs";
import type { OrganizationSettingsInputs, OrganizationSettingsOutputs } from "./types";

export interface OrganizationSettingsDiff {
    readonly changes: boolean;
    readonly replaces: string[];
    readonly deleteBeforeReplace: boolean;
}

/**
 * A new `defaultRegion` (or one changed outside Pulumi, as refresh reads it back) is an update; an unknown one (a
 * preview) is a change. `resourceUrn` is bookkeeping: a renamed resource or stack sends nothing.
 */
export function diffSettings(olds: Partial<OrganizationSettingsOutputs>, news: OrganizationSettingsInputs): OrganizationSettingsDiff {
    return { changes: regionChanged(olds, news), replaces: [], deleteBeforeReplace: false };
}

/** Whether an update must PATCH: the declared default region is not the one stored (or last read back). */
export function regionChanged(olds: Partial<OrganizationSettingsOutputs>, news: OrganizationSettingsInputs): boolean {
    return news.defaultRegion === UNKNOWN || news.defaultRegion !== olds.defaultRegion;
}
