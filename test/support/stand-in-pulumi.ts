/**
 * A stand-in `pulumi` for unit tests of what runs pulumi (`pipecat-secrets import-env`): a small POSIX shell script
 * in a temporary folder that records each command line it is given and its standard input, then answers from a
 * table the test wrote (standard output, error output, exit code), the way pulumi would. A command line the table
 * does not hold is answered with exit code 99 and a message naming it, so an unexpected command fails the test.
 *
 * A shell script of builtins rather than a Node.js one: a run costs about what starting /bin/true costs (a Node.js
 * process costs ten times more or worse), so a test can run dozens of commands.
 * Put `binDir` first on PATH (the script is named `pulumi`), or pass `command` as the pulumi command.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** What the stand-in answers to one command line. */
export interface PulumiAnswer {
    /** @default 0 */
    readonly code?: number;
    /** @default "" */
    readonly stdout?: string;
    /** @default "" */
    readonly stderr?: string;
    /** After `stderr`, print the standard input it was given, then a newline (a pulumi that quotes what it read). */
    readonly echoInput?: boolean;
}

/** One command the stand-in ran: its arguments, and its standard input as read to the end. */
export interface PulumiRun {
    readonly argv: readonly string[];
    readonly stdin: string;
}

/** pulumi's `config get --json` answer (`configValueJSON`, printed with two-space indentation). */
export function configGetJson(value: unknown, secret: boolean): string {
    const raw = typeof value === "string" ? value : JSON.stringify(value);
    const answer = typeof value === "object" && value !== null ? { value: raw, objectValue: value, secret } : { value: raw, secret };
    return JSON.stringify(answer, null, 2) + "\n";
}

/** `text` as one word of POSIX shell, in single quotes. */
function shellQuote(text: string): string {
    return `'${text.replace(/'/g, "'\\''")}'`;
}

export class StandInPulumi {
    /** The folder that holds the script, named `pulumi`: put it first on PATH. */
    readonly binDir: string;
    /** The script's path, for a PULUMI variable or a `pulumi` option. */
    readonly command: string;
    private readonly dir: string;
    private readonly commands: string[] = [];

    constructor() {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "stand-in-pulumi-"));
        this.binDir = path.join(this.dir, "bin");
        this.command = path.join(this.binDir, "pulumi");
        for (const sub of ["bin", "runs", "answers"]) fs.mkdirSync(path.join(this.dir, sub));
        fs.writeFileSync(path.join(this.dir, "commands"), "");
        fs.writeFileSync(
            this.command,
            [
                "#!/bin/sh",
                "# A stand-in pulumi (test/support/stand-in-pulumi.ts): records its command line and input, answers from a table.",
                // Builtins wherever they do: on a busy machine every process started costs milliseconds. A run takes
                // two (this shell and the cat that reads standard input), three when it echoes its input.
                `d=${shellQuote(this.dir)}`,
                // A run's files are named by the process id, made unique by noclobber should an id come round again.
                "set -C",
                'run="$d/runs/$$"',
                'until { true > "$run.argv"; } 2>/dev/null; do run="$run+"; done',
                "set +C",
                'printf \'%s\\0\' "$@" >> "$run.argv"',
                'cat > "$run.stdin"',
                'printf \'%s\\n\' "$run" >> "$d/runs.log"',
                "n=0; found=",
                'while IFS= read -r line; do n=$((n + 1)); if [ "$line" = "$*" ]; then found=$n; fi; done < "$d/commands"',
                'if [ -z "$found" ]; then printf \'stand-in pulumi: no answer for: %s\\n\' "$*" >&2; exit 99; fi',
                '. "$d/answers/$found.sh"',
                "printf '%s' \"$out\"",
                "printf '%s' \"$err\" >&2",
                'if [ -n "$echo_input" ]; then cat "$run.stdin" >&2; echo >&2; fi',
                'exit "$code"',
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
    }

    /** Answers `argv` (the arguments exactly as pulumi gets them) with `answer`; a later answer for the same line wins. */
    answer(argv: readonly string[], answer: PulumiAnswer = {}): this {
        const line = argv.join(" ");
        if (/[\n\0]/.test(line)) throw new Error("the stand-in pulumi matches command lines without newlines only");
        if (/\0/.test((answer.stdout ?? "") + (answer.stderr ?? ""))) throw new Error("the stand-in pulumi answers text without NUL only");
        const code = answer.code ?? 0;
        if (!Number.isInteger(code) || code < 0 || code > 255) throw new Error(`an exit code is an integer from 0 to 255 (got ${code})`);
        // Line n of the commands file is answered by answers/n.sh; the script takes the last line that matches.
        this.commands.push(line);
        fs.writeFileSync(
            path.join(this.dir, "answers", `${this.commands.length}.sh`),
            [
                `code=${code}`,
                `out=${shellQuote(answer.stdout ?? "")}`,
                `err=${shellQuote(answer.stderr ?? "")}`,
                `echo_input=${answer.echoInput === true ? "1" : ""}`,
                "",
            ].join("\n"),
        );
        fs.appendFileSync(path.join(this.dir, "commands"), `${line}\n`);
        return this;
    }

    /** The commands run so far, in the order they finished reading their input. */
    runs(): PulumiRun[] {
        const log = path.join(this.dir, "runs.log");
        if (!fs.existsSync(log)) return [];
        return fs
            .readFileSync(log, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((run) => ({
                argv: fs.readFileSync(`${run}.argv`, "utf8").split("\0").slice(0, -1),
                stdin: fs.readFileSync(`${run}.stdin`, "utf8"),
            }));
    }

    /** Forgets the runs recorded so far (the answers stay). */
    clearRuns(): void {
        fs.rmSync(path.join(this.dir, "runs.log"), { force: true });
    }

    cleanup(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
