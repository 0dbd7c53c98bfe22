/**
 * Agent under @pulumi/pulumi's mocks, judged by what it registers: the RegisterResource request as serialized for the
 * engine (its properties, dependencies and ignoreChanges), as test/provider/secretset/resource.spec.ts judges SecretSet.
 *
 * One mock monitor serves every file of a mocha run (secretset/resource.spec.ts installs one when it is loaded, and
 * mocha loads every file before it runs any), and a second `setMocks` would strand the first file's recorder. So
 * this file installs a monitor only when none is in force, and otherwise lends the one in force its own mocks and
 * recorder for its tests, putting both back after them.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Agent, Build, SecretSet, agentProvider } from "../../../provider";

const VALUE = "sk-mock-AGENT-VALUE-never-shown-4321";
const IMAGE = "registry.example/voice-agent:0.1";

interface RegisterRequest {
    getName(): string;
    getType(): string;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
    getIgnorechangesList(): string[];
    getDependenciesList(): string[];
}
interface Monitor {
    mocks: pulumi.runtime.Mocks;
    registerResource(req: RegisterRequest, callback: unknown): void;
}

/** name -> what its RegisterResource request carried. */
const sent = new Map<string, { type: string; props: Record<string, unknown>; ignoreChanges: string[]; dependencies: string[] }>();

/** Resources answer with their inputs as state, a SecretSet also with a revision: an Agent bound to one registers what the set resolved to. */
const mocks: pulumi.runtime.Mocks = {
    newResource: (args) => ({
        id: `${args.name}-id`,
        state: args.type.endsWith(":SecretSet")
            ? { ...args.inputs, revision: `revision-of-${args.name}` }
            : args.type.endsWith(":Build")
              ? { ...args.inputs, buildId: `build-of-${args.name}` }
              : args.inputs,
    }),
    call: () => ({}),
};

/** Documented (at `isDryRun`) for unit tests, not declared. */
const setIsDryRun = (pulumi.runtime as unknown as { _setIsDryRun(preview: boolean): void })._setIsDryRun;

/** What `resource` registered, once the registration went out. */
async function registered(resource: pulumi.CustomResource): Promise<NonNullable<ReturnType<typeof sent.get>>> {
    const urn = await new Promise<string>((resolve) => resource.urn.apply(resolve));
    const request = sent.get(urn.split("::").pop() ?? "");
    assert.ok(request, `no RegisterResource request for ${urn}`);
    return request;
}

const urnOf = (resource: pulumi.CustomResource) => new Promise<string>((resolve) => resource.urn.apply(resolve));

