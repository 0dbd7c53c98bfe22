/**
 * A `.env` file as the entries of a secret set, or the problems that keep it from being one. Pure: text in, data
 * out; the file is read elsewhere (`read.ts`).
 *
 * `dotenv.parse` reads the values: its rules (comments, `export `, quotes, multi-line values) are the ones users
 * know. But dotenv skips lines it cannot read without a word, keeps the last of two equal keys, and accepts keys
 * with `.`; none of that may pass silently into a secret set. So a small line scanner walks the same text beside it:
 * it finds the line each key starts on, and the lines dotenv would skip. Where the two disagree on the keys, the
 * file is refused rather than guessed at.
 *
 * No value, and no part of a line other than a key, ever enters a problem: a broken file may have a value where
 * a key was expected, so a key is named only when it is name-like (dotenv's key characters, at most 64 of them).
 */
import * as dotenv from "dotenv";
import { PipecatError, isPipecatError } from "../api/errors";
import { LIMITS, SECRET_KEY_PATTERN } from "../secretset/limits";

/** One key of the file, with the line it starts on (1-based) and its value as dotenv reads it. */
export interface DotEnvEntry {
    readonly key: string;
    readonly line: number;
    readonly value: string;
}

/** Why a file cannot be used: the line (1-based) when one is to blame, and a sentence that never holds a value. */
export interface DotEnvProblem {
    /** The line to blame (1-based), or undefined when the problem is the file's as a whole. */
    readonly line: number | undefined;
    /** What is wrong, in one sentence that never holds a value. */
    readonly message: string;
}

export type DotEnvResult =
    | { readonly ok: true; readonly entries: readonly DotEnvEntry[] }
    | { readonly ok: false; readonly problems: readonly DotEnvProblem[] };

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

