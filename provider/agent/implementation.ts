/**
 * The provider's behaviour for an Agent: check, diff, create, read, update, delete and configure.
 * Not serialized: the shim in `provider.ts` requires this module by package name in the provider
 * process, as SecretSet's does. It shares that process's settings and API client (`../session`).
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { type AgentContext, type AgentDetails, SET_NOT_READY } from "../api/client";
import { DeploymentError, PipecatError, isPipecatApiError, isPipecatError } from "../api/errors";
import * as session from "../session";
import { api, currentSettings, onReset, regionFailures, withoutProvider as strip } from "../session";
import type { ConfigSource } from "../settings";
import { changedProperties, createBody, deploymentBody, diffAgent, mustForce } from "./diff";
import { dropUndefined } from "../inputs";
import { checkInputs } from "./schema";
import type { AgentInputs, AgentOutputs } from "./types";

type Props = Record<string, unknown>;

/** A revision that crash-looped this many times fails the wait: it will not get better by itself. */
const CRASH_LOOP_RESTARTS = 3;

/** Agent names this process deployed during this run, each with the id of that deployment. */
const deployedNames = new Map<string, string>();
onReset(() => deployedNames.clear());

export async function configure(req: { readonly config: ConfigSource }): Promise<void> {
    session.configure(req.config);
}

export async function check(olds: Props, news: Props): Promise<dynamic.CheckResult> {
    const result = checkInputs(strip(olds), strip(news), session.testHooks().random);
    if (!result.ok) return { inputs: news, failures: result.failures };
    const ins = result.inputs;
    const failures = await regionFailures(ins.region, olds["region"], typeof olds["name"] === "string", { step: "region check", agentName: ins.name }, "the agent", (t) => t);
    if (failures.length > 0) return { inputs: news, failures };
    return { inputs: { ...ins } };
}

export async function diff(_id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
    return diffAgent(strip(olds) as Partial<AgentOutputs>, strip(news) as unknown as AgentInputs);
}

function mayAdopt(name: string, declared: boolean | undefined): boolean {
    const named = currentSettings().adopt;
    return declared === true || named.has(name) || named.has("*");
}

export async function create(props: Props): Promise<dynamic.CreateResult> {
    const ins = strip(props) as unknown as AgentInputs;
    return guard(async () => {
        const ctx: AgentContext = { step: "create", agentName: ins.name };
        try {
            await whenSetsReady(() => api().createAgent(ctx, createBody(ins)));
        } catch (e) {
            if (!(isPipecatApiError(e) && e.status === 400 && /^service already exists/i.test(e.apiMessage ?? ""))) throw e;
            if (!mayAdopt(ins.name, ins.adopt)) throw refusedExisting(ins.name);
            return { id: ins.name, outs: await adopt(ins) };
        }
        try {
            return { id: ins.name, outs: deployed(ins, await waitUntilDeployed(ins.name)) };
        } catch (e) {
            throw await rolledBack(e, ins.name);
        }
    });
}

function refusedExisting(name: string): PipecatError {
    return new PipecatError(
        `Agent "${name}" already exists in Pipecat Cloud, so it was not created (agent names are unique across regions, and it may ` +
            "belong to someone else). To manage it with this program, set `adopt: true` on the Agent: it is then redeployed with the " +
            "declared configuration and `pulumi destroy` deletes it. Otherwise choose another name. If this is a replacement of an agent " +
            "of this stack (`pulumi up --replace`, `replacementTrigger`), Pulumi creates the new agent before deleting the old one, which " +
            "cannot work under one name: give the resource the option `deleteBeforeReplace: true`.",
    );
}

/** Takes over an existing agent: checked first, then redeployed (forced) with exactly the declared configuration. */
async function adopt(ins: AgentInputs): Promise<AgentOutputs> {
    const found = await api().getAgent({ step: "adoption", agentName: ins.name });
    if (found === "absent") throw new PipecatError(`Agent "${ins.name}" was reported to exist but could not be read: run \`pulumi up\` again.`);
    if (ins.region !== undefined && found.region !== undefined && found.region !== ins.region) {
        throw new PipecatError(
            `Agent "${ins.name}" exists in region "${found.region}" but is declared in region "${ins.region}"; adopt does not move an agent, ` +
                `so nothing was changed. Declare \`region: "${found.region}"\` (or leave region out) to adopt it where it is.`,
        );
    }
    await whenSetsReady(() => api().updateAgent({ step: "adoption", agentName: ins.name }, { ...deploymentBody(ins), forceRedeploy: true }));
    return deployed(ins, await waitUntilDeployed(ins.name));
}