describe("Agent under mocks", () => {
    let monitor: Monitor;
    let lent: Pick<Monitor, "mocks" | "registerResource"> | undefined;

    before(() => {
        if (pulumi.runtime.getMonitor() === undefined) void pulumi.runtime.setMocks(mocks, "project", "stack", false);
        monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
        lent = { mocks: monitor.mocks, registerResource: monitor.registerResource };
        const registerResource = monitor.registerResource.bind(monitor);
        monitor.mocks = mocks;
        monitor.registerResource = (req, callback) => {
            sent.set(req.getName(), {
                type: req.getType(),
                props: req.getObject()?.toJavaScript() ?? {},
                ignoreChanges: req.getIgnorechangesList(),
                dependencies: req.getDependenciesList(),
            });
            registerResource(req, callback);
        };
    });

    after(() => {
        if (lent !== undefined) Object.assign(monitor, lent);
    });

    it("registers the pipecat:Agent type token and exactly the declared inputs, beside the serialized provider", async () => {
        const { type, props } = await registered(new Agent("voice", { name: "voice-agent", image: IMAGE, autoScaling: { minAgents: 1 } }));
        assert.equal(type, "pulumi-nodejs:dynamic/pipecat:Agent");
        const { __provider: _provider, ...rest } = props;
        assert.deepEqual(rest, { name: "voice-agent", image: IMAGE, autoScaling: { minAgents: 1 } });
    });

    it("ignores changes of the serialized provider's text, keeping the program's own ignoreChanges", async () => {
        // A release of this package or of @pulumi/pulumi may serialize the shim differently: that is no change.
        assert.deepEqual((await registered(new Agent("ign-default", { name: "ign-default", image: IMAGE }))).ignoreChanges, ["__provider"]);
        assert.deepEqual(
            (await registered(new Agent("ign-user", { name: "ign-user", image: IMAGE }, { ignoreChanges: ["image"] }))).ignoreChanges,
            ["image", "__provider"],
        );
    });

    it("binds a SecretSet resource by its name and revision, and depends on it; a set name binds without a revision", async () => {
        const secrets = new SecretSet("secrets", { name: "voice-secrets", secrets: { OPENAI_API_KEY: VALUE } });
        const pull = new SecretSet("pull", {
            name: "voice-pull",
            imagePullSecret: { host: "https://index.docker.io/v1/", username: "bot", password: VALUE },
        });
        const bound = await registered(new Agent("bound", { name: "bound", image: IMAGE, secretSet: secrets, imagePullSecretSet: pull }));
        assert.equal(bound.props["secretSet"], "voice-secrets");
        assert.equal(bound.props["secretSetRevision"], "revision-of-secrets");
        assert.equal(bound.props["imagePullSecretSet"], "voice-pull");
        assert.equal(bound.props["imagePullSecretSetRevision"], "revision-of-pull");
        assert.deepEqual([...bound.dependencies].sort(), [await urnOf(secrets), await urnOf(pull)].sort());
        const named = await registered(new Agent("named", { name: "named", image: IMAGE, secretSet: "voice-secrets" }));
        assert.equal(named.props["secretSet"], "voice-secrets");
        assert.equal("secretSetRevision" in named.props, false);
        assert.deepEqual(named.dependencies, []);
    });

    it("passes a SecretSet resource's declared region, for check to compare without the API, and nothing for a set without one", async () => {
        const east = new SecretSet("east", { name: "east-secrets", region: "us-east", secrets: { OPENAI_API_KEY: VALUE } });
        const pull = new SecretSet("east-pull", {
            name: "east-pull",
            region: "eu-central",
            imagePullSecret: { host: "https://index.docker.io/v1/", username: "bot", password: VALUE },
        });
        const placed = await registered(new Agent("placed", { name: "placed", image: IMAGE, secretSet: east, imagePullSecretSet: pull }));
        assert.equal(placed.props["secretSetRegion"], "us-east");
        assert.equal(placed.props["imagePullSecretSetRegion"], "eu-central");
        const anywhere = new SecretSet("anywhere", { name: "anywhere-secrets", secrets: { OPENAI_API_KEY: VALUE } });
        const unplaced = await registered(new Agent("unplaced", { name: "unplaced", image: IMAGE, secretSet: anywhere }));
        assert.equal("secretSetRegion" in unplaced.props, false);
        assert.equal("imagePullSecretSetRegion" in unplaced.props, false);
    });

    it("runs a Build resource's buildId, depends on it, and passes its declared region for check to compare without the API", async () => {
        const east = new Build("east-build", { context: "./bot", region: "us-east" });
        const placed = await registered(new Agent("from-build", { name: "from-build", buildId: east }));
        assert.equal(placed.props["buildId"], "build-of-east-build");
        assert.equal(placed.props["buildRegion"], "us-east");
        assert.deepEqual(placed.dependencies, [await urnOf(east)]);
        const anywhere = new Build("any-build", { context: "./bot" });
        const unplaced = await registered(new Agent("from-any-build", { name: "from-any-build", buildId: anywhere }));
        assert.equal(unplaced.props["buildId"], "build-of-any-build");
        assert.equal("buildRegion" in unplaced.props, false);
        const byId = await registered(new Agent("by-id", { name: "by-id", buildId: "4cab03c7-8f53-418d-9c3c-91a1265d179e" }));
        assert.equal(byId.props["buildId"], "4cab03c7-8f53-418d-9c3c-91a1265d179e");
        assert.equal("buildRegion" in byId.props, false);
    });

    it("passes the resource name for autonaming when no name is given, and asks for the name at create in a preview", async () => {
        const up = (await registered(new Agent("worker", { image: IMAGE }))).props;
        assert.equal(up["autonamePrefix"], "worker");
        assert.equal("name" in up, false);
        assert.equal("autonameAtCreate" in up, false);
        setIsDryRun(true);
        try {
            const preview = (await registered(new Agent("previewed", { image: IMAGE }))).props;
            assert.equal(preview["autonamePrefix"], "previewed");
            assert.equal(preview["autonameAtCreate"], true);
        } finally {
            setIsDryRun(false);
        }
    });

    describe("the provider Agent passes", () => {
        const METHODS = ["configure", "check", "diff", "create", "read", "update", "delete"] as const;
        const IMPLEMENTATION = "pulumi-pipecat-secrets/agent/implementation";

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

        it("is agentProvider, serialized small and plain, holding no value, no key and no implementation", async () => {
            process.env["PIPECAT_API_KEY"] = "pk-should-never-be-serialized";
            try {
                const text = (await registered(new Agent("identity", { name: "identity", image: IMAGE })))["props"]["__provider"];
                const provider = agentProvider;
                const own = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
                assert.equal(text, own.text);
                assert.equal(typeof text, "string", "the serialized provider is a plain string, not a secret");
                assert.ok(!(text as string).includes("pk-should-never-be-serialized"));
                assert.ok(!(text as string).includes("zod"), "the schemas are required at run time, not captured");
                assert.ok((text as string).length < 4096, `serialized provider is ${(text as string).length} bytes`);
            } finally {
                delete process.env["PIPECAT_API_KEY"];
            }
        });

        it("deserializes, as the engine's provider host does, to the 7 methods, each delegating by name to the implementation", async () => {
            const text = (await registered(new Agent("shim", { name: "shim", image: IMAGE })))["props"]["__provider"] as string;
            const { calls, implementation } = recorder();
            const required: string[] = [];
            const fakeRequire = (id: string): unknown => {
                required.push(id);
                return id === IMPLEMENTATION ? implementation : require(id);
            };
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
            const id = require.resolve(IMPLEMENTATION, { paths: [path.dirname(require.resolve("../../../provider"))] });
            require(id);
            const cached = require.cache[id];
            assert.ok(cached, "the implementation is not in the module cache");
            const real = cached.exports;
            const { calls, implementation } = recorder();
            cached.exports = implementation;
            try {
                assertDelegates(agentProvider as unknown as Record<string, unknown>, calls);
            } finally {
                cached.exports = real;
            }
        });
    });
});
