/**
 * The Agent provider's waits (provider/agent/waits.ts), each bound met exactly on a fake clock shared by the provider
 * and the emulator, with every sleep recorded: the 409 of a set not ready, a deployment, and a deleted name. What the
 * provider says when a wait ends badly is asserted whole: it is the advice a user acts on.
 */
import * as assert from "node:assert/strict";
import { agentProvider, secretSetProvider } from "../../../provider";
import { READ_EVERY_MS, READ_GAP_MAX_MS } from "../../../provider/agent/waits";
import { TICK_MS } from "../../../provider/ticker";
import { ProviderMethods } from "../../support/provider";

const KEY = "pk-waits-API-KEY-never-shown-0001";
const V1 = "sk-waits-VALUE-one-never-shown-1111";
const V2 = "sk-waits-VALUE-two-never-shown-2222";
const IMAGE = "registry.example/voice-agent:0.1";
const RAISE = "To wait longer, raise the bound, for example `pulumi config set pipecat:deployTimeoutSeconds 1200`, then run `pulumi up`.";
const DELETED_AGAIN = "The agent was deleted again, so the next `pulumi up` creates it afresh.";
const FIX = "Fix the cause, then run `pulumi up`.";

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

async function secretSet(name: string, value: string): Promise<Props> {
    const ins = (await secretSetProvider.check!({}, { name, secrets: { OPENAI_API_KEY: value } })).inputs;
    return (await secretSetProvider.create(ins)).outs as Props;
}

/** Writes the set behind the program's back: it is `pending` again for the emulator's `readyAfterMs`. */
async function rewrittenElsewhere(setName: string, value: string): Promise<void> {
    const res = await fetch(`${m.emulator.url}/secrets/${setName}`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
        body: JSON.stringify({ secrets: [{ secretKey: "OPENAI_API_KEY", secretValue: value }] }),
    });
    await res.arrayBuffer();
    assert.equal(res.status, 202);
}

/** The next `GET /agents/{name}` answers with this agent (the API's shape) instead of the emulator's own. */
function nextRead(body: Props, times = 1): void {
    m.emulator.injectFault({
        route: "GET /agents/:name",
        status: 200,
        body: JSON.stringify({ name: "voice-agent", region: "us-west", ...body }),
        times,
    });
}

const D = "11111111-0000-4000-8000-000000000000";
const voice = { name: "voice-agent", image: IMAGE, secretSet: "voice-secrets" };

