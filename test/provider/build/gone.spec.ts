/**
 * When a build is gone (provider/build/endpoints.ts `getBuild`), against the emulator on a fake clock: a 404 of
 * `GET /builds/{id}` is never taken as gone on its wording; it is gone only when the list of its context's builds
 * in its region (`GET /builds?contextHash&region`, every page) does not hold the id. A Build's read and wait know
 * that context and region; an Agent's placement knows only the id, so there a 404 is "unknown": it refuses to
 * move an agent that exists, and lets a new one go to the API.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { agentProvider, buildProvider } from "../../../provider";
import { ProviderMethods } from "../../support/provider";

const KEY = "pk-build-gone-API-KEY-never-shown-0001";
const HASH = "0123456789abcdef";
const OTHER = "fedcba9876543210";
const MISSING = "22222222-0000-4000-8000-000000000000";
type Props = Record<string, unknown>;

const m = new ProviderMethods({ provider: buildProvider, apiKey: KEY, emulator: { buildQueueMs: 1000, buildDurationMs: 3000 } });

/** A Build's stored outputs, as the engine hands them to read. */
const stored = (buildId: string, contextHash = HASH): Props => ({
    context: "./bot",
    dockerfile: "Dockerfile",
    contextHash,
    buildId,
    region: "us-west",
    imageUri: "registry.pipecat-emulator.local/org/builds/x@sha256:0",
});
// The emulator records paths without their query: the filters show in what the list finds (another region's build is not
// in it), the pages in the number of list requests.
const LISTED = "GET /builds 200";

