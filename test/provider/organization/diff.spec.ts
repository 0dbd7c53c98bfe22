import * as assert from "node:assert/strict";
import { UNKNOWN } from "../../../provider/inputs";
import { diffSettings, regionChanged } from "../../../provider/organization/diff";

const URN = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/pipecat:OrganizationSettings::org";
const stored = { defaultRegion: "us-west", availableRegions: ["us-west", "eu-central"], resourceUrn: URN };

describe("organization settings diff", () => {
    it("is no change when the default region is the stored one", () => {
        assert.deepEqual(diffSettings(stored, { defaultRegion: "us-west", resourceUrn: URN }), {
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
        });
    });

    it("updates, never replaces, on a new default region", () => {
        assert.deepEqual(diffSettings(stored, { defaultRegion: "eu-central", resourceUrn: URN }), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
        });
    });

    it("updates when refresh read back another region than the declared one (drift)", () => {
        assert.equal(regionChanged({ ...stored, defaultRegion: "eu-central" }, { defaultRegion: "us-west" }), true);
    });

    it("plans an update for a region unknown in a preview", () => {
        assert.equal(diffSettings(stored, { defaultRegion: UNKNOWN }).changes, true);
    });

    it("sees no change in a new URN alone (a renamed resource or stack)", () => {
        assert.equal(diffSettings(stored, { defaultRegion: "us-west", resourceUrn: URN.replace("::dev::", "::prod::") }).changes, false);
    });
});
