import assert from "node:assert/strict";
import { call, emulatorFixture, imagePullBody, regularBody } from "../support";

describe("emulator PUT /secrets/{setName}", () => {
    const start = emulatorFixture();

    describe("regular sets", () => {
        it("creates a set and answers 202 with status OK and the default region", async () => {
            const emulator = await start();
            const answer = await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ API_KEY: "a", DB_URL: "b" }) });
            assert.equal(answer.status, 202);
            assert.deepEqual(answer.json, { status: "OK", region: "us-west" });
            assert.deepEqual(emulator.snapshot(), {
                "my-set": { type: "secret", region: "us-west", status: "ready", secrets: { API_KEY: "a", DB_URL: "b" } },
            });
        });

        it("merges the given keys into an existing set and keeps the keys not named", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1", B: "2" }) });
            const answer = await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ B: "changed", C: "3" }) });
            assert.equal(answer.status, 202);
            assert.deepEqual(emulator.snapshot()["my-set"], {
                type: "secret",
                region: "us-west",
                status: "ready",
                secrets: { A: "1", B: "changed", C: "3" },
            });
        });

        it("keeps values exactly as given, including empty and multi-line values", async () => {
            const emulator = await start();
            const values = { EMPTY: "", LINES: "line 1\nline 2\n", UNICODE: "päss wörd ✓", SPACES: "  padded  " };
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody(values) });
            const stored = emulator.snapshot()["my-set"];
            assert.ok(stored?.type === "secret");
            assert.deepEqual(stored.secrets, values);
        });

        it("accepts the older single-key body Pipecat's CLI sends", async () => {
            const emulator = await start();
            const body = { name: "my-set", isImagePullSecret: false, secretKey: "A", secretValue: "1" };
            assert.equal((await call(emulator, "PUT", "/secrets/my-set", { body })).status, 202);
            const stored = emulator.snapshot()["my-set"];
            assert.ok(stored?.type === "secret");
            assert.deepEqual(stored.secrets, { A: "1" });
        });

        it("creates the set in the region given in the body", async () => {
            const emulator = await start();
            const answer = await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }, "eu-central") });
            assert.deepEqual(answer.json, { status: "OK", region: "eu-central" });
            assert.equal(emulator.snapshot()["my-set"]?.region, "eu-central");
        });

        it("keeps an existing set's region when an update gives none", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }, "us-east") });
            const answer = await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ B: "2" }) });
            assert.deepEqual(answer.json, { status: "OK", region: "us-east" });
        });

        it("accepts an update that repeats the set's region", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }, "us-east") });
            assert.equal((await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ B: "2" }, "us-east") })).status, 202);
        });

        it("refuses to change the region of an existing set", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
            const answer = await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "2" }, "us-east") });
            assert.equal(answer.status, 400);
            assert.deepEqual(answer.json, {
                error: "Secret already exists in region 'us-west'. Cannot change region to 'us-east'.",
                code: "GENERIC_BAD_REQUEST",
            });
            const stored = emulator.snapshot()["my-set"];
            assert.ok(stored?.type === "secret");
            assert.deepEqual(stored.secrets, { A: "1" });
        });

        it("refuses an unknown region", async () => {
            const emulator = await start();
            const answer = await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }, "mars-north") });
            assert.equal(answer.status, 400);
            assert.deepEqual(answer.json, { error: "Invalid region or organization does not have access", code: "GENERIC_BAD_REQUEST" });
            assert.deepEqual(emulator.snapshot(), {});
        });

        it("uses the configured regions and default region", async () => {
            const emulator = await start({ regions: ["eu-central", "ap-south"], defaultRegion: "ap-south" });
            assert.deepEqual((await call(emulator, "PUT", "/secrets/one", { body: regularBody({ A: "1" }) })).json, {
                status: "OK",
                region: "ap-south",
            });
            assert.equal((await call(emulator, "PUT", "/secrets/two", { body: regularBody({ A: "1" }, "us-west") })).status, 400);
        });

        it("refuses a regular body for an image-pull set's name", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io", "dXNlcjp0b2tlbg==") });
            const answer = await call(emulator, "PUT", "/secrets/registry", { body: regularBody({ A: "1" }) });
            assert.equal(answer.status, 400);
            assert.deepEqual(answer.json, {
                error: "Must provide isImagePullSecret, host, and secretValue to update an image pull secret",
                code: "GENERIC_BAD_REQUEST",
            });
        });
    });

    describe("image-pull sets", () => {
        it("creates an image-pull set and adds a trailing slash to the host", async () => {
            const emulator = await start();
            const answer = await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io", "dXNlcjp0b2tlbg==") });
            assert.equal(answer.status, 202);
            assert.deepEqual(answer.json, { status: "OK", region: "us-west" });
            assert.deepEqual(emulator.snapshot()["registry"], {
                type: "imagePullSecret",
                region: "us-west",
                status: "ready",
                host: "https://ghcr.io/",
                secretValue: "dXNlcjp0b2tlbg==",
            });
        });

        it("keeps a host that already ends with a slash unchanged", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://index.docker.io/v1/", "x") });
            const stored = emulator.snapshot()["registry"];
            assert.ok(stored?.type === "imagePullSecret");
            assert.equal(stored.host, "https://index.docker.io/v1/");
        });

        it("refuses to update an existing image-pull set by default", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io/", "old") });
            const answer = await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io/", "new") });
            assert.equal(answer.status, 400);
            assert.deepEqual(answer.json, {
                error: "Cannot update existing image pull secrets. Delete and recreate instead.",
                code: "GENERIC_BAD_REQUEST",
            });
            const stored = emulator.snapshot()["registry"];
            assert.ok(stored?.type === "imagePullSecret");
            assert.equal(stored.secretValue, "old");
        });

        it("updates an existing image-pull set in place when imagePullUpdates is accept", async () => {
            const emulator = await start({ imagePullUpdates: "accept" });
            await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io/", "old") });
            const answer = await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://quay.io", "new") });
            assert.equal(answer.status, 202);
            assert.deepEqual(emulator.snapshot()["registry"], {
                type: "imagePullSecret",
                region: "us-west",
                status: "ready",
                host: "https://quay.io/",
                secretValue: "new",
            });
        });

        for (const mode of ["accept", "refuse"] as const) {
            it(`requires the full image-pull body to update an image-pull set, as today's docs say (${mode})`, async () => {
                const emulator = await start({ imagePullUpdates: mode });
                await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io/", "old") });
                for (const body of [
                    { isImagePullSecret: true, host: "https://ghcr.io/" },
                    { isImagePullSecret: true, secretValue: "new" },
                    { host: "https://ghcr.io/", secretValue: "new" },
                ]) {
                    const answer = await call(emulator, "PUT", "/secrets/registry", { body });
                    assert.equal(answer.status, 400, JSON.stringify(body));
                    assert.deepEqual(answer.json, {
                        error: "Must provide isImagePullSecret, host, and secretValue to update an image pull secret",
                        code: "GENERIC_BAD_REQUEST",
                    });
                }
                const stored = emulator.snapshot()["registry"];
                assert.equal(stored?.type === "imagePullSecret" && stored.secretValue, "old");
            });
        }

        it("still refuses a region change in accept mode", async () => {
            const emulator = await start({ imagePullUpdates: "accept" });
            await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io/", "old") });
            const answer = await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io/", "new", "us-east") });
            assert.equal(answer.status, 400);
            assert.match((answer.json as { error: string }).error, /Cannot change region to 'us-east'/);
        });

        it("can be recreated after a delete", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io/", "old") });
            assert.equal((await call(emulator, "DELETE", "/secrets/registry")).status, 200);
            assert.equal(
                (await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io/", "new") })).status,
                202,
            );
        });

        it("refuses an image-pull body for a regular set's name", async () => {
            const emulator = await start();
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
            const answer = await call(emulator, "PUT", "/secrets/my-set", { body: imagePullBody("https://ghcr.io/", "x") });
            assert.equal(answer.status, 400);
            assert.deepEqual(answer.json, {
                error: "Cannot update existing regular secrets to image pull secrets",
                code: "GENERIC_BAD_REQUEST",
            });
        });
    });

    describe("validation", () => {
        const validNames = ["abc", "my-set", "a.b.c", "x1.y-2", "a".repeat(63)];
        const invalidNames = ["ab", "a".repeat(64), "My-Set", "-abc", "abc-", "a..b", "a_b", "abc.", "a b c"];

        for (const name of validNames) {
            it(`accepts the set name "${name.length > 20 ? `${name.slice(0, 8)}… (${name.length} chars)` : name}"`, async () => {
                const emulator = await start();
                const answer = await call(emulator, "PUT", `/secrets/${encodeURIComponent(name)}`, { body: regularBody({ A: "1" }) });
                assert.equal(answer.status, 202);
            });
        }

        for (const name of invalidNames) {
            it(`refuses the set name "${name.length > 20 ? `${name.slice(0, 8)}… (${name.length} chars)` : name}" with Invalid request format`, async () => {
                const emulator = await start();
                const answer = await call(emulator, "PUT", `/secrets/${encodeURIComponent(name)}`, { body: regularBody({ A: "1" }) });
                assert.equal(answer.status, 400);
                assert.match((answer.json as { error: string }).error, /^Invalid request format: set name/);
                assert.equal((answer.json as { code: string }).code, "GENERIC_BAD_REQUEST");
                assert.deepEqual(emulator.snapshot(), {});
            });
        }

        it("refuses secret keys outside [a-zA-Z0-9_-]{1,64} without quoting them", async () => {
            const emulator = await start();
            for (const key of ["", "has space", "dot.key", "a".repeat(65), "ünïcode"]) {
                const answer = await call(emulator, "PUT", "/secrets/my-set", {
                    body: { secrets: [{ secretKey: key, secretValue: "v" }] },
                });
                assert.equal(answer.status, 400, JSON.stringify(key));
                assert.deepEqual(answer.json, {
                    error: "Invalid request format: secrets[0].secretKey must be 1 to 64 characters of letters, digits, '_' and '-'",
                    code: "GENERIC_BAD_REQUEST",
                });
            }
            assert.equal(
                (await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ ["A-z_0".repeat(12) + "xyzw"]: "v" }) })).status,
                202,
            );
        });

        it("refuses a key named twice in one body", async () => {
            const emulator = await start();
            const body = {
                secrets: [
                    { secretKey: "A", secretValue: "1" },
                    { secretKey: "A", secretValue: "2" },
                ],
            };
            const answer = await call(emulator, "PUT", "/secrets/my-set", { body });
            assert.equal(answer.status, 400);
            assert.match((answer.json as { error: string }).error, /secret key 'A' appears more than once/);
        });

        const invalidBodies: readonly [description: string, body: unknown, message: RegExp][] = [
            ["an empty secrets array", { secrets: [] }, /secrets must have at least 1 item/],
            ["secrets that is not an array", { secrets: "A=1" }, /secrets must be an array/],
            ["an entry without secretValue", { secrets: [{ secretKey: "A" }] }, /secrets\[0\]\.secretValue must be a string/],
            ["a numeric secretValue", { secrets: [{ secretKey: "A", secretValue: 1 }] }, /secrets\[0\]\.secretValue must be a string/],
            ["a non-string region", { secrets: [{ secretKey: "A", secretValue: "1" }], region: 5 }, /region must be a string/],
            ["an array body", [1, 2], /body must be a JSON object/],
            ["a JSON string body", "hello", /body must be a JSON object/],
            ["an object with neither shape", { hello: "world" }, /body must be \{"secrets"/],
            [
                "a non-boolean isImagePullSecret",
                { isImagePullSecret: "true", host: "h", secretValue: "v" },
                /isImagePullSecret must be a boolean/,
            ],
            ["an image-pull body without host", { isImagePullSecret: true, secretValue: "v" }, /host must be a string/],
            ["an image-pull body with an empty host", { isImagePullSecret: true, host: "", secretValue: "v" }, /host must not be empty/],
            [
                "an image-pull body with an empty secretValue",
                { isImagePullSecret: true, host: "h", secretValue: "" },
                /secretValue must not be empty/,
            ],
            [
                "a host with whitespace",
                { isImagePullSecret: true, host: "ghcr.io x", secretValue: "v" },
                /host must not contain whitespace/,
            ],
        ];

        for (const [description, body, message] of invalidBodies) {
            it(`refuses ${description} with 400`, async () => {
                const emulator = await start();
                const answer = await call(emulator, "PUT", "/secrets/my-set", { body });
                assert.equal(answer.status, 400);
                const json = answer.json as { error: string; code: string };
                assert.equal(json.code, "GENERIC_BAD_REQUEST");
                assert.match(json.error, /^Invalid request format: /);
                assert.match(json.error, message);
                assert.deepEqual(emulator.snapshot(), {});
            });
        }

        it("refuses malformed JSON and an empty body with 400", async () => {
            const emulator = await start();
            const malformed = await call(emulator, "PUT", "/secrets/my-set", { rawBody: '{"secrets": [' });
            assert.equal(malformed.status, 400);
            assert.deepEqual(malformed.json, { error: "Invalid request format: body is not valid JSON", code: "GENERIC_BAD_REQUEST" });
            const empty = await call(emulator, "PUT", "/secrets/my-set", { rawBody: "" });
            assert.equal(empty.status, 400);
            assert.deepEqual(empty.json, { error: "Invalid request format: body must be a JSON object", code: "GENERIC_BAD_REQUEST" });
        });

        it("refuses a value over the value size limit, naming the key but not the value", async () => {
            const emulator = await start({ limits: { maxValueBytes: 8 } });
            assert.equal((await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "12345678" }) })).status, 202);
            const answer = await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ B: "123456789" }) });
            assert.equal(answer.status, 400);
            assert.deepEqual(answer.json, {
                error: "Invalid request format: value of secret key 'B' exceeds the emulator's limit of 8 bytes",
                code: "GENERIC_BAD_REQUEST",
            });
        });

        it("counts the value size limit in UTF-8 bytes", async () => {
            const emulator = await start({ limits: { maxValueBytes: 8 } });
            // Five characters, ten bytes.
            assert.equal((await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "ééééé" }) })).status, 400);
        });

        it("accepts a 64 KiB value and refuses one byte more by default", async () => {
            const emulator = await start();
            assert.equal((await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "x".repeat(65536) }) })).status, 202);
            assert.equal((await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "x".repeat(65537) }) })).status, 400);
        });

        it("refuses a merge that would exceed the keys-per-set limit", async () => {
            const emulator = await start({ limits: { maxKeysPerSet: 3 } });
            await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1", B: "2" }) });
            // Updating existing keys does not count against the limit.
            assert.equal((await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "x", B: "y", C: "3" }) })).status, 202);
            const answer = await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ D: "4" }) });
            assert.equal(answer.status, 400);
            assert.deepEqual(answer.json, {
                error: "Secret set 'my-set' would hold 4 keys; the emulator allows at most 3 per set",
                code: "GENERIC_BAD_REQUEST",
            });
            const tooManyAtOnce = await call(emulator, "PUT", "/secrets/other", { body: regularBody({ A: "1", B: "2", C: "3", D: "4" }) });
            assert.equal(tooManyAtOnce.status, 400);
        });

        it("answers 413 to a body over the body size limit", async () => {
            const emulator = await start({ limits: { maxBodyBytes: 100 } });
            const answer = await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "x".repeat(200) }) });
            assert.equal(answer.status, 413);
            assert.deepEqual(answer.json, { error: "Request body exceeds the emulator's limit of 100 bytes", code: "PAYLOAD_TOO_LARGE" });
            assert.deepEqual(emulator.snapshot(), {});
        });
    });
});
