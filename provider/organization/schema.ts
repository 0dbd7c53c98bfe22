/**
 * The input rules of OrganizationSettings, as a zod schema, and `checkInputs`, which turns raw inputs into validated
 * ones or into failures a user can act on. Pure. An unknown value (preview) is never an error.
 */
import { z } from "zod";
import { type CheckFailure, UNKNOWN, dropUndefined, formatIssues } from "../inputs";
import type { OrganizationSettingsInputs } from "./types";

const REGION_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const inputsSchema = z.strictObject({
    defaultRegion: z.union([
        z.literal(UNKNOWN),
        z
            .string({ error: 'must be a region code such as "us-west" (the region where resources without a region go)' })
            .regex(REGION_PATTERN, { error: 'must be a region code such as "us-west"' }),
    ]),
    resourceUrn: z.string().optional(),
});

export type CheckResult =
    { readonly ok: true; readonly inputs: OrganizationSettingsInputs } | { readonly ok: false; readonly failures: CheckFailure[] };

/** Validates raw inputs (`__provider` removed): `defaultRegion` is required, and nothing else may be declared. */
export function checkInputs(news: Readonly<Record<string, unknown>>): CheckResult {
    const parsed = inputsSchema.safeParse(news, { reportInput: false });
    if (!parsed.success) {
        const reasons = formatIssues(parsed.error.issues, () => "defaultRegion");
        return { ok: false, failures: reasons.map((reason) => ({ property: "", reason })) };
    }
    return { ok: true, inputs: dropUndefined(parsed.data) as OrganizationSettingsInputs };
}
