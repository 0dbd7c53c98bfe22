#!/usr/bin/env node
/**
 * `pipecat-secrets-emulator`: runs the emulator (secrets and agents) as a process, for end-to-end tests, the demo and manual use.
 *
 * Prints one line once listening (`pipecat-secrets-emulator listening on http://127.0.0.1:8787/v1`), the two
 * `pulumi config set` commands that point a program at it, then one line per request (method, path, status, duration;
 * never bodies). Stops cleanly on SIGINT or SIGTERM, and when started through npm (`npx pipecat-secrets-emulator`,
 * `npm run`) also when npm's wrapper goes away: npm passes a signal on to the `sh -c` it runs the command in, not to
 * this process, which would otherwise keep the port.
 */
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_API_KEY, type DeployPhaseMs, type EmulatorOptions, startEmulator } from "./index";

/** Environment variable the API key is read from when `--api-key` is not given. */
export const API_KEY_ENV = "PIPECAT_EMULATOR_API_KEY";
/** Port used when `--port` is not given. */
export const DEFAULT_CLI_PORT = 8787;

const USAGE = `Usage: pipecat-secrets-emulator [options]

  --port N                   port to listen on; 0 picks a free one (default ${DEFAULT_CLI_PORT})
  --host ADDRESS             interface to bind to (default 127.0.0.1)
  --api-key KEY              accepted API key (default: $${API_KEY_ENV}, else "${DEFAULT_API_KEY}")
  --ready-after-ms N         how long sets stay pending after a change (default 0)
  --deploy-phase-ms SPEC     how long agent deployments stay in each phase, e.g.
                             creating=2000,validating=5000,draining=1000 (each default 0)
  --image-pull-updates MODE  what a PUT of new credentials to an existing image-pull set does:
                             "refuse" (default: 400 "Cannot update existing image pull secrets",
                             as Pipecat Cloud first documented it) or "accept" (updated in place,
                             as documented since March 2026)
  --build-queue-ms N         how long a cloud build stays pending (default 1000)
  --build-duration-ms N      how long a cloud build's steps take (default 3000)
  --build-max-ms N           how long a build may build before it times out (default 1800000)
  --rate-limit N             answer 429 beyond N requests per second
  --regions A,B,...          region codes (default us-west,us-east,eu-central,ap-south)
  --default-region CODE      region of sets created without one (default us-west)
  --port-file FILE           write the chosen port to FILE (removed on exit)
  --quiet                    do not log requests
  --help                     show this help`;

/** How often a process started through npm checks that npm's wrapper is still there. */
const PARENT_CHECK_MS = 500;

/**
 * The `pulumi config set` commands that point a Pulumi program at the emulator (the keys of provider/settings.ts).
 * The API key is named, never printed: it may be one of the user's own.
 */
export function configLines(url: string, defaultKey: boolean): string[] {
    const key = defaultKey ? DEFAULT_API_KEY : `<the key given with --api-key or $${API_KEY_ENV}>`;
    return [
        "Point a Pulumi program at it:",
        `  pulumi config set pipecat:apiUrl ${url}`,
        `  pulumi config set pipecat:apiKey --secret ${key}`,
    ];
}

/** A command line that cannot be run; the message says which option is wrong. */
export class CliUsageError extends Error {
    override readonly name = "CliUsageError";
}

/** What the command line asks for. */
export interface CliCommand {
    readonly help: boolean;
    readonly options: EmulatorOptions;
    readonly portFile: string | undefined;
    readonly quiet: boolean;
    /** Whether the API key is the built-in default (worth a notice). */
    readonly defaultKey: boolean;
}

function integerOption(value: string | undefined, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
        throw new CliUsageError(`${flag} must be a whole number from ${min} to ${max} (got "${value}")`);
    }
    return n;
}

const DEPLOY_PHASES = ["creating", "validating", "draining"] as const;

/** `creating=N,validating=N,draining=N` (any subset, any order) to {@link DeployPhaseMs}. */
function deployPhaseOption(value: string | undefined): DeployPhaseMs | undefined {
    if (value === undefined) return undefined;
    const phases: Partial<Record<(typeof DEPLOY_PHASES)[number], number>> = {};
    for (const part of value.split(",")) {
        const [phase = "", ms, ...extra] = part.trim().split("=");
        const known = DEPLOY_PHASES.find((p) => p === phase);
        if (known === undefined || ms === undefined || extra.length > 0 || phases[known] !== undefined) {
            throw new CliUsageError(
                `--deploy-phase-ms must be phase=ms pairs of creating, validating, draining, each at most once (got "${value}")`,
            );
        }
        phases[known] = integerOption(ms, `--deploy-phase-ms ${known}`, 0) ?? 0;
    }
    return phases;
}

