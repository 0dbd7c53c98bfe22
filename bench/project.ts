/**
 * A benchmark project: a stack of the test kit (test/support/stack.ts) holding one of the programs, its
 * config pointing the provider at the emulator, and timed commands.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import type { Emulator } from "../emulator";
import { engineBin, type RunResult, type TempProject } from "../test/support/engine";
import { EngineStack } from "../test/support/stack";
import { type ProgramKind, programs, type SetsSpec } from "./programs";

export interface BenchProject {
    readonly kind: ProgramKind;
    readonly project: TempProject;
    /** Rewrites sets.json: the next command sees these sets. */
    declare(spec: SetsSpec): void;
    /** Runs `pulumi <args> --non-interactive` and measures it; rejects on a non-zero exit. */
    pulumi(args: string[], env?: Record<string, string>): Promise<Measured>;
    /** Bytes of the stack's state file in the file backend. */
    stateFileBytes(): number;
    cleanup(): void;
}

/**
 * `programTs` defaults to the program of that kind in ./programs; `files` are written into the program's folder
 * (default: an empty sets.json). `name` tells apart two projects of one kind (default `bench-<kind>`).
 */
export async function createBenchProject(
    kind: ProgramKind,
    emulator: Emulator,
    programTs?: string,
    files: Record<string, string> = { "sets.json": "{}" },
    name = `bench-${kind}`,
): Promise<BenchProject> {
    const source = programTs ?? (kind === "floorsized" ? undefined : programs[kind]);
    if (source === undefined) throw new Error(`${kind}: pass the program's source`);
    // As users do it: the key through `pulumi config set --secret`. The floor gets it too, so both
    // stacks decrypt the same config on every run.
    const { project } = await EngineStack.start({
        name,
        program: source,
        files,
        shared: emulator,
        stack: "bench",
    });
    return {
        kind,
        project,
        declare: (spec) => project.writeFile("sets.json", JSON.stringify(spec, null, 2)),
        pulumi: (args, env) => measure([...args, "--non-interactive"], project.programDir, { ...project.env, ...env }),
        stateFileBytes() {
            const file = findStateFile(project.stateDir);
            return fs.statSync(file).size;
        },
        cleanup: () => project.cleanup(),
    };
}

/** A finished command, with its wall time and the CPU time of its whole process tree. */
export interface Measured {
    /** Wall time from spawn to exit. */
    readonly ms: number;
    /** User + system CPU time of pulumi and every process it waited for (language host, program, plugins). */
    readonly cpuMs: number;
    readonly result: RunResult;
}

const TIMEOUT_MS = 600_000;

/**
 * Runs pulumi as the harness does (same directory, same hermetic environment) but under `sh`, whose
 * `times` reports the CPU time of its children, descendants included, on file descriptor 3. CPU
 * time is far steadier than wall time on a busy machine, so it is reported beside it.
 */
function measure(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Measured> {
    const script = '"$@"; rc=$?; times >&3; exit $rc';
    const started = performance.now();
    return new Promise((resolve, reject) => {
        const child = spawn("/bin/sh", ["-c", script, "sh", path.join(engineBin(), "pulumi"), ...args], {
            cwd,
            env,
            stdio: ["ignore", "pipe", "pipe", "pipe"],
            detached: true, // a process group of its own, so a timeout ends everything it started
        });
        let stdout = "";
        let stderr = "";
        let times = "";
        child.stdout?.setEncoding("utf8").on("data", (c: string) => (stdout += c));
        child.stderr?.setEncoding("utf8").on("data", (c: string) => (stderr += c));
        (child.stdio[3] as NodeJS.ReadableStream).setEncoding("utf8").on("data", (c: string) => (times += c));
        const timer = setTimeout(() => {
            try {
                process.kill(-(child.pid as number), "SIGKILL");
            } catch {
                // already gone
            }
        }, TIMEOUT_MS);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            const ms = performance.now() - started;
            if (code !== 0) {
                return reject(
                    new Error(`pulumi ${args.join(" ")} exited with ${code ?? signal}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`),
                );
            }
            resolve({ ms, cpuMs: childCpuMs(times), result: { code, stdout, stderr } });
        });
    });
}

/** The second line of `times` ("0m3.120s 0m0.710s"): the children's user and system time. */
export function childCpuMs(times: string): number {
    const line = times.trim().split("\n")[1] ?? "";
    const parts = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000);
    if (parts.length !== 2) throw new Error(`cannot read CPU times from \`times\` output: ${JSON.stringify(times)}`);
    return (parts[0] as number) + (parts[1] as number);
}

/** The file backend keeps a stack's state in .pulumi/stacks/[<project>/]<stack>.json. */
function findStateFile(stateDir: string): string {
    const stacks = path.join(stateDir, ".pulumi", "stacks");
    const found: string[] = [];
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith(".json")) found.push(full);
        }
    };
    walk(stacks);
    if (found.length !== 1) throw new Error(`expected one stack state file under ${stacks}, found ${found.length}`);
    return found[0] as string;
}
