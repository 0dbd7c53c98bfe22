/**
 * The Agent provider's rules that a mutation pass found unguarded, each pinned where it can fail: what a refused
 * `POST /agents` leaves alone, the region check of an existing agent, the exact restart count a crash loop fails at,
 * the 409 backoff and which 409s it retries, and the scaling boundary. Against the emulator over real HTTP, on a
 * fake clock shared by the provider and the emulator (the setup of implementation.spec.ts), with every sleep recorded.
 */
import * as assert from "node:assert/strict";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../../emulator";
import { agentProvider, secretSetProvider } from "../../../provider";

const sets = require("pulumi-pipecat-secrets/implementation") as typeof import("../../../provider/secretset/implementation");

const KEY = "pk-checks-API-KEY-never-shown-0001";
const V1 = "sk-checks-VALUE-one-never-shown-1111";
const V2 = "sk-checks-VALUE-two-never-shown-2222";
const IMAGE = "registry.example/voice-agent:0.1";

type Props = Record<string, unknown>;

let emulator: Emulator;
let clock: number;
/** Every wait the provider (and its client) asked for, in milliseconds, in order. */
let sleeps: number[] = [];
const messages: string[] = [];

async function setup(options: EmulatorOptions = {}, config: Record<string, string> = {}): Promise<void> {
    clock = 1_000_000;
    sleeps = [];
    emulator = await startEmulator({
        apiKey: KEY,
        now: () => clock,
        readyAfterMs: 1_500,
        deployPhaseMs: { creating: 2_000, validating: 3_000 },
        ...options,
    });
    sets.setTestHooks({
        sleep: async (ms) => {
            sleeps.push(ms);
            clock += ms;
        },
        now: () => clock,
        random: () => 0.5,
    });
    const values: Record<string, string> = { "pipecat:apiKey": KEY, "pipecat:apiUrl": emulator.url, ...config };
    await agentProvider.configure!({ config: { get: (k: string) => values[k], require: (k: string) => values[k] ?? assert.fail(k) } });
}

async function failure(op: Promise<unknown>): Promise<string> {
    const e = await op.then(
        () => assert.fail("expected the operation to fail"),
        (error: unknown) => error as Error,
    );
    messages.push(e.message, String(e.stack));
    return e.message;
}

