/**
 * A leak scanner for tests: looks for secret values in texts that users or logs could see (error messages
 * and stacks, log lines, state files, command output) and reports where, without ever printing a secret.
 *
 * Each secret is searched in the forms it could take on the way out:
 * - as is, JSON-escaped once, twice or three times (a JSON body quoted in a JSON message, quoted in a JSON log),
 *   and URL-encoded (in a path or a query);
 * - truncated: its first {@link TRUNCATED_PREFIX_LENGTH} characters (also JSON-escaped), or a shorter prefix of at
 *   least {@link MIN_NEEDLE_LENGTH} cut by an ellipsis ("…" or "..."), as messages that shorten long values show it;
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
export type LeakForm = "plain" | "json-escaped" | "url-encoded" | "base64" | "base64url" | "truncated";

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
export const MIN_NEEDLE_LENGTH = 8;
/** A prefix this long of a longer secret counts as the secret (a truncated echo). */
export const TRUNCATED_PREFIX_LENGTH = 12;
/** Levels of JSON string escaping searched. */
const JSON_LEVELS = 3;

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
    const escaped: string[] = [];
    for (let level = 0, text = secret; level < JSON_LEVELS; level++) {
        text = JSON.stringify(text).slice(1, -1);
        escaped.push(text);
        add("json-escaped", text);
    }
    add("url-encoded", encodeURIComponent(secret));
    add("url-encoded", encodeURIComponent(secret).replace(/%20/g, "+")); // form encoding
    const bytes = Buffer.from(secret, "utf8");
    for (let shift = 0; shift < 3; shift++) {
        const core = base64Core(bytes, shift);
        add("base64", core);
        add("base64url", core.replace(/\+/g, "-").replace(/\//g, "_"));
    }
    if (secret.length > TRUNCATED_PREFIX_LENGTH) {
        for (const text of [secret, ...escaped]) add("truncated", text.slice(0, TRUNCATED_PREFIX_LENGTH));
    }
    for (let length = MIN_NEEDLE_LENGTH; length < Math.min(TRUNCATED_PREFIX_LENGTH, secret.length); length++) {
        for (const ellipsis of ["…", "..."]) add("truncated", secret.slice(0, length) + ellipsis);
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
 * What an error shows: its string form, its stack (the Pulumi host prints `${e}: ${e.stack}`) and every value
 * reachable through its own properties (API fields, causes, and for a library's error its request and response), so
 * a secret kept in a field is found too. Each object is visited once, so a cycle (axios errors have several) cuts only
 * the edge that closes it, never the other properties. Only data properties are read: no getter runs.
 */
export function errorHaystack(label: string, error: unknown): Haystack {
    if (!(error instanceof Error))
        return { label, text: typeof error === "object" && error !== null ? reachableText(error, new Set()) : String(error) };
    const props = reachableText(error, new Set(["message", "stack"]));
    return { label, text: `${String(error)}\n${String(error.stack)}\n${props}` };
}

/** Most values {@link reachableText} visits; beyond it the scan would be incomplete, so it throws instead. */
const MAX_REACHABLE_VALUES = 200_000;

/** One line `<path>: <value>` per string, number or buffer reachable from `root` through own data properties. */
function reachableText(root: object, skipAtRoot: ReadonlySet<PropertyKey>): string {
    const seen = new WeakSet<object>();
    const lines: string[] = [];
    let visited = 0;
    const visit = (value: unknown, at: string): void => {
        if (++visited > MAX_REACHABLE_VALUES)
            throw new Error(`errorHaystack: more than ${MAX_REACHABLE_VALUES} values reachable from ${at}; cannot scan it all`);
        if (typeof value === "string" || typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
            lines.push(`${at}: ${String(value)}`);
            return;
        }
        if (typeof value !== "object" || value === null || seen.has(value)) return; // functions hold code, not data
        seen.add(value);
        if (ArrayBuffer.isView(value)) {
            lines.push(`${at}: ${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("utf8")}`);
            return;
        }
        if (value instanceof Map) {
            for (const [k, v] of value) {
                visit(k, `${at}<key>`);
                visit(v, `${at}[${String(k)}]`);
            }
        } else if (value instanceof Set) {
            for (const v of value) visit(v, `${at}<item>`);
        }
        for (const key of Reflect.ownKeys(value)) {
            if (value === root && skipAtRoot.has(key)) continue;
            const descriptor = Object.getOwnPropertyDescriptor(value, key);
            if (descriptor !== undefined && "value" in descriptor) visit(descriptor.value, `${at}.${String(key)}`);
        }
    };
    visit(root, "error");
    return lines.join("\n");
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

/** What {@link splitRegisterResourceDumps} returns: the dumps, and every other line of the output. */
export interface SplitDumps {
    readonly dumps: string;
    readonly rest: string;
    readonly count: number;
}

const DUMP_HEADER = "debug: RegisterResource RPC finished:";

/**
 * Sets apart @pulumi/pulumi's debug dumps of RegisterResource responses in `pulumi --debug` output, and nothing else.
 *
 * A dump is one debug message: the header line (`debug: RegisterResource RPC finished: …; resp: <fields joined by
 * commas>`, indented under Diagnostics, or after a progress prefix in the live display, which shows its first line
 * only). When the response holds the serialized provider, its text follows the header line by line (it is the one
 * multi-line field), and the line holding the provider's last line ends the dump. `providerText` is that serialized
 * provider (the `__provider` input in state). A header followed by part of the provider's text only throws: the
 * format changed, and guessing where the dump ends could hide the lines after it.
 */
export function splitRegisterResourceDumps(output: string, providerText: string): SplitDumps {
    const lines = output.split("\n");
    const provider = providerText.split("\n");
    const first = provider[0] ?? "";
    const dumps: string[] = [];
    const rest: string[] = [];
    let count = 0;
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as string;
        const at = line.indexOf(DUMP_HEADER);
        if (at === -1) {
            rest.push(line);
            continue;
        }
        count++;
        dumps.push(line);
        if (first === "" || !line.endsWith(first)) continue; // a response without the provider: one line
        const indent = /^\s*/.exec(line)?.[0] ?? "";
        // Lines 1 .. n-2 of the provider's text come as they are (under the indent); line n-1 starts the next one.
        let matched = 0;
        while (matched < provider.length - 2 && (lines[i + 1 + matched] ?? "").trimEnd() === `${indent}${provider[matched + 1]}`.trimEnd())
            matched++;
        if (matched === 0 && provider.length > 2) continue; // the live display's one-line form
        const last = lines[i + 1 + matched];
        if (matched < provider.length - 2 || last === undefined || !last.startsWith(`${indent}${provider[provider.length - 1]}`)) {
            throw new Error(
                `splitRegisterResourceDumps: a dump at line ${i + 1} holds only part of the serialized provider; its end cannot be told`,
            );
        }
        dumps.push(...lines.slice(i + 1, i + 2 + matched));
        i += 1 + matched;
    }
    return { dumps: dumps.join("\n"), rest: rest.join("\n"), count };
}
