/**
 * A `.env` file as the entries of a secret set, or the problems that keep it from being one. Pure: text in, data
 * out; the file is read elsewhere (`read.ts`).
 *
 * The values are python-dotenv's: a Pipecat bot is Python and reads its `.env` with python-dotenv
 * (`load_dotenv(override=True)`, or `dotenv_values`), so a value stored in Pipecat Cloud must be the one the bot
 * reads from the same file on the developer's machine. This is a small parser of python-dotenv's grammar, rule for
 * rule (its `parser.py` and `variables.py`, the same in 0.21 and 1.x): an optional `export `, a key, `=`, then a
 * value that is single-quoted (escapes `\\` and `\'`), double-quoted (escapes `\\ \' \" \a \b \f \n \r \t \v`),
 * both of which may run over several lines, or unquoted (to the end of the line, cut at the first `#` after
 * whitespace, trailing whitespace removed); then `${NAME}` and `${NAME:-default}` are expanded in every value.
 *
 * Where python-dotenv would go on silently or with a mere warning, or where its value would surprise, the file is
 * refused, each problem with its line: a line it cannot parse (it skips it), a name without `=` (no value), a quoted
 * key, a value starting with `#` (a comment to most readers, the value to python-dotenv), a `${NAME}` whose name no
 * line above sets (python-dotenv would take it from the environment of whoever runs the bot: the developer's, not
 * Pipecat Cloud's), a byte order mark, keys Pipecat Cloud refuses, keys set twice, and the limits of a set.
 *
 * No value, and no part of a line other than a key, ever enters a problem: a broken file may have a value where
 * a key was expected, so a key is named only when it is name-like (letters, digits, `_`, `.`, `-`, at most 64).
 */
import { PipecatError, isPipecatError } from "../errors";
import { LIMITS, SECRET_KEY_PATTERN } from "../secretset/limits";
import { pccDifference } from "./pcc";
import { type Binding, parseBindings } from "./grammar";

/** One key of the file, with the lines it spans (1-based) and its value as python-dotenv reads it. */
export interface DotEnvEntry {
    readonly key: string;
    /** The line the key is on. */
    readonly line: number;
    /** The last line of its value (a quoted value may run over several lines). */
    readonly lastLine: number;
    readonly value: string;
    /**
     * Why Pipecat's own `pcc secrets set --file` would store another value for this key (or none), in words that
     * hold no value; undefined when it would store the same.
     */
    readonly pcc?: string | undefined;
}

/** Why a file cannot be used: the line (1-based) when one is to blame, and a sentence that never holds a value. */
export interface DotEnvProblem {
    /** The line to blame (1-based), or undefined when the problem is the file's as a whole. */
    readonly line: number | undefined;
    /** What is wrong, in one sentence that never holds a value. */
    readonly message: string;
}

export type DotEnvResult =
    { readonly ok: true; readonly entries: readonly DotEnvEntry[] } | { readonly ok: false; readonly problems: readonly DotEnvProblem[] };

/** A `.env` file that cannot be used as a secret set: every problem, each with its line; never a value. */
export class DotEnvError extends PipecatError {
    /** `"DotEnvError"`. */
    override name = "DotEnvError";
    /** The message lists every problem, one per line, as `<file>:<line>: <problem>`. */
    constructor(
        /** The file, as the caller named it. */
        readonly file: string,
        /** Every problem found. */
        readonly problems: readonly DotEnvProblem[],
    ) {
        super(formatProblems(file, problems));
    }
}

/** Whether `e` is a {@link DotEnvError} (by brand and name, not `instanceof`, like the other guards). */
export function isDotEnvError(e: unknown): e is DotEnvError {
    return isPipecatError(e) && e.name === "DotEnvError";
}

/** The problems as text, in one voice: `<file>: <problem>` or `<file>:<line>: <problem>`, one per line. */
export function formatProblems(file: string, problems: readonly DotEnvProblem[]): string {
    const lines = problems.map((p) => (p.line === undefined ? `${file}: ${p.message}` : `${file}:${p.line}: ${p.message}`));
    const head = problems.length === 1 ? "" : `${file}: ${problems.length} problems, nothing was read:\n`;
    return head + lines.join("\n");
}

/** `${NAME}` or `${NAME:-default}`, as python-dotenv's `_posix_variable`. */
const VARIABLE = /\$\{([^}:]*)(?::-([^}]*))?\}/g;
const HAS_VARIABLE = /\$\{[^}:]*(?::-[^}]*)?\}/;

/** A key as problems show it: quoted when name-like, else only its length (it may be part of a value). */
function shownKey(key: string): string {
    return /^[\w.-]{1,64}$/.test(key) ? JSON.stringify(key) : `of ${key.length} characters`;
}

const NOT_AN_ENTRY = "write it as KEY=value, make it a comment with #, or quote a value that runs over several lines";

/** The problem of a line python-dotenv cannot parse. */
function errorProblem(b: Extract<Binding, { kind: "error" }>): DotEnvProblem {
    const lines = b.lastLine === b.line ? `line ${b.line}` : `lines ${b.line} to ${b.lastLine}`;
    switch (b.why) {
        case "statement":
            return { line: b.line, message: `not a KEY=value line (python-dotenv would skip it, with a warning): ${NOT_AN_ENTRY}` };
        case "unclosed":
            return {
                line: b.line,
                message:
                    `the value of ${shownKey(b.key as string)} opens a ${b.quote} quote that nothing after it closes ` +
                    `(python-dotenv would skip the line, with a warning): end the value with ${b.quote}`,
            };
        case "after-quote":
            return {
                line: b.line,
                message:
                    `the value of ${shownKey(b.key as string)} is followed by more than a # comment after its closing ${b.quote} ` +
                    `on line ${b.lastLine} (python-dotenv would skip ${lines}, with a warning): escape a ${b.quote} inside ` +
                    `the value as \\${b.quote}, and put nothing but a # comment after the closing ${b.quote}`,
            };
    }
}

