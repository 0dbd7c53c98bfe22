/**
 * examples/github-actions/pulumi.yml: valid for actionlint, and it does what its README says.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../support/engine";
import { actionlint } from "./actionlint";

const WORKFLOW = path.join(repoRoot, "examples", "github-actions", "pulumi.yml");

// js-yaml comes with @pulumi/pulumi (a dependency of it), so no package is added for this test.
const yaml = require("js-yaml") as { load(text: string): unknown };

interface Step {
    readonly uses?: string;
    readonly run?: string;
    readonly with?: Record<string, unknown>;
    readonly env?: Record<string, string>;
}
interface Job {
    readonly if?: string;
    readonly permissions?: Record<string, string>;
    readonly env?: Record<string, string>;
    readonly steps: Step[];
}
interface Workflow {
    readonly on: Record<string, { branches?: string[] }>;
    readonly permissions?: Record<string, string>;
    readonly env?: Record<string, string>;
    readonly jobs: Record<string, Job>;
}

describe("examples/github-actions/pulumi.yml", function () {
    // The first run builds actionlint with Go (about a minute on 2 cores); later runs take a second.
    this.timeout(400_000);

    const text = fs.readFileSync(WORKFLOW, "utf8");
    const workflow = yaml.load(text) as Workflow;
    const pulumiStep = (job: string): Step => {
        const step = workflow.jobs[job]?.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
        assert.ok(step, `job ${job} has a pulumi/actions step`);
        return step;
    };

    it("passes actionlint", async () => {
        const result = await actionlint([WORKFLOW]);
        assert.equal(result.code, 0, result.output);
    });

    it("is checked by actionlint for real: a broken copy fails", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "actionlint-"));
        try {
            const broken = path.join(dir, "broken.yml");
            fs.writeFileSync(broken, text.replace("github.event_name == 'pull_request'", "github.event_nam == 'pull_request'"));
            const result = await actionlint([broken]);
            assert.equal(result.code, 1);
            assert.match(result.output, /event_nam/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("previews pull requests to main and posts the diff as a comment", () => {
        assert.deepEqual(workflow.on.pull_request?.branches, ["main"]);
        const job = workflow.jobs["preview"];
        assert.match(job?.if ?? "", /github\.event_name == 'pull_request'/);
        assert.equal(job?.permissions?.["pull-requests"], "write");
        const step = pulumiStep("preview");
        assert.match(step.uses ?? "", /^pulumi\/actions@v6/);
        assert.equal(step.with?.["command"], "preview");
        assert.equal(step.with?.["diff"], true);
        assert.equal(step.with?.["comment-on-pr"], true);
        assert.equal(step.with?.["github-token"], "${{ secrets.GITHUB_TOKEN }}");
    });

    it("updates the stack on pushes to main, one update at a time", () => {
        assert.deepEqual(workflow.on.push?.branches, ["main"]);
        const job = workflow.jobs["up"];
        assert.match(job?.if ?? "", /github\.event_name == 'push' && github\.ref == 'refs\/heads\/main'/);
        assert.equal(pulumiStep("up").with?.["command"], "up");
    });

    it("sets up Node and installs with npm ci before Pulumi runs, in both jobs", () => {
        for (const name of ["preview", "up"]) {
            const steps = workflow.jobs[name]?.steps ?? [];
            const at = (pred: (s: Step) => boolean) => steps.findIndex(pred);
            const node = at((s) => s.uses?.startsWith("actions/setup-node@") === true);
            const ci = at((s) => s.run?.trim() === "npm ci");
            const pulumi = at((s) => s.uses?.startsWith("pulumi/actions@") === true);
            assert.ok(node >= 0 && ci > node && pulumi > ci, `${name}: setup-node, then npm ci, then pulumi/actions`);
            // Node.js 26 is the Active LTS line since 2026-10-28 (Node.js 20 reached its end of life on 2026-04-30).
            assert.equal(steps[node]?.with?.["node-version"], 26);
        }
    });

    it("gives the Pipecat API key to the update only, and the Pulumi token to both", () => {
        assert.equal(workflow.env?.["PULUMI_ACCESS_TOKEN"], "${{ secrets.PULUMI_ACCESS_TOKEN }}");
        assert.equal(pulumiStep("up").env?.["PIPECAT_API_KEY"], "${{ secrets.PIPECAT_API_KEY }}");
        // A preview sends no request to Pipecat Cloud (test/examples/pr-comment.spec.ts): the job that
        // runs a pull request's code does not get the key.
        const previewText = JSON.stringify(workflow.jobs["preview"]);
        assert.doesNotMatch(previewText, /PIPECAT_API_KEY/);
        assert.doesNotMatch(JSON.stringify(workflow.env), /PIPECAT_API_KEY/);
        assert.ok(!("pull_request_target" in workflow.on), "pull_request_target would hand secrets to forks' code");
    });
});
