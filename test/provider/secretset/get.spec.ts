/**
 * `SecretSet.get` and the refused `import` option, under @pulumi/pulumi's mocks with the provider's real read: the
 * mock monitor answers a ReadResource by calling the implementation's `read` with the id and the properties the
 * resource sent (as the engine's dynamic-provider plugin does), against the emulator over HTTP. What the engine does
 * with a read resource (up exports it, destroy leaves it) is in test/e2e/ways-in.spec.ts.
 *
 * One mock monitor serves every file of a mocha run: this file installs one only when none is in force, and otherwise
 * lends the one in force its own mocks and recorders for its tests (as test/provider/agent/resource.spec.ts does).
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { type Emulator, startEmulator } from "../../../emulator";
import { SecretSet, secretSetProvider } from "../../../provider";
import { requestLines } from "../../support/stack";

const implementation = require("pulumi-pipecat-secrets/implementation") as typeof import("../../../provider/secretset/implementation");

const KEY = "pk-get-API-KEY-never-shown-0001";
const VALUE = "sk-get-VALUE-never-shown-0002";
const TOKEN = "get-REGISTRY-TOKEN-never-shown-0003";

interface Request {
    getName(): string;
    getId?(): string;
    getProperties?(): { toJavaScript(): Record<string, unknown> } | undefined;
}
interface Monitor {
    mocks: pulumi.runtime.Mocks;
    readResource(req: Request, callback: unknown): void;
    registerResource(req: Request, callback: unknown): void;
}

/** name -> the id and properties of its ReadResource request, as sent. */
const reads = new Map<string, { id: string; props: Record<string, unknown> }>();
/** Names of RegisterResource requests. */
const registered: string[] = [];

