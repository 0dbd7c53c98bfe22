/**
 * What a change of inputs means for an agent: nothing, an update (a redeploy, forced or not), or a
 * replacement; and the bodies the API is sent. Pure functions of the old outputs and the new checked
 * inputs, so the plan `pulumi preview` shows is the one `pulumi up` carries out.
 *
 * An agent's inputs hold no secret, and its outputs hold what Pipecat Cloud runs (refresh reads image,
 * scaling and bound sets back), so the provider decides `changes` itself: drift shows as a change even
 * when the program did not change.
 */
import { UNKNOWN } from "../inputs";
import { deleteFirst } from "../lifecycle";
import type { AgentInputs, AgentOutputs } from "./types";

export interface AgentDiff {
    readonly changes: boolean;
    readonly replaces: string[];
    readonly deleteBeforeReplace: boolean;
}

/** Fields of the deployment spec: a difference is an update (a new deployment, unless only scaling changed). */
const DEPLOYED = [
    "image",
    "buildId",
    "secretSet",
    "imagePullSecretSet",
    "autoScaling",
    "agentProfile",
    "maxSessionDuration",
    "nodeType",
    "krispViva",
    "enableKrisp",
    "websocketAuth",
] as const;
/** A new revision of a bound set: a forced redeploy (`mustForce`). */
const REVISIONS = ["secretSetRevision", "imagePullSecretSetRevision"] as const;
/**
 * Inputs that carry nothing Pipecat Cloud runs: a change of only these (`adopt` dropped, a rename with
 * `aliases`, a bound set's or build's region as the resource declares it) is no change of the agent, so no request.
 */
export const BOOKKEEPING = ["adopt", "autonamePrefix", "secretSetRegion", "imagePullSecretSetRegion", "buildRegion"] as const;

/**
 * What an update sends for an optional field that is no longer declared: an update leaves a field it
 * omits as it was, so a removed field is reset explicitly to the API's documented default. (A removed
 * `websocketAuth` is refused by check instead: its documented default differs between Pipecat's pages.)
 */
export const RESETS = { krispViva: { audioFilter: null }, enableKrisp: false, nodeType: "arm" } as const;

/** Equal, and not unknown (in a preview, an unknown value is a change). Equal JSON and `b` known imply `a` known too. */
function same(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b) && b !== UNKNOWN;
}

/** The properties whose new value differs from what was deployed (or last read back by refresh). */
export function changedProperties(olds: Partial<AgentOutputs>, news: AgentInputs): string[] {
    return [...DEPLOYED, ...REVISIONS].filter((k) => !same(olds[k], news[k]));
}

/**
 * - A new name or a newly declared region replaces the agent (the API cannot rename or move one).
 *   Every replacement under the same name deletes first: names are unique, and create-then-delete
 *   would delete the agent just created. As for SecretSet, this is answered on every diff, because the
 *   engine also replaces for its own reasons and then takes the order from the last answer.
 *   An autonamed agent gets a fresh name when it is replaced, so it is created first, without a gap.
 * - Unbinding a set replaces the agent: the API documents no way to remove a binding from an agent.
 * - A change of only bookkeeping inputs (`BOOKKEEPING`) is no change: the engine records the new inputs
 *   and sends nothing.
 */
export function diffAgent(olds: Partial<AgentOutputs>, news: AgentInputs): AgentDiff {
    const replaces: string[] = [];
    if (news.name !== olds.name) replaces.push("name");
    if (news.region !== undefined && news.region !== olds.region) replaces.push("region");
    if (olds.secretSet !== undefined && news.secretSet === undefined) replaces.push("secretSet");
    if (olds.imagePullSecretSet !== undefined && news.imagePullSecretSet === undefined) replaces.push("imagePullSecretSet");
    // An unknown new name (a preview) is never the old one: the state holds the name the agent was created with.
    const deleteBeforeReplace = deleteFirst(olds.name, news);
    // A deployment that is not ready (a failed update, as refresh reads it back) is sent again: Pulumi must not
    // report "unchanged" while Pipecat Cloud's desired deployment differs from what serves.
    const unfinished = olds.ready === false;
    return { changes: replaces.length > 0 || unfinished || changedProperties(olds, news).length > 0, replaces, deleteBeforeReplace };
}

/**
 * Whether an update must ask for `forceRedeploy`: the values of a bound set changed since the last
 * deploy (its revision is new) while the binding stayed. Pipecat Cloud does not push new values to a
 * running agent, and a body with an unchanged spec starts no new deployment by itself.
 */
export function mustForce(olds: Partial<AgentOutputs>, news: AgentInputs): boolean {
    const rotated = (set: "secretSet" | "imagePullSecretSet", revision: "secretSetRevision" | "imagePullSecretSetRevision") =>
        news[set] !== undefined && news[set] === olds[set] && news[revision] !== undefined && news[revision] !== olds[revision];
    return rotated("secretSet", "secretSetRevision") || rotated("imagePullSecretSet", "imagePullSecretSetRevision");
}

/** The body of `POST /agents/{name}`: every declared field of the deployment (and of `POST /agents`, with `serviceName` and `region`). */
export function deploymentBody(ins: AgentInputs): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    for (const k of DEPLOYED) if (ins[k] !== undefined) body[k] = ins[k];
    return body;
}

export function createBody(ins: AgentInputs): Record<string, unknown> {
    return { serviceName: ins.name, ...(ins.region !== undefined ? { region: ins.region } : {}), ...deploymentBody(ins) };
}

/**
 * The body of `POST /agents/{name}`: every declared field, each optional field no longer declared
 * reset to its default (`RESETS`), and `forceRedeploy` when a bound set was rotated (`mustForce`).
 */
export function updateBody(olds: Partial<AgentOutputs>, news: AgentInputs, force: boolean): Record<string, unknown> {
    const resets = Object.fromEntries(
        Object.entries(RESETS).filter(
            ([k]) => olds[k as keyof typeof RESETS] !== undefined && news[k as keyof typeof RESETS] === undefined,
        ),
    );
    return { ...deploymentBody(news), ...resets, ...(force ? { forceRedeploy: true } : {}) };
}

/** What an agent found under a name shows of its configuration (`GET /agents/{name}`). */
export interface FoundAgent {
    readonly region: string | undefined;
    readonly image: string | undefined;
    readonly buildId: string | undefined;
    readonly secretSet: string | undefined;
    readonly imagePullSecretSet: string | undefined;
}

/**
 * Where an agent found under the name differs from the one a create sent: after an attempt that got no
 * answer, "already exists" is this create's own agent only if image or build, bindings and region are the
 * ones sent. A build the answer does not show cannot prove anything, so it differs.
 */
export function differsFromSent(found: FoundAgent, sent: AgentInputs): string[] {
    const differs: string[] = [];
    if (sent.image !== undefined && found.image !== sent.image) differs.push("image");
    if (sent.buildId !== undefined && found.buildId !== sent.buildId) differs.push("buildId");
    if (found.secretSet !== sent.secretSet) differs.push("secretSet");
    if (found.imagePullSecretSet !== sent.imagePullSecretSet) differs.push("imagePullSecretSet");
    if (sent.region !== undefined && found.region !== sent.region) differs.push("region");
    return differs;
}
