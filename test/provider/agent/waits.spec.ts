/**
 * The Agent provider's waits (provider/agent/waits.ts), each bound met exactly on a fake clock shared by the provider
 * and the emulator, with every sleep recorded: the 409 of a set not ready, a deployment, and a deleted name. What the
 * provider says when a wait ends badly is asserted whole: it is the advice a user acts on.
 */
import * as assert from "node:assert/strict";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../../emulator";
import { agentProvider, secretSetProvider } from "../../../provider";

const sets = require("pulumi-pipecat-secrets/implementation") as typeof import("../../../provider/secretset/implementation");

const KEY = "pk-waits-API-KEY-never-shown-0001";
const V1 = "sk-waits-VALUE-one-never-shown-1111";
const V2 = "sk-waits-VALUE-two-never-shown-2222";
const IMAGE = "registry.example/voice-agent:0.1";
const RAISE = "To wait longer, raise the bound, for example `pulumi config set pipecat:deployTimeoutSeconds 1200`, then run `pulumi up`.";
const DELETED_AGAIN = "The agent was deleted again, so the next `pulumi up` creates it afresh.";
const FIX = "Fix the cause, then run `pulumi up`.";

type Props = Record<string, unknown>;

let emulator: Emulator;
let clock: number;
/** Every wait the provider (and its client) asked for, in milliseconds, in order. */
let sleeps: number[] = [];
/** Run at each sleep, before the clock moves: a change behind the program's back while the provider waits. */
let duringSleep: ((n: number) => void) | undefined;
const messages: string[] = [];

async function setup(options: EmulatorOptions = {}, config: Record<string, string> = {}): Promise<void> {
    clock = 1_000_000;
    sleeps = [];
    duringSleep = undefined;
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
            duringSleep?.(sleeps.length);
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

const seen = () => emulator.requests.map((r) => `${r.method} ${r.path.replace("/v1", "")} ${r.status}`);

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
    const res = await fetch(`${emulator.url}/secrets/${setName}`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
        body: JSON.stringify({ secrets: [{ secretKey: "OPENAI_API_KEY", secretValue: value }] }),
    });
    await res.arrayBuffer();
    assert.equal(res.status, 202);
}

/** The next `GET /agents/{name}` answers with this agent (the API's shape) instead of the emulator's own. */
function nextRead(body: Props, times = 1): void {
    emulator.injectFault({
        route: "GET /agents/:name",
        status: 200,
        body: JSON.stringify({ name: "voice-agent", region: "us-west", ...body }),
        times,
    });
}

const D = "11111111-0000-4000-8000-000000000000";
const voice = { name: "voice-agent", image: IMAGE, secretSet: "voice-secrets" };

