import assert from "node:assert/strict";
import { call, emulatorFixture, ManualClock } from "../support";
import { createdAgent, details, errorOf, putSet, updatedAgent } from "./support";

const NOT_FOUND = { status: 404, json: { error: "Not found", code: "NOT_FOUND" } };

interface ListItem {
    readonly id: string;
    readonly name: string;
    readonly region: string;
    readonly deployment?: { readonly id: string; readonly manifest: { readonly spec: Readonly<Record<string, unknown>> } };
    readonly [field: string]: unknown;
}

describe("emulator GET and DELETE /agents", () => {
    const start = emulatorFixture();

    describe("GET /agents/{agentName}", () => {
        it("answers the same ServiceDetailsResponse the write answered, once the deployment has moved on", async () => {
            const clock = new ManualClock();
            const emulator = await start({ now: clock.now, deployPhaseMs: { creating: 1000 } });
            const written = await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            clock.advance(1000);
            const read = await details(emulator, "bot");
            assert.deepEqual(Object.keys(read), Object.keys(written));
            assert.deepEqual(
                {
                    ...read,
                    currentRevision: written.currentRevision,
                    reconciledDeploymentId: null,
                    ready: false,
                    available: false,
                    activeDeploymentReady: false,
                },
                written,
            );
        });

        it("answers 404 with the docs' Not found for an agent that does not exist", async () => {
            const emulator = await start();
            assert.deepEqual(errorOf(await call(emulator, "GET", "/agents/ghost")), NOT_FOUND);
        });
    });

    describe("GET /agents", () => {
        it("answers {services: []} with no agents", async () => {
            const emulator = await start();
            assert.deepEqual(errorOf(await call(emulator, "GET", "/agents")), { status: 200, json: { services: [] } });
        });

        it("lists every agent in creation order with the documented ServiceListItem fields", async () => {
            const clock = new ManualClock(Date.UTC(2026, 2, 3));
            const emulator = await start({ now: clock.now });
            const one = await createdAgent(emulator, { serviceName: "one", image: "me/one:1" });
            clock.advance(1000);
            const two = await createdAgent(emulator, { serviceName: "two", image: "me/two:1", region: "eu-central" });
            const { services } = (await call(emulator, "GET", "/agents")).json as { services: ListItem[] };
            assert.deepEqual(services, [
                {
                    id: one.deployment.serviceId,
                    name: "one",
                    region: "us-west",
                    desiredDeploymentId: one.desiredDeploymentId,
                    activeDeploymentId: one.desiredDeploymentId,
                    reconciledDeploymentId: one.desiredDeploymentId,
                    organizationId: "00000000-0000-4000-8000-000000000000",
                    createdAt: "2026-03-03T00:00:00.000Z",
                    updatedAt: "2026-03-03T00:00:00.000Z",
                    deletedAt: null,
                },
                {
                    id: two.deployment.serviceId,
                    name: "two",
                    region: "eu-central",
                    desiredDeploymentId: two.desiredDeploymentId,
                    activeDeploymentId: two.desiredDeploymentId,
                    reconciledDeploymentId: two.desiredDeploymentId,
                    organizationId: "00000000-0000-4000-8000-000000000000",
                    createdAt: "2026-03-03T00:00:01.000Z",
                    updatedAt: "2026-03-03T00:00:01.000Z",
                    deletedAt: null,
                },
            ]);
        });

        it("filters by the documented region query parameter", async () => {
            const emulator = await start();
            await createdAgent(emulator, { serviceName: "west", image: "me/bot:1" });
            await createdAgent(emulator, { serviceName: "east", image: "me/bot:1", region: "us-east" });
            const names = async (query: string) =>
                ((await call(emulator, "GET", `/agents${query}`)).json as { services: ListItem[] }).services.map((s) => s.name);
            assert.deepEqual(await names("?region=us-east"), ["east"]);
            assert.deepEqual(await names("?region=ap-south"), []);
            assert.deepEqual(await names(""), ["west", "east"]);
        });

        it("adds the deployment of each agent with includeActiveDeployment=true", async () => {
            const emulator = await start();
            await putSet(emulator, "app-secrets", { A: "value-0001" });
            const bot = await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "app-secrets" });
            const [withDeployment] = (
                (await call(emulator, "GET", "/agents?includeActiveDeployment=true")).json as { services: ListItem[] }
            ).services;
            assert.deepEqual(withDeployment?.deployment, bot.deployment);
            const [without] = ((await call(emulator, "GET", "/agents?includeActiveDeployment=false")).json as { services: ListItem[] })
                .services;
            assert.equal(without !== undefined && "deployment" in without, false);
        });
    });

    describe("DELETE /agents/{agentName}", () => {
        it("answers 200 {status: OK}, and the agent is gone from GET and the list at once", async () => {
            const emulator = await start();
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            assert.deepEqual(errorOf(await call(emulator, "DELETE", "/agents/bot")), { status: 200, json: { status: "OK" } });
            assert.deepEqual(errorOf(await call(emulator, "GET", "/agents/bot")), NOT_FOUND);
            assert.deepEqual((await call(emulator, "GET", "/agents")).json, { services: [] });
            assert.equal(emulator.agent("bot"), undefined);
            assert.equal(emulator.runningSecrets("bot"), undefined);
        });

        it("answers 404 Not found for an agent that does not exist, and to a repeated delete", async () => {
            const emulator = await start();
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            await call(emulator, "DELETE", "/agents/bot");
            assert.deepEqual(errorOf(await call(emulator, "DELETE", "/agents/bot")), NOT_FOUND);
            assert.deepEqual(errorOf(await call(emulator, "DELETE", "/agents/never")), NOT_FOUND);
        });

        it("deletes during a rollout, and a new agent of the same name starts afresh", async () => {
            const clock = new ManualClock();
            const emulator = await start({ now: clock.now, deployPhaseMs: { creating: 1000 } });
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            clock.advance(1000);
            await updatedAgent(emulator, "bot", { image: "me/bot:2" });
            await call(emulator, "DELETE", "/agents/bot");
            const again = await createdAgent(emulator, { serviceName: "bot", image: "me/bot:3" });
            assert.deepEqual([again.previousRevision, again.reconciledDeploymentId], [null, null]);
            assert.equal(emulator.agent("bot")?.deployments.length, 1);
        });

        it("leaves the agent's secret sets alone", async () => {
            const emulator = await start();
            await putSet(emulator, "app-secrets", { A: "value-0001" });
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "app-secrets" });
            await call(emulator, "DELETE", "/agents/bot");
            assert.equal((await call(emulator, "GET", "/secrets/app-secrets")).status, 200);
        });
    });
});
