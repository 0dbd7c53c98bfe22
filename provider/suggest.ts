/**
 * "Did you mean …?" for a value that must be one of a known list (a region code), so that a typo names its fix.
 * Only names from the list are suggested, never the input itself: callers use it for codes and names, never values.
 */

/** Edit distance (insertions, deletions, substitutions, and a swap of two neighbours counting once). */
export function editDistance(a: string, b: string): number {
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
        Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
    );
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
            d[i]![j] = best;
        }
    }
    return d[a.length]![b.length]!;
}

/**
 * The known name closest to `input` (ignoring case), if it is close enough to be a typo of it: at most 2 edits, and
 * fewer than half of the input's characters. The first of equally close names wins. Undefined for an exact match.
 */
export function closest(input: string, known: readonly string[]): string | undefined {
    const wanted = input.toLowerCase();
    let best: { name: string; distance: number } | undefined;
    for (const name of known) {
        if (name === input) return undefined;
        const distance = editDistance(wanted, name.toLowerCase());
        if (distance <= 2 && distance * 2 < Math.max(wanted.length, 1) && (best === undefined || distance < best.distance))
            best = { name, distance };
    }
    return best?.name;
}

/** `; did you mean "x"?` when a known name is close to `input`, else "". */
export function didYouMean(input: string, known: readonly string[]): string {
    const match = closest(input, known);
    return match === undefined ? "" : `; did you mean "${match}"?`;
}
