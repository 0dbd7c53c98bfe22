/** What a change of a Build's inputs plans (provider/build/diff.ts): nothing, or a new build; never an update. */
import * as assert from "node:assert/strict";
import { UNKNOWN } from "../../../provider/inputs";
import { diffBuild } from "../../../provider/build/diff";
import type { BuildInputs, BuildOutputs } from "../../../provider/build/types";

const built: BuildOutputs = {
    context: "./bot",
    dockerfile: "Dockerfile",
    contextHash: "0123456789abcdef",
    fileCount: 3,
    buildId: "11111111-0000-4000-8000-000000000000",
    imageUri: "registry.example/org/builds/0123456789abcdef@sha256:00",
    region: "us-west",
    cached: false,
};
const same: BuildInputs = { context: "./bot", dockerfile: "Dockerfile", contextHash: "0123456789abcdef", fileCount: 3, region: "us-west" };

describe("a Build's diff (diff.ts)", () => {
    it("plans nothing for the same files, Dockerfile and region, also from another path", () => {
        assert.deepEqual(diffBuild(built, same), { changes: false, replaces: [], deleteBeforeReplace: false });
        assert.deepEqual(diffBuild(built, { ...same, context: "/elsewhere/bot" }).changes, false);
    });

    it("plans a new build, created before the old one leaves the state, when the files change", () => {
        assert.deepEqual(diffBuild(built, { ...same, contextHash: "fedcba9876543210" }), {
            changes: true,
            replaces: ["contextHash"],
            deleteBeforeReplace: false,
        });
    });

    it("plans a new build when the hash is unknown (a preview of a computed context)", () => {
        assert.deepEqual(diffBuild(built, { ...same, contextHash: UNKNOWN }).replaces, ["contextHash"]);
    });

    it("plans a new build for another Dockerfile, and for a newly declared region", () => {
        assert.deepEqual(diffBuild(built, { ...same, dockerfile: "Dockerfile.prod" }).replaces, ["dockerfile"]);
        assert.deepEqual(diffBuild(built, { ...same, region: "eu-central" }).replaces, ["region"]);
    });

    it("keeps the build where it is when the region is no longer declared", () => {
        const { region: _region, ...undeclared } = same;
        assert.equal(diffBuild(built, undeclared).changes, false);
    });
});
