import * as assert from "node:assert/strict";
import { type SecretSetOutputs, diffSecretSet, planUpdate } from "../../provider/diff";
import { UNKNOWN } from "../../provider/schema";

const regular: SecretSetOutputs = { name: "agent", region: "us-west", keys: ["A", "B"], declaredKeys: ["A", "B"], isImagePullSecret: false };
const declared = { name: "agent", secrets: { A: "1", B: "2" } };
const pull: SecretSetOutputs = { name: "pull", region: "us-west", keys: [], isImagePullSecret: true, host: "https://index.docker.io/v1/" };
const pullInputs = { name: "pull", imagePullSecret: { host: "https://index.docker.io/v1/", credentials: "c1" } };

/** The engine compares the inputs itself when a diff leaves `changes` out. */
const leftToEngine = (replaces: string[] = [], deleteBeforeReplace = false) => ({ replaces, deleteBeforeReplace });

describe("diffSecretSet", () => {
    it("leaves keys added, removed or rotated in the program to the engine's comparison of inputs", () => {
        // Outputs hold no values: the engine compares the old and new (secret) inputs, and its detailed
        // diff marks each changed key in a preview. No replacement is ever asked for.
        for (const secrets of [declared.secrets, { A: "1", B: "changed" }, { A: "1", B: "2", C: "3" }, { A: "1" }, { A: "1", C: "3" }]) {
            assert.deepEqual(diffSecretSet(regular, { name: "agent", secrets }), leftToEngine());
        }
    });

    it("updates when refresh found a key the program does not declare, or lost one it does", () => {
        // The inputs did not change: only the provider can see this drift.
        assert.deepEqual(diffSecretSet({ ...regular, keys: ["A", "B", "EXTRA"] }, declared), { changes: true, replaces: [], deleteBeforeReplace: false });
        assert.deepEqual(diffSecretSet({ ...regular, keys: ["A"] }, declared), { changes: true, replaces: [], deleteBeforeReplace: false });
    });

    it("replaces on a rename, creating the new set before deleting the old", () => {
        assert.deepEqual(diffSecretSet(regular, { ...declared, name: "agent-2" }), { changes: true, replaces: ["name"], deleteBeforeReplace: false });
    });

    it("replaces when the name is not known yet, without deleting first", () => {
        assert.deepEqual(diffSecretSet(regular, { ...declared, name: UNKNOWN }), { changes: true, replaces: ["name"], deleteBeforeReplace: false });
    });

    it("replaces a region change, deleting first because the name stays", () => {
        assert.deepEqual(diffSecretSet(regular, { ...declared, region: "eu-central" }), { changes: true, replaces: ["region"], deleteBeforeReplace: true });
        assert.deepEqual(diffSecretSet(regular, { ...declared, region: "us-west" }), leftToEngine());
    });

    it("replaces an image-pull set whose host changes, deleting first", () => {
        const moved = { name: "pull", imagePullSecret: { host: "https://ghcr.io/", credentials: "c1" } };
        assert.deepEqual(diffSecretSet(pull, moved), { changes: true, replaces: ["imagePullSecret"], deleteBeforeReplace: true });
    });

    it("asks the engine to replace an image-pull set, deleting first, if its credentials changed", () => {
        for (const imagePullSecret of [pullInputs.imagePullSecret, { host: "https://index.docker.io/v1/", username: "u", password: "p" }]) {
            assert.deepEqual(diffSecretSet(pull, { name: "pull", imagePullSecret }), leftToEngine(["imagePullSecret"], true));
        }
    });

    it("replaces when the kind changes", () => {
        const toPull = diffSecretSet(regular, { name: "agent", imagePullSecret: { host: "https://r.example/", credentials: "c" } });
        assert.deepEqual(toPull, { changes: true, replaces: ["imagePullSecret"], deleteBeforeReplace: true });
        const toRegular = diffSecretSet(pull, { name: "pull", secrets: { A: "1" } });
        assert.deepEqual(toRegular, { changes: true, replaces: ["secrets"], deleteBeforeReplace: true });
    });
});

describe("planUpdate", () => {
    it("writes every declared key in one PUT and removes keys no longer declared", () => {
        assert.deepEqual(planUpdate(regular, { name: "agent", secrets: { A: "new", C: "3" } }), { put: { A: "new", C: "3" }, remove: ["B"] });
    });

    it("removes keys found by refresh that the program never declared", () => {
        assert.deepEqual(planUpdate({ ...regular, keys: ["A", "B", "STRAY"] }, declared), { put: declared.secrets, remove: ["STRAY"] });
    });
});