/** A read runs the provider's real `read`; the engine fails a read whose id comes back empty ("does not exist"). */
const mocks: pulumi.runtime.Mocks = {
    newResource: async (args) => {
        if (args.id === undefined || args.id === "") return { id: `${args.name}-id`, state: args.inputs };
        const result = await implementation.read(args.id, args.inputs);
        if (result.id === "") throw new Error(`resource '${args.id}' does not exist`);
        return { id: result.id, state: result.props ?? {} };
    },
    call: () => ({}),
};

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("SecretSet.get", () => {
    let emulator: Emulator;
    let monitor: Monitor;
    let lent: Pick<Monitor, "mocks" | "readResource" | "registerResource"> | undefined;

    before(() => {
        if (pulumi.runtime.getMonitor() === undefined) void pulumi.runtime.setMocks(mocks, "project", "stack", false);
        monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
        lent = { mocks: monitor.mocks, readResource: monitor.readResource, registerResource: monitor.registerResource };
        const readResource = monitor.readResource.bind(monitor);
        const registerResource = monitor.registerResource.bind(monitor);
        monitor.mocks = mocks;
        monitor.readResource = (req, callback) => {
            reads.set(req.getName(), { id: req.getId?.() ?? "", props: req.getProperties?.()?.toJavaScript() ?? {} });
            readResource(req, callback);
        };
        monitor.registerResource = (req, callback) => {
            registered.push(req.getName());
            registerResource(req, callback);
        };
    });

    after(() => {
        if (lent !== undefined) Object.assign(monitor, lent);
    });

    beforeEach(async () => {
        emulator = await startEmulator({ apiKey: KEY });
        implementation.setTestHooks({});
        const config: Record<string, string> = { "pipecat:apiKey": KEY, "pipecat:apiUrl": emulator.url };
        await secretSetProvider.configure!({
            config: { get: (k: string) => config[k], require: (k: string) => config[k] ?? assert.fail(k) },
        });
    });

    afterEach(async () => {
        implementation.setTestHooks({});
        await emulator.close();
    });

    it("reads a regular set made outside the program by its name: region and key names, no value, no revision, nothing written", async () => {
        emulator.seed("team-secrets", { secrets: { OPENAI_API_KEY: VALUE, DAILY_API_KEY: VALUE }, region: "eu-central" });
        const set = SecretSet.get("shared", "team-secrets");
        assert.equal(await value(set.id), "team-secrets");
        assert.equal(await value(set.name), "team-secrets");
        assert.equal(await value(set.region), "eu-central");
        assert.deepEqual(await value(set.keys), ["DAILY_API_KEY", "OPENAI_API_KEY"]);
        assert.equal(await value(set.isImagePullSecret), false);
        assert.equal(await value(set.revision), undefined);
        assert.equal(await value(set.host), undefined);
        assert.equal(await value(set.secrets), undefined);
        // A read, never a registration: the engine has nothing to create, update or delete.
        const read = reads.get("shared");
        assert.ok(read, "no ReadResource request");
        assert.equal(read.id, "team-secrets");
        assert.deepEqual(Object.keys(read.props), ["__provider"], "a get sends no input, only the serialized provider");
        assert.ok(!registered.includes("shared"));
        assert.deepEqual(requestLines(emulator, { status: false }), ["GET /secrets/team-secrets"]);
    });

    it("reads an image-pull set, which the API lists but does not return by name: its kind and region, no credential", async () => {
        emulator.seed("team-registry", {
            type: "imagePullSecret",
            host: "https://index.docker.io/v1/",
            secretValue: Buffer.from(`bot:${TOKEN}`).toString("base64"),
            region: "us-east",
        });
        const set = SecretSet.get("registry", "team-registry");
        assert.equal(await value(set.name), "team-registry");
        assert.equal(await value(set.isImagePullSecret), true);
        assert.equal(await value(set.region), "us-east");
        assert.deepEqual(await value(set.keys), []);
        assert.equal(await value(set.imagePullSecret), undefined);
        assert.deepEqual(requestLines(emulator, { status: false }), ["GET /secrets/team-registry", "GET /secrets"]);
        // Only a get, which knows no kind, takes the image-pull set: the refresh of a regular set whose name it took finds it gone.
        assert.deepEqual(
            await implementation.read("team-registry", { name: "team-registry", isImagePullSecret: false, keys: ["A"], region: "us-east" }),
            { id: "", props: {} },
        );
    });

    it("is the same read as the constructor given opts.id, whose args are then ignored", async () => {
        emulator.seed("team-secrets", { secrets: { OPENAI_API_KEY: VALUE } });
        const set = new SecretSet("by-id", { name: "another-name", secrets: { OTHER: VALUE } }, { id: "team-secrets" });
        assert.deepEqual(await value(set.keys), ["OPENAI_API_KEY"]);
        assert.equal(await value(set.secrets), undefined);
        assert.deepEqual(Object.keys(reads.get("by-id")?.props ?? {}), ["__provider"]);
    });

    it("fails, saying why and what to do, for a free name or a referenced set's (the engine would keep an empty read)", async () => {
        emulator.seed("k8s-secrets", { secrets: {}, referenced: true });
        // The properties a get sends, as the provider receives them: the serialized provider only.
        await assert.rejects(implementation.read("no-such-set", { __provider: "shim" }), {
            message:
                'SecretSet.get: no secret set named "no-such-set" exists in this organisation (GET /secrets does not list it), so nothing was read. Check the name and pipecat:apiKey, or declare the set with new SecretSet(...) to create it.',
        });
        await assert.rejects(implementation.read("k8s-secrets", { __provider: "shim" }), {
            message:
                'SecretSet.get: "k8s-secrets" is a referenced set (a Kubernetes Secret registered by name; Pipecat Cloud does not hold its keys), so it cannot be read. Bind an Agent to it by its name instead: secretSet: "k8s-secrets".',
        });
        // A refresh (stored state holds the name) of a set gone or turned referenced still just leaves the state.
        assert.deepEqual(await implementation.read("no-such-set", { name: "no-such-set", isImagePullSecret: false, keys: [] }), {
            id: "",
            props: {},
        });
        assert.deepEqual(await implementation.read("k8s-secrets", { name: "k8s-secrets", isImagePullSecret: false, keys: [] }), {
            id: "",
            props: {},
        });
        assert.ok(!requestLines(emulator, { status: false }).some((r) => !r.startsWith("GET ")), "a read wrote something");
    });

    it("is marked as read, so that an Agent bound to it follows no revision; a declared set is not", async () => {
        emulator.seed("team-secrets", { secrets: { OPENAI_API_KEY: VALUE } });
        const marked = SecretSet.get("marked", "team-secrets");
        const declared = new SecretSet("declared", { secrets: { A: VALUE } });
        await Promise.all([value(marked.urn), value(declared.urn)]);
        assert.equal(marked.isRead, true);
        assert.equal(declared.isRead, false);
    });
});

describe("SecretSet with the import option", () => {
    it("is refused in the constructor, before any request, with adopt and get shown as code and no input quoted", () => {
        const before = registered.length;
        let message = "";
        assert.throws(
            () => new SecretSet("shared", { name: "team-secrets", secrets: { OPENAI_API_KEY: VALUE } }, { import: "team-secrets" }),
            (e: Error) => {
                message = e.message;
                return e.name === "PipecatError";
            },
        );
        assert.match(message, /`import` resource option cannot work/);
        assert.match(message, /pulumi\/pulumi#3550/);
        assert.ok(message.includes('const existing = SecretSet.get("shared", "team-secrets");'), message);
        assert.ok(message.includes('const managed = new SecretSet("shared", { name: "team-secrets", secrets: {'), message);
        assert.ok(message.includes("adopt: true });"), message);
        assert.ok(!message.includes(VALUE) && !message.includes(KEY), "the message quotes an input");
        assert.equal(registered.length, before, "the engine was asked");
    });

    it("is refused for a get too, and for an import id given as an Output (then shown as a placeholder)", () => {
        assert.throws(
            () => SecretSet.get("shared", "team-secrets", { import: "team-secrets" }),
            /SecretSet\.get\("shared", "team-secrets"\)/,
        );
        assert.throws(
            () => new SecretSet("shared", { secrets: { K: VALUE } }, { import: pulumi.output("team-secrets") as unknown as string }),
            (e: Error) => e.message.includes(`SecretSet.get("shared", "<the secret set's name>")`) && !e.message.includes(VALUE),
        );
    });
});
