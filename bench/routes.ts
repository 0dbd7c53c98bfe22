/**
 * The emulator's request log, counted as the request tables show it.
 */
import type { Emulator } from "../emulator";
import type { CountedRow } from "./report";

/** Requests the emulator saw since the last clear, by route ("GET /secrets/:name": 100, ...). */
export function byRoute(emulator: Emulator): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of emulator.requests) {
        const key = r.route ?? `${r.method} ${r.path}`;
        counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
}

/** What a request row's target says and, when it can be judged, whether the requests counted meet it. */
export interface Target {
    readonly text: string;
    readonly met?: (routes: Readonly<Record<string, number>>, total: number) => boolean;
}

/** The target of an operation that must send nothing. */
export const NONE: Target = { text: "0", met: (_, total) => total === 0 };

/**
 * Runs one command against the emulator's cleared request log: its row (what it sent, by route, and its
 * target's verdict) and the command's own result.
 */
export async function counted<R>(
    emulator: Emulator,
    operation: string,
    run: () => Promise<R>,
    target?: Target,
): Promise<{ readonly row: CountedRow; readonly result: R }> {
    emulator.clearRequests();
    const result = await run();
    const routes = byRoute(emulator);
    const total = emulator.requests.length;
    const verdict = target?.met === undefined ? {} : { met: target.met(routes, total) };
    return { row: { operation, requests: total, byRoute: routes, ...(target ? { target: target.text } : {}), ...verdict }, result };
}
