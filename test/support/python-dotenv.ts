/**
 * python-dotenv itself, for the specs that prove `parseDotEnv` reads what a Pipecat bot reads: the first Python 3 that
 * can import it (`python3` on PATH, then Debian's `/usr/bin/python3`, where `apt-get install python3-dotenv` puts it).
 * `.ci/run` installs it; elsewhere a spec skips, saying so, when there is none.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface PythonDotEnv {
    /** The interpreter that imports it. */
    readonly python: string;
    /** python-dotenv's version. */
    readonly version: string;
}

const CANDIDATES = ["python3", "/usr/bin/python3"];

/** The first interpreter that imports python-dotenv, or undefined. */
export function findPythonDotEnv(): PythonDotEnv | undefined {
    for (const python of CANDIDATES) {
        const run = spawnSync(python, ["-c", "from dotenv.version import __version__; print(__version__)"], { encoding: "utf8" });
        if (run.status === 0) return { python, version: run.stdout.trim() };
    }
    return undefined;
}

/**
 * What to do without python-dotenv: in CI (`CI` set) the spec fails, for a skipped comparison proves nothing; else it
 * is skipped with this message.
 */
export const MISSING =
    "python-dotenv is not installed: no python3 on PATH nor /usr/bin/python3 imports dotenv. " +
    "Install it (Debian: apt-get install -y python3-dotenv; or pip install python-dotenv); .ci/run does.";

const SCRIPT = `
import json, os, sys
from dotenv import dotenv_values
request = json.load(sys.stdin)
os.environ.clear()
os.environ.update(request["environment"])
print(json.dumps([dict(dotenv_values(p)) for p in request["paths"]]))
`;

/**
 * `dotenv_values(path)` of each text, as python-dotenv reads it from a file (Python's universal newlines
 * included): a name without `=` is null. One Python process for all; its environment holds only `environment`.
 */
export function pythonDotEnvValues(
    found: PythonDotEnv,
    texts: readonly string[],
    environment: Readonly<Record<string, string>> = {},
): Record<string, string | null>[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "python-dotenv-"));
    try {
        const paths = texts.map((text, i) => {
            const file = path.join(dir, `${i}.env`);
            fs.writeFileSync(file, text, "utf8");
            return file;
        });
        const run = spawnSync(found.python, ["-c", SCRIPT], {
            input: JSON.stringify({ paths, environment }),
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        });
        if (run.status !== 0)
            throw new Error(`${found.python} failed (${run.status ?? run.signal}): ${run.stderr.split("\n").slice(-5).join("\n")}`);
        return JSON.parse(run.stdout) as Record<string, string | null>[];
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
