import assert from "node:assert/strict";
import { DEFAULT_SPEC, applySpecPatch, imagePullAuthProblem, sameSpec } from "../../../emulator/agents/rules";

describe("emulator agents rules", () => {
    describe("imagePullAuthProblem", () => {
        const b64 = (text: string) => Buffer.from(text).toString("base64");

        it("accepts padded base64 of username:token, with one, two or no padding characters", () => {
            for (const auth of ["u:t", "us:tok", "user:token1", "robot$ci:ghp_0123456789"])
                assert.equal(imagePullAuthProblem(b64(auth)), undefined, auth);
        });

        it("reports the first illegal byte, as Go's base64 decoder does, and never the value", () => {
            assert.equal(imagePullAuthProblem("robot:token"), "unable to decode auth field: illegal base64 data at input byte 5");
            assert.equal(
                imagePullAuthProblem("dXNlcjp0b2tlbg"),
                "unable to decode auth field: illegal base64 data at input byte 14",
                "unpadded",
            );
            assert.equal(
                imagePullAuthProblem("dX=lcjp0"),
                "unable to decode auth field: illegal base64 data at input byte 2",
                "padding inside",
            );
            assert.equal(imagePullAuthProblem("dXNl=A=="), "unable to decode auth field: illegal base64 data at input byte 4");
            assert.equal(imagePullAuthProblem(`${b64("u:t")} `), "unable to decode auth field: illegal base64 data at input byte 4");
        });

        it("reports base64 without a username:token pair", () => {
            assert.equal(
                imagePullAuthProblem(b64("only-a-token")),
                "unable to parse auth field, must be formatted as base64(username:password)",
            );
        });
    });

    describe("applySpecPatch and sameSpec", () => {
        const base = applySpecPatch(DEFAULT_SPEC, { image: "me/bot:1", secretSet: "app", krispViva: { audioFilter: "tel" } });

        it("keeps what the patch leaves out, removes null bindings, and lets image and buildId replace each other", () => {
            assert.deepEqual(applySpecPatch(base, {}), base);
            assert.equal("secretSet" in applySpecPatch(base, { secretSet: null }), false);
            const built = applySpecPatch(base, { buildId: "123e4567-e89b-12d3-a456-426614174000" });
            assert.equal("image" in built, false);
            assert.deepEqual(applySpecPatch(base, { krispViva: {} }).krispViva, { audioFilter: "tel" });
            assert.deepEqual(applySpecPatch(base, { krispViva: { audioFilter: null } }).krispViva, { audioFilter: null });
        });

        it("tells equal specs from different ones, the Krisp filter included", () => {
            assert.equal(sameSpec(base, applySpecPatch(base, { image: "me/bot:1", secretSet: "app" })), true);
            assert.equal(sameSpec(base, applySpecPatch(base, { krispViva: { audioFilter: "pro" } })), false);
            assert.equal(sameSpec(base, applySpecPatch(base, { secretSet: null })), false);
            assert.equal(sameSpec(base, applySpecPatch(base, { imagePullSecretSet: "registry" })), false);
        });
    });
});
