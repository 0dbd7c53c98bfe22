/**
 * The Agent provider's methods against the emulator over real HTTP, with provisioning and deployment
 * delays on a fake clock shared by the provider and the emulator: waits are exercised, not skipped.
 * What a user sees through the engine is in test/e2e/agents.spec.ts.
 */
import * as assert from "node:assert/strict";
import { agentProvider, secretSetProvider } from "../../../provider";
import { ProviderMethods } from "../../support/provider";

const sets = require("pulumi-pipecat-secrets/implementation") as typeof import("../../../provider/secretset/implementation");

const KEY = "pk-agent-API-KEY-never-shown-0001";
const V1 = "sk-agent-VALUE-one-never-shown-1111";
const V2 = "sk-agent-VALUE-two-never-shown-2222";
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

async function update(olds: Props, inputs: Props): Promise<Props> {
    return (await agentProvider.update!(String(olds["name"]), olds, await checked(inputs, olds))).outs as Props;
}

async function secretSet(name: string, value: string, region?: string): Promise<Props> {
    const ins = (await secretSetProvider.check!({}, { name, secrets: { OPENAI_API_KEY: value }, ...(region ? { region } : {}) })).inputs;
    return (await secretSetProvider.create(ins)).outs as Props;
}

const voice = { name: "voice-agent", image: IMAGE, secretSet: "voice-secrets" };
const BUILD = "4cab03c7-8f53-418d-9c3c-91a1265d179e";
const BUILD2 = "5dbc14d8-9064-429e-8d4d-a2b2376e280f";

