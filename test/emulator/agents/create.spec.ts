import assert from "node:assert/strict";
import { KRISP_VIVA_AUDIO_FILTERS } from "../../../emulator";
import { call, emulatorFixture, ManualClock } from "../support";
import { type Details, PULL_AUTH, createAgent, createdAgent, deploymentCount, details, errorOf, putPullSet, putSet } from "./support";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BUILD_ID = "123e4567-e89b-12d3-a456-426614174000";

function bad(error: string): { status: number; json: unknown } {
    return { status: 400, json: { error, code: "GENERIC_BAD_REQUEST" } };
}

describe("emulator POST /agents", () => {
    const start = emulatorFixture();

    it("creates an agent and answers 200 with the ServiceDetailsResponse as the write left it: Creating, not reconciled", async () => {
        const clock = new ManualClock(Date.UTC(2026, 11, 1, 12, 0, 0));
        const emulator = await start({ now: clock.now });
        await putSet(emulator, "voice-secrets", { OPENAI_API_KEY: "sk-test-value-1" });
        await putPullSet(emulator, "dockerhub-creds");
        const answer = await createAgent(emulator, {
            serviceName: "voice-starter",
            image: "your-dockername/voice-starter:0.1",
            region: "us-west",
            nodeType: "arm",
            imagePullSecretSet: "dockerhub-creds",
            secretSet: "voice-secrets",
            autoScaling: { minAgents: 1, maxAgents: 20 },
            krispViva: { audioFilter: "tel" },
            agentProfile: "agent-1x",
            maxSessionDuration: 3600,
        });
        assert.equal(answer.status, 200);
        const body = answer.json as Details;
        assert.match(body.desiredDeploymentId, UUID);
        assert.match(body.deployment.serviceId, UUID);
        const at = "2026-12-01T12:00:00.000Z";
        assert.deepEqual(body, {
            name: "voice-starter",
            region: "us-west",
            ready: false,
            available: false,
            createdAt: at,
            updatedAt: at,
            desiredDeploymentId: body.desiredDeploymentId,
            activeDeploymentId: body.desiredDeploymentId,
            reconciledDeploymentId: null,
            activeDeploymentReady: false,
            autoScaling: { maxReplicas: 20, minReplicas: 1 },
            activeSessionCount: 0,
            deployment: {
                id: body.desiredDeploymentId,
                manifest: {
                    apiVersion: "pipecatcloud.daily.co/v1",
                    kind: "PCService",
                    metadata: { name: "voice-starter", namespace: "emulator" },
                    spec: {
                        dailyNodeType: "arm",
                        image: "your-dockername/voice-starter:0.1",
                        autoScaling: { minReplicas: 1, maxReplicas: 20 },
                        imagePullSecretName: "dockerhub-creds",
                        envFromSecretNames: ["voice-secrets"],
                        resources: { cpu: "500m", memory: "1Gi" },
                        krispModels: { enabled: false },
                        krispViva: { audioFilters: true },
                        maxSessionDurationSeconds: 3600,
                        websocketAuth: "none",
                        enableIntegratedKeysProxy: false,
                    },
                },
                serviceId: body.deployment.serviceId,
                createdAt: at,
                updatedAt: at,
            },
            agentProfile: "agent-1x",
            krispViva: { audioFilter: "tel" },
            currentRevision: {
                deploymentID: body.desiredDeploymentId,
                phase: "Creating",
                readyReplicas: 0,
                phaseStartedAt: at,
                health: { ready: false, state: "waiting", restartCount: 0, replicasStarted: 0, reason: "ContainerCreating" },
            },
            previousRevision: null,
        });
    });

    it("applies the documented defaults: the default region, arm, agent-1x, 7200 s, scaling 0 to 50, no Krisp, no sets", async () => {
        const emulator = await start({ defaultRegion: "eu-central" });
        const body = await createdAgent(emulator, { serviceName: "plain", image: "me/plain:1" });
        assert.equal(body.region, "eu-central");
        assert.equal(body.agentProfile, "agent-1x");
        assert.deepEqual(body.autoScaling, { maxReplicas: 50, minReplicas: 0 });
        assert.deepEqual(body.krispViva, { audioFilter: null });
        assert.deepEqual(body.deployment.manifest.spec, {
            dailyNodeType: "arm",
            image: "me/plain:1",
            autoScaling: { minReplicas: 0, maxReplicas: 50 },
            envFromSecretNames: [],
            resources: { cpu: "500m", memory: "1Gi" },
            krispModels: { enabled: false },
            krispViva: { audioFilters: false },
            maxSessionDurationSeconds: 7200,
            websocketAuth: "none",
            enableIntegratedKeysProxy: false,
        });
    });

    it("is Active at the next read with the default phase durations", async () => {
        const emulator = await start();
        await createdAgent(emulator, { serviceName: "quick", image: "me/quick:1" });
        const read = await details(emulator, "quick");
        assert.equal(read.currentRevision.phase, "Active");
        assert.equal(read.ready, true);
    });

    it("shows the documented resources of each agent profile", async () => {
        const emulator = await start();
        const expected = { "agent-1x": ["500m", "1Gi"], "agent-2x": ["1000m", "2Gi"], "agent-3x": ["1500m", "3Gi"] };
        for (const [agentProfile, [cpu, memory]] of Object.entries(expected)) {
            const body = await createdAgent(emulator, { serviceName: `bot-${agentProfile}`, image: "me/bot:1", agentProfile });
            assert.equal(body.agentProfile, agentProfile);
            assert.deepEqual(body.deployment.manifest.spec["resources"], { cpu, memory });
        }
    });

    it("deploys a build: the manifest shows the build, not an image", async () => {
        const emulator = await start();
        emulator.seedBuild({ id: BUILD_ID });
        const spec = (await createdAgent(emulator, { serviceName: "built", buildId: BUILD_ID })).deployment.manifest.spec;
        assert.equal(spec["buildId"], BUILD_ID);
        assert.equal("image" in spec, false);
    });

    it("takes every other field: Krisp, WebSocket auth and the integrated keys proxy", async () => {
        const emulator = await start();
        const body = await createdAgent(emulator, {
            serviceName: "full",
            image: "me/full:1",
            enableKrisp: true,
            websocketAuth: "token",
            enableIntegratedKeysProxy: true,
        });
        const spec = body.deployment.manifest.spec;
        assert.deepEqual(
            [spec["krispModels"], spec["websocketAuth"], spec["enableIntegratedKeysProxy"]],
            [{ enabled: true }, "token", true],
        );
        assert.deepEqual(emulator.agent("full")?.spec, {
            image: "me/full:1",
            agentProfile: "agent-1x",
            nodeType: "arm",
            enableKrisp: true,
            krispViva: { audioFilter: null },
            maxSessionDuration: 7200,
            websocketAuth: "token",
            enableIntegratedKeysProxy: true,
        });
    });

    it("accepts exactly the Krisp VIVA filters of Pipecat's CLI (tel, pro), null, and an empty krispViva", async () => {
        const emulator = await start();
        assert.deepEqual([...KRISP_VIVA_AUDIO_FILTERS], ["tel", "pro"]);
        for (const audioFilter of ["tel", "pro", null]) {
            const body = await createdAgent(emulator, {
                serviceName: `krisp-${String(audioFilter)}`,
                image: "me/bot:1",
                krispViva: { audioFilter },
            });
            assert.deepEqual(body.krispViva, { audioFilter });
            assert.deepEqual(body.deployment.manifest.spec["krispViva"], { audioFilters: audioFilter !== null });
        }
        // Pipecat's CLI sends {} when no filter is configured.
        assert.deepEqual((await createdAgent(emulator, { serviceName: "krisp-empty", image: "me/bot:1", krispViva: {} })).krispViva, {
            audioFilter: null,
        });
    });

    it("ignores unknown fields, including forceRedeploy", async () => {
        const emulator = await start();
        await createdAgent(emulator, { serviceName: "lenient", image: "me/bot:1", forceRedeploy: true, color: "blue" });
        assert.equal(emulator.agent("lenient")?.deployments[0]?.forced, false);
    });

    it("creates the agent in the region given, and refuses an unknown region as the secrets API does", async () => {
        const emulator = await start();
        assert.equal((await createdAgent(emulator, { serviceName: "east", image: "me/bot:1", region: "us-east" })).region, "us-east");
        assert.deepEqual(
            errorOf(await createAgent(emulator, { serviceName: "mars", image: "me/bot:1", region: "mars-1" })),
            bad("Invalid region or organization does not have access"),
        );
    });

    it("accepts a 54-character name and a 2-character one", async () => {
        const emulator = await start();
        await createdAgent(emulator, { serviceName: "a".repeat(54), image: "me/bot:1" });
        await createdAgent(emulator, { serviceName: "a1", image: "me/bot:1" });
    });

    describe("validation", () => {
        const cases: [string, unknown, string][] = [
            ["an array body", [], "Invalid parameters: body must be a JSON object"],
            ["no serviceName", { image: "me/bot:1" }, "Invalid parameters: serviceName is required"],
            ["a number as serviceName", { serviceName: 7, image: "me/bot:1" }, "Invalid parameters: serviceName must be a string"],
            [
                "upper case in serviceName",
                { serviceName: "My-Agent", image: "me/bot:1" },
                "Invalid parameters: serviceName must be at least 2 lowercase letters, digits and '-', starting and ending with a letter or digit",
            ],
            [
                "a leading hyphen",
                { serviceName: "-agent", image: "me/bot:1" },
                "Invalid parameters: serviceName must be at least 2 lowercase letters, digits and '-', starting and ending with a letter or digit",
            ],
            [
                "a trailing hyphen",
                { serviceName: "agent-", image: "me/bot:1" },
                "Invalid parameters: serviceName must be at least 2 lowercase letters, digits and '-', starting and ending with a letter or digit",
            ],
            [
                "a one-character name (the documented pattern needs two)",
                { serviceName: "a", image: "me/bot:1" },
                "Invalid parameters: serviceName must be at least 2 lowercase letters, digits and '-', starting and ending with a letter or digit",
            ],
            [
                "a dot in serviceName",
                { serviceName: "my.agent", image: "me/bot:1" },
                "Invalid parameters: serviceName must be at least 2 lowercase letters, digits and '-', starting and ending with a letter or digit",
            ],
            [
                "a 55-character name",
                { serviceName: "a".repeat(55), image: "me/bot:1" },
                "Invalid parameters: serviceName must be at most 54 characters long",
            ],
            ["neither image nor buildId", { serviceName: "bot" }, "Either image or buildId is required for service creation"],
            [
                "both image and buildId",
                { serviceName: "bot", image: "me/bot:1", buildId: BUILD_ID },
                "Cannot specify both image and buildId. Use one or the other.",
            ],
            ["a buildId that is not a UUID", { serviceName: "bot", buildId: "build-42" }, "Invalid parameters: buildId must be a UUID"],
            [
                "an empty image",
                { serviceName: "bot", image: "" },
                "Invalid parameters: image must be a non-empty image reference without whitespace",
            ],
            [
                "whitespace in image",
                { serviceName: "bot", image: "me/bot :1" },
                "Invalid parameters: image must be a non-empty image reference without whitespace",
            ],
            ["an x86 node", { serviceName: "bot", image: "me/bot:1", nodeType: "x86" }, 'Invalid parameters: nodeType must be "arm"'],
            [
                "an unknown profile",
                { serviceName: "bot", image: "me/bot:1", agentProfile: "agent-4x" },
                'Invalid parameters: agentProfile must be "agent-1x" or "agent-2x" or "agent-3x"',
            ],
            [
                "a 59 s session",
                { serviceName: "bot", image: "me/bot:1", maxSessionDuration: 59 },
                "Invalid parameters: maxSessionDuration must be at least 60",
            ],
            [
                "a 14401 s session",
                { serviceName: "bot", image: "me/bot:1", maxSessionDuration: 14401 },
                "Invalid parameters: maxSessionDuration must be at most 14400",
            ],
            [
                "a fractional session",
                { serviceName: "bot", image: "me/bot:1", maxSessionDuration: 60.5 },
                "Invalid parameters: maxSessionDuration must be an integer",
            ],
            [
                "a session as a string",
                { serviceName: "bot", image: "me/bot:1", maxSessionDuration: "7200" },
                "Invalid parameters: maxSessionDuration must be a number",
            ],
            [
                "negative minAgents",
                { serviceName: "bot", image: "me/bot:1", autoScaling: { minAgents: -1 } },
                "Invalid parameters: autoScaling.minAgents must be at least 0",
            ],
            [
                "zero maxAgents",
                { serviceName: "bot", image: "me/bot:1", autoScaling: { maxAgents: 0 } },
                "Invalid parameters: autoScaling.maxAgents must be at least 1",
            ],
            [
                "maxAgents below minAgents",
                { serviceName: "bot", image: "me/bot:1", autoScaling: { minAgents: 5, maxAgents: 3 } },
                "Invalid parameters: autoScaling.maxAgents (3) must be at least autoScaling.minAgents (5)",
            ],
            [
                "minAgents above the default maxAgents",
                { serviceName: "bot", image: "me/bot:1", autoScaling: { minAgents: 60 } },
                "Invalid parameters: autoScaling.maxAgents (50) must be at least autoScaling.minAgents (60)",
            ],
            [
                "an unknown Krisp VIVA filter",
                { serviceName: "bot", image: "me/bot:1", krispViva: { audioFilter: "studio" } },
                'Invalid parameters: krispViva.audioFilter must be "tel" or "pro"',
            ],
            [
                "a non-boolean enableKrisp",
                { serviceName: "bot", image: "me/bot:1", enableKrisp: "yes" },
                "Invalid parameters: enableKrisp must be a boolean",
            ],
            [
                "an unknown websocketAuth",
                { serviceName: "bot", image: "me/bot:1", websocketAuth: "basic" },
                'Invalid parameters: websocketAuth must be "none" or "token"',
            ],
            [
                "a non-boolean enableIntegratedKeysProxy",
                { serviceName: "bot", image: "me/bot:1", enableIntegratedKeysProxy: 1 },
                "Invalid parameters: enableIntegratedKeysProxy must be a boolean",
            ],
            [
                "a number as secretSet",
                { serviceName: "bot", image: "me/bot:1", secretSet: 5 },
                "Invalid parameters: secretSet must be a string",
            ],
            [
                "an empty secretSet",
                { serviceName: "bot", image: "me/bot:1", secretSet: "" },
                "Invalid parameters: secretSet must not be empty (send null to remove the binding)",
            ],
            ["a number as region", { serviceName: "bot", image: "me/bot:1", region: 5 }, "Invalid parameters: region must be a string"],
        ];
        for (const [what, body, error] of cases) {
            it(`answers 400 to ${what}, and creates nothing`, async () => {
                const emulator = await start();
                assert.deepEqual(errorOf(await createAgent(emulator, body)), bad(error));
                assert.deepEqual(emulator.agents(), []);
            });
        }

        it("answers 400 to malformed JSON and to an empty body", async () => {
            const emulator = await start();
            assert.deepEqual(
                errorOf(await call(emulator, "POST", "/agents", { rawBody: '{"serviceName":' })),
                bad("Invalid parameters: body is not valid JSON"),
            );
            assert.deepEqual(errorOf(await call(emulator, "POST", "/agents")), bad("Invalid parameters: body must be a JSON object"));
        });
    });

    it("answers 400 Service already exists to a second create of a name, and keeps the first", async () => {
        const emulator = await start();
        const first = await createdAgent(emulator, { serviceName: "twice", image: "me/bot:1" });
        assert.deepEqual(errorOf(await createAgent(emulator, { serviceName: "twice", image: "me/bot:2" })), bad("Service already exists"));
        assert.equal(emulator.agent("twice")?.spec.image, "me/bot:1");
        assert.equal((await details(emulator, "twice")).desiredDeploymentId, first.desiredDeploymentId);
    });

    describe("secret set bindings", () => {
        const notFound = { status: 404, json: { error: "Secret set not found", code: "NOT_FOUND" } };

        it("answers 404 Secret set not found to an unknown secretSet and to an unknown imagePullSecretSet", async () => {
            const emulator = await start();
            assert.deepEqual(errorOf(await createAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "nope" })), notFound);
            assert.deepEqual(
                errorOf(await createAgent(emulator, { serviceName: "bot", image: "me/bot:1", imagePullSecretSet: "nope" })),
                notFound,
            );
            assert.deepEqual(
                errorOf(await createAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "Not A Set Name" })),
                notFound,
            );
            assert.deepEqual(emulator.agents(), []);
        });

        it("answers 400 when secretSet names an image-pull set, and when imagePullSecretSet names a regular set", async () => {
            const emulator = await start();
            await putSet(emulator, "app-secrets", { A: "value-0001" });
            await putPullSet(emulator, "registry");
            assert.deepEqual(
                errorOf(await createAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "registry" })),
                bad("Secret set 'registry' is an image pull secret set; bind it as imagePullSecretSet, not secretSet"),
            );
            assert.deepEqual(
                errorOf(await createAgent(emulator, { serviceName: "bot", image: "me/bot:1", imagePullSecretSet: "app-secrets" })),
                bad("Secret set 'app-secrets' is not an image pull secret set; bind it as secretSet, not imagePullSecretSet"),
            );
        });

        it("answers the documented 400 when a set is in another region than the agent, for either kind", async () => {
            const emulator = await start();
            await putSet(emulator, "my-secrets", { A: "value-0001" }, "us-east");
            await putPullSet(emulator, "dockerhub-creds", PULL_AUTH, "us-east");
            assert.deepEqual(
                errorOf(await createAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "my-secrets" })),
                bad(
                    "Secret set 'my-secrets' is in region 'us-east' but service will be created in region 'us-west'. Secrets must be in the same region as the service.",
                ),
            );
            assert.deepEqual(
                errorOf(await createAgent(emulator, { serviceName: "bot", image: "me/bot:1", imagePullSecretSet: "dockerhub-creds" })),
                bad(
                    "Image pull secret set 'dockerhub-creds' is in region 'us-east' but service will be created in region 'us-west'. Image pull secrets must be in the same region as the service.",
                ),
            );
            const east = await createdAgent(emulator, {
                serviceName: "bot",
                image: "me/bot:1",
                region: "us-east",
                secretSet: "my-secrets",
                imagePullSecretSet: "dockerhub-creds",
            });
            assert.equal(east.region, "us-east");
        });

        it("answers 409 CONFLICT while a bound set is pending, for either kind, and creates once it is ready", async () => {
            const clock = new ManualClock();
            const emulator = await start({ readyAfterMs: 1000, now: clock.now });
            await putSet(emulator, "app-secrets", { A: "value-0001" });
            await putPullSet(emulator, "registry");
            assert.deepEqual(errorOf(await createAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "app-secrets" })), {
                status: 409,
                json: { error: "Secret set 'app-secrets' is not yet ready. Retry once it has been provisioned.", code: "CONFLICT" },
            });
            assert.deepEqual(
                errorOf(await createAgent(emulator, { serviceName: "bot", image: "me/bot:1", imagePullSecretSet: "registry" })),
                {
                    status: 409,
                    json: { error: "Secret set 'registry' is not yet ready. Retry once it has been provisioned.", code: "CONFLICT" },
                },
            );
            assert.deepEqual(emulator.agents(), []);
            clock.advance(1000);
            await createdAgent(emulator, {
                serviceName: "bot",
                image: "me/bot:1",
                secretSet: "app-secrets",
                imagePullSecretSet: "registry",
            });
        });

        it("answers 409 CONFLICT while a bound set is failed", async () => {
            const emulator = await start();
            emulator.failProvisioning({ setName: "app-secrets" });
            await putSet(emulator, "app-secrets", { A: "value-0001" });
            const answer = await createAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "app-secrets" });
            assert.deepEqual(errorOf(answer), {
                status: 409,
                json: { error: "Secret set 'app-secrets' is not yet ready. Retry once it has been provisioned.", code: "CONFLICT" },
            });
        });

        it("checks the secret set before the image-pull set, and the region before readiness", async () => {
            const clock = new ManualClock();
            const emulator = await start({ readyAfterMs: 1000, now: clock.now });
            await putSet(emulator, "far-away", { A: "value-0001" }, "ap-south");
            const both = await createAgent(emulator, {
                serviceName: "bot",
                image: "me/bot:1",
                secretSet: "missing",
                imagePullSecretSet: "missing-too",
            });
            assert.equal(both.status, 404);
            const pendingElsewhere = await createAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "far-away" });
            assert.equal(pendingElsewhere.status, 400, "region mismatch comes before the 409");
        });

        it("binds a referenced set (a Kubernetes Secret): it is ready-gated like any set, and its values are unknown to Pipecat", async () => {
            const emulator = await start();
            emulator.seed("k8s-secrets", { secrets: {}, referenced: true });
            const body = await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "k8s-secrets" });
            assert.deepEqual(body.deployment.manifest.spec["envFromSecretNames"], ["k8s-secrets"]);
            assert.deepEqual(emulator.runningSecrets("bot"), {});
            emulator.seed("k8s-pending", { secrets: {}, referenced: true, status: "failed" });
            assert.equal((await createAgent(emulator, { serviceName: "bot2", image: "me/bot:1", secretSet: "k8s-pending" })).status, 409);
        });

        it("starts exactly one deployment, not forced", async () => {
            const emulator = await start();
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            assert.equal(deploymentCount(emulator, "bot"), 1);
            assert.equal(emulator.agent("bot")?.deployments[0]?.forced, false);
        });
    });
});
