/**
 * The shared readiness poller (provider/ticker.ts) on a fake clock: one list request per tick for every waiter,
 * a first look at once when idle, never an answer that started before a waiter registered, each waiter's own
 * bound, a failing list told to each waiter it served in its own words, and no tick once the waiters are gone.
 */
import * as assert from "node:assert/strict";
import type { CallContext } from "../../provider/api/call";
import { PipecatApiError } from "../../provider/errors";
import type { Look } from "../../provider/lifecycle";
import { configure, setTestHooks } from "../../provider/session";
import { LONG_TICK_MS, LONG_WAIT_MS, TICK_MS, Ticker, type Waiter } from "../../provider/ticker";

/** What one list request answered: its number and when it started. */
interface Answer {
    readonly n: number;
    readonly at: number;
}

function ctx(subject: string, step: CallContext["step"] = "readiness check"): CallContext {
    return { step, subject, advise: () => undefined };
}

const SHARED = ctx("the pending things");

describe("Ticker", () => {
    let clock = 0;
    let waits: number[] = [];
    let requests: Answer[] = [];
    /** Replaces what the next list request does (default: answers its number and start time). */
    let next: ((a: Answer) => Promise<Answer>) | undefined;
    let ticker: Ticker<Answer>;

    beforeEach(() => {
        clock = 0;
        waits = [];
        requests = [];
        next = undefined;
        setTestHooks({ now: () => clock, sleep: async (ms) => void (waits.push(ms), (clock += ms)) });
        ticker = new Ticker<Answer>(async (c) => {
            assert.equal(c, SHARED);
            const a = { n: requests.length + 1, at: clock };
            requests.push(a);
            const run = next;
            next = undefined;
            return run ? run(a) : a;
        }, SHARED);
    });
    afterEach(() => {
        setTestHooks({});
        configure(undefined);
    });

    /** A waiter done at its `looks`-th look, recording every answer it was given. */
    function waiter(looks: number, seen: Answer[] = [], timeoutMs = 60_000, subject = "thing"): Waiter<Answer, Answer> {
        return {
            ctx: ctx(`thing "${subject}"`),
            timeoutMs,
            setting: "pipecat:readyTimeoutSeconds",
            look: async (list): Promise<Look<Answer>> => {
                const a = await list();
                seen.push(a);
                if (seen.length >= looks) return { done: true, value: a };
                return { done: false, timedOut: (w) => new Error(`${subject} timed out after ${w.seconds} s (${w.bound})`) };
            },
        };
    }

    it("slows down to LONG_TICK_MS once every waiter has waited LONG_WAIT_MS, and a new waiter brings the short ticks back", async () => {
        const longLooks = LONG_WAIT_MS / TICK_MS + 4;
        const lone = ticker.wait(waiter(longLooks));
        // A second waiter arrives 20 s in, long after the first one's ticks slowed down.
        let late: Promise<Answer> | undefined;
        let arrival = 20_000;
        const started = new Promise<void>((resolve) => {
            const poll = async (): Promise<void> => {
                while (clock < arrival) await new Promise((r) => setImmediate(r));
                arrival = clock;
                late = ticker.wait(waiter(3));
                resolve();
            };
            void poll();
        });
        await started;
        await Promise.all([lone, late]);
        const at = requests.map((r) => r.at);
        const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
        // Short ticks for the first LONG_WAIT_MS, then LONG_TICK_MS apart until the second waiter, then short again.
        const short = gaps.slice(0, LONG_WAIT_MS / TICK_MS);
        assert.ok(
            short.every((g) => g === TICK_MS),
            gaps.join(", "),
        );
        const lateIndex = at.findIndex((t) => t >= arrival);
        assert.ok(
            gaps.slice(LONG_WAIT_MS / TICK_MS, lateIndex - 1).every((g) => g === LONG_TICK_MS),
            gaps.join(", "),
        );
        assert.ok(gaps.slice(LONG_WAIT_MS / TICK_MS, lateIndex - 1).length > 0, "some long ticks");
        assert.ok((at[lateIndex] as number) - arrival <= TICK_MS, `the late waiter, registered at ${arrival}, looked within a short tick`);
        assert.ok(
            gaps.slice(lateIndex).every((g) => g === TICK_MS),
            gaps.join(", "),
        );
        // Sleeps are never longer than a short tick.
        assert.ok(waits.every((w) => w <= TICK_MS));
    });

    it("serves every waiter with one list request per tick, TICK_MS apart", async () => {
        const seen = [[], [], [], []] as Answer[][];
        const done = await Promise.all([1, 3, 5, 2].map((looks, i) => ticker.wait(waiter(looks, seen[i]))));
        assert.deepEqual(
            requests.map((r) => r.at),
            [0, 1, 2, 3, 4].map((t) => t * TICK_MS),
        );
        assert.deepEqual(waits, Array<number>(4).fill(TICK_MS));
        assert.deepEqual(
            done.map((a) => a.n),
            [1, 3, 5, 2],
        );
        // Each tick's one answer went to every waiter still waiting.
        assert.deepEqual(
            seen[2]?.map((a) => a.n),
            [1, 2, 3, 4, 5],
        );
    });

    it("looks at once when no tick started in the last TICK_MS, else at the next tick", async () => {
        await ticker.wait(waiter(1));
        assert.deepEqual([requests.map((r) => r.at), waits], [[0], []]);
        clock += 100;
        await ticker.wait(waiter(1));
        assert.deepEqual(waits, [TICK_MS - 100]);
        assert.equal(requests[1]?.at, TICK_MS);
        clock += TICK_MS;
        await ticker.wait(waiter(1));
        assert.deepEqual(waits, [TICK_MS - 100], "no wait before a look when the last tick is older than TICK_MS");
        assert.equal(requests[2]?.at, 2 * TICK_MS);
    });

    it("never hands a waiter a list whose request started before it registered", async () => {
        let late: Promise<Answer> | undefined;
        const lateSeen: Answer[] = [];
        let registeredAt = -1;
        next = async (a) => {
            // Registers while the first tick's request is on its way.
            registeredAt = clock;
            late = ticker.wait(waiter(1, lateSeen));
            return a;
        };
        const first = await ticker.wait(waiter(1));
        const second = await late!;
        assert.deepEqual([first.n, second.n], [1, 2]);
        assert.ok(second.at >= registeredAt);
        assert.deepEqual(lateSeen, [second]);
    });

    it("ends each wait at its own bound, with its own error, while the others go on", async () => {
        const short = ticker.wait(waiter(100, [], 3 * TICK_MS, "short"));
        const long = ticker.wait(waiter(6, [], 60_000, "long"));
        const error = await short.then(
            () => assert.fail("the short wait ended"),
            (e: Error) => e,
        );
        // Looks at 0, 1, 2 and 3 ticks: a fifth would start past the bound.
        assert.equal(
            error.message,
            `short timed out after ${Math.round((3 * TICK_MS) / 1000)} s (pipecat:readyTimeoutSeconds is ${(3 * TICK_MS) / 1000})`,
        );
        assert.equal((await long).n, 6);
        assert.equal(requests.length, 6);
    });

    it("ends the waits a failing list served, each with its own copy naming its own resource, and only those", async () => {
        const later: Answer[] = [];
        let third: Promise<Answer> | undefined;
        next = async () => {
            third = ticker.wait(waiter(1, later, 60_000, "c"));
            throw new PipecatApiError(
                'readiness check of the pending things failed: Pipecat Cloud answered GET /things with 500: "boom".',
                500,
                "GET",
                "/things",
                undefined,
                "boom",
            );
        };
        const a = ticker.wait({ ...waiter(1), ctx: ctx('thing "a"') });
        const b = ticker.wait({ ...waiter(1), ctx: ctx('thing "b"', "deployment check") });
        const [ea, eb] = await Promise.all(
            [a, b].map((p) =>
                p.then(
                    () => assert.fail("served"),
                    (e: PipecatApiError) => e,
                ),
            ),
        );
        assert.equal(ea?.message, 'readiness check of thing "a" failed: Pipecat Cloud answered GET /things with 500: "boom".');
        assert.equal(eb?.message, 'deployment check of thing "b" failed: Pipecat Cloud answered GET /things with 500: "boom".');
        assert.notEqual(ea, eb);
        assert.ok(ea instanceof PipecatApiError && ea.status === 500);
        // The waiter that registered during the failing request was not served by it.
        assert.equal((await third!).n, 2);
        assert.deepEqual(
            later.map((x) => x.n),
            [2],
        );
    });

    it("stops ticking when the last waiter is gone: no request and no wait after it", async () => {
        await Promise.all([ticker.wait(waiter(2)), ticker.wait(waiter(3))]);
        assert.equal(requests.length, 3);
        assert.deepEqual(waits, [TICK_MS, TICK_MS]);
        for (let i = 0; i < 20; i++) await Promise.resolve();
        assert.equal(requests.length, 3);
        assert.deepEqual(waits, [TICK_MS, TICK_MS]);
        assert.equal(ticker.size, 0);
    });

    it("sends no list in a tick whose looks do not ask for it", async () => {
        let looks = 0;
        const value = await ticker.wait<string>({
            ctx: ctx("thing"),
            timeoutMs: 60_000,
            setting: "pipecat:deployTimeoutSeconds",
            look: async () => (++looks === 3 ? { done: true, value: "read by name" } : { done: false, timedOut: () => new Error("never") }),
        });
        assert.equal(value, "read by name");
        assert.deepEqual([requests.length, waits], [0, [TICK_MS, TICK_MS]]);
    });
});
