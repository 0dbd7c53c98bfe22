/**
 * How a SecretSet is written: the PUT of the whole declared set, adoption of one that exists, the
 * rollback of a failed create, the outputs after a write, and the guard that keeps every value out of
 * what the provider throws. The implementation's create, update and delete call these.
 */
import { randomBytes } from "node:crypto";
import { NetworkError, PipecatError, ReadinessError, isPipecatApiError, isPipecatError, redact, told } from "../errors";
import { UNKNOWN } from "../inputs";
import { noteWrite } from "../lifecycle";
import { api, partlyApplied } from "../session";
import {
    type Lookup,
    deleteKey,
    deleteSet as deleteSetNamed,
    isImagePullUpdateRefused,
    listSets,
    putImagePull,
    putRegular,
    setCall,
} from "./endpoints";
import { imagePullValue } from "./image-pull";
import type { SecretSetInputs, SecretSetOutputs } from "./types";
import { RAISE_READY_BOUND, type Ready, waitUntilReady } from "./waits";

/** The kind of resource, for what the session and the lifecycle remember per process. */
export const KIND = "SecretSet";

/**
 * Deletes what a failed create wrote, so that the next `pulumi up` creates it afresh instead of
 * finding a set it would refuse as a stranger's; the error then says what was left behind.
 */
export async function rolledBack(e: unknown, ins: SecretSetInputs): Promise<unknown> {
    if (!isPipecatError(e)) return e;
    const ctx = setCall("delete", ins.name);
    let cleanup: string;
    // A PUT merges: keys this program never declared, seen by the last readiness check, mean that
    // someone else created the set between the existence check and the PUT.
    const stranger = e instanceof ReadinessError ? (e.keys ?? []).filter((k) => !Object.hasOwn(ins.secrets ?? {}, k)) : [];
    try {
        if (stranger.length > 0) {
            cleanup = `The set also holds keys this program did not write (${stranger.join(", ")}), so it was left in place: it may be someone else's.`;
        } else if ((await deleteSetNamed(api(), ctx)) === "absent") {
            cleanup = "Nothing was left behind in Pipecat Cloud.";
        } else {
            cleanup = "The partly created set was deleted again.";
        }
    } catch {
        cleanup = "The partly created set could not be deleted: delete it, or set `adopt: true`, before the next `pulumi up`.";
    }
    // A request that timed out here may still be applied later by the server.
    const late =
        e instanceof NetworkError && e.reason === "timed out"
            ? " A request that timed out may still re-create the set later: if the next `pulumi up` finds it, set `adopt: true` to take it over."
            : "";
    const next =
        e instanceof ReadinessError && e.timedOut
            ? `${RAISE_READY_BOUND}: it creates the set again and waits up to the new bound.`
            : "Run `pulumi up` to retry.";
    return told(e, { outcome: cleanup + late, next });
}

/**
 * Takes over an existing set: afterwards it holds exactly the declared keys or credentials, in the
 * region it is in. Nothing is deleted before everything that can be checked was checked.
 */
export async function adopt(ins: SecretSetInputs, found: Extract<Lookup, { kind: "imagePull" | "regular" }>): Promise<SecretSetOutputs> {
    const isImagePull = ins.imagePullSecret !== undefined;
    const ctx = setCall("adoption", ins.name);
    if ((found.kind === "imagePull") !== isImagePull) {
        throw new PipecatError(
            `Secret set "${ins.name}" exists as ${found.kind === "imagePull" ? "an image-pull" : "a regular"} set but is declared as ` +
                `${isImagePull ? "an image-pull" : "a regular"} set; adopt cannot change a set's kind. Delete the set first, or choose another name.`,
        );
    }
    const actual = found.kind === "regular" ? found.set.region : (await listSets(api(), ctx)).find((s) => s.name === ins.name)?.region;
    if (ins.region !== undefined && actual !== undefined && ins.region !== actual) {
        throw new PipecatError(
            `Secret set "${ins.name}" exists in region "${actual}" but is declared in region "${ins.region}"; adopt does not move a set, ` +
                `so nothing was changed. Declare \`region: "${actual}"\` (or leave region out) to adopt it where it is, or delete it first.`,
        );
    }
    const region = ins.region ?? actual;
    if (found.kind === "regular") {
        const put = await putSet(ins, "adoption", region);
        const extra = found.set.keys.filter((k) => !Object.hasOwn(ins.secrets ?? {}, k));
        for (const key of extra) await deleteKey(api(), setCall("key deletion", ins.name), key);
        // Only now: each key deletion changes the set again.
        return written(ins, put, await waitUntilReady(ins, "update"));
    }
    let put: string | undefined;
    try {
        // Today's API updates image-pull sets in place; the API as first documented refuses.
        put = await putSet(ins, "adoption", region);
    } catch (e) {
        if (!isImagePullUpdateRefused(e)) throw e;
        await deleteSetNamed(api(), ctx);
        try {
            put = await putSet(ins, "adoption", region);
        } catch (e2) {
            if (!isPipecatError(e2)) throw e2;
            throw told(e2, {
                outcome:
                    `Pipecat Cloud refused to update the existing image-pull set "${ins.name}", so it was deleted to be created again ` +
                    "with the declared credentials, and that failed: its previous credentials are gone.",
                next: "Run `pulumi up` again to create it.",
            });
        }
    }
    return written(ins, put, await waitUntilReady(ins, "update"));
}

