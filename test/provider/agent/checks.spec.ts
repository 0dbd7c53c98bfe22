/**
 * The Agent provider's rules that a mutation pass found unguarded, each pinned where it can fail: what a refused
 * `POST /agents` leaves alone, the region check of an existing agent, the exact restart count a crash loop fails at,
 * the 409 backoff and which 409s it retries, and the scaling boundary. Against the emulator over real HTTP, on a
 * fake clock shared by the provider and the emulator (the setup of implementation.spec.ts), with every sleep recorded.
 */
import * as assert from "node:assert/strict";
import { agentProvider, secretSetProvider } from "../../../provider";
import { TICK_MS } from "../../../provider/ticker";
import { ProviderMethods } from "../../support/provider";

const KEY = "pk-checks-API-KEY-never-shown-0001";
const V1 = "sk-checks-VALUE-one-never-shown-1111";
const V2 = "sk-checks-VALUE-two-never-shown-2222";
const IMAGE = "registry.example/voice-agent:0.1";

type Props = Record<string, unknown>;

const m = new ProviderMethods({
    provider: agentProvider,
    apiKey: KEY,
    emulator: { readyAfterMs: 1_500, deployPhaseMs: { creating: 2_000, validating: 3_000 } },
});

async function checked(inputs: Props, olds: Props = {}): Promise<Props> {
    const r = await agentProvider.check!(olds, inputs);
    assert.deepEqual(r.failures ?? [], []);
    return r.inputs;
}

async function create(inputs: Props): Promise<Props> {
    return (await agentProvider.create(await checked(inputs))).outs as Props;
}

async function secretSet(name: string, value: string, extra: Props = {}): Promise<Props> {
    const ins = (await secretSetProvider.check!({}, { name, secrets: { OPENAI_API_KEY: value }, ...extra })).inputs;
    return (await secretSetProvider.create(ins)).outs as Props;
}

