/**
 * The Agent provider's safety decisions against the emulator over real HTTP, on a fake clock: a region
 * kept through a replacement, moves refused before anything is deleted, an unanswered create that meets
 * "already exists" proven its own or refused, removed fields reset, a failed update reported as partly
 * applied, a read that reads back what diff compares, adoption that refuses an undeclared binding, and
 * waiting for the deployment an update named. What a user sees through the engine is in
 * test/e2e/agent-safety.spec.ts.
 */
import * as assert from "node:assert/strict";
import { agentProvider, secretSetProvider } from "../../../provider";
import { ProviderMethods } from "../../support/provider";

const sets = require("pulumi-pipecat-secrets/implementation") as typeof import("../../../provider/secretset/implementation");

const KEY = "pk-agent-safety-API-KEY-never-shown-0001";
const V1 = "sk-agent-safety-VALUE-never-shown-1111";
const IMAGE = "registry.example/voice-agent:0.1";
const PROVIDER = "serialized-provider-text";

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

async function secretSet(name: string, region?: string): Promise<Props> {
    const ins = (await secretSetProvider.check!({}, { name, secrets: { OPENAI_API_KEY: V1 }, ...(region ? { region } : {}) })).inputs;
    return (await secretSetProvider.create(ins)).outs as Props;
}

/** An agent created straight through the API, as someone else would. */
async function strangerAgent(name: string, image: string): Promise<void> {
    const res = await fetch(`${m.emulator.url}/agents`, {
        method: "POST",
        headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
        body: JSON.stringify({ serviceName: name, image }),
    });
    assert.equal(res.status, 200);
}

const voice = { name: "voice-agent", image: IMAGE, secretSet: "voice-secrets" };

