/**
 * `npm run bench`: request counts, wall times against the engine's floor, and state size, measured in
 * one run through the real Pulumi engine against the emulator (started here, in this process).
 * Prints the tables and writes them to bench/results/latest.{json,md}. See bench/README.md.
 *
 * Environment: BENCH_SIZES (default "10,50,100"), BENCH_RUNS (default 5), BENCH_OUT (default bench/results),
 * BENCH_PHASES (default all: "requests,builds,times,stacks,readiness,polling,agents,hashing"); the issue-20 phases
 * read their own (bench/README.md): BENCH_STACK_SIZES, BENCH_STACK_RUNS, BENCH_STACK_SCALE, BENCH_STACK_BUILDS, BENCH_STACK_PARALLEL,
 * BENCH_POLL_SETS, BENCH_POLL_AGENTS, BENCH_PACING_SETS, BENCH_AGENTS_SIZE, BENCH_HASH_MB, BENCH_HASH_RUNS. A run of some phases only writes latest-<phases>.{json,md},
 * so that it never replaces the results of a whole run.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { startEmulator } from "../emulator";
import { engineBin, repoRoot } from "../test/support/engine";
import { delaysUsed, measureAgents } from "./agents";
import { BUILD_DELAYS, measureBuildRequests } from "./builds";
import { log } from "./commands";
import { KEYS_PER_SET } from "./programs";
import { measureHashing } from "./hashing";
import { measurePolling } from "./polling";
import { READINESS_KINDS } from "./readiness";
import { type BenchResults, type Machine, type Phase, PHASES, renderMarkdown } from "./report";
import type { GoalResults, ReadinessRow } from "./report-goals";
import { measureRequests } from "./requests";
import { median, round } from "./stats";
import { measureStacks } from "./stacks";
import { growth, measureStateCost, measureTimes } from "./times";

const API_KEY = "bench-api-key-not-a-real-one";

function intList(raw: string | undefined, fallback: number[]): number[] {
    if (raw === undefined || raw.trim() === "") return fallback;
    const values = raw.split(",").map((s) => Number(s.trim()));
    if (values.some((v) => !Number.isInteger(v) || v <= 0)) throw new Error(`expected positive integers separated by commas, got "${raw}"`);
    return values;
}

function positive(name: string, fallback: number): number {
    const raw = process.env[name];
    if (raw === undefined || raw.trim() === "") return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: expected a positive number, got "${raw}"`);
    return value;
}

/** The phases of issue 20, each with its own emulator(s). */
async function measureGoals(phases: readonly Phase[]): Promise<GoalResults> {
    const scale = positive("BENCH_STACK_SCALE", 1);
    const results: { -readonly [K in keyof GoalResults]: GoalResults[K] } = {};
    if (phases.includes("polling")) {
        results.polling = await measurePolling(API_KEY, {
            sets: positive("BENCH_POLL_SETS", 100),
            agents: positive("BENCH_POLL_AGENTS", 50),
            pacing: positive("BENCH_PACING_SETS", 50),
        });
    }
    if (phases.includes("agents")) results.agents = await measureAgents(API_KEY, positive("BENCH_AGENTS_SIZE", 10), scale);
    if (phases.includes("stacks") || phases.includes("readiness")) {
        const runs = positive("BENCH_STACK_RUNS", 3);
        const loadBefore = os.loadavg()[0] ?? 0;
        const builds = process.env["BENCH_STACK_BUILDS"] !== "0";
        const { rows, overshoots } = await measureStacks(API_KEY, {
            sizes: intList(process.env["BENCH_STACK_SIZES"], [10, 50]),
            runs,
            scale,
            builds,
            parallel: process.env["BENCH_STACK_PARALLEL"] ?? "all",
        });
        if (phases.includes("stacks")) results.stacks = { delays: delaysUsed(scale), runs, rows };
        if (phases.includes("readiness")) {
            const readiness: ReadinessRow[] = READINESS_KINDS.map((kind) => {
                const times = overshoots.ms[kind];
                if (times.length === 0) return { kind, samples: 0, unseen: overshoots.unseen[kind] };
                const medianMs = median(times);
                const maxMs = Math.max(...times);
                return {
                    kind,
                    samples: times.length,
                    unseen: overshoots.unseen[kind],
                    medianMs,
                    maxMs,
                    met: medianMs <= 250 && maxMs <= 500,
                };
            });
            const from = `over ours' ${runs} runs of each stack size of the stacks phase${builds ? "" : ", without builds"}`;
            results.readiness = { rows: readiness, from, load: { before: round(loadBefore, 2), after: round(os.loadavg()[0] ?? 0, 2) } };
        }
    }
    if (phases.includes("hashing")) results.hashing = measureHashing(positive("BENCH_HASH_MB", 200), positive("BENCH_HASH_RUNS", 3));
    return results;
}

