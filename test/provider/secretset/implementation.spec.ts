/**
 * The provider methods, called on the exact object every SecretSet uses, against the emulator
 * over real HTTP. Each test asserts the outcome in the emulator and the requests it saw.
 */
import * as assert from "node:assert/strict";
import { secretSetProvider } from "../../../provider";
import { Transport } from "../../../provider/api/transport";
import { putImagePull, setCall } from "../../../provider/secretset/endpoints";
import { TICK_MS } from "../../../provider/ticker";
import { type SecretSpec, assertNoLeaks, errorHaystack } from "../../support/leaks";
import { ProviderMethods } from "../../support/provider";

type Implementation = typeof import("../../../provider/secretset/implementation");
// The shim requires the compiled implementation by package name: hooks must reach that same module.
const impl = require("pulumi-pipecat-secrets/implementation") as Implementation;

const KEY = "pk-test-API-KEY-never-shown-0001";
const V1 = "sk-test-VALUE-one-never-shown-1111";
const V2 = "sk-test-VALUE-two-never-shown-2222";
const V3 = "sk-test-VALUE-three-never-shown-3333";
const PASSWORD = "registry-PASSWORD-never-shown-4444";
const PULL_USER = "bot";
/** What is searched for in every failure: each secret, and the image-pull value as actually sent (base64 of user:password). */
const SECRETS: SecretSpec[] = [
    { label: "the API key", value: KEY },
    { label: "value V1", value: V1 },
    { label: "value V2", value: V2 },
    { label: "value V3", value: V3 },
    { label: "the registry password", value: PASSWORD },
    { label: "base64 of user:password", value: Buffer.from(`${PULL_USER}:${PASSWORD}`).toString("base64") },
];

type Props = Record<string, unknown>;

const m = new ProviderMethods({ provider: secretSetProvider, apiKey: KEY });

/** Key → value of a regular set in the emulator (test hook; values never leave the process). */
function secretsOf(name: string): Record<string, string> | undefined {
    const set = m.emulator.snapshot()[name];
    return set?.type === "secret" ? set.secrets : undefined;
}

async function create(inputs: Props): Promise<Props> {
    const checked = await secretSetProvider.check!({}, inputs);
    assert.deepEqual(checked.failures ?? [], []);
    const result = await secretSetProvider.create(checked.inputs);
    assert.equal(result.id, inputs["name"]);
    return result.outs as Props;
}

const agent = { name: "voice-agent", secrets: { OPENAI_API_KEY: V1, DAILY_API_KEY: V2 } };
const pull = { name: "dockerhub-pull", imagePullSecret: { host: "https://index.docker.io/v1/", username: PULL_USER, password: PASSWORD } };

