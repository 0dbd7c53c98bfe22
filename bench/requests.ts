/** The `requests` phase: what each operation sends, on one stack of sets (see bench/README.md). */
import type { Emulator } from "../emulator";
import { COMMANDS, DESTROY, log } from "./commands";
import { createBenchProject } from "./project";
import { makeSets, type SetsSpec } from "./programs";
import type { RequestRow } from "./report";
import { counted, NONE, type Target } from "./routes";

/** Phase 1: what each operation sends, on one stack of `n` sets. */
export async function measureRequests(emulator: Emulator, n: number): Promise<RequestRow[]> {
    const rows: RequestRow[] = [];
    const bench = await createBenchProject("ours", emulator);
    try {
        const record = async (operation: string, sets: number, args: string[], target?: Target) => {
            const { row } = await counted(emulator, operation, () => bench.pulumi(args), target);
            rows.push({ ...row, sets });
            log(`requests: ${operation}: ${row.requests}`);
        };
        const sets = makeSets(n);
        bench.declare(sets);
        await record(`preview of ${n} new sets`, n, ["preview"], NONE);
        await record(`up: create ${n} sets`, n, COMMANDS["up (create)"], { text: "≤ 3 per set", met: (_, total) => total <= 3 * n });
        await record(`preview of ${n} unchanged sets`, n, ["preview"], NONE);
        await record(`up: no-op, ${n} sets`, n, COMMANDS["up (no changes)"], NONE);
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
            text: "1 write + readiness check (the sets list)",
            met: (r: Record<string, number>, total: number) => r["PUT /secrets/:name"] === 1 && r["GET /secrets"] === 1 && total === 2,
        };
        await record("preview of a 1-key update in a 50-key set", 1, ["preview"], NONE);
        await record("up: update 1 key of a 50-key set", 1, COMMANDS["up (no changes)"], oneWrite);
        await record(`destroy ${n + 1} sets`, n + 1, DESTROY);
    } finally {
        bench.cleanup();
    }
    return rows;
}
