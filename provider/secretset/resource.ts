/**
 * `SecretSet`: the resource users declare. It marks every value secret itself, so plain strings
 * never reach state or output in clear, and hands the work to `secretSetProvider`.
 */
import * as pulumi from "@pulumi/pulumi";
import { secretSetProvider } from "./provider";
import { refuseImport } from "../existing";
import type { Region } from "../region";
import { imagePullUpdates } from "../settings";

/**
 * The credentials of an image-pull set: `host`, and either `credentials` or `username` with `password`.
 * The resource marks each credential secret itself; `host` stays plain (a preview shows it).
 */
export interface ImagePullSecretArgs {
    /**
     * The registry's `https://` URL, for example `https://index.docker.io/v1/`, without credentials in it
     * (`user:token@` is refused: the host is not secret). Also the `host` output.
     */
    readonly host: pulumi.Input<string>;
    /** The credentials as Pipecat Cloud stores them, sent as given (usually base64 of `username:token`). Exclusive with `username`/`password`. */
    readonly credentials?: pulumi.Input<string>;
    /** The registry user. With `password`, sent base64-encoded as `username:password`, as Pipecat's CLI does. Exclusive with `credentials`. */
    readonly username?: pulumi.Input<string>;
    /** The registry password or token, with `username`. Exclusive with `credentials`. */
    readonly password?: pulumi.Input<string>;
}

/** Arguments of a SecretSet: exactly one of `secrets` (a regular set) or `imagePullSecret` (an image-pull set). */
export interface SecretSetArgs {
    /**
     * Name of the set in Pipecat Cloud: 3–63 lowercase letters, digits, `-` and `.`, each dot-separated part
     * starting and ending with a letter or digit. A new name replaces the set.
     * @default `<resource name>-<7 random characters>`, kept across updates
     */
    readonly name?: pulumi.Input<string>;
    /**
     * Region of the set. A set cannot move: a newly declared region replaces it (with an API key set, the region
     * is checked against the organisation's first), while a region no longer declared keeps the set where it is.
     * The `region` output says where it is.
     * @default the organisation's default region
     */
    readonly region?: pulumi.Input<Region>;
    /**
     * A regular set: secret key (letters, digits, `_` and `-`, at most 64 characters) to value (at most
     * 64 KiB), 1 to 500 keys, at most 1 MiB together. Each value is marked secret. A key added, removed or changed updates the set in
     * place, and an Agent given this SecretSet redeploys with the new values.
     */
    readonly secrets?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * An image-pull set, for an agent's private registry. New credentials or a new host replace the set,
     * unless the stack sets `pipecat:imagePullUpdates` to `in-place`: then one write updates it in place
     * (what today's Pipecat Cloud supports). A replacement of a set with a declared `name` deletes it first
     * (the set is briefly gone); an autonamed set is created first under a new name, and the old one is
     * deleted after the resources that use its name (an Agent given this SecretSet) were updated. Switching between `secrets` and `imagePullSecret`
     * always replaces the set.
     */
    readonly imagePullSecret?: pulumi.Input<ImagePullSecretArgs>;
    /**
     * Take over a set that already exists under `name`; without it, create refuses an existing set, so
     * that no one else's set is silently merged into and later destroyed. An adopted set's keys are made
     * exactly the declared ones (extra keys are deleted), and `pulumi destroy` deletes it. To use a set
     * without managing it, read it with `SecretSet.get` instead.
     * @default false
     */
    readonly adopt?: pulumi.Input<boolean>;
}

/**
 * A Pipecat Cloud secret set, regular or image-pull. Values are write-only: Pipecat Cloud never returns
 * them, so a value changed outside Pulumi cannot be detected (a key added or removed outside Pulumi can,
 * by `pulumi refresh`). Three ways to meet a set that exists already: `SecretSet.get` reads it without
 * managing it, `adopt: true` takes it over, and the `import` resource option is refused (see the constructor).
 */
export class SecretSet extends pulumi.dynamic.Resource {
    /** Name of the set in Pipecat Cloud (also the resource's id). */
    declare public readonly name: pulumi.Output<string>;
    /** The region the set lives in, as Pipecat Cloud reports it: the declared one, or the organisation's default. */
    declare public readonly region: pulumi.Output<string>;
    /**
     * Key names of a regular set, sorted; empty for an image-pull set. Not secret. `pulumi refresh` (and a
     * `get`) reads them from Pipecat Cloud, so keys added or removed outside Pulumi show here.
     */
    declare public readonly keys: pulumi.Output<string[]>;
    /** Whether this is an image-pull set rather than a regular one. */
    declare public readonly isImagePullSecret: pulumi.Output<boolean>;
    /** The registry of an image-pull set, as declared. Undefined for a regular set, and for a set read with `get` (the API does not return it). */
    declare public readonly host: pulumi.Output<string | undefined>;
    /**
     * New, at random, each time this provider writes the set (values, keys or credentials); it reveals
     * nothing about the values. An Agent given this SecretSet redeploys when it changes. Undefined for a
     * set read with `get`, which this program never writes.
     */
    declare public readonly revision: pulumi.Output<string | undefined>;
    /**
     * The declared values (secret), once the set is written: handed back from the arguments, never read from
     * Pipecat Cloud, which does not return values. Undefined for an image-pull set and for a set read with `get`.
     */
    public readonly secrets: pulumi.Output<Record<string, string> | undefined>;
    /** The declared image-pull credentials (secret), once the set is written. Undefined for a regular set and for a set read with `get`. */
    public readonly imagePullSecret: pulumi.Output<
        { host: string; credentials?: string; username?: string; password?: string } | undefined
    >;
    /**
     * The region as the program declared it (undefined when it did not). An Agent bound to this set compares it
     * with its own before anything is sent or deleted, even in a preview without an API key; unlike the `region`
     * output, it is known in a preview and changes only when the program changes it. @internal
     */
    public readonly declaredRegion: pulumi.Input<string> | undefined;
    /**
     * Whether this set was read (`SecretSet.get`, or `opts.id`) rather than declared. A read set has no `revision`
     * (this program never writes it), so an Agent bound to it does not follow one: in a preview, a read resource's
     * missing output would be unknown and plan an agent update that `up` never makes. @internal
     */
    public readonly isRead: boolean;

