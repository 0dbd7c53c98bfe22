/**
 * actionlint (github.com/rhysd/actionlint), the linter for GitHub Actions workflows, for tests.
 *
 * It is a Go program: the first call builds the pinned version from the Go module proxy with
 * `go install` into node_modules/.cache (ignored by git, gone with `npm ci`), later calls reuse the
 * binary. So a fresh CI machine needs only Go, which it has for the Pulumi engine anyway.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../support/engine";

const run = promisify(execFile);

export const ACTIONLINT_VERSION = "v1.7.12";
const MODULE = "github.com/rhysd/actionlint/cmd/actionlint";

/** Path of the actionlint binary, built first if missing. */
export async function ensureActionlint(): Promise<string> {
    const dir = path.join(repoRoot, "node_modules", ".cache", `actionlint-${ACTIONLINT_VERSION}`);
    const bin = path.join(dir, "actionlint");
    if (fs.existsSync(bin)) return bin;
    // Built into a fresh directory and renamed, so an interrupted build never leaves a half binary.
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const tmp = fs.mkdtempSync(`${dir}.tmp-`);
    try {
        await run("go", ["install", `${MODULE}@${ACTIONLINT_VERSION}`], {
            env: { ...process.env, GOBIN: tmp, GOFLAGS: "-buildvcs=false", CGO_ENABLED: "0" },
            timeout: 300_000,
        });
        fs.renameSync(tmp, dir);
    } catch (e) {
        fs.rmSync(tmp, { recursive: true, force: true });
        if ((e as NodeJS.ErrnoException).code === "ENOENT")
            throw new Error("Go is needed to build actionlint (the Pulumi engine needs it too)");
        if (fs.existsSync(bin)) return bin; // another process built it meanwhile
        throw e;
    }
    return bin;
}

export interface LintResult {
    /** 0: no problem found; 1: problems found (listed in `output`). */
    readonly code: number;
    readonly output: string;
}

/** Lints workflow files; never throws for problems found, only when actionlint cannot run. */
export async function actionlint(files: readonly string[]): Promise<LintResult> {
    const bin = await ensureActionlint();
    try {
        const { stdout, stderr } = await run(bin, ["-no-color", ...files], { cwd: repoRoot, timeout: 60_000 });
        return { code: 0, output: stdout + stderr };
    } catch (e) {
        const err = e as { code?: unknown; stdout?: string; stderr?: string };
        if (err.code === 1) return { code: 1, output: `${err.stdout ?? ""}${err.stderr ?? ""}` };
        throw e;
    }
}
