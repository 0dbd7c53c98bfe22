/**
 * python-dotenv's grammar (`dotenv/parser.py`): the statements of a file, each an entry with its key, decoded value,
 * quote and lines, a comment, or an error with its cause. Pure; `parse.ts` turns them into entries and problems.
 */
// python-dotenv's expressions, with Python's `\s` (str.isspace) spelled out: JavaScript's `\s` differs (it has
// U+FEFF, and lacks U+001C to U+001F and U+0085). Each is matched at a position ("y"), as Python's regex.match.
const SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/** `[^\S\r\n]`: a space that does not end a line. */
const INLINE = "\\t\\x0b\\x0c\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const at = (source: string) => new RegExp(source, "y");
const MULTILINE_WHITESPACE = at(`[${SPACE}]*`);
const WHITESPACE = at(`[${INLINE}]*`);
const EXPORT = at(`(?:export[${INLINE}]+)?`);
const SINGLE_QUOTED_KEY = at("'([^']+)'");
const UNQUOTED_KEY = at(`[^=#${SPACE}]+`);
const EQUAL_SIGN = at(`=[${INLINE}]*`);
const UNQUOTED_VALUE = at("[^\\r\\n]*");
const COMMENT = at(`(?:[${INLINE}]*#[^\\r\\n]*)?`);
const END_OF_LINE = at(`[${INLINE}]*(?:\\r\\n|\\n|\\r|$)`);
const REST_OF_LINE = at("[^\\r\\n]*(?:\\r|\\n|\\r\\n)?");
const IS_SPACE = new RegExp(`[${SPACE}]`);
const TRAILING_SPACE = new RegExp(`[${SPACE}]+$`);

const DOUBLE_QUOTE_ESCAPES: Readonly<Record<string, string>> = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    a: "\x07",
    b: "\b",
    f: "\f",
    n: "\n",
    r: "\r",
    t: "\t",
    v: "\v",
};

/** The length of `pattern`'s match at `position` (python-dotenv's `read_regex`), or -1. */
function matchAt(pattern: RegExp, text: string, position: number): number {
    pattern.lastIndex = position;
    const match = pattern.exec(text);
    return match === null ? -1 : match[0].length;
}

/**
 * The closing quote of a value opened at `open`, as python-dotenv's `'((?:\\'|[^'])*)'` (or with `"`) finds it: the
 * first quote that is not escaped by the backslash before it (a backslash escapes only a quote here, so `\\"`
 * is a backslash and an escaped quote); if there is none, by backtracking, the last escaped one. -1 when the text
 * has neither.
 */
function closingQuote(text: string, open: number): number {
    const quote = text[open];
    let lastEscaped = -1;
    for (let i = open + 1; i < text.length; i++) {
        if (text[i] === "\\" && text[i + 1] === quote) {
            lastEscaped = ++i;
        } else if (text[i] === quote) {
            return i;
        }
    }
    return lastEscaped;
}

/** An unquoted value as python-dotenv keeps it: `re.sub(r"\s+#.*", "", part).rstrip()`, without the regex's cost. */
function unquotedValue(part: string): string {
    let cut = part.length;
    for (let i = 1; i < part.length; i++) {
        if (part[i] === "#" && IS_SPACE.test(part[i - 1] as string)) {
            cut = i - 1;
            while (cut > 0 && IS_SPACE.test(part[cut - 1] as string)) cut--;
            break;
        }
    }
    return part.slice(0, cut).replace(TRAILING_SPACE, "");
}

/** One statement of the file as python-dotenv's `parse_binding` reads it. */
export type Binding =
    | {
          readonly kind: "entry";
          readonly key: string;
          readonly keyQuoted: boolean;
          /** Decoded, not yet expanded; undefined when the key has no `=`. */
          readonly value: string | undefined;
          readonly quote: "'" | '"' | undefined;
          /** The value's text had a `#` comment after it (cut off, or after the closing quote). */
          readonly comment: boolean;
          /** An unquoted value that starts with `#`. */
          readonly startsWithHash: boolean;
          readonly line: number;
          readonly lastLine: number;
      }
    | { readonly kind: "comment" }
    | {
          readonly kind: "error";
          readonly why: "statement" | "unclosed" | "after-quote";
          readonly key: string | undefined;
          readonly quote: "'" | '"' | undefined;
          readonly line: number;
          readonly lastLine: number;
      };

/** python-dotenv's `parse_stream`: the statements of `text` (line ends already "\n"), with their lines. */
export function parseBindings(text: string): Binding[] {
    const lineStarts = [0];
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
    const lineAt = (position: number): number => {
        let low = 0;
        let high = lineStarts.length - 1;
        while (low < high) {
            const mid = (low + high + 1) >> 1;
            if ((lineStarts[mid] as number) <= position) low = mid;
            else high = mid - 1;
        }
        return low + 1;
    };

    const bindings: Binding[] = [];
    let position = 0;
    while (position < text.length) {
        position += matchAt(MULTILINE_WHITESPACE, text, position);
        if (position >= text.length) break;
        const line = lineAt(position);
        let key: string | undefined;
        let quote: "'" | '"' | undefined;
        const fail = (why: "statement" | "unclosed" | "after-quote"): void => {
            bindings.push({ kind: "error", why, key, quote, line, lastLine: lineAt(position) });
            position += matchAt(REST_OF_LINE, text, position);
        };

        position += matchAt(EXPORT, text, position);
        let keyQuoted = false;
        if (text[position] === "#") {
            key = undefined;
        } else {
            keyQuoted = text[position] === "'";
            const length = matchAt(keyQuoted ? SINGLE_QUOTED_KEY : UNQUOTED_KEY, text, position);
            if (length === -1) {
                fail("statement");
                continue;
            }
            key = keyQuoted ? text.slice(position + 1, position + length - 1) : text.slice(position, position + length);
            position += length;
        }
        position += matchAt(WHITESPACE, text, position);

        let value: string | undefined;
        let comment = false;
        let startsWithHash = false;
        if (text[position] === "=") {
            position += matchAt(EQUAL_SIGN, text, position);
            const first = text[position];
            if (first === "'" || first === '"') {
                quote = first;
                const close = closingQuote(text, position);
                if (close === -1) {
                    fail("unclosed");
                    continue;
                }
                const raw = text.slice(position + 1, close);
                value =
                    first === "'"
                        ? raw.replace(/\\[\\']/g, (m) => m[1] as string)
                        : raw.replace(/\\[\\'"abfnrtv]/g, (m) => DOUBLE_QUOTE_ESCAPES[m[1] as string] as string);
                position = close + 1;
            } else if (first === undefined || first === "\n" || first === "\r") {
                value = "";
            } else {
                const length = matchAt(UNQUOTED_VALUE, text, position);
                const part = text.slice(position, position + length);
                value = unquotedValue(part);
                comment = value !== part.replace(TRAILING_SPACE, "");
                startsWithHash = part.startsWith("#");
                position += length;
            }
        }
        const commentLength = matchAt(COMMENT, text, position);
        if (quote !== undefined && commentLength > 0) comment = true;
        position += commentLength;
        const endLength = matchAt(END_OF_LINE, text, position);
        if (endLength === -1) {
            fail(quote === undefined ? "statement" : "after-quote");
            continue;
        }
        const lastLine = lineAt(position);
        position += endLength;
        if (key === undefined) {
            bindings.push({ kind: "comment" });
        } else {
            bindings.push({ kind: "entry", key, keyQuoted, value, quote, comment, startsWithHash, line, lastLine });
        }
    }
    return bindings;
}