describe("a build's 404, gone only by the list", () => {
    afterEach(() => m.close());
    after(() => m.assertNoLeaks([KEY]));

    describe("a Build's read", () => {
        it("reads a build that is there with one request, and no list", async () => {
            await m.setup();
            const b = m.emulator.seedBuild({ contextHash: HASH, region: "us-west" });
            const r = await buildProvider.read!(b.id, stored(b.id));
            assert.equal(r.id, b.id);
            assert.deepEqual(m.seen(), [`GET /builds/${b.id} 200`]);
        });

        it("takes a 404 while the list of its context still holds the build as not gone: read fails, naming the list and pipecat:apiUrl", async () => {
            await m.setup();
            const b = m.emulator.seedBuild({ contextHash: HASH, region: "us-west" });
            m.emulator.injectFault({ route: "GET /builds/:id", status: 404, body: JSON.stringify({ error: "Build not found" }) });
            const message = await m.message(buildProvider.read!(b.id, stored(b.id)));
            assert.match(
                message,
                new RegExp(`answered GET /builds/${b.id} with 404 \\("Build not found"\\), but its own list still holds "${b.id}"`),
            );
            assert.ok(message.includes(`pipecat:apiUrl (or PIPECAT_API_URL), which is ${m.emulator.url}`), message);
            assert.deepEqual(m.seen(), [`GET /builds/${b.id} 404`, LISTED]);
        });

        it("drops a build its context's list does not hold, whatever the 404 says", async () => {
            await m.setup();
            m.emulator.seedBuild({ contextHash: HASH, region: "us-west" });
            assert.equal((await buildProvider.read!(MISSING, stored(MISSING))).id, "");
            assert.deepEqual(m.seen(), [`GET /builds/${MISSING} 404`, LISTED]);
            // A 404 in other words (a proxy's page) is gone too when the list does not hold the build.
            const b = m.emulator.seedBuild({ contextHash: OTHER, region: "us-east" });
            m.emulator.clearRequests();
            m.emulator.injectFault({ route: "GET /builds/:id", status: 404, body: "<html>Not Found</html>" });
            assert.equal((await buildProvider.read!(b.id, stored(b.id, OTHER))).id, "", "listed in us-east, not in us-west");
            assert.deepEqual(m.seen(), [`GET /builds/${b.id} 404`, LISTED]);
        });

        it("reads the list page after page: a build on its second page is not gone", async () => {
            await m.setup();
            const oldest = m.emulator.seedBuild({ contextHash: HASH, region: "us-west" });
            for (let i = 0; i < 100; i++) {
                m.clock += 1000; // newest first: the oldest build is on the second page
                m.emulator.seedBuild({ contextHash: HASH, region: "us-west" });
            }
            m.emulator.injectFault({ route: "GET /builds/:id", status: 404, body: JSON.stringify({ error: "Build not found" }) });
            const message = await m.message(buildProvider.read!(oldest.id, stored(oldest.id)));
            assert.match(message, /but its own list still holds/);
            assert.deepEqual(m.seen(), [`GET /builds/${oldest.id} 404`, LISTED, LISTED]);
        });

        it("keeps a build whose state holds no context hash to list it by: a 404 then fails the read", async () => {
            await m.setup();
            const { contextHash: _, ...hashless } = stored(MISSING);
            const message = await m.message(buildProvider.read!(MISSING, hashless));
            assert.match(
                message,
                /answered 404, and the state holds no context hash to find the build in its list by, so it is not taken as gone/,
            );
            assert.deepEqual(m.seen(), [`GET /builds/${MISSING} 404`]);
        });

        it("fails naming pipecat:apiUrl when the list answers 404 too, and keeps the build", async () => {
            await m.setup();
            const b = m.emulator.seedBuild({ contextHash: HASH, region: "us-west" });
            m.emulator.injectFault({ route: "GET /builds/:id", status: 404, body: JSON.stringify({ error: "Build not found" }) });
            m.emulator.injectFault({ route: "GET /builds", status: 404 });
            const message = await m.message(buildProvider.read!(b.id, stored(b.id)));
            assert.match(
                message,
                /Pipecat Cloud's lists are never missing, so the API URL is wrong: pipecat:apiUrl \(or PIPECAT_API_URL\) is /,
            );
            assert.deepEqual(m.seen(), [`GET /builds/${b.id} 404`, "GET /builds 404"]);
        });
    });

    describe("a Build's wait", () => {
        it("fails on a 404 while the list holds the build, instead of saying it disappeared", async () => {
            await m.setup();
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "build-gone-"));
            try {
                fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM python:3.12-slim\nCOPY bot.py bot.py\n");
                fs.writeFileSync(path.join(dir, "bot.py"), "print('hi')\n");
                const ins = (await buildProvider.check!({}, { context: dir, region: "us-west" })).inputs;
                m.emulator.injectFault({ route: "GET /builds/:id", status: 404, body: JSON.stringify({ error: "Build not found" }) });
                m.emulator.clearRequests();
                const message = await m.message(buildProvider.create(ins));
                const [build] = m.emulator.builds();
                assert.ok(build);
                assert.match(message, new RegExp(`but its own list still holds "${build.id}"`), message);
                assert.doesNotMatch(message, /disappeared/);
                assert.deepEqual(m.seen().slice(-2), [`GET /builds/${build.id} 404`, LISTED], m.seen().join("\n"));
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("an Agent's placement, which knows only the build's id", () => {
        const agent = (buildId: string, region: string): Props => ({ name: "voice-agent", buildId, region });
        const failures = async (olds: Props, news: Props) => (await agentProvider.check!(olds, news)).failures ?? [];

        it("takes a 404 as unknown: an agent that exists is not moved, a new one goes to the API; no list is read", async () => {
            await m.setup();
            const b = m.emulator.seedBuild({ contextHash: HASH, region: "us-west" });
            const old = (await agentProvider.check!({}, agent(b.id, "us-west"))).inputs;
            m.emulator.injectFault({ route: "GET /builds/:id", status: 404, body: JSON.stringify({ error: "Build not found" }), times: 2 });
            m.emulator.clearRequests();
            assert.deepEqual(await failures(old, agent(b.id, "us-east")), [
                { property: "", reason: `buildId: build ${b.id} was not found, so the agent was not moved` },
            ]);
            assert.deepEqual(await failures({}, { ...agent(b.id, "us-east"), name: "new-agent" }), []);
            assert.deepEqual(
                m.seen().filter((r) => r.startsWith("GET /builds")),
                [`GET /builds/${b.id} 404`, `GET /builds/${b.id} 404`],
            );
        });
    });
});
