import assert from "node:assert/strict";
import { startEmulator } from "../../../emulator";
import { call, emulatorFixture, ManualClock } from "../support";
import { createAgent, createdAgent, details, errorOf, updateAgent } from "./support";

const EXISTS = { status: 400, json: { error: "Service already exists", code: "GENERIC_BAD_REQUEST" } };
const NOT_FOUND = { status: 404, json: { error: "Not found", code: "NOT_FOUND" } };

interface ListItem {
    readonly name: string;
    readonly deletedAt: string | null;
}

async function listed(emulator: Awaited<ReturnType<typeof startEmulator>>): Promise<ListItem[]> {
    return ((await call(emulator, "GET", "/agents")).json as { services: ListItem[] }).services;
}

describe("emulator agentDeleteAfterMs: DELETE /agents/{name} starts a teardown that ends later", () => {
    const start = emulatorFixture();

    it("answers the DELETE 200 at once, keeps the agent readable and listed with deletedAt, and forgets it when the teardown ends", async () => {
        const clock = new ManualClock(Date.UTC(2026, 2, 3));
        const emulator = await start({ now: clock.now, agentDeleteAfterMs: 3000 });
        await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
        clock.advance(500);
        assert.deepEqual(errorOf(await call(emulator, "DELETE", "/agents/bot")), { status: 200, json: { status: "OK" } });

        clock.advance(2999);
        assert.equal((await details(emulator, "bot")).name, "bot");
        assert.deepEqual(
            (await listed(emulator)).map((s) => [s.name, s.deletedAt]),
            [["bot", "2026-03-03T00:00:00.500Z"]],
        );
        assert.equal(emulator.agent("bot")?.deletedAt, Date.UTC(2026, 2, 3) + 500);

        clock.advance(1);
        assert.deepEqual(errorOf(await call(emulator, "GET", "/agents/bot")), NOT_FOUND);
        assert.deepEqual(await listed(emulator), []);
        assert.equal(emulator.agent("bot"), undefined);
        assert.deepEqual(errorOf(await call(emulator, "DELETE", "/agents/bot")), NOT_FOUND);
    });

    it("refuses to create the name again until the teardown has ended, then creates it afresh", async () => {
        const clock = new ManualClock();
        const emulator = await start({ now: clock.now, agentDeleteAfterMs: 1000 });
        const first = await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
        await call(emulator, "DELETE", "/agents/bot");
        assert.deepEqual(errorOf(await createAgent(emulator, { serviceName: "bot", image: "me/bot:2" })), EXISTS);
        assert.equal(emulator.agent("bot")?.spec.image, "me/bot:1", "the refused create changed nothing");

        clock.advance(1000);
        const second = await createdAgent(emulator, { serviceName: "bot", image: "me/bot:2" });
        assert.notEqual(second.deployment.serviceId, first.deployment.serviceId);
        assert.equal(emulator.agent("bot")?.deletedAt, undefined);
        assert.equal(emulator.agent("bot")?.deployments.length, 1);
    });

    it("refuses an update during the teardown with 404 Service not found, and a second DELETE does not restart it", async () => {
        const clock = new ManualClock();
        const emulator = await start({ now: clock.now, agentDeleteAfterMs: 1000 });
        await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
        await call(emulator, "DELETE", "/agents/bot");
        clock.advance(600);
        assert.deepEqual(errorOf(await updateAgent(emulator, "bot", { image: "me/bot:2" })), {
            status: 404,
            json: { error: "Service not found", code: "NOT_FOUND" },
        });
        assert.equal((await call(emulator, "DELETE", "/agents/bot")).status, 200);
        clock.advance(400);
        assert.equal(emulator.agent("bot"), undefined, "the teardown ends 1000 ms after the first DELETE");
    });

    it("deletes at once by default, and deleteAgentDirect removes an agent under teardown at once", async () => {
        const emulator = await start();
        await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
        await call(emulator, "DELETE", "/agents/bot");
        assert.equal(emulator.agent("bot"), undefined);

        const slow = await start({ agentDeleteAfterMs: 60_000 });
        await createdAgent(slow, { serviceName: "bot", image: "me/bot:1" });
        await call(slow, "DELETE", "/agents/bot");
        assert.equal(slow.deleteAgentDirect("bot"), true);
        assert.equal(slow.agent("bot"), undefined);
    });

    it("refuses an invalid agentDeleteAfterMs", async () => {
        await assert.rejects(startEmulator({ agentDeleteAfterMs: -1 }), {
            name: "TypeError",
            message: /agentDeleteAfterMs must be a non-negative number/,
        });
    });
});

describe("emulator bareRouteNotFound: an unknown route answers the bare 404 Not found", () => {
    const start = emulatorFixture();

    it("answers a path outside /v1 with {error: Not found}, the same body as a missing agent, and records it", async () => {
        const emulator = await start({ bareRouteNotFound: true });
        await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
        const root = emulator.url.replace(/\/v1$/, "");
        for (const [method, path] of [
            ["DELETE", "/agents/bot"],
            ["GET", "/agents/bot"],
            ["GET", "/secrets/app"],
            ["GET", "/v1/agents/bot/sessions"],
        ] as const) {
            const response = await fetch(`${root}${path}`, { method, headers: { authorization: `Bearer ${emulator.apiKey}` } });
            assert.deepEqual({ status: response.status, json: await response.json() }, NOT_FOUND, `${method} ${path}`);
        }
        assert.ok(emulator.agent("bot"), "the agent is untouched");
        assert.deepEqual(
            emulator.requests.slice(1).map((r) => `${r.method} ${r.path} ${r.status} ${r.route ?? "-"}`),
            ["DELETE /agents/bot 404 -", "GET /agents/bot 404 -", "GET /secrets/app 404 -", "GET /v1/agents/bot/sessions 404 -"],
        );
    });

    it("keeps Route not found by default, and still answers 401 before routing", async () => {
        const emulator = await start({ bareRouteNotFound: true });
        const root = emulator.url.replace(/\/v1$/, "");
        assert.equal((await fetch(`${root}/agents/bot`, { method: "DELETE" })).status, 401);
        const plain = await start();
        const response = await fetch(`${plain.url.replace(/\/v1$/, "")}/agents/bot`, {
            headers: { authorization: `Bearer ${plain.apiKey}` },
        });
        assert.deepEqual(await response.json(), { error: "Route not found: GET /agents/bot", code: "NOT_FOUND" });
    });

    it("refuses a bareRouteNotFound that is not a boolean", async () => {
        await assert.rejects(startEmulator({ bareRouteNotFound: "yes" as unknown as boolean }), {
            name: "TypeError",
            message: /bareRouteNotFound must be true or false/,
        });
    });
});
