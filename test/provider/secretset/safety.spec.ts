/**
 * The provider never loses a set: each test is a path that reaches a DELETE (or skips one), or a
 * check that must come before one, against the emulator over real HTTP with real provisioning
 * delays on a fake clock shared by the provider and the emulator. Engine-driven paths (a pending
 * replacement, `--replace`, aliases) are proven through the real engine in test/e2e/safety.spec.ts.
 */
import * as assert from "node:assert/strict";
import { startEmulator } from "../../../emulator";
import { secretSetProvider } from "../../../provider";
import { redact } from "../../../provider/errors";
import { resolveSettings } from "../../../provider/settings";
import { UNKNOWN } from "../../../provider/secretset/schema";
import { ProviderMethods } from "../../support/provider";

type Implementation = typeof import("../../../provider/secretset/implementation");
const impl = require("pulumi-pipecat-secrets/implementation") as Implementation;

const KEY = "pk-safety-API-KEY-never-shown-0001";
const V1 = "sk-safety-VALUE-one-never-shown-1111";
const V2 = "sk-safety-VALUE-two-never-shown-2222";
const PASSWORD = "registry-PASSWORD-safety-3333";
const SECRETS = [KEY, V1, V2, PASSWORD, Buffer.from(`bot:${PASSWORD}`).toString("base64")];
/** Every write leaves a set pending this long (fake time): waits are exercised, not skipped. */
const READY_AFTER_MS = 1_500;

type Props = Record<string, unknown>;

const m = new ProviderMethods({ provider: secretSetProvider, apiKey: KEY, emulator: { readyAfterMs: READY_AFTER_MS } });

async function checked(inputs: Props, olds: Props = {}): Promise<Props> {
    const r = await secretSetProvider.check!(olds, inputs);
    assert.deepEqual(r.failures ?? [], []);
    return r.inputs;
}

async function create(inputs: Props): Promise<Props> {
    return (await secretSetProvider.create(await checked(inputs))).outs as Props;
}

const regular = { name: "voice-agent", secrets: { OPENAI_API_KEY: V1 } };
const pull = { name: "dockerhub-pull", imagePullSecret: { host: "https://index.docker.io/v1/", username: "bot", password: PASSWORD } };
const pullValue = Buffer.from(`bot:${PASSWORD}`).toString("base64");

