/**
 * examples/from-source as a user copies it: the folder alone (with its bot/ directory) in a temporary directory,
 * `npm install` of the packed package, then preview, up, a no-change preview, and destroy through the real engine
 * against the emulator, for two stacks of the program in the same organisation: the first builds bot/ (one upload),
 * the second finds that build in Pipecat's cache and uploads nothing. A `.env` the user keeps in bot/ (holding a
 * value of the stack's) is never uploaded. Fixtures come from test/consumer (pack, the stack environment, `pulumi`).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Emulator, startEmulator } from "../../emulator";
import { API_KEY, V, SECRETS, type PulumiCli, pulumiCli, setConfig, stackEnv } from "../consumer/program";
import { nodeRuntime } from "../consumer/workspace";
import { unpackUpload } from "../support/archive";
import { copyExample, exampleDir } from "./copy";
import { type Haystack, assertNoLeaks } from "../support/leaks";

const EXAMPLE = exampleDir("from-source");
const source = fs.readFileSync(path.join(EXAMPLE, "index.ts"), "utf8");
/** The stack config the program reads (`cfg.require("x")`, `cfg.requireSecret("x")`, `cfg.get("x")`, ...). */
const programKeys = [...source.matchAll(/cfg\.(?:require|get)\w*\("([^"]+)"\)/g)].map((m) => m[1] as string);

describe("examples/from-source, copied and installed as a user would", function () {
    this.timeout(300_000);
    let work: string;
    let app: string;
    let emulator: Emulator;
    let env: NodeJS.ProcessEnv;
    const outputs: Haystack[] = [];
    const stacks: Record<string, PulumiCli> = {};
    const out: Record<string, Record<string, unknown>> = {};

    before(async () => {
        ({ work, app } = await copyExample("from-source", "my-bot", (copy) =>
            // What a developer keeps next to the bot to run it locally: a value the stack also holds.
            fs.writeFileSync(path.join(copy, "bot", ".env"), `OPENAI_API_KEY=${V.openai}\n`),
        ));
        // Builds that take a moment, as real ones do (queued, then building), on the emulator's clock.
        emulator = await startEmulator({ apiKey: API_KEY, buildQueueMs: 300, buildDurationMs: 1200 });
        env = stackEnv(path.join(work, "pulumi"), nodeRuntime(Number(process.versions.node.split(".")[0])));
    });

    after(async () => {
        await emulator?.close();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("is a project of its own: Pulumi.yaml, package.json with both dependencies, tsconfig.json, bot/, and a README listing every config key", () => {
        assert.match(
            fs.readFileSync(path.join(EXAMPLE, "Pulumi.yaml"), "utf8"),
            /^name: pipecat-from-source\n(.*\n)*runtime:\n  name: nodejs\n/,
        );
        const pkg = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "package.json"), "utf8")) as {
            main: string;
            dependencies: Record<string, string>;
        };
        assert.equal(pkg.main, "index.ts");
        assert.deepEqual(Object.keys(pkg.dependencies).sort(), ["@pulumi/pulumi", "pulumi-pipecat-secrets"]);
        assert.ok(fs.existsSync(path.join(EXAMPLE, "tsconfig.json")));
        assert.deepEqual(fs.readdirSync(path.join(EXAMPLE, "bot")).sort(), [".dockerignore", "Dockerfile", "bot.py", "requirements.txt"]);
        assert.match(source, /new Build\("voice-bot", \{ context: "\.\/bot"/);
        assert.match(source, /buildId: build,/);
        assert.deepEqual(programKeys.sort(), ["dailyKey", "openaiKey", "region"]);
        const readme = fs.readFileSync(path.join(EXAMPLE, "README.md"), "utf8");
        for (const key of [...programKeys, "pipecat:apiKey", "pipecat:apiUrl", "pipecat:buildTimeoutSeconds"])
            assert.match(readme, new RegExp(`\\| \`${key}\` \\|`), `README lists ${key}`);
        for (const name of [...source.matchAll(/^export const (\w+) =/gm)].map((m) => m[1] as string))
            assert.match(readme, new RegExp(`\`${name}\``), `README names the output ${name}`);
        assert.doesNotMatch(source, /\bname: "/, "no resource has a fixed name");
    });

    it("dev: previews, then builds bot/ (one upload, without the API key or the .env), writes the set, and runs the agent on that build", async () => {
        const cli = pulumiCli(app, env, outputs, "dev");
        await cli("stack init", ["stack", "init", "dev"]);
        const pulumi: PulumiCli = (label, [command = "", ...rest], input) => cli(label, [command, "--stack", "dev", ...rest], input);
        stacks["dev"] = pulumi;
        const config: [string, string, boolean][] = [
            ["pipecat:apiKey", API_KEY, true],
            ["pipecat:apiUrl", emulator.url, false],
            ["openaiKey", V.openai, true],
            ["dailyKey", V.daily, true],
        ];
        for (const [key, value, secret] of config) await setConfig(pulumi, key, value, secret);
        // Type-checked by ts-node with the example's tsconfig.json, as by default. The preview hashes bot/ locally.
        emulator.clearRequests();
        const preview = await pulumi("preview", ["preview"]);
        assert.match(preview.stdout, /\+ 4 to create/);
        assert.equal(emulator.uploads().length, 0, "a preview uploads nothing");
        assert.deepEqual(
            emulator.requests.filter((r) => r.path.includes("/builds") || r.path.includes("/storage")),
            [],
            "a preview asks nothing about builds",
        );

        const up = await pulumi("up", ["up", "--yes", "--skip-preview"]);
        assert.match(up.stdout, /\+ 4 created/);
        out["dev"] = JSON.parse((await pulumi("stack output", ["stack", "output", "--json"])).stdout) as Record<string, unknown>;
        const o = out["dev"];
        assert.equal(o["cached"], false);
        assert.match(String(o["contextHash"]), /^[0-9a-f]{16}$/);
        assert.match(String(o["secretSetName"]), /^voice-bot-secrets-[a-z0-9]{7}$/);
        assert.match(String(o["agentName"]), /^voice-bot-[a-z0-9]{7}$/);
        assert.equal(o["agentReady"], true);

        const [upload, ...more] = emulator.uploads();
        assert.ok(upload !== undefined && more.length === 0, "one upload");
        assert.equal(upload.hadAuthorization, false, "the upload carries no Authorization header");
        const files = new Map(Object.entries(await unpackUpload(upload.archive)));
        assert.deepEqual([...files.keys()].sort(), [".dockerignore", "Dockerfile", "bot.py", "requirements.txt"]);
        assert.equal(files.get("bot.py"), fs.readFileSync(path.join(EXAMPLE, "bot", "bot.py"), "utf8"));
        assertNoLeaks(
            [...files].map(([name, text]) => ({ label: `uploaded ${name}`, text })),
            SECRETS,
            "the uploaded context",
        );

        const [build, ...others] = emulator.builds();
        assert.ok(build !== undefined && others.length === 0, "one build");
        assert.equal(build.status, "success");
        assert.equal(build.id, o["buildId"]);
        assert.equal(build.contextHash, o["contextHash"]);
        assert.equal(build.region, "us-west");
        assert.equal(build.imageUri, o["imageUri"]);
        assert.equal(emulator.agentImage(String(o["agentName"])), build.imageUri, "the agent runs the build's image");
        assert.equal(emulator.runningSecrets(String(o["agentName"]))?.["OPENAI_API_KEY"], V.openai);
    });

    it("dev: an unchanged bot/ previews as no change, with 0 requests", async () => {
        emulator.clearRequests();
        await stacks["dev"]!("preview --expect-no-changes", ["preview", "--expect-no-changes"]);
        assert.deepEqual(
            emulator.requests.map((r) => `${r.method} ${r.path}`),
            [],
        );
    });

    it("staging: the same source in a second stack is Pipecat's cached build: no upload, no new build", async () => {
        const cli = pulumiCli(app, { ...env, PULUMI_NODEJS_TRANSPILE_ONLY: "true" }, outputs, "staging");
        await cli("stack init", ["stack", "init", "staging"]);
        const pulumi: PulumiCli = (label, [command = "", ...rest], input) => cli(label, [command, "--stack", "staging", ...rest], input);
        stacks["staging"] = pulumi;
        // As a user starts a second stack: the first one's config, copied (secrets re-encrypted for it).
        await stacks["dev"]!("config cp", ["config", "cp", "--dest", "staging"]);
        emulator.clearRequests();
        await pulumi("up", ["up", "--yes", "--skip-preview"]);
        out["staging"] = JSON.parse((await pulumi("stack output", ["stack", "output", "--json"])).stdout) as Record<string, unknown>;
        const [dev, staging] = [out["dev"]!, out["staging"]!];
        assert.equal(staging["cached"], true);
        assert.equal(staging["buildId"], dev["buildId"]);
        assert.equal(staging["imageUri"], dev["imageUri"]);
        assert.equal(emulator.uploads().length, 1, "still the one upload of dev");
        assert.equal(emulator.builds().length, 1, "still the one build");
        // The Build's cache lookup, and nothing that uploads or builds (the new agent's check may read the build's region).
        const requests = emulator.requests.map((r) => `${r.method} ${r.path}`);
        assert.deepEqual(
            requests.filter((r) => r === "GET /v1/builds"),
            ["GET /v1/builds"],
        );
        assert.deepEqual(
            requests.filter((r) => r.startsWith("POST /v1/builds") || r.includes("/storage/")),
            [],
        );
        for (const name of ["secretSetName", "agentName"]) assert.notEqual(staging[name], dev[name]);
        assert.equal(emulator.agentImage(String(staging["agentName"])), dev["imageUri"]);
    });

    it("destroys each stack: the agents and sets are gone, the build stays (an immutable record, dropped from the state only)", async () => {
        emulator.clearRequests();
        for (const stack of ["staging", "dev"]) await stacks[stack]!("destroy", ["destroy", "--yes", "--skip-preview"]);
        assert.deepEqual(Object.keys(emulator.snapshot()), []);
        for (const stack of ["staging", "dev"]) assert.equal(emulator.agent(String(out[stack]!["agentName"])), undefined);
        assert.equal(emulator.builds().length, 1);
        assert.deepEqual(
            emulator.requests.filter((r) => r.path.includes("/builds")),
            [],
            "destroy sends nothing about the build",
        );
    });

    it("prints no value and no API key", () => {
        assertNoLeaks(outputs, SECRETS, "pulumi outputs");
    });
});
