/**
 * Builds through the real engine, against the emulator's cloud builds (pending -> building -> success/failed on its
 * clock): the proofs, from a directory with a Dockerfile to a running agent. The program reads its build,
 * set and agent from stack.json; the bot's source is the project's `bot/` folder, which a test edits in place.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { EngineStack, useStack } from "../support/stack";
import { unpackUpload } from "../support/archive";
import { assertNoLeaks } from "../support/leaks";

const API_KEY = "pk-builds-API-KEY-never-shown-0001";
const V = {
    openai: "sk-builds-OPENAI-never-shown-0002",
    dotenv: "builds-DOTENV-never-shown-0003",
    pem: "builds-PEM-never-shown-0004",
    key: "builds-KEY-never-shown-0005",
};
const SECRETS = [API_KEY, ...Object.values(V)];

const DOCKERFILE =
    "FROM dailyco/pipecat-base:latest\nCOPY ./requirements.txt requirements.txt\nRUN pip install -r requirements.txt\nCOPY ./bot.py bot.py\n";
const BOT = {
    "bot/Dockerfile": DOCKERFILE,
    "bot/requirements.txt": "pipecat-ai[daily,openai]\n",
    "bot/bot.py": "async def bot(runner_args):\n    pass\n",
    // Secrets that sit in the source tree, as they do: never uploaded, whatever .dockerignore says.
    "bot/.env": `OPENAI_API_KEY=${V.dotenv}\n`,
    "bot/.env.production": `OPENAI_API_KEY=${V.dotenv}\n`,
    "bot/certs/server.pem": `-----BEGIN PRIVATE KEY-----\n${V.pem}\n-----END PRIVATE KEY-----\n`,
    "bot/deploy.key": `${V.key}\n`,
    "bot/.dockerignore": "# lets everything in, even what it should not\n!.env\n!.env.*\n!*.pem\n!**/*.pem\n!*.key\n",
};

const program = `
import * as fs from "fs";
import { Agent, Build, SecretSet } from "pulumi-pipecat-secrets";
const spec: { build?: any; sets?: Record<string, any>; agents?: Record<string, any> } = JSON.parse(fs.readFileSync("stack.json", "utf8"));
const build = spec.build === undefined ? undefined : new Build("bot", spec.build);
const sets: Record<string, SecretSet> = {};
for (const [r, args] of Object.entries(spec.sets ?? {})) sets[r] = new SecretSet(r, args);
// "@build" is the Build resource itself; "@build.buildId" its output alone.
const buildOf = (b: string | undefined) => (b === "@build" ? build : b === "@build.buildId" ? build!.buildId : b);
export const agents = Object.fromEntries(
    Object.entries(spec.agents ?? {}).map(([r, a]) => {
        const agent = new Agent(r, { ...a, buildId: buildOf(a.buildId), secretSet: a.secretSet && sets[a.secretSet.slice(1)] });
        return [r, { name: agent.name, ready: agent.ready }];
    }),
);
export const builds = build && { buildId: build.buildId, imageUri: build.imageUri, contextHash: build.contextHash, cached: build.cached };
`;

interface BuildOutputs {
    buildId: string;
    imageUri: string;
    contextHash: string;
    cached: boolean;
}

