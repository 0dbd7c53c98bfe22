/**
 * The data shapes of a Build: checked inputs and stored outputs. Kept apart from the schemas, the client
 * and the archive so that the public type declarations need neither zod, axios nor tar-stream.
 */

/** Inputs of a Build after `check`: what was declared, and what check found in the context directory. */
export interface BuildInputs {
    /** The context directory, as declared (relative paths start at the program's folder). */
    readonly context: string;
    /** The Dockerfile's path inside the context, `Dockerfile` unless declared. */
    readonly dockerfile: string;
    /** The declared region; else the one the previous inputs held (a region no longer declared keeps the build where it is). */
    readonly region?: string;
    /**
     * The first 16 hex characters of the MD5 of the context's deterministic tar.gz, computed by check without
     * network: a new hash is a new build. Unknown in a preview when the context itself is.
     */
    readonly contextHash: string;
    /** How many files check found to send. */
    readonly fileCount?: number;
}

/** Outputs of a Build as stored in state: the build Pipecat Cloud made (or found in its cache). Never a file's content. */
export interface BuildOutputs extends BuildInputs {
    /** The build's UUID: what an Agent's `buildId` takes. */
    readonly buildId: string;
    /** The image the build made, as Pipecat Cloud reports it. */
    readonly imageUri: string;
    /** The region the build is in, as Pipecat Cloud reports it. */
    readonly region: string;
    /** Whether an earlier successful build of the same context, Dockerfile and region was used (nothing uploaded or built). */
    readonly cached: boolean;
    /** The uploaded archive's size, as Pipecat Cloud reports it. */
    readonly contextSizeBytes?: number;
    /** How many files the context held. */
    readonly fileCount: number;
    /** The image's size, when Pipecat Cloud reports it. */
    readonly imageSizeBytes?: number;
    /** How long Pipecat Cloud took to build, when it reports it. */
    readonly buildDurationSeconds?: number;
}
