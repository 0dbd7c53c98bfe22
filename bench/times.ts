/** The `times` phase: wall and CPU times of ours against the floor, state sizes, and what the state's size costs. */
import type { Emulator } from "../emulator";
import type { ExportedResource } from "../test/support/engine";
import { COMMANDS, DESTROY, log } from "./commands";
import { createBenchProject, type BenchProject } from "./project";
import { floorWithLargerProvider, makeSets, type ProgramKind } from "./programs";
import type { GrowthRow, SizeRow, StateCostRow, TimedOperation, TimingRow } from "./report";
import { median, round, type Summary, summarize } from "./stats";

/** Targets from the issue: ours / floor. */
const TARGETS: Partial<Record<TimedOperation, number>> = { "preview (create)": 1.05, "preview (no changes)": 1.05, "up (create)": 1.1 };
const PROVIDER_TARGET_BYTES = 2048;

/** The two programs of the main comparison. */
type Compared = "ours" | "floor";
type Runs = Record<TimedOperation, Record<Compared, { wall: number[]; cpu: number[] }>>;

/** Phase 2 and 3: wall times of ours and the floor, side by side; state size at the largest N. */
export async function measureTimes(emulator: Emulator, sizes: number[], runs: number): Promise<{ timings: TimingRow[]; sizes: SizeRow }> {
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
export async function measureStateCost(emulator: Emulator, sizes: SizeRow, runs: number): Promise<StateCostRow> {
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
export function growth(timings: TimingRow[]): GrowthRow[] {
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
