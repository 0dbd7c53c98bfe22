/**
 * The OrganizationSettings provider's methods against the emulator over real HTTP (the fixture's fake clock and
 * recorded sleeps; nothing here waits): what check sends and refuses, the PATCH of create and update, drift read back,
 * a delete that sends nothing, and what the sets and agents checked after it in the same process see.
 */
import * as assert from "node:assert/strict";
import { organizationSettingsProvider as provider, secretSetProvider } from "../../../provider";
import { organisationDefaultRegion } from "../../../provider/organization/regions";
import { organizationCall } from "../../../provider/organization/endpoints";
import { ProviderMethods } from "../../support/provider";

const KEY = "pk-org-API-KEY-never-shown-0001";
const VALUE = "sk-org-VALUE-never-shown-1111";
const URN = "urn:pulumi:dev::voice::pulumi-nodejs:dynamic/pipecat:OrganizationSettings::org";
const OTHER = "urn:pulumi:dev::voice::acme:index:Platform$pulumi-nodejs:dynamic/pipecat:OrganizationSettings::settings";

type Props = Record<string, unknown>;

const m = new ProviderMethods({ provider, apiKey: KEY });

async function checked(inputs: Props, olds: Props = {}): Promise<Props> {
    const r = await provider.check!(olds, inputs);
    assert.deepEqual(r.failures ?? [], []);
    return r.inputs;
}

async function failures(inputs: Props, olds: Props = {}): Promise<string[]> {
    return ((await provider.check!(olds, inputs)).failures ?? []).map((f) => f.reason);
}

async function create(inputs: Props): Promise<{ id: string; outs: Props }> {
    const r = await provider.create(await checked(inputs));
    return { id: r.id, outs: r.outs as Props };
}

/** A PATCH behind the program's back (the dashboard, another tool). */
async function patchedElsewhere(defaultRegion: string): Promise<void> {
    const res = await fetch(`${m.emulator.url}/properties`, {
        method: "PATCH",
        headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
        body: JSON.stringify({ defaultRegion }),
    });
    await res.arrayBuffer();
    assert.equal(res.status, 200);
}

/** What `op` writes to the provider process's stderr (where the engine reads a dynamic provider's diagnostics). */
async function stderrOf(op: () => Promise<unknown>): Promise<string> {
    const write = process.stderr.write.bind(process.stderr);
    let text = "";
    process.stderr.write = ((chunk: string | Uint8Array) => {
        text += String(chunk);
        return true;
    }) as typeof process.stderr.write;
    try {
        await op();
    } finally {
        process.stderr.write = write;
    }
    return text;
}

