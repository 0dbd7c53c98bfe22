/**
 * Referenced image-pull sets (a Kubernetes Secret registered by name, listed by `GET /secrets` with
 * `type: "imagePullSecret", source: "referenced"`): the provider never keeps one in state and never writes or
 * deletes one. An image-pull set cannot be read by name, so the list row's `source` is the only sign of it: a
 * referenced image-pull set has the managed one's kind, region and readiness. Against the emulator over real HTTP,
 * on a fake clock shared with it. Referenced regular sets are in safety.spec.ts.
 */
import * as assert from "node:assert/strict";
import { type Emulator, startEmulator } from "../../../emulator";
import { secretSetProvider } from "../../../provider";
import { assertNoLeaks } from "../../support/leaks";
import { requestLines } from "../../support/stack";

type Implementation = typeof import("../../../provider/secretset/implementation");
// The shim requires the compiled implementation by package name: hooks must reach that same module.
const impl = require("pulumi-pipecat-secrets/implementation") as Implementation;

const KEY = "pk-referenced-API-KEY-never-shown-0501";
const PASSWORD = "registry-PASSWORD-referenced-0502";
const PULL_VALUE = Buffer.from(`bot:${PASSWORD}`).toString("base64");
/** What the registered Kubernetes Secret holds: its owner's credentials, not the program's. */
const THEIR_VALUE = Buffer.from("owner:their-TOKEN-referenced-0503").toString("base64");

type Props = Record<string, unknown>;

const pull = { name: "dockerhub-pull", imagePullSecret: { host: "https://index.docker.io/v1/", username: "bot", password: PASSWORD } };

describe("SecretSet and referenced image-pull sets", () => {
    let emulator: Emulator;
    let clock: number;
    const messages: string[] = [];

    beforeEach(async () => {
        clock = 1_000_000;
        emulator = await startEmulator({ apiKey: KEY, now: () => clock, readyAfterMs: 1_500 });
        impl.setTestHooks({ sleep: async (ms) => void (clock += ms), now: () => clock, random: () => 0.5 });
        const config: Record<string, string> = { "pipecat:apiKey": KEY, "pipecat:apiUrl": emulator.url };
        await secretSetProvider.configure!({
            config: { get: (k: string) => config[k], require: (k: string) => config[k] ?? assert.fail(k) },
        });
    });

    afterEach(async () => {
        impl.setTestHooks({});
        await emulator.close();
    });

    after(() => assertNoLeaks([{ label: "error messages", text: messages.join("\n") }], [KEY, PASSWORD, PULL_VALUE, THEIR_VALUE]));

    async function create(inputs: Props): Promise<Props> {
        const checked = await secretSetProvider.check!({}, inputs);
        assert.deepEqual(checked.failures ?? [], []);
        return (await secretSetProvider.create(checked.inputs)).outs as Props;
    }

    /** The name holds (from now on) a referenced image-pull set of the declared host, in the default region. */
    function seedReferenced(): void {
        emulator.seed(pull.name, { type: "imagePullSecret", host: pull.imagePullSecret.host, secretValue: THEIR_VALUE, referenced: true });
    }

    it("keeps a managed image-pull set in state on read, and drops it once its name holds a referenced one of the same kind and region", async () => {
        const outs = await create(pull);
        const kept = await secretSetProvider.read!(pull.name, outs);
        assert.equal(kept.id, pull.name);
        assert.deepEqual(kept.props, outs);

        seedReferenced(); // replaces the managed set
        assert.deepEqual(emulator.snapshot()[pull.name]?.region, outs["region"]);
        emulator.clearRequests();
        assert.deepEqual(await secretSetProvider.read!(pull.name, outs), { id: "", props: {} });
        // Read only looks (the list is how image-pull sets are read) and leaves the referenced set as it was.
        assert.deepEqual(requestLines(emulator), ["GET /secrets 200"]);
        const set = emulator.snapshot()[pull.name];
        assert.deepEqual(set?.type === "imagePullSecret" && [set.referenced, set.secretValue], [true, THEIR_VALUE]);
    });

    it("does not adopt a referenced image-pull set: refused from the list row, before any write, whatever the API would answer a PUT", async () => {
        seedReferenced();
        // A server that would answer the PUT with the seed's refusal (which once made adoption delete and re-create).
        emulator.injectFault({
            route: "PUT /secrets/:name",
            status: 400,
            body: '{"error":"Cannot update existing image pull secrets. Delete and recreate instead.","code":"GENERIC_BAD_REQUEST"}',
            times: Infinity,
        });
        let message = "";
        await create({ ...pull, adopt: true }).then(
            () => assert.fail("expected adopt to fail"),
            (e: Error) => void (message = e.message),
        );
        messages.push(message);
        assert.match(message, /"dockerhub-pull" exists in Pipecat Cloud as a referenced set .* neither creates, adopts nor writes it/);
        assert.deepEqual(requestLines(emulator), ["GET /secrets 200"]);
        const set = emulator.snapshot()[pull.name];
        assert.deepEqual(set?.type === "imagePullSecret" && [set.referenced, set.secretValue], [true, THEIR_VALUE]);
    });
});
