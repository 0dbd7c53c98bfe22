import * as assert from "node:assert/strict";
import { closest, didYouMean, editDistance } from "../../provider/suggest";

const REGIONS = ["us-west", "us-east", "eu-central", "ap-south"];

describe("suggest", () => {
    describe("editDistance", () => {
        it("counts insertions, deletions, substitutions and a swap of neighbours as one edit each", () => {
            assert.equal(editDistance("eu-central", "eu-central"), 0);
            assert.equal(editDistance("eu-centrl", "eu-central"), 1);
            assert.equal(editDistance("eu-centrall", "eu-central"), 1);
            assert.equal(editDistance("eu-cantral", "eu-central"), 1);
            assert.equal(editDistance("us-esat", "us-east"), 1);
            assert.equal(editDistance("", "abc"), 3);
            assert.equal(editDistance("kitten", "sitting"), 3);
        });
    });

    describe("closest", () => {
        it("names the known region a typo is closest to", () => {
            assert.equal(closest("eu-centrl", REGIONS), "eu-central");
            assert.equal(closest("us-wset", REGIONS), "us-west");
            assert.equal(closest("EU-Central", REGIONS), "eu-central");
            assert.equal(closest("ap-sout", REGIONS), "ap-south");
            assert.equal(closest("eu-central-1", REGIONS), "eu-central");
        });

        it("suggests nothing for a name far from every known one, an exact match, or an empty list", () => {
            assert.equal(closest("mars-north", REGIONS), undefined);
            assert.equal(closest("eu", REGIONS), undefined);
            assert.equal(closest("eu-central", REGIONS), undefined);
            assert.equal(closest("eu-centrl", []), undefined);
        });

        it("prefers the closer of two candidates, then the first", () => {
            assert.equal(closest("us-eas", REGIONS), "us-east");
            assert.equal(closest("us-est", ["us-west", "us-east"]), "us-west");
        });
    });

    it("didYouMean is a clause to append, or empty", () => {
        assert.equal(didYouMean("eu-centrl", REGIONS), '; did you mean "eu-central"?');
        assert.equal(didYouMean("mars-north", REGIONS), "");
    });
});
