import * as assert from "node:assert/strict";
import { LIMITS, UNKNOWN, autoname, autonamePrefixFrom, checkInputs } from "../../../provider/secretset/schema";

const VALUE = "sk-test-VALUE-must-never-leak-1234";

function reasons(news: Record<string, unknown>, olds: Record<string, unknown> = {}): string[] {
    const r = checkInputs(olds, news, () => 0.5);
    assert.equal(r.ok, false, "expected the inputs to be rejected");
    if (r.ok) return [];
    for (const f of r.failures) {
        assert.equal(f.property, "", "failures name no property, so the engine prints no value");
        assert.ok(!f.reason.includes(VALUE), `a reason echoes the value: ${f.reason}`);
    }
    return r.failures.map((f) => f.reason);
}

describe("checkInputs", () => {
    it("accepts a regular set and keeps its name", () => {
        const r = checkInputs({}, { name: "voice-agent-secrets", secrets: { OPENAI_API_KEY: VALUE } });
        assert.deepEqual(r, { ok: true, inputs: { name: "voice-agent-secrets", secrets: { OPENAI_API_KEY: VALUE } } });
    });

    it("accepts an image-pull set with username and password", () => {
        const r = checkInputs(
            {},
            { name: "pull", imagePullSecret: { host: "https://index.docker.io/v1/", username: "u", password: VALUE } },
        );
        assert.equal(r.ok, true);
    });

    it("autonames from the resource name and keeps the name across updates", () => {
        const first = checkInputs({}, { autonamePrefix: "Agent_Secrets", secrets: { A: VALUE } }, () => 0);
        assert.ok(first.ok);
        assert.equal(first.inputs.name, "agent-secrets-aaaaaaa");
        const second = checkInputs(first.inputs as unknown as Record<string, unknown>, {
            autonamePrefix: "Agent_Secrets",
            secrets: { B: VALUE },
        });
        assert.ok(second.ok);
        assert.equal(second.inputs.name, "agent-secrets-aaaaaaa");
    });

    it('autonames from "secrets" when no resource name is passed, and records that prefix', () => {
        const r = checkInputs({}, { secrets: { A: VALUE } }, () => 0);
        assert.deepEqual(r, { ok: true, inputs: { name: "secrets-aaaaaaa", autonamePrefix: "secrets", secrets: { A: VALUE } } });
    });

    it("quotes at most the first 80 characters of a key that is too long", () => {
        const key = `${"K".repeat(80)}TAIL`;
        assert.deepEqual(reasons({ name: "abc", secrets: { [key]: VALUE } }), [
            `secrets.${key}: secret key "${"K".repeat(80)}" is longer than 64 characters`,
        ]);
    });

    it("makes a valid set name out of any resource name", () => {
        assert.equal(autonamePrefixFrom("__"), "secrets");
        assert.equal(autonamePrefixFrom("x".repeat(100)).length, LIMITS.nameMax - 8);
        assert.match(
            autoname("My Agent!", () => 0.99),
            /^my-agent-[a-z0-9]{7}$/,
        );
    });

    it("treats unknown values as valid during preview", () => {
        const r = checkInputs({}, { name: UNKNOWN, secrets: { A: UNKNOWN }, imagePullSecret: undefined });
        assert.equal(r.ok, true);
        const whole = checkInputs({}, { name: "abc", secrets: UNKNOWN });
        assert.equal(whole.ok, true);
    });

    it("names the rule a bad set name breaks", () => {
        assert.match(reasons({ name: "ab", secrets: { A: VALUE } }).join("\n"), /^name: must be 3 to 63 characters long \(got 2\)/);
        assert.match(reasons({ name: "Bad_Name", secrets: { A: VALUE } }).join("\n"), /name: "Bad_Name" is not a valid set name/);
        assert.match(reasons({ name: "a".repeat(64), secrets: { A: VALUE } }).join("\n"), /got 64/);
    });

    it("rejects bad keys, quoting the key but never the value", () => {
        assert.match(reasons({ name: "abc", secrets: { "MY KEY": VALUE } }).join("\n"), /secret key "MY KEY" may contain only letters/);
        assert.match(reasons({ name: "abc", secrets: { "": VALUE } }).join("\n"), /must not be empty/);
        assert.match(reasons({ name: "abc", secrets: { ["K".repeat(65)]: VALUE } }).join("\n"), /longer than 64/);
    });

    it("rejects an empty map, non-string values and oversize values", () => {
        assert.match(reasons({ name: "abc", secrets: {} }).join("\n"), /secrets: must declare at least one secret/);
        assert.match(reasons({ name: "abc", secrets: { A: 5 } }).join("\n"), /secrets.A: values must be strings/);
        assert.match(reasons({ name: "abc", secrets: { A: VALUE + "x".repeat(LIMITS.valueMaxBytes) } }).join("\n"), /at most 65536 bytes/);
    });

    it("requires exactly one of secrets and imagePullSecret", () => {
        const both = { name: "abc", secrets: { A: VALUE }, imagePullSecret: { host: "https://r.example/", credentials: VALUE } };
        assert.match(reasons(both).join("\n"), /not both/);
        assert.match(reasons({ name: "abc" }).join("\n"), /declare secrets .* or imagePullSecret/);
    });

    it("checks the image-pull host and credentials", () => {
        const bad = (p: Record<string, unknown>) => reasons({ name: "abc", imagePullSecret: p }).join("\n");
        assert.match(bad({ host: "http://r.example/", credentials: VALUE }), /imagePullSecret.host: must be the https:\/\/ URL/);
        assert.match(bad({ host: "not a url", credentials: VALUE }), /imagePullSecret.host/);
        assert.match(bad({ host: "https://r.example/" }), /needs credentials, or both username and password/);
        assert.match(bad({ host: "https://r.example/", credentials: VALUE, username: "u" }), /not both/);
    });

    it("rejects unknown properties by name", () => {
        assert.match(
            reasons({ name: "abc", secrets: { A: VALUE }, secret: { B: VALUE } }).join("\n"),
            /unknown property "secret" \(allowed: name, region/,
        );
    });
});
