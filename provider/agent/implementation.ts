/**
 * The provider's behaviour for an Agent: check, diff, create, read, update, delete and configure.
 * Not serialized: the shim in `provider.ts` requires this module by package name in the provider
 * process, as SecretSet's does. It shares that process's settings and API client (`../session`).
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { DeploymentError, PipecatError, isPipecatApiError, isPipecatError, told } from "../errors";
import * as session from "../session";
import { nothingToGet } from "../existing";
import { mayAdopt, noteWrite, writtenByAnother } from "../lifecycle";
import { api, found as readAs, gone, partlyApplied, unchecked, withoutProvider as strip } from "../session";
import { regionFailures } from "../organization/regions";
import type { ConfigSource } from "../settings";
import { changedProperties, createBody, deploymentBody, diffAgent, differsFromSent, mustForce, updateBody } from "./diff";
import { dropUndefined } from "../inputs";
import { KIND, buildMovedAway, inputFailures, placed, placementFailures } from "./placement";
import { checkInputs } from "./schema";
import { AGENT_EXISTS, type AgentDetails, agentCall, createAgent, getAgent, updateAgent } from "./endpoints";
import type { AgentInputs, AgentOutputs } from "./types";
import { deleteAndWait, waitUntilDeployed, whenSetsReady } from "./waits";

/**
 * What `read` gets: the stored outputs for a refresh, none of them (only the serialized provider) for a
 * `get`. (Declared here, not imported: the public declarations of this entry point need nothing but its types.)
 */
type Stored = Partial<AgentOutputs> & { readonly __provider?: string };

/** The provider's methods, typed as the engine calls them: checked inputs in, the agent's outputs out. */
type Provider = Required<dynamic.ResourceProvider<AgentInputs, AgentOutputs>>;

export async function configure(req: { readonly config: ConfigSource }): Promise<void> {
    session.configure(req.config);
}

export async function check(olds: AgentInputs, news: AgentInputs): ReturnType<Provider["check"]> {
    // The previous checked inputs (none at a create); the new ones are checked here, so unknown until then.
    const old: Partial<AgentInputs> = strip(olds);
    const result = checkInputs(unchecked(olds), unchecked(news), session.testHooks().random);
    if (!result.ok) return { inputs: news, failures: result.failures };
    const { ins, kept } = placed(old, result.inputs);
    let failures = inputFailures(old, ins, kept);
    if (failures.length === 0) {
        failures = await regionFailures(
            ins.region,
            kept,
            typeof old["name"] === "string",
            agentCall("region check", ins.name),
            "the agent",
            (t) => t,
        );
    }
    if (failures.length === 0) failures = await placementFailures(old, ins, kept);
    if (failures.length > 0) return { inputs: news, failures };
    return { inputs: { ...ins } };
}

export async function diff(_id: string, olds: AgentOutputs, news: AgentInputs): ReturnType<Provider["diff"]> {
    const before: Partial<AgentOutputs> = strip(olds);
    const ins = strip(news);
    session.rememberPlace(KIND, ins, { name: before.name, region: before.region });
    // Fails the preview (and `up`, before this agent is touched) rather than plan an update the API would refuse.
    const away = buildMovedAway(before, ins);
    if (away !== undefined) throw new PipecatError(away);
    return diffAgent(before, ins);
}

