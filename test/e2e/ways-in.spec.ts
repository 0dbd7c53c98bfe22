/**
 * Pulumi's own ways in, through the real engine: a program reads a secret set and an agent that were made outside
 * it with `SecretSet.get` and `Agent.get`; `up` exports what was read, a refresh reads again, and `destroy` leaves
 * both in Pipecat Cloud (the API's own lists still hold them). The `import` resource option is refused by the
 * resource itself, before the engine is asked, instead of @pulumi/pulumi's raw TypeError (pulumi/pulumi#3550).
 * What the read returns field by field is in test/provider/secretset/get.spec.ts and test/provider/agent/get.spec.ts.
 */
import * as assert from "node:assert/strict";
import { useStack } from "../support/stack";

const API_KEY = "pk-waysin-API-KEY-never-shown-0001";
const VALUE = "sk-waysin-VALUE-never-shown-0002";
const IMAGE = "registry.example/voice-agent:0.1";

/** An agent this program manages, bound to a set it only reads; or a get of a name that holds nothing. */
const boundProgram = `
import { Agent, SecretSet } from "pulumi-pipecat-secrets";
const shared = SecretSet.get("shared", process.env.WAYS_IN_SET ?? "team-secrets");
new Agent("mine", { name: "my-agent", image: "${"registry.example/voice-agent:0.1"}", region: "eu-central", secretSet: shared });
`;

const program = `
import { Agent, SecretSet } from "pulumi-pipecat-secrets";
const shared = process.env.WAYS_IN_IMPORT === "1"
    ? new SecretSet("shared", { name: "team-secrets", secrets: { OPENAI_API_KEY: "x" } }, { import: "team-secrets" })
    : SecretSet.get("shared", "team-secrets");
const voice = Agent.get("voice", "team-agent");
export const set = { name: shared.name, region: shared.region, keys: shared.keys, isImagePullSecret: shared.isImagePullSecret };
export const agent = { name: voice.name, region: voice.region, image: voice.image, secretSet: voice.secretSet, autoScaling: voice.autoScaling, ready: voice.ready };
`;

