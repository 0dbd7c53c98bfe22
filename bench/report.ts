/**
 * The benchmark's results: their shape (written as bench/results/latest.json) and their rendering as
 * markdown tables (printed, and written as bench/results/latest.md).
 */
import { type GoalResults, renderGoals } from "./report-goals";
import type { Summary } from "./stats";

/** One operation's requests, from the emulator's log. */
export interface RequestRow extends CountedRow {
    /** Sets the operation acts on. */
    readonly sets: number;
}

/** One operation of the build program (bench/builds.ts), with the requests it sent. */
/** One command of a request table: what it sent, and its target. */
export interface CountedRow {
    readonly operation: string;
    readonly requests: number;
    /** Requests by route ("GET /secrets/:name": 100, ...). */
    readonly byRoute: Readonly<Record<string, number>>;
    /** What the target says, e.g. "0" or "<= 3 per set"; absent when there is none. */
    readonly target?: string;
    /** Whether the requests meet it; absent when it cannot be judged. */
    readonly met?: boolean;
}

export type BuildRequestRow = CountedRow;

/** How long the emulator of the build rows takes to build and to deploy: real time, compressed. */
export interface BuildDelays {
    readonly buildQueueMs: number;
    readonly buildDurationMs: number;
    readonly deployPhaseMs: { readonly creating: number; readonly validating: number };
}

export type TimedOperation = "preview (create)" | "up (create)" | "preview (no changes)" | "up (no changes)";

export interface TimingRow {
    readonly operation: TimedOperation;
    /** Resources declared (sets for ours, do-nothing resources for the floor). */
    readonly n: number;
    /** Wall time in ms, spawn of `pulumi` to its exit. */
    readonly ours: Summary;
    readonly floor: Summary;
    /** ours.median / floor.median. */
    readonly ratio: number;
    /** Median of the ratios of runs taken side by side (same round). */
    readonly pairedRatio: number;
    readonly target?: number;
    readonly met?: boolean;
    /** Requests ours sent per run (they must not vary). */
    readonly oursRequests: readonly number[];
    /** CPU time (user + system) of the pulumi process tree: engine, language host, program, provider. */
    readonly oursCpu: Summary;
    readonly floorCpu: Summary;
    /** oursCpu.median / floorCpu.median. */
    readonly cpuRatio: number;
    /** CPU time of this benchmark's own process during ours' runs: the emulator answering (median). */
    readonly emulatorCpuMs: number;
}

/** Least-squares line through the medians: time = fixedMs + msPerResource * n. */
export interface GrowthRow {
    readonly operation: TimedOperation;
    readonly ours: { readonly fixedMs: number; readonly msPerResource: number };
    readonly floor: { readonly fixedMs: number; readonly msPerResource: number };
}

export interface SizeRow {
    readonly n: number;
    /** Length of the `__provider` input of one resource. */
    readonly providerBytes: { readonly ours: number; readonly floor: number };
    readonly providerTarget: number;
    readonly providerMet: boolean;
    /** How many times the serialized provider is stored per resource (inputs, outputs). */
    readonly providerCopiesPerResource: { readonly ours: number; readonly floor: number };
    /** The stack's state file in the file backend. */
    readonly stateFileBytes: { readonly ours: number; readonly floor: number };
}

/** up (create) of the floor against the floor with a serialized provider as large as ours (phase 4). */
export interface StateCostRow {
    readonly n: number;
    /** The padded floor's serialized provider and state file, to compare with ours in SizeRow. */
    readonly providerBytes: number;
    readonly stateFileBytes: number;
    readonly floor: Summary;
    readonly floorSized: Summary;
    /** floorSized.median / floor.median. */
    readonly ratio: number;
}

export interface Machine {
    readonly nproc: number;
    /** 1-minute load average before and after the benchmark: other work on the machine skews wall times. */
    readonly loadAverage: { readonly before: number; readonly after: number };
    readonly cpu: string;
    readonly memoryGiB: number;
    readonly os: string;
    readonly node: string;
    readonly pulumi: string;
}