export async function create(props: AgentInputs): ReturnType<Provider["create"]> {
    const declared = strip(props);
    // A replacement that deleted first without a check in between (`pulumi up --replace` with
    // `deleteBeforeReplace`): the old agent's delete remembered where it was.
    const where = declared.region ?? session.replacedPlace(KIND, declared)?.region;
    const ins: AgentInputs = where === undefined ? declared : { ...declared, region: where };
    return guard(async () => {
        const ctx = agentCall("create", ins.name);
        let created: AgentDetails | "created-earlier";
        try {
            created = await whenSetsReady(ins, () => createAgent(api(), ctx, createBody(ins)));
        } catch (e) {
            // Refused: this create made nothing, so nothing is rolled back.
            // Stryker disable next-line StringLiteral: AGENT_EXISTS (anchored "^service already exists") matches neither "" nor the mutant's text
            if (!(isPipecatApiError(e) && e.status === 400 && AGENT_EXISTS.test(e.apiMessage ?? ""))) throw e;
            if (!mayAdopt(ins.name, ins.adopt)) throw refusedExisting(ins.name);
            return { id: ins.name, outs: await adopt(ins) };
        }
        if (created === "created-earlier") {
            // An attempt got no answer, and the retry met "already exists": ours only if it is what was sent.
            const found = await getAgent(api(), agentCall("existence check", ins.name));
            const differs = found === "absent" ? ["it is gone"] : differsFromSent(found, ins);
            if (differs.length > 0) {
                if (mayAdopt(ins.name, ins.adopt)) return { id: ins.name, outs: await adopt(ins) };
                throw refusedExisting(ins.name, differs);
            }
        }
        try {
            return {
                id: ins.name,
                outs: deployed(
                    ins,
                    await waitUntilDeployed(ins.name, created === "created-earlier" ? undefined : created.desiredDeploymentId),
                ),
            };
        } catch (e) {
            throw await rolledBack(e, ins.name);
        }
    });
}

function refusedExisting(name: string, differs?: readonly string[]): PipecatError {
    const lost =
        differs === undefined
            ? ""
            : `A first attempt got no answer, and the agent now found under the name differs from the one sent (${differs.join(", ")}), so it is not taken as this create's. `;
    return new PipecatError(
        `Agent "${name}" already exists in Pipecat Cloud, so it was not created (agent names are unique across regions, and it may ` +
            `belong to someone else). ${lost}To manage it with this program, set \`adopt: true\` on the Agent: it is then redeployed with the ` +
            "declared configuration and `pulumi destroy` deletes it. Otherwise choose another name. If this is a replacement of an agent " +
            "of this stack (`pulumi up --replace`, `replacementTrigger`), Pulumi creates the new agent before deleting the old one, which " +
            "cannot work under one name: give the resource the option `deleteBeforeReplace: true`.",
    );
}

/**
 * Takes over an existing agent: checked first, then redeployed (forced) with exactly the declared
 * configuration. A binding the program does not declare cannot be removed through the API, so such an
 * agent is refused rather than adopted with a configuration Pulumi would not report.
 */
async function adopt(ins: AgentInputs): Promise<AgentOutputs> {
    const found = await getAgent(api(), agentCall("adoption", ins.name));
    if (found === "absent")
        throw new PipecatError(`Agent "${ins.name}" was reported to exist but could not be read: run \`pulumi up\` again.`);
    if (ins.region !== undefined && found.region !== undefined && found.region !== ins.region) {
        throw new PipecatError(
            `Agent "${ins.name}" exists in region "${found.region}" but is declared in region "${ins.region}"; adopt does not move an agent, ` +
                `so nothing was changed. Declare \`region: "${found.region}"\` (or leave region out) to adopt it where it is.`,
        );
    }
    const undeclared = (["secretSet", "imagePullSecretSet"] as const).filter((b) => found[b] !== undefined && ins[b] === undefined);
    if (undeclared.length > 0) {
        const what = undeclared.map((b) => `${b} "${found[b]}"`).join(" and ");
        throw new PipecatError(
            `Agent "${ins.name}" is bound to ${what} in Pipecat Cloud, which the program does not declare, and the API cannot remove a binding: ` +
                `adopting it would leave a binding Pulumi does not show, so nothing was changed. Declare ${undeclared.map((b) => `\`${b}: "${found[b]}"\``).join(" and ")} ` +
                "to adopt the agent as it is, or delete the agent in Pipecat Cloud first to create it afresh.",
        );
    }
    const sent = await whenSetsReady(ins, () =>
        updateAgent(api(), agentCall("adoption", ins.name), { ...deploymentBody(ins), forceRedeploy: true }),
    );
    return deployed(ins, await waitUntilDeployed(ins.name, sent.desiredDeploymentId, found.desiredDeploymentId));
}

/**
 * Deletes the agent a failed create made, so that the next `pulumi up` creates it afresh instead of
 * refusing it as a stranger's; the error then says so. Only called once the create proved the agent its own.
 */
async function rolledBack(e: unknown, name: string): Promise<unknown> {
    if (!isPipecatError(e)) return e;
    let cleanup: string;
    try {
        cleanup =
            (await deleteAndWait(agentCall("delete", name))) === "absent"
                ? "Nothing was left behind in Pipecat Cloud."
                : "The agent was deleted again, so the next `pulumi up` creates it afresh.";
    } catch {
        cleanup = `The agent could not be deleted again: delete it (\`pipecat cloud agent delete ${name}\`), or set \`adopt: true\`, before the next \`pulumi up\`.`;
    }
    return told(e, { outcome: cleanup, next: nextAfter(e) });
}

