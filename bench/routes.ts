/**
 * The emulator's request log, counted as the request tables show it.
 */
import type { Emulator } from "../emulator";

/** Requests the emulator saw since the last clear, by route ("GET /secrets/:name": 100, ...). */
export function byRoute(emulator: Emulator): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of emulator.requests) {
        const key = r.route ?? `${r.method} ${r.path}`;
        counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
}
