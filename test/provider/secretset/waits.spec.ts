/**
 * How create and update wait for a set to become ready (waits.ts): the polling delays and the bound, on a fake clock
 * shared with the emulator (no real time passes), and what the errors say when the wait ends without a ready set.
 * Through the provider methods against the emulator over real HTTP.
 */
import * as assert from "node:assert/strict";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../../emulator";
import { secretSetProvider } from "../../../provider";
import { type Haystack, assertNoLeaks, errorHaystack } from "../../support/leaks";

const impl = require("pulumi-pipecat-secrets/implementation") as typeof import("../../../provider/secretset/implementation");

const KEY = "pk-waits-API-KEY-never-shown-0001";
const V1 = "sk-waits-VALUE-one-never-shown-1111";
const V2 = "sk-waits-VALUE-two-never-shown-2222";
const PASSWORD = "registry-PASSWORD-waits-never-shown-3333";

type Props = Record<string, unknown>;

let emulator: Emulator;
let clock: number;
let sleeps: number[];
const failures: Haystack[] = [];

async function setup(options: EmulatorOptions = {}, config: Record<string, string> = {}): Promise<void> {
    clock = 1_000_000;
    sleeps = [];
    emulator = await startEmulator({ apiKey: KEY, now: () => clock, ...options });
    await configure(config);
    impl.setTestHooks({
        sleep: async (ms) => {
            sleeps.push(ms);
            clock += ms;
        },
        now: () => clock,
        random: () => 0.5,
    });
}

async function configure(config: Record<string, string>): Promise<void> {
    const values: Record<string, string> = { "pipecat:apiKey": KEY, "pipecat:apiUrl": emulator.url, ...config };
    await secretSetProvider.configure!({ config: { get: (k: string) => values[k], require: (k: string) => values[k] ?? assert.fail(k) } });
}

async function failure(op: Promise<unknown>): Promise<string> {
    try {
        await op;
    } catch (e) {
        failures.push(errorHaystack(`failure #${failures.length}`, e));
        return (e as Error).message;
    }
    return assert.fail("expected the operation to fail");
}

