/**
 * Client-side rate limiting. Pipecat Cloud documents no rate limit, so the client sends freely until the API
 * answers 429; from then on it paces every request of the client (one per provider process, shared by all
 * resources) at a rate the server was seen to accept, so that it stays under the server's limit instead of
 * bouncing off it with retries.
 *
 * - Until the first 429 it only holds requests during pauses (a `Retry-After`).
 * - It remembers when the requests the server accepted (any answer but 429) were sent.
 * - On the first 429 the rate becomes max(1, requests accepted in the second before the refused one was sent).
 *   Against a sliding-window limiter that count never exceeds the server's limit.
 * - A later 429 to a request sent before the first one was seen (it was already on its way) can only raise the
 *   rate to its own count: each count is a lower bound of the limit, and the first one may have been taken
 *   before every accepted answer had arrived.
 * - A 429 to a request this limiter paced itself means the rate is still too high (a fixed-window server counts
 *   differently, or other clients share the budget): the rate halves.
 * - After a 429 every request waits for the `Retry-After` it carried, or one window when it carried none (the
 *   server must first forget the requests of the last second); the client's retry loop also honours Retry-After.
 * - Requests are granted one at a time, first come first served, `1000 / rate` ms apart plus a small margin.
 *
 * The rate never rises again in the life of the client: a provider process lasts one `pulumi up`.
 * Every change of rate is published on the diagnostics channel {@link RATE_LIMIT_CHANNEL} (for tests, logs).
 */
import { channel } from "node:diagnostics_channel";

/** The window servers count requests in. */
export const RATE_WINDOW_MS = 1000;
/** Spacing is this much wider than the rate: arrivals at the server jitter around the send times. */
export const SPACING_MARGIN = 1.05;
/** How long sent times are kept: longer than any per-request timeout, so a late 429 still finds its window. */
const HISTORY_MS = 5 * 60_000;

/** Diagnostics channel on which every change of rate is published as a {@link RateLimitEvent}. */
export const RATE_LIMIT_CHANNEL = "pulumi-pipecat-secrets:rate-limit";

/** Published when the rate changes. */
export interface RateLimitEvent {
    /** The new rate. */
    readonly requestsPerSecond: number;
    /** Which rule set it (see the module comment). */
    readonly reason: "first 429" | "429 in flight" | "429 while paced";
    /** The client's clock when the 429 was seen. */
    readonly at: number;
}

const events = channel(RATE_LIMIT_CHANNEL);

/** The clock and the wait the limiter runs on: the client's own, so tests can fake them. */
export interface RateLimiterClock {
    readonly now: () => number;
    readonly sleep: (ms: number) => Promise<void>;
}

export class RateLimiter {
    /** Send times of requests the server accepted, oldest first (roughly: answers arrive out of order). */
    private accepted: number[] = [];
    private rate: number | undefined;
    /** When the first 429 was seen: requests sent before then were not paced. */
    private slowedAt: number | undefined;
    private pausedUntil = 0;
    private lastGrant = -Infinity;
    private readonly waiting: (() => void)[] = [];
    private pumping = false;

    constructor(private readonly clock: RateLimiterClock) {}

    /** Requests per second once a 429 was seen; undefined before. */
    get requestsPerSecond(): number | undefined {
        return this.rate;
    }

    /** Resolves when the caller may send its request; callers are served in the order they asked. */
    acquire(): Promise<void> {
        return new Promise((resolve) => {
            this.waiting.push(resolve);
            void this.pump();
        });
    }

    /** Holds every request until `until` (client clock); pauses only ever grow. */
    pause(until: number): void {
        this.pausedUntil = Math.max(this.pausedUntil, until);
    }

    /** Records the answer to a request sent at `sentAt`; `retryAfterMs` is the 429's Retry-After, if any. */
    observe(sentAt: number, status: number, retryAfterMs?: number): void {
        const now = this.clock.now();
        this.accepted = this.accepted.filter((t) => t > now - HISTORY_MS);
        if (status !== 429) {
            this.accepted.push(sentAt);
            return;
        }
        const count = Math.max(1, this.accepted.filter((t) => t > sentAt - RATE_WINDOW_MS && t <= sentAt).length);
        let reason: RateLimitEvent["reason"];
        if (this.rate === undefined || this.slowedAt === undefined) {
            [this.rate, this.slowedAt, reason] = [count, now, "first 429"];
        } else if (sentAt <= this.slowedAt) {
            [this.rate, reason] = [Math.max(this.rate, count), "429 in flight"];
        } else {
            [this.rate, reason] = [Math.max(1, Math.floor(this.rate / 2)), "429 while paced"];
        }
        this.pause(now + (retryAfterMs ?? RATE_WINDOW_MS));
        if (events.hasSubscribers) events.publish({ requestsPerSecond: this.rate, reason, at: now } satisfies RateLimitEvent);
    }

    /** Grants waiting callers one by one; re-checks after every wait, as a 429 meanwhile may move the start. */
    private async pump(): Promise<void> {
        if (this.pumping) return;
        this.pumping = true;
        try {
            while (this.waiting.length > 0) {
                const spacing = this.rate === undefined ? 0 : Math.ceil((RATE_WINDOW_MS / this.rate) * SPACING_MARGIN);
                const wait = Math.max(this.pausedUntil, this.lastGrant + spacing) - this.clock.now();
                if (wait > 0) {
                    await this.clock.sleep(wait);
                    continue;
                }
                this.lastGrant = this.clock.now();
                this.waiting.shift()?.();
            }
        } finally {
            this.pumping = false;
        }
    }
}
