import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { MockResourceArgs } from "@pulumi/pulumi/runtime";

const VALUE = "sk-mock-VALUE-never-shown-5678";
const PASSWORD = "mock-registry-PASSWORD-91011";
const registered: MockResourceArgs[] = [];

/** The SDK hands mocks a secret as `{ <sig>: <secret sig>, value }`, lifted to the top-level property. */
function unwrapSecret(v: unknown): unknown {
    const o = v as Record<string, unknown> | undefined;
    return o && o[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig ? o["value"] : v;
}

pulumi.runtime.setMocks(
    {
        newResource(args) {
            registered.push(args);
            const keys = Object.keys((unwrapSecret(args.inputs["secrets"]) as Record<string, string> | undefined) ?? {}).sort();
            return { id: `${args.inputs["name"] ?? args.name}`, state: { ...args.inputs, keys, isImagePullSecret: "imagePullSecret" in args.inputs } };
        },
        call: () => ({}),
    },
    "project",
    "stack",
    false,
);

// Imported after setMocks, as a program would be evaluated by the engine.
import { SecretSet, secretSetProvider } from "../../provider";

function value<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}

describe("SecretSet under mocks", () => {
    it("registers the pipecat:SecretSet type token with each value secret and names plain", async () => {
        const set = new SecretSet("agent", { name: "voice-agent-secrets", secrets: { OPENAI_API_KEY: VALUE, DAILY_API_KEY: "d" } });
        assert.deepEqual(await value(set.keys), ["DAILY_API_KEY", "OPENAI_API_KEY"]);
        assert.equal(await pulumi.isSecret(set.keys), false, "key names are not secret");
        assert.equal(await pulumi.isSecret(set.secrets), true, "values are secret");
        assert.equal(await value(set.name), "voice-agent-secrets");
        const args = registered.find((r) => r.name === "agent");
        assert.equal(args?.type, "pulumi-nodejs:dynamic/pipecat:SecretSet");
    });

    it("passes the resource name for autonaming when no name is given", async () => {
        const set = new SecretSet("worker", { secrets: { A: VALUE } });
        await value(set.keys);
        const args = registered.find((r) => r.name === "worker");
        assert.equal(args?.inputs["autonamePrefix"], "worker");
        assert.equal(args?.inputs["name"], undefined);
    });

    it("marks image-pull credentials secret and keeps the host plain", async () => {
        const set = new SecretSet("registry", { name: "pull", imagePullSecret: { host: "https://index.docker.io/v1/", username: "u", password: PASSWORD } });
        assert.equal(await pulumi.isSecret(set.imagePullSecret), true);
        assert.equal(await value(set.isImagePullSecret), true);
    });

    it("serializes a provider that is small and holds no value, no key and no implementation", async () => {
        process.env["PIPECAT_API_KEY"] = "pk-should-never-be-serialized";
        try {
            const set = new SecretSet("sized", { name: "sized-set", secrets: { A: VALUE } });
            await value(set.keys);
            const serialized = registered.find((r) => r.name === "sized")?.inputs["__provider"] as string;
            assert.equal(typeof serialized, "string");
            assert.ok(!serialized.includes(VALUE));
            assert.ok(!serialized.includes("pk-should-never-be-serialized"));
            assert.ok(!serialized.includes("zod"), "the schemas are required at run time, not captured");
            assert.match(serialized, /require\("pulumi-pipecat-secrets\/implementation"\)/);
            assert.ok(serialized.length < 4096, `serialized provider is ${serialized.length} bytes`);
            console.log(`      serialized provider: ${serialized.length} bytes`);
        } finally {
            delete process.env["PIPECAT_API_KEY"];
        }
    });

    it("exports the exact provider object that SecretSet uses", () => {
        assert.equal(typeof secretSetProvider.create, "function");
        assert.equal(typeof secretSetProvider.configure, "function");
    });
});
