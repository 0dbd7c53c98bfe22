/**
 * SecretSet under @pulumi/pulumi's mocks, judged by what it registers: the RegisterResource request as serialized
 * for the engine, before the mock monitor deserializes it. `MockResourceArgs.inputs` cannot show which value is
 * secret (deserialization lifts secretness to the top-level property), and outputs are the resource's own wrapping;
 * the serialized request carries the secret signature on exactly the values that reach Pulumi as secrets.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

const VALUE = "sk-mock-VALUE-never-shown-5678";
const OTHER = "sk-mock-OTHER-never-shown-1234";
const PASSWORD = "mock-registry-PASSWORD-91011";
const CREDENTIALS = "bW9jay1yb2JvdDptb2NrLXRva2VuLTEyMTM=";
const HOST = "https://index.docker.io/v1/";

/** name -> the properties of its RegisterResource request as sent (secrets still wrapped). */
const sent = new Map<string, Record<string, unknown>>();
/** name -> type token. */
const types = new Map<string, string>();
/** name -> the replaceOnChanges option as sent. */
const replaceOnChanges = new Map<string, string[]>();
/** name -> the ignoreChanges option as sent. */
const ignoreChanges = new Map<string, string[]>();

pulumi.runtime.setMocks(
    {
        // The mock answers with no state: nothing asserted below is computed here.
        newResource: (args) => ({ id: `${args.name}-id`, state: {} }),
        call: () => ({}),
    },
    "project",
    "stack",
    false,
);

interface RegisterRequest {
    getName(): string;
    getType(): string;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
    getReplaceonchangesList(): string[];
    getIgnorechangesList(): string[];
}
const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, callback: unknown): void };
const registerResource = monitor.registerResource.bind(monitor);
monitor.registerResource = (req, callback) => {
    sent.set(req.getName(), req.getObject()?.toJavaScript() ?? {});
    types.set(req.getName(), req.getType());
    replaceOnChanges.set(req.getName(), req.getReplaceonchangesList());
    ignoreChanges.set(req.getName(), req.getIgnorechangesList());
    registerResource(req, callback);
};

// Imported after setMocks, as a program would be evaluated by the engine.
import { SecretSet, secretSetProvider } from "../../../provider";

/** How a value is wrapped when Pulumi must treat it as secret. */
const secret = (value: unknown) => ({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value });

/** The properties SecretSet registered for `resource`, once the registration went out. */
async function registered(resource: SecretSet): Promise<Record<string, unknown>> {
    const urn = await new Promise<string>((resolve) => resource.urn.apply(resolve));
    const props = sent.get(urn.split("::").pop() ?? "");
    assert.ok(props, `no RegisterResource request for ${urn}`);
    return props;
}

