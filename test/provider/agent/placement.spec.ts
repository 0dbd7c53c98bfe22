/**
 * Where an agent will run, and whether its sets and build are there (provider/agent/placement.ts), through the
 * provider's check against the emulator over real HTTP. The emulator knows no builds and serves no organisation
 * properties, so `GET /builds/{id}` and `GET /properties` (the default region: the emulator's, us-west) are answered by
 * a small server in front of it that passes every other request through: the checks run as against Pipecat Cloud. Each failure is asserted whole: it is the advice a user sees in the preview.
 */
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { type Emulator, startEmulator } from "../../../emulator";
import { agentProvider, secretSetProvider } from "../../../provider";
import { UNKNOWN } from "../../../provider/inputs";

const sets = require("pulumi-pipecat-secrets/implementation") as typeof import("../../../provider/secretset/implementation");

const KEY = "pk-placement-API-KEY-never-shown-0001";
const V1 = "sk-placement-VALUE-never-shown-1111";
const IMAGE = "registry.example/voice-agent:0.1";
const BUILD = "4cab03c7-8f53-418d-9c3c-91a1265d179e";

type Props = Record<string, unknown>;

let emulator: Emulator;
let front: http.Server | undefined;
let clock: number;
/** The builds `GET /builds/{id}` knows: id -> its region and status (a missing id answers 404). */
let builds: Map<string, { region?: string; status: string }>;
/** Requests as the server in front saw them (the builds it answered included). */
let requests: string[] = [];

/** Starts the emulator and the server in front of it, and configures the provider (with the key unless `keyless`). */
async function setup(keyless = false): Promise<void> {
    clock = 1_000_000;
    builds = new Map();
    requests = [];
    emulator = await startEmulator({
        apiKey: KEY,
        now: () => clock,
        readyAfterMs: 1_500,
        deployPhaseMs: { creating: 2_000, validating: 3_000 },
    });
    // The agent deploys a build the emulator holds (us-west, success); the server in front answers what check reads of it.
    emulator.seedBuild({ id: BUILD });
    sets.setTestHooks({ sleep: async (ms) => void (clock += ms), now: () => clock, random: () => 0.5 });
    const target = new URL(emulator.url);
    front = http.createServer((req, res) => {
        const path = (req.url ?? "").replace(/\?.*$/, "");
        const build = /^\/v1\/builds\/([^/]+)$/.exec(path);
        if (build && req.method === "GET") {
            const found = builds.get(decodeURIComponent(build[1] ?? ""));
            requests.push(`GET /builds ${found ? 200 : 404}`);
            res.writeHead(found ? 200 : 404, { "Content-Type": "application/json" });
            res.end(JSON.stringify(found ? { build: { id: build[1], ...found } } : { error: "Build not found", code: "NOT_FOUND" }));
            return;
        }
        if (path === "/v1/properties" && req.method === "GET") {
            requests.push("GET /properties 200");
            res.writeHead(200, { "Content-Type": "application/json" });
            res.end(JSON.stringify({ properties: { defaultRegion: "us-west" } }));
            return;
        }
        const forward = http.request(
            { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
            (answer) => {
                requests.push(`${req.method} ${path.replace("/v1", "")} ${answer.statusCode}`);
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(res);
            },
        );
        req.pipe(forward);
    });
    await new Promise<void>((resolve) => front?.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(front.address() as AddressInfo).port}/v1`;
    const values: Record<string, string | undefined> = { "pipecat:apiKey": keyless ? undefined : KEY, "pipecat:apiUrl": url };
    await agentProvider.configure!({ config: { get: (k: string) => values[k], require: (k: string) => values[k] ?? assert.fail(k) } });
}

async function checked(inputs: Props, olds: Props = {}): Promise<Props> {
    const r = await agentProvider.check!(olds, inputs);
    assert.deepEqual(r.failures ?? [], []);
    return r.inputs;
}

async function failures(olds: Props, news: Props): Promise<{ property: string; reason: string }[]> {
    return ((await agentProvider.check!(olds, news)).failures ?? []) as { property: string; reason: string }[];
}

async function secretSet(name: string, region?: string): Promise<void> {
    const ins = (await secretSetProvider.check!({}, { name, secrets: { OPENAI_API_KEY: V1 }, ...(region ? { region } : {}) })).inputs;
    await secretSetProvider.create(ins);
}

/** An existing agent's inputs, as the engine passes them to the next check (created, so it exists). */
async function existing(inputs: Props): Promise<Props> {
    const ins = await checked(inputs);
    await agentProvider.create(ins);
    requests = [];
    return ins;
}

const elsewhere = (binding: string, set: string, region: string, target: string) => ({
    property: "",
    reason:
        `${binding}: set "${set}" is in region "${region}", but the agent would be in "${target}", and an agent's sets must be in its region. ` +
        `Create the set in "${target}" (a SecretSet with region: "${target}"), or keep the agent in "${region}"`,
});

