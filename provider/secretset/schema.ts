/**
 * The input rules of a SecretSet, as zod schemas, and `checkInputs`, which turns raw inputs into
 * validated ones or into failures a user can act on. Pure: no network, no clock, no randomness
 * except through the `random` argument.
 *
 * During preview an input may be unknown (it depends on a resource not created yet); Pulumi sends
 * it as a sentinel string. Every leaf accepts that sentinel, so an unknown value is never an error.
 */
import { z } from "zod";
import {
    type CheckFailure,
    UNKNOWN,
    autonameWith,
    autonamePrefixFrom as prefixFrom,
    chosenName,
    dropUndefined,
    formatIssues as format,
} from "../inputs";
import { LIMITS, SECRET_KEY_PATTERN, SET_NAME_PATTERN } from "./limits";
import type { SecretSetInputs } from "./types";

export { type CheckFailure, UNKNOWN } from "../inputs";
export { LIMITS, SECRET_KEY_PATTERN, SET_NAME_PATTERN } from "./limits";

export type { ImagePullSecretInputs, SecretSetInputs } from "./types";

const REGION_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const orUnknown = <T extends z.ZodType>(schema: T) => z.union([z.literal(UNKNOWN), schema]);

const setName = z
    .string({ error: "must be a string" })
    .min(LIMITS.nameMin, { error: (i) => `must be ${LIMITS.nameMin} to ${LIMITS.nameMax} characters long (got ${String(i.input).length})` })
    .max(LIMITS.nameMax, { error: (i) => `must be ${LIMITS.nameMin} to ${LIMITS.nameMax} characters long (got ${String(i.input).length})` })
    .regex(SET_NAME_PATTERN, {
        error: (i) =>
            `"${String(i.input)}" is not a valid set name: use lowercase letters, digits, "-" and "."; ` +
            `start and end each dot-separated part with a letter or digit (for example "voice-agent-secrets")`,
    });

const secretKey = z
    .string()
    .min(1, { error: "secret key names must not be empty" })
    .max(LIMITS.keyMax, { error: (i) => `secret key "${String(i.input).slice(0, 80)}" is longer than ${LIMITS.keyMax} characters` })
    .regex(SECRET_KEY_PATTERN, {
        // Key names are not secret (they are plain outputs), so quoting one is safe; JSON-quote it so spaces show.
        error: (i) => `secret key ${JSON.stringify(i.input)} may contain only letters, digits, "_" and "-"`,
    });

const secretValue = z
    .string({ error: "values must be strings (convert numbers and booleans with String(...))" })
    .refine((v) => Buffer.byteLength(v, "utf8") <= LIMITS.valueMaxBytes, {
        error: `values must be at most ${LIMITS.valueMaxBytes} bytes of UTF-8`,
    });

const secrets = z
    .record(secretKey, orUnknown(secretValue), { error: "must be a map of secret key to string value" })
    .refine((m) => Object.keys(m).length >= 1, { error: "must declare at least one secret" })
    .refine((m) => Object.keys(m).length <= LIMITS.keysMax, { error: `must declare at most ${LIMITS.keysMax} secrets` })
    .refine((m) => putBodyBytes(m) <= LIMITS.bodyMaxBytes, {
        error: `keys and values together must be at most ${LIMITS.bodyMaxBytes} bytes as sent to the API: split them over several sets`,
    });

/** Size of the PUT that writes the whole map, with room for the longest region field. */
function putBodyBytes(m: Record<string, string>): number {
    const secrets = Object.entries(m).map(([secretKey, secretValue]) => ({ secretKey, secretValue }));
    return Buffer.byteLength(JSON.stringify({ secrets, region: "r".repeat(64) }), "utf8");
}

function parseUrl(h: string): URL | undefined {
    try {
        return new URL(h);
    } catch {
        return undefined;
    }
}

const host = z
    .string({ error: "must be a string" })
    .refine((h) => parseUrl(h)?.protocol === "https:" && (parseUrl(h)?.hostname.length ?? 0) > 0, {
        error: 'must be the https:// URL of the registry, for example "https://index.docker.io/v1/"',
        abort: true,
    })
    // host is not secret (previews show it): credentials must not hide in it.
    .refine((h) => parseUrl(h)?.username === "" && parseUrl(h)?.password === "", {
        error: 'must not contain credentials ("user:token@"): give them as username and password, or as credentials',
    });

