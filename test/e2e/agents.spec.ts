/**
 * Agents through the real engine, against the emulator with provisioning and deployment delays: the
 * issue's scenarios 1–6. Each test starts from an empty stack; the program reads its sets and agents
 * from stack.json, so a test changes the program by rewriting that file.
 */
import * as assert from "node:assert/strict";
import type { EmulatorOptions } from "../../emulator";
import { useStack } from "../support/stack";

const API_KEY = "pk-agents-API-KEY-never-shown-0001";
const V = {
    openai: "sk-agents-OPENAI-never-shown-0002",
    openai2: "sk-agents-OPENAI2-never-shown-0003",
    daily: "agents-DAILY-never-shown-0004",
    token1: "agents-TOKEN-one-never-shown-0005",
    token2: "agents-TOKEN-two-never-shown-0006",
};
const b64 = (token: string) => Buffer.from(`bot:${token}`).toString("base64");
const SECRETS = [API_KEY, ...Object.values(V), b64(V.token1), b64(V.token2)];
const IMAGE = "registry.example/voice-agent:0.1";

const program = `
import * as fs from "fs";
import { Agent, SecretSet } from "pulumi-pipecat-secrets";
const spec: { sets?: Record<string, any>; agents?: Record<string, any> } = JSON.parse(fs.readFileSync("stack.json", "utf8"));
const sets: Record<string, SecretSet> = {};
for (const [r, args] of Object.entries(spec.sets ?? {})) sets[r] = new SecretSet(r, args);
// A binding names a set of this program by its resource name ("@agent"), or any set by its name.
const bind = (b: string | undefined) => (b === undefined ? undefined : b.startsWith("@") ? sets[b.slice(1)] : b);
export const agents = Object.fromEntries(
    Object.entries(spec.agents ?? {}).map(([r, a]) => {
        const agent = new Agent(r, { ...a, secretSet: bind(a.secretSet), imagePullSecretSet: bind(a.imagePullSecretSet) });
        return [r, { name: agent.name, deploymentId: agent.deploymentId, ready: agent.ready }];
    }),
);
`;

const pull = (token: string, name = "voice-registry") => ({
    name,
    imagePullSecret: { host: "https://index.docker.io/v1/", username: "bot", password: token },
});

