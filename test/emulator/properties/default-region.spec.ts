import assert from "node:assert/strict";
import type { Emulator } from "../../../emulator";
import { createdAgent, details, putSet } from "../agents/support";
import { call, emulatorFixture, regularBody } from "../support";

/** `PATCH /properties` that must succeed. */
async function patchDefaultRegion(emulator: Emulator, defaultRegion: string): Promise<void> {
    const answer = await call(emulator, "PATCH", "/properties", { body: { defaultRegion } });
    assert.equal(answer.status, 200, answer.text);
}

describe("emulator default region (PATCH /properties) as the secrets and agents rooms read it", () => {
    const start = emulatorFixture();

    describe("secret sets", () => {
        it("creates a set without region in the current default; one created before the PATCH stays where it is", async () => {
            const emulator = await start();
            const before = await call(emulator, "PUT", "/secrets/before", { body: regularBody({ A: "1" }) });
            assert.deepEqual(before.json, { status: "OK", region: "us-west" });
            await patchDefaultRegion(emulator, "eu-central");

            const after = await call(emulator, "PUT", "/secrets/after", { body: regularBody({ A: "1" }) });
            assert.deepEqual(after.json, { status: "OK", region: "eu-central" });
            assert.equal(emulator.snapshot()["before"]?.region, "us-west");
            assert.equal(emulator.snapshot()["after"]?.region, "eu-central");
            assert.equal(((await call(emulator, "GET", "/secrets/before")).json as { region: string }).region, "us-west");
        });

        it("keeps an existing set's region when an update after the PATCH gives none", async () => {
            const emulator = await start();
            await putSet(emulator, "app", { A: "1" });
            await patchDefaultRegion(emulator, "ap-south");
            const update = await call(emulator, "PUT", "/secrets/app", { body: regularBody({ B: "2" }) });
            assert.deepEqual(update.json, { status: "OK", region: "us-west" });
            assert.equal(emulator.snapshot()["app"]?.region, "us-west");
        });

        it("still creates a set in the region its body names", async () => {
            const emulator = await start();
            await patchDefaultRegion(emulator, "eu-central");
            const answer = await call(emulator, "PUT", "/secrets/east", { body: regularBody({ A: "1" }, "us-east") });
            assert.deepEqual(answer.json, { status: "OK", region: "us-east" });
        });

        it("puts a seeded set without region in the current default", async () => {
            const emulator = await start();
            await patchDefaultRegion(emulator, "eu-central");
            emulator.seed("seeded", { secrets: { A: "1" } });
            assert.equal(emulator.snapshot()["seeded"]?.region, "eu-central");
        });

        it("leaves a refused PATCH without effect on where sets land", async () => {
            const emulator = await start();
            assert.equal((await call(emulator, "PATCH", "/properties", { body: { defaultRegion: "mars" } })).status, 400);
            const answer = await call(emulator, "PUT", "/secrets/app", { body: regularBody({ A: "1" }) });
            assert.deepEqual(answer.json, { status: "OK", region: "us-west" });
        });
    });

    describe("agents", () => {
        it("creates an agent without region in the current default; one created before the PATCH stays where it is", async () => {
            const emulator = await start();
            const before = await createdAgent(emulator, { serviceName: "before", image: "me/bot:1" });
            assert.equal(before.region, "us-west");
            await patchDefaultRegion(emulator, "eu-central");

            const after = await createdAgent(emulator, { serviceName: "after", image: "me/bot:1" });
            assert.equal(after.region, "eu-central");
            assert.equal((await details(emulator, "before")).region, "us-west");
            assert.equal(emulator.agent("before")?.region, "us-west");
            assert.equal(emulator.agent("after")?.region, "eu-central");
        });

        it("binds a set and an agent both created without region after the PATCH: they land together", async () => {
            const emulator = await start();
            await patchDefaultRegion(emulator, "ap-south");
            await putSet(emulator, "bot-secrets", { A: "1" });
            const agent = await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "bot-secrets" });
            assert.equal(agent.region, "ap-south");
        });

        it("refuses to bind a set created before the PATCH to an agent created after it without region (regions differ)", async () => {
            const emulator = await start();
            await putSet(emulator, "old-secrets", { A: "1" });
            await patchDefaultRegion(emulator, "eu-central");
            const answer = await call(emulator, "POST", "/agents", {
                body: { serviceName: "bot", image: "me/bot:1", secretSet: "old-secrets" },
            });
            assert.deepEqual(answer.json, {
                error: "Secret set 'old-secrets' is in region 'us-west' but service will be created in region 'eu-central'. Secrets must be in the same region as the service.",
                code: "GENERIC_BAD_REQUEST",
            });
        });

        it("keeps an existing agent in its region when an update after the PATCH redeploys it", async () => {
            const emulator = await start();
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            await patchDefaultRegion(emulator, "us-east");
            const answer = await call(emulator, "POST", "/agents/bot", { body: { image: "me/bot:2" } });
            assert.equal(answer.status, 200, answer.text);
            assert.equal((answer.json as { region: string }).region, "us-west");
        });
    });
});
