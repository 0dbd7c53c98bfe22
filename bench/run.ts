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
import { type Emulator, startEmulator } from "../emulator";
import { engineBin, type ExportedResource, repoRoot } from "../test/support/engine";
import { BUILD_DELAYS, measureBuildRequests } from "./builds";
import { createBenchProject, type BenchProject } from "./project";
import { floorWithLargerProvider, KEYS_PER_SET, makeSets, type ProgramKind, type SetsSpec } from "./programs";
import {
    type BenchResults,
    type GrowthRow,
    type Machine,
    type Phase,
    PHASES,
    type RequestRow,
    renderMarkdown,
    type SizeRow,
    type StateCostRow,
    type TimedOperation,
    type TimingRow,
} from "./report";
import { byRoute } from "./routes";
import { median, round, type Summary, summarize } from "./stats";

const API_KEY = "bench-api-key-not-a-real-one";
/** Targets from the issue: ours / floor. */
const TARGETS: Partial<Record<TimedOperation, number>> = { "preview (create)": 1.05, "preview (no changes)": 1.05, "up (create)": 1.1 };
const PROVIDER_TARGET_BYTES = 2048;

const COMMANDS: Record<TimedOperation, string[]> = {
    "preview (create)": ["preview"],
    "up (create)": ["up", "--yes", "--skip-preview"],
    "preview (no changes)": ["preview"],
    "up (no changes)": ["up", "--yes", "--skip-preview"],
};
const DESTROY = ["destroy", "--yes", "--skip-preview"];

function log(message: string): void {
    process.stderr.write(`bench: ${message}\n`);
}

function intList(raw: string | undefined, fallback: number[]): number[] {
    if (raw === undefined || raw.trim() === "") return fallback;
    const values = raw.split(",").map((s) => Number(s.trim()));
    if (values.some((v) => !Number.isInteger(v) || v <= 0)) throw new Error(`expected positive integers separated by commas, got "${raw}"`);
    return values;
}

/** Phase 1: what each operation sends, on one stack of `n` sets. */
async function measureRequests(emulator: Emulator, n: number): Promise<RequestRow[]> {
    const rows: RequestRow[] = [];
    const bench = await createBenchProject("ours", emulator);
    try {
        const record = async (
            operation: string,
            sets: number,
            args: string[],
            target?: { text: string; met: (r: Record<string, number>, total: number) => boolean },
        ) => {
            emulator.clearRequests();
            await bench.pulumi(args);
            const routes = byRoute(emulator);
            const total = emulator.requests.length;
            rows.push({
                operation,
                sets,
                requests: total,
                byRoute: routes,
                ...(target ? { target: target.text, met: target.met(routes, total) } : {}),
            });
            log(`requests: ${operation}: ${total}`);
        };
        const none = { text: "0", met: (_: Record<string, number>, total: number) => total === 0 };
        const sets = makeSets(n);
        bench.declare(sets);
        await record(`preview of ${n} new sets`, n, ["preview"], none);
        await record(`up: create ${n} sets`, n, COMMANDS["up (create)"], { text: "≤ 3 per set", met: (_, total) => total <= 3 * n });
        await record(`preview of ${n} unchanged sets`, n, ["preview"], none);
        await record(`up: no-op, ${n} sets`, n, COMMANDS["up (no changes)"], none);
        await record(`refresh of ${n} sets`, n, ["refresh", "--yes", "--skip-preview"]);

        // One more set of 50 keys, then one value of it changes.
        const big = makeSets(1, 50, "big");
        const bigSet = Object.values(big)[0] as SetsSpec[string];
        const withBig = (value: string): SetsSpec => ({
            ...sets,
            big: { name: "bench-big-set", secrets: { ...bigSet.secrets, KEY_17: value } },
        });
        bench.declare(withBig("bench-big-value-before"));
        await bench.pulumi(COMMANDS["up (create)"]);
        bench.declare(withBig("bench-big-value-after"));
        const oneWrite = {
            text: "1 write + readiness check",
            met: (r: Record<string, number>, total: number) =>
                r["PUT /secrets/:name"] === 1 && r["GET /secrets/:name"] === 1 && total === 2,
        };
        await record("preview of a 1-key update in a 50-key set", 1, ["preview"], none);
        await record("up: update 1 key of a 50-key set", 1, COMMANDS["up (no changes)"], oneWrite);
        await record(`destroy ${n + 1} sets`, n + 1, DESTROY);
    } finally {
        bench.cleanup();
    }
    return rows;
}

/** The two programs of the main comparison. */
type Compared = "ours" | "floor";
type Runs = Record<TimedOperation, Record<Compared, { wall: number[]; cpu: number[] }>>;