describe("e2e: get, and the refused import option", function () {
    this.timeout(300_000);

    const s = useStack({ name: "ways-in-e2e", program, emulator: { apiKey: API_KEY }, secrets: [API_KEY, VALUE], what: "ways-in output" });

    /** The API's own lists, as anyone would read them. */
    async function listed(): Promise<{ sets: string[]; agents: string[] }> {
        const get = async (path: string) =>
            (await fetch(`${s.emulator.url}${path}`, { headers: { Authorization: `Bearer ${API_KEY}` } })).json();
        const sets = ((await get("/secrets")) as { sets: { name: string }[] }).sets.map((s) => s.name);
        const agents = ((await get("/agents")) as { services: { name: string }[] }).services.map((a) => a.name);
        return { sets, agents };
    }

    it("up exports a set and an agent read with get; refresh reads them again; destroy leaves both in Pipecat Cloud", async () => {
        const { emulator, project } = await s.start({ emulator: { deployPhaseMs: { creating: 200, validating: 200 } } });
        // Made outside the program: a set, and an agent bound to it through the API itself.
        emulator.seed("team-secrets", { secrets: { OPENAI_API_KEY: VALUE, DAILY_API_KEY: VALUE }, region: "eu-central" });
        const created = await fetch(`${emulator.url}/agents`, {
            method: "POST",
            headers: { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json" },
            body: JSON.stringify({ serviceName: "team-agent", image: IMAGE, region: "eu-central", secretSet: "team-secrets" }),
        });
        assert.equal(created.status, 200);
        emulator.clearRequests();

        const refused = await s.pulumi("import", ["preview"], { allowFail: true, env: { WAYS_IN_IMPORT: "1" } });
        assert.notEqual(refused.code, 0);
        const text = refused.stdout + refused.stderr;
        assert.match(text, /SecretSet "shared": the `import` resource option cannot work for this package/, text);
        assert.ok(text.includes('SecretSet.get("shared", "team-secrets")') && text.includes("adopt: true"), text);
        assert.doesNotMatch(text, /toJavaScript|TypeError/, text);
        assert.equal(emulator.requests.length, 0, "the refused import sent a request");

        const up = await s.up("up", { allowFail: true });
        assert.equal(up.code, 0, up.stdout + up.stderr);
        // Only the stack is created: both objects are reads.
        assert.match(up.stdout, /read pulumi-nodejs:dynamic\/pipecat:SecretSet shared/, up.stdout);
        assert.match(up.stdout, /read pulumi-nodejs:dynamic\/pipecat:Agent voice/, up.stdout);
        assert.match(up.stdout, /\+ 1 created/, up.stdout);
        const out = JSON.parse((await project.run(["stack", "output", "--json"])).stdout) as Record<string, Record<string, unknown>>;
        assert.deepEqual(out["set"], {
            name: "team-secrets",
            region: "eu-central",
            keys: ["DAILY_API_KEY", "OPENAI_API_KEY"],
            isImagePullSecret: false,
        });
        assert.deepEqual(out["agent"], {
            name: "team-agent",
            region: "eu-central",
            image: IMAGE,
            secretSet: "team-secrets",
            autoScaling: { minAgents: 0, maxAgents: 50 },
            ready: true,
        });
        const state = await project.exportStack();
        const read = (state.deployment.resources ?? []).filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/pipecat:"));
        // Read resources ("external"): the engine never deletes one.
        assert.deepEqual(read.map((r) => `${r.type} ${r.id} external=${String(r["external"])}`).sort(), [
            "pulumi-nodejs:dynamic/pipecat:Agent team-agent external=true",
            "pulumi-nodejs:dynamic/pipecat:SecretSet team-secrets external=true",
        ]);

        // A key added outside Pulumi shows at the next read.
        emulator.seed("team-secrets", { secrets: { OPENAI_API_KEY: VALUE, DAILY_API_KEY: VALUE, EXTRA: VALUE }, region: "eu-central" });
        const refresh = await s.refresh("refresh", { allowFail: true });
        assert.equal(refresh.code, 0, refresh.stdout + refresh.stderr);
        const again = await s.up("up again", { allowFail: true });
        assert.equal(again.code, 0, again.stdout + again.stderr);
        const keys = JSON.parse((await project.run(["stack", "output", "--json"])).stdout)["set"]["keys"];
        assert.deepEqual(keys, ["DAILY_API_KEY", "EXTRA", "OPENAI_API_KEY"]);

        const destroy = await s.destroy("destroy", { allowFail: true });
        assert.equal(destroy.code, 0, destroy.stdout + destroy.stderr);
        assert.deepEqual((await project.exportStack()).deployment.resources ?? [], []);
        assert.deepEqual(
            emulator.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`),
            [],
            "the program wrote or deleted something",
        );
        const after = await listed();
        assert.ok(after.sets.includes("team-secrets"), `destroy deleted the set: ${after.sets.join(", ")}`);
        assert.ok(after.agents.includes("team-agent"), `destroy deleted the agent: ${after.agents.join(", ")}`);
    });

    it("an agent bound to a set read with get plans no change once up, and destroy deletes the agent only; a get of a free name fails with advice", async () => {
        const { emulator: local } = await s.start({
            name: "ways-in-bound",
            program: boundProgram,
            emulator: { readyAfterMs: 300, deployPhaseMs: { creating: 250, validating: 250 } },
        });
        local.seed("team-secrets", { secrets: { OPENAI_API_KEY: VALUE }, region: "eu-central" });

        const missing = await s.up("bound missing", {
            allowFail: true,
            env: { WAYS_IN_SET: "no-such-set" },
        });
        assert.notEqual(missing.code, 0, "a get of a free name succeeded");
        assert.match(missing.stdout + missing.stderr, /SecretSet\.get: no secret set named "no-such-set" exists in this organisation/);
        assert.deepEqual(
            local.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`),
            [],
            "a failed get let the agent be created",
        );

        const up = await s.up("bound up", { allowFail: true });
        assert.equal(up.code, 0, up.stdout + up.stderr);
        // The read set has no revision: a preview must not plan an agent update that up never makes.
        const quiet = await s.preview("bound preview", { args: ["--expect-no-changes"], allowFail: true });
        assert.equal(quiet.code, 0, quiet.stdout + quiet.stderr);

        const destroy = await s.destroy("bound destroy", { allowFail: true });
        assert.equal(destroy.code, 0, destroy.stdout + destroy.stderr);
        const writes = local.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path.replace(/^\/v1/, "")}`);
        assert.deepEqual(
            writes.filter((w) => !w.startsWith("POST /agents")),
            ["DELETE /agents/my-agent"],
            writes.join(", "),
        );
        assert.ok(local.snapshot()["team-secrets"] !== undefined, "destroy deleted the set it only read");
    });
});
