/**
 * What a change of inputs means for a secret set: nothing, an update in place, or a replacement.
 * Pure functions of the old outputs and the new checked inputs, so the plan shown by `pulumi preview`
 * is exactly the one `pulumi up` carries out.
 *
 * Outputs hold no value (see `SecretSetOutputs`), so whether a value changed is left to the engine:
 * leaving `changes` out tells it to compare the old and new inputs itself, where the values are (as
 * secrets). The provider decides what only it can: replacements, and keys that differ from the set's.
 */
import { UNKNOWN } from "./schema";
import type { SecretSetInputs, SecretSetOutputs } from "./types";

export type { SecretSetOutputs } from "./types";

/** The engine's view of a diff (Pulumi's `DiffResult`); without `changes`, the engine compares the inputs. */
export interface SecretSetDiff {
    readonly changes?: boolean;
    readonly replaces: string[];
    readonly deleteBeforeReplace: boolean;
}

/** The requests an in-place update of a regular set needs. */
export interface UpdatePlan {
    /** Every declared key, written in one PUT: the old values are not known, and a PUT merges. */
    readonly put: Readonly<Record<string, string>>;
    /** Keys that exist remotely but are no longer declared, each removed with its own DELETE. */
    readonly remove: readonly string[];
}

export function planUpdate(olds: Partial<SecretSetOutputs>, news: SecretSetInputs): UpdatePlan {
    const put = news.secrets ?? {};
    const remove = (olds.keys ?? []).filter((k) => !(k in put)).sort();
    return { put, remove };
}

function sameKeys(remote: readonly string[] | undefined, declared: Readonly<Record<string, string>> | undefined): boolean {
    const a = [...(remote ?? [])].sort();
    const b = Object.keys(declared ?? {}).sort();
    return a.length === b.length && a.every((k, i) => k === b[i]);
}

export function diffSecretSet(olds: Partial<SecretSetOutputs>, news: SecretSetInputs): SecretSetDiff {
    const replaces: string[] = [];
    const wasImagePull = olds.isImagePullSecret === true;
    const isImagePull = news.imagePullSecret !== undefined;

    if (news.name !== olds.name) replaces.push("name");
    if (news.region !== undefined && news.region !== olds.region) replaces.push("region");
    if (wasImagePull !== isImagePull) replaces.push(isImagePull ? "imagePullSecret" : "secrets");
    else if (isImagePull && (news.imagePullSecret?.host !== olds.host || news.imagePullSecret?.host === UNKNOWN)) replaces.push("imagePullSecret");

    // Same name on both sides: create-then-delete would delete the set just written, so delete first.
    const sameName = news.name === olds.name && news.name !== UNKNOWN;
    if (replaces.length > 0) return { changes: true, replaces, deleteBeforeReplace: sameName };
    if (isImagePull) {
        // Pipecat Cloud refuses to update an image-pull set: if the engine finds any change of the
        // (secret) credentials in the inputs, it replaces the set, deleting first.
        return { replaces: ["imagePullSecret"], deleteBeforeReplace: true };
    }
    // A key added or removed, in the program or (found by refresh) outside it: update.
    if (!sameKeys(olds.keys, news.secrets) || Object.keys(news.secrets ?? {}).includes(UNKNOWN)) {
        return { changes: true, replaces: [], deleteBeforeReplace: false };
    }
    // Same keys: a changed value shows as a change of the inputs, which the engine compares.
    return { replaces: [], deleteBeforeReplace: false };
}
