/**
 * How create and update wait for a set to become ready (waits.ts): the list on the shared ticker's ticks and the
 * bound, on a fake clock shared with the emulator (no real time passes), and what the errors say when the wait ends
 * without a ready set. Through the provider methods against the emulator over real HTTP.
 */
import * as assert from "node:assert/strict";
import { secretSetProvider } from "../../../provider";
import { TICK_MS } from "../../../provider/ticker";
import { ProviderMethods } from "../../support/provider";

const impl = require("pulumi-pipecat-secrets/implementation") as typeof import("../../../provider/secretset/implementation");

const KEY = "pk-waits-API-KEY-never-shown-0001";
const V1 = "sk-waits-VALUE-one-never-shown-1111";
const V2 = "sk-waits-VALUE-two-never-shown-2222";
const PASSWORD = "registry-PASSWORD-waits-never-shown-3333";

type Props = Record<string, unknown>;

const m = new ProviderMethods({ provider: secretSetProvider, apiKey: KEY });

async function checked(inputs: Props, olds: Props = {}): Promise<Props> {
    const r = await secretSetProvider.check!(olds, inputs);
    assert.deepEqual(r.failures ?? [], []);
    return r.inputs;
}

async function create(inputs: Props): Promise<Props> {
    return (await secretSetProvider.create(await checked(inputs))).outs as Props;
}

const regular = { name: "voice-secrets", secrets: { A: V1 } };
const pull = { name: "voice-registry", imagePullSecret: { host: "https://ghcr.io/", username: "bot", password: PASSWORD } };

