/**
 * Reads a `.env` file and checks it (`parse.ts`): its entries, or a {@link DotEnvError} that names the file. The one
 * place both ways in (the program's `dotEnvSecrets` and the `import-env` command) touch the file system.
 */
import * as fs from "node:fs";
import { type DotEnvEntry, DotEnvError, parseDotEnv } from "./parse";

/** What a failed read says, by the error's code: never the message of the file system, whose voice differs. */
function unreadable(code: string | undefined): string {
    switch (code) {
        case "ENOENT":
            return "no such file: give the path of the .env file (relative to the current directory)";
        case "EISDIR":
            return "is a directory: give the path of the .env file itself";
        case "EACCES":
        case "EPERM":
            return "cannot be read: permission denied";
        default:
            return `cannot be read (${code ?? "unknown error"})`;
    }
}

/**
 * The entries of the `.env` file at `file` (relative to the current directory), in file order.
 * @throws DotEnvError when the file cannot be read or used as a secret set; it names the file as given and each line.
 */
export function readDotEnvFile(file: string): readonly DotEnvEntry[] {
    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(file);
    } catch (err) {
        throw new DotEnvError(file, [{ line: undefined, message: unreadable((err as NodeJS.ErrnoException).code) }]);
    }
    // Windows editors may save UTF-16 ("Unicode"); read as UTF-8 it would be lines of noise.
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
        throw new DotEnvError(file, [{ line: undefined, message: "is saved as UTF-16: save it as UTF-8" }]);
    }
    // python-dotenv opens the file as UTF-8 and fails on anything else; Buffer#toString would replace it silently.
    // The byte order mark is kept, as Python keeps it: parseDotEnv names it.
    let text: string;
    try {
        text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
        throw new DotEnvError(file, [
            { line: undefined, message: "is not valid UTF-8 (python-dotenv, which reads it as UTF-8, would fail): save it as UTF-8" },
        ]);
    }
    const result = parseDotEnv(text);
    if (!result.ok) throw new DotEnvError(file, result.problems);
    return result.entries;
}
