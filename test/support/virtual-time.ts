/**
 * Virtual time for tests of concurrent code: `sleep` registers a timer on a fake clock, and `run` fires the
 * timers in order (earliest first, then in the order they were set), letting every promise settle in between.
 * Many concurrent sleepers then behave as they would in real time, without waiting.
 */
interface Timer {
    readonly at: number;
    readonly seq: number;
    readonly resolve: () => void;
}

export class VirtualTime {
    private timers: Timer[] = [];
    private seq = 0;

    constructor(private time = 1_000_000) {}

    readonly now = (): number => this.time;

    readonly sleep = (ms: number): Promise<void> =>
        new Promise((resolve) => {
            this.timers.push({ at: this.time + Math.max(0, ms), seq: this.seq++, resolve });
        });

    /**
     * Runs virtual time until `work` settles; fails if nothing is scheduled while it is still pending.
     *
     * `busy`: while it returns true (real I/O in flight, such as HTTP requests to an emulator), time stands still and
     * the event loop turns until it returns false; only then does the next timer fire. So a request takes no virtual
     * time, and a timer never fires while an answer that came before it is still on its way.
     */
    async run<T>(work: Promise<T>, maxVirtualMs = 10 * 60_000, busy: () => boolean = () => false): Promise<T> {
        let settled = false;
        work.then(
            () => (settled = true),
            () => (settled = true),
        );
        const deadline = this.time + maxVirtualMs;
        for (;;) {
            await new Promise((r) => setImmediate(r)); // every pending promise settles first
            if (settled) return work;
            if (busy()) continue;
            this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
            const next = this.timers.shift();
            if (next === undefined) throw new Error("VirtualTime: the work is pending but nothing is scheduled (a deadlock)");
            if (next.at > deadline) throw new Error(`VirtualTime: still running after ${maxVirtualMs} virtual ms`);
            this.time = Math.max(this.time, next.at);
            next.resolve();
        }
    }
}