const RAISE_DEPLOY_BOUND =
    "To wait longer, raise the bound, for example `pulumi config set pipecat:deployTimeoutSeconds 1200`, then run `pulumi up`.";

/** What to run after a failed deployment: a longer bound after a timeout, else the cause's fix. */
function nextAfter(e: Error): string {
    return e instanceof DeploymentError && e.timedOut ? RAISE_DEPLOY_BOUND : "Fix the cause, then run `pulumi up`.";
}

export async function update(_id: string, olds: AgentOutputs, news: AgentInputs): ReturnType<Provider["update"]> {
    const before: Partial<AgentOutputs> = strip(olds);
    const ins = strip(news);
    const region = before.region ?? ins.region ?? "";
    return guard(async () => {
        // A deployment left unfinished (`ready: false`: it failed, or the wait for it did) is started again with force:
        // the same spec sent again starts no new deployment, and the wait would only meet the failed one again.
        const force = mustForce(before, ins) || before.ready === false;
        const deployment = changedProperties(before, ins);
        // A deployment left unfinished by an earlier `up` (`ready: false`) is sent again and waited on.
        if (!force && deployment.every((k) => k === "secretSetRevision" || k === "imagePullSecretSetRevision")) {
            // Bookkeeping only (a revision of a set no longer bound, `adopt`, a rename): nothing to send.
            return { outs: { ...kept(before), ...ins, region } };
        }
        const ctx = agentCall("update", ins.name);
        const sent = await whenSetsReady(ins, () => updateAgent(api(), ctx, updateBody(before, ins, force)));
        try {
            return { outs: deployed(ins, await waitUntilDeployed(ins.name, sent.desiredDeploymentId, before.deploymentId)) };
        } catch (e) {
            if (!isPipecatError(e)) throw e;
            const failed = told(e, {
                outcome: "Pipecat Cloud keeps serving the previous deployment, if one was ready.",
                next: nextAfter(e),
            });
            // Pipecat Cloud holds the new configuration as its desired deployment: the state says so, so that
            // reverting the program is a change, and the next `up` finishes or undoes this one.
            const outs: AgentOutputs = {
                ...ins,
                region,
                deploymentId: sent.desiredDeploymentId ?? "",
                ready: false,
                available: sent.available,
            };
            throw partlyApplied(failed, ins.name, outs, news);
        }
    });
}

function kept(before: Partial<AgentOutputs>): Pick<AgentOutputs, "deploymentId" | "ready" | "available"> {
    return { deploymentId: before.deploymentId ?? "", ready: before.ready ?? false, available: before.available ?? false };
}

