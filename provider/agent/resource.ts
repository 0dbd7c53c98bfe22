/**
 * `Agent`: a Pipecat Cloud agent deployment, bound to its secret sets. Given the SecretSet resources
 * themselves, it follows their writes: a rotated value redeploys the agent (with `forceRedeploy`), in
 * the same `pulumi up` and in the same preview, and destroy removes the agent before its sets.
 */
import * as pulumi from "@pulumi/pulumi";
import { SecretSet } from "../secretset/resource";
import { agentProvider } from "./provider";

/** Arguments of an Agent: exactly one of `image` or `buildId`. */
export interface AgentArgs {
    /**
     * The agent's name (`serviceName`): lowercase letters, digits and `-`, at most 54, unique across regions.
     * Changing it replaces the agent. @default `<resource name>-<7 random characters>`, kept across updates
     */
    readonly name?: pulumi.Input<string>;
    /** Region of the agent and of its sets; a change replaces the agent. @default the organisation's default region */
    readonly region?: pulumi.Input<string>;
    /** Container image, for example `your-registry/voice-agent:0.1`. Exclusive with `buildId`. */
    readonly image?: pulumi.Input<string>;
    /** UUID of a successful Pipecat Cloud build in the agent's region. Exclusive with `image`. */
    readonly buildId?: pulumi.Input<string>;
    /**
     * The regular secret set whose keys the agent gets as environment variables. Pass the SecretSet
     * resource: then a rotation of its values redeploys the agent. A set name works too, but Pulumi
     * then cannot know when its values change.
     */
    readonly secretSet?: SecretSet | pulumi.Input<string>;
    /** The image-pull secret set for a private registry: the SecretSet resource (new credentials redeploy the agent), or a set name. */
    readonly imagePullSecretSet?: SecretSet | pulumi.Input<string>;
    /** @default `{ minAgents: 0, maxAgents: 50 }` */
    readonly autoScaling?: pulumi.Input<{ readonly minAgents?: pulumi.Input<number>; readonly maxAgents?: pulumi.Input<number> }>;
    /** @default "agent-1x" */
    readonly agentProfile?: pulumi.Input<"agent-1x" | "agent-2x" | "agent-3x">;
    /** Seconds, 60–14400. @default 7200 */
    readonly maxSessionDuration?: pulumi.Input<number>;
    readonly nodeType?: pulumi.Input<"arm">;
    readonly krispViva?: pulumi.Input<{ readonly audioFilter: pulumi.Input<"tel" | "pro"> }>;
    /** Deprecated by Pipecat in favour of `krispViva`. */
    readonly enableKrisp?: pulumi.Input<boolean>;
    readonly websocketAuth?: pulumi.Input<"none" | "token">;
    /**
     * Take over an agent that already exists under `name` (otherwise create refuses): it is redeployed
     * with the declared configuration, and `pulumi destroy` deletes it. @default false
     */
    readonly adopt?: pulumi.Input<boolean>;
}

/** A Pipecat Cloud agent. `pulumi up` returns once its deployment is ready, or fails with Pipecat's reason. */
export class Agent extends pulumi.dynamic.Resource {
    /** The agent's name (also the resource's id). */
    declare public readonly name: pulumi.Output<string>;
    declare public readonly region: pulumi.Output<string>;
    declare public readonly image: pulumi.Output<string | undefined>;
    declare public readonly buildId: pulumi.Output<string | undefined>;
    /** Name of the bound regular set. */
    declare public readonly secretSet: pulumi.Output<string | undefined>;
    /** Name of the bound image-pull set. */
    declare public readonly imagePullSecretSet: pulumi.Output<string | undefined>;
    declare public readonly autoScaling: pulumi.Output<{ minAgents: number; maxAgents: number }>;
    /** The deployment the last `up` (or refresh) found. */
    declare public readonly deploymentId: pulumi.Output<string>;
    /** Whether that deployment passed validation and is ready. */
    declare public readonly ready: pulumi.Output<boolean>;
    /** Whether the agent can take sessions. */
    declare public readonly available: pulumi.Output<boolean>;

    constructor(name: string, args: AgentArgs, opts?: pulumi.CustomResourceOptions) {
        const given = Object.entries({
            name: args.name,
            region: args.region,
            image: args.image,
            buildId: args.buildId,
            autoScaling: args.autoScaling,
            agentProfile: args.agentProfile,
            maxSessionDuration: args.maxSessionDuration,
            nodeType: args.nodeType,
            krispViva: args.krispViva,
            enableKrisp: args.enableKrisp,
            websocketAuth: args.websocketAuth,
            adopt: args.adopt,
        }).filter(([, v]) => v !== undefined);
        const props: Record<string, unknown> = {
            name: undefined,
            region: undefined,
            image: undefined,
            buildId: undefined,
            secretSet: undefined,
            imagePullSecretSet: undefined,
            autoScaling: undefined,
            deploymentId: undefined,
            ready: undefined,
            available: undefined,
            ...Object.fromEntries(given),
            ...binding("secretSet", args.secretSet),
            ...binding("imagePullSecretSet", args.imagePullSecretSet),
        };
        if (args.name === undefined) {
            props["autonamePrefix"] = name;
            if (pulumi.runtime.isDryRun()) props["autonameAtCreate"] = true;
        }
        super(agentProvider, name, props, { ...opts, ignoreChanges: [...(opts?.ignoreChanges ?? []), "__provider"] }, "pipecat", "Agent");
    }
}

/**
 * A bound set: its name, and, for a SecretSet resource, the revision of its last write and its declared region.
 * The revision is new whenever the provider writes the set (values, keys, credentials) and says nothing
 * about the values; an unknown one in a preview (the set is about to be written) plans the agent's
 * redeploy. The region lets check refuse an agent in another region than its set, even in a preview
 * without an API key. No set: the key stays undefined, as the props declare it.
 */
function binding(key: "secretSet" | "imagePullSecretSet", set: SecretSet | pulumi.Input<string> | undefined): Record<string, unknown> {
    if (set instanceof SecretSet) {
        const region = set.declaredRegion === undefined ? {} : { [`${key}Region`]: set.declaredRegion };
        return { [key]: set.name, [`${key}Revision`]: set.revision, ...region };
    }
    return { [key]: set };
}
