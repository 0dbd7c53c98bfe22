/**
 * The `stacks` phase (goal 1 of issue 20): time to ready of a whole stack of N sets + N agents (+ N builds), ours
 * against the limit: the floor's own `up` of the same shape plus the longest chain of waits the emulator was given.
 * Interleaved runs, alternating order; each run builds new contexts and writes new values (no cache hit). Each of
 * ours' runs also yields the overshoots of the `readiness` phase (goal 2), read before its stack is destroyed.
 * Environment: BENCH_STACK_SIZES (10,50), BENCH_STACK_RUNS (3), BENCH_STACK_SCALE (1), BENCH_STACK_BUILDS (1; 0: no builds),
 * BENCH_STACK_PARALLEL ("all": `--parallel` as large as the stack, so that every wait can run at once, as the limit
 * assumes; "default": the engine's own, 4 × CPUs, 8 on 2 cores, which runs the waits of a larger stack in slots; or a number).
 */
import * as os from "node:os";
import { COMMANDS, DESTROY, log } from "./commands";
import { stackDelays } from "./delays";
import { type BenchProject, createBenchProject } from "./project";
import { collectOvershoots, emptyOvershoots, type Overshoots } from "./readiness";
import type { StackRow } from "./report-goals";
import { round, type Summary, summarize } from "./stats";
import { longestChainMs, stackEmulator, stackFiles } from "./stack";

const UP = COMMANDS["up (create)"];

export interface StackSettings {
    readonly sizes: readonly number[];
    readonly runs: number;
    readonly scale: number;
    readonly builds: boolean;
    /** "all", "default" or a number: see the file's comment. */
    readonly parallel: string;
}

/** The `--parallel` arguments for a stack of `resources` operations. */
function parallelArgs(parallel: string, resources: number): string[] {
    if (parallel === "default") return [];
    const p = parallel === "all" ? resources : Number(parallel);
    if (!Number.isInteger(p) || p < 1)
        throw new Error(`BENCH_STACK_PARALLEL: expected "all", "default" or a positive integer, got "${parallel}"`);
    return ["--parallel", String(p)];
}

/** Target of the issue: ≤ limit + 0.5 s at N = 10 (and below), ≤ 1.05 × limit above. */
function target(n: number, limitMs: number): { text: string; allowedMs: number } {
    return n <= 10 ? { text: "≤ limit + 500 ms", allowedMs: limitMs + 500 } : { text: "≤ 1.05 × limit", allowedMs: 1.05 * limitMs };
}

export async function measureStacks(apiKey: string, settings: StackSettings): Promise<{ rows: StackRow[]; overshoots: Overshoots }> {
    const delays = stackDelays(settings.scale);
    const emulator = await stackEmulator(apiKey, delays);
    const overshoots = emptyOvershoots();
    const rows: StackRow[] = [];
    try {
        for (const n of settings.sizes) {
            const loadBefore = os.loadavg()[0] ?? 0;
            const parallel = parallelArgs(settings.parallel, (settings.builds ? 3 : 2) * n);
            const up = [...UP, ...parallel];
            const destroy = [...DESTROY, ...parallel];
            const initial = stackFiles(n, delays, settings.builds, "warm");
            const projects = {
                ours: await createBenchProject("stack", emulator, undefined, initial.files, `bench-stack-${n}`),
                floor: await createBenchProject("stackfloor", emulator, undefined, initial.files, `bench-stackfloor-${n}`),
            };
            const wall = { ours: [] as number[], floor: [] as number[] };
            const cpu = { ours: [] as number[], floor: [] as number[] };
            try {
                // Warm-up (untimed): plugin discovery, file caches, first compile of each program.
                for (const p of Object.values(projects)) {
                    await p.pulumi(up);
                    await p.pulumi(destroy);
                }
                for (let r = 0; r < settings.runs; r++) {
                    const order = r % 2 === 0 ? (["ours", "floor"] as const) : (["floor", "ours"] as const);
                    for (const kind of order) {
                        write(projects[kind], stackFiles(n, delays, settings.builds, `run${r}`).files);
                        emulator.clearRequests();
                        const from = Date.now();
                        const { ms, cpuMs, result } = await projects[kind].pulumi(up);
                        const created = (settings.builds ? 3 : 2) * n + 1;
                        if (!new RegExp(`\\+ ${created} created`).test(result.stdout)) {
                            throw new Error(`${kind} stack up (N=${n}) did not create ${created} resources:\n${result.stdout}`);
                        }
                        if (kind === "ours") collectOvershoots(emulator, from, Date.now(), overshoots);
                        wall[kind].push(ms);
                        cpu[kind].push(cpuMs);
                        log(
                            `stacks N=${n} run ${r + 1}/${settings.runs} ${kind.padEnd(5)}: ${Math.round(ms)} ms, CPU ${Math.round(cpuMs)} ms`,
                        );
                    }
                    for (const kind of order) await projects[kind].pulumi(destroy);
                }
            } finally {
                for (const p of Object.values(projects)) p.cleanup();
            }
            const floor = summarize(wall.floor);
            const ours = summarize(wall.ours);
            const chainMs = longestChainMs(n, delays, settings.builds);
            const limitMs = floor.median + chainMs;
            const t = target(n, limitMs);
            rows.push({
                n,
                builds: settings.builds,
                parallel: parallel[1] ?? "engine default",
                floor: rounded(floor),
                floorCpu: rounded(summarize(cpu.floor)),
                chainMs,
                limitMs: round(limitMs),
                ours: rounded(ours),
                oursCpu: rounded(summarize(cpu.ours)),
                ratio: round(ours.median / limitMs, 3),
                target: t.text,
                met: ours.median <= t.allowedMs,
                load: { before: round(loadBefore, 2), after: round(os.loadavg()[0] ?? 0, 2) },
            });
        }
    } finally {
        await emulator.close();
    }
    return { rows, overshoots };
}

function write(p: BenchProject, files: Record<string, string>): void {
    for (const [file, text] of Object.entries(files)) p.project.writeFile(file, text);
}

const rounded = (s: Summary): Summary => ({
    median: round(s.median),
    min: round(s.min),
    max: round(s.max),
    runs: s.runs.map((x) => round(x)),
});