const seen = () => emulator.requests.map((r) => `${r.method} ${r.path.replace("/v1", "")} ${r.status}`);

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
    afterEach(async () => {
        impl.setTestHooks({});
        await emulator?.close();
    });

    after(() => assertNoLeaks(failures, [KEY, V1, V2, PASSWORD, Buffer.from(`bot:${PASSWORD}`).toString("base64")], "error"));

    it("polls with delays that double from 250 ms up to 5 s, until the set is ready", async () => {
        await setup({ readyAfterMs: 20_000 });
        const outs = await create(regular);
        assert.deepEqual(sleeps, [250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
        // One readiness read before the first sleep and one after each: the last finds the set ready.
        assert.deepEqual(seen().slice(2), Array<string>(sleeps.length + 1).fill("GET /secrets/voice-secrets 200"));
        assert.equal(outs["status"], "ready");
        assert.equal(emulator.snapshot()["voice-secrets"]?.status, "ready");
    });

    it("uses the whole bound: a poll that ends exactly at it still happens, and the message rounds the time waited", async () => {
        // 250 + 500 + 1000 + 2000 + 4000 ms = 7.75 s: the fifth sleep ends exactly at the bound.
        await setup({ readyAfterMs: 600_000 }, { "pipecat:readyTimeoutSeconds": "7.75" });
        const message = await failure(create(regular));
        assert.deepEqual(sleeps, [250, 500, 1000, 2000, 4000]);
        assert.equal(
            message,
            'Secret set "voice-secrets" was still pending after 8 s (pipecat:readyTimeoutSeconds is 7.75). The partly created set was deleted again. ' +
                "Raise the bound, for example `pulumi config set pipecat:readyTimeoutSeconds 900`, then run `pulumi up`: it creates the set again and waits up to the new bound.",
        );
        assert.equal(emulator.snapshot()["voice-secrets"], undefined);
    });

    it("after an update, says that the values were written and how to wait longer", async () => {
        await setup({ readyAfterMs: 60_000 }, { "pipecat:readyTimeoutSeconds": "90" });
        const olds = await create(regular);
        await configure({ "pipecat:readyTimeoutSeconds": "30" });
        sleeps = [];
        const news = await checked({ name: "voice-secrets", secrets: { A: V2 } }, olds);
        const message = await failure(secretSetProvider.update!("voice-secrets", olds, news));
        // 250 + 500 + ... + 5000 ms: 27.75 s; one more poll would end after the bound.
        assert.deepEqual(sleeps, [250, 500, 1000, 2000, 4000, 5000, 5000, 5000, 5000]);
        assert.equal(
            message,
            'Secret set "voice-secrets" was still pending after 28 s (pipecat:readyTimeoutSeconds is 30). The values were written and Pipecat Cloud is still provisioning them. ' +
                "Raise the bound, for example `pulumi config set pipecat:readyTimeoutSeconds 900`, then run `pulumi up`: it writes the set again and waits up to the new bound.",
        );
    });

    it("fails at once on a set whose provisioning failed, quoting the API's errorMessage, or the fact alone when there is none", async () => {
        await setup({ readyAfterMs: 1_000 });
        emulator.failProvisioning({ setName: "voice-secrets", errorMessage: "quota exceeded" });
        assert.equal(
            await failure(create(regular)),
            'Pipecat Cloud failed to provision secret set "voice-secrets": "quota exceeded". Fix the cause if the message names one, then run `pulumi up` again. ' +
                "The partly created set was deleted again. Run `pulumi up` to retry.",
        );
        // An image-pull set is read from the list, whose rows carry no errorMessage.
        emulator.failProvisioning({ setName: "voice-registry", errorMessage: "quota exceeded" });
        sleeps = [];
        assert.equal(
            await failure(create(pull)),
            'Pipecat Cloud failed to provision secret set "voice-registry". Fix the cause if the message names one, then run `pulumi up` again. ' +
                "The partly created set was deleted again. Run `pulumi up` to retry.",
        );
        // It does not wait for a failed set to change its mind: failed once the first 1 s of pending was over.
        assert.deepEqual(sleeps, [250, 500, 1000]);
        assert.deepEqual(emulator.snapshot(), {});
    });

    for (const [kind, inputs] of [
        ["regular", regular],
        ["image-pull", pull],
    ] as const) {
        it(`fails when the ${kind} set disappears while it waits`, async () => {
            // An emulator that updates image-pull sets in place, as the API does since March 2026.
            await setup({ readyAfterMs: 1_000, imagePullUpdates: "accept" });
            const olds = await create(inputs);
            impl.setTestHooks({
                sleep: async (ms) => void ((clock += ms), emulator.deleteDirect(inputs.name)),
                now: () => clock,
                random: () => 0.5,
            });
            await configure({ "pipecat:imagePullUpdates": "in-place" });
            const news = await checked(
                kind === "regular"
                    ? { ...regular, secrets: { A: V2 } }
                    : { ...pull, imagePullSecret: { ...pull.imagePullSecret, password: `${PASSWORD}-new` } },
                olds,
            );
            assert.equal(
                await failure(secretSetProvider.update!(inputs.name, olds, news)),
                `Secret set "${inputs.name}" disappeared while the provider waited for it to become ready.`,
            );
        });
    }

    it("takes a set whose answer has no status as ready, in the region that answer names when the PUT's named none", async () => {
        await setup({ readyAfterMs: 600_000 });
        emulator.injectFault({ route: "PUT /secrets/:name", status: 202, body: '{"status":"OK"}', afterApply: true });
        emulator.injectFault({
            route: "GET /secrets/:name",
            status: 200,
            body: '{"secrets":[{"fieldName":"A"}],"region":"us-east","source":"managed"}',
        });
        const outs = await create(regular);
        assert.deepEqual(sleeps, []);
        assert.deepEqual([outs["status"], outs["region"]], ["ready", "us-east"]);
    });

    it("reads the list row of a set that its read by name does not find yet (a 404 of another wording), until it is ready", async () => {
        await setup({ readyAfterMs: 500 });
        emulator.injectFault({ route: "GET /secrets/:name", status: 404, body: '{"error":"Not Found"}', times: Infinity });
        const outs = await create(regular);
        // Each poll: the read by name, the list that shows the set still exists, and its row.
        const poll = ["GET /secrets/voice-secrets 404", "GET /secrets 200", "GET /secrets 200"];
        assert.deepEqual(seen(), ["GET /secrets 200", "PUT /secrets/voice-secrets 202", ...poll, ...poll, ...poll]);
        assert.deepEqual(sleeps, [250, 500]);
        assert.equal(outs["status"], "ready");
    });

    it("waits for an image-pull set's own row of the list, not another set's", async () => {
        await setup({ readyAfterMs: 1_000 });
        await create(regular);
        clock += 1_000; // the regular set is ready, listed first
        sleeps = [];
        await create(pull);
        assert.deepEqual(sleeps, [250, 500, 1000]);
        assert.equal(emulator.snapshot()["voice-registry"]?.status, "ready");
    });

    it("does not ask the list again when the list itself is not found (a wrong pipecat:apiUrl answers 404 everywhere)", async () => {
        await setup({ readyAfterMs: 500 });
        emulator.injectFault({ route: "GET /secrets/:name", status: 404, body: '{"error":"Not Found"}', times: Infinity });
        emulator.injectFault({ route: "GET /secrets", delayMs: 0, times: 1 }); // the existence check
        emulator.injectFault({ route: "GET /secrets", status: 404, body: '{"error":"Not Found"}', times: Infinity });
        const message = await failure(create(regular));
        assert.match(message, /^readiness check of secret set "voice-secrets" failed: Pipecat Cloud answered GET \/secrets with 404/);
        assert.deepEqual(seen().slice(0, 4), [
            "GET /secrets 200",
            "PUT /secrets/voice-secrets 202",
            "GET /secrets/voice-secrets 404",
            "GET /secrets 404",
        ]);
        assert.equal(seen()[4]?.startsWith("DELETE"), true, seen().join("\n"));
    });

    it("after an adoption's readiness timeout, says that the values were written and how to wait longer", async () => {
        await setup({ readyAfterMs: 600_000 }, { "pipecat:readyTimeoutSeconds": "30" });
        emulator.seed("voice-secrets", { secrets: { A: "old" } });
        assert.equal(
            await failure(create({ ...regular, adopt: true })),
            'Secret set "voice-secrets" was still pending after 28 s (pipecat:readyTimeoutSeconds is 30). The values were written and Pipecat Cloud is still provisioning them. ' +
                "Raise the bound, for example `pulumi config set pipecat:readyTimeoutSeconds 900`, then run `pulumi up`: it writes the set again and waits up to the new bound.",
        );
    });
});
