/** Summary statistics of repeated measurements. */

export interface Summary {
    readonly median: number;
    readonly min: number;
    readonly max: number;
    /** Every measurement, in the order taken. */
    readonly runs: readonly number[];
}

export function median(values: readonly number[]): number {
    if (values.length === 0) throw new RangeError("median of no values");
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    const hi = sorted[mid] as number;
    return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] as number) + hi) / 2;
}

export function summarize(runs: readonly number[]): Summary {
    return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs: [...runs] };
}

/** Rounds for reports: whole milliseconds, ratios to 3 decimals. */
export const round = (x: number, digits = 0): number => Number(x.toFixed(digits));
