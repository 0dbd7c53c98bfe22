/**
 * What a change of inputs means for a secret set: nothing, an update in place, or a replacement.
 * Pure functions of the old outputs and the new checked inputs, so the plan shown by `pulumi preview`
 * is exactly the one `pulumi up` carries out.
 *
 * Outputs hold no value (see `SecretSetOutputs`), so changes of the declared set are left to the
 * engine: leaving `changes` out tells it to compare the old and new inputs itself, where the values
 * are (as secrets). The provider decides what only it can: replacements, and drift of the keys.
 */
import { deleteFirst } from "../lifecycle";
import { UNKNOWN } from "./schema";
import type { ImagePullUpdates } from "../settings";
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
    // Own properties only: a key named "constructor" or "valueOf" is a key like any other.
    const remove = (olds.keys ?? []).filter((k) => !Object.hasOwn(put, k)).sort();
    return { put, remove };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
    return a.length === b.length && [...a].sort().every((k, i) => k === [...b].sort()[i]);
}

/**
 * `imagePullUpdates` is the provider's setting: with `in-place`, new image-pull credentials and a new
 * host are one PUT of the full body (the API since 2026-03-06), not a replacement.
 * `valueless`: check found that only bookkeeping inputs changed (`adopt`, the autoname prefix after a
 * rename with `aliases`); it alone saw the old values. Then nothing is written: no PUT, no new
 * revision, so no agent bound to the set is redeployed, and the preview shows no update.
 */
export function diffSecretSet(
    olds: Partial<SecretSetOutputs>,
    news: SecretSetInputs,
    imagePullUpdates: ImagePullUpdates = "replace",
    valueless = false,
): SecretSetDiff {
    const inPlace = imagePullUpdates === "in-place";
    const replaces: string[] = [];
    const wasImagePull = olds.isImagePullSecret === true;
    const isImagePull = news.imagePullSecret !== undefined;

    if (news.name !== olds.name) replaces.push("name");
    // A region that is not declared keeps the set where it is: only a declared, different one moves it.
    if (news.region !== undefined && news.region !== olds.region) replaces.push("region");
    if (wasImagePull !== isImagePull) replaces.push(isImagePull ? "imagePullSecret" : "secrets");
    // The docs say nothing of a new host; the full body carries it, so `in-place` updates it too.
    else if (isImagePull && !inPlace && (news.imagePullSecret?.host !== olds.host || news.imagePullSecret?.host === UNKNOWN))
        replaces.push("imagePullSecret");

    // Every replacement under the same name deletes first (`deleteFirst`); an autonamed set is created first.
    const deleteBeforeReplace = deleteFirst(olds.name, news);
    // `changes` is left out so that the engine still compares the inputs: a preview then shows the
    // change of the inputs (name, region, kind), not the provider's bookkeeping outputs.
    if (replaces.length > 0) return { replaces, deleteBeforeReplace };
    // An image-pull set whose provisioning failed outside Pulumi is written again: in place where the
    // setting says the API allows it, otherwise as a new set (the API as first documented).
    if (isImagePull && olds.status === "failed")
        return { changes: true, replaces: inPlace ? [] : ["imagePullSecret"], deleteBeforeReplace };
    // Keys added or removed outside Pulumi (found by refresh), or a set whose provisioning failed
    // outside Pulumi: the inputs may not have changed, so only the provider can tell. Update, to make
    // the set's keys the declared ones again and provision it anew.
    // A set left `pending` by a write whose wait failed (a partly applied update) is written again.
    const unfinished = olds.status === "failed" || olds.status === "pending";
    if (isImagePull && inPlace && unfinished) return { changes: true, replaces: [], deleteBeforeReplace };
    if (!isImagePull && (unfinished || !sameList(olds.keys ?? [], olds.declaredKeys ?? Object.keys(news.secrets ?? {})))) {
        return { changes: true, replaces: [], deleteBeforeReplace };
    }
    if (valueless) return { changes: false, replaces: [], deleteBeforeReplace };
    // Otherwise every change (a key added, removed, or a value rotated; new image-pull credentials)
    // is a change of the inputs, which the engine compares itself: its detailed diff then marks each
    // changed key in a preview. New credentials replace an image-pull set through the resource's
    // `replaceOnChanges: ["imagePullSecret"]`, so that inputs that carry no credentials (`adopt`, an
    // undeclared region) only update the bookkeeping.
    return { replaces: [], deleteBeforeReplace };
}
