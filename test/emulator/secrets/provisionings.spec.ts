import assert from "node:assert/strict";
import type { Emulator } from "../../../emulator";
import { call, emulatorFixture, ManualClock, regularBody } from "../support";

async function statusOf(emulator: Emulator, name: string): Promise<unknown> {
    return ((await call(emulator, "GET", `/secrets/${name}`)).json as { status: string }).status;
}

describe("emulator provisioning times per set (readyAfterMsFor, provisionings())", () => {
    const start = emulatorFixture();

    it("keeps each set pending for the time readyAfterMsFor gives its name, instead of readyAfterMs", async () => {
        const clock = new ManualClock(10_000);
        const pending: Record<string, number> = { fast: 1000, slow: 3000 };
        const emulator = await start({ now: clock.now, readyAfterMs: 99_999, readyAfterMsFor: (name) => pending[name] ?? 0 });
        await call(emulator, "PUT", "/secrets/fast", { body: regularBody({ A: "1" }) });
        await call(emulator, "PUT", "/secrets/slow", { body: regularBody({ A: "1" }) });
        clock.advance(999);
        assert.deepEqual([await statusOf(emulator, "fast"), await statusOf(emulator, "slow")], ["pending", "pending"]);
        clock.advance(1);
        assert.deepEqual([await statusOf(emulator, "fast"), await statusOf(emulator, "slow")], ["ready", "pending"]);
        clock.advance(2000);
        assert.equal(await statusOf(emulator, "slow"), "ready");
    });

    it("lists every provisioning a request started, with its start, the time it first reads ready, and whether it fails", async () => {
        const clock = new ManualClock(10_000);
        const emulator = await start({ now: clock.now, readyAfterMs: 500 });
        emulator.failProvisioning({ setName: "set-b" });
        await call(emulator, "PUT", "/secrets/set-a", { body: regularBody({ A: "1", B: "2" }) });
        clock.advance(100);
        await call(emulator, "PUT", "/secrets/set-b", { body: regularBody({ A: "1" }) });
        clock.advance(100);
        await call(emulator, "DELETE", "/secrets/set-a/B");
        emulator.seed("seeded-set", { secrets: { A: "1" }, status: "pending" });
        assert.deepEqual(emulator.provisionings(), [
            { setName: "set-a", region: "us-west", startedAt: 10_000, readyAt: 10_500, failed: false },
            { setName: "set-b", region: "us-west", startedAt: 10_100, readyAt: 10_600, failed: true },
            { setName: "set-a", region: "us-west", startedAt: 10_200, readyAt: 10_700, failed: false },
        ]);
    });

    it("fails the request that starts a provisioning, naming the option, when readyAfterMsFor returns no usable time", async () => {
        const emulator = await start({ readyAfterMsFor: () => -1 });
        const answer = await call(emulator, "PUT", "/secrets/set-a", { body: regularBody({ A: "1" }) });
        assert.equal(answer.status, 500);
        assert.deepEqual(emulator.snapshot(), {});
    });

    it("refuses a readyAfterMsFor that is not a function", async () => {
        await assert.rejects(start({ readyAfterMsFor: 5 as unknown as () => number }), {
            name: "TypeError",
            message: "EmulatorOptions.readyAfterMsFor must be a function (setName) => number",
        });
    });
});