describe("secretSetProvider against the emulator", () => {
    afterEach(() => m.close());

    after(() => {
        // A hit names the failure, the secret's label and the offset, never the secret or the message.
        assertNoLeaks(m.failures, SECRETS, "failures");
    });

    describe("check", () => {
        it("rejects bad input without sending a request", async () => {
            await m.setup();
            const r = await secretSetProvider.check!({}, { name: "Bad_Name", secrets: { A: V1 } });
            assert.equal(r.failures?.length, 1);
            assert.equal(m.emulator.requests.length, 0);
        });
        it("redacts the set's values from the reason a region could not be checked", async () => {
            await m.setup();
            m.emulator.injectFault({
                route: "GET /regions",
                status: 500,
                body: JSON.stringify({ error: `echo ${V1}`, code: "X" }),
                times: Infinity,
            });
            const olds = (await secretSetProvider.check!({}, agent)).inputs;
            const r = await secretSetProvider.check!(olds, { ...agent, region: "eu-central" });
            const reason = r.failures?.[0]?.reason ?? "";
            m.failures.push({ label: "region check reason", text: reason });
            assert.match(
                reason,
                /^region: "eu-central" could not be checked, so the set was not replaced \(region check of secret set "voice-agent" failed: .*"echo \[secret\]"/,
            );
        });
    });

    describe("create", () => {
        it("creates a regular set with exactly three requests and the seed spec's body", async () => {
            await m.setup();
            const outs = await create(agent);
            // The existence check, the PUT, and the readiness check: the list, looked at at once.
            assert.deepEqual(m.seen(), ["GET /secrets 200", "PUT /secrets/voice-agent 202", "GET /secrets 200"]);
            assert.deepEqual(m.emulator.requests[1]?.body, {
                secrets: [
                    { secretKey: "DAILY_API_KEY", secretValue: V2 },
                    { secretKey: "OPENAI_API_KEY", secretValue: V1 },
                ],
            });
            assert.deepEqual(secretsOf("voice-agent"), { OPENAI_API_KEY: V1, DAILY_API_KEY: V2 });
            const keys = ["DAILY_API_KEY", "OPENAI_API_KEY"];
            const { revision, ...rest } = outs;
            assert.deepEqual(rest, {
                name: "voice-agent",
                region: "us-west",
                keys,
                declaredKeys: keys,
                isImagePullSecret: false,
                status: "ready",
            });
            assert.match(String(revision), /^[0-9a-f]{16}$/, "a new revision, telling this write apart from any other");
        });

        it("keeps the autoname prefix of an autonamed set in its outputs", async () => {
            await m.setup();
            const checked = await secretSetProvider.check!({}, { autonamePrefix: "worker", secrets: { A: V1 } });
            const outs = (await secretSetProvider.create(checked.inputs)).outs as Props;
            assert.equal(outs["autonamePrefix"], "worker");
            assert.match(String(outs["name"]), /^worker-[a-z0-9]{7}$/);
        });

        it("creates an image-pull set from username and password, base64-encoded like Pipecat's CLI", async () => {
            await m.setup();
            const outs = await create(pull);
            assert.deepEqual(m.seen(), ["GET /secrets 200", "PUT /secrets/dockerhub-pull 202", "GET /secrets 200"]);
            assert.deepEqual(m.emulator.requests[1]?.body, {
                isImagePullSecret: true,
                host: "https://index.docker.io/v1/",
                secretValue: Buffer.from(`bot:${PASSWORD}`).toString("base64"),
            });
            assert.equal(outs["isImagePullSecret"], true);
            assert.deepEqual(outs["keys"], []);
        });

        it("sends the region only when one is declared, after checking it against the organisation's regions", async () => {
            await m.setup();
            const outs = await create({ ...agent, region: "eu-central" });
            assert.deepEqual(m.seen().slice(0, 3), ["GET /regions 200", "GET /secrets 200", "PUT /secrets/voice-agent 202"]);
            assert.deepEqual((m.emulator.requests[2]?.body as Props)["region"], "eu-central");
            assert.equal(outs["region"], "eu-central");
        });

        it("refuses to take over a set that already exists, naming adopt", async () => {
            await m.setup();
            m.emulator.seed("voice-agent", { secrets: { THEIRS: "x" } });
            const message = await m.message(create(agent));
            assert.match(message, /Secret set "voice-agent" already exists/);
            assert.match(message, /adopt: true/);
            assert.equal(
                message,
                'Secret set "voice-agent" already exists in Pipecat Cloud, so it was not created (it may belong to someone else). ' +
                    "To manage it with this program, set `adopt: true` on the SecretSet: its keys are then made exactly the declared ones " +
                    "and `pulumi destroy` deletes it. Otherwise choose another name. If an interrupted `pulumi up` created it, " +
                    "take it over once with `PIPECAT_ADOPT=voice-agent pulumi up`. If this is a replacement of a set of this " +
                    "stack (`pulumi up --replace`, a tainted resource, `replacementTrigger`), Pulumi creates the new set before " +
                    "deleting the old one, which cannot work under one name: give the resource the option `deleteBeforeReplace: true`.",
            );
            assert.deepEqual(m.seen(), ["GET /secrets 200"]);
            assert.deepEqual(secretsOf("voice-agent"), { THEIRS: "x" });
        });

        it("refuses an existing image-pull set too", async () => {
            await m.setup();
            m.emulator.seed("dockerhub-pull", { type: "imagePullSecret", host: "https://index.docker.io/v1/", secretValue: "old" });
            assert.match(await m.message(create(pull)), /already exists/);
        });

        it("adopts a regular set and leaves exactly the declared keys", async () => {
            await m.setup();
            m.emulator.seed("voice-agent", { secrets: { OPENAI_API_KEY: "old", STRAY: "x" } });
            const outs = await create({ ...agent, adopt: true });
            assert.deepEqual(secretsOf("voice-agent"), { OPENAI_API_KEY: V1, DAILY_API_KEY: V2 });
            assert.deepEqual(outs["keys"], ["DAILY_API_KEY", "OPENAI_API_KEY"]);
            assert.ok(m.seen().includes("DELETE /secrets/voice-agent/STRAY 200"));
        });

        it("adopts the sets named in pipecat:adopt, as after an interrupted up, and no other", async () => {
            await m.setup();
            await m.configure({ "pipecat:adopt": "voice-agent, other" });
            m.emulator.seed("voice-agent", { secrets: { OPENAI_API_KEY: "half-written" } });
            m.emulator.seed("someone-elses", { secrets: { THEIRS: "x" } });
            await create(agent);
            assert.deepEqual(secretsOf("voice-agent"), { OPENAI_API_KEY: V1, DAILY_API_KEY: V2 });
            assert.match(await m.message(create({ ...agent, name: "someone-elses" })), /PIPECAT_ADOPT=someone-elses pulumi up/);
        });

        it("adopts an image-pull set by deleting and writing it again", async () => {
            await m.setup();
            m.emulator.seed("dockerhub-pull", { type: "imagePullSecret", host: "https://ghcr.io/", secretValue: "old" });
            await create({ ...pull, adopt: true });
            const set = m.emulator.snapshot()["dockerhub-pull"];
            assert.equal(set?.type, "imagePullSecret");
            assert.equal(set?.type === "imagePullSecret" && set.host, "https://index.docker.io/v1/");
            assert.ok(m.seen().includes("DELETE /secrets/dockerhub-pull 200"));
        });

        it("refuses to adopt a set of the other kind", async () => {
            await m.setup();
            m.emulator.seed("voice-agent", { type: "imagePullSecret", host: "https://ghcr.io/", secretValue: "old" });
            assert.match(await m.message(create({ ...agent, adopt: true })), /adopt cannot change a set's kind/);
        });

        it("stops an adoption when the set the list showed is gone, or referenced, by the time it is read", async () => {
            for (const [what, fault] of [
                // Read by name: the API's own 404; then the list no longer holds it either.
                ["gone", { route: "GET /secrets/:name", status: 404, body: '{"error":"Set not found","code":"NOT_FOUND"}' }],
                [
                    "referenced",
                    {
                        route: "GET /secrets/:name",
                        status: 200,
                        body: '{"secrets":[],"region":"us-west","status":"ready","source":"referenced"}',
                    },
                ],
            ] as const) {
                await m.setup();
                m.emulator.seed("voice-agent", { secrets: { OPENAI_API_KEY: "old" } });
                m.emulator.injectFault(fault);
                if (what === "gone") {
                    m.emulator.injectFault({ route: "GET /secrets", delayMs: 0, times: 1 }); // the existence check sees it
                    m.emulator.injectFault({ route: "GET /secrets", status: 200, body: '{"sets":[]}' });
                }
                assert.equal(
                    await m.message(create({ ...agent, adopt: true })),
                    'Secret set "voice-agent" changed while it was being adopted: run `pulumi up` again.',
                );
                assert.ok(
                    m.seen().every((r) => r.startsWith("GET")),
                    m.seen().join("\n"),
                );
                assert.deepEqual(secretsOf("voice-agent"), { OPENAI_API_KEY: "old" });
                await m.emulator.close();
            }
            await m.setup();
        });

        it("names both kinds when refusing to adopt a set of the other kind", async () => {
            await m.setup();
            m.emulator.seed("voice-agent", { type: "imagePullSecret", host: "https://ghcr.io/", secretValue: "old" });
            m.emulator.seed("dockerhub-pull", { secrets: { THEIRS: "x" } });
            assert.equal(
                await m.message(create({ ...agent, adopt: true })),
                'Secret set "voice-agent" exists as an image-pull set but is declared as a regular set; adopt cannot change a set\'s kind. Delete the set first, or choose another name.',
            );
            assert.equal(
                await m.message(create({ ...pull, adopt: true })),
                'Secret set "dockerhub-pull" exists as a regular set but is declared as an image-pull set; adopt cannot change a set\'s kind. Delete the set first, or choose another name.',
            );
            assert.ok(
                m.seen().every((r) => r.startsWith("GET")),
                m.seen().join("\n"),
            );
        });

        it("adopts an image-pull set in its own region, read from its own row of the list", async () => {
            await m.setup();
            m.emulator.seed("aaa-first", { secrets: { THEIRS: "x" }, region: "eu-central" });
            m.emulator.seed("dockerhub-pull", { type: "imagePullSecret", host: "https://ghcr.io/", secretValue: "old", region: "us-east" });
            const outs = await create({ ...pull, adopt: true });
            const puts = m.emulator.requests.filter((r) => r.method === "PUT");
            assert.deepEqual(
                puts.map((r) => (r.body as Props)["region"]),
                ["us-east", "us-east"],
            );
            assert.equal(outs["region"], "us-east");
        });

        it("adopts a set whose list row names no region in the declared one", async () => {
            await m.setup();
            m.emulator.seed("dockerhub-pull", {
                type: "imagePullSecret",
                host: "https://ghcr.io/",
                secretValue: "old",
                region: "eu-central",
            });
            const list = JSON.stringify({
                sets: [{ name: "dockerhub-pull", type: "imagePullSecret", status: "ready", source: "managed" }],
            });
            m.emulator.injectFault({ route: "GET /secrets", status: 200, body: list, times: 2 }); // the existence check and the adoption's
            const outs = await create({ ...pull, region: "eu-central", adopt: true });
            assert.deepEqual(
                m.emulator.requests.filter((r) => r.method === "PUT").map((r) => (r.body as Props)["region"]),
                ["eu-central", "eu-central"],
            );
            assert.equal(outs["region"], "eu-central");
        });

        it("rolls back after a PUT that failed for good with a 5xx, saying what was left behind", async () => {
            for (const [fault, cleanup] of [
                [{ status: 503 }, "Nothing was left behind in Pipecat Cloud."],
                // Applied, and only the answer lost: the set exists and is deleted again.
                [{ status: 500, afterApply: true }, "The partly created set was deleted again."],
            ] as const) {
                await m.setup();
                m.emulator.injectFault({ route: "PUT /secrets/:name", times: Infinity, ...fault });
                const message = await m.message(create(agent));
                assert.match(message, /\(gave up after 6 attempts in [\d.]+ s\)/);
                assert.ok(message.endsWith(` s) ${cleanup} Run \`pulumi up\` to retry.`), message);
                assert.ok(m.seen().includes("DELETE /secrets/voice-agent " + ("afterApply" in fault ? "200" : "404")), m.seen().join("\n"));
                assert.equal(m.emulator.snapshot()["voice-agent"], undefined);
                await m.emulator.close();
            }
            await m.setup();
        });

        it("says what to do when the rollback of a failed create could not delete the set", async () => {
            await m.setup();
            m.emulator.injectFault({ route: "PUT /secrets/:name", status: 500, afterApply: true, times: Infinity });
            m.emulator.injectFault({ route: "DELETE /secrets/:name", status: 500, times: Infinity });
            const message = await m.message(create(agent));
            assert.ok(
                message.endsWith(
                    " The partly created set could not be deleted: delete it, or set `adopt: true`, before the next `pulumi up`. Run `pulumi up` to retry.",
                ),
                message,
            );
            assert.ok(m.emulator.snapshot()["voice-agent"]);
        });

        it("reports a failure that is not the provider's own during a create as unexpected, and deletes nothing", async () => {
            await m.setup({ readyAfterMs: 1000 });
            impl.setTestHooks({ sleep: () => Promise.reject(new TypeError(`bug near ${V1}`)), now: () => m.clock, random: () => 0.5 });
            assert.equal(await m.message(create(agent)), "Unexpected error in the Pipecat secrets provider: bug near [secret]");
            assert.ok(!m.seen().some((r) => r.startsWith("DELETE")), m.seen().join("\n"));
        });

        it("waits until a pending set is ready, looking at the list on every tick", async () => {
            await m.setup({ readyAfterMs: 2000 });
            await create(agent);
            assert.equal(m.emulator.snapshot()["voice-agent"]?.status, "ready");
            const ticks = Math.ceil(2000 / TICK_MS);
            assert.deepEqual(m.sleeps, Array<number>(ticks).fill(TICK_MS));
            assert.deepEqual(m.seen().slice(2), Array<string>(ticks + 1).fill("GET /secrets 200"));
        });

        it("fails with the API's errorMessage when provisioning fails, and removes the half-made set", async () => {
            await m.setup();
            m.emulator.failProvisioning({ setName: "voice-agent", errorMessage: "region us-west is out of capacity" });
            const message = await m.message(create(agent));
            assert.match(message, /failed to provision secret set "voice-agent": "region us-west is out of capacity"/);
            assert.match(message, /deleted again/);
            assert.equal(m.emulator.snapshot()["voice-agent"], undefined);
        });

        it("gives up waiting after the configured bound", async () => {
            await m.setup({ readyAfterMs: 10 * 60_000 });
            await m.configure({ "pipecat:readyTimeoutSeconds": "30" });
            const message = await m.message(create(agent));
            assert.match(message, /still pending after \d+ s/);
            assert.match(message, /pipecat:readyTimeoutSeconds/);
        });
    });

    describe("update", () => {
        it("sends one PUT for added and changed keys and one DELETE per removed key", async () => {
            await m.setup();
            const olds = await create(agent);
            m.emulator.clearRequests();
            const news = (await secretSetProvider.check!(olds, { name: "voice-agent", secrets: { OPENAI_API_KEY: V3, NEW_KEY: V1 } }))
                .inputs;
            const diff = await secretSetProvider.diff!("voice-agent", olds, news);
            assert.deepEqual(diff, { replaces: [], deleteBeforeReplace: true }, "the engine compares the inputs and finds the changes");
            const result = await secretSetProvider.update!("voice-agent", olds, news);
            assert.deepEqual(m.seen(), [
                "PUT /secrets/voice-agent 202",
                "DELETE /secrets/voice-agent/DAILY_API_KEY 200",
                "GET /secrets 200",
            ]);
            assert.deepEqual(m.emulator.requests[0]?.body, {
                secrets: [
                    { secretKey: "NEW_KEY", secretValue: V1 },
                    { secretKey: "OPENAI_API_KEY", secretValue: V3 },
                ],
                // The set's own region, though none is declared: a PUT without one must not mean "the default".
                region: "us-west",
            });
            assert.deepEqual(secretsOf("voice-agent"), { OPENAI_API_KEY: V3, NEW_KEY: V1 });
            assert.deepEqual(result.outs?.["keys"], ["NEW_KEY", "OPENAI_API_KEY"]);
        });

        it("leaves an unchanged set to the engine's comparison of inputs, without a request", async () => {
            await m.setup();
            const olds = await create(agent);
            m.emulator.clearRequests();
            const news = (await secretSetProvider.check!(olds, agent)).inputs;
            // No `changes`: the engine compares the old and new inputs (where the values are) and,
            // finding them equal, never calls update. The real engine proves it in test/e2e.
            assert.deepEqual(await secretSetProvider.diff!("voice-agent", olds, news), { replaces: [], deleteBeforeReplace: true });
            assert.deepEqual(m.seen(), []);
        });

        it("finishes an update whose key deletion failed, on the next run", async () => {
            await m.setup();
            const olds = await create(agent);
            const news = { name: "voice-agent", secrets: { OPENAI_API_KEY: V3 } };
            m.emulator.injectFault({
                method: "DELETE",
                route: "DELETE /secrets/:name/:key",
                status: 400,
                body: '{"error":"nope","code":"GENERIC_BAD_REQUEST"}',
            });
            assert.match(
                await m.message(secretSetProvider.update!("voice-agent", olds, news)),
                /key deletion of secret set "voice-agent" failed/,
            );
            // The engine keeps the old outputs after a failed update; the same update then converges.
            await secretSetProvider.update!("voice-agent", olds, news);
            assert.deepEqual(secretsOf("voice-agent"), { OPENAI_API_KEY: V3 });
        });
    });

    describe("update (more)", () => {
        it("sends nothing for an image-pull set whose inputs changed only in bookkeeping, and keeps its status and revision", async () => {
            await m.setup();
            const olds = await create(pull);
            m.emulator.clearRequests();
            const news = (await secretSetProvider.check!(olds, { ...pull, adopt: true })).inputs;
            const result = await secretSetProvider.update!("dockerhub-pull", olds, news);
            assert.deepEqual(result.outs, { ...olds, adopt: true });
            // A state written by a version without status and revision keeps having none.
            const { status: _status, revision: _revision, ...older } = olds;
            assert.deepEqual((await secretSetProvider.update!("dockerhub-pull", older, news)).outs, { ...older, adopt: true });
            assert.deepEqual(m.seen(), []);
        });

        it("records the keys still to remove after a failed key deletion with the written ones, sorted", async () => {
            await m.setup();
            const olds = await create({ name: "voice-agent", secrets: { A_KEY: V1, B_KEY: V2, C_KEY: V3 } });
            m.emulator.injectFault({ route: "DELETE /secrets/:name/:key", status: 500, times: Infinity });
            const news = { name: "voice-agent", secrets: { B_KEY: V2 } };
            const e = await secretSetProvider.update!("voice-agent", olds, news).then(
                () => assert.fail("expected the update to fail"),
                (error: unknown) => error as Error & { properties?: Props },
            );
            m.failures.push(errorHaystack("a failed key deletion", e));
            const { revision, ...rest } = e.properties ?? {};
            assert.deepEqual(rest, {
                name: "voice-agent",
                region: "us-west",
                keys: ["A_KEY", "B_KEY", "C_KEY"],
                declaredKeys: ["B_KEY"],
                isImagePullSecret: false,
                status: "pending",
            });
            assert.notEqual(revision, olds["revision"]);
        });

        it("reports a failure that is not the provider's own as unexpected, redacted, and not as a partly applied change", async () => {
            await m.setup({ readyAfterMs: 1000 });
            const olds = await create(agent);
            const news = { name: "voice-agent", secrets: { OPENAI_API_KEY: V3, DAILY_API_KEY: V2 } };
            for (const thrown of [new TypeError(`bug near ${V3}`), `a string near ${V3}`]) {
                impl.setTestHooks({ sleep: () => Promise.reject(thrown), now: () => m.clock, random: () => 0.5 });
                const e = await secretSetProvider.update!("voice-agent", olds, news).then(
                    () => assert.fail("expected the update to fail"),
                    (error: unknown) => error as Error & { properties?: Props },
                );
                m.failures.push(errorHaystack("an unexpected failure", e));
                const text = thrown instanceof Error ? "bug near" : "a string near";
                assert.equal(e.message, `Unexpected error in the Pipecat secrets provider: ${text} [secret]`);
                assert.equal(e.name, "PipecatError");
                assert.equal(e.properties, undefined);
            }
        });
    });

    describe("read", () => {
        it("reports a deleted set as gone", async () => {
            await m.setup();
            const outs = await create(agent);
            m.emulator.deleteDirect("voice-agent");
            assert.deepEqual(await secretSetProvider.read!("voice-agent", outs), { id: "", props: {} });
        });

        it("reflects keys removed and added outside Pulumi, and the next update restores the set", async () => {
            await m.setup();
            const outs = await create(agent);
            m.emulator.deleteKeyDirect("voice-agent", "DAILY_API_KEY");
            m.emulator.seed("voice-agent", { secrets: { OPENAI_API_KEY: V1, STRAY: "x" } });
            const read = await secretSetProvider.read!("voice-agent", outs);
            assert.deepEqual(read.props?.["keys"], ["OPENAI_API_KEY", "STRAY"]);
            assert.equal(read.inputs, undefined, "the engine keeps the old inputs, which hold the values");
            const news = (await secretSetProvider.check!(outs, agent)).inputs;
            assert.equal((await secretSetProvider.diff!("voice-agent", read.props ?? {}, news)).changes, true);
            await secretSetProvider.update!("voice-agent", read.props ?? {}, news);
            assert.deepEqual(secretsOf("voice-agent"), { OPENAI_API_KEY: V1, DAILY_API_KEY: V2 });
        });

        it("reports an image-pull set as gone when a regular set took its name, and reads its region and status from the list", async () => {
            await m.setup();
            const outs = await create(pull);
            const list = JSON.stringify({
                sets: [{ name: "dockerhub-pull", type: "imagePullSecret", region: "eu-central", status: "failed", source: "managed" }],
            });
            m.emulator.injectFault({ route: "GET /secrets", status: 200, body: list });
            assert.deepEqual(await secretSetProvider.read!("dockerhub-pull", outs), {
                id: "dockerhub-pull",
                props: { ...outs, region: "eu-central", status: "failed" },
            });
            m.emulator.deleteDirect("dockerhub-pull");
            m.emulator.seed("dockerhub-pull", { secrets: { OTHER: "x" } });
            assert.deepEqual(await secretSetProvider.read!("dockerhub-pull", outs), { id: "", props: {} });
        });

        it("reads a regular set's region, keys and status, also by its id alone as an import does", async () => {
            await m.setup();
            const outs = await create(agent);
            const answer = '{"secrets":[{"fieldName":"OPENAI_API_KEY"}],"region":"eu-central","status":"failed","source":"managed"}';
            m.emulator.injectFault({ route: "GET /secrets/:name", status: 200, body: answer });
            assert.deepEqual(await secretSetProvider.read!("voice-agent", outs), {
                id: "voice-agent",
                props: { ...outs, region: "eu-central", keys: ["OPENAI_API_KEY"], status: "failed" },
            });
            assert.deepEqual(await secretSetProvider.read!("voice-agent", {}), {
                id: "voice-agent",
                props: {
                    name: "voice-agent",
                    region: "us-west",
                    keys: ["DAILY_API_KEY", "OPENAI_API_KEY"],
                    isImagePullSecret: false,
                    status: "ready",
                },
            });
        });

        it("reads an image-pull set from the list", async () => {
            await m.setup();
            const outs = await create(pull);
            m.emulator.clearRequests();
            const read = await secretSetProvider.read!("dockerhub-pull", outs);
            assert.equal(read.id, "dockerhub-pull");
            assert.deepEqual(m.seen(), ["GET /secrets 200"]);
            m.emulator.deleteDirect("dockerhub-pull");
            assert.equal((await secretSetProvider.read!("dockerhub-pull", outs)).id, "");
        });
    });

    describe("delete", () => {
        it("deletes the set after checking that no agent binds it, and counts a set the list no longer holds as deleted", async () => {
            await m.setup();
            const outs = await create(agent);
            m.emulator.clearRequests();
            await secretSetProvider.delete!("voice-agent", outs);
            await secretSetProvider.delete!("voice-agent", outs);
            assert.deepEqual(m.seen(), [
                "GET /agents 200",
                "DELETE /secrets/voice-agent 200",
                "GET /agents 200",
                "DELETE /secrets/voice-agent 404",
                "GET /secrets 200",
            ]);
            assert.equal(m.emulator.snapshot()["voice-agent"], undefined);
        });
    });

    describe("retries and errors", () => {
        it("honours Retry-After on 429 and succeeds", async () => {
            await m.setup();
            m.emulator.injectFault({ route: "PUT /secrets/:name", status: 429, retryAfter: 3 });
            await create(agent);
            // Then the readiness GET is paced by the rate limiter: the server had accepted one request in the
            // second before the 429, so 1 per second (plus a 5 % margin; see rate.spec.ts).
            assert.deepEqual(m.sleeps, [3000, 1050]);
            assert.deepEqual(m.seen().slice(1, 3), ["PUT /secrets/voice-agent 429", "PUT /secrets/voice-agent 202"]);
        });

        it("retries 503 and dropped connections with jittered backoff", async () => {
            await m.setup();
            m.emulator.injectFault({ route: "PUT /secrets/:name", status: 503, times: 2 });
            m.emulator.injectFault({ route: "GET /secrets", delayMs: 0, times: 1 }); // the existence check
            m.emulator.injectFault({ route: "GET /secrets", drop: true, times: 1 });
            await create(agent);
            assert.equal(m.emulator.snapshot()["voice-agent"]?.status, "ready");
            // random() = 0.5: half of 500 ms, 1 s, ... (full jitter): the PUT twice, then the readiness list.
            assert.deepEqual(m.sleeps, [250, 500, 250]);
        });

        it("gives up on a persistent 500 with a message naming the set and the step", async () => {
            await m.setup();
            m.emulator.injectFault({ route: "PUT /secrets/:name", status: 500, times: Infinity });
            const message = await m.message(create(agent));
            assert.match(message, /^create of secret set "voice-agent" failed: Pipecat Cloud answered PUT \/secrets\/voice-agent with 500/);
            assert.match(message, /gave up after 6 attempts/);
            assert.equal(m.emulator.requestCount({ method: "PUT" }), 6);
        });

        it("never retries a 400", async () => {
            await m.setup();
            m.emulator.injectFault({
                route: "PUT /secrets/:name",
                status: 400,
                body: '{"error":"Invalid request format","code":"GENERIC_BAD_REQUEST"}',
            });
            assert.match(await m.message(create(agent)), /"Invalid request format"/);
            assert.equal(m.emulator.requestCount({ method: "PUT" }), 1);
        });

        it("says which setting to fix on 401, without the key", async () => {
            await m.setup({}, { "pipecat:apiKey": "pk-wrong-key-never-shown" });
            const message = await m.message(create(agent));
            assert.match(message, /401/);
            assert.match(message, /pulumi config set --secret pipecat:apiKey/);
            assert.ok(!message.includes("pk-wrong-key-never-shown"));
        });

        it("explains the image-pull update refusal", async () => {
            await m.setup();
            await create(pull);
            // Only a set changed behind the provider's back reaches this: the provider itself replaces
            // (an update, which only `in-place` sends, has its own hint: test/provider/safety.spec.ts).
            const client = new Transport({ apiUrl: m.emulator.url, apiKey: KEY, timeoutMs: 5000 });
            const message = await m.message(putImagePull(client, setCall("create", "dockerhub-pull"), "https://index.docker.io/v1/", "x"));
            assert.match(message, /cannot update an image-pull secret set in place\. This provider replaces such sets/);
        });

        it("reports a malformed success body as unexpected, after retrying", async () => {
            await m.setup();
            m.emulator.injectFault({ route: "GET /secrets", delayMs: 0, times: 1 }); // the existence check
            m.emulator.injectFault({ route: "GET /secrets", status: 200, body: "<html>oops</html>", times: Infinity });
            assert.match(
                await m.message(create(agent)),
                /^readiness check of secret set "voice-agent" failed: .*body this provider does not understand \(not JSON\)/,
            );
        });

        it("refuses to send the key over plain http to another host", async () => {
            await m.setup();
            const message = await m.message(m.configure({}, "http://api.example.com/v1"));
            assert.match(message, /Refusing to send the Pipecat API key over plain http to api.example.com/);
        });

        it("asks for the API key when none is set", async () => {
            await m.setup();
            const saved = process.env["PIPECAT_API_KEY"];
            delete process.env["PIPECAT_API_KEY"];
            try {
                await m.configure({ "pipecat:apiKey": undefined });
                assert.match(await m.message(create(agent)), /pulumi config set --secret pipecat:apiKey/);
            } finally {
                if (saved !== undefined) process.env["PIPECAT_API_KEY"] = saved;
            }
            assert.equal(m.emulator.requests.length, 0);
        });
    });
});
