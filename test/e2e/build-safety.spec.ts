/**
 * Adversarial scenarios for a Build and the Agent given one, through the real engine against the emulator (with real
 * build and deployment delays): no Build change (new source, region, `--replace`, rename, removal) may delete, move or
 * silently diverge a running agent, a Build's delete sends nothing, a default region changed under unregioned
 * resources moves nothing, and a failed or drifted deployment never leaves a state that claims the agent runs what it
 * does not. Every command's output and every state is scanned for the API key and the `.env` value.
 */
import * as assert from "node:assert/strict";
import { useStack } from "../support/stack";

const API_KEY = "pk-build-safety-API-KEY-never-shown-0001";
const DOTENV_VALUE = "sk-build-safety-DOTENV-never-shown-0002";
const DRIFT_IMAGE = "registry.example/someone-else:9.9";

const program = `
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { Agent, Build, OrganizationSettings } from "pulumi-pipecat-secrets";
const spec: { settings?: Record<string, any>; builds?: Record<string, any>; agents?: Record<string, any> } = JSON.parse(
    fs.readFileSync("stack.json", "utf8"),
);
const settings = Object.entries(spec.settings ?? {}).map(([r, args]) => new OrganizationSettings(r, args));
const builds: Record<string, Build> = {};
for (const [r, { aliases, ...args }] of Object.entries(spec.builds ?? {}) as [string, any][]) {
    builds[r] = new Build(r, args, aliases ? { aliases: aliases.map((name: string) => ({ name })) } : {});
}
for (const [r, { afterSettings, ...a }] of Object.entries(spec.agents ?? {}) as [string, any][]) {
    new Agent(r, { ...a, buildId: builds[a.buildId] ?? a.buildId }, afterSettings ? { dependsOn: settings } : {});
}
export const buildIds = Object.fromEntries(Object.entries(builds).map(([r, b]) => [r, b.buildId]));
`;

const DOCKERFILE = 'FROM python:3.12-slim\nCOPY bot.py /app/bot.py\nCMD ["python", "/app/bot.py"]\n';

