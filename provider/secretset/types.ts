/**
 * The data shapes of a SecretSet: checked inputs and stored outputs. Kept apart from the schemas
 * and the client so that the public type declarations need neither zod nor axios.
 */

/** Inputs of a regular or image-pull set after `check`: every default filled in. */
export interface SecretSetInputs {
    readonly name: string;
    /** Present when `name` was generated: the resource name it was derived from. */
    readonly autonamePrefix?: string;
    readonly region?: string;
    readonly secrets?: Readonly<Record<string, string>>;
    readonly imagePullSecret?: ImagePullSecretInputs;
    readonly adopt?: boolean;
}

export interface ImagePullSecretInputs {
    readonly host: string;
    readonly credentials?: string;
    readonly username?: string;
    readonly password?: string;
}

/**
 * Outputs of a SecretSet as stored in state. They carry no secret value: @pulumi/pulumi prints
 * every resource's outputs in clear in its `--debug` log, so values stay in the (secret) inputs.
 */
export interface SecretSetOutputs {
    readonly name: string;
    readonly autonamePrefix?: string;
    readonly adopt?: boolean;
    readonly region: string;
    /** Key names that exist in Pipecat Cloud, sorted. Empty for image-pull sets. */
    readonly keys: readonly string[];
    /** Key names the last create or update wrote, sorted: `keys` differs from them only after drift. */
    readonly declaredKeys?: readonly string[];
    readonly isImagePullSecret: boolean;
    /** Registry of an image-pull set (not secret). */
    readonly host?: string;
    /** Readiness found by the last write or refresh: `ready`, or `failed` when provisioning failed outside Pulumi. */
    readonly status?: string;
    /**
     * Random, new on every write of the set by this provider (create, update, adoption). Says nothing
     * about the values; tells the resource that wrote a set apart from an older one of the same name.
     */
    readonly revision?: string;
}
