/**
 * The client's rate limiter: unit tests on virtual time, simulations against sliding- and fixed-window
 * servers, and 50 concurrent creates through the provider against the emulator's rate limit over real HTTP, on
 * virtual time shared by the provider and the emulator (time stands still while a request is on its way).
 *
 * "Never exceeds the limit" is measured like this: the client cannot recall requests already on their way
 * when it first learns of a 429, so those are reported but not judged. Every request the client *started*
 * after it slowed down (the limiter's first event on its diagnostics channel) is judged: the 1-second window
 * ending at its arrival at the server (half-open, as the emulator counts) must hold at most the limit of
 * requests, accepted and refused alike, whoever sent them; and none of them may be refused with 429.
 */
import * as assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";
import { type Emulator, startEmulator } from "../../../emulator";
import { RateLimiter as ServerWindow } from "../../../emulator/faults";
import { secretSetProvider } from "../../../provider";
import { RATE_LIMIT_CHANNEL, RATE_WINDOW_MS, type RateLimitEvent, RateLimiter, SPACING_MARGIN } from "../../../provider/api/rate";
import { VirtualTime } from "../../support/virtual-time";

type Implementation = typeof import("../../../provider/secretset/implementation");
const impl = require("pulumi-pipecat-secrets/implementation") as Implementation;

/** Spacing at a given rate, as the limiter computes it. */
const spacing = (rate: number): number => Math.ceil((RATE_WINDOW_MS / rate) * SPACING_MARGIN);

/** Most arrivals in any half-open 1 s window that ends at one of `ends`. */
function maxInWindow(arrivals: readonly number[], ends: readonly number[]): number {
    let max = 0;
    for (const end of ends) {
        max = Math.max(max, arrivals.filter((t) => t > end - RATE_WINDOW_MS && t <= end).length);
    }
    return max;
}

