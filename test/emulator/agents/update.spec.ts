import assert from "node:assert/strict";
import type { Emulator } from "../../../emulator";
import { call, emulatorFixture, ManualClock, regularBody } from "../support";
import { createdAgent, deploymentCount, details, errorOf, putPullSet, putSet, updateAgent, updatedAgent } from "./support";

const BUILD_ID = "9b2f0c59-2d0e-4a8e-9d0e-6f3c2b1a0d11";

function bad(error: string): { status: number; json: unknown } {
    return { status: 400, json: { error, code: "GENERIC_BAD_REQUEST" } };
}

const NOT_READY = (set: string) => ({
    status: 409,
    json: { error: `Secret set '${set}' is not yet ready. Retry once it has been provisioned.`, code: "CONFLICT" },
});

/** An agent bound to a regular and an image-pull set, with every field set away from its default. */
async function fullAgent(emulator: Emulator): Promise<void> {
    await putSet(emulator, "app-secrets", { API_KEY: "value-0001" });
    await putSet(emulator, "other-secrets", { API_KEY: "value-0002" });
    await putPullSet(emulator, "registry");
    await putPullSet(emulator, "other-registry");
    await createdAgent(emulator, {
        serviceName: "bot",
        image: "me/bot:1",
        secretSet: "app-secrets",
        imagePullSecretSet: "registry",
        autoScaling: { minAgents: 1, maxAgents: 10 },
        agentProfile: "agent-2x",
        maxSessionDuration: 3600,
        krispViva: { audioFilter: "tel" },
        enableKrisp: false,
        websocketAuth: "none",
        enableIntegratedKeysProxy: false,
    });
}

