import assert from "node:assert/strict";
import { call, emulatorFixture, ManualClock } from "../support";
import { botContext, buildFrom } from "./support";

describe("emulator agents deploying builds", () => {
    const start = emulatorFixture();
    const bad = (error: string) => ({ status: 400, json: { error, code: "GENERIC_BAD_REQUEST" } });
    const answerOf = async (p: Promise<{ status: number; json: unknown }>) => {
        const { status, json } = await p;
        return { status, json };
    };

    it("refuses a build still building, on create and on update, with the contract's 400", async () => {
        const clock = new ManualClock();
        const emulator = await start({ now: clock.now });
        const created = await buildFrom(emulator, botContext());
        clock.advance(1000);
        const notReady = bad("Build is not ready (status: building). Only successful builds can be deployed.");
        assert.deepEqual(
            await answerOf(call(emulator, "POST", "/agents", { body: { serviceName: "bot", buildId: created.build.id } })),
            notReady,
        );
        assert.equal((await call(emulator, "POST", "/agents", { body: { serviceName: "bot", image: "me/bot:1" } })).status, 200);
        assert.deepEqual(await answerOf(call(emulator, "POST", "/agents/bot", { body: { buildId: created.build.id } })), notReady);
        assert.equal(emulator.agent("bot")?.deployments.length, 1);
    });

    it("refuses a build of another region, and an unknown build, as Build not found", async () => {
        const emulator = await start({ buildQueueMs: 0, buildDurationMs: 0 });
        const created = await buildFrom(emulator, botContext(), { region: "eu-central" });
        assert.equal(created.build.status, "success");
        const body = { serviceName: "bot", buildId: created.build.id };
        assert.deepEqual(await answerOf(call(emulator, "POST", "/agents", { body })), bad("Build not found"));
        assert.deepEqual(
            await answerOf(call(emulator, "POST", "/agents", { body: { ...body, buildId: "4cab03c7-8f53-418d-9c3c-91a1265d179e" } })),
            bad("Build not found"),
        );
        assert.equal((await call(emulator, "POST", "/agents", { body: { ...body, region: "eu-central" } })).status, 200);
    });

    it("runs the imageUri of the successful build it deploys, and the next build's after an update", async () => {
        const clock = new ManualClock();
        const emulator = await start({ now: clock.now });
        const first = await buildFrom(emulator, botContext());
        const second = await buildFrom(emulator, botContext([], { "new.py": "print(2)" }));
        clock.advance(10_000);
        const images = emulator.builds().map((b) => b.imageUri);
        assert.equal((await call(emulator, "POST", "/agents", { body: { serviceName: "bot", buildId: first.build.id } })).status, 200);
        assert.equal(emulator.agentImage("bot"), images[0]);
        assert.equal((await call(emulator, "POST", "/agents/bot", { body: { buildId: second.build.id } })).status, 200);
        assert.equal(emulator.agentImage("bot"), images[1]);
        assert.equal(emulator.agent("bot")?.deployments[1]?.image, images[1]);
        assert.equal((await call(emulator, "POST", "/agents/bot", { body: { image: "me/bot:9" } })).status, 200);
        assert.equal(emulator.agentImage("bot"), "me/bot:9");
        assert.equal(emulator.agentImage("ghost"), undefined);
    });

    it("keeps serving the previous build's image when a later build failed and is refused", async () => {
        const clock = new ManualClock();
        const emulator = await start({ now: clock.now });
        const good = await buildFrom(emulator, botContext());
        const broken = await buildFrom(emulator, botContext(["RUN exit 2"]));
        clock.advance(10_000);
        await call(emulator, "POST", "/agents", { body: { serviceName: "bot", buildId: good.build.id } });
        const refused = await answerOf(call(emulator, "POST", "/agents/bot", { body: { buildId: broken.build.id } }));
        assert.deepEqual(refused, bad("Build is not ready (status: failed). Only successful builds can be deployed."));
        assert.equal(emulator.agentImage("bot"), emulator.builds()[0]?.imageUri);
    });
});