/** Parses arguments (without `node` and the script) and the environment; throws {@link CliUsageError}. */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliCommand {
    let values;
    try {
        ({ values } = parseArgs({
            args: [...argv],
            strict: true,
            allowPositionals: false,
            options: {
                port: { type: "string" },
                host: { type: "string" },
                "api-key": { type: "string" },
                "ready-after-ms": { type: "string" },
                "deploy-phase-ms": { type: "string" },
                "image-pull-updates": { type: "string" },
                "rate-limit": { type: "string" },
                "build-queue-ms": { type: "string" },
                "build-duration-ms": { type: "string" },
                "build-max-ms": { type: "string" },
                regions: { type: "string" },
                "default-region": { type: "string" },
                "port-file": { type: "string" },
                quiet: { type: "boolean" },
                help: { type: "boolean" },
            },
        }));
    } catch (err) {
        throw new CliUsageError(err instanceof Error ? err.message : String(err));
    }

    const mode = values["image-pull-updates"];
    if (mode !== undefined && mode !== "refuse" && mode !== "accept") {
        throw new CliUsageError(`--image-pull-updates must be "refuse" or "accept" (got "${mode}")`);
    }
    const envKey = env[API_KEY_ENV] === "" ? undefined : env[API_KEY_ENV];
    const apiKey = values["api-key"] ?? envKey;
    if (apiKey === "") throw new CliUsageError("--api-key must not be empty");
    const requestsPerSecond = integerOption(values["rate-limit"], "--rate-limit", 1);

    const options: EmulatorOptions = {
        apiKey,
        host: values.host,
        port: integerOption(values.port, "--port", 0, 65535) ?? DEFAULT_CLI_PORT,
        readyAfterMs: integerOption(values["ready-after-ms"], "--ready-after-ms", 0),
        deployPhaseMs: deployPhaseOption(values["deploy-phase-ms"]),
        imagePullUpdates: mode,
        rateLimit: requestsPerSecond === undefined ? undefined : { requestsPerSecond },
        regions: values.regions?.split(",").map((r) => r.trim()),
        defaultRegion: values["default-region"],
        buildQueueMs: integerOption(values["build-queue-ms"], "--build-queue-ms", 0),
        buildDurationMs: integerOption(values["build-duration-ms"], "--build-duration-ms", 0),
        buildMaxMs: integerOption(values["build-max-ms"], "--build-max-ms", 1),
    };
    return {
        help: values.help === true,
        options,
        portFile: values["port-file"],
        quiet: values.quiet === true,
        defaultKey: apiKey === undefined,
    };
}

function writePortFile(file: string, port: number): void {
    // Written under a temporary name, then renamed, so a script polling for the file never reads half of it.
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${port}\n`);
    renameSync(temporary, file);
}

/** Runs the command line; resolves once the emulator is listening. Sets `process.exitCode` on failure. */
export async function main(argv: readonly string[] = process.argv.slice(2), env = process.env): Promise<void> {
    let command: CliCommand;
    try {
        command = parseCliArgs(argv, env);
    } catch (err) {
        process.stderr.write(`pipecat-secrets-emulator: ${(err as Error).message}\n\n${USAGE}\n`);
        process.exitCode = 2;
        return;
    }
    if (command.help) {
        process.stdout.write(`${USAGE}\n`);
        return;
    }

    const log = command.quiet ? undefined : (line: string) => process.stdout.write(`${line}\n`);
    const emulator = await startEmulator({ ...command.options, log });
    const { portFile } = command;
    // Handlers go in before the listening line: a script may signal as soon as it reads it.
    let stopping = false;
    const stop = (signal: NodeJS.Signals | "parent exited"): void => {
        if (stopping) return;
        stopping = true;
        emulator
            .close()
            .then(() => {
                if (portFile !== undefined) rmSync(portFile, { force: true });
                process.stdout.write(`pipecat-secrets-emulator stopped (${signal})\n`);
                process.exit(0);
            })
            .catch((err: unknown) => {
                process.stderr.write(`pipecat-secrets-emulator: error while stopping: ${String(err)}\n`);
                process.exit(1);
            });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);

    if (portFile !== undefined) writePortFile(portFile, emulator.port);
    if (command.defaultKey) {
        process.stderr.write(
            `pipecat-secrets-emulator: accepting the default API key "${DEFAULT_API_KEY}" (set --api-key or ${API_KEY_ENV})\n`,
        );
    }
    process.stdout.write(`pipecat-secrets-emulator listening on ${emulator.url}\n`);
    process.stdout.write(`${configLines(emulator.url, command.defaultKey).join("\n")}\n`);

    // Started by npm (npx, npm exec, npm run: npm sets npm_command), the parent is npm's `sh -c`, which a signal to npm
    // ends without passing it on. Once the parent is gone this process is re-parented: then stop as if signalled.
    if (env["npm_command"] !== undefined) {
        const parent = process.ppid;
        const watch = setInterval(() => {
            if (process.ppid === parent) return;
            clearInterval(watch);
            stop("parent exited");
        }, PARENT_CHECK_MS);
        watch.unref();
    }
}

if (require.main === module) {
    main().catch((err: unknown) => {
        const code = (err as NodeJS.ErrnoException).code;
        const reason = code === "EADDRINUSE" ? "the port is already in use" : err instanceof Error ? err.message : String(err);
        process.stderr.write(`pipecat-secrets-emulator: cannot start: ${reason}\n`);
        process.exit(1);
    });
}
