/**
 * The `agents` phase (goal 6 of issue 20): what each operation sends on a stack of M sets + M agents (each agent
 * bound to its set), with the delays (sets 1–3 s, deployments 5–10 s, scaled by BENCH_STACK_SCALE).
 * Counts, not times. Environment: BENCH_AGENTS_SIZE (M, default 10).
 */
import * as os from "node:os";
import { COMMANDS, DESTROY, log } from "./commands";
import { REALISTIC, SEED, stackDelays } from "./delays";
import { createBenchProject } from "./project";
import type { AgentRow, DelaysUsed } from "./report-goals";
import { counted, NONE, type Target } from "./routes";
import { round } from "./stats";
import { stackEmulator, stackFiles } from "./stack";

export async function measureAgents(
    apiKey: string,
    m: number,
    scale: number,
): Promise<{ m: number; delays: DelaysUsed; rows: AgentRow[]; load: { before: number; after: number } }> {
    const loadBefore = os.loadavg()[0] ?? 0;
    const delays = stackDelays(scale);
    const emulator = await stackEmulator(apiKey, delays);
    const bench = await createBenchProject("stack", emulator, undefined, stackFiles(m, delays, false, "a").files, "bench-agents");
    const rows: AgentRow[] = [];
    const record = async (operation: string, args: string[], target: Target): Promise<void> => {
        const { row } = await counted(emulator, operation, () => bench.pulumi(args), target);
        rows.push({ ...row, target: target.text });
        log(`agents: ${operation}: ${row.requests}`);
    };
    const onlyReads = (routes: Record<string, number>, except: string[]): boolean =>
        Object.keys(routes).every((r) => r.startsWith("GET ") || except.includes(r));
    try {
        await record(`preview of ${m} new sets + ${m} new agents`, ["preview"], NONE);
        await record(`up: create ${m} sets + ${m} agents`, COMMANDS["up (create)"], {
            text: "none given (the issue's “0 requests each” fits no-op `up` and `preview` only)",
        });
        await record("preview, nothing changed", ["preview"], NONE);
        await record("up, nothing changed", COMMANDS["up (no changes)"], NONE);
        const write = (files: Record<string, string>): void => {
            for (const [file, text] of Object.entries(files)) bench.project.writeFile(file, text);
        };
        // One set's value changes: a rotation. The other sets keep the values of salt "a".
        const rotated = stackFiles(m, delays, false, "a");
        const first = rotated.entries[0];
        if (first === undefined) throw new Error("agents: M must be at least 1");
        first.set.secrets["KEY_00"] = "bench-stack-value-rotated";
        write({ "stack.json": JSON.stringify(rotated.entries, null, 2) });
        await record("up: one set's value rotated", COMMANDS["up (no changes)"], {
            text: "1 PUT + the set's waits, 1 `POST /agents/{name}` + the agent's waits",
            met: (r) =>
                r["PUT /secrets/:name"] === 1 &&
                r["POST /agents/:name"] === 1 &&
                onlyReads(r, ["PUT /secrets/:name", "POST /agents/:name"]),
        });
        await record(`refresh of ${m} sets + ${m} agents`, ["refresh", "--yes", "--skip-preview"], {
            text: `≤ 1 read per resource (${2 * m})`,
            met: (r, total) => total <= 2 * m && onlyReads(r, []),
        });
        await record(`destroy ${m} sets + ${m} agents`, DESTROY, {
            text: `≤ 2 per resource (${4 * m})`,
            met: (_, total) => total <= 4 * m,
        });
    } finally {
        bench.cleanup();
        await emulator.close();
    }
    return { m, delays: delaysUsed(scale), rows, load: { before: round(loadBefore, 2), after: round(os.loadavg()[0] ?? 0, 2) } };
}

export function delaysUsed(scale: number): DelaysUsed {
    const r = (x: { minMs: number; maxMs: number }): [number, number] => [Math.round(x.minMs * scale), Math.round(x.maxMs * scale)];
    return { scale, setMs: r(REALISTIC.set), deploymentMs: r(REALISTIC.deployment), buildMs: r(REALISTIC.build), seed: SEED };
}
