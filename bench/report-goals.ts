/**
 * The results of the issue-20 phases (stacks, readiness, polling, agents, hashing): their shape and their markdown.
 * bench/report.ts holds the rest and renders these after its own tables.
 */
import type { CountedRow } from "./report";
import type { Summary } from "./stats";

/** 1-minute load average when a phase started and ended. */
export interface Load {
    readonly before: number;
    readonly after: number;
}

/** The delays the emulator was given, and how much they were compressed. */
export interface DelaysUsed {
    /** 1: the ranges; 0.5: each delay halved. */
    readonly scale: number;
    readonly setMs: readonly [number, number];
    readonly deploymentMs: readonly [number, number];
    readonly buildMs: readonly [number, number];
    readonly seed: string;
}

/** Goal 1: time to ready of a whole stack of N sets + N agents (+ N builds). */
export interface StackRow {
    readonly n: number;
    readonly builds: boolean;
    /** The `--parallel` both ran with (a number), or "engine default" (4 × CPUs). */
    readonly parallel: string;
    /** The floor's own `up` of the same shape (3N do-nothing resources, same dependencies). */
    readonly floor: Summary;
    readonly floorCpu: Summary;
    /** max over i of max(build_i, set_i) + deploy_i, as the emulator was configured. */
    readonly chainMs: number;
    /** floor.median + chainMs. */
    readonly limitMs: number;
    readonly ours: Summary;
    readonly oursCpu: Summary;
    /** ours.median / limitMs. */
    readonly ratio: number;
    readonly target: string;
    readonly met: boolean;
    readonly load: Load;
}

/** Goal 2: overshoot per kind, over the stack runs. */
export interface ReadinessRow {
    readonly kind: string;
    readonly samples: number;
    /** Resources no request reported after they were ready (counted, not in the times). */
    readonly unseen: number;
    readonly medianMs?: number;
    readonly maxMs?: number;
    readonly met?: boolean;
}

/** Goal 3: requests per resource while waiting, and the 429 pacing. */
export interface PollingResults {
    readonly sets: {
        readonly n: number;
        readonly readyAfterMs: number;
        readonly requests: number;
        readonly byRoute: Readonly<Record<string, number>>;
        readonly perSet: number;
        readonly met: boolean;
    };
    readonly agents: AgentPolling;
    /** The same agents with deployments that are ready when reconciled (no `Validating`): the list then carries what the wait needs. */
    readonly agentsReadyWhenReconciled?: AgentPolling;
    readonly pacing: {
        readonly n: number;
        readonly requestsPerSecond: number;
        readonly readyAfterMs: number;
        readonly created: number;
        readonly requests: number;
        readonly rateLimited: number;
        /** Most requests received in any 1 s window starting at or after the first 429 (429s included). */
        readonly maxPerSecondAfterFirst429: number;
        readonly met: boolean;
    };
    readonly load: Load;
}

export interface AgentPolling {
    readonly n: number;
    readonly deploymentMs: readonly [number, number];
    readonly requests: number;
    readonly byRoute: Readonly<Record<string, number>>;
    /** GET /agents + GET /agents/:name + POST /agents beyond one per agent. */
    readonly readinessRequests: number;
    readonly perAgent: number;
    readonly met: boolean;
    /** The share of each deployment spent `Validating`, after the reconciliation. */
    readonly validatingShare: number;
}

/** Goal 6: one operation on the stack of M sets + M agents. */
export interface AgentRow extends CountedRow {
    readonly target: string;
}

/** Goal 5: hashing and archiving a large context, each in a child process. */
export interface HashingResults {
    readonly contextBytes: number;
    readonly files: string;
    readonly archiveBytes: number;
    readonly hash: { readonly mbPerSecond: Summary; readonly wallMs: Summary; readonly cpuMs: Summary; readonly maxRssMiB: Summary };
    readonly archive: { readonly mbPerSecond: Summary; readonly wallMs: Summary; readonly cpuMs: Summary; readonly maxRssMiB: Summary };
    /** Peak RSS of a child that only loads the module: what the operation adds is the difference. */
    readonly baselineRssMiB: number;
    readonly load: Load;
}

export interface GoalResults {
    readonly stacks?: { readonly delays: DelaysUsed; readonly runs: number; readonly rows: readonly StackRow[] };
    readonly readiness?: { readonly rows: readonly ReadinessRow[]; readonly from: string; readonly load: Load };
    readonly polling?: PollingResults;
    readonly agents?: { readonly m: number; readonly delays: DelaysUsed; readonly rows: readonly AgentRow[]; readonly load: Load };
    readonly hashing?: HashingResults;
}

const yes = (met: boolean | undefined): string => (met === undefined ? "" : met ? "yes" : "**no**");
const ms = (s: Summary): string => `${Math.round(s.median)} (${Math.round(s.min)}–${Math.round(s.max)})`;
const num = (s: Summary, digits = 1): string => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
const load = (l: Load): string => `load average ${l.before.toFixed(2)} before, ${l.after.toFixed(2)} after`;
const routes = (byRoute: Readonly<Record<string, number>>): string =>
    Object.entries(byRoute)
        .map(([route, n]) => `${route} ×${n}`)
        .join(", ") || "none";
const range = (r: readonly [number, number]): string => `${(r[0] / 1000).toFixed(2)}–${(r[1] / 1000).toFixed(2)} s`;
const delays = (d: DelaysUsed): string =>
    `sets ${range(d.setMs)}, deployments ${range(d.deploymentMs)}, builds ${range(d.buildMs)} (scale ${d.scale} of the issue's ranges, ` +
    `spread per resource by a hash of seed "${d.seed}" and its name)`;

