/**
 * The API's validation rules: set names, secret keys, limits and the two PUT body shapes.
 *
 * Pure functions, no state. Messages never quote a secret value, and do not quote a key that fails validation either
 * (a "key" that fails the pattern is sometimes a value pasted in the wrong place); they point at it by position.
 */
import { z } from "zod";
import { invalidRequest } from "../errors";
import { describeIssues } from "../issues";
import { type Outcome, fail, ok } from "../outcome";
import type { SecretsLimits } from "./options";

/** The documented set name pattern (DNS-label-like segments joined by dots). */
export const SET_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Shortest allowed set name. */
export const SET_NAME_MIN_LENGTH = 3;
/** Longest allowed set name. */
export const SET_NAME_MAX_LENGTH = 63;
/** The documented secret key rule (CLI docs): letters, digits, `_` and `-`, 1 to 64 characters. */
export const SECRET_KEY_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** One key/value pair of a regular PUT, in body order. */
export interface SecretEntry {
    readonly key: string;
    readonly value: string;
}

/** A validated PUT body. */
export type PutRequest =
    | { readonly type: "secret"; readonly secrets: readonly SecretEntry[]; readonly region?: string }
    | { readonly type: "imagePullSecret"; readonly host: string; readonly secretValue: string; readonly region?: string };

/** Why `name` is not a valid set name, or `undefined` when it is. */
export function setNameProblem(name: string): string | undefined {
    if (name.length < SET_NAME_MIN_LENGTH || name.length > SET_NAME_MAX_LENGTH) {
        return `set name must be ${SET_NAME_MIN_LENGTH} to ${SET_NAME_MAX_LENGTH} characters long`;
    }
    if (!SET_NAME_PATTERN.test(name)) {
        return "set name must be lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit";
    }
    return undefined;
}

/** Whether `key` satisfies the documented key rule. */
export function isValidSecretKey(key: string): boolean {
    return SECRET_KEY_PATTERN.test(key);
}

/** Adds the trailing slash the real server adds to image-pull hosts. */
export function normalizeHost(host: string): string {
    return host.endsWith("/") ? host : `${host}/`;
}

const regularBody = z.object({
    isImagePullSecret: z.literal(false).optional(),
    secrets: z.array(z.object({ secretKey: z.string(), secretValue: z.string() })).min(1),
    region: z.string().optional(),
});

// The older singular body still sent by Pipecat's own CLI (`pipecat cloud secrets set`).
const legacyRegularBody = z.object({
    isImagePullSecret: z.literal(false).optional(),
    secretKey: z.string(),
    secretValue: z.string(),
    region: z.string().optional(),
});

/** The three fields every image-pull write needs (today's docs: an update must send all of them). */
const imagePullFields = z.object({
    isImagePullSecret: z.literal(true),
    host: z.string().min(1),
    secretValue: z.string().min(1),
});

const imagePullBody = imagePullFields.extend({ region: z.string().optional() });

/** Whether a body carries the full image-pull body's fields (whatever else is wrong with it). @internal */
export function hasImagePullFields(body: unknown): boolean {
    return imagePullFields.safeParse(body).success;
}

function withRegion<T extends object>(value: T, region: string | undefined): T & { region?: string } {
    return region === undefined ? value : { ...value, region };
}

/**
 * Validates a parsed JSON PUT body against the documented shapes: image-pull when `isImagePullSecret` is `true`,
 * regular (`secrets` array, or the CLI's older single-key body) otherwise. Checks key names, duplicate keys and
 * value sizes; the keys-per-set limit needs the stored set and is checked by the store.
 */
export function parsePutBody(body: unknown, limits: SecretsLimits): Outcome<PutRequest> {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
        return fail(invalidRequest("body must be a JSON object"));
    }
    const fields = body as Record<string, unknown>;
    if ("isImagePullSecret" in fields && typeof fields["isImagePullSecret"] !== "boolean") {
        return fail(invalidRequest("isImagePullSecret must be a boolean"));
    }

    if (fields["isImagePullSecret"] === true) {
        const parsed = imagePullBody.safeParse(body);
        if (!parsed.success) return fail(invalidRequest(describeIssues(parsed.error.issues)));
        const { host, secretValue, region } = parsed.data;
        if (/\s/.test(host)) return fail(invalidRequest("host must not contain whitespace"));
        if (Buffer.byteLength(secretValue, "utf8") > limits.maxValueBytes) {
            return fail(invalidRequest(`secretValue exceeds the emulator's limit of ${limits.maxValueBytes} bytes`));
        }
        return ok(withRegion({ type: "imagePullSecret" as const, host: normalizeHost(host), secretValue }, region));
    }

    let entries: { secretKey: string; secretValue: string }[];
    let region: string | undefined;
    if (!("secrets" in fields) && "secretKey" in fields) {
        const parsed = legacyRegularBody.safeParse(body);
        if (!parsed.success) return fail(invalidRequest(describeIssues(parsed.error.issues)));
        entries = [{ secretKey: parsed.data.secretKey, secretValue: parsed.data.secretValue }];
        region = parsed.data.region;
    } else if ("secrets" in fields) {
        const parsed = regularBody.safeParse(body);
        if (!parsed.success) return fail(invalidRequest(describeIssues(parsed.error.issues)));
        entries = parsed.data.secrets;
        region = parsed.data.region;
    } else {
        return fail(
            invalidRequest('body must be {"secrets":[{"secretKey","secretValue"}]} or {"isImagePullSecret":true,"host","secretValue"}'),
        );
    }

    const seen = new Set<string>();
    const secrets: SecretEntry[] = [];
    for (const [i, entry] of entries.entries()) {
        const where = "secrets" in fields ? `secrets[${i}].secretKey` : "secretKey";
        if (!isValidSecretKey(entry.secretKey)) {
            return fail(invalidRequest(`${where} must be 1 to 64 characters of letters, digits, '_' and '-'`));
        }
        if (seen.has(entry.secretKey)) {
            return fail(invalidRequest(`secret key '${entry.secretKey}' appears more than once`));
        }
        if (Buffer.byteLength(entry.secretValue, "utf8") > limits.maxValueBytes) {
            return fail(
                invalidRequest(`value of secret key '${entry.secretKey}' exceeds the emulator's limit of ${limits.maxValueBytes} bytes`),
            );
        }
        seen.add(entry.secretKey);
        secrets.push({ key: entry.secretKey, value: entry.secretValue });
    }
    return ok(withRegion({ type: "secret" as const, secrets }, region));
}
