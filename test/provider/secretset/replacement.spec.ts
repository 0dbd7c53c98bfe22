/**
 * SecretSet decisions that span more than one provider call of a run: a replacement kept in the old
 * set's region, changes that carry no value sending nothing, a write whose wait failed reported as
 * partly applied, and a set an agent binds never deleted (unless this run creates it again under its
 * name). Against the emulator over real HTTP, on a fake clock.
 */
import * as assert from "node:assert/strict";
import { agentProvider, secretSetProvider } from "../../../provider";
import { ProviderMethods } from "../../support/provider";

const KEY = "pk-replace-API-KEY-never-shown-0001";
const V1 = "sk-replace-VALUE-one-never-shown-1111";
const V2 = "sk-replace-VALUE-two-never-shown-2222";
const TOKEN = "replace-TOKEN-never-shown-3333";
const PROVIDER = "serialized-provider-text";

type Props = Record<string, unknown>;

const m = new ProviderMethods({
    provider: secretSetProvider,
    apiKey: KEY,
    emulator: { readyAfterMs: 500, deployPhaseMs: { creating: 500, validating: 500 } },
});

async function checked(inputs: Props, olds: Props = {}): Promise<Props> {
    const r = await secretSetProvider.check!(olds, inputs);
    assert.deepEqual(r.failures ?? [], []);
    return r.inputs;
}

async function create(inputs: Props): Promise<{ ins: Props; outs: Props }> {
    const ins = await checked(inputs);
    return { ins, outs: (await secretSetProvider.create(ins)).outs as Props };
}

const pull = (token: string, extra: Props = {}) => ({
    name: "voice-registry",
    imagePullSecret: { host: "https://ghcr.io/", username: "bot", password: token },
    ...extra,
});

