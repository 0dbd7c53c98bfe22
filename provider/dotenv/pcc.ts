/**
 * Pipecat's own CLI reads a `.env` file too, `pcc secrets set <set> --file .env` (pipecatcloud 0.2.x,
 * `cli/commands/secrets.py`), by simpler rules than python-dotenv's: each line on its own, stripped; blank lines and
 * lines starting with `#` skipped; a line without `=` refuses the file; key and value split at the first `=` and
 * stripped; one pair of double quotes around the value removed; an empty key or value refuses the file; nothing else
 * (no escapes, no single quotes, no comments after a value, no `export `, no `${...}`, no multi-line values).
 *
 * `import-env` stores python-dotenv's values; where pcc would store another one (or none) for a key, it says so,
 * so that someone moving from `pcc secrets set --file` is not surprised. Nothing here holds a value.
 */

/** Python's `str.strip()`: the whitespace of `str.isspace`, which JavaScript's `trim` does not match exactly. */
const PY_STRIP =
    /^[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
const pyStrip = (s: string): string => s.replace(PY_STRIP, "");

/** What `pcc secrets set --file` makes of one line: a key and value, nothing (skipped), or a refusal of the whole file. */
export type PccLine = { readonly key: string; readonly value: string } | "skipped" | "refused";

/** One line as `pcc secrets set --file` reads it. */
export function pccReadLine(line: string): PccLine {
    const stripped = pyStrip(line);
    if (stripped === "" || stripped.startsWith("#")) return "skipped";
    const equals = stripped.indexOf("=");
    if (equals === -1) return "refused";
    const key = pyStrip(stripped.slice(0, equals));
    let value = pyStrip(stripped.slice(equals + 1));
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return key === "" || value === "" ? "refused" : { key, value };
}

/** What the parser knows of an entry that decides how pcc reads it differently. */
export interface PccEntryFacts {
    readonly key: string;
    /** python-dotenv's value (compared, never shown). */
    readonly value: string;
    readonly line: number;
    readonly lastLine: number;
    readonly quote: "'" | '"' | undefined;
    /** A `#` comment followed the value on its line. */
    readonly comment: boolean;
    /** The value used `${...}`. */
    readonly expanded: boolean;
}

/**
 * Why `pcc secrets set --file` would not store python-dotenv's value under the entry's key, in words without a
 * value; undefined when it would.
 * @param text the entry's first line, as in the file
 */
export function pccDifference(text: string, entry: PccEntryFacts): string | undefined {
    if (entry.lastLine > entry.line)
        return `its value runs over lines ${entry.line} to ${entry.lastLine}, and pcc reads each line on its own`;
    const read = pccReadLine(text);
    if (read === "refused") return "pcc refuses an empty value (and with it the whole file)";
    if (read === "skipped" || read.key !== entry.key) return 'pcc would take "export " (or what else is before the key) as part of the key';
    if (read.value === entry.value) return undefined;
    const keeps: string[] = [];
    if (entry.quote === "'") keeps.push("the single quotes");
    if (entry.quote === '"' && entry.comment) keeps.push("the double quotes");
    if (entry.comment) keeps.push("the # comment");
    if (entry.quote === '"' && text.includes("\\")) keeps.push("the backslashes of escapes");
    const reasons = [
        ...(keeps.length > 0 ? [`it keeps ${keeps.join(", ")}`] : []),
        ...(entry.expanded ? ["it does not expand ${...}"] : []),
    ];
    return `pcc would store another value${reasons.length > 0 ? `: ${reasons.join("; ")}` : ""}`;
}
