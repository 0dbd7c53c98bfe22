/**
 * SecretSet through the real Pulumi engine (CLI built by scripts/install-engine.sh) against the
 * emulator, on a temporary file backend: preview, up, updates, replacements, refresh, destroy, and
 * what every command prints and stores. One stack walks through the scenarios in order.
 */
import * as assert from "node:assert/strict";
import { assertNoLeaks } from "../support/leaks";
import { EngineStack } from "../support/stack";

const API_KEY = "pk-e2e-API-KEY-never-shown-0008";
const V = {
    openai: "sk-e2e-OPENAI-value-never-shown-0001",
    openai2: "sk-e2e-OPENAI-changed-never-shown-0004",
    daily: "e2e-DAILY-value-never-shown-0002",
    extra: "e2e-EXTRA-value-never-shown-0003",
    added: "e2e-NEW-value-never-shown-0005",
    token1: "e2e-REGISTRY-token-never-shown-0006",
    token2: "e2e-REGISTRY-token-never-shown-0007",
};
const SECRETS = [API_KEY, ...Object.values(V), `bot:${V.token1}`, `bot:${V.token2}`];

/**
 * The program declares the sets found in sets.json, so each scenario edits that file. A value
 * "@config:<key>" comes from secret stack config instead; other values are plain strings, which
 * the resource must make secret by itself.
 */
const program = `
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { SecretSet } from "pulumi-pipecat-secrets";

const cfg = new pulumi.Config();
const fromConfig = (v: string) => (v.startsWith("@config:") ? cfg.requireSecret(v.slice("@config:".length)) : v);
const spec: Record<string, any> = JSON.parse(fs.readFileSync("sets.json", "utf8"));
const keys: Record<string, pulumi.Output<string[]>> = {};
for (const [resource, args] of Object.entries(spec)) {
    const secrets = args.secrets && Object.fromEntries(Object.entries(args.secrets as Record<string, string>).map(([k, v]) => [k, fromConfig(v)]));
    keys[resource] = new SecretSet(resource, { ...args, ...(secrets ? { secrets } : {}) }).keys;
}
export const setKeys = keys;
`;

const registry = (password: string) => ({
    name: "dockerhub-pull",
    imagePullSecret: { host: "https://index.docker.io/v1/", username: "bot", password },
});

