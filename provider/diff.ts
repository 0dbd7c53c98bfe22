/**
 * What a change of inputs means for a secret set: nothing, an update in place, or a replacement.
 * Pure functions of the old outputs and the new checked inputs, so the plan shown by `pulumi preview`
 * is exactly the one `pulumi up` carries out.
 *
 * Outputs hold no value (see `SecretSetOutputs`), so changes of the declared set are left to the
 * engine: leaving `changes` out tells it to compare the old and new inputs itself, where the values
 * are (as secrets). The provider decides what only it can: replacements, and drift of the keys.
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

function sameList(a: readonly string[], b: readonly string[]): boolean {
    return a.length === b.length && [...a].sort().every((k, i) => k === [...b].sort()[i]);
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
    // Keys added or removed outside Pulumi (found by refresh): the inputs may not have changed, so
    // only the provider can tell. Update, to make the set's keys the declared ones again.
    if (!sameList(olds.keys ?? [], olds.declaredKeys ?? Object.keys(news.secrets ?? {}))) {
        return { changes: true, replaces: [], deleteBeforeReplace: false };
    }
    // Otherwise every change (a key added, removed, or a value rotated) is a change of the inputs,
    // which the engine compares itself: its detailed diff then marks each changed key in a preview.
    return { replaces: [], deleteBeforeReplace: false };
}
