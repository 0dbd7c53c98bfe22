import assert from "node:assert/strict";
import type { Emulator } from "../../../emulator";
import { call, emulatorFixture, imagePullBody, ManualClock, regularBody } from "../support";

async function statusOf(emulator: Emulator, name: string): Promise<unknown> {
    return ((await call(emulator, "GET", `/secrets/${name}`)).json as { status: string }).status;
}

async function listed(emulator: Emulator, name: string): Promise<unknown> {
    const { sets } = (await call(emulator, "GET", "/secrets")).json as { sets: { name: string; status: string }[] };
    return sets.find((s) => s.name === name)?.status;
}

describe("emulator readiness", () => {
    const start = emulatorFixture();

    it("reports a new set as ready at the next read when readyAfterMs is 0", async () => {
        const emulator = await start();
        await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
        assert.equal(await statusOf(emulator, "my-set"), "ready");
    });

    it("reports a new set as pending until readyAfterMs has passed, then ready, in both GETs", async () => {
        const clock = new ManualClock();
        const emulator = await start({ readyAfterMs: 5000, now: clock.now });
        await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
        assert.equal(await statusOf(emulator, "my-set"), "pending");
        assert.equal(await listed(emulator, "my-set"), "pending");
        clock.advance(4999);
        assert.equal(await statusOf(emulator, "my-set"), "pending");
        clock.advance(1);
        assert.equal(await statusOf(emulator, "my-set"), "ready");
        assert.equal(await listed(emulator, "my-set"), "ready");
    });

    it("moves a ready set back to pending on every update", async () => {
        const clock = new ManualClock();
        const emulator = await start({ readyAfterMs: 100, now: clock.now });
        await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
        clock.advance(100);
        assert.equal(await statusOf(emulator, "my-set"), "ready");
        await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ B: "2" }) });
        assert.equal(await statusOf(emulator, "my-set"), "pending");
    });

    it("moves a set back to pending when one of its keys is deleted", async () => {
        const clock = new ManualClock();
        const emulator = await start({ readyAfterMs: 100, now: clock.now });
        await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1", B: "2" }) });
        clock.advance(100);
        await call(emulator, "DELETE", "/secrets/my-set/A");
        assert.equal(await statusOf(emulator, "my-set"), "pending");
        clock.advance(100);
        assert.equal(await statusOf(emulator, "my-set"), "ready");
    });

    it("leaves a set unchanged by a refused update", async () => {
        const clock = new ManualClock();
        const emulator = await start({ readyAfterMs: 100, now: clock.now });
        await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
        clock.advance(100);
        await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }, "us-east") });
        assert.equal(await statusOf(emulator, "my-set"), "ready");
    });

    it("runs on Date.now when no clock is injected", async () => {
        // Date.now stands in for the wall clock: the default is checked without waiting for real time to pass.
        const realNow = Date.now;
        let wall = realNow();
        Date.now = () => wall;
        try {
            const emulator = await start({ readyAfterMs: 50 });
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
            assert.equal(emulator.requests[0]?.at, wall);
            wall += 49;
            assert.equal(await statusOf(emulator, "my-set"), "pending");
            wall += 1;
            assert.equal(await statusOf(emulator, "my-set"), "ready");
        } finally {
            Date.now = realNow;
        }
    });

    it("shows an image-pull set's readiness in the list", async () => {
        const clock = new ManualClock();
        const emulator = await start({ readyAfterMs: 100, now: clock.now });
        await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io", "x") });
        assert.equal(await listed(emulator, "registry"), "pending");
        clock.advance(100);
        assert.equal(await listed(emulator, "registry"), "ready");
    });

    describe("injected provisioning failures", () => {
        it("ends the next provisioning failed with an errorMessage, after the pending time", async () => {
            const clock = new ManualClock();
            const emulator = await start({ readyAfterMs: 100, now: clock.now });
            emulator.failProvisioning({ errorMessage: "Region us-west is unavailable" });
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
            assert.deepEqual((await call(emulator, "GET", "/secrets/my-set")).json, {
                secrets: [{ fieldName: "A" }],
                region: "us-west",
                status: "pending",
            });
            clock.advance(100);
            assert.deepEqual((await call(emulator, "GET", "/secrets/my-set")).json, {
                secrets: [{ fieldName: "A" }],
                region: "us-west",
                status: "failed",
                errorMessage: "Region us-west is unavailable",
            });
            assert.equal(await listed(emulator, "my-set"), "failed");
        });

        it("uses a default errorMessage naming the set and region", async () => {
            const emulator = await start();
            emulator.failProvisioning();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }, "eu-central") });
            const json = (await call(emulator, "GET", "/secrets/my-set")).json as { errorMessage: string };
            assert.equal(json.errorMessage, "Provisioning of secret set 'my-set' in region 'eu-central' failed (injected by the emulator)");
        });

        it("fails only the next provisioning by default, so a retried PUT succeeds", async () => {
            const emulator = await start();
            const handle = emulator.failProvisioning();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
            assert.equal(await statusOf(emulator, "my-set"), "failed");
            assert.equal(handle.hits, 1);
            assert.equal(handle.remaining, 0);
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
            assert.equal(await statusOf(emulator, "my-set"), "ready");
        });

        it("fails only the named set when setName is given", async () => {
            const emulator = await start();
            emulator.failProvisioning({ setName: "bad-set" });
            await call(emulator, "PUT", "/secrets/good-set", { body: regularBody({ A: "1" }) });
            await call(emulator, "PUT", "/secrets/bad-set", { body: regularBody({ A: "1" }) });
            assert.equal(await statusOf(emulator, "good-set"), "ready");
            assert.equal(await statusOf(emulator, "bad-set"), "failed");
        });

        it("fails every provisioning with times Infinity until cleared", async () => {
            const emulator = await start();
            const handle = emulator.failProvisioning({ times: Infinity });
            for (const name of ["one", "two", "three"]) {
                await call(emulator, "PUT", `/secrets/${name}`, { body: regularBody({ A: "1" }) });
                assert.equal(await statusOf(emulator, name), "failed");
            }
            assert.equal(handle.hits, 3);
            handle.clear();
            await call(emulator, "PUT", "/secrets/four", { body: regularBody({ A: "1" }) });
            assert.equal(await statusOf(emulator, "four"), "ready");
        });

        it("is withdrawn by clearFaults", async () => {
            const emulator = await start();
            emulator.failProvisioning({ times: Infinity });
            emulator.clearFaults();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
            assert.equal(await statusOf(emulator, "my-set"), "ready");
        });

        it("applies to image-pull sets too", async () => {
            const emulator = await start();
            emulator.failProvisioning({ setName: "registry" });
            await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io", "x") });
            assert.equal(await listed(emulator, "registry"), "failed");
        });

        it("refuses an invalid times with a TypeError naming the option", async () => {
            const emulator = await start();
            assert.throws(() => emulator.failProvisioning({ times: 0 }), {
                name: "TypeError",
                message: "failProvisioning({ times }) must be a positive integer or Infinity (got 0)",
            });
        });
    });
});
