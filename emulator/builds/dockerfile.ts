/**
 * What "building" a context means in the emulator: the Dockerfile read from the archive, its instructions as the
 * build's steps, and where the build fails. Nothing is executed: a step fails only when it says so (`RUN false`,
 * `RUN exit <n>` with n ≠ 0), and `RUN sleep <s>` makes its step take `s` seconds longer. Pure.
 */
import { createHash } from "node:crypto";
import { type ArchiveFile, normalize, readTarGz } from "./archive";

/** One step of a build: its instruction as written, the time it adds to the base, and the log lines it writes. @internal */
export interface PlannedStep {
    readonly instruction: string;
    readonly extraMs: number;
    /** `Step i/n : <instruction>` first, then the builder's lines for it. */
    readonly lines: readonly string[];
}

/** How a build will go, decided from its context when it is created. @internal */
export interface BuildPlan {
    /** The steps that run, up to and including a failing one. */
    readonly steps: readonly PlannedStep[];
    /** Lines written before the first step. */
    readonly preamble: readonly string[];
    /** `undefined`: every step succeeds. `step` is the index of the failing step, or -1 when no step runs. */
    readonly failure: { readonly step: number; readonly errorMessage: string } | undefined;
    /** Lines written after the last step of a successful build. */
    readonly epilogue: readonly string[];
    /** How many regular files the context holds. */
    readonly fileCount: number;
    /** How many instructions the Dockerfile has (the `n` of `Step i/n`; 0 when it cannot be read). */
    readonly totalSteps: number;
}

/** The facts a plan's made-up ids and lines derive from. @internal */
export interface PlanInput {
    readonly archive: Buffer;
    readonly dockerfilePath: string;
    readonly contextHash: string;
    /** The image's name, without its digest (`registry…/builds/<hash>`), for the "Successfully tagged" line. */
    readonly imageName: string;
}

/** Reads the context and plans the build. Never throws: an unreadable context is a failed build. @internal */
export function planBuild(input: PlanInput): BuildPlan {
    let files: ArchiveFile[];
    try {
        files = readTarGz(input.archive);
    } catch (err) {
        return failedBeforeSteps(`Failed to read the build context: ${err instanceof Error ? err.message : String(err)}`, 0);
    }
    const wanted = normalize(input.dockerfilePath);
    const dockerfile = files.find((f) => f.path === wanted);
    if (dockerfile === undefined) return failedBeforeSteps(`Dockerfile not found: ${input.dockerfilePath}`, files.length);
    const instructions = parseInstructions(dockerfile.content.toString("utf8"));
    if (instructions.length === 0) return failedBeforeSteps("the Dockerfile cannot be empty", files.length);
    const firstStage = instructions.find((i) => keyword(i) !== "ARG");
    if (firstStage === undefined || keyword(firstStage) !== "FROM") {
        return failedBeforeSteps("no build stage in current context (the first instruction must be FROM)", files.length);
    }

    const id = (...parts: (string | number)[]): string =>
        createHash("sha256")
            .update([input.contextHash, ...parts].join(":"))
            .digest("hex")
            .slice(0, 12);
    const contextBytes = input.archive.length;
    const preamble = [`Sending build context to Docker daemon  ${formatBytes(contextBytes)}`];
    const steps: PlannedStep[] = [];
    const n = instructions.length;
    for (const [i, instruction] of instructions.entries()) {
        const header = `Step ${i + 1}/${n} : ${instruction}`;
        const run = keyword(instruction) === "RUN" ? shellCommand(instruction) : undefined;
        const container = id("container", i);
        const extraMs = run === undefined ? 0 : sleepMs(run);
        if (keyword(instruction) === "FROM") {
            const image = instruction.split(/\s+/)[1] ?? "";
            steps.push({
                instruction,
                extraMs,
                lines: [header, `${image}: Pulling from library/${image.split(":")[0] ?? image}`, ` ---> ${id("layer", i)}`],
            });
            continue;
        }
        const exitCode = run === undefined ? 0 : exitCodeOf(run);
        if (run !== undefined && exitCode !== 0) {
            const errorMessage = `The command '/bin/sh -c ${run}' returned a non-zero code: ${exitCode}`;
            steps.push({ instruction, extraMs, lines: [header, ` ---> Running in ${container}`, errorMessage] });
            return { preamble, steps, failure: { step: i, errorMessage }, epilogue: [], fileCount: files.length, totalSteps: n };
        }
        const lines =
            run === undefined
                ? [header, ` ---> ${id("layer", i)}`]
                : [header, ` ---> Running in ${container}`, `Removing intermediate container ${container}`, ` ---> ${id("layer", i)}`];
        steps.push({ instruction, extraMs, lines });
    }
    const epilogue = [
        `Successfully built ${id("layer", n - 1)}`,
        `Successfully tagged ${input.imageName}:latest`,
        `Pushing ${input.imageName}`,
    ];
    return { preamble, steps, failure: undefined, epilogue, fileCount: files.length, totalSteps: n };
}

function failedBeforeSteps(errorMessage: string, fileCount: number): BuildPlan {
    return { preamble: [], steps: [], failure: { step: -1, errorMessage }, epilogue: [], fileCount, totalSteps: 0 };
}

/** The Dockerfile's instructions: continuation lines joined, comments and blank lines left out. @internal */
export function parseInstructions(text: string): string[] {
    const instructions: string[] = [];
    let pending = "";
    for (const rawLine of text.split(/\r?\n/)) {
        const line = rawLine.trim();
        if (pending === "" && (line === "" || line.startsWith("#"))) continue;
        if (line.endsWith("\\")) {
            pending += `${line.slice(0, -1).trim()} `;
            continue;
        }
        const instruction = `${pending}${line}`.trim();
        pending = "";
        if (instruction !== "") instructions.push(instruction);
    }
    if (pending.trim() !== "") instructions.push(pending.trim());
    return instructions;
}

function keyword(instruction: string): string {
    return (instruction.split(/\s+/)[0] ?? "").toUpperCase();
}

/** The command of a shell-form `RUN` (exec form `RUN [...]` is never read as a failure). */
function shellCommand(instruction: string): string | undefined {
    const command = instruction.slice(instruction.search(/\s/) + 1).trim();
    return command.startsWith("[") ? undefined : command;
}

function exitCodeOf(command: string): number {
    if (command === "false") return 1;
    const exit = /^exit\s+(\d+)$/.exec(command);
    return exit === null ? 0 : Number(exit[1]) % 256;
}

function sleepMs(command: string): number {
    const sleep = /^sleep\s+(\d+(?:\.\d+)?)$/.exec(command);
    return sleep === null ? 0 : Math.round(Number(sleep[1]) * 1000);
}

function formatBytes(bytes: number): string {
    if (bytes < 1024) return `${bytes}B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)}kB`;
    return `${(bytes / (1024 * 1024)).toFixed(1)}MB`;
}
