/**
 * The Build provider's methods (provider/build/implementation.ts, with its endpoints, upload and waits) against the
 * emulator over real HTTP, its builds room and its storage service, on a fake clock shared by the provider and the
 * emulator: check's local hash, the cache decision, the upload as the storage service received it, the wait through
 * pending and building, and what a failure says. What a user sees through the engine is in test/e2e.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { unpackUpload } from "../../support/archive";
import { policyExpired, storageErrorXml } from "../../../emulator/errors";
import { buildProvider } from "../../../provider";
import { UNKNOWN } from "../../../provider/inputs";
import { setProgressSink } from "../../../provider/build/progress";
import { ProviderMethods } from "../../support/provider";

const KEY = "pk-build-API-KEY-never-shown-0001";
const SECRET_VALUE = "sk-build-DOTENV-never-uploaded-2222";
const DOCKERFILE = "FROM python:3.12-slim\nCOPY . /app\n";
type Props = Record<string, unknown>;

const m = new ProviderMethods({ provider: buildProvider, apiKey: KEY });

let lines: string[] = [];
let dirs: string[] = [];
let restoreSink: ((line: string) => void) | undefined;

function bot(extra: Record<string, string> = {}): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "build-impl-"));
    dirs.push(root);
    const files = { Dockerfile: DOCKERFILE, "bot.py": "print('hi')\n", ...extra };
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
    m.emulator.clearRequests();
    return r.inputs;
}

/** A create expected to fail: its error, kept for the leak scan, with neither the key, a secret nor an upload field in it. */
async function failure(op: Promise<unknown>): Promise<Error & { timedOut?: boolean }> {
    const e = await m.failure(op, "build");
    for (const leak of [KEY, SECRET_VALUE, "X-Amz-", "uploads/"]) assert.ok(!`${e.message}\n${e.stack}`.includes(leak), leak);
    return e;
}

const md5 = (bytes: Buffer) => createHash("md5").update(bytes).digest("hex").slice(0, 16);

