/**
 * Upgrades and credential rotations through the real engine, against the emulator with provisioning delays:
 * - a release that serializes the providers (SecretSet's and Agent's) differently changes nothing declared: no
 *   change, no request;
 * - `pipecat:imagePullUpdates in-place` rotates image-pull credentials with one PUT and no DELETE, and names the
 *   setting when the API refuses;
 * - an autonamed image-pull set is replaced create-first, under a fresh name.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EmulatorOptions } from "../../emulator";
import { repoRoot } from "../support/engine";
import { useStack } from "../support/stack";

const API_KEY = "pk-rotation-API-KEY-never-shown-0001";
const V = {
    openai: "sk-rotation-OPENAI-never-shown-0002",
    openai2: "sk-rotation-OPENAI2-never-shown-0003",
    token1: "rotation-TOKEN-one-never-shown-0004",
    token2: "rotation-TOKEN-two-never-shown-0005",
    token3: "rotation-TOKEN-three-never-shown-0006",
};
const SECRETS = [API_KEY, ...Object.values(V), ...[V.token1, V.token2, V.token3].map((t) => Buffer.from(`bot:${t}`).toString("base64"))];

const program = `
import * as fs from "fs";
import { Agent, SecretSet } from "pulumi-pipecat-secrets";
const spec: Record<string, any> = JSON.parse(fs.readFileSync("sets.json", "utf8"));
const sets = Object.fromEntries(Object.entries(spec).map(([r, args]) => [r, new SecretSet(r, args)]));
export const names = Object.fromEntries(Object.entries(sets).map(([r, set]) => [r, set.name]));
// Agents, when agents.json declares any, each bound to a set of this program by its resource name.
const agents: Record<string, any> = fs.existsSync("agents.json") ? JSON.parse(fs.readFileSync("agents.json", "utf8")) : {};
for (const [r, { secretSet, ...args }] of Object.entries(agents)) new Agent(r, { ...args, secretSet: sets[secretSet] });
`;

const pull = (token: string, name?: string) => ({
    ...(name ? { name } : {}),
    imagePullSecret: { host: "https://index.docker.io/v1/", username: "bot", password: token },
});

describe("e2e: upgrades and credential rotations", function () {
    this.timeout(600_000);

    const s = useStack({
        name: "rotation-e2e",
        program,
        emulator: { apiKey: API_KEY, readyAfterMs: 400 },
        secrets: SECRETS,
        what: "rotation and upgrade output",
    });
    const stack = (emulator: EmulatorOptions, config: Record<string, string> = {}) => s.start({ emulator, config });
    const declare = (sets: Record<string, unknown>) => s.writeJson("sets.json", sets);
    const pullValue = (name: string) => {
        const set = s.emulator.snapshot()[name];
        return set?.type === "imagePullSecret" ? set.secretValue : undefined;
    };

    it("an upgrade that serializes the providers differently shows no change of a set or an agent and sends no request; real changes still show per key", async () => {
        await stack({});
        declare({ agent: { name: "upgrade-agent", secrets: { OPENAI_API_KEY: V.openai } }, registry: pull(V.token1, "upgrade-pull") });
        s.project.writeFile(
            "agents.json",
            JSON.stringify({ voice: { name: "upgrade-voice", image: "registry.example/voice-agent:0.1", secretSet: "agent" } }),
        );
        await s.up("create");
        assert.deepEqual(s.emulator.runningSecrets("upgrade-voice"), { OPENAI_API_KEY: V.openai });
        /** The serialized provider (`__provider` input) in state of each resource, by resource name. */
        const shims = async () =>
            Object.fromEntries(
                ((await s.project.exportStack()).deployment.resources ?? [])
                    .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/pipecat:"))
                    .map((r) => [r.urn.split("::").at(-1), r.inputs?.["__provider"]]),
            );
        const written = await shims();
        assert.deepEqual(Object.keys(written).sort(), ["agent", "registry", "voice"]);

        // A later release: the same package, its serialized shims' text changed (as a new provider.ts, or a
        // new @pulumi/pulumi serializer, would write it). The program now loads that copy.
        const release = path.join(s.project.root, "release");
        fs.mkdirSync(release);
        fs.cpSync(path.join(repoRoot, "dist"), path.join(release, "dist"), { recursive: true });
        fs.copyFileSync(path.join(repoRoot, "package.json"), path.join(release, "package.json"));
        fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(release, "node_modules"), "dir");
        for (const [room, implementation] of [
            ["secretset", "implementation"],
            ["agent", "agent/implementation"],
        ] as const) {
            const shim = path.join(release, "dist", "provider", room, "provider.js");
            const text = fs.readFileSync(shim, "utf8");
            assert.ok(
                text.includes(`(...a) => require("pulumi-pipecat-secrets/${implementation}")`),
                `${shim} is not the shim this test rewrites`,
            );
            fs.writeFileSync(shim, text.replaceAll("(...a)", "(...args)"));
        }
        const link = path.join(s.project.programDir, "node_modules", "pulumi-pipecat-secrets");
        fs.rmSync(link);
        fs.symlinkSync(release, link, "dir");

        s.emulator.clearRequests();
        const preview = await s.preview("preview after the upgrade", { args: ["--expect-no-changes", "--diff"], allowFail: true });
        assert.equal(preview.code, 0, preview.stdout + preview.stderr);
        assert.deepEqual(s.seen(), [], "a preview after an upgrade sends no request");
        const noop = await s.up("up after the upgrade");
        assert.match(noop.stdout, /4 unchanged/);
        assert.deepEqual(s.seen(), []);
        // The Agent's diff decides `changes` itself, so only the state can tell whether it took the new text as a
        // change of its inputs: each resource keeps the shim written at create (ignoreChanges: ["__provider"]).
        assert.deepEqual(await shims(), written);

        // A real change still shows per key and is applied, and the agent bound to the set is redeployed with it.
        declare({ agent: { name: "upgrade-agent", secrets: { OPENAI_API_KEY: V.openai2 } }, registry: pull(V.token1, "upgrade-pull") });
        const changed = await s.preview("preview of a rotation", { args: ["--diff"] });
        assert.match(changed.stdout, /~ OPENAI_API_KEY\s*: \[secret\] => \[secret\]/);
        assert.match(changed.stdout, /~ 2 to update/);
        await s.up("rotation after the upgrade");
        const set = s.emulator.snapshot()["upgrade-agent"];
        assert.deepEqual(set?.type === "secret" && set.secrets, { OPENAI_API_KEY: V.openai2 });
        assert.deepEqual(s.emulator.runningSecrets("upgrade-voice"), { OPENAI_API_KEY: V.openai2 });
    });

    it("with pipecat:imagePullUpdates in-place, rotates image-pull credentials as an update: one PUT, the wait, no DELETE", async () => {
        await stack({ imagePullUpdates: "accept" }, { "pipecat:imagePullUpdates": "in-place" });
        declare({ registry: pull(V.token1, "inplace-pull") });
        await s.up("create");
        declare({ registry: pull(V.token2, "inplace-pull") });
        s.emulator.clearRequests();
        const preview = await s.preview("preview in-place", { args: ["--diff"] });
        assert.match(preview.stdout, /~ pulumi-nodejs:dynamic\/pipecat:SecretSet: \(update\)/);
        assert.match(preview.stdout, /~ 1 to update/);
        assert.doesNotMatch(preview.stdout, /replace/);
        await s.up("rotate in-place");
        const requests = s.seen();
        assert.equal(requests[0], "PUT /secrets/inplace-pull 202");
        assert.ok(requests.slice(1).length >= 1 && requests.slice(1).every((r) => r === "GET /secrets 200"), requests.join("\n"));
        assert.equal(pullValue("inplace-pull"), Buffer.from(`bot:${V.token2}`).toString("base64"));
        assert.equal(s.emulator.snapshot()["inplace-pull"]?.status, "ready");
    });

    it("with in-place against an API that refuses image-pull updates, fails naming the setting and deletes nothing", async () => {
        await stack({}, { "pipecat:imagePullUpdates": "in-place" });
        declare({ registry: pull(V.token1, "refused-pull") });
        await s.up("create");
        declare({ registry: pull(V.token2, "refused-pull") });
        s.emulator.clearRequests();
        const failed = await s.up("rotate in-place, refused", { allowFail: true });
        assert.notEqual(failed.code, 0);
        assert.match(failed.stdout + failed.stderr, /pulumi config set pipecat:imagePullUpdates replace/);
        assert.ok(!s.seen().some((r) => r.startsWith("DELETE")), s.seen().join("\n"));
        assert.equal(pullValue("refused-pull"), Buffer.from(`bot:${V.token1}`).toString("base64"));
        // Switching back replaces it, as the message says.
        await s.project.setConfig("pipecat:imagePullUpdates", "replace");
        await s.up("rotate by replacement");
        assert.equal(pullValue("refused-pull"), Buffer.from(`bot:${V.token2}`).toString("base64"));
    });

    it("replaces an autonamed image-pull set create-first, under a fresh name, so the old one goes only after", async () => {
        await stack({});
        declare({ registry: pull(V.token1) });
        await s.up("create");
        const before = Object.keys(s.emulator.snapshot());
        assert.equal(before.length, 1);
        const old = before[0]!;
        declare({ registry: pull(V.token3) });
        s.emulator.clearRequests();
        await s.up("rotate autonamed");
        const now = Object.keys(s.emulator.snapshot());
        assert.equal(now.length, 1);
        const fresh = now[0]!;
        assert.notEqual(fresh, old);
        assert.match(fresh, /^registry-[a-z0-9]{7}$/);
        const requests = s.seen();
        const put = requests.indexOf(`PUT /secrets/${fresh} 202`);
        const del = requests.indexOf(`DELETE /secrets/${old} 200`);
        assert.ok(put >= 0 && del > put, `the new set is written before the old one is deleted:\n${requests.join("\n")}`);
        // ... and ready before: every readiness check of the new set came before the DELETE.
        assert.equal(pullValue(fresh), Buffer.from(`bot:${V.token3}`).toString("base64"));
    });
});
