import assert from "node:assert/strict";
import type { Emulator } from "../../../emulator";
import { emulatorFixture, ManualClock } from "../support";
import { createAgent, createdAgent, details, updatedAgent } from "./support";

async function phaseOf(emulator: Emulator, name: string): Promise<string> {
    return (await details(emulator, name)).currentRevision.phase;
}

describe("emulator deployment phases per agent (deployPhaseMsFor, reconciledAt and activeAt)", () => {
    const start = emulatorFixture();
    const T0 = Date.UTC(2026, 5, 1);

    it("runs each agent's deployments on the phases deployPhaseMsFor gives its name, over deployPhaseMs", async () => {
        const clock = new ManualClock(T0);
        const emulator = await start({
            now: clock.now,
            deployPhaseMs: { creating: 100, validating: 100 },
            deployPhaseMsFor: (name) => (name === "slow" ? { validating: 5000 } : {}),
        });
        await createdAgent(emulator, { serviceName: "fast", image: "me/bot:1" });
        await createdAgent(emulator, { serviceName: "slow", image: "me/bot:1" });
        clock.advance(200);
        assert.deepEqual([await phaseOf(emulator, "fast"), await phaseOf(emulator, "slow")], ["Active", "Validating"]);
        clock.advance(4900);
        assert.equal(await phaseOf(emulator, "slow"), "Active");
    });

    it("keeps a deployment's phases as they were when it started", async () => {
        const clock = new ManualClock(T0);
        let validating = 1000;
        const emulator = await start({ now: clock.now, deployPhaseMsFor: () => ({ validating }) });
        await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
        validating = 9000;
        clock.advance(1000);
        assert.equal(await phaseOf(emulator, "bot"), "Active");
    });

    it("shows in agents() when each deployment is reconciled and Active, and leaves activeAt out of one that never serves", async () => {
        const clock = new ManualClock(T0);
        const emulator = await start({ now: clock.now, deployPhaseMs: { creating: 300, validating: 700 } });
        await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
        clock.advance(2000);
        emulator.failDeployment({ agent: "bot" });
        await updatedAgent(emulator, "bot", { image: "me/bot:2" });
        const [first, second] = emulator.agent("bot")?.deployments ?? [];
        assert.deepEqual([first?.reconciledAt, first?.activeAt], [T0 + 300, T0 + 1000]);
        assert.deepEqual([second?.reconciledAt, second?.activeAt], [T0 + 2300, undefined]);
        assert.equal(second !== undefined && "activeAt" in second, false);
    });

    it("fails the request that starts a deployment, naming the option, when deployPhaseMsFor returns a negative time", async () => {
        const emulator = await start({ deployPhaseMsFor: () => ({ creating: -1 }) });
        const answer = await createAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
        assert.equal(answer.status, 500);
        assert.deepEqual(emulator.agents(), []);
    });

    it("refuses a deployPhaseMsFor that is not a function", async () => {
        await assert.rejects(start({ deployPhaseMsFor: {} as unknown as () => object }), {
            name: "TypeError",
            message: "EmulatorOptions.deployPhaseMsFor must be a function (agentName) => { creating?, validating?, draining? }",
        });
    });
});