function machine(loadBefore: number): Machine {
    const cpus = os.cpus();
    return {
        nproc: os.availableParallelism(),
        loadAverage: { before: round(loadBefore, 2), after: round(os.loadavg()[0] ?? 0, 2) },
        cpu: cpus[0]?.model.trim() ?? "unknown",
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        os: `${os.type()} ${os.release()} ${os.arch()}`,
        node: process.versions.node,
        pulumi: execFileSync(path.join(engineBin(), "pulumi"), ["version"], {
            encoding: "utf8",
            env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
        }).trim(),
    };
}

function writeAtomically(file: string, text: string): void {
    fs.writeFileSync(`${file}.tmp`, text);
    fs.renameSync(`${file}.tmp`, file);
}

function phaseList(raw: string | undefined): Phase[] {
    if (raw === undefined || raw.trim() === "") return [...PHASES];
    const named = raw.split(",").map((s) => s.trim());
    const unknown = named.filter((p) => !(PHASES as readonly string[]).includes(p));
    if (unknown.length > 0 || named.length === 0) throw new Error(`BENCH_PHASES: expected some of ${PHASES.join(", ")}, got "${raw}"`);
    return PHASES.filter((p) => named.includes(p));
}

async function main(): Promise<void> {
    const phases = phaseList(process.env["BENCH_PHASES"]);
    const sizes = intList(process.env["BENCH_SIZES"], [10, 50, 100]);
    const runs = intList(process.env["BENCH_RUNS"], [5])[0] as number;
    const outDir = path.resolve(repoRoot, process.env["BENCH_OUT"] ?? path.join("bench", "results"));
    const started = performance.now();
    const loadBefore = os.loadavg()[0] ?? 0;
    const emulator = await startEmulator({ apiKey: API_KEY });
    try {
        const before = machine(loadBefore);
        log(
            `${before.nproc} × ${before.cpu}, Pulumi ${before.pulumi}, load ${loadBefore.toFixed(2)}; phases ${phases.join(", ")}; ` +
                `sizes ${sizes.join(", ")}, ${runs} runs each`,
        );
        const requestSets = Math.max(...sizes);
        const requests = phases.includes("requests") ? await measureRequests(emulator, requestSets) : undefined;
        const builds = phases.includes("builds") ? { delays: BUILD_DELAYS, rows: await measureBuildRequests(API_KEY, log) } : undefined;
        let timed: Pick<BenchResults, "timings" | "growth" | "sizes" | "stateCost"> = {};
        if (phases.includes("times")) {
            const { timings, sizes: sizeRow } = await measureTimes(emulator, sizes, runs);
            const stateCost = await measureStateCost(emulator, sizeRow, runs);
            timed = { timings, growth: growth(timings), sizes: sizeRow, stateCost };
        }
        const goals = await measureGoals(phases);
        const results: BenchResults = {
            generatedAt: new Date().toISOString(),
            machine: machine(loadBefore),
            settings: { phases, sizes, runs, keysPerSet: KEYS_PER_SET, requestSets },
            ...(requests ? { requests } : {}),
            ...(builds ? { builds } : {}),
            ...timed,
            ...goals,
            benchSeconds: round((performance.now() - started) / 1000),
        };
        const markdown = renderMarkdown(results);
        const base = phases.length === PHASES.length ? "latest" : `latest-${phases.join("+")}`;
        fs.mkdirSync(outDir, { recursive: true });
        writeAtomically(path.join(outDir, `${base}.json`), JSON.stringify(results, null, 2) + "\n");
        writeAtomically(path.join(outDir, `${base}.md`), markdown);
        process.stdout.write(markdown);
        log(`wrote ${path.relative(process.cwd(), path.join(outDir, `${base}.json`))} and ${base}.md`);
    } finally {
        await emulator.close();
    }
}

main().catch((e: unknown) => {
    process.stderr.write(`bench: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
});