describe("the Agent provider's waits", () => {
    afterEach(() => m.close());

    after(() => m.assertNoLeaks([KEY, V1, V2]));

    describe("for bound sets to be ready (the 409 of a deploy)", () => {
        it("gives up once the next wait would pass pipecat:readyTimeoutSeconds, saying how long it retried", async () => {
            // Polls at 0, 1, 3, 7 and 12 s: at 7 s the next wait (5 s) ends exactly at the bound, and is still taken.
            await m.setup({ readyAfterMs: 600_000 }, { "pipecat:readyTimeoutSeconds": "12" });
            m.emulator.seed("voice-secrets", { secrets: { OPENAI_API_KEY: V1 } });
            await rewrittenElsewhere("voice-secrets", V2);
            m.emulator.clearRequests();
            m.sleeps = [];
            const message = await m.message(create(voice));
            assert.ok(message.endsWith(" The provider retried for 12 s (pipecat:readyTimeoutSeconds is 12)."), message);
            assert.deepEqual(m.sleeps, [1_000, 2_000, 4_000, 5_000]);
            assert.equal(m.emulator.requestCount({ route: "POST /agents" }), 5);
        });

        it("retries only a 409: the same words in another status fail at once", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            m.emulator.injectFault({
                route: "POST /agents",
                status: 400,
                body: JSON.stringify({ error: "Secret set 'voice-secrets' is not yet ready" }),
                times: 1,
            });
            m.emulator.clearRequests();
            m.sleeps = [];
            const message = await m.message(create(voice));
            assert.match(message, /is not yet ready/);
            assert.deepEqual(m.seen(), ["POST /agents 400"]);
            assert.deepEqual(m.sleeps, []);
        });

        it("fails at once on a failed image-pull set, without reading its keys, and says how to write it again", async () => {
            await m.setup();
            m.emulator.seed("voice-pull", {
                type: "imagePullSecret",
                host: "https://index.docker.io/v1/",
                secretValue: V1,
                status: "failed",
            });
            m.emulator.clearRequests();
            const message = await m.message(create({ name: "voice-agent", image: IMAGE, imagePullSecretSet: "voice-pull" }));
            assert.equal(
                message,
                'Agent "voice-agent" was not deployed: its secret set "voice-pull" failed to provision, and waiting cannot fix that. ' +
                    "Write the set again (`pulumi up` does that for a SecretSet of this program whose provisioning failed; " +
                    "run `pulumi refresh` first if it failed outside Pulumi), then run `pulumi up`.",
            );
            assert.deepEqual(m.seen(), ["POST /agents 409", "GET /secrets 200"]);
        });

        it("names the image-pull set when the sets list cannot be read for an agent that binds only that set", async () => {
            await m.setup();
            m.emulator.seed("voice-pull", {
                type: "imagePullSecret",
                host: "https://index.docker.io/v1/",
                secretValue: V1,
                status: "pending",
            });
            m.emulator.injectFault({ route: "GET /secrets", status: 500, times: Infinity });
            const message = await m.message(create({ name: "voice-agent", image: IMAGE, imagePullSecretSet: "voice-pull" }));
            assert.ok(message.startsWith('deployment check of secret set "voice-pull" failed'), message);
        });
    });

    describe("for a deployment", () => {
        it("gives up once the next wait would pass pipecat:deployTimeoutSeconds, naming the phase, and deletes the agent it created", async () => {
            await m.setup({ deployPhaseMs: { creating: 2_000, validating: 600_000 } }, { "pipecat:deployTimeoutSeconds": "12" });
            await secretSet("voice-secrets", V1);
            m.emulator.clearRequests();
            m.sleeps = [];
            const message = await m.message(create(voice));
            assert.match(message, /^Deployment [0-9a-f]{8} of agent "voice-agent" was not complete after 12 s /);
            assert.ok(
                message.endsWith(`after 12 s (phase Validating; pipecat:deployTimeoutSeconds is 12). ${DELETED_AGAIN} ${RAISE}`),
                message,
            );
            // A look on every tick up to the bound: the list until it shows the deployment reconciled (Creating ends at
            // 2 s), then the agent by name, for its phase and health, with a doubling gap (at 2, 2.4, 3.2, 4.8, 6.8, 8.8 and 10.8 s).
            // One more tick: the rollback's wait for the name to be free, whose list is the last request.
            assert.deepEqual(m.sleeps, Array<number>(12_000 / TICK_MS + 1).fill(TICK_MS));
            assert.equal(m.seen().at(-1), "GET /agents 200");
            const lists = m.emulator.requestCount({ route: "GET /agents" }) - 1;
            assert.equal(lists, Math.ceil(2_000 / TICK_MS) + 1);
            assert.equal(m.emulator.requestCount({ route: "GET /agents/:name" }), 7);
            assert.ok(m.seen().indexOf("GET /agents 200") < m.seen().indexOf("GET /agents/voice-agent 200"));
        });

        it("says 'not yet reconciled' when the deployment an update asked for never showed, and that the previous one keeps serving", async () => {
            await m.setup({}, { "pipecat:deployTimeoutSeconds": "12" });
            await secretSet("voice-secrets", V1);
            const olds = await create(voice);
            const previous = String(olds["deploymentId"]);
            nextRead({ ready: true, available: true, desiredDeploymentId: previous, reconciledDeploymentId: previous }, Infinity);
            const message = await m.message(
                agentProvider.update!("voice-agent", olds, await checked({ ...voice, image: "registry.example/voice-agent:0.2" }, olds)),
            );
            const expected = m.emulator.agent("voice-agent")?.deployments.at(-1)?.id ?? "";
            assert.notEqual(expected, previous);
            assert.equal(
                message,
                `Deployment ${expected.slice(0, 8)} of agent "voice-agent" was not complete after 12 s (not yet reconciled; pipecat:deployTimeoutSeconds is 12). ` +
                    `Pipecat Cloud keeps serving the previous deployment, if one was ready. ${RAISE}`,
            );
        });

        it("takes a deployment started after the one it asked for (a change made meanwhile): it will not see its own again", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            m.sleeps = [];
            m.duringSleep = (n) => {
                if (n === 1) m.emulator.updateAgentDirect("voice-agent", { image: "registry.example/hotfix:9" });
            };
            const outs = await create(voice);
            const deployments = m.emulator.agent("voice-agent")?.deployments ?? [];
            assert.equal(deployments.length, 2);
            assert.equal(outs["deploymentId"], deployments[1]?.id);
            assert.equal(outs["ready"], true);
        });

        it("after an unanswered create, waits on an answer that names no deployment yet, and words a failure without an id", async () => {
            // The first read is the existence check (the agent is what was sent), the second the first poll.
            const sent = {
                ready: true,
                available: true,
                deployment: { manifest: { spec: { image: IMAGE, envFromSecretNames: ["voice-secrets"] } } },
            };
            await m.setup();
            await secretSet("voice-secrets", V1);
            m.emulator.injectFault({ route: "POST /agents", status: 503, afterApply: true, times: 1 });
            nextRead(sent, 2);
            const outs = await create(voice);
            assert.equal(outs["deploymentId"], m.emulator.agent("voice-agent")?.deployments[0]?.id, "not the answer without an id");
            await m.emulator.close();

            await m.setup();
            await secretSet("voice-secrets", V1);
            m.emulator.injectFault({ route: "POST /agents", status: 503, afterApply: true, times: 1 });
            nextRead({ ...sent, ready: false, currentRevision: { phase: "Failed", health: { reason: "Error" } } }, 2);
            assert.equal(await m.message(create(voice)), `Deployment of agent "voice-agent" failed: Error. ${DELETED_AGAIN} ${FIX}`);
        });

        it("does not judge an update by a read that names no deployment: it may be the previous one's", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            const olds = await create(voice);
            nextRead({ ready: false, currentRevision: { phase: "Failed", health: { reason: "Error" } } });
            const outs = (
                await agentProvider.update!(
                    "voice-agent",
                    olds,
                    await checked({ ...voice, image: "registry.example/voice-agent:0.2" }, olds),
                )
            ).outs as Props;
            assert.equal(outs["ready"], true);
            assert.equal(outs["deploymentId"], m.emulator.agent("voice-agent")?.deployments.at(-1)?.id);
        });

        it("fails, and has nothing to roll back, when the agent disappears while it waits", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            m.sleeps = [];
            m.duringSleep = (n) => {
                if (n === 1) m.emulator.deleteAgentDirect("voice-agent");
            };
            const message = await m.message(create(voice));
            assert.equal(
                message,
                `Agent "voice-agent" disappeared while the provider waited for its deployment. Nothing was left behind in Pipecat Cloud. ${FIX}`,
            );
        });

        it("waits on an agent that a list lagging behind the create does not show yet, since a read by name finds it", async () => {
            await m.setup({ deployPhaseMs: { creating: 1_000, validating: 0, draining: 0 } });
            await secretSet("voice-secrets", V1);
            m.emulator.clearRequests();
            m.emulator.injectFault({ route: "GET /agents", status: 200, body: '{"services":[]}', times: 2 });
            const outs = await create(voice);
            assert.equal(outs["ready"], true);
            assert.equal(m.emulator.requestCount({ method: "DELETE" }), 0);
            assert.ok(m.emulator.requestCount({ route: "GET /agents/:name" }) >= 2, "each list without the agent is checked by name");
            assert.equal(m.emulator.agent("voice-agent")?.deployments.at(-1)?.phase, "Active");
        });

        it("fails with the error Pipecat Cloud reports for the agent", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            nextRead({ ready: false, desiredDeploymentId: D, errors: [{ message: "quota exceeded\n  Organisation limit reached  " }] });
            const message = await m.message(create(voice));
            assert.equal(
                message,
                `Pipecat Cloud reported an error for agent "voice-agent": Organisation limit reached. ${DELETED_AGAIN} ${FIX}`,
            );
        });

        it("words a failed revision from what its health says, leaving out what it does not", async () => {
            const cases: [Props, string][] = [
                [{}, "failed"],
                [{ reason: "Error" }, "failed: Error"],
                [{ reason: "Error", lastExitCode: 3 }, "failed: Error, exit 3"],
                [{ message: "exec format error" }, 'failed ("exec format error")'],
            ];
            for (const [health, words] of cases) {
                await m.setup();
                await secretSet("voice-secrets", V1);
                nextRead({ ready: false, desiredDeploymentId: D, currentRevision: { deploymentID: D, phase: "Failed", health } });
                const message = await m.message(create(voice));
                assert.equal(
                    message,
                    `Deployment 11111111 of agent "voice-agent" ${words}. ${DELETED_AGAIN} ${FIX}`,
                    JSON.stringify(health),
                );
                await m.emulator.close();
            }
        });

        it("judges the revision the agent reports as current when it names no deployment, and waits on an older revision's failure", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            nextRead({ ready: false, desiredDeploymentId: D, currentRevision: { phase: "Failed", health: { reason: "Error" } } });
            assert.equal(
                await m.message(create(voice)),
                `Deployment 11111111 of agent "voice-agent" failed: Error. ${DELETED_AGAIN} ${FIX}`,
            );
            await m.emulator.close();

            await m.setup();
            await secretSet("voice-secrets", V1);
            nextRead({
                ready: false,
                desiredDeploymentId: D,
                currentRevision: { deploymentID: "22222222-0000-4000-8000-000000000000", phase: "Failed", health: { reason: "Error" } },
            });
            assert.equal((await create(voice))["ready"], true, "the older revision's failure says nothing of the new one");
        });

        it("waits through restarts for a reason other than a crash loop", async () => {
            await m.setup();
            await secretSet("voice-secrets", V1);
            nextRead({
                ready: false,
                desiredDeploymentId: D,
                currentRevision: { deploymentID: D, phase: "Validating", health: { reason: "ContainerCreating", restartCount: 5 } },
            });
            assert.equal((await create(voice))["ready"], true);
        });

        it("quotes the last line of a health message, trimmed, and at most 300 characters of it", async () => {
            const cases: [string, string][] = [
                ["Traceback (most recent call last):\n  KeyError: 'DAILY_API_KEY'  \n\n", "KeyError: 'DAILY_API_KEY'"],
                ["x".repeat(300), "x".repeat(300)],
                ["y".repeat(301), `${"y".repeat(300)}…`],
            ];
            for (const [said, quoted] of cases) {
                await m.setup();
                await secretSet("voice-secrets", V1);
                m.emulator.failDeployment({ agent: "voice-agent", reason: "Error", message: said });
                const message = await m.message(create(voice));
                assert.ok(
                    message.startsWith(`Deployment `) && message.includes(`: Error, exit 1 ("${quoted}"). ${DELETED_AGAIN}`),
                    message,
                );
                await m.emulator.close();
            }
        });
    });

    describe("for a deleted agent's name to be free", () => {
        it("looks at the agents list at once, then on every tick, until the teardown has ended", async () => {
            await m.setup({ agentDeleteAfterMs: 7_000 });
            await secretSet("voice-secrets", V1);
            const outs = await create(voice);
            m.clock += TICK_MS; // the create's last tick is over: the first look is at once
            m.emulator.clearRequests();
            m.sleeps = [];
            await agentProvider.delete!("voice-agent", outs);
            const ticks = Math.ceil(7_000 / TICK_MS);
            assert.deepEqual(m.sleeps, Array<number>(ticks).fill(TICK_MS));
            assert.deepEqual(m.seen(), ["DELETE /agents/voice-agent 200", ...Array<string>(ticks + 1).fill("GET /agents 200")]);
            assert.equal(m.emulator.agent("voice-agent"), undefined);
        });

        it("gives up once the next wait would pass pipecat:deployTimeoutSeconds, and says to run the command again", async () => {
            // A look on every tick while the next one starts within the bound of 7.5 s.
            await m.setup({ agentDeleteAfterMs: 600_000 }, { "pipecat:deployTimeoutSeconds": "7.5" });
            const ticks = Math.floor(7_500 / TICK_MS);
            await secretSet("voice-secrets", V1);
            const outs = await create(voice);
            m.clock += TICK_MS; // the create's last tick is over: the first look is at once
            m.emulator.clearRequests();
            m.sleeps = [];
            const message = await m.message(agentProvider.delete!("voice-agent", outs));
            assert.equal(
                message,
                `Agent "voice-agent" was deleted, but Pipecat Cloud still lists it after ${Math.round((ticks * TICK_MS) / 1000)} s ` +
                    "(pipecat:deployTimeoutSeconds is 7.5): run the command again once it is gone.",
            );
            assert.deepEqual(m.sleeps, Array<number>(ticks).fill(TICK_MS));
            assert.equal(m.emulator.requestCount({ route: "GET /agents" }), ticks + 1);
        });
    });

    describe("on the agents' shared ticker", () => {
        it("serves every deploying agent with one list request per tick, and reads each agent by name once it is reconciled", async () => {
            await m.setup({ deployPhaseMs: { creating: 2_000 } });
            await secretSet("voice-secrets", V1);
            m.emulator.clearRequests();
            m.sleeps = [];
            const names = Array.from({ length: 5 }, (_, i) => `voice-agent-${i}`);
            await Promise.all(names.map((name) => create({ ...voice, name })));
            // Creating ends 2 s after each POST, and the agent is then ready: one read by name each.
            assert.equal(m.emulator.requestCount({ route: "GET /agents/:name" }), names.length);
            assert.ok(
                m.sleeps.every((ms) => ms === TICK_MS),
                m.sleeps.join(", "),
            );
            assert.equal(m.emulator.requestCount({ route: "GET /agents" }), m.sleeps.length + 1, "one list per tick");
        });

        it("reads a reconciled agent that is still validating by name a tick later, then with a gap doubling up to READ_GAP_MAX_MS", async () => {
            await m.setup({ deployPhaseMs: { creating: 1_000, validating: 6_000 } });
            await secretSet("voice-secrets", V1);
            m.emulator.clearRequests();
            const outs = await create(voice);
            assert.equal(outs.ready, true);
            const reads = m.emulator.requests.filter((r) => r.route === "GET /agents/:name").map((r) => r.at);
            const gaps = reads.slice(1).map((at, i) => at - (reads[i] as number));
            // Reconciled after 1 s, Active 6 s later: reads at +0, 0.4, 1.2, 2.8, 4.8, 6.8 s of validation.
            assert.deepEqual(gaps, [TICK_MS, 2 * TICK_MS, 4 * TICK_MS, READ_GAP_MAX_MS, READ_GAP_MAX_MS]);
            // Before the reconciliation, only the shared list was read.
            const firstRead = reads[0] as number;
            assert.ok(m.emulator.requests.some((r) => r.route === "GET /agents" && r.at < firstRead));
            assert.ok(!m.emulator.requests.some((r) => r.route === "GET /agents" && r.at > firstRead), "no list once reconciled");
        });

        it("reads an agent by name every READ_EVERY_MS even while its list row never shows the deployment reconciled", async () => {
            await m.setup({ deployPhaseMs: { creating: 1_000 } }, { "pipecat:deployTimeoutSeconds": "20" });
            await secretSet("voice-secrets", V1);
            m.emulator.failDeployment({ agent: "voice-agent", message: "exec format error" });
            // A list whose row carries no deployment ids (a service that lags): only the read by name tells.
            m.emulator.injectFault({ route: "GET /agents", status: 200, body: '{"services":[{"name":"voice-agent"}]}', times: Infinity });
            m.emulator.clearRequests();
            const started = m.clock;
            const message = await m.message(create(voice));
            assert.match(message, /^Deployment [0-9a-f]{8} of agent "voice-agent" failed: Error, exit 1 \("exec format error"\)\./);
            assert.equal(m.emulator.requestCount({ route: "GET /agents/:name" }), 1);
            const readAt = m.emulator.requests.find((r) => r.route === "GET /agents/:name")?.at;
            assert.equal(readAt, started + Math.ceil(READ_EVERY_MS / TICK_MS) * TICK_MS, "at the first tick READ_EVERY_MS after the POST");
        });
    });
});
