/**
 * The data shapes of an Agent: checked inputs and stored outputs. Kept apart from the schemas and the
 * client so that the public type declarations need neither zod nor axios.
 */

/** Scaling of an agent, as the API's request bodies name it. */
export interface AutoScaling {
    readonly minAgents: number;
    readonly maxAgents: number;
}

/** Inputs of an Agent after `check`: defaults left to the API, except those that diff must compare. */
export interface AgentInputs {
    /** The `serviceName`. */
    readonly name: string;
    /** Present when `name` was generated: the resource name it was derived from. */
    readonly autonamePrefix?: string;
    readonly region?: string;
    readonly image?: string;
    readonly buildId?: string;
    /** Name of the regular secret set bound to the agent. */
    readonly secretSet?: string;
    /** The bound SecretSet's `revision` when the program passed the resource: a new one redeploys with force. */
    readonly secretSetRevision?: string;
    /** The bound SecretSet's region when the program passed the resource: checked against the agent's before anything is sent. */
    readonly secretSetRegion?: string;
    readonly imagePullSecretSet?: string;
    readonly imagePullSecretSetRevision?: string;
    readonly imagePullSecretSetRegion?: string;
    readonly autoScaling: AutoScaling;
    readonly agentProfile: string;
    readonly maxSessionDuration: number;
    readonly nodeType?: string;
    readonly krispViva?: { readonly audioFilter: string };
    readonly enableKrisp?: boolean;
    readonly websocketAuth?: string;
    readonly adopt?: boolean;
}

/**
 * Outputs of an Agent as stored in state: the declared deployment as Pipecat Cloud runs it (refresh
 * reads image, scaling and bound sets back), and readiness. Never a secret value.
 */
export interface AgentOutputs extends AgentInputs {
    readonly region: string;
    /** The deployment the last create, update or refresh found (`desiredDeploymentId`). */
    readonly deploymentId: string;
    /** Whether that deployment passed validation and is ready. */
    readonly ready: boolean;
    /** Whether the agent can take sessions (an older deployment may serve while a newer one fails). */
    readonly available: boolean;
}
