import assert from "node:assert/strict";
import { call, emulatorFixture, ManualClock } from "../support";
import { botContext, s3Error, upload, uploadUrl } from "./support";

describe("emulator build uploads", () => {
    const start = emulatorFixture();

    describe("POST /builds/upload-url", () => {
        it("hands out a storage URL on the same server and the presigned fields in order, expiring 15 minutes later", async () => {
            const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5));
            const emulator = await start({ now: clock.now });
            const grant = await uploadUrl(emulator);
            assert.match(grant.uploadId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
            assert.equal(grant.uploadUrl, `${new URL(emulator.url).origin}/storage/pipecat-builds-emulator`);
            assert.deepEqual(Object.keys(grant.uploadFields), [
                "key",
                "bucket",
                "Content-Type",
                "Policy",
                "X-Amz-Algorithm",
                "X-Amz-Credential",
                "X-Amz-Date",
                "X-Amz-Signature",
            ]);
            assert.match(grant.uploadFields["key"] ?? "", new RegExp(`^uploads/[0-9a-f-]{36}/${grant.uploadId}/context\\.tar\\.gz$`));
            assert.equal(grant.uploadFields["Content-Type"], "application/gzip");
            assert.equal(grant.uploadFields["X-Amz-Date"], "20260102T030405Z");
            assert.equal(grant.expiresAt, "2026-01-02T03:19:05.000Z");
            const policy = JSON.parse(Buffer.from(grant.uploadFields["Policy"] ?? "", "base64").toString()) as {
                expiration: string;
                conditions: unknown[];
            };
            assert.equal(policy.expiration, grant.expiresAt);
            assert.deepEqual(
                policy.conditions.find((c) => Array.isArray(c) && c[0] === "content-length-range"),
                ["content-length-range", 1, 500 * 1024 * 1024],
            );
        });

        it("answers the contract's 400 for a region the organisation does not have, and needs the key", async () => {
            const emulator = await start();
            const answer = await call(emulator, "POST", "/builds/upload-url", { body: { region: "mars-north" } });
            assert.deepEqual(
                [answer.status, answer.json],
                [400, { error: "Invalid region or organization does not have access", code: "GENERIC_BAD_REQUEST" }],
            );
            assert.equal((await call(emulator, "POST", "/builds/upload-url", { authorization: null })).status, 401);
        });
    });

    describe("POST /storage/<bucket>", () => {
        it("accepts the fields in order then the file without an API key, answers 204 with no body, and keeps the archive", async () => {
            const emulator = await start();
            const grant = await uploadUrl(emulator);
            const archive = botContext();
            const answer = await upload(grant, archive);
            assert.deepEqual([answer.status, answer.text], [204, ""]);
            const [received, ...more] = emulator.uploads();
            assert.equal(more.length, 0);
            assert.equal(received?.uploadId, grant.uploadId);
            assert.equal(received?.bucketKey, grant.uploadFields["key"]);
            assert.deepEqual(received?.fieldNames, [...Object.keys(grant.uploadFields), "file"]);
            assert.equal(received?.hadAuthorization, false);
            assert.match(received?.headers["content-type"] ?? "", /^multipart\/form-data; boundary=/);
            assert.ok(received?.archive.equals(archive));
            assert.equal(emulator.requestCount({ route: "POST /storage/:bucket", status: 204 }), 1);
        });

        it("records that an Authorization header came, never its value", async () => {
            const emulator = await start();
            await upload(await uploadUrl(emulator), botContext(), { headers: { authorization: "Bearer leaked-key-0001" } });
            const [received] = emulator.uploads();
            assert.equal(received?.hadAuthorization, true);
            assert.equal(JSON.stringify(received?.headers).includes("leaked-key-0001"), false);
        });

        it("refuses an expired policy with S3's 403", async () => {
            const clock = new ManualClock();
            const emulator = await start({ now: clock.now });
            const grant = await uploadUrl(emulator);
            clock.advance(15 * 60 * 1000);
            const answer = await upload(grant, botContext());
            assert.deepEqual(s3Error(answer), {
                status: 403,
                code: "AccessDenied",
                message: "Invalid according to Policy: Policy expired.",
            });
            assert.match(answer.headers.get("content-type") ?? "", /xml/);
            assert.deepEqual(emulator.uploads(), []);
        });

        it("refuses a tampered field, a tampered policy or signature, a missing or extra field, and fields out of order", async () => {
            const emulator = await start();
            const grant = await uploadUrl(emulator);
            const fields = Object.entries(grant.uploadFields);
            const replaced = (name: string, value: string) => fields.map(([n, v]) => [n, n === name ? value : v] as const);
            const cases: [string, (readonly [string, string])[], RegExp][] = [
                [
                    "another key",
                    replaced("key", "uploads/someone-else/context.tar.gz"),
                    /^Invalid according to Policy: Policy Condition failed: \["eq", "\$key"/,
                ],
                ["another Content-Type", replaced("Content-Type", "text/plain"), /Policy Condition failed: \["eq", "\$Content-Type"/],
                [
                    "a changed policy",
                    replaced("Policy", Buffer.from('{"expiration":"2099-01-01T00:00:00Z","conditions":[]}').toString("base64")),
                    /signature we calculated does not match/,
                ],
                ["a changed signature", replaced("X-Amz-Signature", "0".repeat(64)), /signature we calculated does not match/],
                ["no signature", fields.filter(([n]) => n !== "X-Amz-Signature"), /signature we calculated does not match/],
                ["no bucket field", fields.filter(([n]) => n !== "bucket"), /Policy Condition failed: \["eq", "\$bucket"/],
                ["an extra field", [...fields, ["x-note", "hello"]], /^Invalid according to Policy: Extra input fields: x-note$/],
                [
                    "fields out of order",
                    [fields[1], fields[0], ...fields.slice(2)] as (readonly [string, string])[],
                    /in the order of uploadFields/,
                ],
            ];
            for (const [what, sent, message] of cases) {
                const answer = s3Error(await upload(grant, botContext(), { fields: sent }));
                assert.equal(answer.status, 403, what);
                assert.equal(answer.code, "AccessDenied", what);
                assert.match(answer.message, message, what);
            }
            assert.deepEqual(emulator.uploads(), []);
        });

        it("refuses a file over the policy's content-length-range with EntityTooLarge, however large the request", async () => {
            const emulator = await start({ buildUploadMaxBytes: 200 });
            const grant = await uploadUrl(emulator);
            const big = botContext([], { "data.bin": "x".repeat(5000) + Math.random().toString(36).repeat(40) });
            assert.ok(big.length > 200);
            assert.deepEqual(s3Error(await upload(grant, big)), {
                status: 400,
                code: "EntityTooLarge",
                message: "Your proposed upload exceeds the maximum allowed size",
            });
            const huge = Buffer.alloc(200 + 70 * 1024, 7);
            assert.equal(s3Error(await upload(grant, huge)).code, "EntityTooLarge", "a body over the read limit too");
            assert.deepEqual(emulator.uploads(), []);
        });

        it("refuses a form without a file, and a body that is not multipart", async () => {
            const emulator = await start();
            const grant = await uploadUrl(emulator);
            assert.deepEqual(s3Error(await upload(grant, botContext(), { noFile: true })), {
                status: 400,
                code: "IncorrectNumberOfFilesInPostRequest",
                message: "POST requires exactly one file upload per request.",
            });
            const plain = await fetch(grant.uploadUrl, { method: "POST", body: "key=x", headers: { "content-type": "text/plain" } });
            assert.equal(plain.status, 412);
            assert.match(await plain.text(), /<Code>PreconditionFailed<\/Code>/);
        });

        it("knows one bucket only, and serves no other method or path outside /v1", async () => {
            const emulator = await start();
            const grant = await uploadUrl(emulator);
            const other = { ...grant, uploadUrl: grant.uploadUrl.replace("pipecat-builds-emulator", "another-bucket") };
            assert.equal(s3Error(await upload(other, botContext())).code, "NoSuchBucket");
            const get = await fetch(grant.uploadUrl, { headers: { authorization: `Bearer ${emulator.apiKey}` } });
            assert.equal(get.status, 404);
        });
    });
});
