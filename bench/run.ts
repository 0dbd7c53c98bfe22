/**
 * `npm run bench`: request counts, wall times against the engine's floor, and state size, measured in
 * one run through the real Pulumi engine against the emulator (started here, in this process).
 * Prints the tables and writes them to bench/results/latest.{json,md}. See bench/README.md.
 *
 * Environment: BENCH_SIZES (default "10,50,100"), BENCH_RUNS (default 5), BENCH_OUT (default bench/results),
 * BENCH_PHASES (default "requests,builds,times": all). A run of some phases only writes latest-<phases>.{json,md},
 * so that it never replaces the results of a whole run.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { startEmulator } from "../emulator";
import { engineBin, repoRoot } from "../test/support/engine";
import { BUILD_DELAYS, measureBuildRequests } from "./builds";
import { log } from "./commands";
import { KEYS_PER_SET } from "./programs";
import { type BenchResults, type Machine, type Phase, PHASES, renderMarkdown } from "./report";
import { measureRequests } from "./requests";
import { round } from "./stats";
import { growth, measureStateCost, measureTimes } from "./times";

const API_KEY = "bench-api-key-not-a-real-one";

function intList(raw: string | undefined, fallback: number[]): number[] {
    if (raw === undefined || raw.trim() === "") return fallback;
    const values = raw.split(",").map((s) => Number(s.trim()));
    if (values.some((v) => !Number.isInteger(v) || v <= 0)) throw new Error(`expected positive integers separated by commas, got "${raw}"`);
    return values;
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
        const results: BenchResults = {
            generatedAt: new Date().toISOString(),
            machine: machine(loadBefore),
            settings: { phases, sizes, runs, keysPerSet: KEYS_PER_SET, requestSets },
            ...(requests ? { requests } : {}),
            ...(builds ? { builds } : {}),
            ...timed,
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