/** Phase 2 and 3: wall times of ours and the floor, side by side; state size at the largest N. */
async function measureTimes(emulator: Emulator, sizes: number[], runs: number): Promise<{ timings: TimingRow[]; sizes: SizeRow }> {
    const timings: TimingRow[] = [];
    let sizeRow: SizeRow | undefined;
    const largest = Math.max(...sizes);
    for (const n of sizes) {
        const projects: Record<Compared, BenchProject> = {
            ours: await createBenchProject("ours", emulator),
            floor: await createBenchProject("floor", emulator),
        };
        try {
            for (const p of Object.values(projects)) p.declare(makeSets(n));
            const times = Object.fromEntries(
                Object.keys(COMMANDS).map((op) => [op, { ours: { wall: [], cpu: [] }, floor: { wall: [], cpu: [] } }]),
            ) as unknown as Runs;
            const requests = Object.fromEntries(Object.keys(COMMANDS).map((op) => [op, [] as number[]])) as Record<
                TimedOperation,
                number[]
            >;
            const emulatorCpu = Object.fromEntries(Object.keys(COMMANDS).map((op) => [op, [] as number[]])) as Record<
                TimedOperation,
                number[]
            >;

            // Warm-up (untimed): plugin discovery, file caches, first compile of each program.
            for (const p of Object.values(projects)) {
                await p.pulumi(COMMANDS["up (create)"]);
                await p.pulumi(DESTROY);
            }
            for (let round = 0; round < runs; round++) {
                // Interleaved, and in alternating order, so drift and warm-up effects fall on both alike.
                const order: Compared[] = round % 2 === 0 ? ["ours", "floor"] : ["floor", "ours"];
                for (const op of Object.keys(COMMANDS) as TimedOperation[]) {
                    for (const kind of order) {
                        emulator.clearRequests();
                        const ownCpu = process.cpuUsage();
                        const { ms, cpuMs, result } = await projects[kind].pulumi(COMMANDS[op]);
                        const own = process.cpuUsage(ownCpu);
                        checkOutcome(op, kind, n, result.stdout, emulator);
                        times[op][kind].wall.push(ms);
                        times[op][kind].cpu.push(cpuMs);
                        if (kind === "ours") {
                            requests[op].push(emulator.requests.length);
                            emulatorCpu[op].push((own.user + own.system) / 1000);
                        }
                        log(`N=${n} run ${round + 1}/${runs} ${kind.padEnd(5)} ${op}: ${Math.round(ms)} ms, CPU ${Math.round(cpuMs)} ms`);
                    }
                }
                if (n === largest && round === runs - 1) sizeRow = await measureSizes(projects, n);
                for (const kind of order) await projects[kind].pulumi(DESTROY);
            }
            for (const op of Object.keys(COMMANDS) as TimedOperation[]) {
                const ours = summarize(times[op].ours.wall);
                const floor = summarize(times[op].floor.wall);
                const ratio = ours.median / floor.median;
                const paired = median(times[op].ours.wall.map((t, i) => t / (times[op].floor.wall[i] as number)));
                const oursCpu = summarize(times[op].ours.cpu);
                const floorCpu = summarize(times[op].floor.cpu);
                const target = TARGETS[op];
                timings.push({
                    operation: op,
                    n,
                    ours: rounded(ours),
                    floor: rounded(floor),
                    ratio: round(ratio, 3),
                    pairedRatio: round(paired, 3),
                    ...(target !== undefined ? { target, met: ratio <= target } : {}),
                    oursRequests: requests[op],
                    oursCpu: rounded(oursCpu),
                    floorCpu: rounded(floorCpu),
                    cpuRatio: round(oursCpu.median / floorCpu.median, 3),
                    emulatorCpuMs: round(median(emulatorCpu[op])),
                });
            }
        } finally {
            for (const p of Object.values(projects)) p.cleanup();
        }
    }
    if (sizeRow === undefined) throw new Error("no state size was measured");
    timings.sort((a, b) => Object.keys(COMMANDS).indexOf(a.operation) - Object.keys(COMMANDS).indexOf(b.operation) || a.n - b.n);
    return { timings, sizes: sizeRow };
}

const rounded = (s: Summary): Summary => ({
    median: round(s.median),
    min: round(s.min),
    max: round(s.max),
    runs: s.runs.map((x) => round(x)),
});

/** A timed run must have done what it is labelled as, or its time means nothing. */
function checkOutcome(op: TimedOperation, kind: ProgramKind, n: number, stdout: string, emulator: Emulator): void {
    const expect = (pattern: RegExp): void => {
        if (!pattern.test(stdout)) throw new Error(`${kind} ${op} (N=${n}): output does not match ${pattern}:\n${stdout}`);
    };
    if (op === "preview (create)") expect(new RegExp(`\\+ ${n + 1} to create`));
    if (op === "up (create)") expect(new RegExp(`\\+ ${n + 1} created`));
    if (op === "preview (no changes)" || op === "up (no changes)") expect(new RegExp(`${n + 1} unchanged`));
    if (kind === "ours" && op === "up (create)" && Object.keys(emulator.snapshot()).length !== n) {
        throw new Error(`ours up (create) (N=${n}): the emulator holds ${Object.keys(emulator.snapshot()).length} sets`);
    }
}