describe("the Agent provider's safety decisions", () => {
    afterEach(() => m.close());

    after(() => m.assertNoLeaks([KEY, V1]));

    describe("where an agent runs", () => {
        it("keeps a replaced agent in its region when no region is declared, and shows it in the replacement's inputs", async () => {
            await m.setup();
            await secretSet("voice-secrets", "us-east");
            const outs = await create({ ...voice, region: "us-east" });
            const oldInputs = await checked({ name: "voice-agent", image: IMAGE }, {}); // as if declared without region since
            const news = await checked({ name: "voice-agent", image: IMAGE }, { ...oldInputs });
            const plan = await agentProvider.diff!("voice-agent", outs, news);
            assert.deepEqual(plan.replaces, ["secretSet"], "unbinding the set replaces the agent");
            // The engine checks the replacement afresh, without old inputs.
            const replacement = await checked({ name: "voice-agent", image: IMAGE });
            assert.equal(replacement["region"], "us-east");
            await agentProvider.delete!("voice-agent", outs);
            const created = (await agentProvider.create(replacement)).outs as Props;
            assert.equal(created["region"], "us-east");
            assert.equal(m.emulator.agent("voice-agent")?.region, "us-east");
        });

        it("keeps a region that is no longer declared in the inputs, so nothing changes", async () => {
            await m.setup();
            await secretSet("voice-secrets", "us-east");
            const old = await checked({ ...voice, region: "us-east" });
            const news = await checked(voice, old);
            assert.equal(news["region"], "us-east");
        });

        it("refuses a move while a bound set is in the old region, naming the set, before anything is sent or deleted", async () => {
            await m.setup();
            await secretSet("voice-secrets");
            const old = await checked(voice);
            const outs = (await agentProvider.create(old)).outs as Props;
            m.emulator.clearRequests();
            const r = await agentProvider.check!(old, { ...voice, region: "us-east" });
            assert.match(
                r.failures?.[0]?.reason ?? "",
                /secretSet: set "voice-secrets" is in region "us-west", but the agent would be in "us-east"/,
            );
            assert.deepEqual(m.seen(), ["GET /regions 200", "GET /secrets 200"], "only reads");
            assert.equal(m.emulator.agent("voice-agent")?.region, outs["region"]);
        });

        it("refuses a set resource in another region than the agent's without any request, as in a preview without a key", async () => {
            await m.setup();
            await m.configure({ "pipecat:apiKey": undefined });
            const r = await agentProvider.check!({}, { ...voice, region: "us-west", secretSetRegion: "eu-central" });
            assert.match(
                r.failures?.[0]?.reason ?? "",
                /secretSet: set "voice-secrets" is in region "eu-central", but the agent would be in "us-west"/,
            );
            assert.deepEqual(m.seen(), []);
        });

        it("lets an agent move with a SecretSet resource that this run moves too: the set's planned region wins over the list", async () => {
            await m.setup();
            await secretSet("voice-secrets");
            const old = await checked({ ...voice, secretSetRegion: "us-west" });
            await agentProvider.create(old);
            // The preview of moving both: the set still lists in us-west, the resource says us-east.
            const r = await agentProvider.check!(old, { ...voice, region: "us-east", secretSetRegion: "us-east" });
            assert.deepEqual(r.failures ?? [], []);
        });

        it("refuses a move to a set that does not exist or failed: the agent would be deleted first, then fail to deploy", async () => {
            await m.setup();
            await secretSet("voice-secrets");
            const old = await checked(voice);
            await agentProvider.create(old);
            const missing = await agentProvider.check!(old, { ...voice, region: "us-east", secretSet: "east-secrets" });
            assert.match(
                missing.failures?.[0]?.reason ?? "",
                /secretSet: set "east-secrets" is not in the organisation's sets list, so the agent was not replaced/,
            );
            await secretSet("east-secrets", "us-east");
            m.emulator.failProvisioning({ setName: "east-secrets" });
            await fetch(`${m.emulator.url}/secrets/east-secrets`, {
                method: "PUT",
                headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
                body: JSON.stringify({ secrets: [{ secretKey: "OPENAI_API_KEY", secretValue: V1 }], region: "us-east" }),
            });
            m.clock += 5_000;
            const failed = await agentProvider.check!(old, { ...voice, region: "us-east", secretSet: "east-secrets" });
            assert.match(failed.failures?.[0]?.reason ?? "", /secretSet: set "east-secrets" failed to provision/);
            assert.ok(m.emulator.agent("voice-agent"), "the agent still runs");
        });

        it("knows an agent without a declared region runs where its SecretSet resource was, so a set moved under it fails the preview", async () => {
            await m.setup();
            const r = await agentProvider.check!({ ...voice, secretSetRegion: "us-west" }, { ...voice, secretSetRegion: "us-east" });
            assert.match(
                r.failures?.[0]?.reason ?? "",
                /secretSet: set "voice-secrets" is in region "us-east", but the agent would be in "us-west"/,
            );
        });

        it("does not move an existing agent when where its sets are cannot be checked", async () => {
            await m.setup();
            await secretSet("voice-secrets");
            const old = await checked(voice);
            await agentProvider.create(old);
            m.emulator.injectFault({ route: "GET /secrets", status: 500, times: Infinity });
            const r = await agentProvider.check!(old, { ...voice, region: "us-east" });
            assert.match(r.failures?.[0]?.reason ?? "", /could not be checked, so the agent was not moved/);
        });
    });

    describe("an unanswered create that meets 'already exists'", () => {
        it("refuses someone else's agent, and never deletes it", async () => {
            await m.setup();
            await secretSet("voice-secrets");
            await strangerAgent("voice-agent", "registry.example/theirs:1");
            m.emulator.injectFault({ route: "POST /agents", status: 503, times: 1 });
            const e = await m.failure(create(voice));
            assert.match(e.message, /Agent "voice-agent" already exists .* differs from the one sent \(image, secretSet\)/);
            assert.ok(!m.seen().some((r) => r.startsWith("DELETE")), m.seen().join("\n"));
            assert.equal(m.emulator.agent("voice-agent")?.spec.image, "registry.example/theirs:1");
            assert.equal(m.emulator.agent("voice-agent")?.deployments.length, 1);
        });

        it("takes the agent its own lost answer created as its own", async () => {
            await m.setup();
            await secretSet("voice-secrets");
            m.emulator.injectFault({ route: "POST /agents", status: 503, afterApply: true, times: 1 });
            const outs = await create(voice);
            assert.equal(outs["ready"], true);
            assert.equal(m.emulator.agent("voice-agent")?.deployments.length, 1);
            assert.ok(!m.seen().some((r) => r.startsWith("DELETE")));
        });
    });

    describe("fields no longer declared", () => {
        it("resets krispViva and enableKrisp explicitly, since an update keeps what it leaves out", async () => {
            await m.setup();
            await secretSet("voice-secrets");
            const olds = await create({ ...voice, krispViva: { audioFilter: "tel" }, enableKrisp: true, nodeType: "arm" });
            assert.equal(m.emulator.agent("voice-agent")?.spec.krispViva.audioFilter, "tel");
            m.emulator.clearRequests();
            const news = await checked(voice, olds);
            assert.equal((await agentProvider.diff!("voice-agent", olds, news)).changes, true);
            await agentProvider.update!("voice-agent", olds, news);
            const post = m.emulator.requests.find((r) => r.method === "POST");
            assert.deepEqual(
                [(post?.body as Props)["krispViva"], (post?.body as Props)["enableKrisp"], (post?.body as Props)["nodeType"]],
                [{ audioFilter: null }, false, "arm"],
            );
            assert.equal(m.emulator.agent("voice-agent")?.spec.krispViva.audioFilter, null);
            assert.equal(m.emulator.agent("voice-agent")?.spec.enableKrisp, false);
        });

        it("refuses a websocketAuth no longer declared, since its default is disputed", async () => {
            await m.setup();
            const r = await agentProvider.check!({ ...voice, websocketAuth: "token" }, voice);
            assert.match(
                r.failures?.[0]?.reason ?? "",
                /websocketAuth: no longer declared \(it was "token"\).*declare websocketAuth: "none" or "token"/,
            );
        });

        it("reads back every optional field the program declares, so a change in the dashboard shows", async () => {
            await m.setup();
            await secretSet("voice-secrets");
            const outs = await create({
                ...voice,
                websocketAuth: "token",
                krispViva: { audioFilter: "tel" },
                enableKrisp: true,
                maxSessionDuration: 600,
            });
            m.emulator.updateAgentDirect("voice-agent", {
                websocketAuth: "none",
                krispViva: { audioFilter: null },
                enableKrisp: false,
                maxSessionDuration: 900,
            });
            const read = (await agentProvider.read!("voice-agent", outs)).props as Props;
            assert.deepEqual(
                [read["websocketAuth"], read["krispViva"], read["enableKrisp"], read["maxSessionDuration"]],
                ["none", undefined, false, 900],
            );
            const plan = await agentProvider.diff!(
                "voice-agent",
                read,
                await checked(
                    { ...voice, websocketAuth: "token", krispViva: { audioFilter: "tel" }, enableKrisp: true, maxSessionDuration: 600 },
                    outs,
                ),
            );
            assert.equal(plan.changes, true);
            assert.deepEqual(plan.replaces, []);
        });

        it("sends nothing, and shows no change, when only adopt or the autoname prefix changed", async () => {
            await m.setup();
            await secretSet("voice-secrets");
            const olds = await create({ ...voice, adopt: true });
            const plan = await agentProvider.diff!("voice-agent", olds, await checked(voice, olds));
            assert.equal(plan.changes, false);
        });
    });

    describe("a failed update", () => {
        it("is reported as partly applied, so a reverted program is a change and the next up finishes it", async () => {
            await m.setup();
            await secretSet("voice-secrets");
            const olds = await create(voice);
            m.emulator.failDeployment({ agent: "voice-agent", reason: "Error", message: "ImagePullBackOff" });
            const news = { ...(await checked({ ...voice, image: "registry.example/broken:9" }, olds)), __provider: PROVIDER };
            const e = await m.failure(agentProvider.update!("voice-agent", olds, news));
            assert.match(e.message, /keeps serving the previous deployment/);
            assert.equal(e.id, "voice-agent");
            assert.equal(e.properties?.["image"], "registry.example/broken:9");
            assert.equal(e.properties?.["ready"], false);
            assert.equal(e.properties?.["__provider"], PROVIDER, "the state keeps the provider, or a later delete could not run");
            assert.equal(e.properties?.["deploymentId"], m.emulator.agent("voice-agent")?.deployments.at(-1)?.id);
            // Reverted: a change of the image, sent and deployed.
            const reverted = await checked(voice, olds);
            const partial = e.properties as Props;
            assert.equal((await agentProvider.diff!("voice-agent", partial, reverted)).changes, true);
            const outs = (await agentProvider.update!("voice-agent", partial, reverted)).outs as Props;
            assert.equal(outs["ready"], true);
            assert.equal(m.emulator.agent("voice-agent")?.spec.image, IMAGE);
        });

        it("plans an update of an agent whose deployment is not ready, as refresh reads a failed update back", async () => {
            await m.setup();
            await secretSet("voice-secrets");
            const olds = await create(voice);
            assert.equal((await agentProvider.diff!("voice-agent", { ...olds, ready: false }, await checked(voice, olds))).changes, true);
            assert.equal((await agentProvider.diff!("voice-agent", olds, await checked(voice, olds))).changes, false);
        });

        it("sends an unfinished deployment again even when the inputs did not change", async () => {
            await m.setup();
            await secretSet("voice-secrets");
            const olds = await create(voice);
            m.emulator.clearRequests();
            const outs = (await agentProvider.update!("voice-agent", { ...olds, ready: false }, await checked(voice, olds))).outs as Props;
            assert.ok(m.seen().includes("POST /agents/voice-agent 200"), m.seen().join("\n"));
            assert.equal(outs["ready"], true);
        });
    });

    describe("adoption", () => {
        it("refuses an agent bound to a set the program does not declare, and changes nothing", async () => {
            await m.setup();
            await secretSet("voice-secrets");
            await create(voice);
            m.emulator.clearRequests();
            const e = await m.failure(create({ name: "voice-agent", image: IMAGE, adopt: true }));
            assert.match(e.message, /bound to secretSet "voice-secrets" in Pipecat Cloud, which the program does not declare/);
            assert.match(e.message, /Declare `secretSet: "voice-secrets"`/);
            assert.ok(!m.seen().some((r) => r.startsWith("POST /agents/") || r.startsWith("DELETE")), m.seen().join("\n"));
        });
    });

    describe("waiting", () => {
        it("waits for the deployment the update named, not a stale read of the previous one", async () => {
            await m.setup();
            await secretSet("voice-secrets");
            const olds = await create(voice);
            const previous = String(olds["deploymentId"]);
            const stale = {
                name: "voice-agent",
                ready: true,
                available: true,
                desiredDeploymentId: previous,
                reconciledDeploymentId: previous,
            };
            m.emulator.injectFault({ route: "GET /agents/:name", status: 200, body: JSON.stringify(stale), times: 1 });
            const outs = (
                await agentProvider.update!(
                    "voice-agent",
                    olds,
                    await checked({ ...voice, image: "registry.example/voice-agent:0.2" }, olds),
                )
            ).outs as Props;
            assert.notEqual(outs["deploymentId"], previous);
            assert.equal(outs["deploymentId"], m.emulator.agent("voice-agent")?.deployments.at(-1)?.id);
        });
    });

    describe("delete", () => {
        it("in a fresh process (nothing remembered), deletes the agent of the state and waits until the list no longer holds it", async () => {
            await m.setup();
            await secretSet("voice-secrets");
            const outs = await create(voice);
            sets.setTestHooks({ sleep: async (ms) => void (m.clock += ms), now: () => m.clock, random: () => 0.5 });
            m.emulator.clearRequests();
            await agentProvider.delete!("voice-agent", outs);
            assert.deepEqual(m.seen(), ["DELETE /agents/voice-agent 200", "GET /agents 200"]);
            assert.equal(m.emulator.agent("voice-agent"), undefined);
        });
    });
});
