/**
 * `Agent.get` and the refused `import` option, under @pulumi/pulumi's mocks with the provider's real read, as
 * test/provider/secretset/get.spec.ts does for SecretSet: a ReadResource calls the implementation's `read` with the id
 * and the properties the resource sent, against the emulator over HTTP. Agents are made outside the program with
 * the API's own `POST /agents`.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { type Emulator, startEmulator } from "../../../emulator";
import { Agent, SecretSet, agentProvider } from "../../../provider";
import { requestLines } from "../../support/stack";

const agents = require("pulumi-pipecat-secrets/agent/implementation") as typeof import("../../../provider/agent/implementation");
const sets = require("pulumi-pipecat-secrets/implementation") as typeof import("../../../provider/secretset/implementation");

const KEY = "pk-agent-get-API-KEY-never-shown-0001";
const VALUE = "sk-agent-get-VALUE-never-shown-0002";
const IMAGE = "registry.example/voice-agent:0.1";
const BUILD = "0f8c2a9e-4b7d-4c1e-9a3f-5d6e7f8a9b0c";

interface Request {
    getName(): string;
    getId?(): string;
    getProperties?(): { toJavaScript(): Record<string, unknown> } | undefined;
    getObject?(): { toJavaScript(): Record<string, unknown> } | undefined;
}
interface Monitor {
    mocks: pulumi.runtime.Mocks;
    readResource(req: Request, callback: unknown): void;
    registerResource(req: Request, callback: unknown): void;
}

const reads = new Map<string, { id: string; props: Record<string, unknown> }>();
const registered = new Map<string, Record<string, unknown>>();

/** A read runs the provider's real `read` (of the kind the type token names); a registration answers with its inputs. */
const mocks: pulumi.runtime.Mocks = {
    newResource: async (args) => {
        if (args.id === undefined || args.id === "") return { id: `${args.name}-id`, state: args.inputs };
        const read = args.type.endsWith(":Agent") ? agents.read : sets.read;
        const result = await read(args.id, args.inputs);
        if (result.id === "") throw new Error(`resource '${args.id}' does not exist`);
        return { id: result.id, state: result.props ?? {} };
    },
    call: () => ({}),
};

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("Agent.get", () => {
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
            registered.set(req.getName(), req.getObject?.()?.toJavaScript() ?? {});
            registerResource(req, callback);
        };
    });

    after(() => {
        if (lent !== undefined) Object.assign(monitor, lent);
    });

    beforeEach(async () => {
        emulator = await startEmulator({ apiKey: KEY });
        sets.setTestHooks({});
        const config: Record<string, string> = { "pipecat:apiKey": KEY, "pipecat:apiUrl": emulator.url };
        await agentProvider.configure!({ config: { get: (k: string) => config[k], require: (k: string) => config[k] ?? assert.fail(k) } });
    });

    afterEach(async () => {
        sets.setTestHooks({});
        await emulator.close();
    });

    /** Creates an agent as someone outside the program would, with the API itself. */
    async function outside(body: Record<string, unknown>): Promise<void> {
        const res = await fetch(`${emulator.url}/agents`, {
            method: "POST",
            headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
            body: JSON.stringify(body),
        });
        assert.equal(res.status, 200, await res.text());
    }

    it("reads an agent made outside the program by its name: image, bound sets, region, scaling and readiness, nothing written", async () => {
        emulator.seed("team-secrets", { secrets: { OPENAI_API_KEY: VALUE }, region: "eu-central" });
        await outside({
            serviceName: "team-agent",
            image: IMAGE,
            region: "eu-central",
            secretSet: "team-secrets",
            autoScaling: { minAgents: 1, maxAgents: 3 },
        });
        emulator.clearRequests();
        const agent = Agent.get("voice", "team-agent");
        assert.equal(await value(agent.id), "team-agent");
        assert.equal(await value(agent.name), "team-agent");
        assert.equal(await value(agent.region), "eu-central");
        assert.equal(await value(agent.image), IMAGE);
        assert.equal(await value(agent.buildId), undefined);
        assert.equal(await value(agent.secretSet), "team-secrets");
        assert.equal(await value(agent.imagePullSecretSet), undefined);
        assert.deepEqual(await value(agent.autoScaling), { minAgents: 1, maxAgents: 3 });
        const deploymentId = await value(agent.deploymentId);
        assert.match(deploymentId, /./);
        assert.equal(deploymentId, emulator.agent("team-agent")?.deployments.at(-1)?.id);
        assert.equal(typeof (await value(agent.ready)), "boolean");
        assert.equal(typeof (await value(agent.available)), "boolean");
        const read = reads.get("voice");
        assert.ok(read, "no ReadResource request");
        assert.equal(read.id, "team-agent");
        assert.deepEqual(Object.keys(read.props), ["__provider"], "a get sends no input, only the serialized provider");
        assert.ok(!registered.has("voice"));
        assert.deepEqual(requestLines(emulator, { status: false }), ["GET /agents/team-agent"]);
    });

    it("reads the build of an agent deployed from one; a refresh of an agent declared with an image shows that build as drift", async () => {
        emulator.seedBuild({ id: BUILD }); // the emulator deploys only builds it holds
        await outside({ serviceName: "built-agent", buildId: BUILD });
        const agent = Agent.get("built", "built-agent");
        assert.equal(await value(agent.buildId), BUILD);
        // The same agent's refresh, for a program that declared an image: it runs a build instead, and the state says so.
        const refreshed = await agents.read("built-agent", {
            name: "built-agent",
            image: IMAGE,
            deploymentId: "d",
            ready: true,
            available: true,
        });
        assert.equal(refreshed.props?.["buildId"], BUILD);
    });

    it("fails, saying why and what to do, under a free name (the engine would keep an empty read); a refresh just leaves the state", async () => {
        await assert.rejects(agents.read("no-such-agent", { __provider: "shim" }), {
            message:
                'Agent.get: no agent named "no-such-agent" exists in this organisation (GET /agents does not list it), so nothing was read. Check the name and pipecat:apiKey, or declare the agent with new Agent(...) to create it.',
        });
        assert.deepEqual(await agents.read("no-such-agent", { name: "no-such-agent" }), { id: "", props: {} });
    });

    it("binds a set read with SecretSet.get by its name, without a revision: its values are not this program's to rotate", async () => {
        emulator.seed("team-secrets", { secrets: { OPENAI_API_KEY: VALUE } });
        const shared = SecretSet.get("shared", "team-secrets");
        const agent = new Agent("bound", { name: "bound-agent", image: IMAGE, secretSet: shared });
        await value(agent.urn);
        const props = registered.get("bound");
        assert.ok(props, "no RegisterResource request");
        assert.equal(props["secretSet"], "team-secrets");
        assert.equal("secretSetRevision" in props, false);
        assert.equal("secretSetRegion" in props, false);
    });
});

describe("Agent with the import option", () => {
    it("is refused in the constructor, before any request, with adopt and get shown as code", () => {
        let message = "";
        assert.throws(
            () => new Agent("voice", { name: "team-agent", image: IMAGE, secretSet: "team-secrets" }, { import: "team-agent" }),
            (e: Error) => {
                message = e.message;
                return e.name === "PipecatError";
            },
        );
        assert.ok(message.includes('const existing = Agent.get("voice", "team-agent");'), message);
        assert.ok(message.includes('const managed = new Agent("voice", { name: "team-agent", image: '), message);
        assert.ok(message.includes("adopt: true });"), message);
        assert.match(message, /pulumi\/pulumi#3550/);
        assert.ok(!message.includes(KEY) && !message.includes(VALUE));
        assert.equal(registered.has("voice"), false, "the engine was asked");
        assert.throws(() => Agent.get("voice", "team-agent", { import: "team-agent" }), /Agent\.get\("voice", "team-agent"\)/);
    });
});