describe("the Agent provider's waits", () => {
    afterEach(async () => {
        sets.setTestHooks({});
        await emulator?.close();
    });

    after(() => {
        for (const m of messages) for (const s of [KEY, V1, V2]) assert.ok(!m.includes(s), "a message leaks a secret");
    });

    describe("for bound sets to be ready (the 409 of a deploy)", () => {
        it("gives up once the next wait would pass pipecat:readyTimeoutSeconds, saying how long it retried", async () => {
            // Polls at 0, 1, 3, 7 and 12 s: at 7 s the next wait (5 s) ends exactly at the bound, and is still taken.
            await setup({ readyAfterMs: 600_000 }, { "pipecat:readyTimeoutSeconds": "12" });
            emulator.seed("voice-secrets", { secrets: { OPENAI_API_KEY: V1 } });
            await rewrittenElsewhere("voice-secrets", V2);
            emulator.clearRequests();
            sleeps = [];
            const message = await failure(create(voice));
            assert.ok(message.endsWith(" The provider retried for 12 s (pipecat:readyTimeoutSeconds is 12)."), message);
            assert.deepEqual(sleeps, [1_000, 2_000, 4_000, 5_000]);
            assert.equal(emulator.requestCount({ route: "POST /agents" }), 5);
        });

        it("retries only a 409: the same words in another status fail at once", async () => {
            await setup();
            await secretSet("voice-secrets", V1);
            emulator.injectFault({
                route: "POST /agents",
                status: 400,
                body: JSON.stringify({ error: "Secret set 'voice-secrets' is not yet ready" }),
                times: 1,
            });
            emulator.clearRequests();
            sleeps = [];
            const message = await failure(create(voice));
            assert.match(message, /is not yet ready/);
            assert.deepEqual(seen(), ["POST /agents 400"]);
            assert.deepEqual(sleeps, []);
        });

        it("fails at once on a failed image-pull set, without reading its keys, and says how to write it again", async () => {
            await setup();
            emulator.seed("voice-pull", {
                type: "imagePullSecret",
                host: "https://index.docker.io/v1/",
                secretValue: V1,
                status: "failed",
            });
            emulator.clearRequests();
            const message = await failure(create({ name: "voice-agent", image: IMAGE, imagePullSecretSet: "voice-pull" }));
            assert.equal(
                message,
                'Agent "voice-agent" was not deployed: its secret set "voice-pull" failed to provision, and waiting cannot fix that. ' +
                    "Write the set again (`pulumi up` does that for a SecretSet of this program whose provisioning failed; " +
                    "run `pulumi refresh` first if it failed outside Pulumi), then run `pulumi up`.",
            );
            assert.deepEqual(seen(), ["POST /agents 409", "GET /secrets 200"]);
        });

        it("names the image-pull set when the sets list cannot be read for an agent that binds only that set", async () => {
            await setup();
            emulator.seed("voice-pull", {
                type: "imagePullSecret",
                host: "https://index.docker.io/v1/",
                secretValue: V1,
                status: "pending",
            });
            emulator.injectFault({ route: "GET /secrets", status: 500, times: Infinity });
            const message = await failure(create({ name: "voice-agent", image: IMAGE, imagePullSecretSet: "voice-pull" }));
            assert.ok(message.startsWith('deployment check of secret set "voice-pull" failed'), message);
        });
    });

    describe("for a deployment", () => {
        it("gives up once the next wait would pass pipecat:deployTimeoutSeconds, naming the phase, and deletes the agent it created", async () => {
            await setup({ deployPhaseMs: { creating: 2_000, validating: 600_000 } }, { "pipecat:deployTimeoutSeconds": "12" });
            await secretSet("voice-secrets", V1);
            emulator.clearRequests();
            sleeps = [];
            const message = await failure(create(voice));
            assert.match(message, /^Deployment [0-9a-f]{8} of agent "voice-agent" was not complete after 12 s /);
            assert.ok(
                message.endsWith(`after 12 s (phase Validating; pipecat:deployTimeoutSeconds is 12). ${DELETED_AGAIN} ${RAISE}`),
                message,
            );
            assert.deepEqual(sleeps, [1_000, 2_000, 4_000, 5_000]);
            assert.equal(emulator.requestCount({ route: "GET /agents/:name" }), 5, "polls at 0, 1, 3, 7 and 12 s");
        });

        it("says 'not yet reconciled' when the deployment an update asked for never showed, and that the previous one keeps serving", async () => {
            await setup({}, { "pipecat:deployTimeoutSeconds": "12" });
            await secretSet("voice-secrets", V1);
            const olds = await create(voice);
            const previous = String(olds["deploymentId"]);
            nextRead({ ready: true, available: true, desiredDeploymentId: previous, reconciledDeploymentId: previous }, Infinity);
            const message = await failure(
                agentProvider.update!("voice-agent", olds, await checked({ ...voice, image: "registry.example/voice-agent:0.2" }, olds)),
            );
            const expected = emulator.agent("voice-agent")?.deployments.at(-1)?.id ?? "";
            assert.notEqual(expected, previous);
            assert.equal(
                message,
                `Deployment ${expected.slice(0, 8)} of agent "voice-agent" was not complete after 12 s (not yet reconciled; pipecat:deployTimeoutSeconds is 12). ` +
                    `Pipecat Cloud keeps serving the previous deployment, if one was ready. ${RAISE}`,
            );
        });

        it("takes a deployment started after the one it asked for (a change made meanwhile): it will not see its own again", async () => {
            await setup();
            await secretSet("voice-secrets", V1);
            sleeps = [];
            duringSleep = (n) => {
                if (n === 1) emulator.updateAgentDirect("voice-agent", { image: "registry.example/hotfix:9" });
            };
            const outs = await create(voice);
            const deployments = emulator.agent("voice-agent")?.deployments ?? [];
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
            await setup();
            await secretSet("voice-secrets", V1);
            emulator.injectFault({ route: "POST /agents", status: 503, afterApply: true, times: 1 });
            nextRead(sent, 2);
            const outs = await create(voice);
            assert.equal(outs["deploymentId"], emulator.agent("voice-agent")?.deployments[0]?.id, "not the answer without an id");
            await emulator.close();

            await setup();
            await secretSet("voice-secrets", V1);
            emulator.injectFault({ route: "POST /agents", status: 503, afterApply: true, times: 1 });
            nextRead({ ...sent, ready: false, currentRevision: { phase: "Failed", health: { reason: "Error" } } }, 2);
            assert.equal(await failure(create(voice)), `Deployment of agent "voice-agent" failed: Error. ${DELETED_AGAIN} ${FIX}`);
        });

        it("does not judge an update by a read that names no deployment: it may be the previous one's", async () => {
            await setup();
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
            assert.equal(outs["deploymentId"], emulator.agent("voice-agent")?.deployments.at(-1)?.id);
        });

        it("fails, and has nothing to roll back, when the agent disappears while it waits", async () => {
            await setup();
            await secretSet("voice-secrets", V1);
            sleeps = [];
            duringSleep = (n) => {
                if (n === 1) emulator.deleteAgentDirect("voice-agent");
            };
            const message = await failure(create(voice));
            assert.equal(
                message,
                `Agent "voice-agent" disappeared while the provider waited for its deployment. Nothing was left behind in Pipecat Cloud. ${FIX}`,
            );
        });

        it("fails with the error Pipecat Cloud reports for the agent", async () => {
            await setup();
            await secretSet("voice-secrets", V1);
            nextRead({ ready: false, desiredDeploymentId: D, errors: [{ message: "quota exceeded\n  Organisation limit reached  " }] });
            const message = await failure(create(voice));
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
                await setup();
                await secretSet("voice-secrets", V1);
                nextRead({ ready: false, desiredDeploymentId: D, currentRevision: { deploymentID: D, phase: "Failed", health } });
                const message = await failure(create(voice));
                assert.equal(
                    message,
                    `Deployment 11111111 of agent "voice-agent" ${words}. ${DELETED_AGAIN} ${FIX}`,
                    JSON.stringify(health),
                );
                await emulator.close();
            }
        });

        it("judges the revision the agent reports as current when it names no deployment, and waits on an older revision's failure", async () => {
            await setup();
            await secretSet("voice-secrets", V1);
            nextRead({ ready: false, desiredDeploymentId: D, currentRevision: { phase: "Failed", health: { reason: "Error" } } });
            assert.equal(await failure(create(voice)), `Deployment 11111111 of agent "voice-agent" failed: Error. ${DELETED_AGAIN} ${FIX}`);
            await emulator.close();

            await setup();
            await secretSet("voice-secrets", V1);
            nextRead({
                ready: false,
                desiredDeploymentId: D,
                currentRevision: { deploymentID: "22222222-0000-4000-8000-000000000000", phase: "Failed", health: { reason: "Error" } },
            });
            assert.equal((await create(voice))["ready"], true, "the older revision's failure says nothing of the new one");
        });

        it("waits through restarts for a reason other than a crash loop", async () => {
            await setup();
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
                await setup();
                await secretSet("voice-secrets", V1);
                emulator.failDeployment({ agent: "voice-agent", reason: "Error", message: said });
                const message = await failure(create(voice));
                assert.ok(
                    message.startsWith(`Deployment `) && message.includes(`: Error, exit 1 ("${quoted}"). ${DELETED_AGAIN}`),
                    message,
                );
                await emulator.close();
            }
        });
    });

    describe("for a deleted agent's name to be free", () => {
        it("polls the agents list after 0.5 s, doubling, until the teardown has ended", async () => {
            await setup({ agentDeleteAfterMs: 7_000 });
            await secretSet("voice-secrets", V1);
            const outs = await create(voice);
            emulator.clearRequests();
            sleeps = [];
            await agentProvider.delete!("voice-agent", outs);
            assert.deepEqual(sleeps, [500, 1_000, 2_000, 4_000]);
            assert.deepEqual(seen(), ["DELETE /agents/voice-agent 200", ...Array(5).fill("GET /agents 200")]);
            assert.equal(emulator.agent("voice-agent"), undefined);
        });

        it("gives up once the next wait would pass pipecat:deployTimeoutSeconds, and says to run the command again", async () => {
            // Polls at 0, 0.5, 1.5, 3.5 and 7.5 s: at 3.5 s the next wait (4 s) ends exactly at the bound of 7.5 s, and is still taken.
            await setup({ agentDeleteAfterMs: 600_000 }, { "pipecat:deployTimeoutSeconds": "7.5" });
            await secretSet("voice-secrets", V1);
            const outs = await create(voice);
            emulator.clearRequests();
            sleeps = [];
            const message = await failure(agentProvider.delete!("voice-agent", outs));
            assert.equal(
                message,
                'Agent "voice-agent" was deleted, but Pipecat Cloud still lists it after 8 s (pipecat:deployTimeoutSeconds is 7.5): run the command again once it is gone.',
            );
            assert.deepEqual(sleeps, [500, 1_000, 2_000, 4_000]);
            assert.equal(emulator.requestCount({ route: "GET /agents" }), 5);
        });
    });
});