describe("SecretSet under mocks", () => {
    it("registers the pipecat:SecretSet type token, each value of a secrets map as a secret and its key names plain", async () => {
        const set = new SecretSet("agent", { name: "voice-agent-secrets", secrets: { OPENAI_API_KEY: VALUE, DAILY_API_KEY: OTHER } });
        const props = await registered(set);
        assert.equal(types.get("agent"), "pulumi-nodejs:dynamic/pipecat:SecretSet");
        assert.equal(props["name"], "voice-agent-secrets");
        // A plain object whose keys are visible, and whose every value carries the secret signature.
        assert.deepEqual(props["secrets"], { OPENAI_API_KEY: secret(VALUE), DAILY_API_KEY: secret(OTHER) });
    });

    it("registers values given as plain Outputs or promises as secrets, and already secret ones stay secret", async () => {
        const set = new SecretSet("mixed", {
            name: "mixed",
            secrets: { FROM_OUTPUT: pulumi.output(VALUE), FROM_PROMISE: Promise.resolve(OTHER), ALREADY: pulumi.secret(PASSWORD) },
        });
        assert.deepEqual((await registered(set))["secrets"], {
            FROM_OUTPUT: secret(VALUE),
            FROM_PROMISE: secret(OTHER),
            ALREADY: secret(PASSWORD),
        });
    });

    it("opens a secrets map given as one secret Output or a Promise: each value a secret, key names plain", async () => {
        // What `config.requireSecretObject(...)` returns: a preview must still name the keys that change.
        for (const secrets of [pulumi.secret({ A_KEY: VALUE }), pulumi.output({ A_KEY: VALUE }), Promise.resolve({ A_KEY: VALUE })]) {
            const set = new SecretSet("whole", { name: "whole", secrets });
            assert.deepEqual((await registered(set))["secrets"], { A_KEY: secret(VALUE) });
        }
    });

    it("registers image-pull username and password as secrets and the host plain", async () => {
        const set = new SecretSet("registry", {
            name: "pull",
            imagePullSecret: { host: HOST, username: "robot-user", password: PASSWORD },
        });
        assert.deepEqual((await registered(set))["imagePullSecret"], {
            host: HOST,
            username: secret("robot-user"),
            password: secret(PASSWORD),
        });
    });

    it("registers image-pull credentials as a secret and the host plain", async () => {
        const set = new SecretSet("registry-creds", { name: "pull-creds", imagePullSecret: { host: HOST, credentials: CREDENTIALS } });
        assert.deepEqual((await registered(set))["imagePullSecret"], { host: HOST, credentials: secret(CREDENTIALS) });
    });

    it("opens an imagePullSecret given as one secret Output: credentials secret, the host plain", async () => {
        const set = new SecretSet("registry-output", {
            name: "pull-output",
            imagePullSecret: pulumi.secret({ host: HOST, credentials: CREDENTIALS }),
        });
        assert.deepEqual((await registered(set))["imagePullSecret"], { host: HOST, credentials: secret(CREDENTIALS) });
    });

    it("replaces on new image-pull credentials, keeping the program's own replaceOnChanges", async () => {
        await registered(new SecretSet("roc-default", { name: "roc-default", secrets: { A: VALUE } }));
        assert.deepEqual(replaceOnChanges.get("roc-default"), ["imagePullSecret"]);
        await registered(new SecretSet("roc-user", { name: "roc-user", secrets: { A: VALUE } }, { replaceOnChanges: ["secrets"] }));
        assert.deepEqual(replaceOnChanges.get("roc-user"), ["secrets", "imagePullSecret"]);
    });

    it("does not replace on new image-pull credentials when pipecat:imagePullUpdates is in-place", async () => {
        pulumi.runtime.setAllConfig({ "pipecat:imagePullUpdates": "in-place" });
        try {
            await registered(new SecretSet("roc-in-place", { name: "roc-in-place", secrets: { A: VALUE } }));
            assert.deepEqual(replaceOnChanges.get("roc-in-place"), []);
        } finally {
            pulumi.runtime.setAllConfig({});
        }
        process.env["PIPECAT_IMAGE_PULL_UPDATES"] = "in-place";
        try {
            await registered(new SecretSet("roc-env", { name: "roc-env", secrets: { A: VALUE } }));
            assert.deepEqual(replaceOnChanges.get("roc-env"), []);
        } finally {
            delete process.env["PIPECAT_IMAGE_PULL_UPDATES"];
        }
    });

    it("ignores changes of the serialized provider's text, keeping the program's own ignoreChanges", async () => {
        // A release of this package or of @pulumi/pulumi may serialize the shim differently: that is no change.
        await registered(new SecretSet("ign-default", { name: "ign-default", secrets: { A: VALUE } }));
        assert.deepEqual(ignoreChanges.get("ign-default"), ["__provider"]);
        await registered(new SecretSet("ign-user", { name: "ign-user", secrets: { A: VALUE } }, { ignoreChanges: ["adopt"] }));
        assert.deepEqual(ignoreChanges.get("ign-user"), ["adopt", "__provider"]);
    });

    it("passes the resource name for autonaming when no name is given", async () => {
        const props = await registered(new SecretSet("worker", { secrets: { A: VALUE } }));
        assert.equal(props["autonamePrefix"], "worker");
        assert.equal("name" in props, false);
        // Only a preview leaves the name to be chosen unknown (these mocks run an update).
        assert.equal("autonameAtCreate" in props, false);
        const named = await registered(new SecretSet("named", { name: "named-set", secrets: { A: VALUE } }));
        assert.deepEqual(["autonamePrefix" in named, "autonameAtCreate" in named], [false, false]);
    });

    it("registers adopt when given, and the outputs the provider fills in", async () => {
        const set = new SecretSet("adopted", { name: "adopted-set", region: "eu-central", secrets: { A: VALUE }, adopt: true });
        const props = await registered(set);
        assert.equal(props["adopt"], true);
        assert.equal(props["region"], "eu-central");
        for (const output of [set.name, set.region, set.keys, set.isImagePullSecret, set.host, set.revision])
            assert.ok(pulumi.Output.isInstance(output));
        assert.equal(set.declaredRegion, "eu-central");
        assert.equal(new SecretSet("no-region", { name: "no-region", secrets: { A: VALUE } }).declaredRegion, undefined);
    });

    it("hands the declared values back as secret outputs, and the kind not declared as a plain undefined", async () => {
        const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
        const regular = new SecretSet("handed-back", { name: "handed-back", secrets: { A_KEY: VALUE } });
        assert.deepEqual(await value(regular.secrets), { A_KEY: VALUE });
        assert.equal(await pulumi.isSecret(regular.secrets), true);
        assert.equal(await value(regular.imagePullSecret), undefined);
        assert.equal(await pulumi.isSecret(regular.imagePullSecret), false);
        const pull = new SecretSet("handed-back-pull", {
            name: "handed-back-pull",
            imagePullSecret: { host: HOST, credentials: CREDENTIALS },
        });
        assert.deepEqual(await value(pull.imagePullSecret), { host: HOST, credentials: CREDENTIALS });
        assert.equal(await pulumi.isSecret(pull.imagePullSecret), true);
        assert.equal(await value(pull.secrets), undefined);
    });

    it("opens an imagePullSecret given as a Promise: credentials secret, the host plain", async () => {
        const set = new SecretSet("registry-promise", {
            name: "pull-promise",
            imagePullSecret: Promise.resolve({ host: HOST, username: "robot-user", password: PASSWORD }),
        });
        assert.deepEqual((await registered(set))["imagePullSecret"], {
            host: HOST,
            username: secret("robot-user"),
            password: secret(PASSWORD),
        });
    });

    it("serializes a provider that is small, plain and holds no value, no key and no implementation", async () => {
        process.env["PIPECAT_API_KEY"] = "pk-should-never-be-serialized";
        try {
            const serialized = (await registered(new SecretSet("sized", { name: "sized-set", secrets: { A: VALUE } })))["__provider"];
            assert.equal(typeof serialized, "string", "the serialized provider is a plain string, not a secret");
            const text = serialized as string;
            assert.ok(!text.includes(VALUE));
            assert.ok(!text.includes("pk-should-never-be-serialized"));
            assert.ok(!text.includes("zod"), "the schemas are required at run time, not captured");
            assert.ok(text.length < 4096, `serialized provider is ${text.length} bytes`);
            console.log(`      serialized provider: ${text.length} bytes`);
        } finally {
            delete process.env["PIPECAT_API_KEY"];
        }
    });

    describe("the provider SecretSet passes", () => {
        const METHODS = ["configure", "check", "diff", "create", "read", "update", "delete"] as const;
        const IMPLEMENTATION = "pulumi-pipecat-secrets/implementation";

        /** A stand-in implementation: each method records its call and returns a token naming itself. */
        function recorder() {
            const calls: { method: string; args: unknown[] }[] = [];
            const implementation = new Proxy({} as Record<string, unknown>, {
                get:
                    (_, method) =>
                    (...args: unknown[]) => {
                        calls.push({ method: String(method), args });
                        return `result of ${String(method)}`;
                    },
            });
            return { calls, implementation };
        }

        /** Calls every method with arguments of its own, and asserts that each went to the implementation method of its name. */
        function assertDelegates(provider: Record<string, unknown>, calls: { method: string; args: unknown[] }[]): void {
            assert.deepEqual(Object.keys(provider).sort(), [...METHODS].sort());
            for (const method of METHODS) {
                const args = [`first argument of ${method}`, { second: method }, [method]];
                calls.length = 0;
                const result = (provider[method] as (...a: unknown[]) => unknown)(...args);
                assert.equal(result, `result of ${method}`, `${method} does not return what the implementation returned`);
                assert.deepEqual(calls, [{ method, args }], `${method} does not delegate to implementation.${method}`);
                assert.ok(
                    calls[0]?.args.every((a, i) => a === args[i]),
                    `${method} does not pass its arguments through`,
                );
            }
        }

        it("is secretSetProvider: the registered text is its serialization", async () => {
            const text = (await registered(new SecretSet("identity", { name: "identity", secrets: { A: VALUE } })))["__provider"];
            // Serialized the way pulumi.dynamic.Resource serializes the provider it is given (a closure named `provider`).
            const provider = secretSetProvider;
            const own = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
            assert.equal(text, own.text);
        });

        it("deserializes, as the engine's provider host does, to the 7 methods, each delegating by name to the implementation", async () => {
            const text = (await registered(new SecretSet("shim", { name: "shim", secrets: { A: VALUE } })))["__provider"] as string;
            const { calls, implementation } = recorder();
            const required: string[] = [];
            const fakeRequire = (id: string): unknown => {
                required.push(id);
                return id === IMPLEMENTATION ? implementation : require(id);
            };
            // The wrapper require-from-string gives the text: a CommonJS module whose `handler` returns the provider.
            const module = { exports: {} as { handler?: () => Record<string, unknown> } };
            new Function("exports", "require", "module", "__filename", "__dirname", text)(
                module.exports,
                fakeRequire,
                module,
                "provider.js",
                ".",
            );
            const provider = module.exports.handler?.();
            assert.ok(provider, "the serialized text exports no handler");
            assertDelegates(provider, calls);
            assert.deepEqual([...new Set(required)], [IMPLEMENTATION]);
        });

        it("is, as exported, the same 7 methods delegating by name to the installed implementation", () => {
            // The shim requires the implementation by the package's own name, which in the mocha process resolves to the
            // sources (test/support/source-packages.ts): stand in for that module in the require cache.
            const id = require.resolve(IMPLEMENTATION, { paths: [path.dirname(require.resolve("../../../provider"))] });
            require(id);
            const cached = require.cache[id];
            assert.ok(cached, "the implementation is not in the module cache");
            const real = cached.exports;
            const { calls, implementation } = recorder();
            cached.exports = implementation;
            try {
                assertDelegates(secretSetProvider as unknown as Record<string, unknown>, calls);
            } finally {
                cached.exports = real;
            }
        });
    });
});
