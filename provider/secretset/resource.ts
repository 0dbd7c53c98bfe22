/**
 * `SecretSet`: the resource users declare. It marks every value secret itself, so plain strings
 * never reach state or output in clear, and hands the work to `secretSetProvider`.
 */
import * as pulumi from "@pulumi/pulumi";
import { secretSetProvider } from "./provider";
import { imagePullUpdates } from "../settings";

/** Credentials of an image-pull secret set: `credentials`, or `username` and `password`. */
export interface ImagePullSecretArgs {
    /** Registry URL, for example `https://index.docker.io/v1/`. Must be https. */
    readonly host: pulumi.Input<string>;
    /** Sent as given (usually base64 of `username:token`). Exclusive with username/password. */
    readonly credentials?: pulumi.Input<string>;
    /** With `password`: sent base64-encoded as `username:password`, as Pipecat's CLI does. */
    readonly username?: pulumi.Input<string>;
    readonly password?: pulumi.Input<string>;
}

/** Arguments of a SecretSet: exactly one of `secrets` or `imagePullSecret`. */
export interface SecretSetArgs {
    /**
     * Name of the set in Pipecat Cloud: 3–63 lowercase letters, digits, `-` and `.` (DNS-style).
     * Changing it replaces the set. @default `<resource name>-<7 random characters>`, kept across updates
     */
    readonly name?: pulumi.Input<string>;
    /** Region of the set; it cannot change after creation (a change replaces the set). @default the organisation's default region */
    readonly region?: pulumi.Input<string>;
    /** A regular set: secret key (letters, digits, `_`, `-`, at most 64) to value. Key changes update in place. */
    readonly secrets?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** An image-pull set. Pipecat Cloud cannot update these: any change replaces the set (delete, then create). */
    readonly imagePullSecret?: pulumi.Input<ImagePullSecretArgs>;
    /**
     * Take over a set that already exists under `name` (otherwise create refuses, so no set is
     * silently merged into and later destroyed). Its keys are then made exactly the declared ones.
     * @default false
     */
    readonly adopt?: pulumi.Input<boolean>;
}

/**
 * A Pipecat Cloud secret set. Values are write-only: Pipecat Cloud never returns them, so a value
 * changed outside Pulumi cannot be detected (a key added or removed outside Pulumi can, by `pulumi refresh`).
 */
export class SecretSet extends pulumi.dynamic.Resource {
    /** Name of the set in Pipecat Cloud (also the resource's id). */
    declare public readonly name: pulumi.Output<string>;
    /** Region the set lives in. */
    declare public readonly region: pulumi.Output<string>;
    /** Key names of a regular set, sorted (empty for an image-pull set). Not secret. */
    declare public readonly keys: pulumi.Output<string[]>;
    declare public readonly isImagePullSecret: pulumi.Output<boolean>;
    /** Registry of an image-pull set. */
    declare public readonly host: pulumi.Output<string | undefined>;
    /**
     * New, at random, each time the provider writes the set (values, keys or credentials); it reveals
     * nothing about the values. An Agent given this SecretSet redeploys when it changes.
     */
    declare public readonly revision: pulumi.Output<string>;
    /** The declared values (secret), once the set is written. */
    public readonly secrets: pulumi.Output<Record<string, string> | undefined>;
    /** The declared image-pull credentials (secret), once the set is written. */
    public readonly imagePullSecret: pulumi.Output<{ host: string; credentials?: string; username?: string; password?: string } | undefined>;
    /**
     * The region as the program declared it (undefined when it did not). An Agent bound to this set compares it
     * with its own before anything is sent or deleted, even in a preview without an API key; unlike the `region`
     * output, it is known in a preview and changes only when the program changes it. @internal
     */
    public readonly declaredRegion: pulumi.Input<string> | undefined;

