import * as assert from "node:assert/strict";
import { type SecretSetOutputs, diffSecretSet, planUpdate } from "../../../provider/secretset/diff";
import { UNKNOWN } from "../../../provider/secretset/schema";

const regular: SecretSetOutputs = {
    name: "agent",
    region: "us-west",
    keys: ["A", "B"],
    declaredKeys: ["A", "B"],
    isImagePullSecret: false,
};
const declared = { name: "agent", secrets: { A: "1", B: "2" } };
const pull: SecretSetOutputs = { name: "pull", region: "us-west", keys: [], isImagePullSecret: true, host: "https://index.docker.io/v1/" };
const pullInputs = { name: "pull", imagePullSecret: { host: "https://index.docker.io/v1/", credentials: "c1" } };

/**
 * The engine compares the inputs itself when a diff leaves `changes` out. A set that keeps its name
 * is always deleted first if the engine replaces it, for this diff's reasons or its own.
 */
const leftToEngine = (replaces: string[] = [], deleteBeforeReplace = true) => ({ replaces, deleteBeforeReplace });

describe("diffSecretSet", () => {
    it("leaves keys added, removed or rotated in the program to the engine's comparison of inputs", () => {
        // Outputs hold no values: the engine compares the old and new (secret) inputs, and its detailed
        // diff marks each changed key in a preview. No replacement is ever asked for.
        for (const secrets of [declared.secrets, { A: "1", B: "changed" }, { A: "1", B: "2", C: "3" }, { A: "1" }, { A: "1", C: "3" }]) {
            assert.deepEqual(diffSecretSet(regular, { name: "agent", secrets }), leftToEngine());
        }
    });

    it("asks for delete-before-replace on every diff of a set that keeps its name, so engine-driven replacements delete first too", () => {
        // A pending replacement after a failed `up`, or `replaceOnChanges`, replace without this diff
        // asking; the engine then takes the order from deleteBeforeReplace.
        assert.equal(diffSecretSet(regular, declared).deleteBeforeReplace, true);
        assert.equal(diffSecretSet(pull, pullInputs).deleteBeforeReplace, true);
    });

    it("creates a replacement of an autonamed set first: the engine checks it again and it gets a fresh name", () => {
        const autonamed = { ...regular, name: "agent-abc1234", autonamePrefix: "agent" };
        const news = { name: "agent-abc1234", autonamePrefix: "agent", secrets: declared.secrets };
        assert.deepEqual(diffSecretSet(autonamed, news), leftToEngine([], false));
        assert.deepEqual(diffSecretSet(autonamed, { ...news, region: "eu-central" }), leftToEngine(["region"], false));
    });

    it("updates when refresh found a key the program does not declare, or lost one it does", () => {
        // The inputs did not change: only the provider can see this drift.
        assert.deepEqual(diffSecretSet({ ...regular, keys: ["A", "B", "EXTRA"] }, declared), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
        assert.deepEqual(diffSecretSet({ ...regular, keys: ["A"] }, declared), { changes: true, replaces: [], deleteBeforeReplace: true });
    });

    it("compares key names as sets, whatever their order, and falls back to the declared inputs for a state without declaredKeys", () => {
        assert.deepEqual(diffSecretSet({ ...regular, keys: ["B", "A"] }, declared), leftToEngine());
        const older = { name: "agent", region: "us-west", keys: ["A", "B"], isImagePullSecret: false };
        assert.deepEqual(diffSecretSet(older, { name: "agent", secrets: { B: "2", A: "1" } }), leftToEngine());
        assert.deepEqual(diffSecretSet({ ...older, keys: ["A", "B", "X"] }, declared), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
    });

    it("updates when refresh found as many keys as declared but not the same ones", () => {
        assert.deepEqual(diffSecretSet({ ...regular, keys: ["A", "C"] }, declared), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
    });

    it("writes a set again that a failed wait left pending: a regular one, or an image-pull one where it can be updated in place", () => {
        const written = { changes: true, replaces: [], deleteBeforeReplace: true };
        assert.deepEqual(diffSecretSet({ ...regular, status: "pending" }, declared), written);
        assert.deepEqual(diffSecretSet({ ...pull, status: "pending" }, pullInputs, "in-place"), written);
        // With `replace`, only new credentials (the resource's replaceOnChanges) write an image-pull set again.
        assert.deepEqual(diffSecretSet({ ...pull, status: "pending" }, pullInputs), leftToEngine());
        assert.deepEqual(diffSecretSet({ ...pull, status: "ready" }, pullInputs, "in-place"), leftToEngine());
    });

    it("says nothing changed when check found only bookkeeping inputs changed, unless refresh found drift", () => {
        assert.deepEqual(diffSecretSet(regular, declared, "replace", true), { changes: false, replaces: [], deleteBeforeReplace: true });
        assert.deepEqual(diffSecretSet(pull, pullInputs, "in-place", true), { changes: false, replaces: [], deleteBeforeReplace: true });
        assert.deepEqual(diffSecretSet({ ...regular, keys: ["A"] }, declared, "replace", true), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
        assert.deepEqual(diffSecretSet(regular, { ...declared, region: "eu-central" }, "replace", true), leftToEngine(["region"]));
    });

    it("writes a set again whose provisioning refresh found failed outside Pulumi", () => {
        assert.deepEqual(diffSecretSet({ ...regular, status: "failed" }, declared), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
        assert.deepEqual(diffSecretSet({ ...regular, status: "ready" }, declared), leftToEngine());
        assert.deepEqual(diffSecretSet({ ...regular, status: "some-new-status" }, declared), leftToEngine());
        assert.deepEqual(diffSecretSet({ ...pull, status: "failed" }, pullInputs), {
            changes: true,
            replaces: ["imagePullSecret"],
            deleteBeforeReplace: true,
        });
    });

    it("replaces on a rename, creating the new set before deleting the old", () => {
        assert.deepEqual(diffSecretSet(regular, { ...declared, name: "agent-2" }), leftToEngine(["name"], false));
    });

    it("replaces when the name is not known yet, without deleting first", () => {
        assert.deepEqual(diffSecretSet(regular, { ...declared, name: UNKNOWN }), leftToEngine(["name"], false));
    });

    it("replaces a change to a declared region, deleting first because the name stays; an undeclared region never replaces", () => {
        assert.deepEqual(diffSecretSet(regular, { ...declared, region: "eu-central" }), leftToEngine(["region"]));
        assert.deepEqual(diffSecretSet(regular, { ...declared, region: "us-west" }), leftToEngine());
        assert.deepEqual(diffSecretSet({ ...pull, region: "us-east" }, pullInputs), leftToEngine());
    });

    it("replaces an image-pull set whose host changes, deleting first", () => {
        const moved = { name: "pull", imagePullSecret: { host: "https://ghcr.io/", credentials: "c1" } };
        assert.deepEqual(diffSecretSet(pull, moved), leftToEngine(["imagePullSecret"]));
    });

    it("leaves new image-pull credentials and bookkeeping inputs to the engine (the resource's replaceOnChanges replaces on credentials)", () => {
        for (const imagePullSecret of [pullInputs.imagePullSecret, { host: "https://index.docker.io/v1/", username: "u", password: "p" }]) {
            assert.deepEqual(diffSecretSet(pull, { name: "pull", imagePullSecret }), leftToEngine());
        }
        assert.deepEqual(diffSecretSet({ ...pull, adopt: true }, pullInputs), leftToEngine());
    });

    it("with imagePullUpdates in-place, updates an image-pull set whose credentials or host change, or that failed", () => {
        const moved = { name: "pull", imagePullSecret: { host: "https://ghcr.io/", credentials: "c2" } };
        assert.deepEqual(diffSecretSet(pull, moved, "in-place"), leftToEngine());
        assert.deepEqual(diffSecretSet({ ...pull, status: "failed" }, pullInputs, "in-place"), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
        // A change of kind still needs a new set.
        assert.deepEqual(diffSecretSet(pull, { name: "pull", secrets: { A: "1" } }, "in-place"), leftToEngine(["secrets"]));
    });

    it("replaces when the kind changes", () => {
        const toPull = diffSecretSet(regular, { name: "agent", imagePullSecret: { host: "https://r.example/", credentials: "c" } });
        assert.deepEqual(toPull, leftToEngine(["imagePullSecret"]));
        const toRegular = diffSecretSet(pull, { name: "pull", secrets: { A: "1" } });
        assert.deepEqual(toRegular, leftToEngine(["secrets"]));
    });
});

describe("planUpdate", () => {
    it("writes every declared key in one PUT and removes keys no longer declared", () => {
        assert.deepEqual(planUpdate(regular, { name: "agent", secrets: { A: "new", C: "3" } }), {
            put: { A: "new", C: "3" },
            remove: ["B"],
        });
    });

    it("removes keys found by refresh that the program never declared", () => {
        assert.deepEqual(planUpdate({ ...regular, keys: ["A", "B", "STRAY"] }, declared), { put: declared.secrets, remove: ["STRAY"] });
    });

    it("removes nothing when the old outputs name no keys", () => {
        assert.deepEqual(planUpdate({ name: "agent" }, declared), { put: declared.secrets, remove: [] });
    });

    it("removes keys named after Object.prototype members like any other", () => {
        const stray = ["constructor", "hasOwnProperty", "isPrototypeOf", "toString", "valueOf", "__proto__"];
        assert.deepEqual(
            planUpdate({ ...regular, keys: ["A", ...stray] }, { name: "agent", secrets: { A: "1" } }).remove,
            [...stray].sort(),
        );
    });
});
