import assert from "node:assert/strict";
import { assertNoLeaks } from "../../support/leaks";
import { call, emulatorFixture, imagePullBody, ManualClock, regularBody } from "../support";
import { createAgent, createdAgent, errorOf, updateAgent } from "./support";

const UNAUTHORIZED = { status: 401, json: { error: "Unauthorized", code: "UNAUTHORIZED" } };
const ROUTES: readonly [method: string, path: string][] = [
    ["POST", "/agents"],
    ["GET", "/agents"],
    ["GET", "/agents/bot"],
    ["POST", "/agents/bot"],
    ["DELETE", "/agents/bot"],
];

describe("emulator agents over HTTP: auth, routing, faults, rate limit, record, secrecy", () => {
    const start = emulatorFixture();

    describe("authentication", () => {
        for (const [method, path] of ROUTES) {
            it(`answers 401 to ${method} ${path} without a valid key`, async () => {
                const emulator = await start();
                const body = method === "POST" ? { serviceName: "bot", image: "me/bot:1" } : undefined;
                assert.deepEqual(errorOf(await call(emulator, method, path, { authorization: null, body })), UNAUTHORIZED);
                assert.deepEqual(errorOf(await call(emulator, method, path, { authorization: "Bearer wrong", body })), UNAUTHORIZED);
            });
        }

        it("does not create or change an agent on an unauthorized request", async () => {
            const emulator = await start();
            await call(emulator, "POST", "/agents", { authorization: null, body: { serviceName: "bot", image: "me/bot:1" } });
            assert.deepEqual(emulator.agents(), []);
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            await call(emulator, "POST", "/agents/bot", { authorization: "Bearer wrong", body: { image: "me/bot:2" } });
            await call(emulator, "DELETE", "/agents/bot", { authorization: null });
            assert.equal(emulator.agent("bot")?.deployments.length, 1);
        });
    });

    describe("routing", () => {
        const misses: [string, string][] = [
            ["PUT", "/agents"],
            ["DELETE", "/agents"],
            ["PUT", "/agents/bot"],
            ["GET", "/agents/bot/sessions"],
            ["GET", "/agents/"],
        ];
        for (const [method, path] of misses) {
            it(`answers 404 Route not found to ${method} ${path}`, async () => {
                const emulator = await start();
                assert.deepEqual(errorOf(await call(emulator, method, path)), {
                    status: 404,
                    json: { error: `Route not found: ${method} /v1${path}`, code: "NOT_FOUND" },
                });
            });
        }

        it("decodes the agent name in the path", async () => {
            const emulator = await start();
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            assert.equal((await call(emulator, "GET", "/agents/%62ot")).status, 200);
            assert.equal(emulator.requests.at(-1)?.agentName, "bot");
        });
    });

    describe("faults", () => {
        it("answers an injected status on an agent route with the agents' error shape, and changes nothing", async () => {
            const emulator = await start();
            emulator.injectFault({ route: "POST /agents", status: 409 });
            assert.deepEqual(errorOf(await createAgent(emulator, { serviceName: "bot", image: "me/bot:1" })), {
                status: 409,
                json: { error: "Secret set is not yet ready. Retry once it has been provisioned.", code: "CONFLICT" },
            });
            assert.deepEqual(emulator.agents(), []);
            emulator.injectFault({ route: "GET /agents/:name", status: 404 });
            assert.deepEqual(errorOf(await call(emulator, "GET", "/agents/bot")), {
                status: 404,
                json: { error: "Service not found", code: "NOT_FOUND" },
            });
            emulator.injectFault({ route: "GET /agents", status: 503, retryAfter: 2 });
            const unavailable = await call(emulator, "GET", "/agents");
            assert.deepEqual([unavailable.status, unavailable.headers.get("retry-after")], [503, "2"]);
        });

        it("matches faults by agentName, route and method", async () => {
            const emulator = await start();
            await createdAgent(emulator, { serviceName: "one", image: "me/bot:1" });
            await createdAgent(emulator, { serviceName: "two", image: "me/bot:1" });
            emulator.injectFault({ agentName: "two", status: 500, times: Infinity });
            assert.equal((await call(emulator, "GET", "/agents/one")).status, 200);
            assert.equal((await call(emulator, "GET", "/agents/two")).status, 500);
            assert.equal((await updateAgent(emulator, "two", { image: "me/bot:2" })).status, 500);
            assert.equal((await call(emulator, "GET", "/agents")).status, 200, "the list names no agent in its path");
            assert.equal(emulator.agent("two")?.deployments.length, 1, "the faulted update changed nothing");
            emulator.clearFaults();
            emulator.injectFault({ method: "delete", route: "DELETE /agents/:name", status: 502 });
            assert.equal((await updateAgent(emulator, "one", { image: "me/bot:2" })).status, 200);
            assert.equal((await call(emulator, "DELETE", "/agents/one")).status, 502);
            assert.notEqual(emulator.agent("one"), undefined);
        });

        it("applies the create and then loses the answer with afterApply (a create whose response was dropped)", async () => {
            const emulator = await start();
            emulator.injectFault({ route: "POST /agents", drop: true, afterApply: true });
            await assert.rejects(createAgent(emulator, { serviceName: "bot", image: "me/bot:1" }), /fetch failed/);
            assert.notEqual(emulator.agent("bot"), undefined);
            assert.deepEqual(errorOf(await createAgent(emulator, { serviceName: "bot", image: "me/bot:1" })), {
                status: 400,
                json: { error: "Service already exists", code: "GENERIC_BAD_REQUEST" },
            });
        });

        it("accepts the agent routes in fault specs and refuses a method that can never match one", async () => {
            const emulator = await start();
            for (const route of [
                "POST /agents",
                "GET /agents",
                "GET /agents/:name",
                "POST /agents/:name",
                "DELETE /agents/:name",
            ] as const) {
                emulator.injectFault({ route }).clear();
            }
            assert.throws(() => emulator.injectFault({ method: "PUT", route: "POST /agents/:name" }), {
                name: "TypeError",
                message: 'injectFault: method PUT can never match route "POST /agents/:name"',
            });
        });
    });

    it("rate-limits agent routes like the others, without changing state", async () => {
        const clock = new ManualClock();
        const emulator = await start({ rateLimit: { requestsPerSecond: 1 }, now: clock.now });
        await call(emulator, "GET", "/agents");
        const limited = await createAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
        assert.deepEqual([limited.status, limited.headers.get("retry-after")], [429, "1"]);
        assert.deepEqual(emulator.agents(), []);
        assert.equal(emulator.rateLimitedCount, 1);
    });

    it("records agent requests with their route and agent name, and counts them by agentName", async () => {
        const clock = new ManualClock(7000);
        const emulator = await start({ now: clock.now });
        await createAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
        await call(emulator, "GET", "/agents/bot?verbose=1");
        await call(emulator, "GET", "/agents");
        assert.deepEqual(emulator.requests, [
            {
                method: "POST",
                path: "/v1/agents",
                route: "POST /agents",
                status: 200,
                body: { serviceName: "bot", image: "me/bot:1" },
                at: 7000,
                faulted: false,
            },
            { method: "GET", path: "/v1/agents/bot", route: "GET /agents/:name", agentName: "bot", status: 200, at: 7000, faulted: false },
            { method: "GET", path: "/v1/agents", route: "GET /agents", status: 200, at: 7000, faulted: false },
        ]);
        assert.equal(emulator.requestCount({ agentName: "bot" }), 1);
        assert.equal(emulator.requestCount({ route: "POST /agents", status: 200 }), 1);
    });

    it("never puts a secret value in an agents answer or a log line", async () => {
        // Not valid agent names (upper case, underscores): a name is echoed by design, a value must never be.
        const VALUE = "sk_LIVE_agent_0123456789_doNotLeak";
        const ROTATED = "Rotated_sk_9876543210_doNotLeak";
        const PULL = Buffer.from("robot:pull-token-do-not-leak-42").toString("base64");
        const BAD_PULL = "plain-pull-token-do-not-leak:";
        const lines: string[] = [];
        const clock = new ManualClock();
        const emulator = await start({
            log: (line) => lines.push(line),
            now: clock.now,
            imagePullUpdates: "accept",
            deployPhaseMs: { creating: 10, validating: 10, draining: 10 },
        });
        const texts: string[] = [];
        const send = async (method: string, path: string, body?: unknown): Promise<void> => {
            texts.push((await call(emulator, method, path, body === undefined ? {} : { body })).text);
            clock.advance(5);
        };

        await send("PUT", "/secrets/app-secrets", regularBody({ API_KEY: VALUE }));
        await send("PUT", "/secrets/registry", imagePullBody("https://ghcr.io", PULL));
        await send("POST", "/agents", { serviceName: "bot", image: "me/bot:1", secretSet: "app-secrets", imagePullSecretSet: "registry" });
        await send("GET", "/agents/bot");
        await send("PUT", "/secrets/app-secrets", regularBody({ API_KEY: ROTATED }));
        await send("POST", "/agents/bot", { forceRedeploy: true });
        await send("POST", "/agents/bot", { forceRedeploy: true, autoScaling: { minAgents: 2 } });
        await send("GET", "/agents/bot");
        await send("GET", "/agents?includeActiveDeployment=true");
        await send("PUT", "/secrets/registry", imagePullBody("https://ghcr.io", BAD_PULL));
        await send("POST", "/agents/bot", { forceRedeploy: true });
        clock.advance(100);
        await send("GET", "/agents/bot");
        // Values pasted where names belong come back as neither.
        await send("POST", "/agents", { serviceName: VALUE, image: "me/bot:1" });
        await send("POST", "/agents", { serviceName: "bot2", image: "me/bot:1", secretSet: VALUE });
        await send("POST", "/agents", { serviceName: "bot2", buildId: VALUE });
        await send("POST", "/agents/bot", { secretSet: ROTATED });
        await send("POST", "/agents/bot", { websocketAuth: VALUE });
        emulator.failDeployment({ mode: "crash-loop" });
        await send("POST", "/agents", { serviceName: "crashy", image: "me/bot:1", secretSet: "app-secrets" });
        clock.advance(100);
        await send("GET", "/agents/crashy");
        await send("GET", "/agents");
        assert.deepEqual(emulator.runningSecrets("bot"), { API_KEY: ROTATED }, "the values did reach a deployment");
        await send("DELETE", "/agents/bot");

        assert.equal(texts.length, 21);
        assert.equal(lines.length, 21);
        assertNoLeaks(
            [
                ...texts.map((text, i) => ({ label: `response #${i}`, text })),
                ...lines.map((text, i) => ({ label: `log line #${i}`, text })),
            ],
            [
                { label: "the value", value: VALUE },
                { label: "the rotated value", value: ROTATED },
                { label: "the image-pull value", value: PULL },
                { label: "the malformed image-pull value", value: BAD_PULL },
            ],
            "agents answers and log lines",
        );
        // The scan is not vacuous: the values reached the emulator, and the failure paths were taken.
        assert.ok(texts.some((t) => t.includes("ImagePullBackOff")));
        assert.ok(texts.some((t) => t.includes("CrashLoopBackOff")));
        assert.ok(emulator.requests.some((r) => String(JSON.stringify(r.body)).includes(ROTATED)));
    });
});