/** A call to the API behind the program's back (another tool, another person), with the organisation's key. */
async function direct(method: string, path: string, body: unknown): Promise<number> {
    const res = await fetch(`${m.emulator.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.status;
}

/** Writes the set behind the program's back: it is `pending` again for the emulator's `readyAfterMs`. */
async function rewrittenElsewhere(setName: string, value: string): Promise<void> {
    assert.equal(await direct("PUT", `/secrets/${setName}`, { secrets: [{ secretKey: "OPENAI_API_KEY", secretValue: value }] }), 202);
}

const deletes = () => m.seen().filter((r) => r.startsWith("DELETE"));
const voice = { name: "voice-agent", image: IMAGE, secretSet: "voice-secrets" };

describe("the Agent provider's checks", () => {
    afterEach(() => m.close());

    after(() => m.assertNoLeaks([KEY, V1, V2]));

    describe("create: a refused POST /agents deletes nothing", () => {
        it("leaves an agent of the same name alone when its POST is refused with a 400 (the rollback is only for an agent this create made)", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            // Someone else's agent under the name; the program's POST is refused for a reason of its own.
            assert.equal(
                await direct("POST", "/agents", {
                    serviceName: "voice-agent",
                    image: "registry.example/someone-else:1",
                    secretSet: "voice-secrets",
                }),
                200,
            );
            m.emulator.injectFault({
                route: "POST /agents",
                status: 400,
                body: JSON.stringify({ error: "Invalid agent configuration", code: "BAD_REQUEST" }),
                times: 1,
            });
            m.emulator.clearRequests();
            const message = await m.message(create(voice));
            assert.match(message, /Invalid agent configuration/);
            assert.deepEqual(m.seen(), ["POST /agents 400"]);
            assert.equal(
                m.emulator.agent("voice-agent")?.spec.image,
                "registry.example/someone-else:1",
                "the other agent lives on, unchanged",
            );
        });

        it("sends no DELETE after the API refuses a set in another region, a missing set, or a set that failed to provision", async () => {
            await m.setup({}, { "pipecat:readyTimeoutSeconds": "10" });
            await secretSet("eu-secrets", V1, { region: "eu-central" });
            await secretSet("voice-secrets", V1);
            m.emulator.failProvisioning({ setName: "voice-secrets" });
            await rewrittenElsewhere("voice-secrets", V2);
            const refusals: [Props, RegExp][] = [
                [
                    { ...voice, secretSet: "eu-secrets" },
                    /Secret set 'eu-secrets' is in region 'eu-central' but service will be created in region 'us-west'/,
                ],
                [{ ...voice, secretSet: "missing-secrets" }, /Secret set not found/],
                // A failed set fails at once, with its own message (the 409 says only "not yet ready").
                [voice, /its secret set "voice-secrets" failed to provision: .*waiting cannot fix that/],
            ];
            for (const [inputs, expected] of refusals) {
                m.emulator.clearRequests();
                assert.match(await m.message(create(inputs)), expected);
                const writes = m.seen().filter((r) => !r.startsWith("GET "));
                assert.ok(writes.length > 0 && writes.every((r) => /^POST \/agents 4\d\d$/.test(r)), m.seen().join("\n"));
                assert.deepEqual(deletes(), [], `a refused POST was followed by a DELETE (${String(expected)})`);
            }
            assert.deepEqual(m.emulator.agents(), []);
        });
    });

    describe("create: the 409 of a set not ready", () => {
        it("retries it after 1 s, doubling each time up to 5 s, and sends the deploy once the set is ready", async () => {
            await m.setup({ readyAfterMs: 20_000 });
            await secretSet("voice-secrets", V1);
            await rewrittenElsewhere("voice-secrets", V2);
            m.emulator.clearRequests();
            m.sleeps = [];
            await create(voice);
            const posts = m.emulator.requests.filter((r) => r.route === "POST /agents");
            // Ready 20 s after the write: POSTs at 0, 1, 3, 7, 12, 17 s are refused, the one at 22 s goes through.
            assert.deepEqual(
                posts.map((r) => r.status),
                [409, 409, 409, 409, 409, 409, 200],
            );
            const backoff = [1_000, 2_000, 4_000, 5_000, 5_000, 5_000];
            assert.deepEqual(m.sleeps.slice(0, backoff.length), backoff, "the waits the provider asked for");
            assert.deepEqual(
                posts.slice(1).map((r, i) => r.at - (posts[i]?.at ?? 0)),
                backoff,
                "the gaps between the POSTs the emulator saw",
            );
            assert.deepEqual(m.emulator.runningSecrets("voice-agent"), { OPENAI_API_KEY: V2 });
        });

        it("fails at once on any other 409, without a retry or a wait", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            // A conflict that is not about a set's readiness (the body is made up: any other 409 of POST /agents).
            const conflict = { error: "Service voice-agent has an operation in progress", code: "CONFLICT" };
            m.emulator.injectFault({ route: "POST /agents", status: 409, body: JSON.stringify(conflict), times: 1 });
            m.emulator.clearRequests();
            m.sleeps = [];
            const message = await m.message(create(voice));
            assert.match(message, /409/);
            assert.match(message, /has an operation in progress/);
            assert.doesNotMatch(message, /retried for/);
            assert.deepEqual(m.seen(), ["POST /agents 409"]);
            assert.deepEqual(m.sleeps, []);
            assert.equal(m.emulator.agent("voice-agent"), undefined);
        });
    });

    describe("create: a crash loop", () => {
        it("is waited through at 2 restarts and fails at exactly 3", async () => {
            // Validating 6 s: a crash loop has restarted floor(elapsed / 2 s) times during it, then 3 and one more per 10 s.
            // The looks on the ticks after the POST read the list until Creating ends (2 s), then the agent by name with a
            // doubling gap (at 2, 2.4, 3.2, 4.8, 6.8 and 8.8 s): 3 restarts once Validating ends (8 s).
            await m.setup({ deployPhaseMs: { creating: 2_000, validating: 6_000 } }, { "pipecat:deployTimeoutSeconds": "3600" });
            await secretSet("voice-secrets", V1);
            m.emulator.failDeployment({ agent: "voice-agent", mode: "crash-loop", message: "KeyError: 'DAILY_API_KEY'" });
            m.emulator.clearRequests();
            const started = m.clock;
            const message = await m.message(create(voice));
            assert.match(message, /is crash-looping \(3 restarts\): CrashLoopBackOff, exit \d+ \("KeyError: 'DAILY_API_KEY'"\)/);
            const failedAt = 8_800;
            // The rollback's wait for the name to be free looks one tick later.
            assert.equal(m.clock - started, failedAt + TICK_MS, "it failed at the first look that saw 3 restarts");
            // One list is the rollback's, waiting for the name to be free.
            const lists = m.emulator.requestCount({ route: "GET /agents" }) - 1;
            assert.equal(lists, Math.ceil(2_000 / TICK_MS) + 1, "the list until it showed the deployment reconciled");
            assert.equal(m.emulator.requestCount({ route: "GET /agents/:name" }), 6, "then the reads by name");
            // This create made the agent, so it is rolled back.
            assert.match(message, /The agent was deleted again/);
            assert.deepEqual(deletes(), ["DELETE /agents/voice-agent 200"]);
        });
    });

    describe("check", () => {
        it("does not replace an existing agent whose new region could not be checked; a new agent needs no check", async () => {
            await m.setup();
            m.emulator.injectFault({ route: "GET /regions", status: 500, times: Infinity });
            const olds = await checked(voice);
            const r = await agentProvider.check!(olds, { ...voice, region: "us-east" });
            assert.equal(r.failures?.length, 1);
            assert.match(r.failures?.[0]?.reason ?? "", /^region: "us-east" could not be checked, so the agent was not replaced \(.*500/);
            assert.ok(m.emulator.requestCount({ route: "GET /regions" }) >= 1, "the regions were asked for");
            // A new agent in a wrong region would fail its POST, and nothing is lost.
            assert.deepEqual((await agentProvider.check!({}, { ...voice, region: "us-east" })).failures ?? [], []);
        });

        it("accepts maxAgents equal to minAgents, and refuses it one below", async () => {
            await m.setup();
            for (const n of [1, 3]) {
                const ins = await checked({ ...voice, autoScaling: { minAgents: n, maxAgents: n } });
                assert.deepEqual(ins["autoScaling"], { minAgents: n, maxAgents: n });
            }
            const r = await agentProvider.check!({}, { ...voice, autoScaling: { minAgents: 3, maxAgents: 2 } });
            assert.deepEqual(
                r.failures?.map((f) => f.reason),
                ["autoScaling: maxAgents must be at least minAgents"],
            );
        });
    });
});