export async function read(id: string, props?: Stored): ReturnType<Provider["read"]> {
    // A read with no stored state (`Agent.get`) has no outputs yet.
    const olds: Partial<AgentOutputs> = strip(props ?? {});
    const name = olds.name ?? id;
    return guard(async () => {
        const found = await getAgent(api(), agentCall("read", name));
        if (found === "absent") {
            // A read with no stored state is `Agent.get`: there, no agent is an error, not an agent that left the state.
            if (olds.name === undefined) {
                throw nothingToGet("Agent", name, "absent");
            }
            return gone();
        }
        // `Agent.get` reads with no state (state always holds a name): the build is read even though none was declared.
        const build = olds.name === undefined && found.buildId !== undefined ? { buildId: found.buildId } : {};
        return readAs(id, dropUndefined({ ...readBack(olds, found), ...build, name }));
    });
}

/**
 * What Pipecat Cloud runs, for every field diff compares: a change made outside Pulumi shows in the next
 * preview as a change, and `up` deploys the declared configuration again. Optional fields the program
 * does not declare are left to Pipecat (not read into the state); a build's image is Pipecat's own.
 */
function readBack(olds: Partial<AgentOutputs>, found: AgentDetails): Record<string, unknown> {
    const declared = <K extends keyof AgentOutputs>(k: K, value: AgentOutputs[K] | undefined) =>
        olds[k] === undefined ? {} : { [k]: value ?? olds[k] };
    const krisp =
        found.krispAudioFilter === undefined
            ? olds.krispViva
            : found.krispAudioFilter === null
              ? undefined
              : { audioFilter: found.krispAudioFilter };
    return {
        ...olds,
        region: found.region ?? olds.region ?? "",
        ...(olds.buildId === undefined && found.image !== undefined ? { image: found.image } : {}),
        // Deployed from an image, now running a build set outside Pulumi: the state says so (diff then deploys the image again).
        ...(olds.buildId === undefined && found.buildId !== undefined ? { buildId: found.buildId } : {}),
        ...(olds.buildId !== undefined && found.buildId !== undefined ? { buildId: found.buildId } : {}),
        // Deployed from a build, now running an image set outside Pulumi: the state says so (diff then deploys the build again).
        ...(olds.buildId !== undefined && found.buildId === undefined && found.image !== undefined
            ? { buildId: undefined, image: found.image }
            : {}),
        ...(found.autoScaling !== undefined ? { autoScaling: found.autoScaling } : {}),
        secretSet: found.secretSet,
        imagePullSecretSet: found.imagePullSecretSet,
        ...declared("agentProfile", found.agentProfile),
        ...declared("maxSessionDuration", found.maxSessionDuration),
        ...declared("nodeType", found.nodeType),
        ...declared("enableKrisp", found.enableKrisp),
        ...declared("websocketAuth", found.websocketAuth),
        ...(olds.krispViva === undefined ? {} : { krispViva: krisp }),
        deploymentId: found.desiredDeploymentId ?? olds.deploymentId ?? "",
        ready: found.ready,
        available: found.available,
    };
}

async function deleteAgent(id: string, props: AgentOutputs): ReturnType<Provider["delete"]> {
    const olds: Partial<AgentOutputs> = strip(props);
    const name = olds.name ?? id;
    // Another resource of this stack deployed this name during this run (a replacement the engine
    // created first, adopting the agent): it is that resource's now.
    if (writtenByAnother(KIND, name, olds.deploymentId)) return;
    session.rememberPlace(KIND, { name }, { name, region: olds.region });
    await guard(() => deleteAndWait(agentCall("delete", name)));
}
export { deleteAgent as delete };

/** Outputs after a deployment completed, remembered per process (see `delete`). */
function deployed(ins: AgentInputs, found: AgentDetails): AgentOutputs {
    // Stryker disable next-line StringLiteral: waitUntilDeployed returns only an agent whose desiredDeploymentId is defined
    const deploymentId = found.desiredDeploymentId ?? "";
    noteWrite(KIND, ins.name, deploymentId);
    return { ...ins, region: found.region ?? ins.region ?? "", deploymentId, ready: found.ready, available: found.available };
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

// The methods the shim calls, as the engine's interface types them.
void ({ configure, check, diff, create, read, update, delete: deleteAgent } satisfies dynamic.ResourceProvider<AgentInputs, AgentOutputs>);
