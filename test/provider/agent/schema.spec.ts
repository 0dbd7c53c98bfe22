import * as assert from "node:assert/strict";
import { UNKNOWN } from "../../../provider/inputs";
import { AGENT_LIMITS, checkInputs } from "../../../provider/agent/schema";

const IMAGE = "registry.example/voice-agent:0.1";
const BUILD = "4cab03c7-8f53-418d-9c3c-91a1265d179e";

function failures(news: Record<string, unknown>, olds: Record<string, unknown> = {}): string[] {
    const r = checkInputs(olds, news);
    return r.ok ? [] : r.failures.map((f) => f.reason);
}

function inputs(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
    const r = checkInputs(olds, news, () => 0);
    if (!r.ok) assert.fail(`unexpected failures: ${r.failures.map((f) => f.reason).join("; ")}`);
    return r.inputs;
}

describe("agent schema", () => {
    it("fills in the documented defaults of scaling, profile and session length", () => {
        const ins = inputs({ name: "voice", image: IMAGE });
        assert.deepEqual(ins.autoScaling, { minAgents: 0, maxAgents: 50 });
        assert.equal(ins.agentProfile, "agent-1x");
        assert.equal(ins.maxSessionDuration, AGENT_LIMITS.sessionDefault);
        assert.deepEqual(inputs({ name: "voice", image: IMAGE, autoScaling: { minAgents: 2 } }).autoScaling, {
            minAgents: 2,
            maxAgents: 50,
        });
    });

    it("requires exactly one of image or buildId", () => {
        assert.match(failures({ name: "voice" }).join(), /declare image .* or buildId/);
        assert.match(failures({ name: "voice", image: IMAGE, buildId: BUILD }).join(), /either image .* or buildId .*, not both/);
        assert.deepEqual(failures({ name: "voice", buildId: BUILD }), []);
        assert.match(failures({ name: "voice", buildId: "build-7" }).join(), /^buildId: must be the UUID of a successful build$/);
    });

    it("checks the name against the documented pattern and 54-character limit", () => {
        assert.deepEqual(failures({ name: "a".repeat(54), image: IMAGE }), []);
        assert.match(failures({ name: "a".repeat(55), image: IMAGE }).join(), /^name: must be at most 54 characters long \(got 55\)$/);
        for (const bad of ["Voice", "voice_agent", "-voice", "voice-", "v", "voice.agent"]) {
            assert.match(failures({ name: bad, image: IMAGE }).join(), /is not a valid agent name/, bad);
        }
    });

    it("autonames within 54 characters and keeps the name across updates and renames", () => {
        const first = inputs({ autonamePrefix: "x".repeat(80), image: IMAGE });
        assert.ok(first.name.length <= 54, first.name);
        assert.match(first.name, /^x+-a{7}$/);
        const again = checkInputs({ ...first }, { autonamePrefix: "renamed", image: "other:1" });
        assert.ok(again.ok && again.inputs.name === first.name);
        assert.equal(inputs({ autonamePrefix: "voice", autonameAtCreate: true, image: IMAGE }).name, UNKNOWN);
    });

    it("validates scaling, profile, session length, node type, Krisp and websocket auth with the rule in the message", () => {
        const cases: [Record<string, unknown>, RegExp][] = [
            [{ autoScaling: { minAgents: -1 } }, /^autoScaling\.minAgents: must be at least 0$/],
            [{ autoScaling: { maxAgents: 0 } }, /^autoScaling\.maxAgents: must be at least 1$/],
            [{ autoScaling: { minAgents: 5, maxAgents: 2 } }, /^autoScaling: maxAgents must be at least minAgents$/],
            [{ autoScaling: { minAgents: 1.5 } }, /^autoScaling\.minAgents: must be a whole number of agents$/],
            [{ autoScaling: { min: 1 } }, /^autoScaling: unknown property "min" \(allowed: minAgents, maxAgents\)$/],
            [{ agentProfile: "agent-4x" }, /^agentProfile: must be one of "agent-1x", "agent-2x", "agent-3x"$/],
            [{ maxSessionDuration: 59 }, /^maxSessionDuration: must be 60 to 14400 seconds$/],
            [{ maxSessionDuration: 14401 }, /^maxSessionDuration: must be 60 to 14400 seconds$/],
            [{ nodeType: "x86" }, /^nodeType: must be one of "arm"$/],
            [{ krispViva: { audioFilter: "studio" } }, /^krispViva\.audioFilter: must be one of "tel", "pro"$/],
            [{ websocketAuth: "basic" }, /^websocketAuth: must be one of "none", "token"$/],
            [{ secretSet: "Bad Name" }, /^secretSet: "Bad Name" is not a valid secret set name$/],
            [{ replicas: 3 }, /^unknown property "replicas" \(allowed: name, region, image, buildId, secretSet/],
        ];
        for (const [extra, expected] of cases) {
            assert.match(failures({ name: "voice", image: IMAGE, ...extra }).join(" | "), expected, JSON.stringify(extra));
        }
    });

    it("accepts every value unknown during a preview", () => {
        const all = [
            "name",
            "region",
            "image",
            "secretSet",
            "imagePullSecretSet",
            "autoScaling",
            "agentProfile",
            "maxSessionDuration",
            "nodeType",
            "krispViva",
            "enableKrisp",
            "websocketAuth",
            "adopt",
        ];
        const ins = inputs(Object.fromEntries(all.map((k) => [k, UNKNOWN])));
        assert.equal(ins.autoScaling as unknown, UNKNOWN, "an unknown scaling stays unknown (diff then plans an update)");
        assert.deepEqual(failures({ name: "voice", image: IMAGE, autoScaling: { minAgents: UNKNOWN, maxAgents: 2 } }), []);
    });

    it("says what a valid agent name looks like, with an example, as a failure of the whole inputs", () => {
        assert.deepEqual(checkInputs({}, { name: "Voice", image: IMAGE }), {
            ok: false,
            failures: [
                {
                    property: "",
                    reason: 'name: "Voice" is not a valid agent name: use at least 2 lowercase letters, digits and "-", starting and ending with a letter or digit (for example "voice-agent")',
                },
            ],
        });
    });

    it('autonames from "agent" when neither a name nor a usable prefix is given, and records no prefix for a named agent', () => {
        const unnamed = inputs({ image: IMAGE });
        assert.equal(unnamed.name, "agent-aaaaaaa");
        assert.equal(unnamed.autonamePrefix, "agent");
        assert.equal(inputs({ autonamePrefix: "___", image: IMAGE }).name, "agent-aaaaaaa", "a prefix with nothing usable in it");
        assert.deepEqual(inputs({ name: "voice", image: IMAGE }), {
            name: "voice",
            image: IMAGE,
            autoScaling: { minAgents: 0, maxAgents: 50 },
            agentProfile: "agent-1x",
            maxSessionDuration: AGENT_LIMITS.sessionDefault,
        });
    });
});