// dotenv's own syntax, as its parser reads it: an optional `export `, a key of word characters, `.` and `-`, then
// `=` (spaces around it allowed) or `:` and a space.
const ENTRY_START = /^\s*(?:export\s+)?([\w.-]+)(?:\s*=|:\s)/;
const BLANK_OR_COMMENT = /^\s*(#.*)?$/;
const QUOTES = new Set(["'", '"', "`"]);

/** Where a key starts, and how far its value reaches (`lastLine`, also 1-based). */
interface ScannedEntry {
    readonly key: string;
    readonly line: number;
    readonly lastLine: number;
}

/** A key as problems show it: quoted when name-like, else only its length (it may be part of a value). */
function shownKey(key: string): string {
    return key.length <= LIMITS.keyMax ? JSON.stringify(key) : `of ${key.length} characters`;
}

/**
 * The closing quote of a value opened by the quote at `open`, as dotenv's expression finds it: the first quote not
 * escaped by a backslash, else (backtracking) an escaped one, the last first; a candidate counts only if the rest of
 * its line is blank or a `#` comment. -1 when there is none (dotenv then reads the quote as part of the value).
 */
function closingQuote(text: string, open: number): number {
    const quote = text[open];
    const escaped: number[] = [];
    let at = open + 1;
    while (at < text.length) {
        if (text[at] === "\\" && text[at + 1] === quote) {
            escaped.push(at + 1);
            at += 2;
        } else if (text[at] === quote) {
            break;
        } else {
            at++;
        }
    }
    const candidates = [...(at < text.length ? [at] : []), ...escaped.reverse()];
    return candidates.find((close) => restOfLineIsBlank(text, close + 1)) ?? -1;
}

function restOfLineIsBlank(text: string, from: number): boolean {
    const end = text.indexOf("\n", from);
    return BLANK_OR_COMMENT.test(text.slice(from, end === -1 ? text.length : end));
}

/**
 * Walks the lines as dotenv's parser would: blank lines and comments, entries (a quoted value may run over several
 * lines), and lines it would skip. Returns the entries found and the problems of single lines.
 */
function scanLines(text: string): { entries: ScannedEntry[]; problems: DotEnvProblem[] } {
    const entries: ScannedEntry[] = [];
    const problems: DotEnvProblem[] = [];
    const lines = text.split("\n");
    let offset = 0; // of the current line in text
    for (let index = 0; index < lines.length; ) {
        const line = lines[index] as string;
        const number = index + 1;
        const next = (): void => {
            offset += (lines[index] as string).length + 1;
            index++;
        };
        if (BLANK_OR_COMMENT.test(line)) {
            next();
            continue;
        }
        const start = ENTRY_START.exec(line);
        if (start === null) {
            problems.push({
                line: number,
                message:
                    "not a KEY=value line (dotenv would skip it without a word): write it as KEY=value, " +
                    "make it a comment with #, or quote a value that runs over several lines",
            });
            next();
            continue;
        }
        const key = start[1] as string;
        const afterSeparator = start[0].length;
        const valueStart = afterSeparator + (/^\s*/.exec(line.slice(afterSeparator))?.[0].length ?? 0);
        const first = line[valueStart];
        if (first !== undefined && QUOTES.has(first)) {
            const close = closingQuote(text, offset + valueStart);
            if (close === -1) {
                problems.push({
                    line: number,
                    message:
                        `the value of ${shownKey(key)} opens a ${first} quote that no line closes (dotenv would keep the quote ` +
                        `in the value): end the value with ${first}, followed by nothing but a # comment on its line`,
                });
                entries.push({ key, line: number, lastLine: number });
                next();
                continue;
            }
            const lastLine = number + (text.slice(offset, close).match(/\n/g)?.length ?? 0);
            entries.push({ key, line: number, lastLine });
            while (index < lastLine) next();
            continue;
        }
        // An unquoted value ends at the first "#". Right after other characters it is part of a value more often than
        // a comment (a URL's fragment, a password): dotenv would cut the value there, so the file must say which.
        const hash = line.indexOf("#", afterSeparator);
        if (hash !== -1 && !/\s/.test(line[hash - 1] ?? "")) {
            problems.push({
                line: number,
                message:
                    `the value of ${shownKey(key)} has a # right after other characters (dotenv would cut the value there, ` +
                    `reading the rest as a comment): quote the value ("...") if the # belongs to it, or put a space before the comment`,
            });
        }
        entries.push({ key, line: number, lastLine: number });
        next();
    }
    return { entries, problems };
}

/** The shape of `dotenv.parse`. */
export type DotEnvParser = (text: string) => Record<string, string>;

const dotenvParse: DotEnvParser = (text) => dotenv.parse(text);

/**
 * The entries of a `.env` file's text, or every problem in it: lines dotenv would skip, keys Pipecat Cloud refuses,
 * keys set twice, values longer than a set may hold, and a file without keys.
 * @param parse dotenv's parser; tests give another to prove that a disagreement is refused.
 */
export function parseDotEnv(source: string, parse: DotEnvParser = dotenvParse): DotEnvResult {
    // dotenv reads "\r\n" and a lone "\r" as line ends; so must the line numbers.
    const text = source.replace(/\r\n?/g, "\n");
    const scanned = scanLines(text);
    const problems = [...scanned.problems];
    const firstLine = new Map<string, number>();
    for (const { key, line } of scanned.entries) {
        if (key.length > LIMITS.keyMax) {
            problems.push({ line, message: `key ${shownKey(key)} is longer than the ${LIMITS.keyMax} characters Pipecat Cloud allows: shorten it` });
        } else if (!SECRET_KEY_PATTERN.test(key)) {
            problems.push({
                line,
                message: `key ${shownKey(key)} may contain only letters, digits, "_" and "-" (dotenv also accepts ".", Pipecat Cloud does not): rename it`,
            });
        }
        const earlier = firstLine.get(key);
        if (earlier === undefined) {
            firstLine.set(key, line);
        } else {
            problems.push({
                line,
                message: `key ${shownKey(key)} is set again, first on line ${earlier} (dotenv would keep the later value without a word): remove one of them`,
            });
        }
    }
    if (problems.length > 0) return { ok: false, problems: sortByLine(problems) };

    const values = parse(text);
    const scannedKeys = new Set(firstLine.keys());
    const missed = Object.keys(values).filter((k) => !scannedKeys.has(k));
    const unread = scanned.entries.filter((e) => !Object.prototype.hasOwnProperty.call(values, e.key));
    if (missed.length > 0 || unread.length > 0) {
        // The scanner and dotenv disagree on where entries are: refuse rather than import a key from the wrong lines.
        return {
            ok: false,
            problems: [
                ...unread.map((e) => ({ line: e.line, message: `dotenv reads no key ${shownKey(e.key)} here: check the quotes on the lines before it` })),
                ...(missed.length > 0
                    ? [{ line: undefined, message: `dotenv reads ${missed.length === 1 ? "a key" : `${missed.length} keys`} that start${missed.length === 1 ? "s" : ""} on no line of ${missed.length === 1 ? "its" : "their"} own (${missed.map(shownKey).join(", ")}): check the file's quotes` }]
                    : []),
            ],
        };
    }

    const entries = scanned.entries.map(({ key, line }) => ({ key, line, value: values[key] as string }));
    for (const { key, line, value } of entries) {
        const bytes = Buffer.byteLength(value, "utf8");
        if (bytes > LIMITS.valueMaxBytes) {
            problems.push({ line, message: `the value of ${shownKey(key)} is ${bytes} bytes long; a value may have at most ${LIMITS.valueMaxBytes}: shorten it` });
        }
    }
    if (entries.length > LIMITS.keysMax) {
        problems.push({ line: undefined, message: `${entries.length} keys; a secret set may hold at most ${LIMITS.keysMax}: split them over several files and sets` });
    }
    if (entries.length === 0) {
        problems.push({ line: undefined, message: "no KEY=value line (the file is empty, or holds only blank lines and comments): add the keys of the set" });
    }
    return problems.length > 0 ? { ok: false, problems: sortByLine(problems) } : { ok: true, entries };
}

function sortByLine(problems: readonly DotEnvProblem[]): DotEnvProblem[] {
    return [...problems].sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}