    constructor(name: string, args: SecretSetArgs, opts?: pulumi.CustomResourceOptions) {
        // The outputs the provider fills in, plus only the optional inputs that were given: for every
        // property @pulumi/pulumi makes four promises, each capturing a stack trace (source-mapped under
        // ts-node), so an absent input passed as undefined still costs time on every resource.
        const props: Record<string, unknown> = { name: args.name, region: args.region, keys: undefined, isImagePullSecret: undefined, host: undefined, revision: undefined };
        // Lets check() derive the autoname from the resource name (check does not see the URN).
        if (args.name === undefined) {
            props["autonamePrefix"] = name;
            // A preview cannot know the random name `up` will choose: it shows the name as unknown.
            if (pulumi.runtime.isDryRun()) props["autonameAtCreate"] = true;
        }
        if (args.secrets !== undefined) props["secrets"] = secretEach(args.secrets);
        if (args.imagePullSecret !== undefined) props["imagePullSecret"] = secretCredentials(args.imagePullSecret);
        if (args.adopt !== undefined) props["adopt"] = args.adopt;
        super(secretSetProvider, name, props, withOwnOptions(opts), "pipecat", "SecretSet");
        this.declaredRegion = args.region;
        // The provider returns no value (@pulumi/pulumi prints outputs in clear under --debug), so
        // the declared values are handed back from the arguments, secret, once the set exists.
        this.secrets = afterCreate(this, args.secrets) as SecretSet["secrets"];
        this.imagePullSecret = afterCreate(this, args.imagePullSecret) as SecretSet["imagePullSecret"];
    }
}

/**
 * The program's options plus this resource's own, merged with the program's lists:
 * - `replaceOnChanges: ["imagePullSecret"]`: new credentials replace an image-pull set (the API as first
 *   documented cannot update one), unless `pipecat:imagePullUpdates` is `in-place`. Said here rather than
 *   decided by diff, which cannot see the old credentials: so inputs that carry none (`adopt`, a region no
 *   longer declared) never replace the set.
 * - `ignoreChanges: ["__provider"]`: the serialized provider's text changes with releases of this package and
 *   of @pulumi/pulumi, and the engine compares it as an input. It is a shim that requires the installed
 *   implementation by name, so the text in state keeps working (DECISIONS.md), and a new text is no change.
 */
function withOwnOptions(opts: pulumi.CustomResourceOptions | undefined): pulumi.CustomResourceOptions {
    const mode = imagePullUpdates({ get: (key) => pulumi.runtime.getConfig(key) });
    return {
        ...opts,
        replaceOnChanges: [...(opts?.replaceOnChanges ?? []), ...(mode === "replace" ? ["imagePullSecret"] : [])],
        ignoreChanges: [...(opts?.ignoreChanges ?? []), "__provider"],
    };
}

/** `value` as a secret Output that resolves once `resource` exists. */
function afterCreate(resource: pulumi.CustomResource, value: unknown): pulumi.Output<unknown> {
    if (value === undefined) return resource.id.apply(() => undefined);
    return pulumi.secret(pulumi.all([resource.id, pulumi.output(value)]).apply(([, v]) => v));
}

/**
 * Marks each value secret but keeps the key names plain, so a preview names the keys that change
 * and shows `[secret]` for their values. A map given as one Output (what `requireSecretObject`
 * returns) or Promise is opened the same way: the map's own secrecy is dropped only after every
 * value in it was wrapped as a secret of its own.
 */
function secretEach(secrets: NonNullable<SecretSetArgs["secrets"]>): pulumi.Input<Record<string, pulumi.Input<string>>> {
    const each = (m: Record<string, pulumi.Input<string>>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, pulumi.secret(v)]));
    if (pulumi.Output.isInstance(secrets) || isPromise(secrets)) return pulumi.unsecret(pulumi.output(secrets).apply(each));
    return each(secrets);
}

function secretCredentials(p: NonNullable<SecretSetArgs["imagePullSecret"]>): pulumi.Input<ImagePullSecretArgs> {
    const each = (c: ImagePullSecretArgs): ImagePullSecretArgs => {
        const secret = (v: pulumi.Input<string> | undefined) => (v === undefined ? undefined : pulumi.secret(v));
        return { host: c.host, credentials: secret(c.credentials), username: secret(c.username), password: secret(c.password) } as ImagePullSecretArgs;
    };
    if (pulumi.Output.isInstance(p) || isPromise(p)) return pulumi.unsecret(pulumi.output(p).apply(each)) as pulumi.Input<ImagePullSecretArgs>;
    return each(p);
}

function isPromise(v: unknown): v is Promise<unknown> {
    return typeof (v as { then?: unknown } | null)?.then === "function";
}
