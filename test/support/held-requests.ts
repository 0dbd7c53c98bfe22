/**
 * An emulator `sleep` (EmulatorOptions.sleep) that holds every request delayed by a fault until the test releases
 * it, so a test decides when a slow request lands instead of waiting in real time and hoping for the order.
 */
export class HeldRequests {
    /** The delays asked for, in the order the requests were held. */
    readonly delays: number[] = [];
    private waiting: (() => void)[] = [];

    readonly sleep = (ms: number): Promise<void> =>
        new Promise((resolve) => {
            this.delays.push(ms);
            this.waiting.push(resolve);
        });

    /** How many requests are held now. */
    get held(): number {
        return this.waiting.length;
    }

    /** Lets every held request go on (it is then handled, or answered by its fault). */
    releaseAll(): void {
        const waiting = this.waiting;
        this.waiting = [];
        for (const resolve of waiting) resolve();
    }

    /** Resolves once `n` requests are held. */
    untilHeld(n: number): Promise<void> {
        return until(
            () => this.waiting.length >= n,
            () => `${n} held requests (${this.waiting.length} held)`,
        );
    }
}

/**
 * Resolves once `condition` holds, checking it after each turn of the event loop (so sockets make progress). Counts
 * turns, not time: it fails, naming `what`, if the condition is still false after `maxTurns`.
 */
export async function until(condition: () => boolean, what: string | (() => string), maxTurns = 100_000): Promise<void> {
    for (let turn = 0; !condition(); turn++) {
        if (turn >= maxTurns)
            throw new Error(`still waiting for ${typeof what === "string" ? what : what()} after ${maxTurns} event-loop turns`);
        await new Promise((resolve) => setImmediate(resolve));
    }
}