export interface BenchResults extends GoalResults {
    readonly generatedAt: string;
    readonly machine: Machine;
    readonly settings: {
        /** The phases this run measured (BENCH_PHASES): a section of a phase not run is absent. */
        readonly phases: readonly Phase[];
        readonly sizes: readonly number[];
        readonly runs: number;
        readonly keysPerSet: number;
        readonly requestSets: number;
    };
    readonly requests?: readonly RequestRow[];
    readonly builds?: { readonly delays: BuildDelays; readonly rows: readonly BuildRequestRow[] };
    readonly timings?: readonly TimingRow[];
    readonly growth?: readonly GrowthRow[];
    readonly sizes?: SizeRow;
    readonly stateCost?: StateCostRow;
    readonly benchSeconds: number;
}

/**
 * The benchmark's phases: the sets' requests, the build program's requests, times with state sizes, and those of
 * issue 20 (bench/report-goals.ts): a whole stack's time to ready, readiness overshoot, polling, agents' requests,
 * hashing.
 */
export const PHASES = ["requests", "builds", "times", "stacks", "readiness", "polling", "agents", "hashing"] as const;
export type Phase = (typeof PHASES)[number];

const yes = (met: boolean | undefined): string => (met === undefined ? "" : met ? "yes" : "**no**");
const ms = (s: Summary): string => `${Math.round(s.median)} (${Math.round(s.min)}–${Math.round(s.max)})`;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const routes = (byRoute: Readonly<Record<string, number>>): string =>
    Object.entries(byRoute)
        .map(([route, n]) => `${route} ×${n}`)
        .join(", ") || "none";

