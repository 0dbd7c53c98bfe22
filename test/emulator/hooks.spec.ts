import assert from "node:assert/strict";
import { startEmulator } from "../../emulator";
import { HeldRequests } from "../support/held-requests";
import { call, emulatorFixture, imagePullBody, ManualClock, regularBody } from "./support";

describe("emulator test hooks", () => {
    const start = emulatorFixture();

    it("listens on 127.0.0.1 on a random port and exposes the base URL with /v1", async () => {
        const emulator = await start();
        assert.match(emulator.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
        assert.equal(emulator.url, `http://127.0.0.1:${emulator.port}/v1`);
        assert.ok(emulator.port > 0);
    });

    it("records each request with method, path, route, set name, status, parsed body and arrival time", async () => {
        const clock = new ManualClock(5000);
        const emulator = await start({ now: clock.now });
        await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
        clock.advance(10);
        await call(emulator, "GET", "/secrets/my-set?x=1");
        assert.deepEqual(emulator.requests, [
            {
                method: "PUT",
                path: "/v1/secrets/my-set",
                route: "PUT /secrets/:name",
                setName: "my-set",
                status: 202,
                body: { secrets: [{ secretKey: "A", secretValue: "1" }] },
                at: 5000,
                faulted: false,
            },
            {
                method: "GET",
                path: "/v1/secrets/my-set",
                route: "GET /secrets/:name",
                setName: "my-set",
                status: 200,
                at: 5010,
                faulted: false,
            },
        ]);
    });

    it("records requests that matched no route and requests that failed authentication", async () => {
        const emulator = await start();
        await call(emulator, "GET", "/nowhere");
        await call(emulator, "GET", "/secrets", { authorization: null });
        assert.deepEqual(
            emulator.requests.map((r) => [r.path, r.route, r.status]),
            [
                ["/v1/nowhere", undefined, 404],
                ["/v1/secrets", undefined, 401],
            ],
        );
    });

    it("counts requests by method, path, route, set name and status, or by predicate", async () => {
        const emulator = await start();
        await call(emulator, "PUT", "/secrets/one", { body: regularBody({ A: "1" }) });
        await call(emulator, "PUT", "/secrets/two", { body: regularBody({ A: "1" }) });
        await call(emulator, "GET", "/secrets/one");
        await call(emulator, "GET", "/secrets/missing");
        assert.equal(emulator.requestCount(), 4);
        assert.equal(emulator.requestCount({ method: "put" }), 2);
        assert.equal(emulator.requestCount({ path: "/v1/secrets/one" }), 2);
        assert.equal(emulator.requestCount({ route: "GET /secrets/:name" }), 2);
        assert.equal(emulator.requestCount({ setName: "two" }), 1);
        assert.equal(emulator.requestCount({ route: "GET /secrets/:name", status: 404 }), 1);
        assert.equal(
            emulator.requestCount((r) => r.status >= 400),
            1,
        );
    });

    it("forgets recorded requests on clearRequests and returns copies from requests", async () => {
        const emulator = await start();
        await call(emulator, "GET", "/secrets");
        const copy = emulator.requests;
        emulator.clearRequests();
        assert.equal(copy.length, 1);
        assert.deepEqual(emulator.requests, []);
        assert.equal(emulator.requestCount(), 0);
    });

    it("snapshots stored sets as plain copies that later changes do not affect", async () => {
        const emulator = await start();
        await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
        const before = emulator.snapshot();
        await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ B: "2" }) });
        assert.deepEqual(before, { "my-set": { type: "secret", region: "us-west", status: "ready", secrets: { A: "1" } } });
    });

    it("includes the errorMessage of a failed set in the snapshot", async () => {
        const emulator = await start();
        emulator.failProvisioning({ errorMessage: "boom" });
        await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
        assert.deepEqual(emulator.snapshot()["my-set"], {
            type: "secret",
            region: "us-west",
            status: "failed",
            secrets: { A: "1" },
            errorMessage: "boom",
        });
    });

    describe("seed", () => {
        it("creates a ready regular set visible over HTTP, in the default region", async () => {
            const emulator = await start();
            emulator.seed("existing", { secrets: { A: "1", B: "2" } });
            assert.deepEqual((await call(emulator, "GET", "/secrets/existing")).json, {
                secrets: [{ fieldName: "A" }, { fieldName: "B" }],
                region: "us-west",
                status: "ready",
            });
            assert.equal(emulator.requestCount(), 1, "seeding sends no request");
        });

        it("creates an image-pull set with a normalized host in a given region", async () => {
            const emulator = await start();
            emulator.seed("registry", { type: "imagePullSecret", host: "https://ghcr.io", secretValue: "x", region: "us-east" });
            assert.deepEqual(emulator.snapshot()["registry"], {
                type: "imagePullSecret",
                region: "us-east",
                status: "ready",
                host: "https://ghcr.io/",
                secretValue: "x",
            });
            assert.equal((await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io", "y") })).status, 400);
        });

        it("creates a pending set that becomes ready after readyAfterMs, or a failed one", async () => {
            const clock = new ManualClock();
            const emulator = await start({ readyAfterMs: 100, now: clock.now });
            emulator.seed("pending-set", { secrets: {}, status: "pending" });
            emulator.seed("failed-set", { secrets: { A: "1" }, status: "failed", errorMessage: "quota exceeded" });
            assert.equal(emulator.snapshot()["pending-set"]?.status, "pending");
            clock.advance(100);
            assert.equal(emulator.snapshot()["pending-set"]?.status, "ready");
            assert.deepEqual((await call(emulator, "GET", "/secrets/failed-set")).json, {
                secrets: [{ fieldName: "A" }],
                region: "us-west",
                status: "failed",
                errorMessage: "quota exceeded",
            });
        });

        it("replaces an existing set", async () => {
            const emulator = await start();
            emulator.seed("my-set", { secrets: { A: "1" } });
            emulator.seed("my-set", { secrets: { B: "2" } });
            const stored = emulator.snapshot()["my-set"];
            assert.ok(stored?.type === "secret");
            assert.deepEqual(stored.secrets, { B: "2" });
        });

        it("does not consume provisioning failure rules", async () => {
            const emulator = await start();
            emulator.failProvisioning();
            emulator.seed("seeded", { secrets: { A: "1" } });
            assert.equal(emulator.snapshot()["seeded"]?.status, "ready");
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
            assert.equal(emulator.snapshot()["my-set"]?.status, "failed");
        });

        it("throws a TypeError for an invalid name, key, region or host", async () => {
            const emulator = await start();
            assert.throws(() => emulator.seed("X", { secrets: {} }), {
                name: "TypeError",
                message: /seed\('X'\): set name must be 3 to 63/,
            });
            assert.throws(() => emulator.seed("my-set", { secrets: { "bad key": "v" } }), /key 'bad key' does not match/);
            assert.throws(() => emulator.seed("my-set", { secrets: {}, region: "mars" }), /region 'mars' is not one of/);
            assert.throws(
                () => emulator.seed("registry", { type: "imagePullSecret", host: "", secretValue: "x" }),
                /host must not be empty/,
            );
        });
    });

    describe("drift", () => {
        it("deletes a set behind the program's back with deleteDirect", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
            assert.equal(emulator.deleteDirect("my-set"), true);
            assert.equal(emulator.deleteDirect("my-set"), false);
            assert.equal((await call(emulator, "GET", "/secrets/my-set")).status, 404);
        });

        it("deletes a key behind the program's back with deleteKeyDirect, leaving readiness alone", async () => {
            const clock = new ManualClock();
            const emulator = await start({ readyAfterMs: 100, now: clock.now });
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1", B: "2" }) });
            clock.advance(100);
            assert.equal(emulator.deleteKeyDirect("my-set", "A"), true);
            assert.equal(emulator.deleteKeyDirect("my-set", "A"), false);
            assert.equal(emulator.deleteKeyDirect("missing", "A"), false);
            assert.deepEqual((await call(emulator, "GET", "/secrets/my-set")).json, {
                secrets: [{ fieldName: "B" }],
                region: "us-west",
                status: "ready",
            });
        });
    });

    describe("options", () => {
        const invalid: [Parameters<typeof startEmulator>[0], string][] = [
            [{ apiKey: "" }, "EmulatorOptions.apiKey must not be empty"],
            [{ port: 70000 }, "EmulatorOptions.port must be an integer from 0 to 65535"],
            [{ readyAfterMs: -1 }, "EmulatorOptions.readyAfterMs must be a non-negative number of milliseconds"],
            [{ imagePullUpdates: "maybe" as never }, 'EmulatorOptions.imagePullUpdates must be "refuse" or "accept"'],
            [{ regions: [] }, "EmulatorOptions.regions must name at least one region"],
            [{ regions: ["us-west", "us-west"] }, "EmulatorOptions.regions must not repeat a region"],
            [{ defaultRegion: "mars" }, "EmulatorOptions.defaultRegion must be one of regions (us-west, us-east, eu-central, ap-south)"],
            [{ limits: { maxKeysPerSet: 0 } }, "EmulatorOptions.limits.maxKeysPerSet must be a positive integer"],
            [{ sleep: 5 as never }, "EmulatorOptions.sleep must be a function (ms) => Promise<void>"],
        ];
        for (const [options, message] of invalid) {
            it(`refuses to start with ${JSON.stringify(options)}`, async () => {
                await assert.rejects(startEmulator(options), { name: "TypeError", message });
            });
        }

        it("defaults the region to the first configured one when us-west is not among them", async () => {
            const emulator = await start({ regions: ["eu-central"] });
            assert.deepEqual((await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) })).json, {
                status: "OK",
                region: "eu-central",
            });
        });

        it("rejects with the listen error when the port is taken", async () => {
            const first = await start();
            await assert.rejects(startEmulator({ port: first.port }), { code: "EADDRINUSE" });
        });

        it("closes idempotently and stops answering", async () => {
            const emulator = await startEmulator();
            await call(emulator, "GET", "/secrets");
            await emulator.close();
            await emulator.close();
            await assert.rejects(call(emulator, "GET", "/secrets"), /fetch failed/);
        });

        it("closes while a delayed request is held, without answering it", async () => {
            const held = new HeldRequests();
            const emulator = await startEmulator({ sleep: held.sleep });
            emulator.injectFault({ delayMs: 10_000 });
            const answer = call(emulator, "GET", "/secrets");
            await held.untilHeld(1);
            await emulator.close();
            await assert.rejects(answer, /fetch failed/);
            // Its wait ending after close() neither answers nor records it.
            held.releaseAll();
            await new Promise((resolve) => setImmediate(resolve));
            assert.equal(emulator.requestCount(), 0);
        });
    });
});
