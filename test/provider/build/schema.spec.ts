/** A Build's input rules (provider/build/schema.ts): what check accepts, its defaults, and its failures' words. */
import * as assert from "node:assert/strict";
import { UNKNOWN } from "../../../provider/inputs";
import { checkInputs, insideContext } from "../../../provider/build/schema";

const reasons = (news: Record<string, unknown>) => {
    const r = checkInputs(news);
    return r.ok ? [] : r.failures.map((f) => f.reason);
};

describe("a Build's input rules (schema.ts)", () => {
    it("defaults the Dockerfile and keeps a declared region", () => {
        assert.deepEqual(checkInputs({ context: "./bot" }), { ok: true, inputs: { context: "./bot", dockerfile: "Dockerfile" } });
        assert.deepEqual(checkInputs({ context: "./bot", region: "eu-central", dockerfile: "./docker//Dockerfile.prod" }), {
            ok: true,
            inputs: { context: "./bot", dockerfile: "docker/Dockerfile.prod", region: "eu-central" },
        });
    });

    it("accepts unknown values (a preview)", () => {
        assert.deepEqual(checkInputs({ context: UNKNOWN, dockerfile: UNKNOWN, region: UNKNOWN }), {
            ok: true,
            inputs: { context: UNKNOWN, dockerfile: UNKNOWN, region: UNKNOWN },
        });
    });

    it("refuses a missing or empty context, naming it", () => {
        assert.deepEqual(reasons({}), ['context: must be the path of the directory to build (for example "./bot")']);
        assert.deepEqual(reasons({ context: "" }), ["context: must not be empty"]);
    });

    it("refuses a Dockerfile outside the context", () => {
        const inside =
            'dockerfile: must be a path inside the context, relative to it (for example "Dockerfile" or "docker/Dockerfile.prod")';
        for (const dockerfile of ["/etc/Dockerfile", "../Dockerfile", "a/../../Dockerfile", ".", "C:/Dockerfile"]) {
            assert.deepEqual(reasons({ context: "./bot", dockerfile }), [inside], dockerfile);
        }
        assert.ok(insideContext("a/../Dockerfile"));
    });

    it("refuses a region that is not a region code, and unknown properties with the allowed ones", () => {
        assert.deepEqual(reasons({ context: "./bot", region: "US West" }), ['region: must be a region code such as "us-west"']);
        assert.deepEqual(reasons({ context: "./bot", contextHash: "0123456789abcdef" }), [
            'unknown property "contextHash" (allowed: context, dockerfile, region)',
        ]);
    });
});
