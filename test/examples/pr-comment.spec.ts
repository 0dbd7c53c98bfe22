/**
 * What the pull-request comment of examples/github-actions/pulumi.yml shows for a change of keys.
 *
 * The workflow's preview job runs `pulumi preview --diff` (pulumi/actions with `diff: true`) and posts
 * the output as the comment. Here the same command runs through the real engine against the emulator,
 * as that job would: without the Pipecat API key. The set gains one key, loses one and has one value
 * changed; then, on its own, one value is rotated. Key names must be visible, values never; the
 * outputs are the committed samples examples/github-actions/sample-preview*.txt (regenerated with
 * UPDATE_SAMPLES=1, compared otherwise).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Emulator, startEmulator } from "../../emulator";
import { createTempProject, repoRoot, type TempProject } from "../support/engine";
import { assertNoLeaks } from "../support/leaks";

const SAMPLE = path.join(repoRoot, "examples", "github-actions", "sample-preview.txt");
const ROTATION_SAMPLE = path.join(repoRoot, "examples", "github-actions", "sample-preview-rotation.txt");
const API_KEY = "pk-pr-comment-API-KEY-never-shown";
const V = {
    openai: "sk-pr-OPENAI-before-never-shown",
    openaiRotated: "sk-pr-OPENAI-rotated-never-shown",
    daily: "pr-DAILY-value-never-shown",
    dailyRotated: "pr-DAILY-rotated-never-shown",
    cartesia: "pr-CARTESIA-value-never-shown",
    deepgram: "pr-DEEPGRAM-value-never-shown",
};

/** The program on main: three keys from secret stack config. */
const onMain = `
import * as pulumi from "@pulumi/pulumi";
import { SecretSet } from "pulumi-pipecat-secrets";

const cfg = new pulumi.Config();
const agent = new SecretSet("agent", {
    name: "voice-agent",
    secrets: {
        OPENAI_API_KEY: cfg.requireSecret("openaiApiKey"),
        DAILY_API_KEY: cfg.requireSecret("dailyApiKey"),
        CARTESIA_API_KEY: cfg.requireSecret("cartesiaApiKey"),
    },
});
export const agentKeys = agent.keys;
`;

/** The pull request: CARTESIA_API_KEY goes, DEEPGRAM_API_KEY comes (and openaiApiKey is rotated in config). */
const inPullRequest = onMain.replace(
    `CARTESIA_API_KEY: cfg.requireSecret("cartesiaApiKey"),`,
    `DEEPGRAM_API_KEY: cfg.requireSecret("deepgramApiKey"),`,
);

/**
 * The output as the sample keeps it: without what changes from run to run or machine to machine
 * (durations, ports, temporary paths) and without trailing blanks.
 */
function sampleText(text: string, tempRoot: string): string {
    return text
        .split(tempRoot)
        .join("<tmp>")
        .replace(/\b(Duration: )\S+/g, "$1<duration>")
        .replace(/\b(127\.0\.0\.1|localhost):\d+/g, "$1:<port>")
        .replace(/[ \t]+$/gm, "")
        .replace(/\n+$/, "\n");
}