const voice = { name: "voice-agent", image: IMAGE, secretSet: "voice-secrets" };
const built = { name: "voice-agent", buildId: BUILD };

describe("the Agent's placement", () => {
    afterEach(async () => {
        sets.setTestHooks({});
        await new Promise((resolve) => (front ? front.close(resolve) : resolve(undefined)));
        front = undefined;
        await emulator?.close();
    });

    describe("without the API", () => {
        it("takes a SecretSet resource's region still unknown in a preview, or empty, as no mismatch", async () => {
            await setup(true);
            assert.deepEqual(await failures({}, { ...voice, region: "us-west", secretSetRegion: UNKNOWN }), []);
            assert.deepEqual(await failures({}, { ...voice, region: "us-west", secretSetRegion: "" }), [], "an empty region is none");
        });

        it("refuses an agent in another region than its Build resource, even in a preview with the build unknown, with no request", async () => {
            await setup(true);
            assert.deepEqual(await failures({}, { ...built, buildId: UNKNOWN, region: "us-west", buildRegion: "eu-central" }), [
                {
                    property: "",
                    reason: 'buildId: the build is in region "eu-central", but the agent would be in "us-west": build again in "us-west", or keep the agent in "eu-central"',
                },
            ]);
            assert.deepEqual(await failures({}, { ...built, region: "eu-central", buildRegion: "eu-central" }), []);
            assert.deepEqual(requests, []);
        });

        it("knows an agent without a declared region runs where its Build resource was", async () => {
            await setup(true);
            const [old, moved] = [
                { ...built, buildRegion: "us-west" },
                { ...built, buildRegion: "us-east" },
            ];
            assert.deepEqual(await failures(old, moved), [
                {
                    property: "",
                    reason: `buildId: build ${BUILD} is in region "us-east", but the agent would be in "us-west": build again in "us-west", or keep the agent in "us-east"`,
                },
            ]);
            assert.deepEqual(requests, []);
        });

        it("knows an agent without a declared region runs where its image-pull SecretSet resource was", async () => {
            await setup(true);
            const pulled = { name: "voice-agent", image: IMAGE, imagePullSecretSet: "voice-pull" };
            assert.deepEqual(
                await failures({ ...pulled, imagePullSecretSetRegion: "us-west" }, { ...pulled, imagePullSecretSetRegion: "us-east" }),
                [elsewhere("imagePullSecretSet", "voice-pull", "us-east", "us-west")],
            );
            assert.deepEqual(requests, []);
        });

        it("refuses a websocketAuth no longer declared as a failure of the whole inputs", async () => {
            await setup(true);
            assert.deepEqual(await failures({ ...voice, websocketAuth: "none" }, voice), [
                {
                    property: "",
                    reason:
                        'websocketAuth: no longer declared (it was "none"). An update leaves out a field it does not send, so the agent would keep it, ' +
                        'and Pipecat\'s pages disagree on its default ("none" or "token"): declare websocketAuth: "none" or "token"',
                },
            ]);
        });

        it("sends nothing, and refuses nothing, for a move checked without a key (a pull-request preview)", async () => {
            await setup(true);
            assert.deepEqual(await failures({ ...voice, region: "us-west" }, { ...voice, region: "us-east" }), []);
            assert.deepEqual(requests, []);
        });
    });

    describe("sets, with the API", () => {
        it("compares a new agent's SecretSet resource with the organisation's default region when the agent declares none", async () => {
            await setup();
            assert.deepEqual(await failures({}, { ...voice, secretSetRegion: "eu-central" }), [
                elsewhere("secretSet", "voice-secrets", "eu-central", "us-west"),
            ]);
            assert.deepEqual(requests, ["GET /properties 200"]);
        });

        it("looks a new agent's set by name up in the list when the agent declares its region", async () => {
            await setup();
            await secretSet("voice-secrets");
            assert.deepEqual(await failures({}, { ...voice, region: "us-east" }), [
                elsewhere("secretSet", "voice-secrets", "us-west", "us-east"),
            ]);
        });

        it("sends nothing for an unchanged agent that runs where its SecretSet resource is", async () => {
            await setup();
            await secretSet("voice-secrets");
            const old = await existing({ ...voice, secretSetRegion: "us-west" });
            assert.equal(old["region"], undefined, "no region declared or carried: the set's region tells where it runs");
            sets.setTestHooks({ sleep: async (ms) => void (clock += ms), now: () => clock, random: () => 0.5 }); // the next run's process
            assert.deepEqual(await failures(old, { ...voice, secretSetRegion: "us-west" }), []);
            assert.deepEqual(requests, []);
        });

        it("reads no sets list for a move whose sets are all SecretSet resources with a region", async () => {
            await setup();
            await secretSet("voice-secrets");
            const old = await existing({ ...voice, secretSetRegion: "us-west" });
            assert.deepEqual(await failures(old, { ...voice, region: "us-east", secretSetRegion: "us-east" }), []);
            assert.deepEqual(requests, ["GET /regions 200"]);
        });

        it("lets an agent move to a set by name that is ready in the new region", async () => {
            await setup();
            await secretSet("voice-secrets");
            await secretSet("east-secrets", "us-east");
            const old = await existing(voice);
            assert.deepEqual(await failures(old, { ...voice, region: "us-east", secretSet: "east-secrets" }), []);
        });

        it("refuses a move to a set missing from the list, saying the agent would be deleted first", async () => {
            await setup();
            await secretSet("voice-secrets");
            const old = await existing(voice);
            assert.deepEqual(await failures(old, { ...voice, region: "us-east", secretSet: "east-secrets" }), [
                {
                    property: "",
                    reason: 'secretSet: set "east-secrets" is not in the organisation\'s sets list, so the agent was not replaced (it would be deleted first, then fail to deploy)',
                },
            ]);
        });

        it("refuses a move it could not check as a failure of the whole inputs", async () => {
            await setup();
            await secretSet("voice-secrets");
            const old = await existing(voice);
            emulator.injectFault({ route: "GET /secrets", status: 500, times: Infinity });
            const found = await failures(old, { ...voice, region: "us-east" });
            assert.deepEqual(
                found.map((f) => f.property),
                [""],
            );
            assert.match(
                found[0]?.reason ?? "",
                /^region: where the agent's sets and build are could not be checked, so the agent was not moved \(.*500/,
            );
        });
    });

    describe("the build, with the API", () => {
        it("refuses a move away from the build's region, saying where to build or keep the agent", async () => {
            await setup();
            builds.set(BUILD, { region: "us-west", status: "success" });
            const old = await existing(built);
            assert.deepEqual(await failures(old, { ...built, region: "us-east" }), [
                {
                    property: "",
                    reason: `buildId: build ${BUILD} is in region "us-west", but the agent would be in "us-east": build again in "us-east", or keep the agent in "us-west"`,
                },
            ]);
            assert.deepEqual(requests, ["GET /regions 200", "GET /builds 200"]);
        });

        it("lets an agent move to where its build is, and a build that does not say its region", async () => {
            await setup();
            builds.set(BUILD, { region: "us-west", status: "success" });
            const old = await existing(built);
            builds.set(BUILD, { region: "us-east", status: "success" });
            assert.deepEqual(await failures(old, { ...built, region: "us-east" }), []);
            builds.set(BUILD, { status: "success" });
            assert.deepEqual(await failures(old, { ...built, region: "eu-central" }), []);
            assert.ok(requests.filter((r) => r === "GET /builds 200").length >= 2, requests.join("\n"));
        });

        it("compares a new agent's Build resource with the organisation's default region, without reading the build", async () => {
            await setup();
            builds.set(BUILD, { region: "us-west", status: "success" });
            assert.deepEqual(await failures({}, { ...built, buildRegion: "eu-central" }), [
                {
                    property: "",
                    reason: `buildId: build ${BUILD} is in region "eu-central", but the agent would be in "us-west": build again in "us-west", or keep the agent in "eu-central"`,
                },
            ]);
            assert.deepEqual(requests, ["GET /properties 200"]);
            assert.deepEqual(await failures({}, { ...built, buildRegion: "us-west" }), []);
        });

        it("refuses to move an agent whose build is not found; a new agent's create reports that itself", async () => {
            await setup();
            builds.set(BUILD, { region: "us-west", status: "success" });
            const old = await existing(built);
            builds.clear();
            assert.deepEqual(await failures(old, { ...built, region: "us-east" }), [
                { property: "", reason: `buildId: build ${BUILD} was not found, so the agent was not moved` },
            ]);
            assert.deepEqual(await failures({}, { ...built, name: "new-agent", region: "us-east" }), []);
        });
    });
});
