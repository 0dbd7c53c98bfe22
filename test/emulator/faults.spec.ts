import assert from "node:assert/strict";
import { HeldRequests } from "../support/held-requests";
import { call, emulatorFixture, ManualClock, regularBody } from "./support";

describe("emulator fault injection", () => {
    const start = emulatorFixture();

    it("answers an injected status with the error shape, then handles the next request normally", async () => {
        const emulator = await start();
        emulator.injectFault({ route: "GET /secrets", status: 500 });
        const faulted = await call(emulator, "GET", "/secrets");
        assert.equal(faulted.status, 500);
        assert.deepEqual(faulted.json, { error: "Internal server error (injected fault)", code: "INTERNAL_SERVER_ERROR" });
        assert.equal((await call(emulator, "GET", "/secrets")).status, 200);
    });

    it("answers an injected 409 with the contract's concurrent-modification message naming the set", async () => {
        const emulator = await start();
        emulator.injectFault({ route: "PUT /secrets/:name", status: 409 });
        const answer = await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
        assert.equal(answer.status, 409);
        assert.deepEqual(answer.json, { error: "Secret set 'my-set' was modified concurrently. Please retry.", code: "CONFLICT" });
    });

    it("does not change state on a faulted request", async () => {
        const emulator = await start();
        await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
        emulator.injectFault({ route: "PUT /secrets/:name", status: 503 });
        emulator.injectFault({ route: "DELETE /secrets/:name", status: 500 });
        assert.equal((await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ B: "2" }) })).status, 503);
        assert.equal((await call(emulator, "DELETE", "/secrets/my-set")).status, 500);
        const stored = emulator.snapshot()["my-set"];
        assert.ok(stored?.type === "secret");
        assert.deepEqual(stored.secrets, { A: "1" });
    });

    it("applies the change and then answers the fault when afterApply is set", async () => {
        const emulator = await start();
        emulator.injectFault({ route: "PUT /secrets/:name", status: 502, afterApply: true });
        const answer = await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
        assert.equal(answer.status, 502);
        const stored = emulator.snapshot()["my-set"];
        assert.ok(stored?.type === "secret");
        assert.deepEqual(stored.secrets, { A: "1" });
    });

    it("sets the Retry-After header, with a 429 by default when only retryAfter is given", async () => {
        const emulator = await start();
        emulator.injectFault({ route: "GET /secrets", retryAfter: 3 });
        const answer = await call(emulator, "GET", "/secrets");
        assert.equal(answer.status, 429);
        assert.equal(answer.headers.get("retry-after"), "3");
        assert.equal((answer.json as { code: string }).code, "TOO_MANY_REQUESTS");
        emulator.injectFault({ route: "GET /secrets", status: 503, retryAfter: 0 });
        const unavailable = await call(emulator, "GET", "/secrets");
        assert.equal(unavailable.status, 503);
        assert.equal(unavailable.headers.get("retry-after"), "0");
        assert.equal((await call(emulator, "GET", "/secrets")).headers.get("retry-after"), null);
    });

    it("sends an injected body verbatim, with status 200 by default (malformed JSON)", async () => {
        const emulator = await start();
        emulator.injectFault({ route: "GET /secrets", body: "<html>gateway</html>" });
        const answer = await call(emulator, "GET", "/secrets");
        assert.equal(answer.status, 200);
        assert.equal(answer.text, "<html>gateway</html>");
        assert.equal(answer.json, undefined);
    });

    it("sends an injected body verbatim (JSON of the wrong shape)", async () => {
        const emulator = await start();
        await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
        emulator.injectFault({ route: "GET /secrets/:name", body: '{"secrets":"nope","status":42}' });
        const answer = await call(emulator, "GET", "/secrets/my-set");
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.json, { secrets: "nope", status: 42 });
    });

    it("sends an injected body with an injected status", async () => {
        const emulator = await start();
        emulator.injectFault({ route: "DELETE /secrets/:name", status: 500, body: "" });
        const answer = await call(emulator, "DELETE", "/secrets/my-set");
        assert.equal(answer.status, 500);
        assert.equal(answer.text, "");
    });

    it("drops the connection without an answer and without changing state", async () => {
        const emulator = await start();
        emulator.injectFault({ route: "PUT /secrets/:name", drop: true });
        await assert.rejects(call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) }), /fetch failed/);
        assert.deepEqual(emulator.snapshot(), {});
        assert.equal(emulator.requestCount({ route: "PUT /secrets/:name", status: 0 }), 1);
    });

    it("drops the connection after applying the change when afterApply is set (a lost response)", async () => {
        const emulator = await start();
        emulator.injectFault({ route: "PUT /secrets/:name", drop: true, afterApply: true });
        await assert.rejects(call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) }), /fetch failed/);
        assert.ok(emulator.snapshot()["my-set"] !== undefined);
    });

    it("delays a request and then handles it normally when only delayMs is given", async () => {
        const held = new HeldRequests();
        const emulator = await start({ sleep: held.sleep });
        emulator.injectFault({ route: "PUT /secrets/:name", delayMs: 150 });
        const answer = call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
        await held.untilHeld(1);
        assert.deepEqual(held.delays, [150]);
        // Held: not handled and not answered yet.
        assert.deepEqual(emulator.snapshot(), {});
        assert.equal(emulator.requestCount(), 0);
        held.releaseAll();
        assert.equal((await answer).status, 202);
        const set = emulator.snapshot()["my-set"];
        assert.deepEqual(set?.type === "secret" ? set.secrets : undefined, { A: "1" });
    });

    it("holds a delayed request while other requests are answered", async () => {
        const held = new HeldRequests();
        const emulator = await start({ sleep: held.sleep });
        emulator.injectFault({ route: "GET /secrets", delayMs: 500 });
        const slow = call(emulator, "GET", "/secrets");
        await held.untilHeld(1);
        assert.equal((await call(emulator, "GET", "/regions")).status, 200);
        assert.equal(emulator.requestCount({ route: "GET /secrets" }), 0);
        held.releaseAll();
        assert.equal((await slow).status, 200);
        assert.equal(emulator.requestCount({ route: "GET /secrets" }), 1);
    });

    it("delays before answering an injected status", async () => {
        const held = new HeldRequests();
        const emulator = await start({ sleep: held.sleep });
        emulator.injectFault({ route: "GET /secrets", delayMs: 100, status: 504 });
        let answered = false;
        const answer = call(emulator, "GET", "/secrets").then((a) => ((answered = true), a));
        await held.untilHeld(1);
        assert.deepEqual(held.delays, [100]);
        assert.equal(answered, false, "answered before the delay ended");
        assert.equal(emulator.requestCount(), 0);
        held.releaseAll();
        assert.equal((await answer).status, 504);
        assert.equal(
            emulator.requestCount((r) => r.status === 504 && r.faulted),
            1,
        );
    });

    it("waits for no delay when the fault has none", async () => {
        const held = new HeldRequests();
        const emulator = await start({ sleep: held.sleep });
        emulator.injectFault({ route: "GET /secrets", status: 503 });
        assert.equal((await call(emulator, "GET", "/secrets")).status, 503);
        assert.deepEqual(held.delays, []);
    });

    it("applies to as many matching requests as times says, and reports hits and remaining", async () => {
        const emulator = await start();
        const handle = emulator.injectFault({ route: "GET /secrets", status: 500, times: 2 });
        assert.equal(handle.remaining, 2);
        const statuses = [];
        for (let i = 0; i < 3; i++) statuses.push((await call(emulator, "GET", "/secrets")).status);
        assert.deepEqual(statuses, [500, 500, 200]);
        assert.equal(handle.hits, 2);
        assert.equal(handle.remaining, 0);
    });

    it("applies to every matching request with times Infinity until the handle is cleared", async () => {
        const emulator = await start();
        const handle = emulator.injectFault({ route: "GET /secrets", status: 500, times: Infinity });
        for (let i = 0; i < 5; i++) assert.equal((await call(emulator, "GET", "/secrets")).status, 500);
        assert.equal(handle.hits, 5);
        assert.equal(handle.remaining, Infinity);
        handle.clear();
        assert.equal(handle.remaining, 0);
        assert.equal((await call(emulator, "GET", "/secrets")).status, 200);
    });

    it("withdraws every fault on clearFaults", async () => {
        const emulator = await start();
        emulator.injectFault({ status: 500, times: Infinity });
        emulator.injectFault({ route: "GET /regions", drop: true });
        emulator.clearFaults();
        assert.equal((await call(emulator, "GET", "/secrets")).status, 200);
        assert.equal((await call(emulator, "GET", "/regions")).status, 200);
    });

    it("matches only the given route, method and set name", async () => {
        const emulator = await start();
        await call(emulator, "PUT", "/secrets/one", { body: regularBody({ A: "1" }) });
        await call(emulator, "PUT", "/secrets/two", { body: regularBody({ A: "1" }) });
        emulator.injectFault({ method: "delete", setName: "two", status: 500, times: Infinity });
        assert.equal((await call(emulator, "GET", "/secrets/two")).status, 200);
        assert.equal((await call(emulator, "DELETE", "/secrets/one/A")).status, 200);
        assert.equal((await call(emulator, "DELETE", "/secrets/two/A")).status, 500);
        assert.equal((await call(emulator, "DELETE", "/secrets/two")).status, 500);
        emulator.clearFaults();
        emulator.injectFault({ route: "DELETE /secrets/:name/:key", status: 500 });
        assert.equal((await call(emulator, "DELETE", "/secrets/two")).status, 200);
    });

    it("applies a fault without filters to any authenticated request on a known route", async () => {
        const emulator = await start();
        emulator.injectFault({ status: 500, times: 3 });
        assert.equal((await call(emulator, "GET", "/secrets", { authorization: null })).status, 401);
        assert.equal((await call(emulator, "GET", "/nowhere")).status, 404);
        assert.equal((await call(emulator, "GET", "/regions")).status, 500);
    });

    it("uses the oldest matching fault first", async () => {
        const emulator = await start();
        emulator.injectFault({ route: "GET /secrets", status: 502 });
        emulator.injectFault({ status: 503 });
        assert.equal((await call(emulator, "GET", "/secrets")).status, 502);
        assert.equal((await call(emulator, "GET", "/secrets")).status, 503);
    });

    it("answers a faulted PUT with the fault even when its body is invalid", async () => {
        const emulator = await start();
        emulator.injectFault({ route: "PUT /secrets/:name", status: 500 });
        assert.equal((await call(emulator, "PUT", "/secrets/my-set", { rawBody: "{" })).status, 500);
    });

    it("marks faulted requests in the request record", async () => {
        const emulator = await start();
        emulator.injectFault({ route: "GET /secrets", status: 500 });
        await call(emulator, "GET", "/secrets");
        await call(emulator, "GET", "/secrets");
        assert.deepEqual(
            emulator.requests.map((r) => [r.status, r.faulted]),
            [
                [500, true],
                [200, false],
            ],
        );
    });

    it("refuses invalid fault specs with a TypeError naming the option", async () => {
        const emulator = await start();
        const cases: [Parameters<typeof emulator.injectFault>[0], RegExp][] = [
            [{ route: "GET /nope" as never }, /route must be one of/],
            [{ method: "GET", route: "PUT /secrets/:name" }, /method GET can never match route "PUT \/secrets\/:name"/],
            [{ status: 99 }, /status must be an integer from 200 to 599/],
            [{ retryAfter: 1.5 }, /retryAfter must be a non-negative whole number/],
            [{ delayMs: -1 }, /delayMs must be a non-negative number/],
            [{ drop: true, status: 500 }, /drop sends no answer/],
            [{ status: 500, times: 0 }, /times \}\) must be a positive integer or Infinity/],
        ];
        for (const [spec, message] of cases) assert.throws(() => emulator.injectFault(spec), { name: "TypeError", message });
    });
});

