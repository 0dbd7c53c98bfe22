/**
 * The Build provider's methods (provider/build/implementation.ts, with its endpoints, upload and waits) over real
 * HTTP against a stand-in of the builds API and its storage (fake-cloud.ts), on a fake clock: check's local hash,
 * the cache decision, the upload as the storage service received it, the wait, and what a failure says.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import * as tar from "tar-stream";
import { buildProvider } from "../../../provider";
import { UNKNOWN } from "../../../provider/inputs";
import { setProgressSink } from "../../../provider/build/progress";
import type { TestHooks } from "../../../provider/session";
import { FakeCloud } from "./fake-cloud";

const impl = require("pulumi-pipecat-secrets/implementation") as { setTestHooks(hooks: TestHooks): void };

const KEY = "pk-build-API-KEY-never-shown-0001";
const SECRET_VALUE = "sk-build-DOTENV-never-uploaded-2222";
type Props = Record<string, unknown>;

let cloud: FakeCloud;
let clock = 1_000_000;
let sleeps: number[] = [];
let lines: string[] = [];
let dirs: string[] = [];
let restoreSink: ((line: string) => void) | undefined;

async function setup(config: Record<string, string> = {}): Promise<void> {
    clock = 1_000_000;
    sleeps = [];
    lines = [];
    cloud = await new FakeCloud(KEY, () => clock).start();
    impl.setTestHooks({
        sleep: async (ms) => {
            sleeps.push(ms);
            clock += ms;
        },
        now: () => clock,
        random: () => 0.5,
    });
    const values: Record<string, string> = { "pipecat:apiKey": KEY, "pipecat:apiUrl": cloud.url, ...config };
    await buildProvider.configure!({ config: { get: (k: string) => values[k], require: (k: string) => values[k] ?? "" } } as never);
    restoreSink = setProgressSink((line) => lines.push(line));
}

function bot(extra: Record<string, string> = {}): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "build-impl-"));
    dirs.push(root);
    const files = { Dockerfile: "FROM python:3.12-slim\nCOPY . /app\n", "bot.py": "print('hi')\n", ...extra };
    for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
        fs.writeFileSync(path.join(root, name), content);
    }
    return root;
}

async function checked(inputs: Props, olds: Props = {}): Promise<Props> {
    const r = await buildProvider.check!(olds, inputs);
    assert.deepEqual(r.failures ?? [], []);
    // What check asked (the organisation's regions, for a newly declared region) is not what a create spec counts.
    cloud.requests.length = 0;
    return r.inputs;
}

async function failure(op: Promise<unknown>): Promise<Error & { timedOut?: boolean }> {
    const e = await op.then(
        () => assert.fail("expected a failure"),
        (x: unknown) => x as Error,
    );
    for (const leak of [KEY, SECRET_VALUE, "SIGNATURE-never-shown"]) assert.ok(!`${e.message}\n${e.stack}`.includes(leak), leak);
    return e;
}

async function entries(archive: Buffer): Promise<string[]> {
    const names: string[] = [];
    const extract = tar.extract();
    const done = new Promise<void>((resolve, reject) => {
        extract.on("entry", (h, s, next) => {
            names.push(h.name);
            s.on("end", next);
            s.resume();
        });
        extract.on("finish", resolve);
        extract.on("error", reject);
    });
    extract.end(zlib.gunzipSync(archive));
    await done;
    return names;
}

const listed = (hash: string, region = "us-west") =>
    `GET /v1/builds?contextHash=${hash}&dockerfilePath=Dockerfile&region=${region}&status=success&limit=1 200`;

describe("the Build provider (implementation.ts)", () => {
    afterEach(async () => {
        if (restoreSink) setProgressSink(restoreSink);
        impl.setTestHooks({});
        await cloud?.close();
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
        dirs = [];
    });

    describe("check", () => {
        it("computes the context's hash from the files, with no request", async () => {
            await setup();
            const dir = bot();
            const r = await buildProvider.check!(
                { context: dir, region: "us-west", contextHash: "x" },
                { context: dir, region: "us-west" },
            );
            assert.deepEqual(r.failures ?? [], []);
            const ins = r.inputs;
            assert.match(String(ins["contextHash"]), /^[0-9a-f]{16}$/);
            assert.deepEqual(ins, {
                context: dir,
                dockerfile: "Dockerfile",
                region: "us-west",
                contextHash: ins["contextHash"],
                fileCount: 2,
            });
            assert.deepEqual(cloud.requests, []);
        });

        it("leaves the hash unknown when the context is (a preview)", async () => {
            await setup();
            assert.deepEqual(await checked({ context: UNKNOWN }), { context: UNKNOWN, dockerfile: "Dockerfile", contextHash: UNKNOWN });
        });

        it("keeps the region of the previous inputs when it is no longer declared", async () => {
            await setup();
            const dir = bot();
            assert.equal(
                (await checked({ context: dir }, { context: dir, region: "eu-central", contextHash: "x" }))["region"],
                "eu-central",
            );
        });

        it("fails naming the input for a missing directory, a missing Dockerfile, or a context over the limit", async () => {
            await setup();
            const r1 = await buildProvider.check!({}, { context: "./no-such-bot" });
            assert.match(r1.failures?.[0]?.reason ?? "", /^context: no directory "\.\/no-such-bot"/);
            const dir = bot();
            const r2 = await buildProvider.check!({}, { context: dir, dockerfile: "Dockerfile.prod" });
            assert.deepEqual(
                r2.failures?.map((f) => f.reason),
                [`dockerfile: no file "Dockerfile.prod" in the context "${dir}".`],
            );
            assert.deepEqual(cloud.requests, []);
        });
    });

    describe("create", () => {
        it("uses a successful build of the same files, Dockerfile and region: one request, nothing uploaded", async () => {
            await setup();
            const ins = await checked({ context: bot(), region: "us-west" });
            const hit = cloud.seed({ contextHash: String(ins["contextHash"]) });
            const { id, outs } = await buildProvider.create(ins);
            assert.equal(id, hit.id);
            assert.equal((outs as Props)["cached"], true);
            assert.equal((outs as Props)["imageUri"], hit.imageUri);
            assert.deepEqual(cloud.requests, [listed(String(ins["contextHash"]))]);
            assert.deepEqual(cloud.uploads, []);
        });

        it("looks up the organisation's default region for the cache when none is declared", async () => {
            await setup();
            cloud.defaultRegion = "eu-central";
            const ins = await checked({ context: bot() });
            cloud.seed({ contextHash: String(ins["contextHash"]), region: "us-west" });
            const hit = cloud.seed({ contextHash: String(ins["contextHash"]), region: "eu-central" });
            assert.equal((await buildProvider.create(ins)).id, hit.id);
            assert.deepEqual(cloud.requests, ["GET /v1/properties 200", listed(String(ins["contextHash"]), "eu-central")]);
        });

        it("otherwise uploads the context once, without the API key, builds it and waits for success", async () => {
            await setup();
            const dir = bot({ ".env": `OPENAI_API_KEY=${SECRET_VALUE}`, "certs/server.pem": "x", ".dockerignore": "!.env\n!**/*.pem\n" });
            const ins = await checked({ context: dir, region: "us-west" });
            const { id, outs } = await buildProvider.create(ins);
            const hash = String(ins["contextHash"]);
            assert.deepEqual(outs, {
                context: dir,
                dockerfile: "Dockerfile",
                region: "us-west",
                contextHash: hash,
                fileCount: 3,
                buildId: id,
                imageUri: `registry.fake/org/builds/${hash}@sha256:${"1".repeat(64)}`,
                cached: false,
                contextSizeBytes: cloud.uploads[0]?.archive.length,
            });
            assert.deepEqual(cloud.requests, [
                listed(hash),
                "POST /v1/builds/upload-url 200",
                "POST /storage/pipecat-builds-emulator 204",
                "POST /v1/builds 201",
                `GET /v1/builds/${id} 200`,
                `GET /v1/builds/${id} 200`,
                `GET /v1/builds/${id} 200`,
                `GET /v1/builds/${id} 200`,
            ]);
            const [upload] = cloud.uploads;
            assert.equal(upload?.hadAuthorization, false);
            assert.deepEqual(upload?.fieldNames, [
                "key",
                "bucket",
                "Content-Type",
                "Policy",
                "X-Amz-Algorithm",
                "X-Amz-Credential",
                "X-Amz-Date",
                "X-Amz-Signature",
                "file",
            ]);
            assert.equal(createHash("md5").update(upload!.archive).digest("hex").slice(0, 16), hash);
            assert.deepEqual(await entries(upload!.archive), [".dockerignore", "Dockerfile", "bot.py"]);
            assert.ok(!zlib.gunzipSync(upload!.archive).includes(SECRET_VALUE));
            assert.deepEqual(sleeps, [2000, 4000, 5000]);
        });

        it("reports its progress, naming the context, and never a field of the upload", async () => {
            await setup();
            const dir = bot();
            const { id } = await buildProvider.create(await checked({ context: dir, region: "us-west" }));
            const label = `Build of context "${dir}"`;
            assert.deepEqual(lines, [
                `${label}: uploading 2 files (${lines[0]?.split("(")[1]}`,
                `${label}: build ${id} started`,
                `${label}: build ${id.slice(0, 8)} pending after 0 s`,
                `${label}: build ${id.slice(0, 8)} building after 2 s`,
                `${label}: build ${id.slice(0, 8)} success after 11 s`,
                `${label}: build ${id} succeeded`,
            ]);
            assert.ok(!lines.join("\n").includes("SIGNATURE"));
        });

        it("asks for one fresh upload URL when the storage service says the policy expired", async () => {
            await setup();
            cloud.expireUploads = 1;
            const ins = await checked({ context: bot(), region: "us-west" });
            await buildProvider.create(ins);
            assert.deepEqual(cloud.requests.slice(1, 6), [
                "POST /v1/builds/upload-url 200",
                "POST /storage/pipecat-builds-emulator 403",
                "POST /v1/builds/upload-url 200",
                "POST /storage/pipecat-builds-emulator 204",
                "POST /v1/builds 201",
            ]);
        });

        it("asks for a fresh upload URL before uploading when the clock says it expired", async () => {
            await setup();
            cloud.uploadTtlMs = -1;
            await buildProvider.create(await checked({ context: bot(), region: "us-west" }));
            assert.deepEqual(cloud.requests.slice(1, 4), [
                "POST /v1/builds/upload-url 200",
                "POST /v1/builds/upload-url 200",
                "POST /storage/pipecat-builds-emulator 204",
            ]);
        });

        it("fails after a second expiry, with the storage service's words and no field of the upload", async () => {
            await setup();
            cloud.expireUploads = 2;
            const e = await failure(buildProvider.create(await checked({ context: bot(), region: "us-west" })));
            assert.equal(
                e.message,
                `upload of the build context to the storage service at ${cloud.origin}/storage/pipecat-builds-emulator failed: it answered 403 ` +
                    'AccessDenied ("Invalid according to Policy: Policy expired."). The upload URL expired again after a fresh one was asked for: ' +
                    "check this machine's clock, then run `pulumi up` again.",
            );
            assert.ok(!cloud.requests.includes("POST /v1/builds 201"));
        });

        it("tries a storage 503 again", async () => {
            await setup();
            cloud.failUploads = 2;
            await buildProvider.create(await checked({ context: bot(), region: "us-west" }));
            assert.equal(cloud.requests.filter((r) => r.startsWith("POST /storage/")).length, 3);
        });

        it("fails with Pipecat's errorMessage and the log's last lines when the build fails", async () => {
            await setup();
            cloud.outcome = { status: "failed", errorMessage: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" };
            const e = await failure(buildProvider.create(await checked({ context: bot(), region: "us-west" })));
            const id = cloud.builds[0]!.id;
            assert.equal(e.name, "BuildError");
            assert.equal(
                e.message,
                `Build ${id} was not made, it failed: The command '/bin/sh -c exit 3' returned a non-zero code: 3. The last lines of its log:\n` +
                    "    Step 1/2 : FROM python:3.12-slim\n     ---> 1a2b3c\n    Step 2/2 : RUN exit 3\n    The command returned a non-zero code: 3\n" +
                    " Fix the Dockerfile or the sources, then run `pulumi up`; an Agent deployed from an earlier build keeps running it.",
            );
            assert.equal(cloud.requests.at(-1), `GET /v1/builds/${id}/logs?limit=20 200`);
        });

        it("redacts the API key from the log lines it quotes", async () => {
            await setup();
            cloud.outcome = { status: "failed", errorMessage: "boom" };
            // The log echoes the key (a build argument printed, say).
            cloud.logs = ["Step 1/1 : RUN echo $TOKEN", KEY];
            const e = await failure(buildProvider.create(await checked({ context: bot(), region: "us-west" })));
            assert.match(e.message, /The last lines of its log:\n {4}Step 1\/1 : RUN echo \$TOKEN\n {4}\[secret\]\n/);
        });

        it("stops waiting at pipecat:buildTimeoutSeconds, naming it, with the log's last lines", async () => {
            await setup({ "pipecat:buildTimeoutSeconds": "20" });
            cloud.readsPerStage = 1000;
            const e = await failure(buildProvider.create(await checked({ context: bot(), region: "us-west" })));
            const id = cloud.builds[0]!.id;
            assert.equal(e.timedOut, true);
            assert.match(
                e.message,
                new RegExp(
                    `^Build ${id} was not finished after 16 s \\(status pending; pipecat:buildTimeoutSeconds is 20\\)\\. The last lines`,
                ),
            );
            assert.ok(
                e.message.endsWith(
                    "then run `pulumi up`: the build goes on in Pipecat Cloud, and once it succeeded the next `up` finds it in the cache without building again.",
                ),
            );
            assert.deepEqual(sleeps, [2000, 4000, 5000, 5000]);
        });

        it("refuses to upload files that changed after check hashed them", async () => {
            await setup();
            const dir = bot();
            const ins = await checked({ context: dir, region: "us-west" });
            fs.writeFileSync(path.join(dir, "bot.py"), "print('changed')\n");
            const e = await failure(buildProvider.create(ins));
            assert.match(
                e.message,
                /^context: the files in ".*" changed after the preview computed their hash \([0-9a-f]{16}; now [0-9a-f]{16}\), so nothing was uploaded/,
            );
            assert.deepEqual(cloud.requests, [listed(String(ins["contextHash"]))]);
        });

        it("says which region is refused", async () => {
            await setup();
            const ins = { ...(await checked({ context: bot(), region: "us-west" })), region: "ap-south" };
            const e = await failure(buildProvider.create(ins));
            assert.match(
                e.message,
                /"Invalid region or organization does not have access"\. Declare a region this organisation can build in/,
            );
        });
    });

    describe("read and delete", () => {
        it("reads the build back, and drops a build that Pipecat Cloud no longer has from the state", async () => {
            await setup();
            const b = cloud.seed({ contextHash: "0123456789abcdef", imageSizeBytes: 42 } as never);
            const olds = { context: "./bot", dockerfile: "Dockerfile", contextHash: "0123456789abcdef", buildId: b.id, region: "us-west" };
            const r = await buildProvider.read!(b.id, olds);
            assert.equal(r.id, b.id);
            assert.equal((r.props as Props)["imageUri"], b.imageUri);
            assert.equal((r.props as Props)["imageSizeBytes"], 42);
            const missing = "22222222-0000-4000-8000-000000000000";
            assert.equal((await buildProvider.read!(missing, { ...olds, buildId: missing })).id, "");
        });

        it("sends nothing on delete: the build stays in Pipecat Cloud", async () => {
            await setup();
            await buildProvider.delete!("11111111-0000-4000-8000-000000000000", { buildId: "11111111-0000-4000-8000-000000000000" });
            assert.deepEqual(cloud.requests, []);
        });
    });
});