/** An agent created straight through the API, as someone else would. */
async function stranger(body: Props): Promise<void> {
    const res = await fetch(`${m.emulator.url}/agents`, {
        method: "POST",
        headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    assert.equal(res.status, 200);
}

describe("the Agent provider", () => {
    afterEach(() => m.close());

    after(() => m.assertNoLeaks([KEY, V1, V2]));

    describe("create", () => {
        it("returns once the deployment is complete, with its id, readiness and the declared configuration", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const started = m.clock;
            const outs = await create(voice);
            assert.ok(m.clock - started >= 5_000, "it waited through Creating and Validating");
            assert.equal(outs["ready"], true);
            assert.equal(outs["deploymentId"], m.emulator.agent("voice-agent")?.deployments[0]?.id);
            assert.deepEqual(outs["autoScaling"], { minAgents: 0, maxAgents: 50 });
            assert.equal(outs["region"], "us-west");
            assert.deepEqual(m.emulator.runningSecrets("voice-agent"), { OPENAI_API_KEY: V1 });
        });

        it("waits while the desired deployment is not reconciled yet, even when the answer says ready", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const stale = {
                name: "voice-agent",
                ready: true,
                available: true,
                desiredDeploymentId: "11111111-0000-4000-8000-000000000000",
                reconciledDeploymentId: "22222222-0000-4000-8000-000000000000",
            };
            m.emulator.injectFault({ route: "GET /agents/:name", status: 200, body: JSON.stringify(stale), times: 1 });
            const outs = await create(voice);
            assert.equal(outs["deploymentId"], m.emulator.agent("voice-agent")?.deployments[0]?.id);
            assert.ok(m.emulator.requestCount({ route: "GET /agents/:name" }) >= 2);
        });

        it("retries the 409 of a set still pending, with backoff, and sends the deploy once it is ready", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            // A write behind the program's back leaves the set pending again.
            const put = await fetch(`${m.emulator.url}/secrets/voice-secrets`, {
                method: "PUT",
                headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
                body: JSON.stringify({ secrets: [{ secretKey: "OPENAI_API_KEY", secretValue: V2 }] }),
            });
            assert.equal(put.status, 202);
            m.emulator.clearRequests();
            await create(voice);
            const posts = m.seen().filter((r) => r.startsWith("POST /agents"));
            assert.deepEqual(posts.slice(0, 2), ["POST /agents 409", "POST /agents 409"]);
            assert.equal(posts.at(-1), "POST /agents 200");
            assert.deepEqual(m.emulator.runningSecrets("voice-agent"), { OPENAI_API_KEY: V2 });
        });

        it("gives up on a set that stays pending after pipecat:readyTimeoutSeconds, naming the set and the setting", async () => {
            await m.setup({ readyAfterMs: 600_000 }, { "pipecat:readyTimeoutSeconds": "20" });
            m.emulator.seed("voice-secrets", { secrets: { OPENAI_API_KEY: V1 } });
            // A write behind the program's back leaves the set pending for longer than the bound.
            await fetch(`${m.emulator.url}/secrets/voice-secrets`, {
                method: "PUT",
                headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
                body: JSON.stringify({ secrets: [{ secretKey: "OPENAI_API_KEY", secretValue: V2 }] }),
            });
            const message = await m.message(create(voice));
            assert.match(message, /Secret set 'voice-secrets' is not yet ready/);
            assert.match(message, /retried for \d+ s \(pipecat:readyTimeoutSeconds is 20\)/);
            assert.equal(m.emulator.agent("voice-agent"), undefined, "nothing was created");
        });

        it("fails at once, with the set's own message, when a bound set failed to provision: no wait can fix it", async () => {
            await m.setup({}, { "pipecat:readyTimeoutSeconds": "20" });
            await secretSet("voice-secrets", V1);
            m.emulator.failProvisioning({ setName: "voice-secrets" });
            await fetch(`${m.emulator.url}/secrets/voice-secrets`, {
                method: "PUT",
                headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
                body: JSON.stringify({ secrets: [{ secretKey: "OPENAI_API_KEY", secretValue: V2 }] }),
            });
            m.clock += 5_000; // provisioning has failed by now
            m.emulator.clearRequests();
            const message = await m.message(create(voice));
            assert.match(
                message,
                /its secret set "voice-secrets" failed to provision: "Provisioning of secret set 'voice-secrets' .*failed/,
            );
            assert.match(message, /waiting cannot fix that/);
            assert.equal(m.seen().filter((r) => r.startsWith("POST /agents")).length, 1, "the 409 was not retried");
            assert.equal(m.emulator.agent("voice-agent"), undefined, "nothing was created");
        });

        it("fails a deployment that Failed with Pipecat's reason and message, and deletes the agent it created", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            m.emulator.failDeployment({
                agent: "voice-agent",
                reason: "Error",
                message: "line one\nModuleNotFoundError: No module named 'bot'",
            });
            const message = await m.message(create(voice));
            assert.match(
                message,
                /^Deployment [0-9a-f]{8} of agent "voice-agent" failed: Error.*\("ModuleNotFoundError: No module named 'bot'"\)\./,
            );
            assert.match(
                message,
                /The agent was deleted again, so the next `pulumi up` creates it afresh\. Fix the cause, then run `pulumi up`\./,
            );
            assert.equal(m.emulator.agent("voice-agent"), undefined);
            // The next attempt converges.
            assert.equal((await create(voice))["ready"], true);
        });

        it("does not wait for a crash loop to end: it fails once the revision restarted three times", async () => {
            await m.setup({}, { "pipecat:deployTimeoutSeconds": "3600" });
            await secretSet("voice-secrets", V1);
            m.emulator.failDeployment({ agent: "voice-agent", mode: "crash-loop", message: "KeyError: 'DAILY_API_KEY'" });
            const started = m.clock;
            const message = await m.message(create(voice));
            assert.match(message, /is crash-looping \(\d+ restarts\): CrashLoopBackOff.*KeyError: 'DAILY_API_KEY'/);
            assert.ok(m.clock - started < 120_000, `it gave up after ${(m.clock - started) / 1000} s of a 3600 s bound`);
        });

        it("gives up after pipecat:deployTimeoutSeconds and says how to wait longer", async () => {
            await m.setup({ deployPhaseMs: { creating: 2_000, validating: 600_000 } }, { "pipecat:deployTimeoutSeconds": "30" });
            await secretSet("voice-secrets", V1);
            const message = await m.message(create(voice));
            assert.match(message, /was not complete after \d+ s \(phase Validating; pipecat:deployTimeoutSeconds is 30\)/);
            assert.match(message, /pulumi config set pipecat:deployTimeoutSeconds 1200/);
        });

        it("refuses an agent that exists without adopt, and takes it over with adopt: redeployed with the declared configuration", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            await create(voice);
            m.emulator.clearRequests();
            const message = await m.message(create(voice));
            assert.match(message, /Agent "voice-agent" already exists in Pipecat Cloud, so it was not created/);
            assert.match(message, /adopt: true/);
            assert.ok(!m.seen().some((r) => r.startsWith("DELETE")), "a refusal deletes nothing");
            const adopted = await create({ ...voice, adopt: true, image: "registry.example/voice-agent:0.2" });
            assert.equal(adopted["image"], "registry.example/voice-agent:0.2");
            assert.equal(m.emulator.agent("voice-agent")?.deployments.at(-1)?.forced, true);
            const elsewhere = { name: "voice-agent", image: IMAGE, adopt: true, region: "eu-central" };
            assert.match(await m.message(create(elsewhere)), /exists in region "us-west" but is declared in region "eu-central"/);
        });

        it("names a bound set that does not exist, and what to do", async () => {
            await m.setup();
            const message = await m.message(create(voice));
            assert.match(message, /Secret set not found/);
            assert.match(message, /pass the SecretSet resource itself/);
        });
    });

    describe("update", () => {
        it("forces the redeploy when the bound set's revision is new, and the agent then runs the new values", async () => {
            await m.setup();
            const set1 = await secretSet("voice-secrets", V1);
            const outs = await create({ ...voice, secretSetRevision: set1["revision"] });
            const ins = (await secretSetProvider.check!({}, { name: "voice-secrets", secrets: { OPENAI_API_KEY: V2 } })).inputs;
            const set2 = (await secretSetProvider.update!("voice-secrets", set1, ins)).outs as Props;
            assert.notEqual(set2["revision"], set1["revision"]);
            assert.deepEqual(
                m.emulator.runningSecrets("voice-agent"),
                { OPENAI_API_KEY: V1 },
                "a rotation alone does not reach the running agent",
            );
            const after = await update(outs, { ...voice, secretSetRevision: set2["revision"] });
            assert.deepEqual(m.emulator.runningSecrets("voice-agent"), { OPENAI_API_KEY: V2 });
            assert.equal(m.emulator.agent("voice-agent")?.deployments.at(-1)?.forced, true);
            assert.notEqual(after["deploymentId"], outs["deploymentId"]);
        });

        it("sends a scaling change without force, and nothing at all for adopt alone", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const outs = await create(voice);
            m.emulator.clearRequests();
            const scaled = await update(outs, { ...voice, autoScaling: { minAgents: 1, maxAgents: 4 } });
            const body = m.emulator.requests.find((r) => r.method === "POST")?.body as Record<string, unknown>;
            assert.deepEqual(body["autoScaling"], { minAgents: 1, maxAgents: 4 });
            assert.equal("forceRedeploy" in body, false);
            m.emulator.clearRequests();
            await update(scaled, { ...voice, autoScaling: { minAgents: 1, maxAgents: 4 }, adopt: true });
            assert.deepEqual(m.seen(), []);
        });

        it("keeps the previous deployment serving when the new one fails, and says so", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const outs = await create(voice);
            m.emulator.failDeployment({ agent: "voice-agent", reason: "ImagePullBackOff", message: "manifest unknown" });
            const message = await m.message(update(outs, { ...voice, image: "registry.example/voice-agent:typo" }));
            assert.match(message, /failed: ImagePullBackOff.*manifest unknown.*keeps serving the previous deployment/);
            assert.deepEqual(m.emulator.runningSecrets("voice-agent"), { OPENAI_API_KEY: V1 });
            assert.ok(m.emulator.agent("voice-agent"), "an update never deletes the agent");
        });
    });

    describe("read", () => {
        it("reads back image, scaling and bound sets changed outside Pulumi, so the next diff updates them", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const outs = await create(voice);
            m.emulator.updateAgentDirect("voice-agent", {
                image: "registry.example/hotfix:9",
                autoScaling: { minAgents: 2, maxAgents: 2 },
            });
            const read = (await agentProvider.read!("voice-agent", outs)).props as Props;
            assert.equal(read["image"], "registry.example/hotfix:9");
            assert.deepEqual(read["autoScaling"], { minAgents: 2, maxAgents: 2 });
            const diff = await agentProvider.diff!("voice-agent", read, await checked(voice, read));
            assert.equal(diff.changes, true);
            assert.deepEqual(diff.replaces, []);
        });

        it("reads back a build deployed outside Pulumi over the declared image, so the next diff deploys the image again", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const outs = await create(voice);
            const build = m.emulator.seedBuild();
            m.emulator.updateAgentDirect("voice-agent", { buildId: build.id });
            const read = (await agentProvider.read!("voice-agent", outs)).props as Props;
            assert.equal(read["buildId"], build.id);
            const diff = await agentProvider.diff!("voice-agent", read, await checked(voice, read));
            assert.equal(diff.changes, true);
            assert.deepEqual(diff.replaces, []);
        });

        it("drops an agent deleted outside Pulumi from the state", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const outs = await create(voice);
            m.emulator.deleteAgentDirect("voice-agent");
            assert.deepEqual(await agentProvider.read!("voice-agent", outs), { id: "", props: {} });
        });
    });

    describe("delete", () => {
        it("counts an agent as gone only when the agents list no longer holds it, whatever a 404 says", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const outs = await create(voice);
            for (const body of [
                "<html>Not Found</html>",
                JSON.stringify({ error: "Not found", code: "NOT_FOUND" }),
                JSON.stringify({ error: "Service not found" }),
            ]) {
                m.emulator.injectFault({ route: "DELETE /agents/:name", status: 404, body, times: 1 });
                const message = await m.message(agentProvider.delete!("voice-agent", outs));
                assert.match(message, /its own list still holds "voice-agent", so it is not taken as gone/);
                assert.match(message, /check pipecat:apiUrl \(or PIPECAT_API_URL\), which is http:\/\/127\.0\.0\.1/);
                assert.ok(m.emulator.agent("voice-agent"), "the agent still runs");
            }
            m.emulator.clearRequests();
            await agentProvider.delete!("voice-agent", outs);
            await agentProvider.delete!("voice-agent", outs); // already gone: fine
            assert.deepEqual(m.seen(), [
                "DELETE /agents/voice-agent 200",
                "GET /agents 200",
                "DELETE /agents/voice-agent 404",
                "GET /agents 200",
            ]);
        });

        it("refuses to call an agent gone or missing at a URL without /v1: the lists are never missing there", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const outs = await create(voice);
            const values: Record<string, string> = { "pipecat:apiKey": KEY, "pipecat:apiUrl": m.emulator.url.replace(/\/v1$/, "") };
            await agentProvider.configure!({
                config: { get: (k: string) => values[k], require: (k: string) => values[k] ?? assert.fail(k) },
            });
            for (const op of [agentProvider.delete!("voice-agent", outs), agentProvider.read!("voice-agent", outs)]) {
                assert.match(
                    await m.message(op),
                    /lists are never missing, so the API URL is wrong: pipecat:apiUrl \(or PIPECAT_API_URL\) is http:\/\/127\.0\.0\.1:\d+;/,
                );
            }
            assert.ok(m.emulator.agent("voice-agent"), "the agent still runs");
        });

        it("leaves an agent alone that a newer resource of the stack deployed under the same name in this run", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const old = await create(voice);
            await create({ ...voice, adopt: true });
            m.emulator.clearRequests();
            await agentProvider.delete!("voice-agent", old);
            assert.deepEqual(m.seen(), []);
            assert.ok(m.emulator.agent("voice-agent"));
        });
    });

    describe("check", () => {
        it("refuses a region the organisation does not have before a replacement could delete the agent", async () => {
            await m.setup();
            const r = await agentProvider.check!({ ...voice, region: "us-west" }, { ...voice, region: "us-wset" });
            assert.match(
                r.failures?.[0]?.reason ?? "",
                /region: "us-wset" is not a region this organisation can use \(it has: [^)]*\); did you mean "us-west"\?$/,
            );
        });
    });

    describe("create, what it takes as existing", () => {
        const REFUSED =
            'Agent "voice-agent" already exists in Pipecat Cloud, so it was not created (agent names are unique across regions, and it may belong to someone else). ' +
            "To manage it with this program, set `adopt: true` on the Agent: it is then redeployed with the declared configuration and `pulumi destroy` deletes it. " +
            "Otherwise choose another name. If this is a replacement of an agent of this stack (`pulumi up --replace`, `replacementTrigger`), Pulumi creates the " +
            "new agent before deleting the old one, which cannot work under one name: give the resource the option `deleteBeforeReplace: true`.";

        it("refuses an agent that exists with the whole advice: adopt, another name, or deleteBeforeReplace for a replacement", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            await create(voice);
            assert.equal(await m.message(create(voice)), REFUSED);
        });

        it("takes only a 400 as 'already exists': the same words in another status are the API's error, passed on", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            m.emulator.injectFault({
                route: "POST /agents",
                status: 409,
                body: JSON.stringify({ error: "Service already exists" }),
                times: 1,
            });
            const message = await m.message(create(voice));
            assert.notEqual(message, REFUSED);
            assert.match(message, /Service already exists/);
            assert.doesNotMatch(message, /adopt: true/);
        });

        it("adopts, with adopt, a stranger's agent that an unanswered create then met", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            await stranger({ serviceName: "voice-agent", image: "registry.example/theirs:1", secretSet: "voice-secrets" });
            m.emulator.injectFault({ route: "POST /agents", status: 503, times: 1 });
            const outs = await create({ ...voice, adopt: true });
            assert.equal(outs["image"], IMAGE);
            assert.equal(m.emulator.agent("voice-agent")?.spec.image, IMAGE);
            assert.equal(m.emulator.agent("voice-agent")?.deployments.at(-1)?.forced, true);
        });

        it("refuses, naming why, when the agent an unanswered create met is gone by the time it is read", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            m.emulator.injectFault({ route: "POST /agents", status: 503, afterApply: true, times: 1 });
            m.emulator.injectFault({
                route: "GET /agents/:name",
                status: 404,
                body: JSON.stringify({ error: "Service not found" }),
                times: 1,
            });
            m.emulator.injectFault({ route: "GET /agents", status: 200, body: JSON.stringify({ services: [] }), times: 1 });
            const message = await m.message(create(voice));
            assert.ok(
                message.includes(
                    "A first attempt got no answer, and the agent now found under the name differs from the one sent (it is gone), so it is not taken as this create's. ",
                ),
                message,
            );
        });

        it("asks for another run when the agent it is about to adopt cannot be read any more", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            await create(voice);
            m.emulator.injectFault({
                route: "GET /agents/:name",
                status: 404,
                body: JSON.stringify({ error: "Service not found" }),
                times: 1,
            });
            m.emulator.injectFault({ route: "GET /agents", status: 200, body: JSON.stringify({ services: [] }), times: 1 });
            assert.equal(
                await m.message(create({ ...voice, adopt: true })),
                'Agent "voice-agent" was reported to exist but could not be read: run `pulumi up` again.',
            );
        });

        it("reports a failure that is not the provider's own (a bug) as unexpected, without its cause", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            sets.setTestHooks({
                sleep: async () => {
                    throw new TypeError("the m.clock broke");
                },
                now: () => m.clock,
                random: () => 0.5,
            });
            const e = await create(voice).then(
                () => assert.fail("expected the create to fail"),
                (error: unknown) => error as Error & { cause?: unknown },
            );
            assert.equal(e.message, "Unexpected error in the Pipecat agent provider: the m.clock broke");
            assert.equal(e.cause, undefined);
        });

        it("adopts an agent in the region declared, and refuses one elsewhere with where to declare it", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            await create(voice);
            const adopted = await create({ ...voice, region: "us-west", adopt: true });
            assert.equal(adopted["region"], "us-west");
            assert.equal(
                await m.message(create({ name: "voice-agent", image: IMAGE, region: "eu-central", adopt: true })),
                'Agent "voice-agent" exists in region "us-west" but is declared in region "eu-central"; adopt does not move an agent, so nothing was changed. ' +
                    'Declare `region: "us-west"` (or leave region out) to adopt it where it is.',
            );
        });

        it("adopts an agent whose answer does not say its region, with a region declared", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            await create(voice);
            const spec = { image: IMAGE, envFromSecretNames: ["voice-secrets"] };
            m.emulator.injectFault({
                route: "GET /agents/:name",
                status: 200,
                body: JSON.stringify({ name: "voice-agent", ready: true, deployment: { manifest: { spec } } }),
                times: 1,
            });
            const adopted = await create({ ...voice, region: "us-west", adopt: true });
            assert.equal(adopted["ready"], true);
            assert.equal(m.emulator.agent("voice-agent")?.deployments.at(-1)?.forced, true);
        });

        it("refuses to adopt an agent bound to two sets the program does not declare, naming both", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            m.emulator.seed("voice-pull", { type: "imagePullSecret", host: "https://index.docker.io/v1/", secretValue: "Ym90OnRva2Vu" });
            await create({ ...voice, imagePullSecretSet: "voice-pull" });
            assert.equal(
                await m.message(create({ name: "voice-agent", image: IMAGE, adopt: true })),
                'Agent "voice-agent" is bound to secretSet "voice-secrets" and imagePullSecretSet "voice-pull" in Pipecat Cloud, which the program does not declare, ' +
                    "and the API cannot remove a binding: adopting it would leave a binding Pulumi does not show, so nothing was changed. " +
                    'Declare `secretSet: "voice-secrets"` and `imagePullSecretSet: "voice-pull"` to adopt the agent as it is, or delete the agent in Pipecat Cloud first to create it afresh.',
            );
        });

        it("says how to delete the agent by hand when the rollback of a failed create could not delete it", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            m.emulator.failDeployment({ agent: "voice-agent", reason: "Error", message: "boom" });
            m.emulator.injectFault({ route: "DELETE /agents/:name", status: 500, times: Infinity });
            const message = await m.message(create(voice));
            assert.ok(
                message.endsWith(
                    " The agent could not be deleted again: delete it (`pipecat cloud agent delete voice-agent`), or set `adopt: true`, before the next `pulumi up`. Fix the cause, then run `pulumi up`.",
                ),
                message,
            );
            assert.ok(m.emulator.agent("voice-agent"));
        });
    });

    describe("a replacement created right after the delete of the old agent (no check between)", () => {
        it("goes where the old agent was when no region is declared, and where declared otherwise", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            await secretSet("east-secrets", V1, "us-east");
            const east = { ...voice, secretSet: "east-secrets" };
            const ins = await checked({ ...east, region: "us-east" });
            const outs = (await agentProvider.create(ins)).outs as Props;
            await agentProvider.delete!("voice-agent", outs);
            const { region: _, ...undeclared } = ins;
            const created = (await agentProvider.create(undeclared)).outs as Props;
            assert.equal(created["region"], "us-east");
            assert.equal(m.emulator.agent("voice-agent")?.region, "us-east");
            await agentProvider.delete!("voice-agent", created);
            const west = (await agentProvider.create(await checked({ ...voice, region: "us-west" }))).outs as Props;
            assert.equal(m.emulator.agent("voice-agent")?.region, "us-west");
            assert.equal(west["region"], "us-west");
        });
    });

    describe("update, what it sends", () => {
        it("sends nothing when a bound SecretSet resource is now given by name (only its revision is gone), and keeps the deployment's outputs", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            m.emulator.seed("voice-pull", { type: "imagePullSecret", host: "https://index.docker.io/v1/", secretValue: "Ym90OnRva2Vu" });
            const pulled = { ...voice, imagePullSecretSet: "voice-pull" };
            const outs = await create({ ...pulled, secretSetRevision: "r1", imagePullSecretSetRevision: "p1" });
            for (const byName of [
                { ...pulled, imagePullSecretSetRevision: "p1" },
                { ...pulled, secretSetRevision: "r1" },
            ]) {
                m.emulator.clearRequests();
                const ins = await checked(byName, outs);
                const after = (await agentProvider.update!("voice-agent", outs, ins)).outs as Props;
                assert.deepEqual(m.seen(), [], JSON.stringify(byName));
                assert.deepEqual(after, { ...ins, deploymentId: outs["deploymentId"], ready: true, available: true, region: "us-west" });
            }
        });

        it("records a failed update whose answer named no deployment as partly applied, with no deployment id", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const outs = await create(voice);
            m.emulator.injectFault({
                route: "POST /agents/:name",
                status: 200,
                afterApply: true,
                body: JSON.stringify({ name: "voice-agent", ready: false }),
                times: 1,
            });
            m.emulator.failDeployment({ agent: "voice-agent", reason: "Error", message: "boom" });
            const e = await m.failure(update(outs, { ...voice, image: "registry.example/voice-agent:typo" }));
            assert.equal(e.properties?.["deploymentId"], "");
            assert.equal(e.properties?.["ready"], false);
            assert.equal(e.properties?.["image"], "registry.example/voice-agent:typo");
        });

        it("says a failed update leaves the previous deployment serving, and to fix the cause", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const outs = await create(voice);
            m.emulator.failDeployment({ agent: "voice-agent", reason: "Error", message: "boom" });
            const message = await m.message(update(outs, { ...voice, image: "registry.example/voice-agent:typo" }));
            assert.ok(
                message.endsWith(
                    ' ("boom"). Pipecat Cloud keeps serving the previous deployment, if one was ready. Fix the cause, then run `pulumi up`.',
                ),
                message,
            );
        });
    });

    describe("read, field by field", () => {
        it("reads back a Krisp filter changed in the dashboard, and the deployment id; leaves an undeclared filter to Pipecat", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const outs = await create({ ...voice, krispViva: { audioFilter: "tel" } });
            m.emulator.updateAgentDirect("voice-agent", { krispViva: { audioFilter: "pro" } });
            const read = (await agentProvider.read!("voice-agent", outs)).props as Props;
            assert.deepEqual(read["krispViva"], { audioFilter: "pro" });
            assert.equal(read["deploymentId"], m.emulator.agent("voice-agent")?.deployments.at(-1)?.id);
            assert.notEqual(read["deploymentId"], outs["deploymentId"]);
            const plain = await create({ ...voice, name: "plain-agent" });
            m.emulator.updateAgentDirect("plain-agent", { krispViva: { audioFilter: "tel" } });
            assert.equal("krispViva" in (await agentProvider.read!("plain-agent", plain)).props, false);
        });

        it("keeps what the answer does not show (image, scaling, Krisp filter) as the state had it", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const outs = await create({ ...voice, krispViva: { audioFilter: "tel" } });
            const D = "33333333-0000-4000-8000-000000000000";
            m.emulator.injectFault({
                route: "GET /agents/:name",
                status: 200,
                body: JSON.stringify({
                    name: "voice-agent",
                    region: "us-west",
                    ready: true,
                    available: true,
                    desiredDeploymentId: D,
                    deployment: { manifest: { spec: { envFromSecretNames: ["voice-secrets"] } } },
                }),
                times: 1,
            });
            const read = (await agentProvider.read!("voice-agent", outs)).props as Props;
            assert.deepEqual(read, { ...outs, deploymentId: D });
        });

        it("reads back the build of an agent deployed from one, never the image Pipecat built from it; an image agent moved to a build outside Pulumi shows that build", async () => {
            await m.setup();
            // The emulator deploys only builds it holds (successful, in the agent's region).
            m.emulator.seedBuild({ id: BUILD });
            m.emulator.seedBuild({ id: BUILD2 });
            await secretSet("voice-secrets", V1);
            const outs = await create({ name: "voice-agent", buildId: BUILD, secretSet: "voice-secrets" });
            m.emulator.updateAgentDirect("voice-agent", { buildId: BUILD2 });
            const read = (await agentProvider.read!("voice-agent", outs)).props as Props;
            assert.equal(read["buildId"], BUILD2);
            assert.equal("image" in read, false);
            const spec = { buildId: BUILD2, image: "registry.pipecat/built:7", envFromSecretNames: ["voice-secrets"] };
            m.emulator.injectFault({
                route: "GET /agents/:name",
                status: 200,
                body: JSON.stringify({ name: "voice-agent", region: "us-west", ready: true, deployment: { manifest: { spec } } }),
                times: 1,
            });
            assert.equal("image" in (await agentProvider.read!("voice-agent", outs)).props, false, "a build's image is Pipecat's own");
            const unsaid = { envFromSecretNames: ["voice-secrets"] };
            m.emulator.injectFault({
                route: "GET /agents/:name",
                status: 200,
                body: JSON.stringify({ name: "voice-agent", region: "us-west", ready: true, deployment: { manifest: { spec: unsaid } } }),
                times: 1,
            });
            assert.equal(
                (await agentProvider.read!("voice-agent", outs)).props["buildId"],
                BUILD,
                "an answer that does not show the build keeps the state's",
            );
            const imaged = await create({ ...voice, name: "imaged-agent" });
            m.emulator.updateAgentDirect("imaged-agent", { buildId: BUILD });
            // Moved to a build outside Pulumi: the state shows the build, so the next diff deploys the image again.
            assert.equal((await agentProvider.read!("imaged-agent", imaged)).props["buildId"], BUILD);
        });
    });

    describe("delete, in a fresh process", () => {
        it("remembers nothing of an earlier run: an agent the old run deployed anew is deleted", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const old = await create(voice);
            await create({ ...voice, adopt: true });
            // A new process: the provider's memory of this run is reset.
            sets.setTestHooks({ sleep: async (ms) => void (m.clock += ms), now: () => m.clock, random: () => 0.5 });
            m.emulator.clearRequests();
            await agentProvider.delete!("voice-agent", old);
            assert.deepEqual(m.seen(), ["DELETE /agents/voice-agent 200", "GET /agents 200"]);
        });
    });
});
