/**
 * The data shapes of an Agent: checked inputs and stored outputs. Kept apart from the schemas and the
 * client so that the public type declarations need neither zod nor axios.
 */

/** Scaling of an agent, as the API's request bodies name it. */
export interface AutoScaling {
    /** The fewest instances Pipecat Cloud runs (0 or more). */
    readonly minAgents: number;
    /** The most instances Pipecat Cloud runs (1 or more, not below `minAgents`). */
    readonly maxAgents: number;
}

/** Inputs of an Agent after `check`: defaults left to the API, except those that diff must compare. */
export interface AgentInputs {
    /** The `serviceName`. */
    readonly name: string;
    /** Present when `name` was generated: the resource name it was derived from. */
    readonly autonamePrefix?: string;
    /** The declared region; else the one the previous inputs held, or a replaced agent's (a region no longer declared keeps the agent where it is). */
    readonly region?: string;
    /** The container image; exclusive with `buildId`. */
    readonly image?: string;
    /** The UUID of a Pipecat Cloud build; exclusive with `image`. */
    readonly buildId?: string;
    /** The Build resource's declared region when the program passed the resource: checked against the agent's before anything is sent. */
    readonly buildRegion?: string;
    /** Name of the regular secret set bound to the agent. */
    readonly secretSet?: string;
    /** The bound SecretSet's `revision` when the program passed the resource: a new one redeploys with force. */
    readonly secretSetRevision?: string;
    /** The bound SecretSet's region when the program passed the resource: checked against the agent's before anything is sent. */
    readonly secretSetRegion?: string;
    /** Name of the image-pull secret set bound to the agent. */
    readonly imagePullSecretSet?: string;
    /** The bound image-pull SecretSet's `revision`, as `secretSetRevision`. */
    readonly imagePullSecretSetRevision?: string;
    /** The bound image-pull SecretSet's region, as `secretSetRegion`. */
    readonly imagePullSecretSetRegion?: string;
    /** The scaling, with its defaults (`{ minAgents: 0, maxAgents: 50 }`) filled in. */
    readonly autoScaling: AutoScaling;
    /** The instance profile, `agent-1x` unless declared. */
    readonly agentProfile: string;
    /** The longest session in seconds, 7200 unless declared. */
    readonly maxSessionDuration: number;
    /** The node type (`arm`), when declared. */
    readonly nodeType?: string;
    /** The Krisp VIVA model (`tel` or `pro`), when declared. */
    readonly krispViva?: { readonly audioFilter: string };
    /** The older Krisp switch, when declared. */
    readonly enableKrisp?: boolean;
    /** `none` or `token`, when declared. */
    readonly websocketAuth?: string;
    /** Whether create may take over an agent that exists under `name`. */
    readonly adopt?: boolean;
}

/**
 * Outputs of an Agent as stored in state: the declared deployment as Pipecat Cloud runs it (refresh
 * reads image, scaling and bound sets back), and readiness. Never a secret value.
 */
export interface AgentOutputs extends AgentInputs {
    /** The region the agent runs in, as Pipecat Cloud reports it. */
    readonly region: string;
    /** The deployment the last create, update or refresh found (`desiredDeploymentId`). */
    readonly deploymentId: string;
    /** Whether that deployment passed validation and is ready. */
    readonly ready: boolean;
    /** Whether the agent can take sessions (an older deployment may serve while a newer one fails). */
    readonly available: boolean;
}
