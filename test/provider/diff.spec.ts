import * as assert from "node:assert/strict";
import { type SecretSetOutputs, diffSecretSet, planUpdate } from "../../provider/diff";
import type { SecretSetInputs } from "../../provider/schema";

const regular: SecretSetOutputs = { name: "agent", region: "us-west", keys: ["A", "B"], isImagePullSecret: false, secrets: { A: "1", B: "2" } };
const pull: SecretSetOutputs = {
    name: "pull",
    region: "us-west",
    keys: [],
    isImagePullSecret: true,
    imagePullSecret: { host: "https://index.docker.io/v1/", credentials: "c1" },
};
const inputsOf = ({ keys: _k, isImagePullSecret: _i, region: _r, ...ins }: SecretSetOutputs): SecretSetInputs => ins;

describe("diffSecretSet", () => {
    it("reports no change when nothing changed", () => {
        assert.deepEqual(diffSecretSet(regular, inputsOf(regular)), { changes: false, replaces: [], deleteBeforeReplace: false });
    });

    it("updates in place when a key is added, removed or changed", () => {
        for (const secrets of [{ A: "1", B: "2", C: "3" }, { A: "1" }, { A: "1", B: "changed" }]) {
            assert.deepEqual(diffSecretSet(regular, { name: "agent", secrets }), { changes: true, replaces: [], deleteBeforeReplace: false });
        }
    });

    it("updates when refresh found a key the program does not declare", () => {
        assert.equal(diffSecretSet({ ...regular, keys: ["A", "B", "EXTRA"] }, inputsOf(regular)).changes, true);
    });

    it("replaces on a rename, creating the new set before deleting the old", () => {
        assert.deepEqual(diffSecretSet(regular, { ...inputsOf(regular), name: "agent-2" }), {
            changes: true,
            replaces: ["name"],
            deleteBeforeReplace: false,
        });
    });

    it("replaces a region change, deleting first because the name stays", () => {
        assert.deepEqual(diffSecretSet(regular, { ...inputsOf(regular), region: "eu-central" }), {
            changes: true,
            replaces: ["region"],
            deleteBeforeReplace: true,
        });
        assert.equal(diffSecretSet(regular, { ...inputsOf(regular), region: "us-west" }).changes, false);
    });

    it("replaces an image-pull set on any change of credentials or host, deleting first", () => {
        for (const imagePullSecret of [
            { host: "https://index.docker.io/v1/", credentials: "c2" },
            { host: "https://ghcr.io/", credentials: "c1" },
            { host: "https://index.docker.io/v1/", username: "u", password: "p" },
        ]) {
            assert.deepEqual(diffSecretSet(pull, { name: "pull", imagePullSecret }), {
                changes: true,
                replaces: ["imagePullSecret"],
                deleteBeforeReplace: true,
            });
        }
        assert.equal(diffSecretSet(pull, inputsOf(pull)).changes, false);
    });

    it("replaces when the kind changes", () => {
        const toPull = diffSecretSet(regular, { name: "agent", imagePullSecret: { host: "https://r.example/", credentials: "c" } });
        assert.deepEqual(toPull, { changes: true, replaces: ["imagePullSecret"], deleteBeforeReplace: true });
        const toRegular = diffSecretSet(pull, { name: "pull", secrets: { A: "1" } });
        assert.deepEqual(toRegular, { changes: true, replaces: ["secrets"], deleteBeforeReplace: true });
    });

    it("ignores a change of adopt alone", () => {
        assert.equal(diffSecretSet(regular, { ...inputsOf(regular), adopt: true }).changes, false);
    });
});

describe("planUpdate", () => {
    it("puts added and changed keys in one map and removes the rest", () => {
        assert.deepEqual(planUpdate(regular, { name: "agent", secrets: { A: "new", C: "3" } }), { put: { A: "new", C: "3" }, remove: ["B"] });
    });

    it("rewrites a key whose value was never recorded", () => {
        const adopted = { ...regular, secrets: { A: "1" } };
        assert.deepEqual(planUpdate(adopted, inputsOf(regular)), { put: { B: "2" }, remove: [] });
    });
});