describe("RateLimiter", () => {
    let vt: VirtualTime;
    let limiter: RateLimiter;

    beforeEach(() => {
        vt = new VirtualTime();
        limiter = new RateLimiter({ now: vt.now, sleep: vt.sleep });
    });

    /** Grant times of `n` callers that all ask at once. */
    async function grants(n: number): Promise<number[]> {
        const times: number[] = [];
        await vt.run(Promise.all(Array.from({ length: n }, () => limiter.acquire().then(() => times.push(vt.now())))));
        return times;
    }

    it("holds nothing before the first 429", async () => {
        const start = vt.now();
        for (let i = 0; i < 20; i++) limiter.observe(vt.now(), 200);
        assert.deepEqual(await grants(100), Array(100).fill(start));
        assert.equal(limiter.requestsPerSecond, undefined);
    });

    it("after a 429, paces at the number of requests accepted in the second before it", async () => {
        const t = vt.now();
        for (const sent of [t - 1500, t - 1200]) limiter.observe(sent, 200); // outside the window: not counted
        for (let i = 0; i < 7; i++) limiter.observe(t - 900 + i * 100, 202);
        limiter.observe(t, 500); // a server error still passed the server's limiter
        limiter.observe(t, 429); // no Retry-After: one window's pause
        assert.equal(limiter.requestsPerSecond, 8);
        const times = await grants(4);
        assert.deepEqual(times, [t + 1000, t + 1000 + spacing(8), t + 1000 + 2 * spacing(8), t + 1000 + 3 * spacing(8)]);
    });

    it("never goes below one request per second", async () => {
        limiter.observe(vt.now(), 429);
        assert.equal(limiter.requestsPerSecond, 1);
        const times = await grants(3);
        assert.deepEqual(
            times.map((x) => x - times[0]!),
            [0, spacing(1), 2 * spacing(1)],
        );
    });

    it("holds every caller for a Retry-After, and a later one extends the pause of those already waiting", async () => {
        const t = vt.now();
        limiter.observe(t, 200);
        limiter.observe(t, 429, 3000);
        const times: number[] = [];
        const callers = Promise.all([1, 2].map(() => limiter.acquire().then(() => times.push(vt.now()))));
        const extend = vt.sleep(2000).then(() => limiter.pause(vt.now() + 5000));
        await vt.run(Promise.all([callers, extend]));
        assert.deepEqual(times, [t + 7000, t + 7000 + spacing(1)]);
    });

    it("keeps a long Retry-After when a later 429 or pause asks for a shorter one", async () => {
        const t = vt.now();
        limiter.observe(t, 200);
        limiter.observe(t, 429, 10_000);
        const times: number[] = [];
        // A second later: a 429 without Retry-After (one window's pause) and a pause of two seconds; then callers ask.
        const later = vt.sleep(1000).then(async () => {
            limiter.observe(vt.now(), 429);
            limiter.pause(vt.now() + 2000);
            await vt.sleep(500);
            await Promise.all([1, 2].map(() => limiter.acquire().then(() => times.push(vt.now()))));
        });
        await vt.run(later);
        assert.equal(limiter.requestsPerSecond, 1);
        assert.deepEqual(times, [t + 10_000, t + 10_000 + spacing(1)]);
    });

    it("serves callers in the order they asked", async () => {
        limiter.observe(vt.now(), 200);
        limiter.observe(vt.now(), 200);
        limiter.observe(vt.now(), 429);
        const order: number[] = [];
        const asks = Array.from({ length: 10 }, (_, i) => limiter.acquire().then(() => order.push(i)));
        await vt.run(Promise.all(asks));
        assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it("lets a 429 that was already in flight raise the estimate, never above its own count", () => {
        const t = vt.now();
        for (let i = 0; i < 3; i++) limiter.observe(t, 200);
        limiter.observe(t, 429); // seen before the other accepted answers arrived
        assert.equal(limiter.requestsPerSecond, 3);
        for (let i = 0; i < 5; i++) limiter.observe(t, 200);
        limiter.observe(t, 429); // sent at t, before the limiter slowed down: a better count
        assert.equal(limiter.requestsPerSecond, 8);
        limiter.observe(t - 500, 429); // an older one, fewer accepted before it: no change
        assert.equal(limiter.requestsPerSecond, 8);
    });

    it("halves the rate when a request it paced is still refused", async () => {
        for (let i = 0; i < 8; i++) limiter.observe(vt.now(), 200);
        limiter.observe(vt.now(), 429);
        await vt.run(vt.sleep(1));
        limiter.observe(vt.now(), 429);
        assert.equal(limiter.requestsPerSecond, 4);
        await vt.run(vt.sleep(1));
        limiter.observe(vt.now(), 429);
        limiter.observe(vt.now(), 429);
        limiter.observe(vt.now(), 429);
        assert.equal(limiter.requestsPerSecond, 1);
    });

    it("publishes every change of rate on its diagnostics channel", () => {
        const seen: RateLimitEvent[] = [];
        const listener = (m: unknown): void => void seen.push(m as RateLimitEvent);
        subscribe(RATE_LIMIT_CHANNEL, listener);
        try {
            limiter.observe(vt.now(), 200);
            limiter.observe(vt.now(), 429);
        } finally {
            unsubscribe(RATE_LIMIT_CHANNEL, listener);
        }
        assert.deepEqual(seen, [{ requestsPerSecond: 1, reason: "first 429", at: vt.now() }]);
    });

    /**
     * 50 resources' worth of concurrent work (3 requests each) through one limiter against a server whose
     * `allow` decides each arrival; a request takes `latency` ms each way; a refused one waits its Retry-After
     * (1 s) and is sent again, as the client does. `startDelay` staggers the workers' first requests.
     */
    async function simulate(allow: () => boolean, startDelay: (worker: number) => number = () => 0) {
        const latency = 3;
        const log: { at: number; ok: boolean; paced: boolean }[] = [];
        let maxRate = 0;
        const worker = async (_: unknown, i: number): Promise<void> => {
            await vt.sleep(startDelay(i));
            for (let done = 0; done < 3;) {
                await limiter.acquire();
                const paced = limiter.requestsPerSecond !== undefined;
                maxRate = Math.max(maxRate, limiter.requestsPerSecond ?? 0);
                const sentAt = vt.now();
                await vt.sleep(latency);
                const ok = allow();
                log.push({ at: vt.now(), ok, paced });
                await vt.sleep(latency);
                limiter.observe(sentAt, ok ? 202 : 429, ok ? undefined : 1000);
                if (ok) done++;
                else await vt.sleep(1000);
            }
        };
        await vt.run(Promise.all(Array.from({ length: 50 }, worker)));
        const arrivals = log.map((r) => r.at);
        const paced = log.filter((r) => r.paced);
        return {
            log,
            refused: log.filter((r) => !r.ok).length,
            pacedRefused: paced.filter((r) => !r.ok).length,
            maxAfter: maxInWindow(
                arrivals,
                paced.map((r) => r.at),
            ),
            maxRate,
        };
    }

    it("keeps a sliding-window server's limit after the first 429, without another refusal", async () => {
        const server = new ServerWindow(10, vt.now);
        const result = await simulate(() => server.allow());
        assert.ok(result.refused > 0, "the burst must have been refused at first");
        assert.equal(result.pacedRefused, 0);
        assert.ok(result.maxAfter <= 10, `${result.maxAfter} requests in one second after slowing down`);
        assert.equal(limiter.requestsPerSecond, 10);
        assert.equal(result.log.filter((r) => r.ok).length, 150);
    });

    it("settles under a fixed-window server's limit by halving", async () => {
        // The burst straddles a window boundary (at 1_000_000): 10 accepted just before it, 10 just after, so the second before
        // the first 429 holds 20 accepted requests, twice the limit. Only halving brings the rate down.
        vt = new VirtualTime(999_990);
        limiter = new RateLimiter({ now: vt.now, sleep: vt.sleep });
        const counts = new Map<number, number>();
        const allow = (): boolean => {
            const window = Math.floor(vt.now() / RATE_WINDOW_MS);
            const n = counts.get(window) ?? 0;
            if (n >= 10) return false;
            counts.set(window, n + 1);
            return true;
        };
        const result = await simulate(allow, (i) => (i < 10 ? 4 : 10));
        assert.ok(result.maxRate > 10, `the first estimate (${result.maxRate}) did not overshoot: halving was not exercised`);
        assert.ok(result.pacedRefused > 0, "the fixed window never refused a paced request: halving was not exercised");
        assert.equal(result.log.filter((r) => r.ok).length, 150);
        assert.ok((limiter.requestsPerSecond ?? Infinity) <= 10, `settled at ${limiter.requestsPerSecond} per second`);
        // Refusals of paced requests stop after a few halvings: none in the second half of the run.
        const paced = result.log.filter((r) => r.paced);
        const secondHalf = paced.slice(Math.floor(paced.length / 2));
        assert.equal(secondHalf.filter((r) => !r.ok).length, 0);
    });
});

/** Counts the HTTP client requests of this process that have started and not yet finished (or failed). */
function httpInFlight(): { readonly count: () => number; readonly stop: () => void } {
    let open = 0;
    const started = (): void => void open++;
    const ended = (): void => void open--;
    subscribe("http.client.request.start", started);
    subscribe("http.client.response.finish", ended);
    subscribe("http.client.request.error", ended);
    return {
        count: () => open,
        stop: () => {
            unsubscribe("http.client.request.start", started);
            unsubscribe("http.client.response.finish", ended);
            unsubscribe("http.client.request.error", ended);
        },
    };
}

describe("rate limiting against the emulator (virtual time)", () => {
    const KEY = "pk-rate-API-KEY-never-shown-0001";
    let emulator: Emulator | undefined;

    afterEach(async () => {
        impl.setTestHooks({});
        await emulator?.close();
        emulator = undefined;
    });

    it("creates 50 sets concurrently and, once slowed down, never exceeds 10 requests per second", async function () {
        const LIMIT = 10;
        // One virtual clock for the provider's waits (Retry-After, pacing, readiness) and the emulator's window.
        const vt = new VirtualTime();
        emulator = await startEmulator({ apiKey: KEY, rateLimit: { requestsPerSecond: LIMIT }, now: vt.now });
        const config = { "pipecat:apiKey": KEY, "pipecat:apiUrl": emulator.url };
        await secretSetProvider.configure!({ config: { get: (k: string) => config[k as keyof typeof config], require: () => "" } });
        impl.setTestHooks({ sleep: vt.sleep, now: vt.now, random: () => 0.5 });
        const http = httpInFlight();

        // One sequence orders the client's request starts and the limiter's events exactly (both are synchronous).
        let seq = 0;
        const starts: { seq: number; key: string }[] = [];
        const rateEvents: (RateLimitEvent & { seq: number })[] = [];
        const onStart = (m: unknown): void => {
            const request = (m as { request: ClientRequest }).request;
            if (request.path.startsWith("/v1/")) starts.push({ seq: seq++, key: `${request.method} ${request.path}` });
        };
        const onRate = (m: unknown): void => void rateEvents.push({ ...(m as RateLimitEvent), seq: seq++ });
        subscribe("http.client.request.start", onStart);
        subscribe(RATE_LIMIT_CHANNEL, onRate);

        const names = Array.from({ length: 50 }, (_, i) => `rate-set-${String(i).padStart(2, "0")}`);
        const valueOf = (name: string, key: string): string => `value-${key}-of-${name}-never-shown`;
        const started = vt.now();
        let outcomes: PromiseSettledResult<unknown>[];
        try {
            const work = Promise.allSettled(
                names.map(async (name) => {
                    const inputs = { name, secrets: { FIRST: valueOf(name, "FIRST"), SECOND: valueOf(name, "SECOND") } };
                    const checked = await secretSetProvider.check!({}, inputs);
                    return secretSetProvider.create(checked.inputs);
                }),
            );
            outcomes = await vt.run(work, 10 * 60_000, () => http.count() > 0);
        } finally {
            http.stop();
            unsubscribe("http.client.request.start", onStart);
            unsubscribe(RATE_LIMIT_CHANNEL, onRate);
        }
        const elapsedMs = vt.now() - started;

        // Every create succeeded with exactly its values.
        const failed = outcomes.filter((o) => o.status === "rejected").map((o) => String((o as PromiseRejectedResult).reason));
        assert.deepEqual(failed, []);
        const snapshot = emulator.snapshot();
        assert.deepEqual(Object.keys(snapshot).sort(), names);
        for (const name of names) {
            const set = snapshot[name];
            assert.deepEqual(set?.type === "secret" ? set.secrets : undefined, {
                FIRST: valueOf(name, "FIRST"),
                SECOND: valueOf(name, "SECOND"),
            });
        }

        // The emulator did rate-limit the burst, and the client reacted.
        const first = rateEvents[0];
        assert.ok(emulator.rateLimitedCount > 0, "the emulator never answered 429: the test proves nothing");
        assert.ok(first !== undefined, "the limiter never slowed down");

        // Match each request the emulator saw to the client request that sent it. A set's requests are sequential,
        // so per method and path they arrive in the order they were started.
        const startsByKey = new Map<string, number[]>();
        for (const s of starts) startsByKey.set(s.key, [...(startsByKey.get(s.key) ?? []), s.seq]);
        const requests = [...emulator.requests].sort((a, b) => a.at - b.at);
        const seenByKey = new Map<string, number>();
        const judged = requests.map((r) => {
            const key = `${r.method} ${r.path}`;
            const i = seenByKey.get(key) ?? 0;
            seenByKey.set(key, i + 1);
            const startSeq = startsByKey.get(key)?.[i];
            assert.ok(startSeq !== undefined, `the emulator saw ${key} #${i + 1} that the client never started`);
            return { at: r.at, status: r.status, governed: startSeq > first.seq };
        });
        assert.equal(judged.length, starts.length, "every request the client started reached the emulator");

        const arrivals = judged.map((r) => r.at);
        const governed = judged.filter((r) => r.governed);
        const inFlight = judged.filter((r) => !r.governed && r.at >= (judged.find((x) => x.status === 429)?.at ?? Infinity));
        const maxGoverned = maxInWindow(
            arrivals,
            governed.map((r) => r.at),
        );
        const maxFromFirst429 = maxInWindow(
            arrivals,
            inFlight.concat(governed).map((r) => r.at),
        );
        const refusedGoverned = governed.filter((r) => r.status === 429).length;
        const rates = rateEvents.map((e) => e.requestsPerSecond).filter((r, i, all) => i === 0 || r !== all[i - 1]);
        const finalRate = rates[rates.length - 1];
        console.log(
            `      rate limit ${LIMIT}/s: ${judged.length} requests, ${emulator.rateLimitedCount} refused (all sent before the client ` +
                `slowed down); ${governed.length} sent after: at most ${maxGoverned} in any 1 s window ending at one of them, ` +
                `${refusedGoverned} refused; counting the ${inFlight.length} already in flight: ${maxFromFirst429}; ` +
                `client rate ${rates.join(" -> ")}/s; ${(elapsedMs / 1000).toFixed(1)} s of virtual time`,
        );
        assert.equal(refusedGoverned, 0, "a request sent after the client slowed down was refused");
        assert.ok(maxGoverned <= LIMIT, `${maxGoverned} requests in one second after slowing down (limit ${LIMIT})`);
        assert.ok(finalRate !== undefined && finalRate <= LIMIT);
        // Every set still had requests to send once the client slowed down (its PUT or its readiness wait).
        assert.ok(governed.length >= names.length, "most of the work happened after the first 429");
    });
});