describe("e2e: SecretSet through the real engine", function () {
    this.timeout(600_000);

    let s: EngineStack;
    const counts: Record<string, number> = {};
    const declare = (sets: Record<string, unknown>) => s.writeJson("sets.json", sets);
    const secretsOf = (name: string) => {
        const set = s.emulator.snapshot()[name];
        return set?.type === "secret" ? set.secrets : undefined;
    };

    before(async () => {
        // The key through `pulumi config set --secret` (stdin), as the README tells users to.
        s = await EngineStack.start({ name: "secretsets-e2e", program, emulator: { apiKey: API_KEY } });
        await s.project.setConfig("openaiKey", V.openai, { secret: true });
        declare({
            agent: { name: "voice-agent", secrets: { OPENAI_API_KEY: "@config:openaiKey", DAILY_API_KEY: V.daily, EXTRA_KEY: V.extra } },
            registry: registry(V.token1),
        });
    });

    beforeEach(() => s.emulator.clearRequests());

    after(async () => {
        console.log(`      requests: ${JSON.stringify(counts)}`);
        if (s) assertNoLeaks(await s.close(), SECRETS, "state and CLI output");
    });

    it("1. previews a new stack as two creates without a request", async () => {
        const preview = await s.preview("preview 1");
        assert.match(preview.stdout, /\+\s+pulumi-nodejs:dynamic\/pipecat:SecretSet\s+agent\s+create/);
        assert.match(preview.stdout, /\+\s+pulumi-nodejs:dynamic\/pipecat:SecretSet\s+registry\s+create/);
        assert.match(preview.stdout, /\+ 3 to create/); // the stack and the two sets
        assert.deepEqual(s.seen({ status: false }), []);
    });

    it("2. creates both sets with exactly the declared keys and values", async () => {
        await s.up("up 2");
        assert.deepEqual(secretsOf("voice-agent"), { OPENAI_API_KEY: V.openai, DAILY_API_KEY: V.daily, EXTRA_KEY: V.extra });
        const pull = s.emulator.snapshot()["dockerhub-pull"];
        assert.equal(pull?.type === "imagePullSecret" && pull.secretValue, Buffer.from(`bot:${V.token1}`).toString("base64"));
        counts["create 2 sets"] = s.emulator.requests.length;
        assert.equal(s.emulator.requests.length, 6, s.seen({ status: false }).join("\n")); // per set: existence check, PUT, readiness
    });

    it("3. updates changed, added and removed keys in place with the fewest requests", async () => {
        await s.project.setConfig("openaiKey", V.openai2, { secret: true });
        declare({
            agent: { name: "voice-agent", secrets: { OPENAI_API_KEY: "@config:openaiKey", DAILY_API_KEY: V.daily, NEW_KEY: V.added } },
            registry: registry(V.token1),
        });
        const preview = await s.preview("preview 3", { args: ["--diff"] });
        assert.match(preview.stdout, /~ pulumi-nodejs:dynamic\/pipecat:SecretSet: \(update\)/);
        // The engine's own comparison of the (secret) inputs marks each key: removed, added, rotated.
        assert.match(preview.stdout, /- EXTRA_KEY\s*: \[secret\]/);
        assert.match(preview.stdout, /\+ NEW_KEY\s*: \[secret\]/);
        assert.match(preview.stdout, /~ OPENAI_API_KEY\s*: \[secret\] => \[secret\]/);
        assert.doesNotMatch(preview.stdout, /DAILY_API_KEY/, "an unchanged key is not shown");
        assert.match(preview.stdout, /~ 1 to update/);
        assert.deepEqual(s.seen({ status: false }), []);

        await s.up("up 3");
        assert.deepEqual(secretsOf("voice-agent"), { OPENAI_API_KEY: V.openai2, DAILY_API_KEY: V.daily, NEW_KEY: V.added });
        assert.deepEqual(s.seen({ status: false }), ["PUT /secrets/voice-agent", "DELETE /secrets/voice-agent/EXTRA_KEY", "GET /secrets"]);
        assert.deepEqual(s.emulator.requests[0]?.body, {
            // Every declared key: outputs hold no values, so the provider writes the whole set (a PUT merges).
            secrets: [
                { secretKey: "DAILY_API_KEY", secretValue: V.daily },
                { secretKey: "NEW_KEY", secretValue: V.added },
                { secretKey: "OPENAI_API_KEY", secretValue: V.openai2 },
            ],
            region: "us-west", // the set's own region, so that a PUT never moves it to the organisation's default
        });
        counts["update 1 changed + 1 added + 1 removed key"] = s.emulator.requests.length;
    });

    it("4. replaces an image-pull set whose credentials change, deleting before creating under the same name", async () => {
        declare({
            agent: { name: "voice-agent", secrets: { OPENAI_API_KEY: "@config:openaiKey", DAILY_API_KEY: V.daily, NEW_KEY: V.added } },
            registry: registry(V.token2),
        });
        const preview = await s.preview("preview 4");
        assert.match(preview.stdout, /\+-\s+pulumi-nodejs:dynamic\/pipecat:SecretSet\s+registry\s+replace/);
        await s.up("up 4");
        assert.deepEqual(s.seen({ status: false }), [
            "DELETE /secrets/dockerhub-pull",
            "GET /secrets",
            "PUT /secrets/dockerhub-pull",
            "GET /secrets",
        ]);
        const pull = s.emulator.snapshot()["dockerhub-pull"];
        assert.equal(pull?.type === "imagePullSecret" && pull.secretValue, Buffer.from(`bot:${V.token2}`).toString("base64"));
    });

    it("5. replaces a renamed set: the new one first, then the old one goes", async () => {
        declare({
            agent: { name: "voice-agent-v2", secrets: { OPENAI_API_KEY: "@config:openaiKey", DAILY_API_KEY: V.daily, NEW_KEY: V.added } },
            registry: registry(V.token2),
        });
        const preview = await s.preview("preview 5");
        assert.match(preview.stdout, /\+-\s+pulumi-nodejs:dynamic\/pipecat:SecretSet\s+agent\s+replace/);
        await s.up("up 5");
        assert.equal(s.emulator.snapshot()["voice-agent"], undefined);
        assert.deepEqual(secretsOf("voice-agent-v2"), { OPENAI_API_KEY: V.openai2, DAILY_API_KEY: V.daily, NEW_KEY: V.added });
        assert.deepEqual(s.seen({ status: false }).at(-1), "DELETE /secrets/voice-agent");
    });

    it("6. refresh notices a set and a key deleted behind the program's back; the next up restores them", async () => {
        s.emulator.deleteDirect("dockerhub-pull");
        s.emulator.deleteKeyDirect("voice-agent-v2", "DAILY_API_KEY");
        const refresh = await s.refresh("refresh 6");
        assert.match(refresh.stdout, /registry\s+deleted/);
        assert.match(refresh.stdout, /agent\s+updated/);
        const state = await s.project.exportStack();
        assert.equal(
            state.deployment.resources?.some((r) => r.urn.endsWith("::registry")),
            false,
        );
        const agent = state.deployment.resources?.find((r) => r.urn.endsWith("::agent"));
        assert.deepEqual(agent?.outputs?.["keys"], ["NEW_KEY", "OPENAI_API_KEY"]);

        s.emulator.clearRequests();
        const preview = await s.preview("preview 6", { args: ["--diff"] });
        assert.match(preview.stdout, /~ 1 to update/);
        assert.match(preview.stdout, /\+ 1 to create/);
        await s.up("up 6");
        assert.deepEqual(secretsOf("voice-agent-v2"), { OPENAI_API_KEY: V.openai2, DAILY_API_KEY: V.daily, NEW_KEY: V.added });
        assert.equal(s.emulator.snapshot()["dockerhub-pull"]?.type, "imagePullSecret");
    });

    it("7. sends no request at all for an up without changes", async () => {
        const result = await s.up("up 7");
        assert.match(result.stdout, /3 unchanged/);
        counts["no-op up"] = s.emulator.requests.length;
        assert.deepEqual(s.seen({ status: false }), []);
    });

    it("9. keeps every value and the API key out of state and out of every command's output", async () => {
        const exported = await s.project.run(["stack", "export"]);
        const state = JSON.parse(exported.stdout) as { deployment: { resources?: { inputs?: Record<string, unknown> }[] } };
        const haystacks = [...s.outputs, { label: "stack export", text: exported.stdout }];
        assertNoLeaks(haystacks, SECRETS, "state and CLI output");
        // The serialized provider in state is the shim: no implementation, no key.
        const provider = state.deployment.resources?.map((r) => r.inputs?.["__provider"]).find((p) => typeof p === "string") as string;
        assert.match(provider, /require\("pulumi-pipecat-secrets\/implementation"\)/);
        console.log(`      serialized provider in state: ${provider.length} bytes per resource`);
    });

    it("8. destroys everything", async () => {
        await s.destroy("destroy 8");
        assert.deepEqual(s.emulator.snapshot(), {});
        assertNoLeaks(s.outputs, SECRETS, "destroy output");
    });

    it("10. rejects a bad input at preview with the provider's message and no request", async () => {
        declare({ agent: { name: "Bad_Name", secrets: { OPENAI_API_KEY: V.openai } } });
        const preview = await s.preview("preview 10", { allowFail: true });
        assert.notEqual(preview.code, 0);
        assert.match(preview.stdout + preview.stderr, /name: "Bad_Name" is not a valid set name/);
        assert.deepEqual(s.seen({ status: false }), []);
        assertNoLeaks(s.outputs, SECRETS, "bad-input output");
    });
});
