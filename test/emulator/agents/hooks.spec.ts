import assert from "node:assert/strict";
import { startEmulator } from "../../../emulator";
import { call, emulatorFixture, ManualClock, regularBody } from "../support";
import { createdAgent, details, putPullSet, putSet, updatedAgent } from "./support";

describe("emulator agent test hooks", () => {
    const start = emulatorFixture();

    it("shows a stored agent with its declared fields and its deployments, oldest first, names only", async () => {
        const clock = new ManualClock(50_000);
        const emulator = await start({ now: clock.now });
        await putSet(emulator, "app-secrets", { API_KEY: "value-0001" });
        await putPullSet(emulator, "registry");
        const created = await createdAgent(emulator, {
            serviceName: "bot",
            image: "me/bot:1",
            secretSet: "app-secrets",
            imagePullSecretSet: "registry",
            autoScaling: { minAgents: 1, maxAgents: 5 },
            krispViva: { audioFilter: "pro" },
        });
        clock.advance(10);
        const forced = await updatedAgent(emulator, "bot", { forceRedeploy: true });
        const spec = {
            image: "me/bot:1",
            secretSet: "app-secrets",
            imagePullSecretSet: "registry",
            agentProfile: "agent-1x",
            nodeType: "arm",
            enableKrisp: false,
            krispViva: { audioFilter: "pro" },
            maxSessionDuration: 7200,
            websocketAuth: "none",
            enableIntegratedKeysProxy: false,
        };
        assert.deepEqual(emulator.agent("bot"), {
            name: "bot",
            region: "us-west",
            serviceId: created.deployment.serviceId,
            createdAt: 50_000,
            updatedAt: 50_010,
            autoScaling: { minAgents: 1, maxAgents: 5 },
            spec,
            deployments: [
                // With the default draining time of 0 the replaced deployment is gone as soon as the new one is Active.
                // With phases of 0 each is reconciled and Active the moment it starts.
                {
                    id: created.desiredDeploymentId,
                    forced: false,
                    phase: "Retired",
                    startedAt: 50_000,
                    spec,
                    image: "me/bot:1",
                    reconciledAt: 50_000,
                    activeAt: 50_000,
                },
                {
                    id: forced.desiredDeploymentId,
                    forced: true,
                    phase: "Active",
                    startedAt: 50_010,
                    spec,
                    image: "me/bot:1",
                    reconciledAt: 50_010,
                    activeAt: 50_010,
                },
            ],
        });
        assert.deepEqual(emulator.agents(), [emulator.agent("bot")]);
        assert.equal(JSON.stringify(emulator.agents()).includes("value-0001"), false, "no values in snapshots");
    });

    it("returns copies that later changes do not affect, and undefined for an unknown agent", async () => {
        const emulator = await start();
        await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
        const before = emulator.agent("bot");
        await updatedAgent(emulator, "bot", { image: "me/bot:2", autoScaling: { maxAgents: 3 } });
        assert.equal(before?.spec.image, "me/bot:1");
        assert.equal(before?.deployments.length, 1);
        assert.deepEqual(before?.autoScaling, { minAgents: 0, maxAgents: 50 });
        assert.equal(emulator.agent("ghost"), undefined);
    });

    it("keeps snapshot() for sets only", async () => {
        const emulator = await start();
        await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
        assert.deepEqual(emulator.snapshot(), {});
    });

    describe("deleteAgentDirect", () => {
        it("deletes an agent behind the program's back and says whether it existed", async () => {
            const emulator = await start();
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            assert.equal(emulator.deleteAgentDirect("bot"), true);
            assert.equal(emulator.deleteAgentDirect("bot"), false);
            assert.equal((await call(emulator, "GET", "/agents/bot")).status, 404);
            assert.equal(emulator.requestCount({ method: "DELETE" }), 0);
        });
    });

    describe("updateAgentDirect", () => {
        it("drifts the image: a new deployment starts, as the API would show after a change in the dashboard", async () => {
            const clock = new ManualClock();
            const emulator = await start({ now: clock.now, deployPhaseMs: { creating: 100 } });
            const created = await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            clock.advance(100);
            const requests = emulator.requestCount();
            const after = emulator.updateAgentDirect("bot", { image: "me/bot:hotfix" });
            assert.equal(emulator.requestCount(), requests, "sends no request");
            assert.deepEqual([after.spec.image, after.deployments.length, after.deployments[1]?.phase], ["me/bot:hotfix", 2, "Creating"]);
            const read = await details(emulator, "bot");
            assert.deepEqual(
                [read.deployment.manifest.spec["image"], read.previousRevision?.deploymentID],
                ["me/bot:hotfix", created.desiredDeploymentId],
            );
        });

        it("drifts scaling in place, without a deployment", async () => {
            const emulator = await start();
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            const after = emulator.updateAgentDirect("bot", { autoScaling: { minAgents: 3 } });
            assert.deepEqual([after.autoScaling, after.deployments.length], [{ minAgents: 3, maxAgents: 50 }, 1]);
            assert.deepEqual((await details(emulator, "bot")).autoScaling, { maxReplicas: 50, minReplicas: 3 });
        });

        it("redeploys with forceRedeploy, and consumes failDeployment rules like any deployment", async () => {
            const emulator = await start();
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            emulator.failDeployment();
            const after = emulator.updateAgentDirect("bot", { forceRedeploy: true });
            assert.deepEqual(
                after.deployments.map((d) => [d.forced, d.phase]),
                [
                    [false, "Active"],
                    [true, "Failed"],
                ],
            );
        });

        it("throws a TypeError for an unknown agent and for a patch the rules refuse, changing nothing", async () => {
            const emulator = await start({ readyAfterMs: 1000, now: new ManualClock().now });
            emulator.seed("app-secrets", { secrets: { A: "value-0001" } });
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "app-secrets" });
            await call(emulator, "PUT", "/secrets/app-secrets", { body: regularBody({ A: "value-0002" }) });
            assert.throws(() => emulator.updateAgentDirect("ghost", { image: "me/bot:2" }), {
                name: "TypeError",
                message: "updateAgentDirect('ghost'): no such agent",
            });
            assert.throws(() => emulator.updateAgentDirect("bot", { maxSessionDuration: 5 }), {
                name: "TypeError",
                message: "updateAgentDirect('bot'): Invalid parameters: maxSessionDuration must be at least 60",
            });
            assert.throws(() => emulator.updateAgentDirect("bot", { image: "me/bot:2" }), {
                name: "TypeError",
                message: "updateAgentDirect('bot'): Secret set 'app-secrets' is not yet ready. Retry once it has been provisioned.",
            });
            assert.equal(emulator.agent("bot")?.deployments.length, 1);
        });
    });

    describe("deployPhaseMs option", () => {
        const invalid: [Parameters<typeof startEmulator>[0], string][] = [
            [{ deployPhaseMs: { creating: -1 } }, "EmulatorOptions.deployPhaseMs.creating must be a non-negative number of milliseconds"],
            [
                { deployPhaseMs: { validating: Number.NaN } },
                "EmulatorOptions.deployPhaseMs.validating must be a non-negative number of milliseconds",
            ],
            [
                { deployPhaseMs: { draining: Infinity } },
                "EmulatorOptions.deployPhaseMs.draining must be a non-negative number of milliseconds",
            ],
            [
                { deployPhaseMs: { booting: 5 } as never },
                "EmulatorOptions.deployPhaseMs has no phase 'booting' (creating, validating, draining)",
            ],
            [{ deployPhaseMs: 5 as never }, "EmulatorOptions.deployPhaseMs must be an object { creating?, validating?, draining? }"],
        ];
        for (const [options, message] of invalid) {
            it(`refuses to start with ${JSON.stringify(options)}`, async () => {
                await assert.rejects(startEmulator(options), { name: "TypeError", message });
            });
        }
    });
});
