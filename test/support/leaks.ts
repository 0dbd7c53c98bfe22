/**
 * A leak scanner for tests: looks for secret values in texts that users or logs could see (error messages
 * and stacks, log lines, state files, command output) and reports where, without ever printing a secret.
 *
 * Each secret is searched in the forms it could take on the way out:
 * - as is, JSON-escaped (inside a JSON string) and URL-encoded (in a path or a query);
 * - base64 and base64url, at each of the three byte alignments, so a value embedded in a longer base64 text
 *   (the `username:password` the provider encodes, a base64 state blob) is still found. The alignment forms
 *   keep only the characters that depend on the secret alone, so they are a few characters shorter.
 * Base64 of composed strings (such as `user:password`) is the caller's to add as a secret of its own.
 *
 * Secrets shorter than {@link MIN_SECRET_LENGTH} are refused: they would match ordinary words, and a scan
 * that cannot tell a leak from noise proves nothing. Use distinctive test values.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

/** A text to search, and what it is (shown in reports). */
export interface Haystack {
    readonly label: string;
    readonly text: string;
}

/** A secret to look for; a plain string is labelled by its position. */
export type SecretSpec = string | { readonly label: string; readonly value: string };

/** How a secret was written where it was found. */
export type LeakForm = "plain" | "json-escaped" | "url-encoded" | "base64" | "base64url";

/** One hit: which haystack, which secret (index and label, never the value), in which form, where. */
export interface Leak {
    readonly haystack: string;
    readonly secretIndex: number;
    readonly secretLabel: string;
    readonly form: LeakForm;
    /** Character offset of the first occurrence in the haystack. */
    readonly offset: number;
}

/** Shortest secret the scanner accepts. */
export const MIN_SECRET_LENGTH = 8;
/** Shortest needle searched: base64 alignment forms shorter than this are dropped as too unspecific. */
const MIN_NEEDLE_LENGTH = 8;

interface Needle {
    readonly form: LeakForm;
    readonly text: string;
}

/** The forms a secret is searched in (exported for tests of the scanner itself). */
export function needlesFor(secret: string): Needle[] {
    const out: Needle[] = [{ form: "plain", text: secret }];
    const add = (form: LeakForm, text: string): void => {
        if (text.length >= MIN_NEEDLE_LENGTH && !out.some((n) => n.text === text)) out.push({ form, text });
    };
    add("json-escaped", JSON.stringify(secret).slice(1, -1));
    add("url-encoded", encodeURIComponent(secret));
    add("url-encoded", encodeURIComponent(secret).replace(/%20/g, "+")); // form encoding
    const bytes = Buffer.from(secret, "utf8");
    for (let shift = 0; shift < 3; shift++) {
        const core = base64Core(bytes, shift);
        add("base64", core);
        add("base64url", core.replace(/\+/g, "-").replace(/\//g, "_"));
    }
    return out;
}

/**
 * The base64 characters that encode `bytes` alone when `shift` unknown bytes precede them (and unknown bytes may
 * follow): every 3-byte group holding a foreign byte, and the padding, is cut away.
 */
function base64Core(bytes: Buffer, shift: number): string {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const whole = Math.floor(padded.length / 3) * 3; // a trailing partial group depends on what follows
    const encoded = padded.subarray(0, whole).toString("base64");
    return shift === 0 ? encoded : encoded.slice(4); // the first group mixes foreign and secret bits
}

function normalize(secrets: readonly SecretSpec[]): { label: string; value: string }[] {
    return secrets.map((s, i) => {
        const spec = typeof s === "string" ? { label: `secret #${i}`, value: s } : s;
        if (spec.value.length < MIN_SECRET_LENGTH) {
            // The value itself is not shown; only its label and length.
            throw new TypeError(
                `scanForLeaks: ${spec.label} is ${spec.value.length} characters long; use test secrets of at least ${MIN_SECRET_LENGTH} so hits mean something`,
            );
        }
        return spec;
    });
}

/** Every place a secret (in any of its forms) occurs in the haystacks. */
export function scanForLeaks(haystacks: readonly Haystack[], secrets: readonly SecretSpec[]): Leak[] {
    const specs = normalize(secrets);
    const leaks: Leak[] = [];
    specs.forEach((spec, secretIndex) => {
        const needles = needlesFor(spec.value);
        for (const h of haystacks) {
            for (const needle of needles) {
                const offset = h.text.indexOf(needle.text);
                if (offset === -1) continue;
                leaks.push({ haystack: h.label, secretIndex, secretLabel: spec.label, form: needle.form, offset });
                break; // one hit per secret and haystack is enough to report it
            }
        }
    });
    return leaks;
}

/** One line per leak; never contains a secret (only labels, forms and offsets). */
export function describeLeaks(leaks: readonly Leak[]): string {
    return leaks.map((l) => `${l.haystack}: ${l.secretLabel} (${l.form}) at offset ${l.offset}`).join("\n");
}

/** Fails, naming each haystack and secret (never the value), when any secret occurs in any haystack. */
export function assertNoLeaks(haystacks: readonly Haystack[], secrets: readonly SecretSpec[], what = "texts"): void {
    const leaks = scanForLeaks(haystacks, secrets);
    if (leaks.length > 0) {
        assert.fail(`${leaks.length} secret leak(s) in ${haystacks.length} ${what}:\n${describeLeaks(leaks)}`);
    }
}

/**
 * What an error shows: its string form, its stack (the Pulumi host prints `${e}: ${e.stack}`) and its own
 * properties (API fields, causes), so a secret kept in a field is found too.
 */
export function errorHaystack(label: string, error: unknown): Haystack {
    if (!(error instanceof Error)) return { label, text: String(error) };
    const own: Record<string, unknown> = {};
    for (const key of Object.getOwnPropertyNames(error)) {
        if (key !== "stack" && key !== "message") own[key] = (error as unknown as Record<string, unknown>)[key];
    }
    let props: string;
    try {
        props = JSON.stringify(own);
    } catch {
        props = "(own properties not serializable)";
    }
    const cause = (error as { cause?: unknown }).cause;
    const causeText = cause === undefined ? "" : `\ncause: ${errorHaystack(`${label} (cause)`, cause).text}`;
    return { label, text: `${String(error)}\n${String(error.stack)}\n${props}${causeText}` };
}

/** Files (and every file under directories) as haystacks, labelled by path; for state files and logs. */
export function fileHaystacks(paths: readonly string[]): Haystack[] {
    const out: Haystack[] = [];
    const visit = (p: string): void => {
        const stat = fs.statSync(p);
        if (stat.isDirectory()) {
            for (const entry of fs.readdirSync(p)) visit(path.join(p, entry));
        } else if (stat.isFile()) {
            out.push({ label: p, text: fs.readFileSync(p, "utf8") });
        }
    };
    for (const p of paths) visit(p);
    return out;
}