describe("emulator rate limit", () => {
    const start = emulatorFixture();

    it("answers 429 with Retry-After 1 beyond the limit in a 1-second window, and counts them", async () => {
        const clock = new ManualClock();
        const emulator = await start({ rateLimit: { requestsPerSecond: 3 }, now: clock.now });
        const statuses = [];
        for (let i = 0; i < 5; i++) statuses.push((await call(emulator, "GET", "/secrets")).status);
        assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
        assert.equal(emulator.rateLimitedCount, 2);

        const limited = await call(emulator, "GET", "/secrets");
        assert.equal(limited.headers.get("retry-after"), "1");
        assert.deepEqual(limited.json, {
            error: "Too many requests. Retry after the time given in Retry-After.",
            code: "TOO_MANY_REQUESTS",
        });
        assert.equal(emulator.rateLimitedCount, 3);
    });

    it("lets requests through again once the window has passed", async () => {
        const clock = new ManualClock();
        const emulator = await start({ rateLimit: { requestsPerSecond: 2 }, now: clock.now });
        await call(emulator, "GET", "/secrets");
        clock.advance(600);
        await call(emulator, "GET", "/secrets");
        assert.equal((await call(emulator, "GET", "/secrets")).status, 429);
        clock.advance(400);
        // The first request has left the window; the second has not.
        assert.equal((await call(emulator, "GET", "/secrets")).status, 200);
        assert.equal((await call(emulator, "GET", "/secrets")).status, 429);
    });

    it("does not change state on a rate-limited PUT", async () => {
        const clock = new ManualClock();
        const emulator = await start({ rateLimit: { requestsPerSecond: 1 }, now: clock.now });
        await call(emulator, "GET", "/secrets");
        assert.equal((await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) })).status, 429);
        assert.deepEqual(emulator.snapshot(), {});
    });

    it("counts unauthenticated requests against the limit, before checking the key", async () => {
        const clock = new ManualClock();
        const emulator = await start({ rateLimit: { requestsPerSecond: 1 }, now: clock.now });
        assert.equal((await call(emulator, "GET", "/secrets", { authorization: null })).status, 401);
        assert.equal((await call(emulator, "GET", "/secrets", { authorization: null })).status, 429);
    });

    it("does not count injected 429 faults as rate limited", async () => {
        const emulator = await start();
        emulator.injectFault({ status: 429 });
        assert.equal((await call(emulator, "GET", "/secrets")).status, 429);
        assert.equal(emulator.rateLimitedCount, 0);
    });

    it("refuses a requestsPerSecond that is not a positive integer", async () => {
        await assert.rejects(start({ rateLimit: { requestsPerSecond: 0 } }), {
            name: "TypeError",
            message: "EmulatorOptions.rateLimit.requestsPerSecond must be a positive integer",
        });
    });
});