describe("SecretSet across a run", () => {
    afterEach(() => m.close());

    after(() => m.assertNoLeaks([KEY, V1, V2, TOKEN, Buffer.from(`bot:${TOKEN}`).toString("base64")]));

    describe("a replacement", () => {
        it("keeps the old set's region when none is declared: the replacement's check (no old inputs) gets it from the diff before", async () => {
            await m.setup();
            const { outs } = await create(pull(TOKEN, { region: "us-east" }));
            const news = await checked(pull(V2));
            await secretSetProvider.diff!("voice-registry", outs, news);
            const replacement = await checked(pull(V2));
            assert.equal(replacement["region"], "us-east", "the preview shows the region it will use");
            await secretSetProvider.delete!("voice-registry", outs);
            await secretSetProvider.create(replacement);
            const put = m.emulator.requests.filter((r) => r.method === "PUT").at(-1);
            assert.equal((put?.body as Props)["region"], "us-east");
            assert.equal(m.emulator.snapshot()["voice-registry"]?.region, "us-east");
        });

        it("keeps it for `pulumi up --replace` with deleteBeforeReplace too, which asks no diff and checks no replacement", async () => {
            await m.setup();
            const { ins, outs } = await create({ name: "voice-secrets", adopt: true, secrets: { A: V1 } });
            // As if adopted where it is, in another region than the default, with no region declared.
            const elsewhere = { ...outs, region: "eu-central" };
            m.emulator.deleteDirect("voice-secrets");
            m.emulator.seed("voice-secrets", { secrets: { A: V1 }, region: "eu-central" });
            m.freshProcess();
            const news = await checked({ name: "voice-secrets", secrets: { A: V1 } }, ins);
            await secretSetProvider.delete!("voice-secrets", elsewhere);
            await secretSetProvider.create(news);
            assert.equal(m.emulator.snapshot()["voice-secrets"]?.region, "eu-central");
        });
    });

    describe("changes that carry no value", () => {
        for (const [what, before, after] of [
            ["adopt dropped after the first up", { name: "voice-secrets", adopt: true }, { name: "voice-secrets" }],
            ["a rename with aliases (a new autoname prefix)", { autonamePrefix: "old-name" }, { autonamePrefix: "new-name" }],
            ["region no longer declared", { name: "voice-secrets", region: "us-west" }, { name: "voice-secrets" }],
        ] as const) {
            it(`${what}: no change, no request, no new revision`, async () => {
                await m.setup();
                const { ins, outs } = await create({ secrets: { A: V1 }, ...before });
                m.emulator.clearRequests();
                const news = await checked({ secrets: { A: V1 }, ...after }, ins);
                assert.equal(news["name"], outs["name"]);
                assert.equal((await secretSetProvider.diff!(String(outs["name"]), outs, news)).changes, false);
                assert.deepEqual(m.seen(), []);
            });
        }

        it("a new process remembers no valueless check of an earlier one", async () => {
            await m.setup();
            const { ins, outs } = await create({ name: "voice-secrets", secrets: { A: V1 }, adopt: true });
            const news = await checked({ name: "voice-secrets", secrets: { A: V1 } }, ins);
            m.freshProcess();
            assert.equal((await secretSetProvider.diff!("voice-secrets", outs, news)).changes, undefined);
        });

        it("only the last check of a set counts: one that found a value change forgets an earlier valueless one", async () => {
            await m.setup();
            const { ins, outs } = await create({ name: "voice-secrets", secrets: { A: V1 }, adopt: true });
            const news = await checked({ name: "voice-secrets", secrets: { A: V1 } }, ins);
            // The same new inputs checked again, against old ones with another value (a program changed meanwhile).
            await checked({ name: "voice-secrets", secrets: { A: V1 } }, { ...ins, secrets: { A: V2 } });
            assert.equal((await secretSetProvider.diff!("voice-secrets", outs, news)).changes, undefined);
        });

        it("a rotated value is still a change the engine compares", async () => {
            await m.setup();
            const { ins, outs } = await create({ name: "voice-secrets", secrets: { A: V1 }, adopt: true });
            const news = await checked({ name: "voice-secrets", secrets: { A: V2 } }, ins);
            assert.equal((await secretSetProvider.diff!("voice-secrets", outs, news)).changes, undefined);
        });
    });

    describe("a write whose wait failed", () => {
        it("is reported as partly applied: the state holds the new revision, status pending, and the serialized provider", async () => {
            await m.setup({ readyAfterMs: 500 }, { "pipecat:readyTimeoutSeconds": "10" });
            const { ins, outs } = await create({ name: "voice-secrets", secrets: { A: V1 } });
            m.emulator.failProvisioning({ setName: "voice-secrets" });
            const news = { ...(await checked({ name: "voice-secrets", secrets: { A: V2 } }, ins)), __provider: PROVIDER };
            const e = await m.failure(secretSetProvider.update!("voice-secrets", outs, news));
            assert.match(e.message, /failed to provision/);
            assert.equal(e.id, "voice-secrets");
            assert.equal(e.properties?.["status"], "pending");
            assert.notEqual(e.properties?.["revision"], outs["revision"]);
            assert.equal(e.properties?.["__provider"], PROVIDER);
            // The next diff writes it again, whatever the inputs.
            assert.equal((await secretSetProvider.diff!("voice-secrets", e.properties as Props, news)).changes, true);
        });

        it("keeps the keys still to remove when a key deletion fails, so the next up removes them", async () => {
            await m.setup();
            const { ins, outs } = await create({ name: "voice-secrets", secrets: { A: V1, B: V2 } });
            m.emulator.injectFault({ route: "DELETE /secrets/:name/:key", status: 500, times: Infinity });
            const news = { ...(await checked({ name: "voice-secrets", secrets: { A: V1 } }, ins)), __provider: PROVIDER };
            const e = await m.failure(secretSetProvider.update!("voice-secrets", outs, news));
            assert.deepEqual(e.properties?.["keys"], ["A", "B"]);
            assert.deepEqual(e.properties?.["declaredKeys"], ["A"]);
            assert.equal((await secretSetProvider.diff!("voice-secrets", e.properties as Props, news)).changes, true);
        });
    });

    describe("delete of a set an agent binds", () => {
        async function boundSet(): Promise<Props> {
            const { outs } = await create({ name: "voice-secrets", secrets: { A: V1 } });
            const ins = (await agentProvider.check!({}, { name: "voice-agent", image: "registry.example/a:1", secretSet: "voice-secrets" }))
                .inputs;
            await agentProvider.create(ins);
            return outs;
        }

        it("is refused, naming the agent and what to run, also from a fresh process", async () => {
            await m.setup();
            const outs = await boundSet();
            m.freshProcess();
            m.emulator.clearRequests();
            const e = await m.failure(secretSetProvider.delete!("voice-secrets", outs));
            assert.match(e.message, /Secret set "voice-secrets" was not deleted: agent "voice-agent" still binds it/);
            assert.match(e.message, /--target/);
            assert.ok(
                e.message.endsWith(
                    "If this run used `--target`, run `pulumi up` again including the agents (or without `--target`), so that they are moved to the new set first; " +
                        "otherwise bind the agents to another set, or delete them, then run the command again.",
                ),
                e.message,
            );
            assert.deepEqual(m.seen(), ["GET /agents 200"]);
            assert.ok(m.emulator.snapshot()["voice-secrets"]);
        });

        it("names every agent that binds it, as its secret set or its image-pull set, and no agent that binds another", async () => {
            await m.setup();
            const { outs } = await create({ name: "voice-secrets", secrets: { A: V1 } });
            const { outs: registry } = await create(pull(TOKEN));
            const { outs: free } = await create({ name: "free-secrets", secrets: { A: V2 } });
            const agents = [
                { name: "agent-a", secretSet: "voice-secrets" },
                { name: "agent-b", secretSet: "voice-secrets", imagePullSecretSet: "voice-registry" },
                { name: "agent-c", imagePullSecretSet: "voice-registry" },
            ];
            for (const a of agents)
                await agentProvider.create((await agentProvider.check!({}, { image: "registry.example/a:1", ...a })).inputs);
            m.freshProcess();
            const e = await m.failure(secretSetProvider.delete!("voice-secrets", outs));
            assert.match(
                e.message,
                /^Secret set "voice-secrets" was not deleted: agents "agent-a", "agent-b" still bind it, and deleting it would break their next deployment\./,
            );
            const r = await m.failure(secretSetProvider.delete!("voice-registry", registry));
            assert.match(r.message, /^Secret set "voice-registry" was not deleted: agents "agent-b", "agent-c" still bind it/);
            m.emulator.clearRequests();
            // A set no agent binds is deleted, whatever binds the others.
            await secretSetProvider.delete!("free-secrets", free);
            assert.deepEqual(m.seen(), ["GET /agents 200", "DELETE /secrets/free-secrets 200"]);
            assert.deepEqual(Object.keys(m.emulator.snapshot()).sort(), ["voice-registry", "voice-secrets"]);
        });

        it("is refused after a check of the set that is not a replacement's (an update's, or a create's without a diff before it)", async () => {
            await m.setup();
            const outs = await boundSet();
            m.freshProcess();
            await checked({ name: "voice-secrets", secrets: { A: V2 } }, { name: "voice-secrets", secrets: { A: V1 } });
            await checked({ name: "voice-secrets", secrets: { A: V2 } });
            const e = await m.failure(secretSetProvider.delete!("voice-secrets", outs));
            assert.match(e.message, /^Secret set "voice-secrets" was not deleted: agent "voice-agent" still binds it/);
            assert.ok(m.emulator.snapshot()["voice-secrets"]);
        });

        it("goes ahead when this run creates the set again under the same name (a replacement that deletes first)", async () => {
            await m.setup();
            const outs = await boundSet();
            m.freshProcess();
            const news = await checked({ name: "voice-secrets", secrets: { A: V2 } });
            await secretSetProvider.diff!("voice-secrets", outs, news);
            await checked({ name: "voice-secrets", secrets: { A: V2 } }); // the replacement's check
            await secretSetProvider.delete!("voice-secrets", outs);
            assert.equal(m.emulator.snapshot()["voice-secrets"], undefined);
        });
    });
});
