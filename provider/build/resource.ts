/**
 * `Build`: a Pipecat Cloud cloud build of a directory with a Dockerfile. Given to an Agent as its `buildId`,
 * a change of the sources previews as a new build and the agent's redeploy, in one plan.
 */
import * as pulumi from "@pulumi/pulumi";
import { PipecatError } from "../errors";
import type { Region } from "../region";
import { buildProvider } from "./provider";

/** Arguments of a Build. */
export interface BuildArgs {
    /**
     * The directory to build (the Docker build context), relative to the program's folder or absolute. Its
     * files are packed as Pipecat's deploy action packs them: `.env`, `.env.*`, `*.pem` and `*.key` are never
     * sent, even if a `.dockerignore` lets them in; a `.dockerignore` is honoured with Docker's rules; without
     * one, the action's default exclusions apply (among them `.git`, `node_modules`, `__pycache__`, `.venv`,
     * `build` and `dist`). Symbolic links are left out, as the action leaves them. At most 500 MB of files.
     * Only the files count: a new path to the same files is no change.
     */
    readonly context: pulumi.Input<string>;
    /**
     * The Dockerfile's path inside the context. Another Dockerfile is a new build.
     * @default "Dockerfile"
     */
    readonly dockerfile?: pulumi.Input<string>;
    /**
     * The region to build in; an Agent deployed from the build must be in the same region. A newly declared
     * region is a new build there; a region no longer declared keeps the build where it is, and so does a build
     * never declared with one: a new build of changed files is made where the build it replaces is, even after the
     * organisation's default region changed (its Agent stays there too).
     * @default the organisation's default region (at the first build)
     */
    readonly region?: pulumi.Input<Region>;
}

/**
 * A Pipecat Cloud build. `pulumi preview` computes the context's hash from the files, without network: an
 * unchanged tree is no change, a changed one a new build. `pulumi up` reuses a successful build of the same
 * files, Dockerfile and region if Pipecat Cloud has one (nothing uploaded), and otherwise uploads the
 * context to Pipecat's storage (never with the API key) and waits for the build, within
 * `pipecat:buildTimeoutSeconds`; a failed build fails with Pipecat's message and the log's last lines.
 *
 * A build is immutable and Pipecat Cloud documents no delete: removing a Build from the program, or
 * `pulumi destroy`, removes it from the state only, and nothing is sent.
 */
export class Build extends pulumi.dynamic.Resource {
    /** The build's UUID (also the resource's id): pass it, or the Build itself, to an Agent's `buildId`. */
    declare public readonly buildId: pulumi.Output<string>;
    /** The image the build made, as Pipecat Cloud reports it. */
    declare public readonly imageUri: pulumi.Output<string>;
    /** The first 16 hex characters of the MD5 of the context's archive: the same files give the same hash, as in Pipecat's own clients. */
    declare public readonly contextHash: pulumi.Output<string>;
    /** Whether an existing successful build of the same context, Dockerfile and region was used (nothing uploaded or built). */
    declare public readonly cached: pulumi.Output<boolean>;
    /** The uploaded archive's size in bytes, as Pipecat Cloud reports it. */
    declare public readonly contextSizeBytes: pulumi.Output<number | undefined>;
    /** How many files the context sent. */
    declare public readonly fileCount: pulumi.Output<number>;
    /** The image's size in bytes, when Pipecat Cloud reports it. */
    declare public readonly imageSizeBytes: pulumi.Output<number | undefined>;
    /** How long the build took in Pipecat Cloud, in seconds, when it reports it. */
    declare public readonly buildDurationSeconds: pulumi.Output<number | undefined>;
    /** The region the build is in, as Pipecat Cloud reports it. */
    declare public readonly region: pulumi.Output<string>;
    /** The Dockerfile's path inside the context. */
    declare public readonly dockerfile: pulumi.Output<string>;
    /** The context directory, as declared. */
    declare public readonly context: pulumi.Output<string>;
    /**
     * The region as the program declared it (undefined when it did not): an Agent given this Build compares it
     * with its own before anything is sent, also in a preview without an API key. @internal
     */
    public readonly declaredRegion: pulumi.Input<string> | undefined;

    /**
     * Declares a build that this program manages: `pulumi up` builds the context (or reuses Pipecat's cached
     * build of the same files), and a change of the files builds again. The `import` option is refused: a build
     * is made from files, so there is nothing to take over.
     * @param name The Pulumi resource name (unique in the stack).
     * @param args The context directory, and optionally the Dockerfile and the region.
     * @param opts Resource options. The resource adds `ignoreChanges: ["__provider"]` to those given.
     */
    constructor(name: string, args: BuildArgs, opts?: pulumi.CustomResourceOptions) {
        if (opts?.import !== undefined || opts?.id !== undefined) {
            throw new PipecatError(
                `Build ${JSON.stringify(name)}: a build is made from files, so there is nothing to import or read by id. ` +
                    "Declare the Build with its `context`: a successful build of the same files, Dockerfile and region is found in " +
                    "Pipecat's cache and used as it is, without an upload. To deploy a build made elsewhere, pass its id to the Agent's `buildId`.",
            );
        }
        const given = Object.entries({ context: args.context, dockerfile: args.dockerfile, region: args.region }).filter(
            ([, v]) => v !== undefined,
        );
        super(
            buildProvider,
            name,
            { ...OUTPUTS, ...Object.fromEntries(given) },
            { ...opts, ignoreChanges: [...(opts?.ignoreChanges ?? []), "__provider"] },
            "pipecat",
            "Build",
        );
        this.declaredRegion = args.region;
    }
}

/** The outputs the provider fills in. */
const OUTPUTS = {
    buildId: undefined,
    imageUri: undefined,
    contextHash: undefined,
    cached: undefined,
    contextSizeBytes: undefined,
    fileCount: undefined,
    imageSizeBytes: undefined,
    buildDurationSeconds: undefined,
    region: undefined,
    dockerfile: undefined,
    context: undefined,
} as const;
