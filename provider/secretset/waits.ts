/**
 * How the SecretSet provider waits for a set to become ready after a write: on the sets' shared ticker
 * (`../ticker.ts`: the pending sets of the process share one `GET /secrets` per tick), bounded by
 * `pipecat:readyTimeoutSeconds`, on the session's clock (a fake one in tests).
 */
import { ReadinessError } from "../errors";
import { Ticker } from "../ticker";
import { api, currentSettings } from "../session";
import { type SetCall, type SetSummary, listSets, lookup, setCall } from "./endpoints";
import type { SecretSetInputs } from "./types";

/** The advice after a readiness timeout: waiting cannot resume (DECISIONS.md), a longer bound can. */
export const RAISE_READY_BOUND = "Raise the bound, for example `pulumi config set pipecat:readyTimeoutSeconds 900`, then run `pulumi up`";

/** What the last readiness check found. */
export interface Ready {
    readonly region: string | undefined;
    readonly status: string | undefined;
}

/** The sets list every pending set of the process shares, one request per tick. */
const sets = new Ticker<SetSummary[]>((ctx) => listSets(api(), ctx), {
    ...setCall("readiness check", ""),
    subject: "the pending secret sets",
});

/**
 * Waits until the set is ready: create and update return only then, because a deployment that binds a
 * pending set is refused. Each look is the set's row of a list that started after the write: `ready`
 * (or no status) is done; `failed` reads a regular set by name once, for Pipecat's `errorMessage` and
 * the keys (image-pull sets cannot be read by name); a set missing from the list has disappeared if a
 * read by name agrees (a list may lag behind the write). A status this provider does not know is
 * waited on like `pending`, within the same bound.
 */
export async function waitUntilReady(ins: SecretSetInputs, after: "create" | "update"): Promise<Ready> {
    const ctx = setCall("readiness check", ins.name);
    const isImagePull = ins.imagePullSecret !== undefined;
    try {
        return await sets.wait<Ready>({
            ctx,
            timeoutMs: currentSettings().readyTimeoutMs,
            setting: "pipecat:readyTimeoutSeconds",
            look: async (list) => {
                const row = (await list()).find((s) => s.name === ins.name) ?? (await unlisted(ins.name, ctx));
                if (row.status === "failed") {
                    const found = isImagePull ? undefined : await details(ctx).catch(() => undefined);
                    throw new ReadinessError(
                        `Pipecat Cloud failed to provision secret set "${ins.name}"` +
                            (found?.errorMessage ? `: "${found.errorMessage}".` : ".") +
                            " Fix the cause if the message names one, then run `pulumi up` again.",
                        { keys: found?.keys },
                    );
                }
                if (row.status === "ready" || row.status === undefined)
                    return { done: true, value: { region: row.region, status: row.status } };
                const still = row.status === "pending" ? "pending" : `in status "${row.status}"`;
                return {
                    done: false,
                    timedOut: (waited) => {
                        const head = `Secret set "${ins.name}" was still ${still} after ${waited.seconds} s (${waited.bound}).`;
                        // After a create, `rolledBack` says what was left behind and what to run.
                        const advice =
                            after === "update"
                                ? ` The values were written and Pipecat Cloud is still provisioning them. ${RAISE_READY_BOUND}: it writes the set again and waits up to the new bound.`
                                : "";
                        return new ReadinessError(head + advice, { timedOut: true });
                    },
                };
            },
        });
    } catch (e) {
        // The list carries no keys: a create's rollback needs them to tell a stranger's set from ours.
        if (!(e instanceof ReadinessError && e.timedOut) || isImagePull) throw e;
        throw new ReadinessError(e.message, { timedOut: true, keys: (await details(ctx).catch(() => undefined))?.keys });
    }
}

/**
 * A set the list does not hold: it disappeared only if a read by name agrees (a list may lag behind the write
 * it was asked after). A regular set found by name is its own row; a set that cannot be read by name (image
 * pull) is waited on as pending, within the same bound.
 */
async function unlisted(name: string, ctx: SetCall): Promise<Pick<SetSummary, "region" | "status">> {
    const found = await lookup(api(), ctx);
    if (found.kind === "absent")
        throw new ReadinessError(`Secret set "${name}" disappeared while the provider waited for it to become ready.`);
    return found.kind === "regular" ? found.set : { region: undefined, status: "pending" };
}

/** A regular set's keys and `errorMessage`, read by name; undefined when the read finds no regular set. */
async function details(ctx: SetCall): Promise<{ readonly keys: readonly string[]; readonly errorMessage: string | undefined } | undefined> {
    const found = await lookup(api(), ctx);
    return found.kind === "regular" ? found.set : undefined;
}
