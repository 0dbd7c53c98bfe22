import assert from "node:assert/strict";
import { call, emulatorFixture } from "../support";
import { botContext, buildFrom, s3Error, upload, uploadUrl } from "./support";

describe("emulator builds fault injection", () => {
    const start = emulatorFixture();

    it("injects a fault on the storage upload, answered in S3's XML, that keeps nothing", async () => {
        const emulator = await start();
        const grant = await uploadUrl(emulator);
        const handle = emulator.injectFault({ route: "POST /storage/:bucket", status: 503 });
        const answer = await upload(grant, botContext());
        assert.deepEqual(s3Error(answer), { status: 503, code: "SlowDown", message: "Please reduce your request rate." });
        assert.equal(handle.hits, 1);
        assert.deepEqual(emulator.uploads(), []);
        assert.equal((await upload(grant, botContext())).status, 204, "the next upload goes through");
        assert.equal(emulator.requestCount({ route: "POST /storage/:bucket", status: 503 }), 1);
    });

    it("drops or garbles the storage upload, after applying it with afterApply", async () => {
        const emulator = await start();
        const grant = await uploadUrl(emulator);
        emulator.injectFault({ route: "POST /storage/:bucket", status: 500, afterApply: true });
        assert.equal(s3Error(await upload(grant, botContext())).code, "InternalError");
        assert.equal(emulator.uploads().length, 1, "the upload was kept before the fault answered");
    });

    it("injects a fault on GET /builds/:id, with the builds room's 404 by default", async () => {
        const emulator = await start({ buildQueueMs: 0, buildDurationMs: 0 });
        const created = await buildFrom(emulator, botContext());
        emulator.injectFault({ route: "GET /builds/:id", status: 404 });
        const faulted = await call(emulator, "GET", `/builds/${created.build.id}`);
        assert.deepEqual([faulted.status, faulted.json], [404, { error: "Build not found", code: "NOT_FOUND" }]);
        emulator.injectFault({ route: "GET /builds/:id", status: 502 });
        assert.equal((await call(emulator, "GET", `/builds/${created.build.id}`)).status, 502);
        assert.equal((await call(emulator, "GET", `/builds/${created.build.id}`)).status, 200);
    });
});
