import * as assert from "node:assert/strict";
import { UNKNOWN } from "../../../provider/inputs";
import { checkInputs } from "../../../provider/organization/schema";

function failures(news: Record<string, unknown>): string[] {
    const r = checkInputs(news);
    return r.ok ? [] : r.failures.map((f) => f.reason);
}

describe("organization settings schema", () => {
    it("takes a region code and the resource's URN", () => {
        const r = checkInputs({
            defaultRegion: "eu-central",
            resourceUrn: "urn:pulumi:dev::p::pulumi-nodejs:dynamic/pipecat:OrganizationSettings::org",
        });
        assert.deepEqual(r, {
            ok: true,
            inputs: {
                defaultRegion: "eu-central",
                resourceUrn: "urn:pulumi:dev::p::pulumi-nodejs:dynamic/pipecat:OrganizationSettings::org",
            },
        });
    });

    it("requires defaultRegion", () => {
        assert.deepEqual(failures({}), [
            'defaultRegion: must be a region code such as "us-west" (the region where resources without a region go)',
        ]);
    });

    it("refuses what is not a region code, without quoting it", () => {
        assert.deepEqual(failures({ defaultRegion: "EU Central" }), ['defaultRegion: must be a region code such as "us-west"']);
        assert.deepEqual(failures({ defaultRegion: 3 }), [
            'defaultRegion: must be a region code such as "us-west" (the region where resources without a region go)',
        ]);
    });

    it("refuses any other property, listing the one allowed", () => {
        assert.deepEqual(failures({ defaultRegion: "us-west", region: "us-west" }), ['unknown property "region" (allowed: defaultRegion)']);
    });

    it("lets an unknown region through (a preview)", () => {
        assert.deepEqual(checkInputs({ defaultRegion: UNKNOWN }), { ok: true, inputs: { defaultRegion: UNKNOWN } });
    });
});
