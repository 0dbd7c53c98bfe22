/**
 * Runs a command to completion in a process group of its own, collecting its output: how the e2e
 * harness runs `pulumi`, and the consumer tests `npm`, `node` and `pulumi`.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";

export interface RunOptions {
    readonly cwd: string;
    readonly env: NodeJS.ProcessEnv;
    /** Written to standard input (which is closed in any case). */
    readonly input?: string;
    /** Resolve with a non-zero exit code instead of rejecting. */
    readonly allowFail?: boolean;
    /** Kill the command and everything it started after this long. @default 240 s */
    readonly timeoutMs?: number;
}

export interface RunResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs a command; rejects with its output on a non-zero exit (unless allowFail) or a timeout. */
export function runProcess(command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
    const timeoutMs = opts.timeoutMs ?? 240_000;
    const shown = `${path.basename(command)} ${args.join(" ")}`;
    return new Promise((resolve, reject) => {
        // A process group of its own, so a timeout also ends what it started (language host, node, plugins).
        const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"], detached: true });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            try {
                if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
            } catch {
                // already gone
            }
        }, timeoutMs);
        const describe = (what: string) => `${shown} (in ${opts.cwd}) ${what}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
        child.on("error", (err) => {
            clearTimeout(timer);
            reject(new Error(describe(`could not start: ${err.message}`)));
        });
        // A command that exits without reading its input (git rev-parse, npm --version) may close the pipe before the
        // input is written: that EPIPE is no failure of the command (its exit code says how it went). Unhandled, it
        // would be an uncaught exception that fails whichever test is running.
        child.stdin.on("error", (err: NodeJS.ErrnoException) => {
            if (err.code !== "EPIPE") reject(new Error(describe(`could not be given its input: ${err.message}`)));
        });
        child.stdin.end(opts.input ?? "");
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            if (timedOut) return reject(new Error(describe(`timed out after ${timeoutMs} ms`)));
            const exitCode = code ?? 128;
            if (exitCode !== 0 && !opts.allowFail) return reject(new Error(describe(`exited with ${code ?? `signal ${signal}`}`)));
            resolve({ code: exitCode, stdout, stderr });
        });
    });
}