export function renderGoals(r: GoalResults): string {
    const out: string[] = [];
    const line = (s = ""): void => {
        out.push(s);
    };
    if (r.stacks) {
        const s = r.stacks;
        line(`## Time to ready of a whole stack (median of ${s.runs} interleaved runs, ms)`);
        line();
        line(`Delays: ${delays(s.delays)}. The limit is the floor's own \`up\` of the same shape plus the longest chain of waits.`);
        line();
        line(
            "| N | builds | `--parallel` | floor `up` | chain of waits | limit | ours | ours ÷ limit | CPU ours / floor | target | met | load |",
        );
        line("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |");
        for (const row of s.rows) {
            line(
                `| ${row.n} | ${row.builds ? "yes" : "no"} | ${row.parallel} | ${ms(row.floor)} | ${row.chainMs} | ${Math.round(row.limitMs)} | ${ms(row.ours)} | ` +
                    `${row.ratio.toFixed(3)} | ${Math.round(row.oursCpu.median)} / ${Math.round(row.floorCpu.median)} | ${row.target} | ${yes(row.met)} | ` +
                    `${row.load.before.toFixed(1)} → ${row.load.after.toFixed(1)} |`,
            );
        }
        line();
    }
    if (r.readiness) {
        line(`## Readiness noticed (overshoot, ms; ${r.readiness.from}; ${load(r.readiness.load)})`);
        line();
        line("From the emulator's timestamps: when the API first would report it ready, to the first read that could report it.");
        line();
        line("| kind | samples | median | max | target | met | not seen |");
        line("| --- | ---: | ---: | ---: | --- | --- | ---: |");
        for (const row of r.readiness.rows) {
            const m = row.medianMs === undefined ? "" : String(Math.round(row.medianMs));
            const x = row.maxMs === undefined ? "" : String(Math.round(row.maxMs));
            line(`| ${row.kind} | ${row.samples} | ${m} | ${x} | median ≤ 250, max ≤ 500 | ${yes(row.met)} | ${row.unseen} |`);
        }
        line();
    }
    if (r.polling) {
        const p = r.polling;
        line(`## Polling (requests per resource; ${load(p.load)})`);
        line();
        line("| row | requests | per resource | target | met | by route |");
        line("| --- | ---: | ---: | --- | --- | --- |");
        line(
            `| ${p.sets.n} sets created at once, ${p.sets.readyAfterMs} ms provisioning: every request of \`up\` | ${p.sets.requests} | ` +
                `${p.sets.perSet.toFixed(2)} | ≤ 2.2 per set | ${yes(p.sets.met)} | ${routes(p.sets.byRoute)} |`,
        );
        for (const a of [p.agents, p.agentsReadyWhenReconciled]) {
            if (a === undefined) continue;
            const phases =
                a.validatingShare > 0
                    ? `, ${Math.round(a.validatingShare * 100)} % of it Validating after reconciliation`
                    : ", ready when reconciled";
            line(
                `| ${a.n} agents (sets ready at once, deployments ${range(a.deploymentMs)}${phases}): readiness requests beyond the create | ` +
                    `${a.readinessRequests} of ${a.requests} | ${a.perAgent.toFixed(2)} | ≤ 1.5 per agent | ${yes(a.met)} | ${routes(a.byRoute)} |`,
            );
        }
        line();
        const q = p.pacing;
        line(
            `429 pacing: ${q.n} sets (${q.readyAfterMs} ms provisioning) under \`rateLimit: { requestsPerSecond: ${q.requestsPerSecond} }\`: ` +
                `${q.created} of ${q.n} created, ${q.requests} requests, ${q.rateLimited} answered 429; at most ` +
                `**${q.maxPerSecondAfterFirst429}** requests in any 1 s window after the first 429 (target ≤ ${q.requestsPerSecond}: ${yes(q.met)}).`,
        );
        line();
    }
    if (r.agents) {
        const a = r.agents;
        line(`## Agents in the request table (${a.m} sets + ${a.m} agents; ${load(a.load)})`);
        line();
        line(`Delays: ${delays(a.delays)}.`);
        line();
        line("| operation | requests | target | met | by route |");
        line("| --- | ---: | --- | --- | --- |");
        for (const row of a.rows) line(`| ${row.operation} | ${row.requests} | ${row.target} | ${yes(row.met)} | ${routes(row.byRoute)} |`);
        line();
    }
    if (r.hashing) {
        const h = r.hashing;
        const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
        line(`## Hashing and archiving a ${mb(h.contextBytes)} context (${load(h.load)})`);
        line();
        line(`${h.files}; the archive is ${mb(h.archiveBytes)}. Each operation in a child process of its own (median, min–max).`);
        line();
        line(
            "| operation | MiB/s | wall ms | CPU ms | peak RSS MiB (a child that only loads the module: " +
                `${h.baselineRssMiB.toFixed(0)}) |`,
        );
        line("| --- | ---: | ---: | ---: | ---: |");
        for (const [name, o] of [
            ["hash (Build's check)", h.hash],
            ["archive to a file (Build's create)", h.archive],
        ] as const) {
            line(`| ${name} | ${num(o.mbPerSecond)} | ${ms(o.wallMs)} | ${ms(o.cpuMs)} | ${num(o.maxRssMiB, 0)} |`);
        }
        line();
    }
    return out.join("\n");
}
