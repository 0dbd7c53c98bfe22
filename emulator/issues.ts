/**
 * zod issues told as one sentence, in one voice, for every body the emulator validates.
 *
 * Built from each issue's path and code only: zod's own messages are safe today, but this keeps input values out of
 * answers by construction.
 */
import type { z } from "zod";

/** One sentence for a list of zod issues, e.g. `autoScaling.maxAgents must be at least 1`. @internal */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
    return issues
        .map((issue) => {
            const where = issue.path.length === 0 ? "body" : formatPath(issue.path);
            return `${where} ${describeIssue(issue)}`;
        })
        .join("; ");
}

function describeIssue(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "invalid_type": {
            const expected = issue.expected === "int" ? "integer" : issue.expected;
            return `must be ${/^[aeiou]/.test(expected) ? "an" : "a"} ${expected}`;
        }
        case "invalid_value":
            return `must be ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}`;
        case "too_small":
            if (issue.origin === "array") return `must have at least ${String(issue.minimum)} item(s)`;
            if (issue.origin === "number") return `must be at least ${String(issue.minimum)}`;
            return "must not be empty";
        case "too_big":
            if (issue.origin === "number") return `must be at most ${String(issue.maximum)}`;
            if (issue.origin === "string") return `must be at most ${String(issue.maximum)} characters long`;
            return "is too large";
        default:
            return "is invalid";
    }
}

function formatPath(path: readonly PropertyKey[]): string {
    return path.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`)).join("");
}
