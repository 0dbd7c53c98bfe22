/**
 * How the SecretSet provider waits for a set to become ready after a write: bounded by
 * `pipecat:readyTimeoutSeconds`, on the session's clock (a fake one in tests).
 */
import { ReadinessError, isPipecatApiError } from "../errors";
import { poll } from "../lifecycle";
import { api, currentSettings } from "../session";
import { type SetCall, listSets, lookup, setCall } from "./endpoints";
import type { SecretSetInputs } from "./types";

/** The advice after a readiness timeout: waiting cannot resume (DECISIONS.md), a longer bound can. */
export const RAISE_READY_BOUND = "Raise the bound, for example `pulumi config set pipecat:readyTimeoutSeconds 900`, then run `pulumi up`";

/** What the last readiness check found. */
export interface Ready {
    readonly region: string | undefined;
    readonly status: string | undefined;
}

/**
 * Polls until the set is ready: create and update return only then, because a deployment that
 * binds a pending set is refused. Regular sets are read by name; image-pull sets only via the list.
 * A status this provider does not know is waited on like `pending`, within the same bound.
 */
export async function waitUntilReady(ins: SecretSetInputs, after: "create" | "update"): Promise<Ready> {
    const ctx = setCall("readiness check", ins.name);
    const schedule = { firstMs: 250, timeoutMs: currentSettings().readyTimeoutMs, setting: "pipecat:readyTimeoutSeconds" } as const;
    return poll<Ready>(schedule, async () => {
        const state = await readiness(ctx, ins.imagePullSecret !== undefined);
        if (state === undefined) {
            throw new ReadinessError(`Secret set "${ins.name}" disappeared while the provider waited for it to become ready.`);
        }
        if (state.status === "failed") {
            throw new ReadinessError(
                `Pipecat Cloud failed to provision secret set "${ins.name}"` +
                    (state.errorMessage ? `: "${state.errorMessage}".` : ".") +
                    " Fix the cause if the message names one, then run `pulumi up` again.",
                { keys: state.keys },
            );
        }
        if (state.status === "ready" || state.status === undefined)
            return { done: true, value: { region: state.region, status: state.status } };
        const still = state.status === "pending" ? "pending" : `in status "${state.status}"`;
        return {
            done: false,
            timedOut: (waited) => {
                const head = `Secret set "${ins.name}" was still ${still} after ${waited.seconds} s (${waited.bound}).`;
                // After a create, `rolledBack` says what was left behind and what to run.
                const advice =
                    after === "update"
                        ? ` The values were written and Pipecat Cloud is still provisioning them. ${RAISE_READY_BOUND}: it writes the set again and waits up to the new bound.`
                        : "";
                return new ReadinessError(head + advice, { timedOut: true, keys: state.keys });
            },
        };
    });
}

async function readiness(
    ctx: SetCall,
    isImagePull: boolean,
): Promise<(Ready & { readonly errorMessage?: string | undefined; readonly keys?: readonly string[] }) | undefined> {
    const listed = async () => {
        const row = (await listSets(api(), ctx)).find((s) => s.name === ctx.setName);
        return row && { status: row.status, region: row.region };
    };
    if (isImagePull) return listed();
    try {
        const found = await lookup(api(), ctx);
        return found.kind === "regular" ? found.set : undefined;
    } catch (e) {
        // A read by name answered 404 while the list holds the set (a set just written, not yet readable by
        // name on a service that words its 404 its own way): its list row says how far provisioning got.
        if (isPipecatApiError(e) && e.status === 404 && e.path !== "/secrets") return listed();
        throw e;
    }
}