describe("emulator POST /agents/{agentName}", () => {
    const start = emulatorFixture();

    it("answers 404 Service not found for an agent that does not exist, and creates none", async () => {
        const emulator = await start();
        assert.deepEqual(errorOf(await updateAgent(emulator, "ghost", { image: "me/bot:2" })), {
            status: 404,
            json: { error: "Service not found", code: "NOT_FOUND" },
        });
        assert.deepEqual(emulator.agents(), []);
    });

    it("keeps every field the body leaves out", async () => {
        const emulator = await start();
        await fullAgent(emulator);
        const before = emulator.agent("bot");
        const body = await updatedAgent(emulator, "bot", { image: "me/bot:2" });
        assert.deepEqual(emulator.agent("bot")?.spec, { ...before?.spec, image: "me/bot:2" });
        assert.deepEqual(emulator.agent("bot")?.autoScaling, { minAgents: 1, maxAgents: 10 });
        assert.equal(body.deployment.manifest.spec["image"], "me/bot:2");
        assert.deepEqual(body.deployment.manifest.spec["envFromSecretNames"], ["app-secrets"]);
    });

    describe("what starts a deployment", () => {
        const specChanges: [string, Record<string, unknown>][] = [
            ["image", { image: "me/bot:2" }],
            ["buildId", { buildId: BUILD_ID }],
            ["secretSet", { secretSet: "other-secrets" }],
            ["imagePullSecretSet", { imagePullSecretSet: "other-registry" }],
            ["agentProfile", { agentProfile: "agent-3x" }],
            ["krispViva", { krispViva: { audioFilter: "pro" } }],
            ["krispViva off", { krispViva: { audioFilter: null } }],
            ["enableKrisp", { enableKrisp: true }],
            ["maxSessionDuration", { maxSessionDuration: 7200 }],
            ["websocketAuth", { websocketAuth: "token" }],
            ["enableIntegratedKeysProxy", { enableIntegratedKeysProxy: true }],
            ["removing secretSet", { secretSet: null }],
            ["removing imagePullSecretSet", { imagePullSecretSet: null }],
        ];
        for (const [what, change] of specChanges) {
            it(`starts a new, unforced deployment when ${what} changes, and answers it as Creating`, async () => {
                const emulator = await start();
                emulator.seedBuild({ id: BUILD_ID });
                await fullAgent(emulator);
                const first = await details(emulator, "bot");
                const body = await updatedAgent(emulator, "bot", change);
                assert.equal(deploymentCount(emulator, "bot"), 2);
                assert.equal(emulator.agent("bot")?.deployments[1]?.forced, false);
                assert.notEqual(body.desiredDeploymentId, first.desiredDeploymentId);
                assert.equal(body.currentRevision.phase, "Creating");
                assert.equal(body.reconciledDeploymentId, first.desiredDeploymentId);
                assert.equal(body.previousRevision?.deploymentID, first.desiredDeploymentId);
            });
        }

        it("starts none for an update that changes nothing and is not forced, and leaves updatedAt", async () => {
            const clock = new ManualClock();
            const emulator = await start({ now: clock.now });
            await fullAgent(emulator);
            const before = await details(emulator, "bot");
            clock.advance(5000);
            const same = {
                image: "me/bot:1",
                nodeType: "arm",
                secretSet: "app-secrets",
                imagePullSecretSet: "registry",
                autoScaling: { minAgents: 1, maxAgents: 10 },
                agentProfile: "agent-2x",
                maxSessionDuration: 3600,
                krispViva: { audioFilter: "tel" },
                enableKrisp: false,
                websocketAuth: "none",
                enableIntegratedKeysProxy: false,
                forceRedeploy: false,
            };
            const body = await updatedAgent(emulator, "bot", same);
            assert.equal(deploymentCount(emulator, "bot"), 1);
            assert.deepEqual(body, before, "the answer is the agent as it is");
            assert.deepEqual(await updatedAgent(emulator, "bot", {}), before);
        });

        it("starts one with forceRedeploy and an unchanged spec, marked forced", async () => {
            const emulator = await start();
            await fullAgent(emulator);
            const first = await details(emulator, "bot");
            const body = await updatedAgent(emulator, "bot", { forceRedeploy: true });
            const deployments = emulator.agent("bot")?.deployments ?? [];
            assert.deepEqual(
                deployments.map((d) => d.forced),
                [false, true],
            );
            assert.deepEqual(deployments[1]?.spec, deployments[0]?.spec);
            assert.notEqual(body.desiredDeploymentId, first.desiredDeploymentId);
        });

        it("applies a scaling-only change in place: no deployment, new scaling in the answer and the manifest", async () => {
            const clock = new ManualClock();
            const emulator = await start({ now: clock.now });
            await fullAgent(emulator);
            const before = await details(emulator, "bot");
            clock.advance(1000);
            const body = await updatedAgent(emulator, "bot", { autoScaling: { minAgents: 2, maxAgents: 20 } });
            assert.equal(deploymentCount(emulator, "bot"), 1);
            assert.equal(body.desiredDeploymentId, before.desiredDeploymentId);
            assert.equal(body.ready, true, "scaling is not a rollout");
            assert.deepEqual(body.autoScaling, { maxReplicas: 20, minReplicas: 2 });
            assert.deepEqual(body.deployment.manifest.spec["autoScaling"], { minReplicas: 2, maxReplicas: 20 });
            assert.equal(body.currentRevision.readyReplicas, 2);
            assert.notEqual(body.updatedAt, before.updatedAt);
            assert.notEqual(body.deployment.updatedAt, before.deployment.updatedAt);
            assert.equal(body.deployment.createdAt, before.deployment.createdAt);
            assert.equal(body.createdAt, before.createdAt);
        });

        it("starts one deployment for a scaling change made with a spec change", async () => {
            const emulator = await start();
            await fullAgent(emulator);
            const body = await updatedAgent(emulator, "bot", { image: "me/bot:2", autoScaling: { maxAgents: 30 } });
            assert.equal(deploymentCount(emulator, "bot"), 2);
            assert.deepEqual(body.autoScaling, { maxReplicas: 30, minReplicas: 1 });
        });
    });

    it("merges a partial autoScaling and checks maxAgents against the merged minAgents", async () => {
        const emulator = await start();
        await fullAgent(emulator);
        assert.deepEqual((await updatedAgent(emulator, "bot", { autoScaling: { maxAgents: 4 } })).autoScaling, {
            maxReplicas: 4,
            minReplicas: 1,
        });
        assert.deepEqual(
            errorOf(await updateAgent(emulator, "bot", { autoScaling: { minAgents: 5 } })),
            bad("Invalid parameters: autoScaling.maxAgents (4) must be at least autoScaling.minAgents (5)"),
        );
        assert.deepEqual(emulator.agent("bot")?.autoScaling, { minAgents: 1, maxAgents: 4 });
    });

    it("lets image and buildId replace each other, and refuses both at once with the documented 400", async () => {
        const emulator = await start();
        emulator.seedBuild({ id: BUILD_ID });
        await fullAgent(emulator);
        const built = (await updatedAgent(emulator, "bot", { buildId: BUILD_ID })).deployment.manifest.spec;
        assert.deepEqual([built["buildId"], "image" in built], [BUILD_ID, false]);
        const imaged = (await updatedAgent(emulator, "bot", { image: "me/bot:3" })).deployment.manifest.spec;
        assert.deepEqual([imaged["image"], "buildId" in imaged], ["me/bot:3", false]);
        assert.deepEqual(
            errorOf(await updateAgent(emulator, "bot", { image: "me/bot:4", buildId: BUILD_ID })),
            bad("Cannot specify both image and buildId. Use one or the other."),
        );
    });

    it("removes a binding with null: envFromSecretNames becomes empty and imagePullSecretName goes away", async () => {
        const emulator = await start();
        await fullAgent(emulator);
        const spec = (await updatedAgent(emulator, "bot", { secretSet: null, imagePullSecretSet: null })).deployment.manifest.spec;
        assert.deepEqual(spec["envFromSecretNames"], []);
        assert.equal("imagePullSecretName" in spec, false);
        assert.equal(deploymentCount(emulator, "bot"), 2);
    });

    it("validates like create: ranges, enums and types", async () => {
        const emulator = await start();
        await fullAgent(emulator);
        const cases: [unknown, string][] = [
            [{ maxSessionDuration: 30 }, "Invalid parameters: maxSessionDuration must be at least 60"],
            [{ agentProfile: "agent-9x" }, 'Invalid parameters: agentProfile must be "agent-1x" or "agent-2x" or "agent-3x"'],
            [{ forceRedeploy: "yes" }, "Invalid parameters: forceRedeploy must be a boolean"],
            [{ buildId: "nope" }, "Invalid parameters: buildId must be a UUID"],
            [{ imagePullSecretSet: "" }, "Invalid parameters: imagePullSecretSet must not be empty (send null to remove the binding)"],
            ["text", "Invalid parameters: body must be a JSON object"],
        ];
        for (const [body, error] of cases) assert.deepEqual(errorOf(await updateAgent(emulator, "bot", body)), bad(error), error);
        assert.deepEqual(
            errorOf(await call(emulator, "POST", "/agents/bot", { rawBody: "{" })),
            bad("Invalid parameters: body is not valid JSON"),
        );
        assert.equal(deploymentCount(emulator, "bot"), 1);
    });

    it("accepts the agent's own region and ignores serviceName, but refuses a different region", async () => {
        const emulator = await start();
        await fullAgent(emulator);
        await updatedAgent(emulator, "bot", { region: "us-west", serviceName: "another-name" });
        assert.equal(emulator.agent("another-name"), undefined);
        assert.deepEqual(
            errorOf(await updateAgent(emulator, "bot", { region: "eu-central", image: "me/bot:2" })),
            bad("Service is in region 'us-west'. Cannot change region to 'eu-central'."),
        );
        assert.equal(deploymentCount(emulator, "bot"), 1);
    });

    describe("secret set bindings", () => {
        it("answers 404 Secret set not found for an unknown set named in the body", async () => {
            const emulator = await start();
            await fullAgent(emulator);
            for (const field of ["secretSet", "imagePullSecretSet"]) {
                assert.deepEqual(errorOf(await updateAgent(emulator, "bot", { [field]: "missing" })), {
                    status: 404,
                    json: { error: "Secret set not found", code: "NOT_FOUND" },
                });
            }
        });

        it("answers the documented update wording when a named set is in another region", async () => {
            const emulator = await start();
            await fullAgent(emulator);
            await putSet(emulator, "my-secrets", { A: "value-0001" }, "us-east");
            await putPullSet(emulator, "dockerhub-creds", undefined, "us-east");
            assert.deepEqual(
                errorOf(await updateAgent(emulator, "bot", { secretSet: "my-secrets" })),
                bad(
                    "Secret set 'my-secrets' is in region 'us-east' but service is in region 'us-west'. Secrets must be in the same region as the service.",
                ),
            );
            assert.deepEqual(
                errorOf(await updateAgent(emulator, "bot", { imagePullSecretSet: "dockerhub-creds" })),
                bad(
                    "Image pull secret set 'dockerhub-creds' is in region 'us-east' but service is in region 'us-west'. Image pull secrets must be in the same region as the service.",
                ),
            );
        });

        it("answers 400 for a set of the other kind", async () => {
            const emulator = await start();
            await fullAgent(emulator);
            assert.equal((await updateAgent(emulator, "bot", { secretSet: "registry" })).status, 400);
            assert.equal((await updateAgent(emulator, "bot", { imagePullSecretSet: "app-secrets" })).status, 400);
        });

        it("answers 409 to a forced redeploy while the bound set is pending after a rotation, and deploys once it is ready", async () => {
            const clock = new ManualClock();
            const emulator = await start({ readyAfterMs: 2000, now: clock.now });
            // Seeded sets are ready at once; a PUT then makes one pending for 2 s.
            emulator.seed("app-secrets", { secrets: { API_KEY: "value-0001" } });
            emulator.seed("registry", {
                type: "imagePullSecret",
                host: "https://ghcr.io",
                secretValue: Buffer.from("u:t").toString("base64"),
            });
            await createdAgent(emulator, {
                serviceName: "bot",
                image: "me/bot:1",
                secretSet: "app-secrets",
                imagePullSecretSet: "registry",
            });
            await call(emulator, "PUT", "/secrets/app-secrets", { body: regularBody({ API_KEY: "value-0002" }) });
            assert.deepEqual(errorOf(await updateAgent(emulator, "bot", { forceRedeploy: true })), NOT_READY("app-secrets"));
            assert.deepEqual(errorOf(await updateAgent(emulator, "bot", { image: "me/bot:2" })), NOT_READY("app-secrets"));
            assert.equal(deploymentCount(emulator, "bot"), 1);
            // A scaling-only change binds nothing, so the pending set does not hold it up.
            assert.equal((await updateAgent(emulator, "bot", { autoScaling: { maxAgents: 5 } })).status, 200);
            clock.advance(2000);
            await updatedAgent(emulator, "bot", { forceRedeploy: true });
            assert.equal(deploymentCount(emulator, "bot"), 2);
        });

        it("checks a set named in the body even when the update changes nothing", async () => {
            const clock = new ManualClock();
            const emulator = await start({ readyAfterMs: 2000, now: clock.now });
            emulator.seed("app-secrets", { secrets: { API_KEY: "value-0001" } });
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "app-secrets" });
            await call(emulator, "PUT", "/secrets/app-secrets", { body: regularBody({ API_KEY: "value-0002" }) });
            assert.deepEqual(errorOf(await updateAgent(emulator, "bot", { secretSet: "app-secrets" })), NOT_READY("app-secrets"));
            assert.equal((await updateAgent(emulator, "bot", {})).status, 200, "a set not named is not checked without a deployment");
        });

        it("answers 404 to a deployment of an agent whose bound set was deleted, but not to a change that deploys nothing", async () => {
            const emulator = await start();
            await fullAgent(emulator);
            assert.equal((await call(emulator, "DELETE", "/secrets/app-secrets")).status, 200, "deleting a bound set is allowed");
            assert.equal((await updateAgent(emulator, "bot", { autoScaling: { maxAgents: 3 } })).status, 200);
            assert.deepEqual(errorOf(await updateAgent(emulator, "bot", { image: "me/bot:2" })), {
                status: 404,
                json: { error: "Secret set not found", code: "NOT_FOUND" },
            });
            assert.equal((await updateAgent(emulator, "bot", { forceRedeploy: true })).status, 404);
            // Unbinding it in the same update deploys.
            assert.equal((await updateAgent(emulator, "bot", { image: "me/bot:2", secretSet: null })).status, 200);
        });
    });

    it("moves updatedAt on a change and keeps createdAt", async () => {
        const clock = new ManualClock(Date.UTC(2026, 0, 1));
        const emulator = await start({ now: clock.now });
        await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
        clock.advance(60_000);
        const body = await updatedAgent(emulator, "bot", { image: "me/bot:2" });
        assert.equal(body.createdAt, "2026-01-01T00:00:00.000Z");
        assert.equal(body.updatedAt, "2026-01-01T00:01:00.000Z");
        assert.equal(body.deployment.createdAt, "2026-01-01T00:01:00.000Z");
    });

    it("changes nothing when it refuses an update", async () => {
        const emulator = await start();
        await fullAgent(emulator);
        const before = emulator.agent("bot");
        await updateAgent(emulator, "bot", { image: "me/bot:2", secretSet: "missing" });
        await updateAgent(emulator, "bot", { image: "me/bot:2", autoScaling: { minAgents: 11 } });
        assert.deepEqual(emulator.agent("bot"), before);
    });
});
