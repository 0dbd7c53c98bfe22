import assert from "node:assert/strict";
import { call, emulatorFixture, imagePullBody, regularBody } from "../support";

const SET_NOT_FOUND = { error: "Set not found", code: "NOT_FOUND" };

describe("emulator reads and deletes", () => {
    const start = emulatorFixture();

    describe("GET /regions", () => {
        it("lists the documented regions with code and display_name", async () => {
            const emulator = await start();
            const answer = await call(emulator, "GET", "/regions");
            assert.equal(answer.status, 200);
            assert.deepEqual(answer.json, {
                regions: [
                    { code: "us-west", display_name: "US West" },
                    { code: "us-east", display_name: "US East" },
                    { code: "eu-central", display_name: "EU Central" },
                    { code: "ap-south", display_name: "AP South" },
                ],
            });
        });

        it("lists configured regions, using the code as display name for unknown ones", async () => {
            const emulator = await start({ regions: ["us-west", "moon-1"] });
            assert.deepEqual((await call(emulator, "GET", "/regions")).json, {
                regions: [
                    { code: "us-west", display_name: "US West" },
                    { code: "moon-1", display_name: "moon-1" },
                ],
            });
        });
    });

    describe("GET /secrets", () => {
        it("answers an empty list when there are no sets", async () => {
            const emulator = await start();
            assert.deepEqual((await call(emulator, "GET", "/secrets")).json, { sets: [] });
        });

        it("lists regular and image-pull sets with type, region and status, in creation order", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/zeta", { body: regularBody({ A: "1" }, "eu-central") });
            await call(emulator, "PUT", "/secrets/alpha", { body: imagePullBody("https://ghcr.io", "x") });
            const answer = await call(emulator, "GET", "/secrets");
            assert.equal(answer.status, 200);
            assert.deepEqual(answer.json, {
                sets: [
                    { name: "zeta", type: "secret", region: "eu-central", status: "ready" },
                    { name: "alpha", type: "imagePullSecret", region: "us-west", status: "ready" },
                ],
            });
        });
    });

    describe("GET /secrets/{setName}", () => {
        it("answers key names, region and status without values", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ B: "2", A: "1" }, "us-east") });
            const answer = await call(emulator, "GET", "/secrets/my-set");
            assert.equal(answer.status, 200);
            assert.deepEqual(answer.json, {
                secrets: [{ fieldName: "B" }, { fieldName: "A" }],
                region: "us-east",
                status: "ready",
            });
        });

        it("answers 404 Set not found for a missing set", async () => {
            const emulator = await start();
            const answer = await call(emulator, "GET", "/secrets/missing");
            assert.equal(answer.status, 404);
            assert.deepEqual(answer.json, SET_NOT_FOUND);
        });

        it("answers 404 for a name that could never be valid", async () => {
            const emulator = await start();
            assert.deepEqual((await call(emulator, "GET", "/secrets/NOPE")).json, SET_NOT_FOUND);
        });

        it("refuses to describe an image-pull set by name", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io", "x") });
            const answer = await call(emulator, "GET", "/secrets/registry");
            assert.equal(answer.status, 400);
            assert.deepEqual(answer.json, { error: "Cannot retrieve image pull secrets by name", code: "GENERIC_BAD_REQUEST" });
        });
    });

    describe("DELETE /secrets/{setName}", () => {
        it("deletes a regular set and answers 200 status OK", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
            const answer = await call(emulator, "DELETE", "/secrets/my-set");
            assert.equal(answer.status, 200);
            assert.deepEqual(answer.json, { status: "OK" });
            assert.deepEqual(emulator.snapshot(), {});
            assert.equal((await call(emulator, "GET", "/secrets/my-set")).status, 404);
        });

        it("deletes an image-pull set", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io", "x") });
            assert.equal((await call(emulator, "DELETE", "/secrets/registry")).status, 200);
            assert.deepEqual((await call(emulator, "GET", "/secrets")).json, { sets: [] });
        });

        it("answers 404 Set not found to a missing set, so a repeated delete is 404", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
            assert.equal((await call(emulator, "DELETE", "/secrets/my-set")).status, 200);
            const again = await call(emulator, "DELETE", "/secrets/my-set");
            assert.equal(again.status, 404);
            assert.deepEqual(again.json, SET_NOT_FOUND);
        });
    });

    describe("DELETE /secrets/{setName}/{secretKey}", () => {
        it("removes one key and keeps the others", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1", B: "2" }) });
            const answer = await call(emulator, "DELETE", "/secrets/my-set/A");
            assert.equal(answer.status, 200);
            assert.deepEqual(answer.json, { status: "OK" });
            assert.deepEqual((await call(emulator, "GET", "/secrets/my-set")).json, {
                secrets: [{ fieldName: "B" }],
                region: "us-west",
                status: "ready",
            });
        });

        it("keeps the set, empty, when its last key is removed", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
            await call(emulator, "DELETE", "/secrets/my-set/A");
            assert.deepEqual((await call(emulator, "GET", "/secrets/my-set")).json, { secrets: [], region: "us-west", status: "ready" });
        });

        it("answers 404 Secret not found to a missing key", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
            const answer = await call(emulator, "DELETE", "/secrets/my-set/B");
            assert.equal(answer.status, 404);
            assert.deepEqual(answer.json, { error: "Secret not found", code: "NOT_FOUND" });
        });

        it("answers 404 Set not found when the set is missing", async () => {
            const emulator = await start();
            const answer = await call(emulator, "DELETE", "/secrets/missing/A");
            assert.equal(answer.status, 404);
            assert.deepEqual(answer.json, SET_NOT_FOUND);
        });

        it("refuses to remove a key of an image-pull set", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io", "x") });
            const answer = await call(emulator, "DELETE", "/secrets/registry/secretValue");
            assert.equal(answer.status, 400);
            assert.deepEqual(answer.json, {
                error: "Cannot delete individual keys from image pull secrets. Delete the whole set instead.",
                code: "GENERIC_BAD_REQUEST",
            });
            assert.ok(emulator.snapshot()["registry"] !== undefined);
        });

        it("decodes percent-encoded path segments", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ "A-b_C": "1" }) });
            assert.equal((await call(emulator, "DELETE", "/secrets/my-set/%41-b_C")).status, 200);
        });
    });

    describe("referenced sets", () => {
        it("reads a referenced set as keyless with source referenced, in both GETs", async () => {
            const emulator = await start();
            emulator.seed("k8s-secret", { secrets: {}, referenced: true, region: "us-east" });
            assert.deepEqual((await call(emulator, "GET", "/secrets/k8s-secret")).json, {
                secrets: [],
                region: "us-east",
                status: "ready",
                source: "referenced",
            });
            assert.deepEqual((await call(emulator, "GET", "/secrets")).json, {
                sets: [{ name: "k8s-secret", type: "secret", region: "us-east", status: "ready", source: "referenced" }],
            });
        });

        it("refuses managed writes with a 409 and deletes it like any set", async () => {
            const emulator = await start();
            emulator.seed("k8s-secret", { secrets: {}, referenced: true });
            const conflict = {
                error: "Secret set 'k8s-secret' is a referenced secret set and cannot be modified through the API.",
                code: "CONFLICT",
            };
            for (const [method, path, body] of [
                ["PUT", "/secrets/k8s-secret", regularBody({ A: "1" })],
                ["PUT", "/secrets/k8s-secret", imagePullBody("https://ghcr.io/", "x")],
                ["DELETE", "/secrets/k8s-secret/A", undefined],
            ] as const) {
                const answer = await call(emulator, method, path, body === undefined ? {} : { body });
                assert.deepEqual([answer.status, answer.json], [409, conflict], `${method} ${path}`);
            }
            assert.deepEqual(emulator.snapshot()["k8s-secret"], {
                type: "secret",
                region: "us-west",
                status: "ready",
                secrets: {},
                referenced: true,
            });
            assert.equal((await call(emulator, "DELETE", "/secrets/k8s-secret")).status, 200);
            assert.deepEqual(emulator.snapshot(), {});
        });

        it("lists a referenced image-pull set with type imagePullSecret and source referenced; managed ones carry no source", async () => {
            const emulator = await start();
            emulator.seed("k8s-pull", {
                type: "imagePullSecret",
                host: "ghcr.io",
                secretValue: "Ym90OnRva2Vu",
                referenced: true,
                region: "us-east",
            });
            emulator.seed("managed-pull", { type: "imagePullSecret", host: "ghcr.io", secretValue: "Ym90OnRva2Vu" });
            assert.deepEqual((await call(emulator, "GET", "/secrets")).json, {
                sets: [
                    { name: "k8s-pull", type: "imagePullSecret", region: "us-east", status: "ready", source: "referenced" },
                    { name: "managed-pull", type: "imagePullSecret", region: "us-west", status: "ready" },
                ],
            });
            // Read by name like any image-pull set: refused (the list is how image-pull sets are read).
            const byName = await call(emulator, "GET", "/secrets/k8s-pull");
            assert.deepEqual(
                [byName.status, byName.json],
                [400, { error: "Cannot retrieve image pull secrets by name", code: "GENERIC_BAD_REQUEST" }],
            );
            assert.deepEqual(emulator.snapshot()["k8s-pull"], {
                type: "imagePullSecret",
                region: "us-east",
                status: "ready",
                host: "ghcr.io/",
                secretValue: "Ym90OnRva2Vu",
                referenced: true,
            });
        });

        it("refuses managed writes to a referenced image-pull set with a 409, even with in-place updates on, and deletes it like any set", async () => {
            const emulator = await start({ imagePullUpdates: "accept" });
            emulator.seed("k8s-pull", { type: "imagePullSecret", host: "ghcr.io", secretValue: "Ym90OnRva2Vu", referenced: true });
            const conflict = {
                error: "Secret set 'k8s-pull' is a referenced secret set and cannot be modified through the API.",
                code: "CONFLICT",
            };
            for (const body of [imagePullBody("https://ghcr.io/", "bmV3OnRva2Vu"), regularBody({ A: "1" })]) {
                const answer = await call(emulator, "PUT", "/secrets/k8s-pull", { body });
                assert.deepEqual([answer.status, answer.json], [409, conflict]);
            }
            const key = await call(emulator, "DELETE", "/secrets/k8s-pull/A");
            assert.equal(key.status, 400, "a key of an image-pull set is refused as for any image-pull set");
            const set = emulator.snapshot()["k8s-pull"];
            assert.equal(set?.type === "imagePullSecret" && set.secretValue, "Ym90OnRva2Vu", "unchanged");
            assert.equal((await call(emulator, "DELETE", "/secrets/k8s-pull")).status, 200);
            assert.deepEqual(emulator.snapshot(), {});
        });

        it("refuses to seed a referenced set with keys", async () => {
            const emulator = await start();
            assert.throws(() => emulator.seed("k8s-secret", { secrets: { A: "1" }, referenced: true }), /a referenced set holds no keys/);
        });
    });

    describe("unknown routes", () => {
        const unknown: readonly [method: string, path: string][] = [
            ["GET", "/nothing"],
            ["POST", "/secrets"],
            ["POST", "/secrets/my-set"],
            ["PATCH", "/secrets/my-set"],
            ["GET", "/secrets/my-set/A"],
            ["PUT", "/secrets/my-set/A"],
            ["DELETE", "/secrets/my-set/A/extra"],
            ["GET", "/secrets/"],
            ["DELETE", "/regions"],
        ];

        for (const [method, path] of unknown) {
            it(`answers 404 with the error shape to ${method} ${path}`, async () => {
                const emulator = await start();
                const answer = await call(emulator, method, path, method === "GET" || method === "DELETE" ? {} : { body: {} });
                assert.equal(answer.status, 404);
                assert.deepEqual(answer.json, { error: `Route not found: ${method} /v1${path}`, code: "NOT_FOUND" });
            });
        }

        it("answers 404 to a path outside /v1", async () => {
            const emulator = await start();
            const response = await fetch(emulator.url.replace(/\/v1$/, "/secrets"), {
                headers: { authorization: `Bearer ${emulator.apiKey}` },
            });
            assert.equal(response.status, 404);
            assert.deepEqual(await response.json(), { error: "Route not found: GET /secrets", code: "NOT_FOUND" });
        });

        it("answers 400 to a path that is not valid percent-encoding", async () => {
            const emulator = await start();
            const answer = await call(emulator, "GET", "/secrets/%E0%A4%A");
            assert.equal(answer.status, 400);
            assert.equal((answer.json as { code: string }).code, "GENERIC_BAD_REQUEST");
        });

        it("ignores the query string", async () => {
            const emulator = await start();
            assert.equal((await call(emulator, "GET", "/secrets?limit=5")).status, 200);
        });
    });
});
