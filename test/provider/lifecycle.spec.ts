/**
 * The life cycle every resource shares (provider/lifecycle.ts): the bounded poll on the session's clock,
 * the delete-first rule, adoption by setting, and the guard that spares a name another resource wrote.
 */
import * as assert from "node:assert/strict";
import { UNKNOWN } from "../../provider/inputs";
import { deleteFirst, mayAdopt, noteWrite, poll, writtenByAnother } from "../../provider/lifecycle";
import { configure, setTestHooks } from "../../provider/session";

describe("lifecycle", () => {
    let clock = 0;
    let waits: number[] = [];
    beforeEach(() => {
        clock = 0;
        waits = [];
        setTestHooks({ now: () => clock, sleep: async (ms) => void (waits.push(ms), (clock += ms)) });
    });
    afterEach(() => {
        setTestHooks({});
        configure(undefined);
    });

    describe("poll", () => {
        const schedule = { firstMs: 250, timeoutMs: 10_000, setting: "pipecat:readyTimeoutSeconds" } as const;

        it("returns the first look that is done, waiting between looks from the first wait, doubling up to 5 s", async () => {
            let looks = 0;
            const value = await poll<string>(schedule, async () =>
                ++looks === 6 ? { done: true, value: "ready" } : { done: false, timedOut: () => new Error("never") },
            );
            assert.equal(value, "ready");
            assert.deepEqual(waits, [250, 500, 1000, 2000, 4000]);
        });

        it("throws the last look's timeout error, with the seconds waited and the bound as its setting, rather than wait past the bound", async () => {
            const error = await poll<never>(schedule, async () => ({
                done: false,
                timedOut: (waited) => new Error(`after ${waited.seconds} s (${waited.bound})`),
            })).then(
                () => assert.fail("the poll ended"),
                (e: Error) => e,
            );
            // 250 + 500 + 1000 + 2000 + 4000 = 7750 ms waited; the next wait (5000) would end past 10 s.
            assert.equal(error.message, "after 8 s (pipecat:readyTimeoutSeconds is 10)");
            assert.deepEqual(waits, [250, 500, 1000, 2000, 4000]);
        });

        it("ends at once on an error a look throws", async () => {
            await assert.rejects(
                poll(schedule, async () => {
                    throw new Error("failed to provision");
                }),
                /failed to provision/,
            );
            assert.deepEqual(waits, []);
        });
    });

    describe("deleteFirst", () => {
        it("deletes first a replacement that keeps a declared name", () => {
            assert.equal(deleteFirst("voice", { name: "voice" }), true);
        });

        it("creates first a replacement under a new name, an autonamed one, or one whose name is not known yet", () => {
            assert.equal(deleteFirst("voice", { name: "voice-2" }), false);
            assert.equal(deleteFirst("voice-abc1234", { name: "voice-abc1234", autonamePrefix: "voice" }), false);
            assert.equal(deleteFirst(UNKNOWN, { name: UNKNOWN }), false);
        });
    });

    describe("mayAdopt", () => {
        it("lets a resource adopt by its own adopt, or by pipecat:adopt naming it or *", () => {
            configure({ get: (key) => (key === "pipecat:adopt" ? "voice, other" : undefined) });
            assert.equal(mayAdopt("voice", undefined), true);
            assert.equal(mayAdopt("stranger", true), true);
            assert.equal(mayAdopt("stranger", false), false);
            configure({ get: (key) => (key === "pipecat:adopt" ? "*" : undefined) });
            assert.equal(mayAdopt("stranger", undefined), true);
        });
    });

    describe("writtenByAnother", () => {
        it("spares a name that another resource of the same kind wrote in this run, and only that", () => {
            noteWrite("SecretSet", "voice", "rev-new");
            assert.equal(writtenByAnother("SecretSet", "voice", "rev-old"), true);
            assert.equal(writtenByAnother("SecretSet", "voice", undefined), true);
            assert.equal(writtenByAnother("SecretSet", "voice", "rev-new"), false);
            assert.equal(writtenByAnother("Agent", "voice", "rev-old"), false);
            assert.equal(writtenByAnother("SecretSet", "other", "rev-old"), false);
        });

        it("forgets the names with the test hooks", () => {
            noteWrite("Agent", "voice", "dep-1");
            setTestHooks({});
            assert.equal(writtenByAnother("Agent", "voice", "dep-0"), false);
        });
    });
});
