/**
 * How the Agent provider waits: for bound sets to be ready before a deploy is accepted, for a
 * deployment to complete, and for a deleted agent's name to be free (these two on the agents' shared
 * ticker, `../ticker.ts`). Bounded by the settings, on the session's clock (a fake one in tests).
 */
import { DeploymentError, PipecatError, isPipecatApiError, told } from "../errors";
import { type Look, poll } from "../lifecycle";
import { api, currentSettings, now } from "../session";
import { TICK_MS, Ticker } from "../ticker";
import { listSets, lookup, setCall } from "../secretset/endpoints";
import { type AgentCall, type AgentDetails, type AgentRow, SET_NOT_READY, agentCall, deleteAgent, getAgent, listAgents } from "./endpoints";
import type { AgentInputs } from "./types";

/** A revision that crash-looped this many times fails the wait: it will not get better by itself. */
export const CRASH_LOOP_RESTARTS = 3;

/**
 * Sends a deploy (create or update), retrying the 409 Pipecat Cloud answers while a bound set is
 * still `pending`, with backoff (1 s doubling to 5 s), within `pipecat:readyTimeoutSeconds`. Pipecat's
 * CLI and GitHub Action do not retry it; sets created by this program are ready before the agent is
 * deployed, so this covers sets updated just before, and sets this program does not manage. A bound
 * set that `failed` fails at once with the set's own message: no wait can fix it.
 */
export async function whenSetsReady<T>(ins: AgentInputs, send: () => Promise<T>): Promise<T> {
    const schedule = { firstMs: 1000, timeoutMs: currentSettings().readyTimeoutMs, setting: "pipecat:readyTimeoutSeconds" } as const;
    return poll<T>(schedule, async () => {
        try {
            return { done: true, value: await send() };
        } catch (e) {
            // Stryker disable next-line StringLiteral: SET_NOT_READY matches neither "" nor any other text without "is not yet ready"
            if (!(isPipecatApiError(e) && e.status === 409 && SET_NOT_READY.test(e.apiMessage ?? ""))) throw e;
            await refuseFailedSets(ins);
            return {
                done: false,
                timedOut: (waited) => told(e, { outcome: `The provider retried for ${waited.seconds} s (${waited.bound}).` }),
            };
        }
    });
}

/** Fails with the set's `errorMessage` when a bound set's provisioning failed (the list says so). */
async function refuseFailedSets(ins: AgentInputs): Promise<void> {
    const bound = [ins.secretSet, ins.imagePullSecretSet].filter((s): s is string => s !== undefined);
    const ctx = setCall("deployment check", bound[0] ?? ins.name);
    const failed = (await listSets(api(), ctx)).filter((s) => bound.includes(s.name) && s.status === "failed");
    for (const set of failed) {
        const found = set.type === "imagePullSecret" ? undefined : await lookup(api(), setCall("deployment check", set.name));
        const said = found?.kind === "regular" && found.set.errorMessage ? `: "${found.set.errorMessage}"` : "";
        throw new PipecatError(
            `Agent "${ins.name}" was not deployed: its secret set "${set.name}" failed to provision${said}, and waiting cannot fix that. ` +
                "Write the set again (`pulumi up` does that for a SecretSet of this program whose provisioning failed; " +
                "run `pulumi refresh` first if it failed outside Pulumi), then run `pulumi up`.",
        );
    }
}

/** The agents list every waiting agent of the process shares (deployments and deletes), one request per tick. */
const agents = new Ticker<AgentRow[]>((ctx) => listAgents(api(), ctx), {
    ...agentCall("deployment check", ""),
    subject: "the pending agents",
});

/**
 * An agent is read by name at least this often while it waits, whatever its list row says: a deployment
 * that never shows as reconciled in the list must not hide a failure that only the agent's own read reports.
 */
export const READ_EVERY_MS = 10_000;

/**
 * Once the list shows the deployment reconciled, the agent is read by name until it is ready: the first
 * read at once, the next ones `TICK_MS` apart, the gap doubling up to this. The list carries no `ready`,
 * so each look here is a request of its own per agent: 50 agents validating at once would otherwise send
 * 125 reads a second against an API whose rate limits are undocumented.
 */
export const READ_GAP_MAX_MS = 2000;

/**
 * Waits until the agent's deployment is complete: `desiredDeploymentId == reconciledDeploymentId` and
 * `ready`, as Pipecat's CLI waits, within `pipecat:deployTimeoutSeconds`, on the agents' shared ticker.
 * The list rows carry the deployment ids but no `ready` nor health: while the agent's row shows the
 * deployment not yet reconciled it waits on the list; once reconciled (or `READ_EVERY_MS` after its last
 * read) it reads the agent by name, a tick later, then with a gap doubling up to `READ_GAP_MAX_MS`.
 * `expected` is the deployment the create or update answer named: a row or read that still shows
 * `previous` (the deployment before the update) is stale and waited on, so the wait never ends on the old
 * deployment. A revision that `Failed`, or that crash-loops, fails at once with Pipecat's health reason
 * and message.
 */