function seen(): string[] {
    return emulator.requests.map((r) => `${r.method} ${r.path.replace("/v1", "")} ${r.status}`);
}

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
    const res = await fetch(`${emulator.url}${path}`, {
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

const deletes = () => seen().filter((r) => r.startsWith("DELETE"));
const voice = { name: "voice-agent", image: IMAGE, secretSet: "voice-secrets" };

describe("the Agent provider's checks", () => {
    afterEach(async () => {
        sets.setTestHooks({});
        await emulator?.close();
    });

    after(() => {
        for (const m of messages) for (const s of [KEY, V1, V2]) assert.ok(!m.includes(s), "a message leaks a secret");
    });

    describe("create: a refused POST /agents deletes nothing", () => {
        it("leaves an agent of the same name alone when its POST is refused with a 400 (the rollback is only for an agent this create made)", async () => {
            await setup();
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
            emulator.injectFault({
                route: "POST /agents",
                status: 400,
                body: JSON.stringify({ error: "Invalid agent configuration", code: "BAD_REQUEST" }),
                times: 1,
            });
            emulator.clearRequests();
            const message = await failure(create(voice));
            assert.match(message, /Invalid agent configuration/);
            assert.deepEqual(seen(), ["POST /agents 400"]);
            assert.equal(
                emulator.agent("voice-agent")?.spec.image,
                "registry.example/someone-else:1",
                "the other agent lives on, unchanged",
            );
        });

        it("sends no DELETE after the API refuses a set in another region, a missing set, or a set that failed to provision", async () => {
            await setup({}, { "pipecat:readyTimeoutSeconds": "10" });
            await secretSet("eu-secrets", V1, { region: "eu-central" });
            await secretSet("voice-secrets", V1);
            emulator.failProvisioning({ setName: "voice-secrets" });
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
                emulator.clearRequests();
                assert.match(await failure(create(inputs)), expected);
                const writes = seen().filter((r) => !r.startsWith("GET "));
                assert.ok(writes.length > 0 && writes.every((r) => /^POST \/agents 4\d\d$/.test(r)), seen().join("\n"));
                assert.deepEqual(deletes(), [], `a refused POST was followed by a DELETE (${String(expected)})`);
            }
            assert.deepEqual(emulator.agents(), []);
        });
    });

    describe("create: the 409 of a set not ready", () => {
        it("retries it after 1 s, doubling each time up to 5 s, and sends the deploy once the set is ready", async () => {
            await setup({ readyAfterMs: 20_000 });
            await secretSet("voice-secrets", V1);
            await rewrittenElsewhere("voice-secrets", V2);
            emulator.clearRequests();
            sleeps = [];
            await create(voice);
            const posts = emulator.requests.filter((r) => r.route === "POST /agents");
            // Ready 20 s after the write: POSTs at 0, 1, 3, 7, 12, 17 s are refused, the one at 22 s goes through.
            assert.deepEqual(
                posts.map((r) => r.status),
                [409, 409, 409, 409, 409, 409, 200],
            );
            const backoff = [1_000, 2_000, 4_000, 5_000, 5_000, 5_000];
            assert.deepEqual(sleeps.slice(0, backoff.length), backoff, "the waits the provider asked for");
            assert.deepEqual(
                posts.slice(1).map((r, i) => r.at - (posts[i]?.at ?? 0)),
                backoff,
                "the gaps between the POSTs the emulator saw",
            );
            assert.deepEqual(emulator.runningSecrets("voice-agent"), { OPENAI_API_KEY: V2 });
        });

        it("fails at once on any other 409, without a retry or a wait", async () => {
            await setup();
            await secretSet("voice-secrets", V1);
            // A conflict that is not about a set's readiness (the body is made up: any other 409 of POST /agents).
            const conflict = { error: "Service voice-agent has an operation in progress", code: "CONFLICT" };
            emulator.injectFault({ route: "POST /agents", status: 409, body: JSON.stringify(conflict), times: 1 });
            emulator.clearRequests();
            sleeps = [];
            const message = await failure(create(voice));
            assert.match(message, /409/);
            assert.match(message, /has an operation in progress/);
            assert.doesNotMatch(message, /retried for/);
            assert.deepEqual(seen(), ["POST /agents 409"]);
            assert.deepEqual(sleeps, []);
            assert.equal(emulator.agent("voice-agent"), undefined);
        });
    });

    describe("create: a crash loop", () => {
        it("is waited through at 2 restarts and fails at exactly 3", async () => {
            // Validating 6 s: a crash loop has restarted floor(elapsed / 2 s) times during it, then 3 and one more per 10 s.
            // The polls after the POST (at 0, 1, 3, 7, 12, 17, 22 s; Creating ends at 2 s) see 0, 0, 0, 2, 3, 3, 4 restarts.
            await setup({ deployPhaseMs: { creating: 2_000, validating: 6_000 } }, { "pipecat:deployTimeoutSeconds": "3600" });
            await secretSet("voice-secrets", V1);
            emulator.failDeployment({ agent: "voice-agent", mode: "crash-loop", message: "KeyError: 'DAILY_API_KEY'" });
            emulator.clearRequests();
            const started = clock;
            const message = await failure(create(voice));
            assert.match(message, /is crash-looping \(3 restarts\): CrashLoopBackOff, exit \d+ \("KeyError: 'DAILY_API_KEY'"\)/);
            assert.equal(clock - started, 12_000, "it failed at the first poll that saw 3 restarts");
            assert.equal(emulator.requestCount({ route: "GET /agents/:name" }), 5, "polls at 0, 1, 3, 7 and 12 s");
            // This create made the agent, so it is rolled back.
            assert.match(message, /The agent was deleted again/);
            assert.deepEqual(deletes(), ["DELETE /agents/voice-agent 200"]);
        });
    });

    describe("check", () => {
        it("does not replace an existing agent whose new region could not be checked; a new agent needs no check", async () => {
            await setup();
            emulator.injectFault({ route: "GET /regions", status: 500, times: Infinity });
            const olds = await checked(voice);
            const r = await agentProvider.check!(olds, { ...voice, region: "us-east" });
            assert.equal(r.failures?.length, 1);
            assert.match(r.failures?.[0]?.reason ?? "", /^region: "us-east" could not be checked, so the agent was not replaced \(.*500/);
            assert.ok(emulator.requestCount({ route: "GET /regions" }) >= 1, "the regions were asked for");
            // A new agent in a wrong region would fail its POST, and nothing is lost.
            assert.deepEqual((await agentProvider.check!({}, { ...voice, region: "us-east" })).failures ?? [], []);
        });

        it("accepts maxAgents equal to minAgents, and refuses it one below", async () => {
            await setup();
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
