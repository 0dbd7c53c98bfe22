/**
 * examples/basic as a user copies it: the folder alone in a temporary directory, `npm install` of the packed package
 * (as `npm install pulumi-pipecat-secrets` would add it), then preview, up and destroy through the real engine against
 * the emulator, for two stacks of the program in the same organisation: the second must not collide with the first.
 * Fixtures come from test/consumer (pack, the stack environment, the `pulumi` runner).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Emulator, startEmulator } from "../../emulator";
import { API_KEY, V, SECRETS, type PulumiCli, pulumiCli, setConfig, stackEnv } from "../consumer/program";
import { nodeRuntime } from "../consumer/workspace";
import { type Haystack, assertNoLeaks } from "../support/leaks";
import { copyExample, exampleDir } from "./copy";

const EXAMPLE = exampleDir("basic");
const source = fs.readFileSync(path.join(EXAMPLE, "index.ts"), "utf8");
/** The stack config the program reads (`cfg.require("x")`, `cfg.requireSecret("x")`, `cfg.get("x")`, ...). */
const programKeys = [...source.matchAll(/cfg\.(?:require|get)\w*\("([^"]+)"\)/g)].map((m) => m[1] as string);

describe("examples/basic, copied and installed as a user would", function () {
    this.timeout(300_000);
    let work: string;
    let app: string;
    let emulator: Emulator;
    let env: NodeJS.ProcessEnv;
    const outputs: Haystack[] = [];
    const stacks: Record<string, PulumiCli> = {};
    const names: Record<string, Record<string, string>> = {};

    before(async () => {
        ({ work, app } = await copyExample("basic", "my-voice-agent"));
        emulator = await startEmulator({ apiKey: API_KEY });
        env = stackEnv(path.join(work, "pulumi"), nodeRuntime(Number(process.versions.node.split(".")[0])));
    });

    after(async () => {
        await emulator?.close();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("is a project of its own: Pulumi.yaml, package.json with both dependencies, tsconfig.json, and a README listing every config key", () => {
        assert.match(fs.readFileSync(path.join(EXAMPLE, "Pulumi.yaml"), "utf8"), /^name: pipecat-basic\n(.*\n)*runtime:\n  name: nodejs\n/);
        const pkg = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "package.json"), "utf8")) as {
            main: string;
            dependencies: Record<string, string>;
        };
        assert.equal(pkg.main, "index.ts");
        assert.deepEqual(Object.keys(pkg.dependencies).sort(), ["@pulumi/pulumi", "pulumi-pipecat-secrets"]);
        assert.ok(fs.existsSync(path.join(EXAMPLE, "tsconfig.json")));
        assert.deepEqual(programKeys.sort(), ["dailyKey", "dockerToken", "dockerUser", "image", "openaiKey"]);
        const readme = fs.readFileSync(path.join(EXAMPLE, "README.md"), "utf8");
        for (const key of [...programKeys, "pipecat:apiKey", "pipecat:apiUrl"])
            assert.match(readme, new RegExp(`\\| \`${key}\` \\|`), `README lists ${key}`);
        assert.doesNotMatch(source, /\bname: "/, "no resource has a fixed name");
    });

    for (const stack of ["dev", "staging"]) {
        it(`${stack}: ${stack === "dev" ? "previews, then creates" : "creates"} the two sets and the agent under names of its own`, async () => {
            const cli = pulumiCli(app, stack === "dev" ? env : { ...env, PULUMI_NODEJS_TRANSPILE_ONLY: "true" }, outputs, stack);
            await cli("stack init", ["stack", "init", stack]);
            // Every later command names its stack (`pulumi up --stack dev`, `pulumi config --stack dev set ...`).
            const pulumi: PulumiCli = (label, [command = "", ...rest], input) => cli(label, [command, "--stack", stack, ...rest], input);
            stacks[stack] = pulumi;
            if (stack === "dev") {
                const config: [string, string, boolean][] = [
                    ["pipecat:apiKey", API_KEY, true],
                    ["pipecat:apiUrl", emulator.url, false],
                    ["openaiKey", V.openai, true],
                    ["dailyKey", V.daily, true],
                    ["dockerUser", "bot", false],
                    ["dockerToken", V.token, true],
                ];
                for (const [key, value, secret] of config) await setConfig(pulumi, key, value, secret);
            } else {
                // As a user starts a second stack: the first one's config, copied (secrets re-encrypted for it).
                await stacks["dev"]!("config cp", ["config", "cp", "--dest", stack]);
            }
            if (stack === "dev") {
                // The first stack is type-checked by ts-node with the example's tsconfig.json, as by default.
                const preview = await pulumi("preview", ["preview"]);
                assert.match(preview.stdout, /\+ 4 to create/);
            }
            await pulumi("up", ["up", "--yes", "--skip-preview"]);
            const out = JSON.parse((await pulumi("stack output", ["stack", "output", "--json"])).stdout) as Record<string, string>;
            names[stack] = out;
            assert.match(out["secretSetName"] ?? "", /^voice-agent-secrets-[a-z0-9]{7}$/);
            assert.match(out["pullSetName"] ?? "", /^registry-pull-[a-z0-9]{7}$/);
            assert.match(out["agentName"] ?? "", /^voice-agent-[a-z0-9]{7}$/);
            assert.deepEqual(out["keys"], ["DAILY_API_KEY", "OPENAI_API_KEY"]);
            const set = emulator.snapshot()[out["secretSetName"]!];
            assert.deepEqual(set?.type === "secret" ? set.secrets : set, { OPENAI_API_KEY: V.openai, DAILY_API_KEY: V.daily });
            assert.equal(emulator.runningSecrets(out["agentName"]!)?.["OPENAI_API_KEY"], V.openai);
        });
    }

    it("both stacks live side by side in the one organisation", () => {
        assert.equal(Object.keys(emulator.snapshot()).length, 4);
        for (const name of ["secretSetName", "pullSetName", "agentName"]) assert.notEqual(names["dev"]?.[name], names["staging"]?.[name]);
    });

    it("destroys each stack, and the emulator is empty", async () => {
        for (const stack of ["staging", "dev"]) await stacks[stack]!("destroy", ["destroy", "--yes", "--skip-preview"]);
        assert.deepEqual(Object.keys(emulator.snapshot()), []);
        assert.equal(emulator.agent(names["dev"]!["agentName"]!), undefined);
    });

    it("prints no value and no API key", () => {
        assertNoLeaks(outputs, SECRETS, "pulumi outputs");
    });
});