export async function waitUntilDeployed(name: string, expected: string | undefined, previous?: string): Promise<AgentDetails> {
    const ctx = agentCall("deployment check", name);
    // The create or update answer was the last read.
    let lastRead = now();
    // The last read found the deployment reconciled but not ready: read by name again, not the list,
    // `gap` after that read (doubling up to READ_GAP_MAX_MS).
    let byName = false;
    let gap = TICK_MS;
    let waiting: Look<never> | undefined;
    return agents.wait<AgentDetails>({
        ctx,
        timeoutMs: currentSettings().deployTimeoutMs,
        setting: "pipecat:deployTimeoutSeconds",
        look: async (list) => {
            // Half a tick of slack: a tick's read comes after its list, so reads drift a little later than ticks.
            if (byName && waiting !== undefined && now() - lastRead < gap - TICK_MS / 2) return waiting;
            if (!byName && now() - lastRead < READ_EVERY_MS) {
                const row = (await list()).find((a) => a.name === name);
                // A name the list does not hold (yet: a list may lag behind the write): the read by name below says whether it is gone.
                if (row !== undefined) {
                    const { current, reconciled } = progress(row, expected, previous);
                    if (!reconciled) return notComplete(name, current ? row.desiredDeploymentId : expected, undefined);
                }
            }
            lastRead = now();
            const found = await getAgent(api(), ctx);
            if (found === "absent") throw disappeared(name);
            if (found.error !== undefined)
                throw new DeploymentError(`Pipecat Cloud reported an error for agent "${name}": ${clip(found.error)}.`);
            const desired = found.desiredDeploymentId;
            const { current, reconciled } = progress(found, expected, previous);
            if (current) {
                const problem = deploymentProblem(found);
                if (problem !== undefined) throw new DeploymentError(`Deployment ${short(desired)}of agent "${name}" ${problem}.`);
                if (reconciled && found.ready) return { done: true, value: found };
            }
            if (byName && reconciled) gap = Math.min(gap * 2, READ_GAP_MAX_MS);
            byName = reconciled;
            waiting = notComplete(name, current ? desired : expected, current ? found.current?.phase : undefined);
            return waiting;
        },
    });
}

/**
 * What a list row or a read says of the deployment waited for: `current`, it desires the deployment asked for or
 * one started after it, not the one before it (a stale read); `reconciled`, the operator has caught up with it.
 */
function progress(
    ids: Pick<AgentRow, "desiredDeploymentId" | "reconciledDeploymentId">,
    expected: string | undefined,
    previous: string | undefined,
): { readonly current: boolean; readonly reconciled: boolean } {
    const desired = ids.desiredDeploymentId;
    const current = expected === undefined || desired === expected || (desired !== undefined && desired !== previous);
    return { current, reconciled: current && desired !== undefined && desired === ids.reconciledDeploymentId };
}

function disappeared(name: string): DeploymentError {
    return new DeploymentError(`Agent "${name}" disappeared while the provider waited for its deployment.`);
}

function notComplete(name: string, deployment: string | undefined, phase: string | undefined): Look<never> {
    return {
        done: false,
        timedOut: (waited) =>
            new DeploymentError(
                `Deployment ${short(deployment)}of agent "${name}" was not complete after ${waited.seconds} s ` +
                    `(${phase ? `phase ${phase}` : "not yet reconciled"}; ${waited.bound}).`,
                { timedOut: true },
            ),
    };
}

/**
 * Deletes an agent and waits until its name is free (the agents list no longer holds it), within
 * `pipecat:deployTimeoutSeconds`, on the agents' shared ticker: if the API only starts a teardown, a
 * replacement under the same name would otherwise meet "Service already exists". Returns what the DELETE found.
 */
export async function deleteAndWait(ctx: AgentCall): Promise<"deleted" | "absent"> {
    const result = await deleteAgent(api(), ctx);
    if (result === "absent") return result;
    return agents.wait<"deleted">({
        ctx,
        timeoutMs: currentSettings().deployTimeoutMs,
        setting: "pipecat:deployTimeoutSeconds",
        look: async (list) => {
            if (!(await list()).some((a) => a.name === ctx.agentName)) return { done: true, value: result };
            return {
                done: false,
                timedOut: (waited) =>
                    new PipecatError(
                        `Agent "${ctx.agentName}" was deleted, but Pipecat Cloud still lists it after ${waited.seconds} s ` +
                            `(${waited.bound}): run the command again once it is gone.`,
                    ),
            };
        },
    });
}

/** Why the desired revision will not become ready by waiting, in Pipecat's words; undefined while it may. */
function deploymentProblem(found: AgentDetails): string | undefined {
    const current = found.current;
    if (current === undefined || (current.deploymentId !== undefined && current.deploymentId !== found.desiredDeploymentId))
        return undefined;
    const { reason, message, restartCount, lastExitCode } = current.health;
    const said = [reason, lastExitCode !== undefined ? `exit ${lastExitCode}` : undefined].filter((p) => p !== undefined).join(", ");
    const detail = `${said ? `: ${said}` : ""}${message ? ` ("${clip(message)}")` : ""}`;
    if (current.phase === "Failed") return `failed${detail}`;
    if (reason === "CrashLoopBackOff" && (restartCount ?? 0) >= CRASH_LOOP_RESTARTS)
        return `is crash-looping (${restartCount} restarts)${detail}`;
    return undefined;
}

function short(id: string | undefined): string {
    return id ? `${id.slice(0, 8)} ` : "";
}

/** The last line of a health message, at most 300 characters: the part Pipecat's CLI shows. */
function clip(text: string): string {
    // Stryker disable next-line StringLiteral: split() returns at least one element, so pop() never gives undefined
    const last = text.trim().split("\n").pop()?.trim() ?? "";
    return last.length > 300 ? `${last.slice(0, 300)}…` : last;
}
