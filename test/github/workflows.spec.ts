/**
 * This repository's own GitHub Actions workflows: valid for actionlint, and they do what CONTRIBUTING.md says.
 * .github/workflows/ci.yml runs .ci/run on every pull request; .github/workflows/release.yml publishes a version tag
 * to npm with provenance once the tag is checked against package.json and CHANGELOG.md and the tests pass.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../support/engine";
import { actionlint } from "../examples/actionlint";

const RELEASE = path.join(repoRoot, ".github", "workflows", "release.yml");
const CI = path.join(repoRoot, ".github", "workflows", "ci.yml");

// js-yaml comes with @pulumi/pulumi (a dependency of it), so no package is added for this test.
const yaml = require("js-yaml") as { load(text: string): unknown };

interface Step {
    readonly id?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly with?: Record<string, unknown>;
    readonly env?: Record<string, string>;
}
interface Job {
    readonly needs?: string | string[];
    readonly permissions?: Record<string, string>;
    readonly env?: Record<string, string>;
    readonly strategy?: { matrix?: Record<string, unknown> };
    readonly steps: Step[];
}
interface Workflow {
    readonly on: Record<string, { branches?: string[]; tags?: string[] } | null>;
    readonly permissions?: Record<string, string>;
    readonly env?: Record<string, string>;
    readonly jobs: Record<string, Job>;
}

const load = (file: string) => yaml.load(fs.readFileSync(file, "utf8")) as Workflow;
/** Index of the first step of `job` that matches, -1 if none. */
const stepIndex = (job: Job, pred: (s: Step) => boolean) => job.steps.findIndex(pred);
const uses = (action: string) => (s: Step) => s.uses?.startsWith(`${action}@`) === true;
const runs = (command: RegExp) => (s: Step) => command.test(s.run ?? "");

describe(".github/workflows", function () {
    // The first run builds actionlint with Go (about a minute on 2 cores); later runs take a second.
    this.timeout(400_000);

    it("pass actionlint", async () => {
        const result = await actionlint([RELEASE, CI]);
        assert.equal(result.code, 0, result.output);
    });

    it("are checked by actionlint for real: a broken copy of release.yml fails", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "actionlint-"));
        try {
            const broken = path.join(dir, "release.yml");
            fs.writeFileSync(
                broken,
                fs.readFileSync(RELEASE, "utf8").replace("steps.check.outputs.dist-tag", "steps.chek.outputs.dist-tag"),
            );
            const result = await actionlint([broken]);
            assert.equal(result.code, 1);
            assert.match(result.output, /chek/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    describe("release.yml", () => {
        const workflow = load(RELEASE);
        const job = (name: string): Job => {
            const j = workflow.jobs[name];
            assert.ok(j, `no job ${name}`);
            return j;
        };

        it("runs on version tags only", () => {
            assert.deepEqual(Object.keys(workflow.on), ["push"]);
            assert.deepEqual(workflow.on.push, { tags: ["v*"] });
        });

        it("checks the tag against package.json and CHANGELOG.md first, then tests, then publishes", () => {
            assert.equal(job("test").needs, "check");
            assert.equal(job("publish").needs, "test");
            for (const name of ["check", "publish"]) {
                const steps = job(name);
                const ci = stepIndex(steps, runs(/^npm ci\b/));
                const check = stepIndex(steps, runs(/scripts\/check-release\.ts "\$GITHUB_REF_NAME"$/));
                assert.ok(ci >= 0 && check > ci, `${name}: npm ci, then scripts/check-release.ts`);
            }
            // Publishing checks again, right before: the tag's commit is what the publish job checked out.
            const publish = job("publish");
            assert.ok(stepIndex(publish, runs(/check-release/)) < stepIndex(publish, runs(/npm publish/)));
        });

        it("runs npm ci and npm test on Node.js 20 and 22, with Go for the engine", () => {
            const test = job("test");
            assert.deepEqual(test.strategy?.matrix?.["node"], [20, 22]);
            const node = stepIndex(test, uses("actions/setup-node"));
            const go = stepIndex(test, uses("actions/setup-go"));
            const ci = stepIndex(test, runs(/^npm ci$/));
            const npmTest = stepIndex(test, runs(/^npm test$/));
            assert.ok(node >= 0 && go >= 0 && ci > Math.max(node, go) && npmTest > ci, "setup-node and setup-go, npm ci, npm test");
            assert.equal(test.steps[node]?.with?.["node-version"], "${{ matrix.node }}");
            assert.equal(test.steps[go]?.with?.["go-version-file"], "engine/go.mod");
        });

        it("publishes with provenance, publicly, under the dist-tag the check chose, with the npm token in that step only", () => {
            const publish = job("publish");
            const step = publish.steps[stepIndex(publish, runs(/npm publish/))];
            assert.equal(step?.run, 'npm publish --provenance --access public --tag "$DIST_TAG"');
            assert.equal(step?.env?.["DIST_TAG"], "${{ steps.check.outputs.dist-tag }}");
            assert.equal(step?.env?.["NODE_AUTH_TOKEN"], "${{ secrets.NPM_TOKEN }}");
            assert.equal(publish.steps[stepIndex(publish, runs(/check-release/))]?.id, "check");
            const node = publish.steps[stepIndex(publish, uses("actions/setup-node"))];
            assert.equal(node?.with?.["registry-url"], "https://registry.npmjs.org");
            const text = fs.readFileSync(RELEASE, "utf8");
            assert.equal(text.match(/secrets\.NPM_TOKEN/g)?.length, 1, "the npm token is used in one place");
        });

        it("reads the repository's contents only; the publish job alone gets an OIDC token (for provenance)", () => {
            assert.deepEqual(workflow.permissions, { contents: "read" });
            assert.deepEqual(job("publish").permissions, { contents: "read", "id-token": "write" });
            for (const name of ["check", "test"]) assert.equal(job(name).permissions, undefined, `${name} has permissions of its own`);
        });
    });

    describe("ci.yml", () => {
        const workflow = load(CI);

        it("runs .ci/run on every pull request and every push to main, with Node.js 20 and Go", () => {
            assert.ok("pull_request" in workflow.on);
            assert.deepEqual(workflow.on.push, { branches: ["main"] });
            assert.ok(!("pull_request_target" in workflow.on), "pull_request_target would hand secrets to forks' code");
            assert.deepEqual(workflow.permissions, { contents: "read" });
            const test = workflow.jobs["test"];
            assert.ok(test);
            const node = stepIndex(test, uses("actions/setup-node"));
            const go = stepIndex(test, uses("actions/setup-go"));
            const run = stepIndex(test, runs(/^bash \.ci\/run$/));
            assert.ok(node >= 0 && go >= 0 && run > Math.max(node, go), "setup-node and setup-go, then .ci/run");
            assert.equal(test.steps[node]?.with?.["node-version"], 20);
        });
    });
});
