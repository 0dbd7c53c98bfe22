/**
 * `Agent`: a Pipecat Cloud agent deployment, bound to its secret sets. Given the SecretSet resources
 * themselves, it follows their writes: a rotated value redeploys the agent (with `forceRedeploy`), in
 * the same `pulumi up` and in the same preview, and destroy removes the agent before its sets.
 */
import * as pulumi from "@pulumi/pulumi";
import { SecretSet } from "../secretset/resource";
import { Build } from "../build/resource";
import { refuseImport } from "../existing";
import type { Region } from "../region";
import { agentProvider } from "./provider";

/** Arguments of an Agent: exactly one of `image` or `buildId`. */
export interface AgentArgs {
    /**
     * The agent's name (`serviceName`): 2–54 lowercase letters, digits and `-`, starting and ending with a
     * letter or digit; unique across regions. A new name replaces the agent.
     * @default `<resource name>-<7 random characters>`, kept across updates
     */
    readonly name?: pulumi.Input<string>;
    /**
     * Region of the agent; its sets (and build) must be in the same region. An agent cannot move: a newly
     * declared region replaces it, and a move away from its sets or build fails in the preview,
     * before anything is deleted. A region no longer declared keeps the agent where it is.
     * @default the organisation's default region
     */
    readonly region?: pulumi.Input<Region>;
    /** Container image, for example `your-registry/voice-agent:0.1`. A change redeploys the agent. Exclusive with `buildId`. */
    readonly image?: pulumi.Input<string>;
    /**
     * The build to run: the Build resource (its new build, when the sources change, redeploys the agent in the same
     * plan, and its declared region is checked against the agent's in the preview, also without an API key), or
     * the UUID of a successful Pipecat Cloud build in the agent's region. A change redeploys the agent. Exclusive with `image`.
     */
    readonly buildId?: Build | pulumi.Input<string>;
    /**
     * The regular secret set whose keys the agent gets as environment variables. Pass the SecretSet
     * resource: then a rotation of its values redeploys the agent, and the set is written and ready before
     * the agent deploys. A set name works too, but Pulumi then cannot know when its values change.
     * Removing the binding replaces the agent (the API cannot remove one).
     */
    readonly secretSet?: SecretSet | pulumi.Input<string>;
    /**
     * The image-pull secret set for a private registry: the SecretSet resource (new credentials redeploy
     * the agent), or a set name. Removing the binding replaces the agent (the API cannot remove one).
     */
    readonly imagePullSecretSet?: SecretSet | pulumi.Input<string>;
    /**
     * How many instances Pipecat Cloud runs: at least `minAgents` (0 or more), at most `maxAgents` (1 or more,
     * not below `minAgents`). A change redeploys the agent, without force.
     * @default `{ minAgents: 0, maxAgents: 50 }`
     */
    readonly autoScaling?: pulumi.Input<{ readonly minAgents?: pulumi.Input<number>; readonly maxAgents?: pulumi.Input<number> }>;
    /**
     * The profile (CPU and memory) of each agent instance. A change redeploys the agent.
     * @default "agent-1x"
     */
    readonly agentProfile?: pulumi.Input<"agent-1x" | "agent-2x" | "agent-3x">;
    /**
     * The longest a session may last, in whole seconds, 60–14400. A change redeploys the agent.
     * @default 7200
     */
    readonly maxSessionDuration?: pulumi.Input<number>;
    /**
     * The node type the agent runs on; Pipecat documents only `"arm"`. A change redeploys the agent. Removing it
     * from the program sends `"arm"`, since an update keeps what it leaves out.
     */
    readonly nodeType?: pulumi.Input<"arm">;
    /**
     * Krisp VIVA audio filtering, with one of the models Pipecat's CLI offers: `"tel"` or `"pro"`. A change
     * redeploys the agent; removing it from the program turns the filter off.
     */
    readonly krispViva?: pulumi.Input<{ readonly audioFilter: pulumi.Input<"tel" | "pro"> }>;
    /** The older Krisp switch, deprecated by Pipecat in favour of `krispViva`. Removing it from the program sends `false`. */
    readonly enableKrisp?: pulumi.Input<boolean>;
    /**
     * How clients authenticate to the agent's websocket transport: `"token"` or `"none"`. A change redeploys the
     * agent. Pipecat's pages disagree on the default, so once declared it stays declared: removing it from the
     * program fails the preview, which asks for `"none"` or `"token"`.
     */
    readonly websocketAuth?: pulumi.Input<"none" | "token">;
    /**
     * Take over an agent that already exists under `name`; without it, create refuses an existing agent. An
     * adopted agent is redeployed (forced) with the declared configuration, and `pulumi destroy` deletes it. One
     * bound to a set the program does not declare is refused (the API cannot remove a binding). To use an agent
     * without managing it, read it with `Agent.get` instead.
     * @default false
     */
    readonly adopt?: pulumi.Input<boolean>;
}

/**
 * A Pipecat Cloud agent. `pulumi up` returns once its deployment is ready, or fails with Pipecat's reason.
 * Three ways to meet an agent that exists already: `Agent.get` reads it without managing it, `adopt: true`
 * takes it over, and the `import` resource option is refused (see the constructor).
 */