describe("waitUntilReady", () => {
    afterEach(() => m.close());

    after(() => m.assertNoLeaks([KEY, V1, V2, PASSWORD, Buffer.from(`bot:${PASSWORD}`).toString("base64")]));

    it("looks at the sets list at once after the write, then on every tick, until the set is ready", async () => {
        // Ready within LONG_WAIT_MS: short ticks all along.
        await m.setup({ readyAfterMs: 10_000 });
        const outs = await create(regular);
        assert.deepEqual(m.sleeps, Array<number>(Math.ceil(10_000 / TICK_MS)).fill(TICK_MS));
        // One list before the first tick's wait and one after each: the last finds the set ready. Never a read by name.
        assert.deepEqual(m.seen().slice(2), Array<string>(m.sleeps.length + 1).fill("GET /secrets 200"));
        assert.equal(outs["status"], "ready");
        assert.equal(m.emulator.snapshot()["voice-secrets"]?.status, "ready");
    });

    it("uses the whole bound: a look exactly at it still happens, and the message rounds the time waited", async () => {
        // 14 ticks end exactly at the bound.
        const bound = (14 * TICK_MS) / 1000;
        await m.setup({ readyAfterMs: 600_000 }, { "pipecat:readyTimeoutSeconds": String(bound) });
        const message = await m.message(create(regular));
        assert.deepEqual(m.sleeps, Array<number>(14).fill(TICK_MS));
        assert.equal(m.emulator.requestCount({ route: "GET /secrets" }), 1 + 15, "the existence check, then a look at each tick");
        assert.equal(
            message,
            `Secret set "voice-secrets" was still pending after ${Math.round(bound)} s (pipecat:readyTimeoutSeconds is ${bound}). The partly created set was deleted again. ` +
                "Raise the bound, for example `pulumi config set pipecat:readyTimeoutSeconds 900`, then run `pulumi up`: it creates the set again and waits up to the new bound.",
        );
        assert.equal(m.emulator.snapshot()["voice-secrets"], undefined);
    });

    it("after an update, says that the values were written and how to wait longer", async () => {
        await m.setup({ readyAfterMs: 60_000 }, { "pipecat:readyTimeoutSeconds": "90" });
        const olds = await create(regular);
        await m.configure({ "pipecat:readyTimeoutSeconds": "12" });
        m.sleeps = [];
        const news = await checked({ name: "voice-secrets", secrets: { A: V2 } }, olds);
        const message = await m.message(secretSetProvider.update!("voice-secrets", olds, news));
        // A look on every tick up to the bound; one more would start after it.
        assert.deepEqual(m.sleeps, Array<number>(Math.floor(12_000 / TICK_MS)).fill(TICK_MS));
        assert.equal(
            message,
            `Secret set "voice-secrets" was still pending after ${Math.round((Math.floor(12_000 / TICK_MS) * TICK_MS) / 1000)} s (pipecat:readyTimeoutSeconds is 12).` +
                " The values were written and Pipecat Cloud is still provisioning them. " +
                "Raise the bound, for example `pulumi config set pipecat:readyTimeoutSeconds 900`, then run `pulumi up`: it writes the set again and waits up to the new bound.",
        );
    });

    it("fails at once on a set whose provisioning failed, quoting the API's errorMessage, or the fact alone when there is none", async () => {
        await m.setup({ readyAfterMs: 1_000 });
        m.emulator.failProvisioning({ setName: "voice-secrets", errorMessage: "quota exceeded" });
        assert.equal(
            await m.message(create(regular)),
            'Pipecat Cloud failed to provision secret set "voice-secrets": "quota exceeded". Fix the cause if the message names one, then run `pulumi up` again. ' +
                "The partly created set was deleted again. Run `pulumi up` to retry.",
        );
        // An image-pull set is read from the list, whose rows carry no errorMessage.
        m.emulator.failProvisioning({ setName: "voice-registry", errorMessage: "quota exceeded" });
        m.sleeps = [];
        assert.equal(
            await m.message(create(pull)),
            'Pipecat Cloud failed to provision secret set "voice-registry". Fix the cause if the message names one, then run `pulumi up` again. ' +
                "The partly created set was deleted again. Run `pulumi up` to retry.",
        );
        // It does not wait for a failed set to change its mind: failed at the first tick after 1 s of pending.
        assert.deepEqual(m.sleeps, Array<number>(Math.ceil(1_000 / TICK_MS)).fill(TICK_MS));
        // The list's rows carry no errorMessage: the failed regular set was read by name once, the image-pull set never.
        assert.equal(m.emulator.requestCount({ route: "GET /secrets/:name" }), 1);
        assert.deepEqual(m.emulator.snapshot(), {});
    });

    for (const [kind, inputs] of [
        ["regular", regular],
        ["image-pull", pull],
    ] as const) {
        it(`fails when the ${kind} set disappears while it waits`, async () => {
            // An emulator that updates image-pull sets in place, as the API does since March 2026.
            await m.setup({ readyAfterMs: 1_000, imagePullUpdates: "accept" });
            const olds = await create(inputs);
            impl.setTestHooks({
                sleep: async (ms) => void ((m.clock += ms), m.emulator.deleteDirect(inputs.name)),
                now: () => m.clock,
                random: () => 0.5,
            });
            await m.configure({ "pipecat:imagePullUpdates": "in-place" });
            const news = await checked(
                kind === "regular"
                    ? { ...regular, secrets: { A: V2 } }
                    : { ...pull, imagePullSecret: { ...pull.imagePullSecret, password: `${PASSWORD}-new` } },
                olds,
            );
            assert.equal(
                await m.message(secretSetProvider.update!(inputs.name, olds, news)),
                `Secret set "${inputs.name}" disappeared while the provider waited for it to become ready.`,
            );
        });
    }

    for (const [kind, inputs, reads] of [
        ["regular", regular, 2],
        ["image-pull", pull, 2],
    ] as const) {
        it(`waits on a ${kind} set that a list lagging behind the write does not show yet, since a read by name finds it`, async () => {
            await m.setup({ readyAfterMs: 1_000, imagePullUpdates: "accept" });
            m.emulator.injectFault({ route: "GET /secrets", delayMs: 0, times: 1 }); // the existence check
            m.emulator.injectFault({ route: "GET /secrets", status: 200, body: '{"sets":[]}', times: 2 });
            const outs = await create(inputs);
            assert.equal(outs["status"], "ready");
            // Each list without the set is checked by name (an image-pull set answers 400: it exists, so it is waited on).
            assert.equal(m.emulator.requestCount({ route: "GET /secrets/:name" }), reads);
            assert.equal(m.emulator.requestCount({ method: "DELETE" }), 0);
            assert.equal(m.emulator.snapshot()[inputs.name]?.status, "ready");
        });
    }

    it("takes a set whose list row has no status as ready, in the region that row names when the PUT's named none", async () => {
        await m.setup({ readyAfterMs: 600_000 });
        m.emulator.injectFault({ route: "PUT /secrets/:name", status: 202, body: '{"status":"OK"}', afterApply: true });
        m.emulator.injectFault({ route: "GET /secrets", delayMs: 0, times: 1 }); // the existence check
        m.emulator.injectFault({
            route: "GET /secrets",
            status: 200,
            body: '{"sets":[{"name":"voice-secrets","type":"secret","region":"us-east","source":"managed"}]}',
        });
        const outs = await create(regular);
        assert.deepEqual(m.sleeps, []);
        assert.deepEqual([outs["status"], outs["region"]], ["ready", "us-east"]);
    });

    it("never reads a pending set by name: a set not yet readable by name (a 404 of another wording) is ready by its list row", async () => {
        await m.setup({ readyAfterMs: 500 });
        m.emulator.injectFault({ route: "GET /secrets/:name", status: 404, body: '{"error":"Not Found"}', times: Infinity });
        const outs = await create(regular);
        const looks = Math.ceil(500 / TICK_MS) + 1;
        assert.deepEqual(m.seen(), [
            "GET /secrets 200",
            "PUT /secrets/voice-secrets 202",
            ...Array<string>(looks).fill("GET /secrets 200"),
        ]);
        assert.deepEqual(m.sleeps, Array<number>(looks - 1).fill(TICK_MS));
        assert.equal(outs["status"], "ready");
    });

    it("waits for an image-pull set's own row of the list, not another set's", async () => {
        await m.setup({ readyAfterMs: 1_000 });
        await create(regular);
        m.clock += 1_000; // the regular set is ready, listed first
        m.sleeps = [];
        await create(pull);
        assert.deepEqual(m.sleeps, Array<number>(Math.ceil(1_000 / TICK_MS)).fill(TICK_MS));
        assert.equal(m.emulator.snapshot()["voice-registry"]?.status, "ready");
    });

    it("fails at once, naming the set, when the list itself is not found (a wrong pipecat:apiUrl answers 404 everywhere)", async () => {
        await m.setup({ readyAfterMs: 500 });
        m.emulator.injectFault({ route: "GET /secrets", delayMs: 0, times: 1 }); // the existence check
        m.emulator.injectFault({ route: "GET /secrets", status: 404, body: '{"error":"Not Found"}', times: Infinity });
        const message = await m.message(create(regular));
        assert.match(message, /^readiness check of secret set "voice-secrets" failed: Pipecat Cloud answered GET \/secrets with 404/);
        assert.deepEqual(m.seen().slice(0, 3), ["GET /secrets 200", "PUT /secrets/voice-secrets 202", "GET /secrets 404"]);
        assert.equal(m.seen()[3]?.startsWith("DELETE"), true, m.seen().join("\n"));
    });

    it("after an adoption's readiness timeout, says that the values were written and how to wait longer", async () => {
        await m.setup({ readyAfterMs: 600_000 }, { "pipecat:readyTimeoutSeconds": "12" });
        m.emulator.seed("voice-secrets", { secrets: { A: "old" } });
        assert.equal(
            await m.message(create({ ...regular, adopt: true })),
            `Secret set "voice-secrets" was still pending after ${Math.round((Math.floor(12_000 / TICK_MS) * TICK_MS) / 1000)} s (pipecat:readyTimeoutSeconds is 12).` +
                " The values were written and Pipecat Cloud is still provisioning them. " +
                "Raise the bound, for example `pulumi config set pipecat:readyTimeoutSeconds 900`, then run `pulumi up`: it writes the set again and waits up to the new bound.",
        );
    });

    it("serves every pending set of the process with one list request per tick", async () => {
        await m.setup({ readyAfterMs: 1_000 });
        const names = Array.from({ length: 8 }, (_, i) => `voice-secrets-${i}`);
        await Promise.all(names.map((name) => create({ name, secrets: { A: V1 } })));
        assert.deepEqual(
            names.map((name) => m.emulator.snapshot()[name]?.status),
            names.map(() => "ready"),
        );
        // Eight existence checks, then one list per tick: the first at once, one after each wait.
        const ticks = m.sleeps.length + 1;
        assert.ok(
            m.sleeps.every((ms) => ms === TICK_MS),
            m.sleeps.join(", "),
        );
        assert.equal(m.emulator.requestCount({ route: "GET /secrets" }), names.length + ticks);
        assert.equal(m.emulator.requestCount({ route: "GET /secrets/:name" }), 0);
    });

    it("after a create's readiness timeout, reads the set's keys and leaves a set holding keys this program never wrote", async () => {
        await m.setup({ readyAfterMs: 600_000 }, { "pipecat:readyTimeoutSeconds": "2" });
        // Someone else's set of the same name appears between the existence check and the PUT, which merges into it.
        m.emulator.seed("voice-secrets", { secrets: { THEIRS: V2 } });
        m.emulator.injectFault({ route: "GET /secrets", status: 200, body: '{"sets":[]}' });
        const message = await m.message(create(regular));
        assert.match(message, /^Secret set "voice-secrets" was still pending after 2 s/);
        assert.match(message, /keys this program did not write \(THEIRS\), so it was left in place/);
        assert.ok(m.emulator.snapshot()["voice-secrets"]);
        assert.equal(m.emulator.requestCount({ route: "GET /secrets/:name" }), 1, "one read by name, for the keys, at the timeout");
    });
});
