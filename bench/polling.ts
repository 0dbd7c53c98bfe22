/**
 * The `polling` phase (goal 3 of issue 20): requests per resource while pending sets and deploying agents are
 * waited on, and the 429 pacing under the emulator's rate limit. Counts, not times: they do not depend on the load.
 * Every `up` runs with `--parallel` as large as the stack, so that the resources are created at once (the engine's
 * default, 4 × CPUs, would let only 8 wait at a time on 2 cores).
 * Environment: BENCH_POLL_SETS (100), BENCH_POLL_AGENTS (50), BENCH_PACING_SETS (50).
 */
import * as os from "node:os";
import { type Emulator, startEmulator } from "../emulator";
import { COMMANDS, DESTROY, log } from "./commands";
import { REALISTIC, VALIDATING_SHARE, spread, deployPhases } from "./delays";
import { createBenchProject } from "./project";
import { makeSets } from "./programs";
import type { AgentPolling, PollingResults } from "./report-goals";
import { byRoute } from "./routes";
import { round } from "./stats";
import { stackFiles } from "./stack";

const UP = COMMANDS["up (create)"];
/** The provisioning time for the 100 sets. */
const SETS_READY_AFTER_MS = 1_500;
const PACING_RPS = 10;

export interface PollingSizes {
    readonly sets: number;
    readonly agents: number;
    readonly pacing: number;
}

export async function measurePolling(apiKey: string, sizes: PollingSizes): Promise<PollingResults> {
    const loadBefore = os.loadavg()[0] ?? 0;
    const sets = await countSets(apiKey, sizes.sets);
    const agents = await countAgents(apiKey, sizes.agents, VALIDATING_SHARE);
    const agentsReadyWhenReconciled = await countAgents(apiKey, sizes.agents, 0);
    const pacing = await measurePacing(apiKey, sizes.pacing);
    return {
        sets,
        agents,
        agentsReadyWhenReconciled,
        pacing,
        load: { before: round(loadBefore, 2), after: round(os.loadavg()[0] ?? 0, 2) },
    };
}

/** Runs `count` with a fresh emulator and a project of `kind`; the project is destroyed and removed after. */
async function withProject<T>(
    emulator: Emulator,
    kind: "ours" | "stack",
    files: Record<string, string>,
    resources: number,
    count: (run: () => Promise<string>) => Promise<T>,
): Promise<T> {
    const bench = await createBenchProject(kind, emulator, undefined, files, `bench-poll-${kind}`);
    const parallel = ["--parallel", String(resources)];
    try {
        return await count(async () => (await bench.pulumi([...UP, ...parallel])).result.stdout);
    } finally {
        try {
            await bench.pulumi([...DESTROY, ...parallel]);
        } finally {
            bench.cleanup();
            await emulator.close();
        }
    }
}

async function countSets(apiKey: string, n: number): Promise<PollingResults["sets"]> {
    const emulator = await startEmulator({ apiKey, readyAfterMs: SETS_READY_AFTER_MS });
    return withProject(emulator, "ours", { "sets.json": JSON.stringify(makeSets(n)) }, n, async (up) => {
        emulator.clearRequests();
        await up();
        const requests = emulator.requests.length;
        log(`polling: ${n} sets, ${SETS_READY_AFTER_MS} ms provisioning: ${requests} requests`);
        const perSet = requests / n;
        return { n, readyAfterMs: SETS_READY_AFTER_MS, requests, byRoute: byRoute(emulator), perSet: round(perSet, 3), met: perSet <= 2.2 };
    });
}

/** Readiness requests of agents: every agents read, and every `POST /agents` beyond one per agent (a retried create). */
export function agentReadinessRequests(routes: Readonly<Record<string, number>>, agents: number): number {
    return (routes["GET /agents"] ?? 0) + (routes["GET /agents/:name"] ?? 0) + Math.max(0, (routes["POST /agents"] ?? 0) - agents);
}

async function countAgents(apiKey: string, n: number, validatingShare: number): Promise<AgentPolling> {
    const deployMs = (name: string): number => spread(REALISTIC.deployment, "deployment", name);
    const emulator = await startEmulator({
        apiKey,
        readyAfterMs: 0,
        deployPhaseMsFor: (name) => deployPhases(deployMs(name), validatingShare),
    });
    const delays = { scale: 1, setMs: () => 0, deployMs, buildMs: () => 0 };
    return withProject(emulator, "stack", stackFiles(n, delays, false, "poll").files, 2 * n, async (up) => {
        emulator.clearRequests();
        await up();
        const routes = byRoute(emulator);
        const readinessRequests = agentReadinessRequests(routes, n);
        log(
            `polling: ${n} agents (${validatingShare * 100} % validating): ${readinessRequests} readiness requests of ${emulator.requests.length}`,
        );
        const perAgent = readinessRequests / n;
        return {
            n,
            deploymentMs: [REALISTIC.deployment.minMs, REALISTIC.deployment.maxMs] as const,
            requests: emulator.requests.length,
            byRoute: routes,
            readinessRequests,
            perAgent: round(perAgent, 3),
            met: perAgent <= 1.5,
            validatingShare,
        };
    });
}

/** Most requests whose arrival falls in any 1 s window [t, t + 1000) with t a request's arrival at or after `from`. */
export function maxPerSecond(arrivals: readonly number[], from: number): number {
    const sorted = arrivals.filter((t) => t >= from).sort((a, b) => a - b);
    let most = 0;
    let end = 0;
    for (let start = 0; start < sorted.length; start++) {
        while (end < sorted.length && (sorted[end] as number) < (sorted[start] as number) + 1000) end++;
        most = Math.max(most, end - start);
    }
    return most;
}

async function measurePacing(apiKey: string, n: number): Promise<PollingResults["pacing"]> {
    const emulator = await startEmulator({ apiKey, readyAfterMs: SETS_READY_AFTER_MS, rateLimit: { requestsPerSecond: PACING_RPS } });
    return withProject(emulator, "ours", { "sets.json": JSON.stringify(makeSets(n)) }, n, async (up) => {
        emulator.clearRequests();
        await up();
        const requests = emulator.requests;
        const created = Object.keys(emulator.snapshot()).length;
        const first429 = requests.find((r) => r.status === 429);
        const most =
            first429 === undefined
                ? 0
                : maxPerSecond(
                      requests.map((r) => r.at),
                      first429.at,
                  );
        log(
            `polling: pacing, ${n} sets: ${created} created, ${emulator.rateLimitedCount} × 429, at most ${most} per second after the first`,
        );
        return {
            n,
            requestsPerSecond: PACING_RPS,
            readyAfterMs: SETS_READY_AFTER_MS,
            created,
            requests: requests.length,
            rateLimited: emulator.rateLimitedCount,
            maxPerSecondAfterFirst429: most,
            met: created === n && most <= PACING_RPS,
        };
    });
}