describe("e2e: agents bound to secret sets", function () {
    this.timeout(600_000);

    const s = useStack({
        name: "agents-e2e",
        program,
        emulator: { apiKey: API_KEY, readyAfterMs: 500, deployPhaseMs: { creating: 300, validating: 300 } },
        secrets: SECRETS,
        what: "agent output",
    });
    const stack = (emulator: EmulatorOptions = {}, config: Record<string, string> = {}) => s.start({ emulator, config });
    const declare = (spec: { sets?: Record<string, unknown>; agents?: Record<string, unknown> }) => s.writeJson("stack.json", spec);
    const deployments = (name: string) => s.emulator.agent(name)?.deployments ?? [];

    const voiceStack = (openai: string, extra: Record<string, unknown> = {}) => ({
        sets: { secrets: { name: "voice-secrets", secrets: { OPENAI_API_KEY: openai, DAILY_API_KEY: V.daily } } },
        agents: { voice: { name: "voice-agent", image: IMAGE, secretSet: "@secrets", ...extra } },
    });

    it("1. one up creates a set and an agent bound to it: the agent waits for the set, and no 409 reaches the user", async () => {
        // Sets stay pending long enough that a set written just before an `up` is still pending when its agent deploys.
        await stack({ readyAfterMs: 15_000 });
        declare(voiceStack(V.openai));
        await s.up("create");
        assert.ok(
            !s.seen().some((r) => r.startsWith("POST /agents ") && r.endsWith(" 409")),
            "the set was ready before the agent was deployed",
        );
        assert.deepEqual(s.emulator.runningSecrets("voice-agent"), { OPENAI_API_KEY: V.openai, DAILY_API_KEY: V.daily });
        assert.equal(deployments("voice-agent").length, 1);

        // A set this program does not manage, still pending: Pipecat answers 409, the provider retries.
        s.emulator.seed("shared-secrets", { secrets: { SHARED: V.daily } });
        const put = await fetch(`${s.emulator.url}/secrets/shared-secrets`, {
            method: "PUT",
            headers: { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json" },
            body: JSON.stringify({ secrets: [{ secretKey: "SHARED", secretValue: V.daily }] }),
        });
        assert.equal(put.status, 202);
        s.emulator.clearRequests();
        declare({
            ...voiceStack(V.openai),
            agents: { ...voiceStack(V.openai).agents, helper: { name: "helper-agent", image: IMAGE, secretSet: "shared-secrets" } },
        });
        await s.up("an agent bound to a pending set");
        const posts = s.seen().filter((r) => r.startsWith("POST /agents "));
        assert.equal(posts[0], "POST /agents 409", posts.join("\n"));
        assert.equal(posts[posts.length - 1], "POST /agents 200");
        assert.deepEqual(s.emulator.runningSecrets("helper-agent"), { SHARED: V.daily });
    });

    it("2. rotating one value previews the set's update and the agent's redeploy, and up leaves the agent running the new value, forced", async () => {
        await stack();
        declare(voiceStack(V.openai));
        await s.up("create");
        declare(voiceStack(V.openai2));
        s.emulator.clearRequests();
        const preview = await s.preview("preview of a rotation", { args: ["--diff"] });
        assert.deepEqual(s.seen(), [], "a preview sends no request");
        assert.match(preview.stdout, /~ OPENAI_API_KEY\s*: \[secret\] => \[secret\]/);
        assert.doesNotMatch(preview.stdout, /DAILY_API_KEY/, "an unchanged key is not shown");
        assert.match(preview.stdout, /~ pulumi-nodejs:dynamic\/pipecat:Agent: \(update\)/);
        assert.match(preview.stdout, /~ secretSetRevision\s*:/);
        assert.match(preview.stdout, /~ 2 to update/);

        await s.up("rotate");
        assert.deepEqual(s.emulator.runningSecrets("voice-agent"), { OPENAI_API_KEY: V.openai2, DAILY_API_KEY: V.daily });
        const all = deployments("voice-agent");
        assert.equal(all.length, 2);
        assert.equal(all[1]?.forced, true, "the redeploy asked for forceRedeploy");
        const noop = await s.preview("preview after the rotation", { args: ["--expect-no-changes"], allowFail: true });
        assert.equal(noop.code, 0, noop.stdout + noop.stderr);
    });

    it("3. a change only to the agent's scaling redeploys without force", async () => {
        await stack();
        declare(voiceStack(V.openai));
        await s.up("create");
        declare(voiceStack(V.openai, { autoScaling: { minAgents: 1, maxAgents: 5 } }));
        s.emulator.clearRequests();
        await s.up("scale");
        const update = s.emulator.requests.find((r) => r.method === "POST" && r.path === "/v1/agents/voice-agent");
        assert.ok(update, s.seen().join("\n"));
        const body = update.body as Record<string, unknown>;
        assert.deepEqual(body["autoScaling"], { minAgents: 1, maxAgents: 5 });
        assert.equal(body["forceRedeploy"], undefined);
        assert.ok(deployments("voice-agent").every((d) => !d.forced));
        assert.ok(!s.seen().some((r) => r.startsWith("PUT /secrets")), "the set was not written");

        // Drift: an image set in the dashboard shows after refresh, and up deploys the declared one again.
        s.emulator.updateAgentDirect("voice-agent", { image: "registry.example/hotfix:9" });
        await s.refresh("refresh");
        const preview = await s.preview("preview after drift");
        assert.match(preview.stdout, /~\s+pulumi-nodejs:dynamic\/pipecat:Agent\s+voice\s+update/);
        await s.up("repair the drift");
        assert.equal(s.emulator.agent("voice-agent")?.spec.image, IMAGE);
        assert.equal(s.emulator.agent("voice-agent")?.deployments.at(-1)?.phase, "Active");
    });

    for (const mode of ["replace", "in-place"] as const) {
        it(`4. image-pull credential rotation (${mode}) keeps the agent able to pull: redeployed with the new credentials`, async () => {
            await stack(
                mode === "in-place" ? { imagePullUpdates: "accept" } : {},
                mode === "in-place" ? { "pipecat:imagePullUpdates": "in-place" } : {},
            );
            const spec = (token: string) => ({
                sets: { registry: pull(token) },
                agents: { voice: { name: "pull-agent", image: IMAGE, imagePullSecretSet: "@registry" } },
            });
            declare(spec(V.token1));
            await s.up("create");
            assert.deepEqual(s.emulator.runningImagePull("pull-agent"), {
                host: "https://index.docker.io/v1/",
                secretValue: b64(V.token1),
            });
            declare(spec(V.token2));
            s.emulator.clearRequests();
            await s.up("rotate the registry credentials");
            const requests = s.seen();
            if (mode === "replace") assert.ok(requests.includes("DELETE /secrets/voice-registry 200"), requests.join("\n"));
            else assert.ok(!requests.some((r) => r.startsWith("DELETE")), requests.join("\n"));
            assert.ok(!requests.some((r) => r.startsWith("DELETE /agents")), "the agent was not replaced");
            assert.deepEqual(s.emulator.runningImagePull("pull-agent"), {
                host: "https://index.docker.io/v1/",
                secretValue: b64(V.token2),
            });
            assert.equal(deployments("pull-agent").at(-1)?.forced, true);
            assert.equal(s.emulator.agent("pull-agent")?.deployments.at(-1)?.phase, "Active");
        });
    }

    it("5. a failed deployment fails up with Pipecat's message; once fixed, the next up converges", async () => {
        await stack();
        s.emulator.failDeployment({ agent: "voice-agent", reason: "Error", message: "ModuleNotFoundError: No module named 'pipecat'" });
        declare(voiceStack(V.openai));
        const failed = await s.up("a failing create", { allowFail: true });
        assert.notEqual(failed.code, 0);
        assert.match(failed.stdout + failed.stderr, /agent "voice-agent" failed: Error.*ModuleNotFoundError: No module named 'pipecat'/);
        assert.match(failed.stdout + failed.stderr, /The agent was deleted again, so the next `pulumi up` creates it afresh/);
        assert.equal(s.emulator.agent("voice-agent"), undefined);

        await s.up("the fixed image");
        assert.equal(s.emulator.agent("voice-agent")?.deployments.at(-1)?.phase, "Active");

        // An update that fails keeps the previous deployment serving.
        s.emulator.failDeployment({ agent: "voice-agent", mode: "crash-loop", message: "KeyError: 'OPENAI_API_KEY'" });
        declare(voiceStack(V.openai, { image: "registry.example/voice-agent:0.2" }));
        const crashing = await s.up("a crash-looping update", { allowFail: true });
        assert.notEqual(crashing.code, 0);
        assert.match(
            crashing.stdout + crashing.stderr,
            /is crash-looping .*CrashLoopBackOff.*KeyError: 'OPENAI_API_KEY'.*keeps serving the previous deployment/s,
        );
        assert.deepEqual(s.emulator.runningSecrets("voice-agent"), { OPENAI_API_KEY: V.openai, DAILY_API_KEY: V.daily });
        declare(voiceStack(V.openai, { image: "registry.example/voice-agent:0.3" }));
        await s.up("the fixed update");
        const noop = await s.preview("converged", { args: ["--expect-no-changes"], allowFail: true });
        assert.equal(noop.code, 0, noop.stdout + noop.stderr);
    });

    it("6. destroy removes the agent, then its sets", async () => {
        await stack();
        declare({
            ...voiceStack(V.openai),
            sets: { ...voiceStack(V.openai).sets, registry: pull(V.token1) },
            agents: { voice: { ...voiceStack(V.openai).agents.voice, imagePullSecretSet: "@registry" } },
        });
        await s.up("create");
        s.emulator.clearRequests();
        await s.destroy("destroy");
        const deletes = s.seen().filter((r) => r.startsWith("DELETE"));
        assert.equal(deletes[0], "DELETE /agents/voice-agent 200", deletes.join("\n"));
        assert.deepEqual(deletes.slice(1).sort(), ["DELETE /secrets/voice-registry 200", "DELETE /secrets/voice-secrets 200"]);
        assert.equal(s.emulator.agents().length, 0);
    });
});