export class Agent extends pulumi.dynamic.Resource {
    /** The agent's name (also the resource's id). */
    declare public readonly name: pulumi.Output<string>;
    /** The region the agent runs in, as Pipecat Cloud reports it: the declared one, or the organisation's default. */
    declare public readonly region: pulumi.Output<string>;
    /**
     * The container image: as declared, and as `pulumi refresh` reads it back. Undefined for an agent declared
     * with `buildId` (unless refresh found it running an image set outside Pulumi: then the image, and no `buildId`,
     * until `up` deploys the build again); an agent read with `get` shows the image Pipecat Cloud reports, also for a build.
     */
    declare public readonly image: pulumi.Output<string | undefined>;
    /** The build the agent runs, as declared or read back; undefined for an agent deployed from an `image`. */
    declare public readonly buildId: pulumi.Output<string | undefined>;
    /** Name of the bound regular set: as declared, and as Pipecat Cloud reports it after a refresh or `get`. */
    declare public readonly secretSet: pulumi.Output<string | undefined>;
    /** Name of the bound image-pull set: as declared, and as Pipecat Cloud reports it after a refresh or `get`. */
    declare public readonly imagePullSecretSet: pulumi.Output<string | undefined>;
    /** The scaling: as declared (with its defaults filled in), and as Pipecat Cloud reports it after a refresh or `get`. */
    declare public readonly autoScaling: pulumi.Output<{ minAgents: number; maxAgents: number }>;
    /** The deployment the last `up`, refresh or `get` found (Pipecat's `desiredDeploymentId`). */
    declare public readonly deploymentId: pulumi.Output<string>;
    /** Whether that deployment passed validation and is ready. */
    declare public readonly ready: pulumi.Output<boolean>;
    /** Whether the agent can take sessions (an older deployment may serve while a newer one fails). */
    declare public readonly available: pulumi.Output<boolean>;

    /**
     * Reads the agent named `id` as it is in Pipecat Cloud, without managing it. The stack holds it as a read
     * resource: every `pulumi up`, preview and refresh reads it again, nothing is ever deployed to it, and
     * `pulumi destroy` (or removing it from the program) never deletes it; only the stack forgets it.
     *
     * Its outputs are the agent's as Pipecat Cloud reports them: `name`, `region`, `image` and `buildId` (the
     * build, when it runs one), `secretSet` and `imagePullSecretSet` (set names), `autoScaling`, `deploymentId`,
     * `ready` and `available`. A name that holds no agent fails the read.
     *
     * ```ts
     * const voice = Agent.get("voice", "voice-agent");
     * export const ready = voice.ready;
     * ```
     *
     * To manage an existing agent instead (redeployed with the declared configuration, deleted by destroy),
     * declare it with `adopt: true`.
     * @param name The Pulumi resource name (unique in the stack).
     * @param id The agent's name in Pipecat Cloud (`serviceName`).
     * @param opts Resource options; `import` is refused, as for the constructor.
     */
    public static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Agent {
        return new Agent(name, {}, { ...opts, id });
    }

    /**
     * Declares an agent that this program manages: `pulumi up` deploys it (or, with `adopt`, takes over the
     * existing one) and waits until its deployment is ready, redeploys it when its configuration or a bound
     * SecretSet changes, and `pulumi destroy` deletes it (before its sets).
     *
     * Given `opts.id`, the agent of that name is read instead, exactly as `Agent.get` does, and `args` are
     * ignored. The `import` option is refused here, before the engine is asked: Pulumi cannot import into a
     * dynamic provider (pulumi/pulumi#3550). The error shows `Agent.get` and `adopt: true` instead.
     * @param name The Pulumi resource name (unique in the stack); also the prefix of an autonamed agent's name.
     * @param args The agent: `image` or `buildId`, its sets, and optionally the rest of its configuration.
     * @param opts Resource options. The resource adds `ignoreChanges: ["__provider"]` to those given.
     */
    constructor(name: string, args: AgentArgs, opts?: pulumi.CustomResourceOptions) {
        refuseImport("Agent", name, opts);
        const props = opts?.id !== undefined ? { ...OUTPUTS } : declaredProps(name, args);
        super(agentProvider, name, props, { ...opts, ignoreChanges: [...(opts?.ignoreChanges ?? []), "__provider"] }, "pipecat", "Agent");
    }
}

/** The outputs the provider fills in. Alone, they are what a read (`get`) sends: the provider's read takes the agent's name from the id. */
const OUTPUTS = {
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
} as const;

/** The outputs plus only the inputs that were given (see SecretSet's `declaredProps`). */
function declaredProps(name: string, args: AgentArgs): Record<string, unknown> {
    const given = Object.entries({
        name: args.name,
        region: args.region,
        image: args.image,
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
        ...OUTPUTS,
        ...Object.fromEntries(given),
        ...binding("secretSet", args.secretSet),
        ...binding("imagePullSecretSet", args.imagePullSecretSet),
        ...build(args.buildId),
    };
    if (args.name === undefined) {
        props["autonamePrefix"] = name;
        if (pulumi.runtime.isDryRun()) props["autonameAtCreate"] = true;
    }
    return props;
}

/**
 * The build: a Build resource's `buildId` (unknown in a preview when it is about to be built, which plans the
 * agent's redeploy) and its declared region (`buildRegion`), or the id as given. No build: nothing.
 */
function build(buildId: Build | pulumi.Input<string> | undefined): Record<string, unknown> {
    if (buildId instanceof Build) {
        return { buildId: buildId.buildId, ...(buildId.declaredRegion === undefined ? {} : { buildRegion: buildId.declaredRegion }) };
    }
    return buildId === undefined ? {} : { buildId };
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
        // A set read with `get` has no revision to follow (see SecretSet.isRead): bound by its name only.
        const revision = set.isRead ? {} : { [`${key}Revision`]: set.revision };
        return { [key]: set.name, ...revision, ...region };
    }
    return { [key]: set };
}