    /**
     * Reads the secret set named `id` as it is in Pipecat Cloud, without managing it. The stack holds it as
     * a read resource: every `pulumi up`, preview and refresh reads it again, nothing is ever written to it, and
     * `pulumi destroy` (or removing it from the program) never deletes it; only the stack forgets it.
     *
     * Its outputs: `name`, `region`, `keys` (the key names, never a value) and `isImagePullSecret`; `revision`,
     * `host`, `secrets` and `imagePullSecret` are undefined. Pass it to an Agent (`secretSet` or
     * `imagePullSecretSet`) to bind the set by its name: since this program never writes it, a change of its
     * values outside Pulumi does not redeploy the agent. A name that holds no set fails the read, as does a
     * referenced set (a Kubernetes Secret registered by name: bind an agent to it by its name instead).
     *
     * ```ts
     * const shared = SecretSet.get("shared", "team-shared-secrets");
     * new Agent("voice", { image: "your-registry/voice-agent:0.1", secretSet: shared });
     * ```
     *
     * To manage an existing set instead (its keys made the declared ones, deleted by destroy), declare it with `adopt: true`.
     * @param name The Pulumi resource name (unique in the stack).
     * @param id The set's name in Pipecat Cloud.
     * @param opts Resource options; `import` is refused, as for the constructor.
     */
    public static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): SecretSet {
        return new SecretSet(name, {}, { ...opts, id });
    }

    /**
     * Declares a secret set that this program manages: `pulumi up` creates it (or, with `adopt`, takes over
     * the existing one), keeps it as declared, and `pulumi destroy` deletes it.
     *
     * Given `opts.id`, the set of that name is read instead, exactly as `SecretSet.get` does, and `args` are
     * ignored. The `import` option is refused here, before the engine is asked: Pulumi cannot import into a
     * dynamic provider (pulumi/pulumi#3550). The error shows `SecretSet.get` and `adopt: true` instead.
     * @param name The Pulumi resource name (unique in the stack); also the prefix of an autonamed set's name.
     * @param args The set: `secrets` or `imagePullSecret`, and optionally `name`, `region` and `adopt`.
     * @param opts Resource options. The resource adds `ignoreChanges: ["__provider"]` and, unless
     *   `pipecat:imagePullUpdates` is `in-place`, `replaceOnChanges: ["imagePullSecret"]` to those given.
     */
    constructor(name: string, args: SecretSetArgs, opts?: pulumi.CustomResourceOptions) {
        refuseImport("SecretSet", name, opts);
        const reading = opts?.id !== undefined;
        super(secretSetProvider, name, reading ? readProps() : declaredProps(name, args), withOwnOptions(opts), "pipecat", "SecretSet");
        this.declaredRegion = reading ? undefined : args.region;
        this.isRead = reading;
        // The provider returns no value (@pulumi/pulumi prints outputs in clear under --debug), so
        // the declared values are handed back from the arguments, secret, once the set exists.
        this.secrets = afterCreate(this, reading ? undefined : args.secrets) as SecretSet["secrets"];
        this.imagePullSecret = afterCreate(this, reading ? undefined : args.imagePullSecret) as SecretSet["imagePullSecret"];
    }
}

/** The outputs a read fills in (`get`): no input, so the provider's read takes the set's name from the id. */
function readProps(): Record<string, unknown> {
    return { name: undefined, region: undefined, keys: undefined, isImagePullSecret: undefined, host: undefined, revision: undefined };
}

/**
 * The outputs the provider fills in, plus only the optional inputs that were given: for every
 * property @pulumi/pulumi makes four promises, each capturing a stack trace (source-mapped under
 * ts-node), so an absent input passed as undefined still costs time on every resource.
 */
function declaredProps(name: string, args: SecretSetArgs): Record<string, unknown> {
    const props: Record<string, unknown> = {
        name: args.name,
        region: args.region,
        keys: undefined,
        isImagePullSecret: undefined,
        host: undefined,
        revision: undefined,
    };
    // Lets check() derive the autoname from the resource name (check does not see the URN).
    if (args.name === undefined) {
        props["autonamePrefix"] = name;
        // A preview cannot know the random name `up` will choose: it shows the name as unknown.
        if (pulumi.runtime.isDryRun()) props["autonameAtCreate"] = true;
    }
    if (args.secrets !== undefined) props["secrets"] = secretEach(args.secrets);
    if (args.imagePullSecret !== undefined) props["imagePullSecret"] = secretCredentials(args.imagePullSecret);
    if (args.adopt !== undefined) props["adopt"] = args.adopt;
    return props;
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
        return {
            host: c.host,
            credentials: secret(c.credentials),
            username: secret(c.username),
            password: secret(c.password),
        } as ImagePullSecretArgs;
    };
    if (pulumi.Output.isInstance(p) || isPromise(p))
        return pulumi.unsecret(pulumi.output(p).apply(each)) as pulumi.Input<ImagePullSecretArgs>;
    return each(p);
}

function isPromise(v: unknown): v is Promise<unknown> {
    return typeof (v as { then?: unknown } | null)?.then === "function";
}
