/**
 * `dotEnvSecrets`: a `.env` file as the `secrets` of a SecretSet, read when the program runs (for local use: the file
 * must exist wherever `pulumi preview` or `up` runs, and stay out of git).
 */
import * as pulumi from "@pulumi/pulumi";
import { readDotEnvFile } from "./read";

/**
 * Reads a `.env` file into a map of key to value, every value a Pulumi secret, ready to be a SecretSet's `secrets`.
 * The values are the ones a Pipecat bot reads from the same file with python-dotenv: `export `, comments (`#` after
 * a space, or after a closing quote), single and double quotes (both may run over several lines; in double quotes
 * `\"`, `\n`, `\\` and the other escapes are decoded, in single quotes only `\'` and `\\`), and `${NAME}` or
 * `${NAME:-default}` taking the value of a key above:
 *
 * ```ts
 * new SecretSet("agent", { secrets: dotEnvSecrets(".env") });
 * ```
 *
 * The values never reach state, previews or logs in clear (each is secret, and SecretSet keeps them so). The file
 * is read on every `preview` and `up`, so it must exist there; keep it out of git (`.gitignore`). To keep the values
 * in the stack instead, encrypted, use `pipecat-secrets import-env`.
 *
 * @param file Path of the file, relative to the program's working directory (the folder of `Pulumi.yaml`).
 * @throws DotEnvError when the file cannot be read (or is not UTF-8), or has a line python-dotenv would skip or read
 *   without a value, a `${NAME}` that no line above sets (python-dotenv would take it from the environment of whoever
 *   runs the bot), an unquoted value starting with `#`, a key Pipecat Cloud refuses (letters, digits, `_` and `-`, at
 *   most 64), a key set twice, or no key; the error names each line, never a value.
 */
export function dotEnvSecrets(file: string): Record<string, pulumi.Output<string>> {
    return Object.fromEntries(readDotEnvFile(file).map(({ key, value }) => [key, pulumi.secret(value)]));
}
