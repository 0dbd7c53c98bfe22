import assert from "node:assert/strict";
import { call, emulatorFixture, ManualClock } from "../support";
import { botContext, buildFrom, contextArchive, getBuild, hashOf, logsOf, upload, uploadUrl } from "./support";

const ORG = "00000000-0000-4000-8000-000000000000";

describe("emulator builds", () => {
    const start = emulatorFixture();
    const clocked = async (options: Parameters<typeof start>[0] = {}) => {
        const clock = new ManualClock();
        const emulator = await start({ now: clock.now, ...options });
        return { emulator, clock };
    };

    describe("POST /builds", () => {
        it("answers 400 Upload not found when nothing was uploaded for the id, or it was uploaded in another region", async () => {
            const emulator = await start();
            const notFound = { error: "Upload not found", code: "GENERIC_BAD_REQUEST" };
            const grant = await uploadUrl(emulator, "us-west");
            const before = await call(emulator, "POST", "/builds", { body: { uploadId: grant.uploadId } });
            assert.deepEqual([before.status, before.json], [400, notFound]);
            assert.equal((await upload(grant, botContext())).status, 204);
            const elsewhere = await call(emulator, "POST", "/builds", { body: { uploadId: grant.uploadId, region: "eu-central" } });
            assert.deepEqual([elsewhere.status, elsewhere.json], [400, notFound]);
            const missing = await call(emulator, "POST", "/builds", { body: {} });
            assert.deepEqual(
                [missing.status, missing.json],
                [400, { error: "Invalid request format: uploadId is required", code: "GENERIC_BAD_REQUEST" }],
            );
        });

        it("creates a pending build (201) with the context's hash, then goes building and success with an image on the clock", async () => {
            const { emulator, clock } = await clocked();
            const archive = botContext();
            const created = await buildFrom(emulator, archive);
            assert.equal(created.status, 201);
            assert.equal(created.cached, false);
            assert.equal(created.contextHash, hashOf(archive));
            const build = created.build;
            assert.equal(build.status, "pending");
            assert.deepEqual(
                [build.organizationId, build.region, build.contextHash, build.dockerfilePath, build.contextSizeBytes],
                [ORG, "us-west", hashOf(archive), "Dockerfile", archive.length],
            );
            assert.equal(build.logsUrl, `${emulator.url}/builds/${build.id}/logs`);
            assert.equal(build.startedAt, null);
            assert.equal("imageUri" in build, false);
            clock.advance(1000);
            assert.equal((await getBuild(emulator, build.id)).status, "building");
            clock.advance(2999);
            assert.equal((await getBuild(emulator, build.id)).status, "building");
            clock.advance(1);
            const done = await getBuild(emulator, build.id);
            assert.equal(done.status, "success");
            assert.match(
                done.imageUri ?? "",
                new RegExp(`^registry\\.pipecat-emulator\\.local/${ORG}/builds/${hashOf(archive)}@sha256:[0-9a-f]{64}$`),
            );
            assert.equal(done.buildDurationSeconds, 3);
            assert.equal(done.completedAt, new Date(clock.now()).toISOString());
            assert.ok((done.imageSizeBytes ?? 0) > 0);
            assert.equal(emulator.builds()[0]?.imageUri, done.imageUri);
        });

        it("answers 200 with the same build for the same bytes, region and Dockerfile once it succeeded, and 201 for another Dockerfile", async () => {
            const { emulator, clock } = await clocked();
            const archive = botContext([], { "Dockerfile.dev": "FROM python:3.12\n" });
            const first = await buildFrom(emulator, archive);
            const whileBuilding = await buildFrom(emulator, archive);
            assert.equal(whileBuilding.status, 201, "only a successful build is a cache hit");
            clock.advance(10_000);
            const hit = await buildFrom(emulator, archive);
            assert.deepEqual([hit.status, hit.cached, hit.contextHash], [200, true, hashOf(archive)]);
            assert.equal(hit.build.status, "success");
            assert.ok([first.build.id, whileBuilding.build.id].includes(hit.build.id));
            const other = await buildFrom(emulator, archive, { dockerfilePath: "Dockerfile.dev" });
            assert.deepEqual([other.status, other.cached], [201, false]);
            const region = await buildFrom(emulator, archive, { region: "eu-central" });
            assert.deepEqual([region.status, region.cached, region.build.region], [201, false, "eu-central"]);
        });

        it("fails a build at a RUN that exits non-zero, with the builder's errorMessage and the steps in its logs", async () => {
            const { emulator, clock } = await clocked();
            const created = await buildFrom(emulator, botContext(["RUN pip install -r requirements.txt", "RUN exit 3"]));
            clock.advance(60_000);
            const build = await getBuild(emulator, created.build.id);
            assert.equal(build.status, "failed");
            assert.equal(build.errorMessage, "The command '/bin/sh -c exit 3' returned a non-zero code: 3");
            assert.equal("imageUri" in build, false);
            const logs = await logsOf(emulator, build.id);
            assert.deepEqual(
                logs.filter((l) => l.startsWith("Step ")),
                [
                    "Step 1/6 : FROM python:3.12-slim",
                    "Step 2/6 : WORKDIR /app",
                    "Step 3/6 : COPY . /app",
                    "Step 4/6 : RUN pip install -r requirements.txt",
                    "Step 5/6 : RUN exit 3",
                ],
            );
            assert.equal(logs.at(-1), "The command '/bin/sh -c exit 3' returned a non-zero code: 3");
            assert.deepEqual(await logsOf(emulator, build.id, "?limit=2"), logs.slice(-2));
        });

        it("fails a build whose Dockerfile is not in the context, and one of RUN false", async () => {
            const { emulator, clock } = await clocked();
            const missing = await buildFrom(emulator, botContext(), { dockerfilePath: "docker/Dockerfile" });
            const falsy = await buildFrom(emulator, contextArchive({ Dockerfile: "FROM alpine\nRUN false\n" }));
            clock.advance(60_000);
            assert.equal((await getBuild(emulator, missing.build.id)).errorMessage, "Dockerfile not found: docker/Dockerfile");
            assert.equal(
                (await getBuild(emulator, falsy.build.id)).errorMessage,
                "The command '/bin/sh -c false' returned a non-zero code: 1",
            );
        });

        it("ends a build still building after buildMaxMs as timeout", async () => {
            const { emulator, clock } = await clocked({ buildMaxMs: 60_000 });
            const created = await buildFrom(emulator, botContext(["RUN sleep 3600"]));
            clock.advance(1000 + 59_999);
            assert.equal((await getBuild(emulator, created.build.id)).status, "building");
            clock.advance(1);
            const build = await getBuild(emulator, created.build.id);
            assert.equal(build.status, "timeout");
            assert.equal(build.errorMessage, "Build timed out after 1 minute");
            assert.equal(build.buildDurationSeconds, 60);
            assert.equal((await logsOf(emulator, build.id)).at(-1), "Build timed out after 1 minute");
        });

        it("takes its delays from the options: with none, a build has succeeded by the answer that creates it", async () => {
            const { emulator } = await clocked({ buildQueueMs: 0, buildDurationMs: 0 });
            const { build } = await buildFrom(emulator, botContext());
            assert.deepEqual([build.status, build.startedAt, build.completedAt], ["success", build.createdAt, build.createdAt]);
        });
    });

    describe("GET /builds/{id}", () => {
        it("answers 400 Invalid build ID for an id that is not a UUID, and 404 Build not found for an unknown one", async () => {
            const emulator = await start();
            const bad = await call(emulator, "GET", "/builds/build-42");
            assert.deepEqual([bad.status, bad.json], [400, { error: "Invalid build ID", code: "GENERIC_BAD_REQUEST" }]);
            const unknown = await call(emulator, "GET", "/builds/4cab03c7-8f53-418d-9c3c-91a1265d179e");
            assert.deepEqual([unknown.status, unknown.json], [404, { error: "Build not found", code: "NOT_FOUND" }]);
            assert.equal((await call(emulator, "GET", "/builds/4cab03c7-8f53-418d-9c3c-91a1265d179e/logs")).status, 404);
            assert.equal((await call(emulator, "GET", "/builds/nope/logs")).status, 400);
        });
    });

    describe("GET /builds", () => {
        it("lists newest first with the filters, total, limit and offset", async () => {
            const { emulator, clock } = await clocked();
            const a = await buildFrom(emulator, botContext([], { "a.txt": "a" }));
            clock.advance(10);
            const b = await buildFrom(emulator, botContext([], { "b.txt": "b" }), { region: "eu-central" });
            clock.advance(10);
            const c = await buildFrom(emulator, botContext(["RUN exit 1"], { "c.txt": "c" }));
            clock.advance(10_000);
            type Page = { builds: { id: string }[]; total: number; limit: number; offset: number };
            const list = async (query: string) => {
                const answer = await call(emulator, "GET", `/builds${query}`);
                assert.equal(answer.status, 200, answer.text);
                const page = answer.json as Page;
                return { ids: page.builds.map((x) => x.id), total: page.total, limit: page.limit, offset: page.offset };
            };
            assert.deepEqual(await list(""), { ids: [c.build.id, b.build.id, a.build.id], total: 3, limit: 20, offset: 0 });
            assert.deepEqual((await list("?region=eu-central")).ids, [b.build.id]);
            assert.deepEqual((await list("?status=success")).ids, [b.build.id, a.build.id]);
            assert.deepEqual((await list("?status=failed")).ids, [c.build.id]);
            assert.deepEqual((await list(`?contextHash=${a.contextHash}&region=us-west&status=success&limit=1`)).ids, [a.build.id]);
            assert.deepEqual((await list("?dockerfilePath=Dockerfile.other")).ids, []);
            assert.deepEqual(await list("?limit=1&offset=1"), { ids: [b.build.id], total: 3, limit: 1, offset: 1 });
            assert.deepEqual((await list("?offset=5")).ids, []);
        });

        it("refuses a limit outside 1–100, a bad offset and an unknown status", async () => {
            const emulator = await start();
            for (const query of ["?limit=0", "?limit=101", "?limit=abc", "?offset=-1", "?status=done"]) {
                const answer = await call(emulator, "GET", `/builds${query}`);
                assert.equal(answer.status, 400, query);
                assert.match((answer.json as { error: string }).error, /^Invalid request format: (limit|offset|status) /, query);
            }
            assert.equal((await call(emulator, "GET", "/builds?limit=100")).status, 200);
            assert.equal((await call(emulator, "GET", "/builds/4cab03c7-8f53-418d-9c3c-91a1265d179e/logs?limit=10001")).status, 400);
        });
    });
});