describe("the Build provider (implementation.ts)", () => {
    beforeEach(() => {
        lines = [];
        restoreSink = setProgressSink((line) => lines.push(line));
    });

    afterEach(async () => {
        if (restoreSink) setProgressSink(restoreSink);
        await m.close();
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
        dirs = [];
    });

    after(() => m.assertNoLeaks([KEY, SECRET_VALUE]));

    describe("check", () => {
        it("computes the context's hash from the files, with no request", async () => {
            await m.setup();
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
            assert.deepEqual(m.seen(), []);
        });

        it("leaves the hash unknown when the context is (a preview)", async () => {
            await m.setup();
            assert.deepEqual(await checked({ context: UNKNOWN }), { context: UNKNOWN, dockerfile: "Dockerfile", contextHash: UNKNOWN });
        });

        it("keeps the region of the previous inputs when it is no longer declared", async () => {
            await m.setup();
            const dir = bot();
            assert.equal(
                (await checked({ context: dir }, { context: dir, region: "eu-central", contextHash: "x" }))["region"],
                "eu-central",
            );
        });

        it("fails naming the input for a missing directory, a missing Dockerfile, or a context over the limit", async () => {
            await m.setup();
            const r1 = await buildProvider.check!({}, { context: "./no-such-bot" });
            assert.match(r1.failures?.[0]?.reason ?? "", /^context: no directory "\.\/no-such-bot"/);
            const dir = bot();
            const r2 = await buildProvider.check!({}, { context: dir, dockerfile: "Dockerfile.prod" });
            assert.deepEqual(
                r2.failures?.map((f) => f.reason),
                [`dockerfile: no file "Dockerfile.prod" in the context "${dir}".`],
            );
            assert.deepEqual(m.seen(), []);
        });
    });

    describe("create", () => {
        it("uses a successful build of the same files, Dockerfile and region: one request, nothing uploaded", async () => {
            await m.setup();
            const ins = await checked({ context: bot(), region: "us-west" });
            const hit = m.emulator.seedBuild({ contextHash: String(ins["contextHash"]), region: "us-west" });
            const { id, outs } = await buildProvider.create(ins);
            assert.equal(id, hit.id);
            assert.equal((outs as Props)["cached"], true);
            assert.equal((outs as Props)["imageUri"], hit.imageUri);
            assert.deepEqual(m.seen(), ["GET /builds 200"]);
            assert.deepEqual(m.emulator.uploads(), []);
            assert.equal(m.emulator.builds().length, 1);
        });

        it("looks up the organisation's default region for the cache when none is declared", async () => {
            await m.setup({ defaultRegion: "eu-central" });
            const ins = await checked({ context: bot() });
            const hit = m.emulator.seedBuild({ contextHash: String(ins["contextHash"]), region: "eu-central" });
            // A newer build of the same files elsewhere: the lookup that forgot the region would take it.
            m.clock += 1000;
            m.emulator.seedBuild({ contextHash: String(ins["contextHash"]), region: "us-west" });
            assert.equal((await buildProvider.create(ins)).id, hit.id);
            assert.deepEqual(m.seen(), ["GET /properties 200", "GET /builds 200"]);
        });

        it("leaves a build of the same files in another region alone, and builds in its own", async () => {
            await m.setup();
            const ins = await checked({ context: bot(), region: "eu-central" });
            const elsewhere = m.emulator.seedBuild({ contextHash: String(ins["contextHash"]), region: "us-west" });
            const { id, outs } = await buildProvider.create(ins);
            assert.notEqual(id, elsewhere.id);
            assert.equal((outs as Props)["cached"], false);
            assert.equal((outs as Props)["region"], "eu-central");
            assert.equal(m.emulator.uploads().length, 1);
            assert.deepEqual(
                m.emulator.builds().map((b) => [b.region, b.status]),
                [
                    ["us-west", "success"],
                    ["eu-central", "success"],
                ],
            );
        });

        it("leaves a build of the same files from another Dockerfile alone", async () => {
            await m.setup();
            const ins = await checked({ context: bot(), region: "us-west" });
            const other = m.emulator.seedBuild({ contextHash: String(ins["contextHash"]), dockerfilePath: "docker/Dockerfile.dev" });
            const { id, outs } = await buildProvider.create(ins);
            assert.notEqual(id, other.id);
            assert.equal((outs as Props)["cached"], false);
            assert.equal(m.emulator.uploads().length, 1);
            assert.equal(m.emulator.builds().at(-1)?.dockerfilePath, "Dockerfile");
        });

        it("never takes a build of the same files that failed or is not finished: it builds again", async () => {
            await m.setup();
            const ins = await checked({ context: bot(), region: "us-west" });
            const hash = String(ins["contextHash"]);
            m.emulator.seedBuild({ contextHash: hash, status: "failed" });
            m.clock += 1000;
            m.emulator.seedBuild({ contextHash: hash, status: "building" });
            const { id, outs } = await buildProvider.create(ins);
            assert.equal((outs as Props)["cached"], false);
            assert.equal(m.emulator.uploads().length, 1);
            assert.deepEqual(
                m.emulator.builds().map((b) => [b.id === id, b.status]),
                [
                    [false, "failed"],
                    [false, "building"],
                    [true, "success"],
                ],
            );
        });

        it("takes the successful build of the same files even when a newer one of them failed", async () => {
            await m.setup();
            const ins = await checked({ context: bot(), region: "us-west" });
            const hit = m.emulator.seedBuild({ contextHash: String(ins["contextHash"]) });
            m.clock += 1000;
            m.emulator.seedBuild({ contextHash: String(ins["contextHash"]), status: "failed" });
            assert.equal((await buildProvider.create(ins)).id, hit.id);
            assert.deepEqual(m.seen(), ["GET /builds 200"]);
            assert.deepEqual(m.emulator.uploads(), []);
        });

        it("finds the successful build of the same files among many newer builds (the lookup asks for it)", async () => {
            await m.setup();
            const ins = await checked({ context: bot(), region: "us-west" });
            const hit = m.emulator.seedBuild({ contextHash: String(ins["contextHash"]) });
            for (let i = 0; i < 25; i++) {
                m.clock += 1000;
                m.emulator.seedBuild();
            }
            assert.equal((await buildProvider.create(ins)).id, hit.id);
            assert.deepEqual(m.seen(), ["GET /builds 200"]);
        });

        it("takes from the lookup's answer only a successful build of what it asked for (a server that ignored a filter)", async () => {
            await m.setup();
            const ins = await checked({ context: bot(), region: "us-west" });
            const hash = String(ins["contextHash"]);
            const image = `registry.example/builds/${hash}@sha256:${"1".repeat(64)}`;
            const like = { status: "success", region: "us-west", contextHash: hash, dockerfilePath: "Dockerfile", imageUri: image };
            // Each differs from what was asked for in one way only.
            const builds = [
                { ...like, id: "00000000-0000-4000-8000-000000000001", status: "failed" },
                { ...like, id: "00000000-0000-4000-8000-000000000002", contextHash: "0123456789abcdef" },
                { ...like, id: "00000000-0000-4000-8000-000000000003", dockerfilePath: "docker/Dockerfile.dev" },
                { ...like, id: "00000000-0000-4000-8000-000000000004", region: "eu-central" },
                { ...like, id: "00000000-0000-4000-8000-000000000005", imageUri: null },
            ];
            m.emulator.injectFault({ route: "GET /builds", body: JSON.stringify({ builds, total: 5, limit: 1, offset: 0 }) });
            const { id, outs } = await buildProvider.create(ins);
            assert.equal(id, m.emulator.builds()[0]?.id);
            assert.equal((outs as Props)["cached"], false);
            assert.equal(m.emulator.uploads().length, 1);
        });

        it("takes Pipecat's own cache hit when the lookup missed it (a build that ended in between), without waiting", async () => {
            await m.setup();
            const ins = await checked({ context: bot(), region: "us-west" });
            const hit = m.emulator.seedBuild({ contextHash: String(ins["contextHash"]) });
            // The lookup's answer from before that build ended.
            m.emulator.injectFault({ route: "GET /builds", body: JSON.stringify({ builds: [], total: 0, limit: 1, offset: 0 }) });
            const { id, outs } = await buildProvider.create(ins);
            assert.equal(id, hit.id);
            assert.equal((outs as Props)["cached"], true);
            assert.equal((outs as Props)["imageUri"], hit.imageUri);
            assert.deepEqual(m.seen(), [
                "GET /builds 200",
                "POST /builds/upload-url 200",
                "POST /storage/pipecat-builds-emulator 204",
                "POST /builds 200",
            ]);
            assert.deepEqual(m.sleeps, []);
        });

        it("otherwise uploads the context once, without the API key, builds it and waits for success", async () => {
            await m.setup();
            const dir = bot({ ".env": `OPENAI_API_KEY=${SECRET_VALUE}`, "certs/server.pem": "x", ".dockerignore": "!.env\n!**/*.pem\n" });
            const ins = await checked({ context: dir, region: "us-west" });
            const { id, outs } = await buildProvider.create(ins);
            const hash = String(ins["contextHash"]);
            const [upload] = m.emulator.uploads();
            const [build] = m.emulator.builds();
            assert.equal(build?.id, id);
            assert.equal(build?.status, "success");
            assert.deepEqual(outs, {
                context: dir,
                dockerfile: "Dockerfile",
                region: "us-west",
                contextHash: hash,
                fileCount: 3,
                buildId: id,
                imageUri: build?.imageUri,
                cached: false,
                contextSizeBytes: upload?.archive.length,
                imageSizeBytes: 150_000_000 + 3 * (upload?.archive.length ?? 0),
                buildDurationSeconds: 3,
            });
            assert.deepEqual(m.seen(), [
                "GET /builds 200",
                "POST /builds/upload-url 200",
                "POST /storage/pipecat-builds-emulator 204",
                "POST /builds 201",
                `GET /builds/${id} 200`,
                `GET /builds/${id} 200`,
                `GET /builds/${id} 200`,
            ]);
            assert.equal(m.emulator.uploads().length, 1);
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
            // The emulator hashed what it received as the contract says; check computed the same from the files.
            assert.equal(build?.contextHash, hash);
            assert.equal(md5(upload!.archive), hash);
            assert.deepEqual(Object.keys(await unpackUpload(upload!.archive)), [".dockerignore", "Dockerfile", "bot.py"]);
            assert.ok(!zlib.gunzipSync(upload!.archive).includes(SECRET_VALUE));
            // Pending for 1 s, building for 3 s: seen pending, building, then success.
            assert.deepEqual(m.sleeps, [2000, 4000]);
        });

        it("reports its progress, naming the context, and never a field of the upload", async () => {
            await m.setup();
            const dir = bot();
            const { id } = await buildProvider.create(await checked({ context: dir, region: "us-west" }));
            const label = `Build of context "${dir}"`;
            assert.deepEqual(lines, [
                `${label}: uploading 2 files (${lines[0]?.split("(")[1]}`,
                `${label}: build ${id} started`,
                `${label}: build ${id.slice(0, 8)} pending after 0 s`,
                `${label}: build ${id.slice(0, 8)} building after 2 s`,
                `${label}: build ${id.slice(0, 8)} success after 6 s`,
                `${label}: build ${id} succeeded`,
            ]);
            assert.match(lines[0] ?? "", /^Build of context ".*": uploading 2 files \(\d+\.\d KB gzipped\)$/);
            const said = lines.join("\n");
            assert.ok(!said.includes("X-Amz") && !said.includes("Policy") && !said.includes("uploads/"), said);
        });

        it("asks for one fresh upload URL when the storage service says the policy expired", async () => {
            await m.setup();
            m.emulator.injectFault({ route: "POST /storage/:bucket", status: 403, body: storageErrorXml(policyExpired()) });
            const ins = await checked({ context: bot(), region: "us-west" });
            await buildProvider.create(ins);
            assert.deepEqual(m.seen().slice(1, 6), [
                "POST /builds/upload-url 200",
                "POST /storage/pipecat-builds-emulator 403",
                "POST /builds/upload-url 200",
                "POST /storage/pipecat-builds-emulator 204",
                "POST /builds 201",
            ]);
            // The build is of the upload that got through, under the fresh URL's id.
            assert.equal(m.emulator.uploads().length, 1);
            assert.equal(m.emulator.uploads()[0]?.uploadId, m.emulator.builds()[0]?.uploadId);
        });

        it("asks for a fresh upload URL before uploading when the clock says it expired", async () => {
            // The emulator's clock 20 minutes behind this machine's: every URL it hands out has expired here.
            await m.setup({ now: () => m.clock - 20 * 60_000 });
            await buildProvider.create(await checked({ context: bot(), region: "us-west" }));
            assert.deepEqual(m.seen().slice(1, 4), [
                "POST /builds/upload-url 200",
                "POST /builds/upload-url 200",
                "POST /storage/pipecat-builds-emulator 204",
            ]);
        });

        it("fails after a second expiry, with the storage service's words and no field of the upload", async () => {
            await m.setup();
            m.emulator.injectFault({ route: "POST /storage/:bucket", status: 403, body: storageErrorXml(policyExpired()), times: 2 });
            const e = await failure(buildProvider.create(await checked({ context: bot(), region: "us-west" })));
            const origin = m.emulator.url.replace(/\/v1$/, "");
            assert.equal(
                e.message,
                `upload of the build context to the storage service at ${origin}/storage/pipecat-builds-emulator failed: it answered 403 ` +
                    'AccessDenied ("Invalid according to Policy: Policy expired."). The upload URL expired again after a fresh one was asked for: ' +
                    "check this machine's clock, then run `pulumi up` again.",
            );
            assert.equal(m.emulator.requestCount({ route: "POST /builds" }), 0);
        });

        it("tries a storage 503 again", async () => {
            await m.setup();
            m.emulator.injectFault({ route: "POST /storage/:bucket", status: 503, times: 2 });
            await buildProvider.create(await checked({ context: bot(), region: "us-west" }));
            assert.deepEqual(
                m.seen().filter((r) => r.startsWith("POST /storage/")),
                [
                    "POST /storage/pipecat-builds-emulator 503",
                    "POST /storage/pipecat-builds-emulator 503",
                    "POST /storage/pipecat-builds-emulator 204",
                ],
            );
            assert.deepEqual(m.sleeps.slice(0, 2), [1000, 2000]);
        });

        it("fails with Pipecat's errorMessage and the log's last lines when the build fails", async () => {
            await m.setup();
            const dir = bot({ Dockerfile: "FROM python:3.12-slim\nCOPY . /app\nRUN exit 3\n" });
            const e = await failure(buildProvider.create(await checked({ context: dir, region: "us-west" })));
            const [build] = m.emulator.builds();
            assert.equal(build?.status, "failed");
            const tail = (build?.logs ?? []).slice(-20).map((l) => `    ${l}\n`);
            assert.ok(tail.some((l) => l.includes("Step 3/3 : RUN exit 3")));
            assert.equal(e.name, "BuildError");
            assert.equal(
                e.message,
                `Build ${build?.id} was not made, it failed: The command '/bin/sh -c exit 3' returned a non-zero code: 3. The last lines of its log:\n` +
                    tail.join("") +
                    " Fix the Dockerfile or the sources, then run `pulumi up`; an Agent deployed from an earlier build keeps running it.",
            );
            assert.equal(m.seen().at(-1), `GET /builds/${build?.id}/logs 200`);
        });

        it("redacts the API key from the log lines it quotes", async () => {
            await m.setup();
            // The Dockerfile holds the key (a token pasted into it, say): its step line echoes it in the log.
            const dir = bot({ Dockerfile: `FROM python:3.12-slim\nENV TOKEN=${KEY}\nRUN false\n` });
            const e = await failure(buildProvider.create(await checked({ context: dir, region: "us-west" })));
            assert.ok(
                m.emulator.builds()[0]?.logs.some((l) => l.includes(KEY)),
                "the log holds the key",
            );
            assert.match(e.message, /The last lines of its log:\n(.*\n)* {4}Step 2\/3 : ENV TOKEN=\[secret\]\n/);
        });

        it("fails with Pipecat's own timeout at once, saying so, with the log's last lines", async () => {
            await m.setup({ buildDurationMs: 120_000, buildMaxMs: 60_000 });
            const e = await failure(buildProvider.create(await checked({ context: bot(), region: "us-west" })));
            const [build] = m.emulator.builds();
            assert.equal(build?.status, "timeout");
            assert.equal(e.name, "BuildError");
            assert.equal(e.timedOut, false);
            const tail = (build?.logs ?? []).slice(-20).map((l) => `    ${l}\n`);
            assert.equal(
                e.message,
                `Build ${build?.id} was not made, Pipecat Cloud stopped it at its own time limit: Build timed out after 1 minute. ` +
                    `The last lines of its log:\n${tail.join("")}` +
                    " Fix the Dockerfile or the sources, then run `pulumi up`; an Agent deployed from an earlier build keeps running it.",
            );
            // Seen once it ended (61 s after its creation), not waited for up to pipecat:buildTimeoutSeconds.
            assert.ok(m.sleeps.reduce((a, b) => a + b, 0) < 70_000, String(m.sleeps));
        });

        it("stops waiting at pipecat:buildTimeoutSeconds, naming it, with the log's last lines", async () => {
            await m.setup({ buildQueueMs: 10 * 60_000 }, { "pipecat:buildTimeoutSeconds": "20" });
            const e = await failure(buildProvider.create(await checked({ context: bot(), region: "us-west" })));
            const [build] = m.emulator.builds();
            assert.equal(build?.status, "pending");
            assert.equal(e.timedOut, true);
            assert.equal(
                e.message,
                `Build ${build?.id} was not finished after 16 s (status pending; pipecat:buildTimeoutSeconds is 20). Its log is empty. ` +
                    "To wait longer, raise the bound, for example `pulumi config set pipecat:buildTimeoutSeconds 1200`, then run `pulumi up`: " +
                    "the build goes on in Pipecat Cloud, and once it succeeded the next `up` finds it in the cache without building again.",
            );
            assert.deepEqual(m.sleeps, [2000, 4000, 5000, 5000]);
        });

        it("refuses to upload files that changed after check hashed them", async () => {
            await m.setup();
            const dir = bot();
            const ins = await checked({ context: dir, region: "us-west" });
            fs.writeFileSync(path.join(dir, "bot.py"), "print('changed')\n");
            const e = await failure(buildProvider.create(ins));
            assert.match(
                e.message,
                /^context: the files in ".*" changed after the preview computed their hash \([0-9a-f]{16}; now [0-9a-f]{16}\), so nothing was uploaded/,
            );
            assert.deepEqual(m.seen(), ["GET /builds 200"]);
            assert.deepEqual(m.emulator.uploads(), []);
        });

        it("says which region is refused", async () => {
            await m.setup({ regions: ["us-west", "eu-central"] });
            const ins = { ...(await checked({ context: bot(), region: "us-west" })), region: "ap-south" };
            const e = await failure(buildProvider.create(ins));
            assert.match(
                e.message,
                /"Invalid region or organization does not have access"\. Declare a region this organisation can build in/,
            );
            assert.deepEqual(m.emulator.uploads(), []);
        });
    });

    describe("read and delete", () => {
        it("reads the build back, and drops a build that Pipecat Cloud no longer has from the state", async () => {
            await m.setup();
            const b = m.emulator.seedBuild({ contextHash: "0123456789abcdef" });
            const olds = { context: "./bot", dockerfile: "Dockerfile", contextHash: "0123456789abcdef", buildId: b.id, region: "us-west" };
            const r = await buildProvider.read!(b.id, olds);
            assert.equal(r.id, b.id);
            assert.equal((r.props as Props)["imageUri"], b.imageUri);
            assert.equal((r.props as Props)["imageSizeBytes"], 150_000_000);
            const missing = "22222222-0000-4000-8000-000000000000";
            assert.equal((await buildProvider.read!(missing, { ...olds, buildId: missing })).id, "");
            // Gone only because the list of its context's builds in its region does not hold it (gone.spec.ts).
            assert.deepEqual(m.seen(), [`GET /builds/${b.id} 200`, `GET /builds/${missing} 404`, "GET /builds 200"]);
        });

        it("sends nothing on delete: the build stays in Pipecat Cloud", async () => {
            await m.setup();
            const b = m.emulator.seedBuild();
            await buildProvider.delete!(b.id, { buildId: b.id });
            assert.deepEqual(m.seen(), []);
            assert.deepEqual(
                m.emulator.builds().map((x) => x.id),
                [b.id],
            );
        });
    });
});
