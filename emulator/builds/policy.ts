/**
 * The presigned POST of the storage service, as S3 makes and checks it (Signature Version 4 for POST policies): the
 * fields handed out with an upload URL, and the checks of a form that comes back with them. Pure: the signing secret,
 * the clock's time and the form are given.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { type StorageError, entityTooLarge, entityTooSmall, policyConditionFailed, policyExpired, signatureMismatch } from "../errors";

/** The bucket the emulator's uploads go to. */
export const UPLOAD_BUCKET = "pipecat-builds-emulator";
/** The access key id named in every credential (a made-up one; the emulator checks the signature only). */
export const ACCESS_KEY_ID = "AKIAPIPECATEMULATOR0";
/** The Content-Type an upload must declare. */
export const UPLOAD_CONTENT_TYPE = "application/gzip";
const ALGORITHM = "AWS4-HMAC-SHA256";

/** What a policy is issued for. @internal */
export interface PolicyInput {
    /** The per-emulator signing secret. */
    readonly secret: string;
    readonly key: string;
    /** Region of the credential scope (the Pipecat region code). */
    readonly region: string;
    /** Issue time and expiry, clock ms. */
    readonly issuedAt: number;
    readonly expiresAt: number;
    readonly maxBytes: number;
}

/** The `uploadFields` of an upload URL, in the order a form must send them. @internal */
export function presignedFields(input: PolicyInput): Record<string, string> {
    const date = amzDate(input.issuedAt);
    const credential = `${ACCESS_KEY_ID}/${date.slice(0, 8)}/${input.region}/s3/aws4_request`;
    const policy = {
        expiration: new Date(input.expiresAt).toISOString(),
        conditions: [
            { bucket: UPLOAD_BUCKET },
            ["eq", "$key", input.key],
            { "Content-Type": UPLOAD_CONTENT_TYPE },
            ["content-length-range", 1, input.maxBytes],
            { "x-amz-algorithm": ALGORITHM },
            { "x-amz-credential": credential },
            { "x-amz-date": date },
        ],
    };
    const encoded = Buffer.from(JSON.stringify(policy)).toString("base64");
    return {
        key: input.key,
        bucket: UPLOAD_BUCKET,
        "Content-Type": UPLOAD_CONTENT_TYPE,
        Policy: encoded,
        "X-Amz-Algorithm": ALGORITHM,
        "X-Amz-Credential": credential,
        "X-Amz-Date": date,
        "X-Amz-Signature": sign(input.secret, date.slice(0, 8), input.region, encoded),
    };
}

/** The form of an upload as received: its fields before the file part, in order, and the file's size. @internal */
export interface UploadForm {
    readonly fields: readonly (readonly [string, string])[];
    readonly fileBytes: number;
}

/**
 * Checks a form against its policy, in S3's order: the signature, the expiry, each condition, no extra field; then
 * the emulator's own rule that the fields come in the order handed out (`expectedOrder`); then the file's size.
 * Returns the `key` the form may write, or the error to answer.
 * @internal
 */
export function checkUploadForm(
    form: UploadForm,
    secret: string,
    now: number,
    expectedOrder: (key: string) => readonly string[] | undefined,
): { readonly key: string } | { readonly error: StorageError } {
    // S3's condition names are case-insensitive, except the key's value; the form's names are matched the same way.
    const value = (name: string): string | undefined => form.fields.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
    const encoded = value("Policy");
    const signature = value("X-Amz-Signature");
    const credential = value("X-Amz-Credential");
    if (encoded === undefined || signature === undefined || credential === undefined) return { error: signatureMismatch() };
    const [, day = "", region = ""] = credential.split("/");
    const expected = Buffer.from(sign(secret, day, region, encoded));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { error: signatureMismatch() };

    const policy = decodePolicy(encoded);
    if (policy === undefined) return { error: policyConditionFailed("the policy is not valid JSON") };
    if (!(Date.parse(policy.expiration) > now)) return { error: policyExpired() };

    const allowed = new Set(["policy", "x-amz-signature", "file"]);
    let range: readonly [number, number] = [0, Number.MAX_SAFE_INTEGER];
    for (const condition of policy.conditions) {
        if (Array.isArray(condition) && condition[0] === "content-length-range") {
            range = [Number(condition[1]), Number(condition[2])];
            continue;
        }
        const [name, wanted]: readonly [string, string] = Array.isArray(condition)
            ? [String(condition[1]).replace(/^\$/, ""), String(condition[2])]
            : [Object.keys(condition)[0] ?? "", String(Object.values(condition)[0])];
        allowed.add(name.toLowerCase());
        // The bucket comes from the path in S3; a form may also send it as a field, as the contract's fields do.
        if (value(name) !== wanted) {
            return { error: policyConditionFailed(`Policy Condition failed: ["eq", "$${name}", ${JSON.stringify(wanted)}]`) };
        }
    }
    const extra = form.fields.map(([n]) => n).filter((n) => !allowed.has(n.toLowerCase()));
    if (extra.length > 0) return { error: policyConditionFailed(`Extra input fields: ${extra.join(", ")}`) };

    const key = value("key") ?? "";
    const order = expectedOrder(key);
    const names = form.fields.map(([n]) => n);
    if (order !== undefined && names.join("\n") !== order.join("\n")) {
        return {
            error: policyConditionFailed(
                `the fields must come in the order of uploadFields, before the file (expected ${order.join(", ")}; got ${names.join(", ")})`,
            ),
        };
    }
    if (form.fileBytes > range[1]) return { error: entityTooLarge() };
    if (form.fileBytes < range[0]) return { error: entityTooSmall() };
    return { key };
}

interface Policy {
    readonly expiration: string;
    readonly conditions: readonly (Record<string, unknown> | readonly unknown[])[];
}

function decodePolicy(encoded: string): Policy | undefined {
    try {
        const parsed = JSON.parse(Buffer.from(encoded, "base64").toString("utf8")) as Partial<Policy>;
        if (typeof parsed.expiration !== "string" || !Array.isArray(parsed.conditions)) return undefined;
        return { expiration: parsed.expiration, conditions: parsed.conditions };
    } catch {
        return undefined;
    }
}

/** SigV4: the signing key derived from the secret, the day, the region and the service, applied to the policy. */
function sign(secret: string, day: string, region: string, encodedPolicy: string): string {
    const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data).digest();
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), "s3"), "aws4_request");
    return createHmac("sha256", signingKey).update(encodedPolicy).digest("hex");
}

/** `20260101T120000Z`. */
function amzDate(ms: number): string {
    return new Date(ms)
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d{3}/, "");
}
