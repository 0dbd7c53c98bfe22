/**
 * Input rules every resource shares: the unknown-value sentinel, autonaming, and the one voice of
 * check failures. Pure: no network, no clock, no randomness except through the `random` argument.
 */
import type { z } from "zod";

/** The sentinel string Pulumi uses for a value not known during preview (`pulumi.runtime.unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A failure in Pulumi's `check` form: `property` is left empty (the path is in the reason, so no value is printed). */
export interface CheckFailure {
    readonly property: string;
    readonly reason: string;
}

/** Lowercases a Pulumi resource name into something a name of at most `maxLength` can start with (room is left for the suffix). */
export function autonamePrefixFrom(resourceName: string, maxLength: number, fallback: string): string {
    const cleaned = resourceName
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, maxLength - 8)
        .replace(/-+$/g, "");
    return cleaned.length > 0 ? cleaned : fallback;
}

/** `<prefix>-<7 random [a-z0-9]>`, the autoname Pulumi users know from other providers. */
export function autonameWith(prefix: string, maxLength: number, fallback: string, random: () => number = Math.random): string {
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    let suffix = "";
    for (let i = 0; i < 7; i++) suffix += alphabet[Math.floor(random() * alphabet.length)];
    return `${autonamePrefixFrom(prefix, maxLength, fallback)}-${suffix}`;
}

/**
 * The name of a resource declared without one: the name it got at creation (`olds`, also after a
 * rename with `aliases`); else, in a preview (`atCreate`), unknown, since `up` picks it at random; else a new autoname.
 */
export function chosenName(olds: Readonly<Record<string, unknown>>, atCreate: boolean, fresh: () => string): string {
    const wasAutonamed = typeof olds["name"] === "string" && typeof olds["autonamePrefix"] === "string";
    return wasAutonamed ? (olds["name"] as string) : atCreate ? UNKNOWN : fresh();
}

/**
 * zod issues become text here, in one voice: `<dotted path>: <rule>`. Unions (the unknown-value
 * wrapper) report the branch that is not the sentinel. No input value ever enters a message.
 * `allowed(path)` lists the properties an object at `path` may have.
 */
export function formatIssues(
    issues: readonly z.core.$ZodIssue[],
    allowed: (path: readonly PropertyKey[]) => string,
    prefix: readonly PropertyKey[] = [],
): string[] {
    const out: string[] = [];
    for (const issue of issues) {
        const path = [...prefix, ...issue.path];
        if (issue.code === "invalid_union") {
            const real = issue.errors[issue.errors.length - 1] ?? [];
            out.push(...formatIssues(real, allowed, path));
        } else if (issue.code === "invalid_key") {
            out.push(...formatIssues(issue.issues, allowed, path));
        } else if (issue.code === "unrecognized_keys") {
            const where = path.length ? `${path.join(".")}: ` : "";
            out.push(
                `${where}unknown ${issue.keys.length > 1 ? "properties" : "property"} ${issue.keys.map((k) => `"${k}"`).join(", ")} (allowed: ${allowed(path)})`,
            );
        } else {
            const where = path.length ? path.join(".") : "inputs";
            out.push(`${where}: ${issue.message}`);
        }
    }
    return out;
}

export function dropUndefined<T extends Record<string, unknown>>(o: T): T {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(value, (_k, v: unknown) =>
        v !== null && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
            : v,
    );
}

/**
 * Whether two checked inputs differ only in properties that carry nothing Pipecat Cloud stores
 * (`bookkeeping`: `adopt`, the autoname prefix after a rename with `aliases`): such a change needs
 * no request.
 */
export function onlyBookkeeping(olds: object, news: object, bookkeeping: readonly string[]): boolean {
    const without = (o: object) => Object.fromEntries(Object.entries(o).filter(([k, v]) => !bookkeeping.includes(k) && v !== undefined));
    return canonicalJson(without(olds)) === canonicalJson(without(news));
}