describe("the provider never loses a set", () => {
    afterEach(() => m.close());

    after(() => m.assertNoLeaks(SECRETS));

    describe("delete", () => {
        it("leaves a set alone that a newer resource of the stack wrote under the same name in this run", async () => {
            await m.setup();
            const old = await create(regular);
            // The engine replaced the resource create-first (`--replace`, with adopt): the new one took the set over.
            const news = await create({ ...regular, adopt: true });
            assert.notEqual(news["revision"], old["revision"]);
            m.emulator.clearRequests();
            await secretSetProvider.delete!("voice-agent", old);
            assert.deepEqual(m.seen(), [], "the old resource's delete sends nothing");
            assert.ok(m.emulator.snapshot()["voice-agent"]);
            // The resource that wrote it last still deletes it.
            await secretSetProvider.delete!("voice-agent", news);
            assert.equal(m.emulator.snapshot()["voice-agent"], undefined);
        });

        it("counts only the API's own 'Set not found' as gone: a 404 of a wrong URL fails and names pipecat:apiUrl", async () => {
            await m.setup();
            const outs = await create(regular);
            await m.configure({}, m.emulator.url.replace(/\/v1$/, ""));
            const message = await m.message(secretSetProvider.delete!("voice-agent", outs));
            assert.match(message, /pipecat:apiUrl \(or PIPECAT_API_URL\) is http:\/\/127\.0\.0\.1:\d+;/);
            assert.match(message, /https:\/\/api\.pipecat\.daily\.co\/v1/);
            assert.ok(m.emulator.snapshot()["voice-agent"], "the set lives on");
            // Refresh does not drop it from state either.
            assert.match(await m.message(secretSetProvider.read!("voice-agent", outs)), /pipecat:apiUrl/);
            await m.configure();
            m.emulator.deleteDirect("voice-agent");
            await secretSetProvider.delete!("voice-agent", outs); // "Set not found": already gone
        });

        it("tells a user whose key was rotated since the last up how refresh and destroy can use the new one", async () => {
            await m.setup();
            const outs = await create(regular);
            await m.configure({ "pipecat:apiKey": "pk-stale-key-from-the-state" });
            for (const op of [secretSetProvider.read!("voice-agent", outs), secretSetProvider.delete!("voice-agent", outs)]) {
                const message = await m.message(op);
                assert.match(message, /401/);
                assert.match(message, /saved in the state by the last `pulumi up`/);
                assert.match(message, /--run-program/);
            }
        });
    });

    describe("check before anything destructive", () => {
        it("refuses a region the organisation does not have, with the ones it has, before any write or delete", async () => {
            await m.setup();
            const olds = await checked(regular);
            const r = await secretSetProvider.check!(olds, { ...regular, region: "us-esat" });
            assert.deepEqual(r.failures, [
                {
                    property: "",
                    reason: 'region: "us-esat" is not a region this organisation can use (it has: us-west, us-east, eu-central, ap-south); did you mean "us-east"?',
                },
            ]);
            assert.deepEqual(m.seen(), ["GET /regions 200"]);
        });

        it("checks a region once per process, only when it is newly declared, and never without a key", async () => {
            await m.setup();
            const olds = await checked({ ...regular, region: "us-east" });
            await checked({ ...regular, region: "us-east" }, olds);
            await checked({ ...regular, region: "eu-central" }, olds);
            assert.deepEqual(m.seen(), ["GET /regions 200"]);
            await m.configure({ "pipecat:apiKey": "" });
            impl.setTestHooks({ sleep: async (ms) => void (m.clock += ms), now: () => m.clock });
            m.emulator.clearRequests();
            await checked({ ...regular, region: "ap-south" });
            assert.deepEqual(m.seen(), [], "a pull-request preview without a key sends nothing");
        });

        it("does not replace a set whose new region could not be checked", async () => {
            await m.setup();
            m.emulator.injectFault({ route: "GET /regions", status: 500, times: Infinity });
            const olds = await checked(regular);
            const r = await secretSetProvider.check!(olds, { ...regular, region: "us-east" });
            assert.match(r.failures?.[0]?.reason ?? "", /^region: "us-east" could not be checked, so the set was not replaced/);
            // A new set needs no check: a wrong region would fail its PUT, and nothing is lost.
            assert.deepEqual((await secretSetProvider.check!({}, { ...regular, region: "us-east" })).failures ?? [], []);
        });

        it("keeps an autonamed set's name when the resource is renamed with aliases", async () => {
            await m.setup();
            const olds = await checked({ autonamePrefix: "old-name", secrets: { A: V1 } });
            const news = await checked({ autonamePrefix: "new-name", secrets: { A: V1 } }, olds);
            assert.equal(news["name"], olds["name"]);
        });

        it("leaves the name a preview cannot know unknown, and picks one at create", async () => {
            await m.setup();
            assert.equal((await checked({ autonamePrefix: "agent", autonameAtCreate: true, secrets: { A: V1 } }))["name"], UNKNOWN);
            assert.match(String((await checked({ autonamePrefix: "agent", secrets: { A: V1 } }))["name"]), /^agent-[a-z0-9]{7}$/);
            const olds = await checked({ autonamePrefix: "agent", secrets: { A: V1 } });
            assert.equal(
                (await checked({ autonamePrefix: "agent", autonameAtCreate: true, secrets: { A: V1 } }, olds))["name"],
                olds["name"],
            );
        });
    });

    describe("adoption", () => {
        it("updates an adopted image-pull set in place where the API allows it, without deleting", async () => {
            await m.setup({ imagePullUpdates: "accept" });
            m.emulator.seed("dockerhub-pull", {
                type: "imagePullSecret",
                host: "https://ghcr.io/",
                secretValue: "b2xkOm9sZA==",
                region: "us-east",
            });
            await create({ ...pull, adopt: true });
            // The existence check's list row says it is an image-pull set (which cannot be read by name); the adoption's
            // own list its region; then one PUT, and the readiness checks (the list again).
            const requests = m.seen();
            assert.deepEqual(requests.slice(0, 3), ["GET /secrets 200", "GET /secrets 200", "PUT /secrets/dockerhub-pull 202"]);
            assert.ok(requests.slice(3).length >= 2 && requests.slice(3).every((r) => r === "GET /secrets 200"), requests.join("\n"));
            assert.ok(!m.seen().some((r) => r.startsWith("DELETE")), m.seen().join("\n"));
            const set = m.emulator.snapshot()["dockerhub-pull"];
            assert.equal(set?.type === "imagePullSecret" && set.secretValue, pullValue);
            assert.equal(set?.region, "us-east", "an undeclared region keeps the set where it is");
            assert.equal(set?.status, "ready");
        });

        it("re-creates an adopted image-pull set in its own region where the API refuses updates", async () => {
            await m.setup();
            m.emulator.seed("dockerhub-pull", {
                type: "imagePullSecret",
                host: "https://ghcr.io/",
                secretValue: "b2xkOm9sZA==",
                region: "us-east",
            });
            await create({ ...pull, adopt: true });
            assert.deepEqual(
                m.seen().filter((r) => !r.startsWith("GET")),
                ["PUT /secrets/dockerhub-pull 400", "DELETE /secrets/dockerhub-pull 200", "PUT /secrets/dockerhub-pull 202"],
            );
            assert.equal((m.emulator.requests.filter((r) => r.method === "PUT")[1]?.body as Props)["region"], "us-east");
            assert.equal(m.emulator.snapshot()["dockerhub-pull"]?.region, "us-east");
        });

        it("refuses to adopt a set declared in another region than the one it is in, changing nothing", async () => {
            await m.setup();
            for (const [name, seed, inputs] of [
                [
                    "dockerhub-pull",
                    { type: "imagePullSecret" as const, host: "https://ghcr.io/", secretValue: "b2xkOm9sZA==", region: "us-east" },
                    pull,
                ],
                ["voice-agent", { secrets: { OPENAI_API_KEY: V2 }, region: "us-east" }, regular],
            ] as const) {
                m.emulator.seed(name, seed);
                const before = m.emulator.snapshot()[name];
                m.emulator.clearRequests();
                const message = await m.message(create({ ...inputs, adopt: true, region: "us-west" }));
                assert.match(message, new RegExp(`"${name}" exists in region "us-east" but is declared in region "us-west"`));
                assert.ok(
                    message.endsWith(
                        'adopt does not move a set, so nothing was changed. Declare `region: "us-east"` (or leave region out) to adopt it where it is, or delete it first.',
                    ),
                    message,
                );
                assert.ok(
                    m.seen().every((r) => r.startsWith("GET")),
                    m.seen().join("\n"),
                );
                assert.deepEqual(m.emulator.snapshot()[name], before);
            }
        });

        it("adopts a set declared in the region it is in", async () => {
            await m.setup();
            m.emulator.seed("voice-agent", { secrets: { OPENAI_API_KEY: V2 }, region: "us-east" });
            const outs = await create({ ...regular, adopt: true, region: "us-east" });
            assert.equal(outs["region"], "us-east");
            const set = m.emulator.snapshot()["voice-agent"];
            assert.deepEqual(set?.type === "secret" && [set.region, set.secrets], ["us-east", { OPENAI_API_KEY: V1 }]);
        });

        it("says that an adopted image-pull set's credentials are gone when re-creating it failed", async () => {
            await m.setup();
            m.emulator.seed("dockerhub-pull", { type: "imagePullSecret", host: "https://ghcr.io/", secretValue: "b2xkOm9sZA==" });
            // The oldest matching fault answers first: the API's refusal to update, then a failure for good.
            m.emulator.injectFault({
                route: "PUT /secrets/:name",
                status: 400,
                body: JSON.stringify({
                    error: "Cannot update existing image pull secrets. Delete and recreate instead.",
                    code: "GENERIC_BAD_REQUEST",
                }),
            });
            m.emulator.injectFault({ route: "PUT /secrets/:name", status: 503, times: Infinity });
            const message = await m.message(create({ ...pull, adopt: true }));
            assert.match(
                message,
                /was deleted to be created again with the declared credentials, and that failed: its previous credentials are gone/,
            );
        });

        it("deletes nothing when adopting an image-pull set fails for another reason than the refusal to update", async () => {
            for (const fault of [
                {
                    status: 400,
                    body: '{"error":"Invalid request format","code":"GENERIC_BAD_REQUEST"}',
                    times: 1,
                    shows: /400 GENERIC_BAD_REQUEST: "Invalid request format"/,
                },
                { status: 503, times: Infinity, shows: /503.*gave up after 6 attempts/ },
            ]) {
                await m.setup();
                m.emulator.seed("dockerhub-pull", { type: "imagePullSecret", host: "https://ghcr.io/", secretValue: "b2xkOm9sZA==" });
                const before = m.emulator.snapshot()["dockerhub-pull"];
                const { shows, ...spec } = fault;
                m.emulator.injectFault({ route: "PUT /secrets/:name", ...spec });
                const message = await m.message(create({ ...pull, adopt: true }));
                assert.match(message, /^adoption of secret set "dockerhub-pull" failed: /);
                assert.match(message, shows);
                assert.doesNotMatch(message, /previous credentials are gone/);
                assert.ok(!m.seen().some((r) => r.startsWith("DELETE")), m.seen().join("\n"));
                assert.deepEqual(m.emulator.snapshot()["dockerhub-pull"], before, "the set keeps its credentials");
                await m.emulator.close();
            }
            await m.setup();
        });

        it("waits until an adopted regular set is ready after deleting its extra keys", async () => {
            await m.setup();
            m.emulator.seed("voice-agent", { secrets: { OPENAI_API_KEY: V2, EXTRA: V2, constructor: V2 } });
            await create({ ...regular, adopt: true });
            const requests = m.seen();
            const lastDelete = requests.map((r) => r.startsWith("DELETE")).lastIndexOf(true);
            assert.deepEqual(requests.slice(lastDelete - 1, lastDelete + 1), [
                "DELETE /secrets/voice-agent/EXTRA 200",
                "DELETE /secrets/voice-agent/constructor 200",
            ]);
            assert.ok(
                requests.slice(lastDelete + 1).length >= 2 && requests.slice(lastDelete + 1).every((r) => r === "GET /secrets 200"),
                requests.join("\n"),
            );
            const set = m.emulator.snapshot()["voice-agent"];
            assert.equal(set?.status, "ready", "create returned while the set was still pending");
            assert.deepEqual(set?.type === "secret" && set.secrets, { OPENAI_API_KEY: V1 });
        });
    });

    describe("a failed create", () => {
        it("deletes nothing when the PUT was refused: the set may be a concurrent writer's", async () => {
            await m.setup();
            m.emulator.injectFault({
                route: "PUT /secrets/:name",
                status: 400,
                body: '{"error":"Cannot update existing regular secrets to image pull secrets","code":"GENERIC_BAD_REQUEST"}',
            });
            await m.message(create(regular));
            assert.ok(!m.seen().some((r) => r.startsWith("DELETE")), m.seen().join("\n"));
        });

        it("leaves a set in place that holds keys this program never wrote", async () => {
            await m.setup();
            // Someone else's set of the same name appears between the existence check and our PUT,
            // which merges into it; then provisioning fails.
            m.emulator.seed("voice-agent", { secrets: { THEIRS: V2, ALSO_THEIRS: V2 } });
            m.emulator.injectFault({ route: "GET /secrets", status: 200, body: '{"sets":[]}' });
            m.emulator.failProvisioning({ setName: "voice-agent" });
            const message = await m.message(secretSetProvider.create(await checked(regular)));
            assert.match(message, /keys this program did not write \(ALSO_THEIRS, THEIRS\), so it was left in place/);
            assert.ok(m.emulator.snapshot()["voice-agent"]);
        });

        it("says nothing was left behind when the rollback found the set gone", async () => {
            await m.setup();
            m.emulator.failProvisioning({ setName: "voice-agent" });
            // Someone deleted it first: the DELETE is applied, and answered 404.
            m.emulator.injectFault({
                route: "DELETE /secrets/:name",
                status: 404,
                body: '{"error":"Set not found","code":"NOT_FOUND"}',
                afterApply: true,
            });
            const message = await m.message(create(regular));
            assert.match(message, /Nothing was left behind in Pipecat Cloud\. Run `pulumi up` to retry\./);
            assert.doesNotMatch(message, /deleted again/);
        });

        it("after a readiness timeout, deletes the set and says to raise the bound, which then works", async () => {
            await m.setup({ readyAfterMs: 120_000 }, { "pipecat:readyTimeoutSeconds": "60" });
            const message = await m.message(create(regular));
            assert.match(message, /still pending after \d+ s \(pipecat:readyTimeoutSeconds is 60\)/);
            assert.match(message, /deleted again\. Raise the bound, for example `pulumi config set pipecat:readyTimeoutSeconds 900`/);
            assert.doesNotMatch(message, /keep waiting/);
            assert.equal(m.emulator.snapshot()["voice-agent"], undefined);
            await m.configure({ "pipecat:readyTimeoutSeconds": "300" });
            const outs = await create(regular);
            assert.equal(outs["status"], "ready");
            assert.equal(m.emulator.snapshot()["voice-agent"]?.status, "ready");
        });

        it("after an update's readiness timeout, says to raise the bound, which then converges", async () => {
            await m.setup({}, { "pipecat:readyTimeoutSeconds": "60" });
            const olds = await create(regular);
            await m.emulator.close();
            m.emulator = await startEmulator({ apiKey: KEY, now: () => m.clock, readyAfterMs: 120_000 });
            m.emulator.seed("voice-agent", { secrets: { OPENAI_API_KEY: V1 } });
            await m.configure({ "pipecat:readyTimeoutSeconds": "60" });
            const news = await checked({ name: "voice-agent", secrets: { OPENAI_API_KEY: V2 } }, olds);
            const message = await m.message(secretSetProvider.update!("voice-agent", olds, news));
            assert.match(message, /still pending after \d+ s .* The values were written .* Raise the bound/);
            await m.configure({ "pipecat:readyTimeoutSeconds": "300" });
            await secretSetProvider.update!("voice-agent", olds, news);
            const set = m.emulator.snapshot()["voice-agent"];
            assert.deepEqual(set?.type === "secret" && [set.status, set.secrets], ["ready", { OPENAI_API_KEY: V2 }]);
        });
    });

    describe("responses the provider does not know", () => {
        it("waits on an unknown status like pending and never mistakes it for ready", async () => {
            await m.setup({ readyAfterMs: 0 }, { "pipecat:readyTimeoutSeconds": "10" });
            m.emulator.injectFault({ route: "GET /secrets", delayMs: 0, times: 1 }); // the existence check
            m.emulator.injectFault({
                route: "GET /secrets",
                status: 200,
                body: '{"sets":[{"name":"voice-agent","type":"secret","region":"us-west","status":"provisioning","source":"managed"}]}',
                times: Infinity,
            });
            const message = await m.message(create(regular));
            assert.match(message, /still in status "provisioning" after \d+ s/);
        });

        it("takes a PUT answered 200 (before 2026-05-07) or 202 (since), with fields it does not know, as success", async () => {
            for (const status of [200, 202]) {
                await m.setup({ readyAfterMs: 0 });
                const body = JSON.stringify({ status: "OK", region: "us-west", source: "managed", requestId: "r-1" });
                m.emulator.injectFault({ route: "PUT /secrets/:name", status, body, afterApply: true });
                const outs = await create(regular);
                assert.equal(outs["region"], "us-west");
                assert.equal(m.emulator.requestCount({ method: "PUT", status }), 1);
                await m.emulator.close();
            }
            await m.setup();
        });

        it("reads an image-pull set from a list with a kind and a status it does not know", async () => {
            await m.setup({ readyAfterMs: 0 });
            const outs = await create(pull);
            const list = JSON.stringify({
                sets: [
                    { name: "other", type: "referencedSecret", status: "linked" },
                    { name: "dockerhub-pull", type: "imagePullSecret", region: "us-west", status: "failed", source: "managed" },
                ],
            });
            m.emulator.injectFault({ route: "GET /secrets", status: 200, body: list, times: Infinity });
            const read = await secretSetProvider.read!("dockerhub-pull", outs);
            assert.equal((read.props as Props)["status"], "failed", "refresh shows a set that failed outside Pulumi");
        });
    });

    describe("image-pull updates in place (pipecat:imagePullUpdates in-place)", () => {
        it("writes new credentials with one PUT of the full body and waits, without a DELETE", async () => {
            await m.setup({ imagePullUpdates: "accept" }, { "pipecat:imagePullUpdates": "in-place" });
            const olds = await create({ ...pull, region: "us-east" });
            m.emulator.clearRequests();
            const rotated = { name: "dockerhub-pull", imagePullSecret: { host: "https://ghcr.io/", username: "bot", password: V2 } };
            const news = await checked(rotated, olds);
            assert.deepEqual(await secretSetProvider.diff!("dockerhub-pull", olds, news), { replaces: [], deleteBeforeReplace: true });
            const result = await secretSetProvider.update!("dockerhub-pull", olds, news);
            const requests = m.seen();
            assert.equal(requests[0], "PUT /secrets/dockerhub-pull 202");
            assert.ok(requests.slice(1).length >= 2 && requests.slice(1).every((r) => r === "GET /secrets 200"), requests.join("\n"));
            assert.deepEqual(m.emulator.requests[0]?.body, {
                isImagePullSecret: true,
                host: "https://ghcr.io/",
                secretValue: Buffer.from(`bot:${V2}`).toString("base64"),
                region: "us-east",
            });
            const set = m.emulator.snapshot()["dockerhub-pull"];
            assert.deepEqual(set?.type === "imagePullSecret" && [set.status, set.host], ["ready", "https://ghcr.io/"]);
            assert.notEqual(result.outs?.["revision"], olds["revision"]);
        });

        it("fails with a message naming the setting when the API refuses in-place updates", async () => {
            await m.setup({}, { "pipecat:imagePullUpdates": "in-place" });
            const olds = await create(pull);
            const news = await checked({ ...pull, imagePullSecret: { ...pull.imagePullSecret, password: V2 } }, olds);
            const message = await m.message(secretSetProvider.update!("dockerhub-pull", olds, news));
            assert.match(message, /Cannot update existing image pull secrets/);
            assert.match(message, /`pulumi config set pipecat:imagePullUpdates replace`/);
            assert.ok(!m.seen().some((r) => r.startsWith("DELETE")));
        });

        it("refuses an unknown value of the setting, naming it", () => {
            assert.throws(
                () => resolveSettings(undefined, { PIPECAT_IMAGE_PULL_UPDATES: "inplace" }),
                /pipecat:imagePullUpdates \(or PIPECAT_IMAGE_PULL_UPDATES\) must be "replace" or "in-place", got "inplace"/,
            );
            assert.equal(resolveSettings(undefined, {}).imagePullUpdates, "replace");
        });
    });

    describe("referenced sets and final conflicts", () => {
        it("never creates, adopts or writes over a referenced set", async () => {
            await m.setup();
            m.emulator.seed("voice-agent", { secrets: {}, referenced: true });
            for (const inputs of [regular, { ...regular, adopt: true }]) {
                m.emulator.clearRequests();
                const message = await m.message(create(inputs));
                assert.match(message, /"voice-agent" exists in Pipecat Cloud as a referenced set .* neither creates, adopts nor writes it/);
                assert.ok(
                    message.endsWith(" Choose another name, or leave the set out of the program and bind it to agents by its name."),
                    message,
                );
                assert.deepEqual(m.seen(), ["GET /secrets 200"]);
            }
            assert.deepEqual(m.emulator.snapshot()["voice-agent"], {
                type: "secret",
                region: "us-west",
                status: "ready",
                secrets: {},
                referenced: true,
            });
        });

        it("drops from state a set whose name became a referenced set, instead of repairing its keys", async () => {
            await m.setup();
            const outs = await create(regular);
            m.emulator.deleteDirect("voice-agent");
            m.emulator.seed("voice-agent", { secrets: {}, referenced: true });
            assert.deepEqual(await secretSetProvider.read!("voice-agent", outs), { id: "", props: {} });
            const pullOuts = await create(pull);
            m.emulator.deleteDirect("dockerhub-pull");
            m.emulator.seed("dockerhub-pull", { secrets: {}, referenced: true });
            assert.deepEqual(await secretSetProvider.read!("dockerhub-pull", pullOuts), { id: "", props: {} });
        });

        it("fails at once on a 409 that is not the documented concurrent modification, and retries that one", async () => {
            await m.setup({ readyAfterMs: 0 });
            m.emulator.injectFault({
                route: "PUT /secrets/:name",
                status: 409,
                body: '{"error":"Secret set is referenced","code":"CONFLICT"}',
            });
            const message = await m.message(create(regular));
            assert.match(
                message,
                /409 CONFLICT: "Secret set is referenced"\. Pipecat Cloud refused the write as a conflict that retrying cannot resolve/,
            );
            assert.doesNotMatch(message, /gave up after/);
            assert.equal(m.emulator.requestCount({ method: "PUT" }), 1);
            m.emulator.clearRequests();
            m.emulator.injectFault({ route: "PUT /secrets/:name", status: 409, times: 2 }); // the documented body
            await create(regular);
            assert.equal(m.emulator.requestCount({ method: "PUT" }), 3);
        });
    });

    describe("settings and redaction", () => {
        it("combines pipecat:adopt and PIPECAT_ADOPT", () => {
            const s = resolveSettings({ get: (k) => (k === "pipecat:adopt" ? "a, b" : undefined) }, { PIPECAT_ADOPT: "c" });
            assert.deepEqual([...s.adopt].sort(), ["a", "b", "c"]);
        });

        it("redacts JSON-escaped values and short values that stand alone", () => {
            const quoted = 'pa"ss\\word\nx';
            assert.equal(redact(`body {"v":${JSON.stringify(quoted)}}`, [quoted]), 'body {"v":"[secret]"}');
            assert.equal(redact("value 'ab' refused; about abc", ["ab"]), "value '[secret]' refused; about abc");
            assert.equal(redact("x=7 after 17 s", ["7"]), "x=[secret] after 17 s");
        });
    });
});
