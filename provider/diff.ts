/**
 * What a change of inputs means for a secret set: nothing, an update in place, or a replacement.
 * Pure functions of the old outputs and the new checked inputs, so the plan shown by `pulumi preview`
 * is exactly the one `pulumi up` carries out.
 */
import { type ImagePullSecretInputs, type SecretSetInputs, UNKNOWN } from "./schema";

/** Outputs of a SecretSet as stored in state. */
export interface SecretSetOutputs extends SecretSetInputs {
    readonly region: string;
    /** Key names that exist in Pipecat Cloud, sorted. Empty for image-pull sets. */
    readonly keys: readonly string[];
    readonly isImagePullSecret: boolean;
}

/** The engine's view of a diff (Pulumi's `DiffResult`). */
export interface SecretSetDiff {
    readonly changes: boolean;
    readonly replaces: string[];
    readonly deleteBeforeReplace: boolean;
}

/** The requests an in-place update of a regular set needs. */
export interface UpdatePlan {
    /** Added and changed keys, sent in one PUT. */
    readonly put: Readonly<Record<string, string>>;
    /** Keys that exist remotely but are no longer declared, each removed with its own DELETE. */
    readonly remove: readonly string[];
}

/** Keys known to exist remotely: the refreshed `keys`, or the declared map for older states. */
function remoteKeys(olds: Partial<SecretSetOutputs>): readonly string[] {
    return olds.keys ?? Object.keys(olds.secrets ?? {});
}

export function planUpdate(olds: Partial<SecretSetOutputs>, news: SecretSetInputs): UpdatePlan {
    const desired = news.secrets ?? {};
    const before = olds.secrets ?? {};
    const existing = new Set(remoteKeys(olds));
    const put: Record<string, string> = {};
    for (const [key, value] of Object.entries(desired)) {
        // A key that exists remotely but has no recorded value (adopted, or added behind Pulumi's back
        // and found by refresh) is written too: its value is unknown, so it cannot be assumed equal.
        if (!existing.has(key) || before[key] !== value || value === UNKNOWN) put[key] = value;
    }
    const remove = [...existing].filter((k) => !(k in desired)).sort();
    return { put, remove };
}

function imagePullChanged(a: ImagePullSecretInputs | undefined, b: ImagePullSecretInputs | undefined): boolean {
    const fields = ["host", "credentials", "username", "password"] as const;
    return fields.some((f) => a?.[f] !== b?.[f] || b?.[f] === UNKNOWN);
}

export function diffSecretSet(olds: Partial<SecretSetOutputs>, news: SecretSetInputs): SecretSetDiff {
    const replaces: string[] = [];
    const wasImagePull = olds.isImagePullSecret ?? olds.imagePullSecret !== undefined;
    const isImagePull = news.imagePullSecret !== undefined;

    if (news.name !== olds.name) replaces.push("name");
    if (news.region !== undefined && news.region !== olds.region) replaces.push("region");
    if (wasImagePull !== isImagePull) {
        replaces.push(isImagePull ? "imagePullSecret" : "secrets");
    } else if (isImagePull && imagePullChanged(olds.imagePullSecret, news.imagePullSecret)) {
        // Pipecat Cloud refuses to update an image-pull set: delete and create again.
        replaces.push("imagePullSecret");
    }

    if (replaces.length > 0) {
        // Same name on both sides: create-then-delete would delete the set just written, so delete first.
        const sameName = news.name === olds.name && news.name !== UNKNOWN;
        return { changes: true, replaces, deleteBeforeReplace: sameName };
    }
    if (!isImagePull) {
        const plan = planUpdate(olds, news);
        if (Object.keys(plan.put).length > 0 || plan.remove.length > 0) {
            return { changes: true, replaces: [], deleteBeforeReplace: false };
        }
    }
    return { changes: false, replaces: [], deleteBeforeReplace: false };
}