describe("e2e: Build safety", function () {
    this.timeout(900_000);

    const s = useStack({
        name: "build-safety-e2e",
        program,
        emulator: {
            apiKey: API_KEY,
            buildQueueMs: 1000,
            buildDurationMs: 1500,
            readyAfterMs: 300,
            deployPhaseMs: { creating: 300, validating: 300 },
        },
        secrets: [API_KEY, DOTENV_VALUE],
        what: "build safety output",
    });
    const declare = (spec: object) => s.writeJson("stack.json", spec);
    const source = (version: string) => {
        s.project.writeFile("bot/Dockerfile", DOCKERFILE);
        s.project.writeFile("bot/bot.py", `print("voice bot ${version}")\n`);
        s.project.writeFile("bot/.env", `OPENAI_API_KEY=${DOTENV_VALUE}\n`);
    };
    const deletes = () => s.seen().filter((r) => r.startsWith("DELETE"));
    const image = () => s.emulator.agentImage("voice-agent");
    const builtImage = (id: string | undefined) => s.emulator.builds().find((b) => b.id === id)?.imageUri;
    const agentBuild = () => s.emulator.agent("voice-agent")?.spec.buildId;

    it("1. a default region changed outside Pulumi does not send the next build of an unregioned Build elsewhere than its agent", async () => {
        await s.start();
        source("v1");
        declare({ builds: { bot: { context: "./bot" } }, agents: { voice: { name: "voice-agent", buildId: "bot" } } });
        assert.equal((await s.up("create")).code, 0);
        const first = agentBuild();
        assert.equal(s.emulator.agent("voice-agent")?.region, "us-west");

        s.emulator.setDefaultRegion("eu-central");
        source("v2");
        s.emulator.clearRequests();
        const up = await s.up("new source after the default moved", { allowFail: true });
        assert.equal(up.code, 0, up.stdout + up.stderr);
        assert.deepEqual(deletes(), []);
        const agent = s.emulator.agent("voice-agent");
        assert.equal(agent?.region, "us-west");
        assert.notEqual(agentBuild(), first);
        assert.equal(s.emulator.builds().at(-1)?.region, "us-west");
        assert.equal(image(), builtImage(agentBuild()));
    });

    it("2. a region newly declared on the Build of an unregioned agent fails the preview, before anything is built", async () => {
        await s.start();
        source("v1");
        declare({ builds: { bot: { context: "./bot" } }, agents: { voice: { name: "voice-agent", buildId: "bot" } } });
        assert.equal((await s.up("create")).code, 0);
        const builds = s.emulator.builds().length;

        declare({
            builds: { bot: { context: "./bot", region: "eu-central" } },
            agents: { voice: { name: "voice-agent", buildId: "bot" } },
        });
        const preview = await s.preview("build moved away from its agent", { allowFail: true });
        assert.notEqual(preview.code, 0, preview.stdout);
        assert.match(preview.stdout + preview.stderr, /buildId: the build is in region "eu-central", but the agent would be in "us-west"/);
        assert.equal(s.emulator.builds().length, builds, "the preview built nothing");
        const first = agentBuild();
        s.emulator.clearRequests();
        const up = await s.up("up anyway", { allowFail: true });
        assert.notEqual(up.code, 0);
        assert.match(up.stdout + up.stderr, /buildId: build [0-9a-f-]+ is in region "eu-central", but the agent would be in "us-west"/);
        assert.ok(!s.seen().some((r) => r.startsWith("POST /agents")), s.seen().join("\n"));
        assert.deepEqual(deletes(), []);
        assert.equal(s.emulator.agent("voice-agent")?.region, "us-west");
        assert.equal(agentBuild(), first);
        assert.equal(image(), builtImage(first));
    });

    it("3. an agent of a build switched to an image outside Pulumi shows as a change after refresh, and up deploys the build again", async () => {
        await s.start();
        source("v1");
        declare({ builds: { bot: { context: "./bot" } }, agents: { voice: { name: "voice-agent", buildId: "bot" } } });
        assert.equal((await s.up("create")).code, 0);
        const ours = agentBuild();
        s.emulator.updateAgentDirect("voice-agent", { image: DRIFT_IMAGE });
        await s.refresh("refresh the drift");
        const state = JSON.parse((await s.pulumi("export", ["stack", "export"])).stdout);
        const outputs = state.deployment.resources.find((r: any) => r.type.endsWith("pipecat:Agent")).outputs;
        assert.equal(outputs.image, DRIFT_IMAGE);
        assert.equal(outputs.buildId, undefined);
        const preview = await s.preview("after refresh", { args: ["--expect-no-changes"], allowFail: true });
        assert.notEqual(preview.code, 0, "the preview hides that the agent runs another image:\n" + preview.stdout);
        assert.equal((await s.up("repair")).code, 0);
        assert.equal(agentBuild(), ours);
        assert.equal(image(), builtImage(ours));
        assert.equal((await s.preview("converged", { args: ["--expect-no-changes"] })).code, 0);
    });

    it("4. --replace, a rename (with or without an alias), a Build removed from the program and destroy send nothing about builds, and never touch the agent", async () => {
        await s.start();
        source("v1");
        declare({ builds: { bot: { context: "./bot" } }, agents: { voice: { name: "voice-agent", buildId: "bot" } } });
        assert.equal((await s.up("create")).code, 0);
        const id = agentBuild();
        const deployments = () => s.emulator.agent("voice-agent")?.deployments.length;
        const before = deployments();
        assert.equal(s.emulator.uploads().length, 1);
        const upload = s.emulator.uploads()[0]!;
        assert.equal(upload.hadAuthorization, false);
        assert.ok(!upload.archive.includes(Buffer.from(DOTENV_VALUE)), "the .env reached the upload");

        const urn = JSON.parse((await s.pulumi("urn", ["stack", "export"])).stdout).deployment.resources.find((r: any) =>
            r.type.endsWith("pipecat:Build"),
        ).urn;
        s.emulator.clearRequests();
        assert.equal((await s.up("replace the build", { args: ["--replace", urn] })).code, 0);
        assert.deepEqual(deletes(), []);
        assert.ok(!s.seen().some((r) => r.startsWith("POST /builds") || r.startsWith("POST /storage")), s.seen().join("\n"));
        assert.equal(agentBuild(), id);

        s.emulator.clearRequests();
        declare({ builds: { renamed: { context: "./bot" } }, agents: { voice: { name: "voice-agent", buildId: "renamed" } } });
        assert.equal((await s.up("rename without alias")).code, 0);
        assert.deepEqual(deletes(), []);
        assert.equal(agentBuild(), id);

        declare({
            builds: { again: { context: "./bot", aliases: ["renamed"] } },
            agents: { voice: { name: "voice-agent", buildId: "again" } },
        });
        s.emulator.clearRequests();
        const aliased = await s.preview("rename with alias", { args: ["--expect-no-changes"] });
        assert.equal(aliased.code, 0);
        assert.deepEqual(s.seen(), []);
        assert.equal((await s.up("rename with alias")).code, 0);

        s.emulator.clearRequests();
        declare({ agents: { voice: { name: "voice-agent", buildId: id } } });
        assert.equal((await s.up("build removed, agent keeps its id")).code, 0);
        assert.deepEqual(s.seen(), []);
        assert.equal(agentBuild(), id);
        assert.equal(deployments(), before);
        assert.equal(image(), builtImage(id));

        declare({ builds: { bot: { context: "./bot" } }, agents: { voice: { name: "voice-agent", buildId: "bot" } } });
        assert.equal((await s.up("the Build again: a cache hit")).code, 0);
        assert.equal(agentBuild(), id);
        s.emulator.clearRequests();
        assert.equal((await s.destroy("destroy")).code, 0);
        assert.ok(!s.seen().some((r) => /\/builds|\/storage/.test(r)), s.seen().join("\n"));
        assert.deepEqual(deletes(), ["DELETE /agents/voice-agent 200"]);
    });

    it("5. a deployment that fails after a new build leaves a state that says so: refresh and preview still show the update", async () => {
        await s.start();
        source("v1");
        declare({ builds: { bot: { context: "./bot" } }, agents: { voice: { name: "voice-agent", buildId: "bot" } } });
        assert.equal((await s.up("create")).code, 0);
        const first = agentBuild();
        source("v2");
        s.emulator.failDeployment({ agent: "voice-agent" });
        const failed = await s.up("new build, failed deployment", { allowFail: true });
        assert.notEqual(failed.code, 0);
        assert.equal(image(), builtImage(first), "the previous build keeps serving");
        await s.refresh("refresh after the failure");
        const preview = await s.preview("after refresh", { args: ["--expect-no-changes"], allowFail: true });
        assert.notEqual(preview.code, 0, "refresh made the failed deployment look done:\n" + preview.stdout);
        assert.equal((await s.up("again")).code, 0);
        assert.notEqual(agentBuild(), first);
        assert.equal(image(), builtImage(agentBuild()));
    });

    it("6. faults of the builds API and storage, and a wrong apiUrl, fail the up of a new source without touching the agent or the state", async () => {
        await s.start();
        source("v1");
        declare({ builds: { bot: { context: "./bot" } }, agents: { voice: { name: "voice-agent", buildId: "bot" } } });
        assert.equal((await s.up("create")).code, 0);
        const first = agentBuild();
        const stateIds = async () =>
            JSON.parse((await s.pulumi("export", ["stack", "export"])).stdout)
                .deployment.resources.map((r: any) => `${r.type}:${r.id}`)
                .sort();
        const before = await stateIds();
        source("v2");
        for (const fault of [
            { route: "GET /builds", status: 500, times: Infinity },
            { route: "POST /storage/:bucket", status: 500, times: Infinity },
            { route: "POST /builds", status: 503, times: Infinity },
            { route: "GET /builds/:id", status: 404, body: JSON.stringify({ error: "Not found", code: "NOT_FOUND" }), times: Infinity },
        ] as const) {
            s.emulator.injectFault(fault);
            const up = await s.up(`new source, ${fault.route} faulted`, { allowFail: true });
            s.emulator.clearFaults();
            assert.notEqual(up.code, 0, `${fault.route}: ${up.stdout}`);
            assert.equal(agentBuild(), first, fault.route);
            assert.equal(image(), builtImage(first), fault.route);
            assert.deepEqual(await stateIds(), before, fault.route);
        }
        s.emulator.injectFault({ route: "GET /builds/:id", status: 500, times: Infinity });
        assert.notEqual((await s.refresh("refresh, builds API failing", { allowFail: true })).code, 0);
        s.emulator.clearFaults();
        s.emulator.injectFault({
            route: "GET /builds/:id",
            status: 404,
            body: JSON.stringify({ error: "Not found", code: "NOT_FOUND" }),
            times: Infinity,
        });
        assert.notEqual((await s.refresh("refresh, a bare 404", { allowFail: true })).code, 0);
        s.emulator.clearFaults();
        assert.deepEqual(await stateIds(), before);

        await s.project.setConfig("pipecat:apiUrl", s.emulator.url.replace(/\/v1$/, "/v2"));
        const wrong = await s.up("new source, wrong apiUrl", { allowFail: true });
        assert.notEqual(wrong.code, 0);
        assert.match(wrong.stdout + wrong.stderr, /apiUrl/);
        assert.deepEqual(await stateIds(), before);
        await s.project.setConfig("pipecat:apiUrl", s.emulator.url);
        assert.deepEqual(deletes(), []);
        assert.equal(agentBuild(), first);
        assert.equal((await s.up("fixed")).code, 0);
        assert.notEqual(agentBuild(), first);
        assert.equal(image(), builtImage(agentBuild()));
    });

    for (const afterSettings of [true, false]) {
        it(`7. a default region changed in the same up as a new unregioned agent of an existing build (dependsOn: ${afterSettings}) neither moves the first agent nor creates one elsewhere`, async () => {
            await s.start();
            source("v1");
            declare({ builds: { bot: { context: "./bot" } }, agents: { voice: { name: "voice-agent", buildId: "bot" } } });
            assert.equal((await s.up("create")).code, 0);
            const first = agentBuild();
            declare({
                settings: { org: { defaultRegion: "eu-central" } },
                builds: { bot: { context: "./bot" } },
                agents: {
                    voice: { name: "voice-agent", buildId: "bot" },
                    second: { name: "second-agent", buildId: "bot", afterSettings },
                },
            });
            const up = await s.up("default moved with a new agent", { allowFail: true });
            assert.equal(s.emulator.defaultRegion(), "eu-central");
            const second = s.emulator.agent("second-agent");
            if (up.code === 0) assert.equal(second?.region, "us-west", "a new agent was created away from its build");
            else {
                assert.equal(second, undefined);
                assert.match(up.stdout + up.stderr, /us-west|Build not found/);
            }
            assert.equal(s.emulator.agent("voice-agent")?.region, "us-west");
            assert.equal(agentBuild(), first);
            assert.deepEqual(deletes(), []);

            // The next source change still builds where the agent is.
            source("v2");
            declare({
                settings: { org: { defaultRegion: "eu-central" } },
                builds: { bot: { context: "./bot" } },
                agents: { voice: { name: "voice-agent", buildId: "bot" } },
            });
            assert.equal((await s.up("new source under the new default")).code, 0);
            assert.equal(s.emulator.agent("voice-agent")?.region, "us-west");
            assert.notEqual(agentBuild(), first);
            assert.equal(image(), builtImage(agentBuild()));
        });
    }

    it("8. a failed build, then the source reverted, and a build past the timeout, then the next up: the agent keeps its build until a new one succeeds", async () => {
        await s.start();
        source("v1");
        declare({ builds: { bot: { context: "./bot" } }, agents: { voice: { name: "voice-agent", buildId: "bot" } } });
        assert.equal((await s.up("create")).code, 0);
        const first = agentBuild();
        s.project.writeFile("bot/Dockerfile", DOCKERFILE.replace("CMD", "RUN exit 3\nCMD"));
        const failed = await s.up("a failing build", { allowFail: true });
        assert.notEqual(failed.code, 0);
        assert.equal(agentBuild(), first);
        source("v1");
        s.emulator.clearRequests();
        assert.equal((await s.preview("reverted", { args: ["--expect-no-changes"] })).code, 0);
        assert.deepEqual(s.seen(), []);

        source("v3");
        s.project.writeFile("bot/Dockerfile", DOCKERFILE.replace("CMD", "RUN sleep 5\nCMD"));
        await s.project.setConfig("pipecat:buildTimeoutSeconds", "2");
        const timedOut = await s.up("a build past the timeout", { allowFail: true });
        assert.notEqual(timedOut.code, 0);
        assert.match(timedOut.stdout + timedOut.stderr, /pipecat:buildTimeoutSeconds/);
        assert.equal(agentBuild(), first);
        assert.equal(image(), builtImage(first));
        await s.project.setConfig("pipecat:buildTimeoutSeconds", "120");
        assert.equal((await s.up("the next up")).code, 0);
        assert.notEqual(agentBuild(), first);
        assert.equal(image(), builtImage(agentBuild()));
        assert.deepEqual(deletes(), []);
    });
});