/** A new revision of the set, remembered by this process (see `delete`). */
function newRevision(name: string): string {
    const revision = randomBytes(8).toString("hex");
    noteWrite(KIND, name, revision);
    return revision;
}

/** PUTs the whole declared set (every key, or the full image-pull body); returns the region the API names. */
export async function putSet(
    ins: SecretSetInputs,
    step: "create" | "update" | "adoption",
    region: string | undefined,
): Promise<string | undefined> {
    const ctx = setCall(step, ins.name);
    const put = ins.imagePullSecret
        ? await putImagePull(api(), ctx, ins.imagePullSecret.host, imagePullValue(ins.imagePullSecret), region)
        : await putRegular(api(), ctx, ins.secrets ?? {}, region);
    return put.region ?? region;
}

/**
 * Outputs after a write, under a new revision that this process remembers: `delete` then knows that
 * the set under this name is this resource's, whatever older resource of the stack is deleted later.
 */
export function written(ins: SecretSetInputs, region: string | undefined, ready: Ready): SecretSetOutputs {
    return outputs(ins, region ?? ready.region ?? ins.region ?? "", { status: ready.status ?? "ready", revision: newRevision(ins.name) });
}

/**
 * After an accepted write: removes the keys no longer declared, then waits until the set is ready. A
 * failure from here on is a partly applied change (`partlyApplied`): the state records what was written,
 * with the keys still to remove and the status `pending`, so the next `up` finishes the job, and a
 * program reverted meanwhile writes the old values back instead of finding "no change".
 */
export async function finished(
    ins: SecretSetInputs,
    region: string | undefined,
    remove: readonly string[],
    raw: SecretSetInputs,
): Promise<SecretSetOutputs> {
    const left = [...remove];
    try {
        while (left.length > 0) {
            await deleteKey(api(), setCall("key deletion", ins.name), left[0] as string);
            left.shift();
        }
        return written(ins, region, await waitUntilReady(ins, "update"));
    } catch (e) {
        if (!isPipecatError(e)) throw e;
        const outs = outputs(ins, region ?? ins.region ?? "", { status: "pending", revision: newRevision(ins.name) });
        throw partlyApplied(e, ins.name, { ...outs, keys: [...outs.keys, ...left].sort() }, raw);
    }
}

export function kept(before: Partial<SecretSetOutputs>): Pick<SecretSetOutputs, "status" | "revision"> {
    return {
        ...(before.status !== undefined ? { status: before.status } : {}),
        ...(before.revision !== undefined ? { revision: before.revision } : {}),
    };
}

/** Outputs: names, region, kind and readiness. Never a value (see `SecretSetOutputs`). */
export function outputs(ins: SecretSetInputs, region: string, extra: Pick<SecretSetOutputs, "status" | "revision">): SecretSetOutputs {
    return {
        ...extra,
        name: ins.name,
        ...(ins.autonamePrefix !== undefined ? { autonamePrefix: ins.autonamePrefix } : {}),
        ...(ins.adopt !== undefined ? { adopt: ins.adopt } : {}),
        region,
        keys: Object.keys(ins.secrets ?? {}).sort(),
        declaredKeys: Object.keys(ins.secrets ?? {}).sort(),
        isImagePullSecret: ins.imagePullSecret !== undefined,
        ...(ins.imagePullSecret !== undefined ? { host: ins.imagePullSecret.host } : {}),
    };
}

/**
 * Runs an operation so that nothing it throws can carry a secret: our own errors are redacted
 * against the set's values, anything else (a bug) is rebuilt without its cause or stack context.
 */
export async function guard<T>(ins: Partial<SecretSetInputs>, op: () => Promise<T>): Promise<T> {
    try {
        return await op();
    } catch (e) {
        const values = secretValuesOf(ins);
        if (isPipecatError(e)) {
            e.message = redact(e.message, values);
            if (isPipecatApiError(e) && e.apiMessage !== undefined) {
                (e as { apiMessage: string | undefined }).apiMessage = redact(e.apiMessage, values);
            }
            throw e;
        }
        const text = e instanceof Error ? e.message : String(e);
        throw new PipecatError(`Unexpected error in the Pipecat secrets provider: ${redact(text, values)}`);
    }
}

export function secretValuesOf(ins: Partial<SecretSetInputs>): string[] {
    const values = Object.values(ins.secrets ?? {});
    const p = ins.imagePullSecret;
    if (p) values.push(...[p.credentials, p.username, p.password, imagePullValue(p)].filter((v): v is string => v !== undefined));
    return values.filter((v) => v !== UNKNOWN);
}

// The methods the shim calls, as the engine's interface types them.
