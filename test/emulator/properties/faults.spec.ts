import assert from "node:assert/strict";
import { call, emulatorFixture, regularBody } from "../support";

describe("emulator /properties: injected faults", () => {
    const start = emulatorFixture();

    it("answers an injected 503 to PATCH /properties and leaves the default region as it was", async () => {
        const emulator = await start();
        const handle = emulator.injectFault({ route: "PATCH /properties", status: 503, retryAfter: 2 });
        const answer = await call(emulator, "PATCH", "/properties", { body: { defaultRegion: "eu-central" } });
        assert.equal(answer.status, 503);
        assert.equal(answer.headers.get("retry-after"), "2");
        assert.deepEqual(answer.json, { error: "Service unavailable (injected fault)", code: "SERVICE_UNAVAILABLE" });
        assert.equal(handle.hits, 1);
        assert.deepEqual((await call(emulator, "GET", "/properties")).json, { properties: { defaultRegion: "us-west" } });
        assert.equal(emulator.requests.at(-2)?.faulted, true);
        assert.equal(emulator.requests.at(-2)?.route, "PATCH /properties");
    });

    it("applies a PATCH whose answer is lost (afterApply): the change happened, the client saw a 500", async () => {
        const emulator = await start();
        emulator.injectFault({ route: "PATCH /properties", status: 500, afterApply: true });
        const answer = await call(emulator, "PATCH", "/properties", { body: { defaultRegion: "ap-south" } });
        assert.deepEqual(answer.json, { error: "Internal server error (injected fault)", code: "INTERNAL_SERVER_ERROR" });
        assert.deepEqual((await call(emulator, "GET", "/properties")).json, { properties: { defaultRegion: "ap-south" } });
        const set = await call(emulator, "PUT", "/secrets/app", { body: regularBody({ A: "1" }) });
        assert.deepEqual(set.json, { status: "OK", region: "ap-south" });
    });

    it("answers an injected 404 with the bare Not found and a 409 with a generic CONFLICT (the routes have neither)", async () => {
        const emulator = await start();
        emulator.injectFault({ route: "GET /properties", status: 404 });
        emulator.injectFault({ route: "GET /properties/schema", status: 409 });
        const missing = await call(emulator, "GET", "/properties");
        assert.deepEqual([missing.status, missing.json], [404, { error: "Not found", code: "NOT_FOUND" }]);
        const conflict = await call(emulator, "GET", "/properties/schema");
        assert.deepEqual([conflict.status, conflict.json], [409, { error: "Conflict (injected fault)", code: "CONFLICT" }]);
    });

    it("matches each of the three routes by its id, and only it", async () => {
        const emulator = await start();
        emulator.injectFault({ route: "GET /properties/schema", body: "<html>gateway</html>", status: 502, times: Infinity });
        assert.equal((await call(emulator, "GET", "/properties")).status, 200);
        assert.equal((await call(emulator, "PATCH", "/properties", { body: { defaultRegion: "us-east" } })).status, 200);
        const schema = await call(emulator, "GET", "/properties/schema");
        assert.deepEqual([schema.status, schema.text], [502, "<html>gateway</html>"]);
        assert.equal(emulator.requestCount({ route: "GET /properties/schema", status: 502 }), 1);
    });

    it("refuses a fault whose method can never match its properties route", async () => {
        const emulator = await start();
        assert.throws(() => emulator.injectFault({ method: "PUT", route: "PATCH /properties", status: 500 }), {
            name: "TypeError",
            message: 'injectFault: method PUT can never match route "PATCH /properties"',
        });
    });
});