/** The serialized provider of one dynamic resource in `bench`'s state, and the state file's size. */
async function stateOf(bench: BenchProject, n: number): Promise<{ providerBytes: number; copies: number; stateBytes: number }> {
    const exported = await bench.project.exportStack();
    const resources = (exported.deployment.resources ?? []).filter((r: ExportedResource) => r.type.startsWith("pulumi-nodejs:dynamic/"));
    if (resources.length !== n) throw new Error(`${bench.kind}: expected ${n} dynamic resources in state, found ${resources.length}`);
    const first = resources[0] as ExportedResource;
    const text = first.inputs?.["__provider"];
    if (typeof text !== "string") throw new Error(`${bench.kind}: no serialized provider in the inputs of ${first.urn}`);
    return {
        providerBytes: Buffer.byteLength(text, "utf8"),
        copies: [first.inputs, first.outputs].filter((props) => props?.["__provider"] === text).length,
        stateBytes: bench.stateFileBytes(),
    };
}

async function measureSizes(projects: Record<Compared, BenchProject>, n: number): Promise<SizeRow> {
    const ours = await stateOf(projects.ours, n);
    const floor = await stateOf(projects.floor, n);
    return {
        n,
        providerBytes: { ours: ours.providerBytes, floor: floor.providerBytes },
        providerTarget: PROVIDER_TARGET_BYTES,
        providerMet: ours.providerBytes <= PROVIDER_TARGET_BYTES,
        providerCopiesPerResource: { ours: ours.copies, floor: floor.copies },
        stateFileBytes: { ours: ours.stateBytes, floor: floor.stateBytes },
    };
}

/**
 * Phase 4: what the size of the state alone costs `up`. The file backend rewrites the whole state file
 * after every step, so a larger state per resource costs time that grows with N², whoever's provider it
 * is. The floor is timed against itself with a serialized provider as large as ours.
 */
async function measureStateCost(emulator: Emulator, sizes: SizeRow, runs: number): Promise<StateCostRow> {
    const { n } = sizes;
    const projects = {
        floor: await createBenchProject("floor", emulator),
        floorsized: await createBenchProject(
            "floorsized",
            emulator,
            floorWithLargerProvider(sizes.providerBytes.ours - sizes.providerBytes.floor),
        ),
    };
    const wall: Record<keyof typeof projects, number[]> = { floor: [], floorsized: [] };
    let sized: Awaited<ReturnType<typeof stateOf>> | undefined;
    try {
        for (const p of Object.values(projects)) {
            p.declare(makeSets(n));
            await p.pulumi(COMMANDS["up (create)"]);
            await p.pulumi(DESTROY);
        }
        for (let round = 0; round < runs; round++) {
            const order = round % 2 === 0 ? (["floor", "floorsized"] as const) : (["floorsized", "floor"] as const);
            for (const kind of order) {
                const { ms, result } = await projects[kind].pulumi(COMMANDS["up (create)"]);
                if (!new RegExp(`\\+ ${n + 1} created`).test(result.stdout))
                    throw new Error(`${kind} up (N=${n}) did not create ${n + 1} resources`);
                wall[kind].push(ms);
                log(`state cost N=${n} run ${round + 1}/${runs} ${kind}: ${Math.round(ms)} ms`);
            }
            if (round === runs - 1) sized = await stateOf(projects.floorsized, n);
            for (const kind of order) await projects[kind].pulumi(DESTROY);
        }
    } finally {
        for (const p of Object.values(projects)) p.cleanup();
    }
    if (sized === undefined) throw new Error("no state was measured");
    const floor = summarize(wall.floor);
    const floorSized = summarize(wall.floorsized);
    return {
        n,
        providerBytes: sized.providerBytes,
        stateFileBytes: sized.stateBytes,
        floor: rounded(floor),
        floorSized: rounded(floorSized),
        ratio: round(floorSized.median / floor.median, 3),
    };
}

/** Least-squares line through (n, median) per kind. */
function growth(timings: TimingRow[]): GrowthRow[] {
    const fit = (points: [number, number][]): { fixedMs: number; msPerResource: number } => {
        const mx = points.reduce((s, [x]) => s + x, 0) / points.length;
        const my = points.reduce((s, [, y]) => s + y, 0) / points.length;
        const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
        const slope = sxx === 0 ? 0 : points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
        return { fixedMs: round(my - slope * mx), msPerResource: round(slope, 2) };
    };
    return (Object.keys(COMMANDS) as TimedOperation[]).map((operation) => {
        const rows = timings.filter((t) => t.operation === operation);
        return {
            operation,
            ours: fit(rows.map((t) => [t.n, t.ours.median])),
            floor: fit(rows.map((t) => [t.n, t.floor.median])),
        };
    });
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
