/**
 * OrganizationSettings through the real engine, against the emulator: a first `up` that writes the default region
 * before the sets and agents that depend on it are created there, a no-change preview that sends nothing, drift read
 * by refresh and repaired by up, a destroy that leaves the setting and says so, and a second settings resource
 * refused by the preview.
 */
import * as assert from "node:assert/strict";
import { useStack } from "../support/stack";

const API_KEY = "pk-org-e2e-API-KEY-never-shown-0001";
const VALUE = "sk-org-e2e-VALUE-never-shown-0002";
const IMAGE = "registry.example/voice-agent:0.1";

const program = `
import * as fs from "fs";
import { Agent, OrganizationSettings, SecretSet } from "pulumi-pipecat-secrets";
const spec: { settings?: Record<string, any>; sets?: Record<string, any>; agents?: Record<string, any> } = JSON.parse(
    fs.readFileSync("stack.json", "utf8"),
);
const settings = Object.entries(spec.settings ?? {}).map(([r, args]) => new OrganizationSettings(r, args));
const sets: Record<string, SecretSet> = {};
for (const [r, args] of Object.entries(spec.sets ?? {})) sets[r] = new SecretSet(r, args, { dependsOn: settings });
for (const [r, a] of Object.entries(spec.agents ?? {})) new Agent(r, { ...a, secretSet: sets[a.secretSet] }, { dependsOn: settings });
export const defaultRegion = settings[0]?.defaultRegion;
export const availableRegions = settings[0]?.availableRegions;
`;

describe("e2e: OrganizationSettings", function () {
    this.timeout(600_000);

    const s = useStack({
        name: "organization-e2e",
        program,
        emulator: { apiKey: API_KEY, readyAfterMs: 200, deployPhaseMs: { creating: 200, validating: 200 } },
        secrets: [API_KEY, VALUE],
        what: "organization output",
    });
    const declare = (spec: object) => s.writeJson("stack.json", spec);
    const currentDefault = async () => {
        const res = await fetch(`${s.emulator.url}/properties`, { headers: { Authorization: `Bearer ${API_KEY}` } });
        return ((await res.json()) as { properties: { defaultRegion: string } }).properties.defaultRegion;
    };
    const voice = (defaultRegion: string) => ({
        settings: { org: { defaultRegion } },
        sets: { secrets: { name: "voice-secrets", secrets: { OPENAI_API_KEY: VALUE } } },
        agents: { voice: { name: "voice-agent", image: IMAGE, secretSet: "secrets" } },
    });

    it("1. a first up writes the default region before the set and agent that depend on it, which land there", async () => {
        await s.start();
        declare(voice("eu-central"));
        const up = await s.up("create");
        assert.equal(up.code, 0);
        assert.equal(await currentDefault(), "eu-central");
        assert.equal(s.emulator.agent("voice-agent")?.region, "eu-central");
        const patch = s.seen().indexOf("PATCH /properties 200");
        assert.ok(patch >= 0 && patch < s.seen().findIndex((r) => r.startsWith("PUT /secrets/voice-secrets")), s.seen().join("\n"));
        const outputs = JSON.parse((await s.current.pulumi("outputs", ["stack", "output", "--json"])).stdout) as Record<string, unknown>;
        assert.equal(outputs["defaultRegion"], "eu-central");
        assert.deepEqual(outputs["availableRegions"], ["us-west", "us-east", "eu-central", "ap-south"]);

        s.emulator.clearRequests();
        const preview = await s.preview("no change");
        assert.doesNotMatch(preview.stdout, /to update|to create|to replace/);
        assert.deepEqual(s.seen(), []);
    });

    it("2. refresh shows a default region changed elsewhere, up sets the declared one again, destroy leaves it and says so", async () => {
        await s.start();
        declare(voice("eu-central"));
        await s.up("create");
        const res = await fetch(`${s.emulator.url}/properties`, {
            method: "PATCH",
            headers: { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json" },
            body: JSON.stringify({ defaultRegion: "us-east" }),
        });
        assert.equal(res.status, 200);
        await s.refresh("refresh the drift");
        const preview = await s.preview("after refresh");
        assert.match(preview.stdout, /~\s+pulumi-nodejs:dynamic\/pipecat:OrganizationSettings\s+org\s+update/);
        await s.up("repair the drift");
        assert.equal(await currentDefault(), "eu-central");

        s.emulator.clearRequests();
        const destroy = await s.destroy("destroy");
        console.log("OUT>>", destroy.stdout, "ERR>>", destroy.stderr);
        // The provider's stderr line, shown by the engine among the command's diagnostics.
        assert.match(
            destroy.stdout,
            /Diagnostics:[\s\S]*pipecat: OrganizationSettings was removed from the stack, and the organisation keeps its default region as it is/,
        );
        assert.ok(!s.seen().some((r) => r.includes("/properties")), s.seen().join("\n"));
        assert.equal(await currentDefault(), "eu-central");
    });

    it("3. a second OrganizationSettings fails the preview, naming both, and nothing is written", async () => {
        await s.start();
        declare({ settings: { org: { defaultRegion: "eu-central" }, "org-again": { defaultRegion: "us-east" } } });
        const preview = await s.preview("two settings", { allowFail: true });
        assert.notEqual(preview.code, 0);
        assert.match(
            preview.stdout + preview.stderr,
            /only one OrganizationSettings may be declared per program, and "org(-again)?" \(urn:/,
        );
        assert.match(preview.stdout + preview.stderr, /"org" \(urn:pulumi:[^)]*::org\)/);
        assert.match(preview.stdout + preview.stderr, /"org-again" \(urn:pulumi:[^)]*::org-again\)/);
        assert.ok(!s.seen().some((r) => r.startsWith("PATCH")));
    });
});