/**
 * The value with `${NAME}` and `${NAME:-default}` expanded from the keys above it (python-dotenv's
 * `resolve_variables`), or undefined when a name is not among them: python-dotenv would then take it from the
 * environment, or the default, which is not the file's to say.
 */
function expand(value: string, above: ReadonlyMap<string, string>): string | undefined {
    let unknown = false;
    const expanded = value.replace(VARIABLE, (_, name: string) => {
        const found = above.get(name);
        if (found === undefined) unknown = true;
        return found ?? "";
    });
    return unknown ? undefined : expanded;
}

/**
 * The entries of a `.env` file's text, python-dotenv's values, or every problem in it: lines python-dotenv would
 * skip or read without a value, a `${NAME}` the file does not set above it, keys Pipecat Cloud refuses, keys set
 * twice, values longer than a set may hold, and a file without keys.
 */
export function parseDotEnv(source: string): DotEnvResult {
    // Python reads the file with universal newlines: "\r\n" and a lone "\r" are "\n" before python-dotenv sees them.
    const text = source.replace(/\r\n?/g, "\n");
    const physical = text.split("\n");
    const problems: DotEnvProblem[] = [];
    const firstLine = new Map<string, number>();
    const above = new Map<string, string>();
    const entries: DotEnvEntry[] = [];
    for (const b of parseBindings(text)) {
        if (b.kind === "comment") continue;
        if (b.kind === "error") {
            problems.push(errorProblem(b));
            continue;
        }
        const { key, line } = b;
        if (b.value === undefined) {
            // Never named: a line of an unquoted multi-line value (a PEM's) looks like a key without "=".
            problems.push({
                line,
                message: `not a KEY=value line (no =: python-dotenv reads a name without a value, which the bot never gets): ${NOT_AN_ENTRY}`,
            });
            continue;
        }
        if (line === 1 && key.startsWith("\ufeff")) {
            problems.push({
                line,
                message:
                    "the file starts with a byte order mark (BOM), which python-dotenv reads as part of the first key: save the file as UTF-8 without BOM",
            });
        } else if (b.keyQuoted) {
            problems.push({
                line,
                message: `the key is in quotes (python-dotenv reads them, Node's dotenv and pcc do not): write the key without quotes`,
            });
        } else if (key.length > LIMITS.keyMax) {
            problems.push({
                line,
                message: `key ${shownKey(key)} is longer than the ${LIMITS.keyMax} characters Pipecat Cloud allows: shorten it`,
            });
        } else if (!SECRET_KEY_PATTERN.test(key)) {
            problems.push({
                line,
                message: `key ${shownKey(key)} may contain only letters, digits, "_" and "-" (python-dotenv accepts more, Pipecat Cloud does not): rename it`,
            });
        }
        const earlier = firstLine.get(key);
        if (earlier === undefined) {
            firstLine.set(key, line);
        } else {
            problems.push({
                line,
                message: `key ${shownKey(key)} is set again, first on line ${earlier} (python-dotenv would keep the later value without a word): remove one of them`,
            });
        }
        if (b.startsWithHash) {
            problems.push({
                line,
                message:
                    `the value of ${shownKey(key)} starts with # (python-dotenv reads it as the value, most other readers as a comment): ` +
                    `quote the value ("#...") if the # belongs to it, or write nothing after = for an empty value`,
            });
        }
        const value = expand(b.value, above);
        if (value === undefined) {
            problems.push({
                line,
                message:
                    `the value of ${shownKey(key)} uses \${...} with a name that no line above sets (python-dotenv would take it from the ` +
                    `environment of whoever runs the bot, or its :- default: yours locally, not Pipecat Cloud's): set the name on a line above, or write the value out`,
            });
            continue;
        }
        above.set(key, value);
        const bytes = Buffer.byteLength(value, "utf8");
        if (bytes > LIMITS.valueMaxBytes) {
            problems.push({
                line,
                message: `the value of ${shownKey(key)} is ${bytes} bytes long; a value may have at most ${LIMITS.valueMaxBytes}: shorten it`,
            });
        }
        const pcc = pccDifference(physical[line - 1] as string, {
            key,
            value,
            line,
            lastLine: b.lastLine,
            quote: b.quote,
            comment: b.comment,
            expanded: HAS_VARIABLE.test(b.value),
        });
        entries.push({ key, line, lastLine: b.lastLine, value, ...(pcc !== undefined ? { pcc } : {}) });
    }
    if (entries.length > LIMITS.keysMax) {
        problems.push({
            line: undefined,
            message: `${entries.length} keys; a secret set may hold at most ${LIMITS.keysMax}: split them over several files and sets`,
        });
    }
    if (entries.length === 0 && problems.length === 0) {
        problems.push({
            line: undefined,
            message: "no KEY=value line (the file is empty, or holds only blank lines and comments): add the keys of the set",
        });
    }
    return problems.length > 0 ? { ok: false, problems: sortByLine(problems) } : { ok: true, entries };
}

function sortByLine(problems: readonly DotEnvProblem[]): DotEnvProblem[] {
    return [...problems].sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}