/** For comparing with the sample: URNs too are left out (they are stable, but name the test project). */
const withoutUrns = (text: string): string => text.replace(/urn:pulumi:[^\s"\]]+/g, "<urn>");

/** Writes the sample with UPDATE_SAMPLES=1; otherwise asserts that the committed one still matches. */
function matchesSample(file: string, sample: string): void {
    if (process.env["UPDATE_SAMPLES"] === "1") {
        fs.writeFileSync(file, sample);
        return;
    }
    assert.ok(fs.existsSync(file), `${file} is missing: run with UPDATE_SAMPLES=1 to write it`);
    const committed = fs.readFileSync(file, "utf8");
    assert.equal(
        withoutUrns(sample),
        withoutUrns(committed),
        `${path.basename(file)} is out of date: run with UPDATE_SAMPLES=1 and review the diff`,
    );
}

describe("examples/github-actions: the preview posted on a pull request", function () {
    this.timeout(300_000);

    let emulator: Emulator;
    let project: TempProject;

    before(async () => {
        emulator = await startEmulator({ apiKey: API_KEY });
        // Project and stack as in the workflow's STACK (my-org/pipecat-secrets/prod).
        project = createTempProject({ name: "pipecat-secrets", programTs: onMain });
        await project.initStack("prod");
        await project.setConfig("pipecat:apiUrl", emulator.url);
        await project.setConfig("openaiApiKey", V.openai, { secret: true });
        await project.setConfig("dailyApiKey", V.daily, { secret: true });
        await project.setConfig("cartesiaApiKey", V.cartesia, { secret: true });
        // What the workflow's up job did on main: the key comes from the environment (PIPECAT_API_KEY).
        await project.run(["up", "--yes", "--skip-preview", "--non-interactive"], { env: { PIPECAT_API_KEY: API_KEY } });
        assert.deepEqual(Object.keys(emulator.snapshot()), ["voice-agent"]);
    });

    after(async () => {
        project?.cleanup();
        await emulator?.close();
    });

    /**
     * `pulumi preview --diff` as the workflow's preview job runs it: no PIPECAT_API_KEY in the
     * environment, none in config. Asserts that it sent no request and printed no secret.
     */
    async function previewAsTheJobDoes(): Promise<string> {
        emulator.clearRequests();
        const preview = await project.run(["preview", "--diff", "--color", "never", "--non-interactive"]);
        assert.deepEqual(emulator.requests, [], "a preview sends no request to Pipecat Cloud");
        const haystacks = [
            { label: "preview stdout", text: preview.stdout },
            { label: "preview stderr", text: preview.stderr },
        ];
        assertNoLeaks(haystacks, [API_KEY, ...Object.values(V)], "preview output");
        return preview.stdout;
    }

    it("lists the added, removed and changed keys, shows no value, needs no API key and sends no request", async () => {
        // The pull request's change: a rotated value, one key removed, one added.
        project.writeFile("index.ts", inPullRequest);
        await project.setConfig("openaiApiKey", V.openaiRotated, { secret: true });
        await project.setConfig("deepgramApiKey", V.deepgram, { secret: true });

        const output = await previewAsTheJobDoes();
        assert.match(output, /~ pulumi-nodejs:dynamic\/pipecat:SecretSet: \(update\)/);
        assert.match(output, /\+ DEEPGRAM_API_KEY\s*: \[secret\]/, "the added key is marked +");
        assert.match(output, /- CARTESIA_API_KEY\s*: \[secret\]/, "the removed key is marked -");
        // The provider leaves the comparison of declared secrets to the engine, which compares the values
        // themselves (without printing them): the rotated key is marked ~, the unchanged one is not listed.
        assert.match(output, /~ OPENAI_API_KEY\s*: \[secret\] => \[secret\]/, "the changed key is marked ~");
        assert.doesNotMatch(output, /DAILY_API_KEY/, "an unchanged key is not listed");
        assert.match(output, /~ 1 to update/);
        matchesSample(SAMPLE, sampleText(output, project.root));
    });

    it("shows a pull request that only rotates a value as an update of the set", async () => {
        await project.run(["up", "--yes", "--skip-preview", "--non-interactive"], { env: { PIPECAT_API_KEY: API_KEY } });
        await project.setConfig("dailyApiKey", V.dailyRotated, { secret: true });

        const output = await previewAsTheJobDoes();
        assert.match(output, /~ pulumi-nodejs:dynamic\/pipecat:SecretSet: \(update\)/);
        // No key added or removed: the provider leaves the comparison to the engine, which compares the
        // values themselves. The rotated key is marked, the unchanged ones are not listed.
        assert.match(output, /~ DAILY_API_KEY\s*: \[secret\] => \[secret\]/);
        assert.doesNotMatch(output, /OPENAI_API_KEY|DEEPGRAM_API_KEY/);
        assert.match(output, /~ 1 to update/);
        matchesSample(ROTATION_SAMPLE, sampleText(output, project.root));
    });
});
