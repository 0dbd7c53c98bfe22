/**
 * OrganizationSettings under @pulumi/pulumi's mocks, judged by what it registers (as test/provider/agent/resource.spec.ts
 * judges Agent, sharing its way of lending the mock monitor in force).
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { OrganizationSettings, isPipecatError } from "../../../provider";

interface RegisterRequest {
    getName(): string;
    getType(): string;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
    getIgnorechangesList(): string[];
}
interface Monitor {
    mocks: pulumi.runtime.Mocks;
    registerResource(req: RegisterRequest, callback: unknown): void;
}

const sent = new Map<string, { type: string; props: Record<string, unknown>; ignoreChanges: string[] }>();
const mocks: pulumi.runtime.Mocks = { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: () => ({}) };

const urnOf = (resource: pulumi.Resource) => new Promise<string>((resolve) => resource.urn.apply(resolve));

async function registered(resource: pulumi.CustomResource): Promise<NonNullable<ReturnType<typeof sent.get>>> {
    const urn = await urnOf(resource);
    const request = sent.get(urn.split("::").pop() ?? "");
    assert.ok(request, `no RegisterResource request for ${urn}`);
    return request;
}

class Platform extends pulumi.ComponentResource {
    constructor(name: string) {
        super("acme:index:Platform", name);
    }
}

describe("OrganizationSettings under mocks", () => {
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
            });
            registerResource(req, callback);
        };
    });

    after(() => {
        if (lent !== undefined) Object.assign(monitor, lent);
    });

    it("registers the pipecat:OrganizationSettings type token, the declared region and its own URN", async () => {
        const settings = new OrganizationSettings("org", { defaultRegion: "eu-central" });
        const { type, props, ignoreChanges } = await registered(settings);
        assert.equal(type, "pulumi-nodejs:dynamic/pipecat:OrganizationSettings");
        const { __provider: _provider, ...rest } = props;
        assert.deepEqual(rest, { defaultRegion: "eu-central", resourceUrn: await urnOf(settings) });
        assert.deepEqual(ignoreChanges, ["__provider"]);
    });

    it("passes its own URN also under a parent, so two under different parents are told apart", async () => {
        const platform = new Platform("platform");
        const settings = new OrganizationSettings("org-child", { defaultRegion: "us-west" }, { parent: platform });
        const urn = await urnOf(settings);
        assert.match(urn, /acme:index:Platform\$pulumi-nodejs:dynamic\/pipecat:OrganizationSettings::org-child$/);
        assert.equal((await registered(settings)).props["resourceUrn"], urn);
    });

    it("refuses the import option before the engine is asked, saying why it is not needed", () => {
        assert.throws(
            () => new OrganizationSettings("imported", { defaultRegion: "us-west" }, { import: "organization" }),
            (e: unknown) =>
                isPipecatError(e) && /`import` resource option is not needed/.test(e.message) && /takes them over/.test(e.message),
        );
    });
});
