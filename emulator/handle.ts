/**
 * Counted injection rules (faults, provisioning failures): a list where each rule applies a given number of times,
 * first added first used, and can be withdrawn through the handle returned when it was added.
 */

/** Returned by every injection; lets a test see how often the rule applied and withdraw it. */
export interface InjectionHandle {
    /** How many requests (or provisionings) the rule has applied to so far. */
    readonly hits: number;
    /** How many more times it will apply (`Infinity` for a permanent rule, 0 once used up or cleared). */
    readonly remaining: number;
    /** Withdraws the rule; later requests are not affected. Safe to call more than once. */
    clear(): void;
}

interface Entry<T> {
    readonly rule: T;
    hits: number;
    remaining: number;
}

/** Validates a `times` option: a positive integer or `Infinity`. @internal */
export function normalizeTimes(times: number | undefined, option: string): number {
    if (times === undefined) return 1;
    if (times === Infinity || (Number.isInteger(times) && times >= 1)) return times;
    throw new TypeError(`${option} must be a positive integer or Infinity (got ${String(times)})`);
}

/** @internal */
export class RuleList<T> {
    private entries: Entry<T>[] = [];

    /** Adds a rule that applies `times` times. */
    add(rule: T, times: number): InjectionHandle {
        const entry: Entry<T> = { rule, hits: 0, remaining: times };
        this.entries.push(entry);
        return {
            get hits() {
                return entry.hits;
            },
            get remaining() {
                return entry.remaining;
            },
            clear: () => {
                entry.remaining = 0;
                this.entries = this.entries.filter((e) => e !== entry);
            },
        };
    }

    /** Finds the oldest rule accepted by `matches`, counts one use of it and returns it. */
    take(matches: (rule: T) => boolean): T | undefined {
        const entry = this.entries.find((e) => matches(e.rule));
        if (entry === undefined) return undefined;
        entry.hits += 1;
        entry.remaining -= 1;
        if (entry.remaining <= 0) this.entries = this.entries.filter((e) => e !== entry);
        return entry.rule;
    }

    /** Withdraws every rule. */
    clear(): void {
        for (const entry of this.entries) entry.remaining = 0;
        this.entries = [];
    }
}
