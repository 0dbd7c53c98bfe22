import assert from "node:assert/strict";
import { call, emulatorFixture } from "./support";

const UNAUTHORIZED = { error: "Unauthorized", code: "UNAUTHORIZED" };

const ROUTES: readonly [method: string, path: string][] = [
    ["GET", "/regions"],
    ["GET", "/secrets"],
    ["PUT", "/secrets/my-set"],
    ["GET", "/secrets/my-set"],
    ["DELETE", "/secrets/my-set"],
    ["DELETE", "/secrets/my-set/API_KEY"],
    ["GET", "/no-such-route"],
];

describe("emulator authentication", () => {
    const start = emulatorFixture();

    for (const [method, path] of ROUTES) {
        it(`answers 401 with the error shape to ${method} ${path} without an Authorization header`, async () => {
            const emulator = await start();
            const body = method === "PUT" ? { secrets: [{ secretKey: "A", secretValue: "v" }] } : undefined;
            const answer = await call(emulator, method, path, { authorization: null, body });
            assert.equal(answer.status, 401);
            assert.deepEqual(answer.json, UNAUTHORIZED);
        });
    }

    it("answers 401 to a wrong key, a non-Bearer scheme and an empty bearer token", async () => {
        const emulator = await start({ apiKey: "right-key" });
        for (const authorization of ["Bearer wrong-key", "Basic right-key", "right-key", "Bearer ", "Bearer right-key-and-more"]) {
            const answer = await call(emulator, "GET", "/secrets", { authorization });
            assert.equal(answer.status, 401, authorization);
            assert.deepEqual(answer.json, UNAUTHORIZED);
        }
    });

    it("accepts the configured key with a case-insensitive Bearer scheme", async () => {
        const emulator = await start({ apiKey: "right-key" });
        assert.equal((await call(emulator, "GET", "/secrets", { authorization: "Bearer right-key" })).status, 200);
        assert.equal((await call(emulator, "GET", "/secrets", { authorization: "bearer right-key" })).status, 200);
    });

    it("accepts the default key emulator-key when none is configured", async () => {
        const emulator = await start();
        assert.equal(emulator.apiKey, "emulator-key");
        assert.equal((await call(emulator, "GET", "/secrets", { authorization: "Bearer emulator-key" })).status, 200);
    });

    it("does not change state on an unauthorized PUT", async () => {
        const emulator = await start();
        await call(emulator, "PUT", "/secrets/my-set", {
            authorization: "Bearer nope",
            body: { secrets: [{ secretKey: "A", secretValue: "v" }] },
        });
        assert.deepEqual(emulator.snapshot(), {});
    });
});