/**
 * Deletes the agent a failed create made, so that the next `pulumi up` creates it afresh instead of
 * refusing it as a stranger's; the error then says so.
 */
async function rolledBack(e: unknown, name: string): Promise<unknown> {
    if (!isPipecatError(e)) return e;
    let cleanup: string;
    try {
        cleanup =
            (await api().deleteAgent({ step: "delete", agentName: name })) === "absent"
                ? "Nothing was left behind in Pipecat Cloud."
                : "The agent was deleted again, so the next `pulumi up` creates it afresh.";
    } catch {
        cleanup = `The agent could not be deleted again: delete it (\`pipecat cloud agent delete ${name}\`), or set \`adopt: true\`, before the next \`pulumi up\`.`;
    }
    const next = e instanceof DeploymentError && e.timedOut ? ` ${RAISE_DEPLOY_BOUND}.` : " Fix the cause, then run `pulumi up`.";
    e.message += ` ${cleanup}${next}`;
    return e;
}

const RAISE_DEPLOY_BOUND = "To wait longer, raise the bound, for example `pulumi config set pipecat:deployTimeoutSeconds 1200`, then run `pulumi up`";

export async function update(_id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult> {
    const before = strip(olds) as Partial<AgentOutputs>;
    const ins = strip(news) as unknown as AgentInputs;
    return guard(async () => {
        const force = mustForce(before, ins);
        const deployment = changedProperties(before, ins).filter((k) => k !== "adopt" && k !== "autonamePrefix");
        if (!force && deployment.every((k) => k === "secretSetRevision" || k === "imagePullSecretSetRevision")) {
            // Bookkeeping only (`adopt`, or a revision of a set no longer bound): nothing to send.
            return { outs: { ...kept(before), ...ins, region: before.region ?? ins.region ?? "" } };
        }
        const ctx: AgentContext = { step: "update", agentName: ins.name };
        await whenSetsReady(() => api().updateAgent(ctx, { ...deploymentBody(ins), ...(force ? { forceRedeploy: true } : {}) }));
        try {
            return { outs: deployed(ins, await waitUntilDeployed(ins.name)) };
        } catch (e) {
            if (isPipecatError(e)) {
                e.message +=
                    " Pipecat Cloud keeps serving the previous deployment, if one was ready." +
                    (e instanceof DeploymentError && e.timedOut ? ` ${RAISE_DEPLOY_BOUND}.` : " Fix the cause, then run `pulumi up`.");
            }
            throw e;
        }
    });
}

function kept(before: Partial<AgentOutputs>): Pick<AgentOutputs, "deploymentId" | "ready" | "available"> {
    return { deploymentId: before.deploymentId ?? "", ready: before.ready ?? false, available: before.available ?? false };
}

export async function read(id: string, props: Props): Promise<dynamic.ReadResult> {
    const olds = strip(props) as Partial<AgentOutputs>;
    const name = olds.name ?? id;
    return guard(async () => {
        const found = await api().getAgent({ step: "read", agentName: name });
        if (found === "absent") return { id: "", props: {} };
        // What Pipecat Cloud runs: an image, scaling or binding changed outside Pulumi shows in the next
        // preview as a change, and `up` deploys the declared ones again. A build's image is Pipecat's own.
        const outs = {
            ...(olds as AgentOutputs),
            name,
            region: found.region ?? olds.region ?? "",
            ...(olds.buildId === undefined && found.image !== undefined ? { image: found.image } : {}),
            ...(found.autoScaling !== undefined ? { autoScaling: found.autoScaling } : {}),
            secretSet: found.secretSet,
            imagePullSecretSet: found.imagePullSecretSet,
            deploymentId: found.desiredDeploymentId ?? olds.deploymentId ?? "",
            ready: found.ready,
            available: found.available,
        };
        return { id, props: dropUndefined(outs) };
    });
}

async function deleteAgent(id: string, props: Props): Promise<void> {
    const olds = strip(props) as Partial<AgentOutputs>;
    const name = olds.name ?? id;
    const newer = deployedNames.get(name);
    // Another resource of this stack deployed this name during this run (a replacement the engine
    // created first, adopting the agent): it is that resource's now.
    if (newer !== undefined && newer !== olds.deploymentId) return;
    await guard(() => api().deleteAgent({ step: "delete", agentName: name }));
}
export { deleteAgent as delete };

/** Outputs after a deployment completed, remembered per process (see `delete`). */
function deployed(ins: AgentInputs, found: AgentDetails): AgentOutputs {
    const deploymentId = found.desiredDeploymentId ?? "";
    deployedNames.set(ins.name, deploymentId);
    return { ...ins, region: found.region ?? ins.region ?? "", deploymentId, ready: found.ready, available: found.available };
}

/**
 * Sends a deploy (create or update), retrying the 409 Pipecat Cloud answers while a bound set is
 * still `pending` (or `failed`) with backoff, within `pipecat:readyTimeoutSeconds`. Pipecat's CLI and
 * GitHub Action do not retry it; sets created by this program are ready before the agent is deployed,
 * so this covers sets updated just before, and sets this program does not manage.
 */
async function whenSetsReady<T>(send: () => Promise<T>): Promise<T> {
    const timeout = currentSettings().readyTimeoutMs;
    const started = session.now();
    for (let delay = 1000; ; delay = Math.min(delay * 2, 5000)) {
        try {
            return await send();
        } catch (e) {
            if (!(isPipecatApiError(e) && e.status === 409 && SET_NOT_READY.test(e.apiMessage ?? ""))) throw e;
            const waited = session.now() - started;
            if (waited + delay > timeout) {
                e.message += ` The provider retried for ${Math.round(waited / 1000)} s (pipecat:readyTimeoutSeconds is ${timeout / 1000}).`;
                throw e;
            }
        }
        await session.sleep(delay);
    }
}

/**
 * Polls until the agent's deployment is complete: `desiredDeploymentId == reconciledDeploymentId` and
 * `ready`, as Pipecat's CLI waits, within `pipecat:deployTimeoutSeconds`. A revision that `Failed`, or
 * that crash-loops, fails at once with Pipecat's health reason and message.
 */
async function waitUntilDeployed(name: string): Promise<AgentDetails> {
    const ctx: AgentContext = { step: "deployment check", agentName: name };
    const timeout = currentSettings().deployTimeoutMs;
    const started = session.now();
    for (let delay = 1000; ; delay = Math.min(delay * 2, 5000)) {
        const found = await api().getAgent(ctx);
        if (found === "absent") throw new DeploymentError(`Agent "${name}" disappeared while the provider waited for its deployment.`);
        if (found.error !== undefined) throw new DeploymentError(`Pipecat Cloud reported an error for agent "${name}": ${clip(found.error)}.`);
        const problem = deploymentProblem(found);
        if (problem !== undefined) throw new DeploymentError(`Deployment ${short(found.desiredDeploymentId)}of agent "${name}" ${problem}.`);
        if (found.desiredDeploymentId !== undefined && found.desiredDeploymentId === found.reconciledDeploymentId && found.ready) return found;
        const waited = session.now() - started;
        if (waited + delay > timeout) {
            const phase = found.current?.phase;
            throw new DeploymentError(
                `Deployment ${short(found.desiredDeploymentId)}of agent "${name}" was not complete after ${Math.round(waited / 1000)} s ` +
                    `(${phase ? `phase ${phase}` : "not yet reconciled"}; pipecat:deployTimeoutSeconds is ${timeout / 1000}).`,
                { timedOut: true },
            );
        }
        await session.sleep(delay);
    }
}

/** Why the desired revision will not become ready by waiting, in Pipecat's words; undefined while it may. */
function deploymentProblem(found: AgentDetails): string | undefined {
    const current = found.current;
    if (current === undefined || (current.deploymentId !== undefined && current.deploymentId !== found.desiredDeploymentId)) return undefined;
    const { reason, message, restartCount, lastExitCode } = current.health;
    const said = [reason, lastExitCode !== undefined ? `exit ${lastExitCode}` : undefined].filter((p) => p !== undefined).join(", ");
    const detail = `${said ? `: ${said}` : ""}${message ? ` ("${clip(message)}")` : ""}`;
    if (current.phase === "Failed") return `failed${detail}`;
    if (reason === "CrashLoopBackOff" && (restartCount ?? 0) >= CRASH_LOOP_RESTARTS) return `is crash-looping (${restartCount} restarts)${detail}`;
    return undefined;
}

function short(id: string | undefined): string {
    return id ? `${id.slice(0, 8)} ` : "";
}

/** The last line of a health message, at most 300 characters: the part Pipecat's CLI shows. */
function clip(text: string): string {
    const last = text.trim().split("\n").pop()?.trim() ?? "";
    return last.length > 300 ? `${last.slice(0, 300)}…` : last;
}

/** Runs an operation so that anything it throws that is not ours (a bug) is rebuilt without its cause. */
async function guard<T>(op: () => Promise<T>): Promise<T> {
    try {
        return await op();
    } catch (e) {
        if (isPipecatError(e)) throw e;
        throw new PipecatError(`Unexpected error in the Pipecat agent provider: ${e instanceof Error ? e.message : String(e)}`);
    }
}