export function renderMarkdown(r: BenchResults): string {
    const out: string[] = [];
    const line = (s = ""): void => {
        out.push(s);
    };
    line("# Benchmark results");
    line();
    line(
        `${r.generatedAt}, ${r.machine.nproc} × ${r.machine.cpu}, ${r.machine.memoryGiB} GiB, ${r.machine.os}, ` +
            `Node ${r.machine.node}, Pulumi ${r.machine.pulumi}. The whole benchmark took ${Math.round(r.benchSeconds)} s; ` +
            `load average ${r.machine.loadAverage.before.toFixed(2)} before, ${r.machine.loadAverage.after.toFixed(2)} after.`,
    );
    line();
    if (r.requests !== undefined) {
        line(
            `## Requests to the API (${r.settings.requestSets} sets of ${r.settings.keysPerSet} keys; the emulator reports sets ready at once)`,
        );
        line();
        line("| operation | requests | per set | by route | target | met |");
        line("| --- | ---: | ---: | --- | --- | --- |");
        for (const row of r.requests) {
            line(
                `| ${row.operation} | ${row.requests} | ${+(row.requests / row.sets).toFixed(2)} | ${routes(row.byRoute)} | ${row.target ?? ""} | ${yes(row.met)} |`,
            );
        }
        line();
    }
    if (r.builds !== undefined) {
        const d = r.builds.delays;
        const sec = (ms: number): string => `${+(ms / 1000).toFixed(1)} s`;
        line("## Requests of a Build, and of an Agent deployed from one");
        line();
        line(
            `One small bot directory (a Dockerfile and two files), region declared. The emulator queues a build for ${sec(d.buildQueueMs)} ` +
                `and builds it in ${sec(d.buildDurationMs)}, and deploys an agent in ${sec(d.deployPhaseMs.creating + d.deployPhaseMs.validating)} ` +
                "(real builds and deploys take minutes: these are compressed), so the waits' polls are counted at that pace.",
        );
        line();
        line("| operation | requests | by route | target | met |");
        line("| --- | ---: | --- | --- | --- |");
        for (const row of r.builds.rows) {
            line(`| ${row.operation} | ${row.requests} | ${routes(row.byRoute)} | ${row.target ?? ""} | ${yes(row.met)} |`);
        }
        line();
        line("`GET /regions` is check's read of the organisation's regions, once per run, for a declared region that the old inputs");
        line("do not hold: a new resource's, and a replaced one's too, as the engine checks a replacement again without its old");
        line("inputs. `GET /properties` is create's read of the default region when none is declared. `GET /builds/:id` are the");
        line("build's polls (after 0, 2, 6, 11 s, then every 5 s); `GET /agents/:name`, the deployment's.");
        line();
    }
    if (r.timings !== undefined && r.growth !== undefined && r.sizes !== undefined && r.stateCost !== undefined) {
        line(`## Wall time: ours against the engine's floor (median of ${r.settings.runs} runs, ms, min–max in brackets)`);
        line();
        line("The floor is the same program shape with a do-nothing dynamic resource (inline provider, create returns at once).");
        line("ratio = median ours / median floor; paired = median of the ratios of runs taken side by side.");
        line();
        line("| operation | N | ours | floor | ratio | paired | target | met | ours' requests |");
        line("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |");
        for (const t of r.timings) {
            const requests = [...new Set(t.oursRequests)].join(", ");
            line(
                `| ${t.operation} | ${t.n} | ${ms(t.ours)} | ${ms(t.floor)} | ${t.ratio.toFixed(3)} | ${t.pairedRatio.toFixed(3)} | ` +
                    `${t.target === undefined ? "" : `≤ ${t.target.toFixed(2)}`} | ${yes(t.met)} | ${requests} |`,
            );
        }
        line();
        line("## CPU time of the whole `pulumi` process tree (median, ms): steadier than wall time on a shared machine");
        line();
        line("The emulator runs in the benchmark's own process; its CPU time during ours' runs is shown apart (not in ours).");
        line();
        line("| operation | N | ours | floor | ratio | emulator |");
        line("| --- | ---: | ---: | ---: | ---: | ---: |");
        for (const t of r.timings) {
            line(
                `| ${t.operation} | ${t.n} | ${ms(t.oursCpu)} | ${ms(t.floorCpu)} | ${t.cpuRatio.toFixed(3)} | ${Math.round(t.emulatorCpuMs)} |`,
            );
        }
        line();
        line("## Growth with N (least squares through the medians: time = fixed + per resource × N)");
        line();
        line("| operation | ours fixed | ours per resource | floor fixed | floor per resource |");
        line("| --- | ---: | ---: | ---: | ---: |");
        for (const g of r.growth) {
            line(
                `| ${g.operation} | ${Math.round(g.ours.fixedMs)} ms | ${g.ours.msPerResource.toFixed(1)} ms | ` +
                    `${Math.round(g.floor.fixedMs)} ms | ${g.floor.msPerResource.toFixed(1)} ms |`,
            );
        }
        line();
        const s = r.sizes;
        line(`## State size (N = ${s.n})`);
        line();
        line("| what | ours | floor | target | met |");
        line("| --- | ---: | ---: | --- | --- |");
        line(
            `| serialized provider (\`__provider\`), per resource | ${s.providerBytes.ours} B | ${s.providerBytes.floor} B | ≤ ${s.providerTarget} B | ${yes(s.providerMet)} |`,
        );
        line(`| copies of it stored per resource | ${s.providerCopiesPerResource.ours} | ${s.providerCopiesPerResource.floor} | | |`);
        line(`| state file | ${kb(s.stateFileBytes.ours)} | ${kb(s.stateFileBytes.floor)} | | |`);
        line(
            `| state file per resource | ${Math.round(s.stateFileBytes.ours / s.n)} B | ${Math.round(s.stateFileBytes.floor / s.n)} B | | |`,
        );
        line();
        const c = r.stateCost;
        const upOurs = r.timings.find((t) => t.operation === "up (create)" && t.n === c.n);
        line(`## What the state's size alone costs \`up\` (N = ${c.n}, median of ${r.settings.runs} runs, ms)`);
        line();
        line("The file backend rewrites the whole state file after each step. Here the floor runs against itself with a");
        line("serialized provider as large as ours (padded with a comment), so its state is as large as ours while it still does nothing.");
        line();
        line("| program | serialized provider | state file | up (create) | ratio to the floor |");
        line("| --- | ---: | ---: | ---: | ---: |");
        line(`| floor | ${s.providerBytes.floor} B | ${kb(s.stateFileBytes.floor)} | ${ms(c.floor)} | 1.000 |`);
        line(
            `| floor with a provider as large as ours | ${c.providerBytes} B | ${kb(c.stateFileBytes)} | ${ms(c.floorSized)} | ${c.ratio.toFixed(3)} |`,
        );
        if (upOurs !== undefined) {
            line(
                `| ours (from the table above) | ${s.providerBytes.ours} B | ${kb(s.stateFileBytes.ours)} | ${ms(upOurs.ours)} | ${upOurs.ratio.toFixed(3)} |`,
            );
        }
        line();
    }
    out.push(renderGoals(r));
    return out.join("\n");
}
