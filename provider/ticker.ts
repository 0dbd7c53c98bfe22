/**
 * One readiness poller per list and per provider process, whatever the resource. The engine runs every
 * resource of a stack in one provider process, so the resources waiting for the same kind of thing
 * (sets to be ready, agents to be deployed) share one list request per tick instead of polling each on
 * its own: readiness requests grow with the time waited, not with the number of resources.
 *
 * - A waiter registers with its look, its bound and its own call context. While any waiter exists, a
 *   tick every `TICK_MS` calls the look of every waiter registered before the tick started; the looks
 *   that ask for the list share ONE request, started in that tick (lazily: a tick whose looks all read
 *   by name sends no list). A waiter thus never sees a list whose request started before it registered.
 * - When no tick started in the last `TICK_MS`, a new waiter's first look is at once.
 * - Each waiter keeps its own bound and timeout error: a look that is not done, when the next tick
 *   would start past the bound, ends the wait with that look's `timedOut` error (as `poll` does).
 * - A list request that fails ends the waits it served, each with its own copy of the error, naming
 *   its own step and resource.
 * - The next tick starts `TICK_MS` after this one started, or when this one's looks have all ended:
 *   never two list requests at once. With no waiter left the ticks stop (no request, no sleep).
 * - Once every waiter has waited `LONG_WAIT_MS` (a deployment of minutes), ticks come `LONG_TICK_MS`
 *   apart: a long wait costs a request every 2 s, not 2.5 a second, and is noticed up to 2 s late. A new
 *   waiter brings the short ticks back within `TICK_MS`.
 *
 * Requests go through the session's one transport (and so its one rate limiter); times are on the
 * session's clock (faked in unit tests). Here rather than in `api/`, which imports nothing above it:
 * the ticker needs the session's clock.
 */
import type { CallContext } from "./api/call";
import { isPipecatError, told } from "./errors";
import { type Look, type Schedule, waitedSince } from "./lifecycle";
import { now, onReset, sleep } from "./session";

/**
 * Milliseconds between two ticks. A resource is noticed at most one tick after the API first reports
 * it ready (half a tick on average) plus the request's own time: ≤ 500 ms at worst, ≤ 250 ms median.
 */
export const TICK_MS = 400;

/** When every waiter has waited this long, the ticks slow down to `LONG_TICK_MS`. */
export const LONG_WAIT_MS = 15_000;

/** Milliseconds between two ticks while every waiter has waited `LONG_WAIT_MS`. */
export const LONG_TICK_MS = 2_000;

/** One resource's wait. */
export interface Waiter<T, R> {
    /** The resource's own call context: a failed list is told as `<step> of <subject> failed: …`. */
    readonly ctx: CallContext;
    /** The bound (ms since the wait started) and the setting it comes from, as the timeout error says it. */
    readonly timeoutMs: number;
    readonly setting: Schedule["setting"];
    /**
     * One look, at a tick: `list()` is that tick's list answer (one request for every waiter of the tick,
     * started after this waiter registered). Errors it throws end this wait alone.
     */
    readonly look: (list: () => Promise<T>) => Promise<Look<R>>;
}

interface Entry<T> {
    readonly waiter: Waiter<T, unknown>;
    readonly started: number;
    readonly resolve: (value: unknown) => void;
    readonly reject: (error: unknown) => void;
}

export class Ticker<T> {
    private readonly waiting = new Set<Entry<T>>();
    private lastStart = -Infinity;
    private running = false;

    /**
     * `request` sends the list with the context it is given: `shared`, whose step and subject each waiter's
     * copy of an error replaces with its own.
     */
    constructor(
        private readonly request: (ctx: CallContext) => Promise<T>,
        private readonly shared: CallContext,
    ) {
        onReset(() => {
            this.waiting.clear();
            this.lastStart = -Infinity;
        });
    }

    /** How many waits are pending. @internal */
    get size(): number {
        return this.waiting.size;
    }

    /** Waits until the waiter's look is done (its value), fails, or its bound elapses. */
    wait<R>(waiter: Waiter<T, R>): Promise<R> {
        return new Promise<R>((resolve, reject) => {
            this.waiting.add({ waiter, started: now(), resolve: resolve as (value: unknown) => void, reject });
            void this.run();
        });
    }

    private async run(): Promise<void> {
        if (this.running) return;
        this.running = true;
        try {
            // Waiters that register in the same turn (the answers of a burst of writes) share a first look.
            await Promise.resolve();
            while (this.waiting.size > 0) {
                const wait = this.lastStart + this.interval() - now();
                // At most a short tick at a time, so that a waiter registering meanwhile brings the short ticks back.
                if (wait > 0) await sleep(Math.min(wait, TICK_MS));
                else await this.tick();
            }
        } catch (e) {
            // The clock itself failed (a bug, or a test's): every pending wait ends with it, none hangs.
            for (const entry of this.waiting) entry.reject(e);
            this.waiting.clear();
        } finally {
            this.running = false;
        }
    }

    /** `TICK_MS`, or `LONG_TICK_MS` once every waiter has waited `LONG_WAIT_MS`. */
    private interval(): number {
        const t = now();
        for (const entry of this.waiting) if (t - entry.started < LONG_WAIT_MS) return TICK_MS;
        return LONG_TICK_MS;
    }

    private async tick(): Promise<void> {
        const start = now();
        this.lastStart = start;
        let answer: Promise<T> | undefined;
        const list = (): Promise<T> => (answer ??= this.request(this.shared));
        await Promise.all([...this.waiting].map((entry) => this.serve(entry, list, start)));
    }

    private async serve(entry: Entry<T>, list: () => Promise<T>, start: number): Promise<void> {
        const { waiter } = entry;
        const end = (settle: () => void): void => {
            this.waiting.delete(entry);
            settle();
        };
        try {
            const found = await waiter.look(() => list().catch((e: unknown) => Promise.reject(retold(e, this.shared, waiter.ctx))));
            if (found.done) return end(() => entry.resolve(found.value));
            const next = Math.max(now(), start + this.interval());
            if (next - entry.started > waiter.timeoutMs) end(() => entry.reject(found.timedOut(waitedSince(entry.started, waiter))));
        } catch (e) {
            end(() => entry.reject(e));
        }
    }
}

/**
 * The error of a shared request, as one waiter is told it: its own copy (a guard redacts each copy against
 * its own resource's values), saying `<step> of <subject>` of that waiter. Anything not ours is passed on.
 */
function retold(e: unknown, shared: CallContext, own: CallContext): unknown {
    if (!isPipecatError(e)) return e;
    const copy = told(e, {});
    copy.message = copy.message.split(`${shared.step} of ${shared.subject}`).join(`${own.step} of ${own.subject}`);
    return copy;
}
