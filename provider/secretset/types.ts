/**
 * The data shapes of a SecretSet: checked inputs and stored outputs. Kept apart from the schemas
 * and the client so that the public type declarations need neither zod nor axios.
 */

/** Inputs of a regular or image-pull set after `check`: every default filled in. */
export interface SecretSetInputs {
    /** The set's name in Pipecat Cloud: the declared one, or the autoname chosen at creation. */
    readonly name: string;
    /** Present when `name` was generated: the resource name it was derived from. */
    readonly autonamePrefix?: string;
    /** The declared region; else the one the previous inputs held, or a replaced set's (a region no longer declared keeps the set where it is). */
    readonly region?: string;
    /** A regular set's keys and values (the values are secret in the state). */
    readonly secrets?: Readonly<Record<string, string>>;
    /** An image-pull set's registry and credentials (the credentials are secret in the state). */
    readonly imagePullSecret?: ImagePullSecretInputs;
    /** Whether create may take over a set that exists under `name`. */
    readonly adopt?: boolean;
}

/** The registry and credentials of an image-pull set, after `check`. */
export interface ImagePullSecretInputs {
    /** The registry's https URL. */
    readonly host: string;
    /** The credentials, sent as given; exclusive with `username` and `password`. */
    readonly credentials?: string;
    /** With `password`: sent as base64 of `username:password`. */
    readonly username?: string;
    /** With `username`. */
    readonly password?: string;
}

/**
 * Outputs of a SecretSet as stored in state. They carry no secret value: @pulumi/pulumi prints
 * every resource's outputs in clear in its `--debug` log, so values stay in the (secret) inputs.
 */
export interface SecretSetOutputs {
    /** The set's name in Pipecat Cloud (also the resource's id). */
    readonly name: string;
    /** Present when `name` was generated: the resource name it was derived from. */
    readonly autonamePrefix?: string;
    /** The `adopt` input, as last written. */
    readonly adopt?: boolean;
    /** The region the set is in, as Pipecat Cloud reports it. */
    readonly region: string;
    /** Key names that exist in Pipecat Cloud, sorted. Empty for image-pull sets. */
    readonly keys: readonly string[];
    /** Key names the last create or update wrote, sorted: `keys` differs from them only after drift. */
    readonly declaredKeys?: readonly string[];
    /** Whether this is an image-pull set. */
    readonly isImagePullSecret: boolean;
    /** Registry of an image-pull set (not secret). */
    readonly host?: string;
    /** Readiness found by the last write or refresh: `ready`, or `failed` when provisioning failed outside Pulumi. */
    readonly status?: string;
    /**
     * Random, new on every write of the set by this provider (create, update, adoption). Says nothing
     * about the values; tells the resource that wrote a set apart from an older one of the same name.
     * Absent for a set read with `SecretSet.get`.
     */
    readonly revision?: string;
}