const credential = z.string({ error: "must be a string" }).min(1, { error: "must not be empty" });

const imagePullSecret = z
    .strictObject(
        {
            host: orUnknown(host),
            credentials: orUnknown(credential).optional(),
            username: orUnknown(credential).optional(),
            password: orUnknown(credential).optional(),
        },
        { error: "must be an object with host and either credentials or username and password" },
    )
    .superRefine((p, ctx) => {
        const pair = p.username !== undefined || p.password !== undefined;
        if (p.credentials !== undefined && pair) {
            ctx.addIssue({ code: "custom", message: "give either credentials or username and password, not both" });
        } else if (p.credentials === undefined && !(p.username !== undefined && p.password !== undefined)) {
            ctx.addIssue({ code: "custom", message: "needs credentials, or both username and password" });
        }
    });

const inputsSchema = z
    .strictObject({
        name: orUnknown(setName).optional(),
        autonamePrefix: z.string().optional(),
        autonameAtCreate: z.literal(true).optional(),
        region: orUnknown(z.string().regex(REGION_PATTERN, { error: 'must be a region code such as "us-west"' })).optional(),
        secrets: orUnknown(secrets).optional(),
        imagePullSecret: orUnknown(imagePullSecret).optional(),
        adopt: orUnknown(z.boolean({ error: "must be true or false" })).optional(),
    })
    .superRefine((p, ctx) => {
        if (p.secrets !== undefined && p.imagePullSecret !== undefined) {
            ctx.addIssue({
                code: "custom",
                message: "declare either secrets (a regular set) or imagePullSecret (an image-pull set), not both",
            });
        } else if (p.secrets === undefined && p.imagePullSecret === undefined) {
            ctx.addIssue({
                code: "custom",
                message: "declare secrets (a map of key to value) or imagePullSecret (host and credentials)",
            });
        }
    });

/** zod issues as `<dotted path>: <rule>` lines (see `formatIssues` in ../inputs). */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
    return format(issues, (path) =>
        path.length ? "host, credentials, username, password" : "name, region, secrets, imagePullSecret, adopt",
    );
}

/** Lowercases a Pulumi resource name into something a set name can start with. */
export function autonamePrefixFrom(resourceName: string): string {
    return prefixFrom(resourceName, LIMITS.nameMax, "secrets");
}

/** `<prefix>-<7 random [a-z0-9]>`, the autoname Pulumi users know from other providers. */
export function autoname(prefix: string, random: () => number = Math.random): string {
    return autonameWith(prefix, LIMITS.nameMax, "secrets", random);
}

export type CheckResult =
    { readonly ok: true; readonly inputs: SecretSetInputs } | { readonly ok: false; readonly failures: CheckFailure[] };

/**
 * Validates raw inputs (the `__provider` property already removed) and fills in the set name.
 * An autonamed set keeps the name it got at creation: `olds` are the previous checked inputs, also
 * when the resource was renamed with `aliases` (its prefix then differs; the physical set stays).
 * `autonameAtCreate` (sent by a preview) leaves a name still to be chosen unknown: the preview
 * cannot know the random name `up` will pick, so it must not show one.
 */
export function checkInputs(
    olds: Readonly<Record<string, unknown>>,
    news: Readonly<Record<string, unknown>>,
    random: () => number = Math.random,
): CheckResult {
    const parsed = inputsSchema.safeParse(news, { reportInput: false });
    if (!parsed.success) {
        // The engine prints `inputs[property]` beside a failure that names a property; with an empty
        // property it prints only the reason, so no value can ever be shown. The path is in the reason.
        return { ok: false, failures: formatIssues(parsed.error.issues).map((reason) => ({ property: "", reason })) };
    }
    const { name, autonamePrefix, autonameAtCreate, ...rest } = parsed.data;
    if (name !== undefined) {
        return { ok: true, inputs: dropUndefined({ name, ...rest }) as SecretSetInputs };
    }
    const prefix = autonamePrefix ?? "secrets";
    const kept = chosenName(olds, autonameAtCreate === true, () => autoname(prefix, random));
    return { ok: true, inputs: dropUndefined({ name: kept, autonamePrefix: prefix, ...rest }) as SecretSetInputs };
}