describe("the OrganizationSettings provider", () => {
    afterEach(() => m.close());
    after(() => m.assertNoLeaks([KEY, VALUE]));

    describe("check", () => {
        it("checks a new default region against the schema's available regions, once per process", async () => {
            await m.setup();
            await checked({ defaultRegion: "eu-central", resourceUrn: URN });
            await checked({ defaultRegion: "us-east", resourceUrn: URN });
            assert.deepEqual(m.seen(), ["GET /properties/schema 200"]);
        });

        it("refuses a typo with the regions the organisation has and a did-you-mean, sending no PATCH", async () => {
            await m.setup({ regions: ["us-west", "eu-central"] });
            assert.deepEqual(await failures({ defaultRegion: "eu-centrl", resourceUrn: URN }), [
                'defaultRegion: "eu-centrl" is not a region this organisation can use (it has: us-west, eu-central); did you mean "eu-central"?',
            ]);
            assert.deepEqual(m.seen(), ["GET /properties/schema 200"]);
        });

        it("sends nothing without an API key (a pull-request preview), nor for an unchanged region", async () => {
            await m.setup({}, { "pipecat:apiKey": undefined });
            assert.deepEqual(await failures({ defaultRegion: "nowhere", resourceUrn: URN }), []);
            await m.configure();
            assert.deepEqual(
                await failures({ defaultRegion: "eu-central", resourceUrn: URN }, { defaultRegion: "eu-central", resourceUrn: URN }),
                [],
            );
            assert.deepEqual(m.seen(), []);
        });

        it("refuses a second OrganizationSettings of the program, naming both; the first is checked again freely", async () => {
            await m.setup();
            await checked({ defaultRegion: "eu-central", resourceUrn: URN });
            const reasons = await failures({ defaultRegion: "us-east", resourceUrn: OTHER });
            assert.equal(reasons.length, 1);
            assert.match(
                reasons[0]!,
                /^only one OrganizationSettings may be declared per program, and "org" \(urn:pulumi:dev::voice::[^)]*::org\) already is: "settings" \(urn:[^)]*Platform\$[^)]*::settings\) would write/,
            );
            await checked({ defaultRegion: "us-east", resourceUrn: URN }, { defaultRegion: "eu-central", resourceUrn: URN });
        });

        it("a new provider process (test hooks reset) starts with no settings claimed", async () => {
            await m.setup();
            await checked({ defaultRegion: "eu-central", resourceUrn: URN });
            m.freshProcess();
            await checked({ defaultRegion: "eu-central", resourceUrn: OTHER });
        });

        it("says what is wrong with the inputs before anything is sent", async () => {
            await m.setup();
            assert.deepEqual(await failures({ resourceUrn: URN }), [
                'defaultRegion: must be a region code such as "us-west" (the region where resources without a region go)',
            ]);
            assert.deepEqual(m.seen(), []);
        });
    });

    describe("create and update", () => {
        it("creates with a PATCH, under the fixed id, with the region and the available regions as outputs", async () => {
            await m.setup({ regions: ["us-west", "eu-central"] });
            m.emulator.clearRequests();
            const { id, outs } = await provider.create({ defaultRegion: "eu-central", resourceUrn: URN });
            assert.equal(id, "organization");
            assert.deepEqual(outs, { defaultRegion: "eu-central", resourceUrn: URN, availableRegions: ["us-west", "eu-central"] });
            assert.deepEqual(m.seen(), ["PATCH /properties 200"]);
        });

        it("teaches the process the new default: a set created after it without a region lands there, and an agent's check reads it without a request", async () => {
            await m.setup();
            // An earlier check (an agent's placement, say) read the default before the settings were written.
            assert.equal(await organisationDefaultRegion(organizationCall("region check")), "us-west");
            await create({ defaultRegion: "eu-central", resourceUrn: URN });
            m.emulator.clearRequests();
            assert.equal(await organisationDefaultRegion(organizationCall("region check")), "eu-central");
            assert.deepEqual(m.seen(), []);
            const ins = (await secretSetProvider.check!({}, { name: "voice-secrets", secrets: { OPENAI_API_KEY: VALUE } })).inputs;
            const set = (await secretSetProvider.create(ins)).outs as Props;
            assert.equal(set["region"], "eu-central");
        });

        it("updates with a PATCH when the region changes, and sends nothing when only the URN does", async () => {
            await m.setup();
            const { outs } = await create({ defaultRegion: "eu-central", resourceUrn: URN });
            m.emulator.clearRequests();
            const renamed = { defaultRegion: "eu-central", resourceUrn: OTHER };
            assert.equal((await provider.diff!("organization", outs, renamed)).changes, false);
            assert.deepEqual((await provider.update!("organization", outs, renamed)).outs, { ...outs, resourceUrn: OTHER });
            assert.deepEqual(m.seen(), []);
            const moved = await provider.update!("organization", outs, { defaultRegion: "us-east", resourceUrn: URN });
            assert.equal((moved.outs as Props)["defaultRegion"], "us-east");
            assert.deepEqual(m.seen(), ["PATCH /properties 200"]);
            assert.equal(await organisationDefaultRegion(organizationCall("region check")), "us-east");
        });

        it("fails with the API's words when the region is refused at the PATCH (a check without a key let it through)", async () => {
            await m.setup({ regions: ["us-west", "eu-central"] });
            const message = await m.message(provider.create({ defaultRegion: "ap-south", resourceUrn: URN }));
            assert.match(
                message,
                /^create of the organisation's settings failed: Pipecat Cloud answered PATCH \/properties with 400 GENERIC_BAD_REQUEST: "Region 'ap-south' is not available\. Available regions: us-west, eu-central"\. Declare one of the regions/,
            );
        });
    });

    describe("read", () => {
        it("reads the default region back, so a change made elsewhere is drift that the next diff plans to undo", async () => {
            await m.setup();
            const { id, outs } = await create({ defaultRegion: "eu-central", resourceUrn: URN });
            await patchedElsewhere("us-east");
            const read = await provider.read!(id, outs);
            assert.equal(read.id, "organization");
            assert.equal((read.props as Props)["defaultRegion"], "us-east");
            assert.deepEqual((read.props as Props)["availableRegions"], ["us-west", "us-east", "eu-central", "ap-south"]);
            assert.equal((await provider.diff!(id, read.props, { defaultRegion: "eu-central", resourceUrn: URN })).changes, true);
        });
    });

    describe("delete", () => {
        it("sends nothing, leaves the organisation's default region as it is, and says so", async () => {
            await m.setup();
            const { id, outs } = await create({ defaultRegion: "eu-central", resourceUrn: URN });
            m.emulator.clearRequests();
            const said = await stderrOf(() => provider.delete!(id, outs));
            assert.match(
                said,
                /^pipecat: OrganizationSettings was removed from the stack, and the organisation keeps its default region as it is \(an organisation always has one; nothing was sent\)\..*\n$/,
            );
            assert.deepEqual(m.seen(), []);
            assert.equal((await provider.read!(id, outs)).props["defaultRegion"], "eu-central");
        });
    });
});