describe("e2e: from a source directory to a running agent", function () {
    this.timeout(600_000);

    const s = useStack({
        name: "builds-e2e",
        program,
        files: BOT,
        emulator: {
            apiKey: API_KEY,
            readyAfterMs: 200,
            buildQueueMs: 200,
            buildDurationMs: 1000,
            deployPhaseMs: { creating: 200, validating: 200 },
        },
        secrets: SECRETS,
        what: "build output",
        // The emulator is thrown away with the stack: a destroy would only cost a run of the program.
        destroy: false,
    });
    const declare = (spec: Record<string, unknown>) => s.writeJson("stack.json", spec);
    const botFile = (rel: string) => path.join(s.project.programDir, "bot", rel);
    const outputs = async (stack: EngineStack = s.current): Promise<{ builds: BuildOutputs }> =>
        JSON.parse((await stack.pulumi("stack output", ["stack", "output", "--json", "--show-secrets"])).stdout);
    const uploads = () => s.seen().filter((r) => r.startsWith("POST /storage/"));
    const said = (r: { stdout: string; stderr: string }) => `${r.stdout}\n${r.stderr}`;

    const fullStack = (agent: Record<string, unknown> = {}) => ({
        build: { context: "./bot", region: "us-west" },
        sets: { secrets: { name: "bot-secrets", region: "us-west", secrets: { OPENAI_API_KEY: V.openai } } },
        agents: { bot: { name: "voice-bot", region: "us-west", buildId: "@build", secretSet: "@secrets", ...agent } },
    });

    it("one up goes from a directory with a Dockerfile to a running agent on that build's image, uploading no secret of the tree and no key; unchanged source previews no change with no request; a changed file is a new build the agent runs", async () => {
        await s.start();
        declare(fullStack());
        const created = await s.up("create");
        // The provider's progress lines, shown by the engine, reach the user's `up` output.
        assert.match(created.stdout, /Build of context "\.\/bot": build [0-9a-f]{8} (pending|building) after \d+ s/, created.stdout);
        const out = await outputs();
        assert.equal(out.builds.cached, false);
        assert.match(out.builds.contextHash, /^[0-9a-f]{16}$/);
        assert.match(out.builds.imageUri, /^registry\.pipecat-emulator\.local\/.+\/builds\/[0-9a-f]{16}@sha256:[0-9a-f]{64}$/);
        assert.equal(s.emulator.agentImage("voice-bot"), out.builds.imageUri, "the agent runs the build's image");
        assert.deepEqual(s.emulator.runningSecrets("voice-bot"), { OPENAI_API_KEY: V.openai });
        assert.equal(uploads().length, 1, "the context was uploaded once");

        // .env, .env.*, *.pem and *.key in the context are never uploaded, even though .dockerignore lets them in; the
        // upload to the storage service carries no API key.
        const received = s.emulator.uploads();
        assert.equal(received.length, 1);
        const [upload] = received;
        const files = await unpackUpload(upload!.archive);
        assert.deepEqual(Object.keys(files).sort(), [".dockerignore", "Dockerfile", "bot.py", "requirements.txt"]);
        const archived = Object.values(files).join("\n");
        for (const secret of [V.dotenv, V.pem, V.key]) assert.ok(!archived.includes(secret), "a secret of the source tree was uploaded");
        assert.equal(upload!.hadAuthorization, false, "the upload to storage carries no API key");
        assert.ok(!Object.values(upload!.headers).some((v) => v.includes(API_KEY)), "no header holds the API key");

        // Unchanged source: nothing to do, and not one request.
        s.emulator.clearRequests();
        await s.preview("unchanged source", { args: ["--expect-no-changes"] });
        assert.deepEqual(s.seen(), [], "a preview of unchanged source sends nothing");

        // A changed file: a new build and the agent's update in the preview; up uploads once; the agent runs it.
        fs.appendFileSync(botFile("bot.py"), "# a change\n");
        const preview = await s.preview("changed source");
        assert.match(preview.stdout, /\+-\s+pulumi-nodejs:dynamic\/pipecat:Build\s+bot\s+replace/, preview.stdout);
        assert.match(preview.stdout, /~\s+pulumi-nodejs:dynamic\/pipecat:Agent\s+bot\s+update/, preview.stdout);
        // The hash is the provider's own: not one request, also for the replacement's check (which the engine calls
        // without the old inputs, so its declared region looks new: a Build does not look regions up).
        assert.deepEqual(s.seen(), [], "a preview hashes locally");
        await s.up("changed source");
        const next = await outputs();
        assert.notEqual(next.builds.buildId, out.builds.buildId);
        assert.notEqual(next.builds.contextHash, out.builds.contextHash);
        assert.equal(uploads().length, 1, "one upload for the change");
        assert.equal(s.emulator.agentImage("voice-bot"), next.builds.imageUri, "the agent runs the new image");
    });

    it("the same source in a new stack is a cache hit: one list request, no upload, the same build", async () => {
        await s.start();
        declare({ build: { context: "./bot", region: "us-west" } });
        await s.up("first stack");
        const first = await outputs();
        const second = await EngineStack.start({ name: "builds-e2e", program, files: BOT, stack: "second", shared: s.emulator });
        try {
            second.writeJson("stack.json", { build: { context: "./bot", region: "us-west" } });
            s.emulator.clearRequests();
            await second.up("second stack");
            const out = await outputs(second);
            assert.equal(out.builds.cached, true);
            assert.equal(out.builds.buildId, first.builds.buildId);
            assert.equal(out.builds.imageUri, first.builds.imageUri);
            // Every request of the second stack's up: the cache lookup, which finds the build (the target: 1).
            // No upload URL, no upload, no POST /builds. (The emulator records paths without their query: the lookup's
            // filters show in what it found.)
            assert.deepEqual(s.seen(), ["GET /builds 200"]);
            assert.equal(s.emulator.uploads().length, 1, "only the first stack uploaded");
        } finally {
            assertNoLeaks(await second.close({ destroy: false }), SECRETS, "the second stack's output");
        }
    });

    it("a failing build fails up with its log tail; the agent keeps serving the previous build; the next up after a fix converges", async () => {
        await s.start();
        declare(fullStack());
        await s.up("create");
        const before = await outputs();
        fs.writeFileSync(botFile("Dockerfile"), `${DOCKERFILE}RUN exit 3\n`);
        const failed = await s.up("a failing build", { allowFail: true });
        assert.notEqual(failed.code, 0);
        assert.match(said(failed), /returned a non-zero code: 3/);
        assert.match(said(failed), /The last lines of its log:[\s\S]*Step 5\/5 : RUN exit 3/, said(failed));
        assert.equal(s.emulator.agentImage("voice-bot"), before.builds.imageUri, "still the previous build");
        assert.equal(s.emulator.agent("voice-bot")?.deployments.length, 1, "the agent was not redeployed");
        fs.writeFileSync(botFile("Dockerfile"), DOCKERFILE.replace("pip install", "pip install --no-cache-dir"));
        await s.up("the fix");
        const after = await outputs();
        assert.notEqual(after.builds.buildId, before.builds.buildId);
        assert.equal(s.emulator.agentImage("voice-bot"), after.builds.imageUri, "the agent runs the fixed build");
        await s.preview("converged", { args: ["--expect-no-changes"] });
    });

    it("a build that outlasts pipecat:buildTimeoutSeconds fails, naming the setting", async () => {
        await s.start({ emulator: { buildDurationMs: 60_000 }, config: { "pipecat:buildTimeoutSeconds": "3" } });
        declare({ build: { context: "./bot", region: "us-west" } });
        const failed = await s.up("a slow build", { allowFail: true });
        assert.notEqual(failed.code, 0);
        assert.match(said(failed), /was not finished after \d+ s \(status building; pipecat:buildTimeoutSeconds is 3\)/, said(failed));
        assert.match(said(failed), /pulumi config set pipecat:buildTimeoutSeconds/);
    });

    it("a Build moved to another region than its agent fails in the preview, even without a key; up stops at its preview, before anything is built or deleted", async () => {
        await s.start();
        declare(fullStack());
        await s.up("create");
        const before = await outputs();
        declare({ ...fullStack(), build: { context: "./bot", region: "us-east" } });
        const mismatch = /buildId: the build is in region "us-east", but the agent would be in "us-west"/;
        // The Build resource gives the agent its declared region: the check needs no API (a pull request's preview).
        await s.pulumi("drop the key", ["config", "rm", "pipecat:apiKey"]);
        s.emulator.clearRequests();
        const preview = await s.preview("build moved away from its agent, no key", { allowFail: true });
        assert.notEqual(preview.code, 0);
        assert.match(said(preview), mismatch, said(preview));
        assert.deepEqual(s.seen(), [], "the preview without a key sent nothing");
        await s.project.setConfig("pipecat:apiKey", API_KEY, { secret: true });
        // `up` as a user runs it: its preview fails the same way, so nothing runs.
        const failed = await s.pulumi("build moved away from its agent", ["up", "--yes"], { allowFail: true });
        assert.notEqual(failed.code, 0);
        assert.match(said(failed), mismatch, said(failed));
        assert.ok(!s.seen().some((r) => /^(DELETE|PUT|PATCH|POST) /.test(r)), s.seen().join("\n"));
        assert.equal(s.emulator.builds().length, 1, "no build was made in us-east");
        assert.equal(s.emulator.agentImage("voice-bot"), before.builds.imageUri, "the agent still runs its build");
    });

    it("buildId: build.buildId (a plain output) deploys the build; moving the agent away from it fails in the preview, and up deletes nothing", async () => {
        await s.start();
        const plain = (region: string) => ({
            build: { context: "./bot", region: "us-west" },
            agents: { bot: { name: "voice-bot", region, buildId: "@build.buildId" } },
        });
        declare(plain("us-west"));
        await s.up("create");
        const before = await outputs();
        assert.equal(s.emulator.agentImage("voice-bot"), before.builds.imageUri, "the agent runs the build's image");
        // Only the id reaches the agent: its check reads the build (GET /builds/{id}) to know where it is.
        declare(plain("us-east"));
        s.emulator.clearRequests();
        const preview = await s.preview("agent moved away from its build", { allowFail: true });
        assert.notEqual(preview.code, 0);
        const message = `buildId: build ${before.builds.buildId} is in region "us-west", but the agent would be in "us-east"`;
        assert.ok(said(preview).includes(message), said(preview));
        assert.ok(s.seen().includes(`GET /builds/${before.builds.buildId} 200`), s.seen().join("\n"));
        const failed = await s.up("agent moved away from its build", { allowFail: true });
        assert.notEqual(failed.code, 0);
        assert.ok(said(failed).includes(message), said(failed));
        assert.ok(!s.seen().some((r) => /^(DELETE|PUT|PATCH|POST) /.test(r)), s.seen().join("\n"));
        assert.equal(s.emulator.agent("voice-bot")?.region, "us-west");
        assert.equal(s.emulator.agentImage("voice-bot"), before.builds.imageUri, "the agent still runs its build");
    });
});
