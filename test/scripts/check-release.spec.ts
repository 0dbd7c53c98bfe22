/**
 * scripts/check-release.ts: which tags .github/workflows/release.yml may publish, on made-up package.json and
 * CHANGELOG.md texts, and this repository's own: package.json's version has an entry in CHANGELOG.md.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { changelogEntry, checkRelease } from "../../scripts/check-release";
import { repoRoot } from "../consumer/workspace";

const CHANGELOG = `# Changelog

## [1.3.0-rc.1] - 2027-02-01

### Fixed
- Something.

## [1.2.0] - 2027-01-15

### Added
- A feature.

## [1.1.0] - Unreleased

### Added
- Not out yet.

## [1.0.0] - 2026-12-24
`;

const repository = { type: "git", url: "git+https://github.com/example/pulumi-pipecat-secrets.git" };
const check = (tag: string, version: string, extra: { githubRepository?: string; repository?: unknown } = {}) =>
    checkRelease({
        tag,
        pkg: { version, repository: (extra.repository ?? repository) as { url: string } },
        changelog: CHANGELOG,
        ...(extra.githubRepository ? { githubRepository: extra.githubRepository } : {}),
    });

describe("scripts/check-release.ts", () => {
    it("passes a tag that is package.json's version with a dated, non-empty entry, as latest", () => {
        assert.deepEqual(check("v1.2.0", "1.2.0"), { problems: [], distTag: "latest" });
    });

    it("publishes a pre-release under the dist-tag next", () => {
        assert.deepEqual(check("v1.3.0-rc.1", "1.3.0-rc.1"), { problems: [], distTag: "next" });
    });

    it("refuses a tag that is not package.json's version, or not a version at all", () => {
        assert.deepEqual(check("v1.2.0", "1.1.0").problems, [
            `tag v1.2.0 does not match package.json's version 1.1.0: set "version": "1.2.0" (npm version 1.2.0 --no-git-tag-version) or tag v1.1.0`,
        ]);
        assert.match(check("1.2.0", "1.2.0").problems[0] ?? "", /^tag "1\.2\.0" is not v<major>\.<minor>\.<patch>/);
        assert.match(check("v1.2", "1.2.0").problems[0] ?? "", /^tag "v1\.2" is not v<major>/);
    });

    it("refuses a version without an entry, with an Unreleased entry, or with an empty one", () => {
        assert.deepEqual(check("v1.4.0", "1.4.0").problems, [
            `CHANGELOG.md has no entry "## [1.4.0] - YYYY-MM-DD": add one with what changed`,
        ]);
        assert.deepEqual(check("v1.1.0", "1.1.0").problems, [
            `CHANGELOG.md's entry for 1.1.0 has no release date ("## [1.1.0] - Unreleased"): write "## [1.1.0] - YYYY-MM-DD"`,
        ]);
        assert.deepEqual(check("v1.0.0", "1.0.0").problems, ["CHANGELOG.md's entry for 1.0.0 is empty: list what changed"]);
    });

    it("does not take a longer version's entry for a shorter one", () => {
        assert.equal(changelogEntry("## [1.2.0] - 2027-01-01\n- x\n", "1.2"), undefined);
        assert.equal(changelogEntry("## [1.2.0-rc.1] - 2027-01-01\n- x\n", "1.2.0"), undefined);
        assert.deepEqual(changelogEntry(CHANGELOG, "1.2.0"), { suffix: "- 2027-01-15", body: "### Added\n- A feature." });
    });

    it("on GitHub Actions, requires package.json's repository to be the workflow's (npm publish --provenance does)", () => {
        assert.deepEqual(check("v1.2.0", "1.2.0", { githubRepository: "Example/pulumi-pipecat-secrets" }).problems, []);
        assert.deepEqual(
            check("v1.2.0", "1.2.0", {
                githubRepository: "example/pulumi-pipecat-secrets",
                repository: "github:example/pulumi-pipecat-secrets",
            }).problems,
            [],
        );
        assert.deepEqual(check("v1.2.0", "1.2.0", { githubRepository: "fork/pulumi-pipecat-secrets" }).problems, [
            `package.json's repository is "github.com/example/pulumi-pipecat-secrets"; npm publish --provenance needs it to be this repository: ` +
                `"repository": { "type": "git", "url": "git+https://github.com/fork/pulumi-pipecat-secrets.git" }`,
        ]);
        assert.match(
            check("v1.2.0", "1.2.0", { githubRepository: "example/x", repository: {} }).problems[0] ?? "",
            /^package\.json's repository is missing/,
        );
    });

    it("as a command, exits 1 listing the problems and writes nothing to $GITHUB_OUTPUT", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-release-"));
        try {
            const output = path.join(dir, "output");
            const run = (tag: string) =>
                spawnSync(
                    process.execPath,
                    ["-r", "ts-node/register/transpile-only", path.join(repoRoot, "scripts", "check-release.ts"), tag],
                    {
                        cwd: repoRoot,
                        encoding: "utf8",
                        env: { ...process.env, GITHUB_OUTPUT: output, GITHUB_REPOSITORY: "" },
                    },
                );
            const bad = run("v0.0.0-no-such-version");
            assert.equal(bad.status, 1);
            assert.match(
                bad.stderr,
                /^check-release: v0\.0\.0-no-such-version must not be published:\n {2}- tag v0\.0\.0-no-such-version does not match package\.json's version/,
            );
            assert.equal(fs.existsSync(output), false);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("finds an entry in this repository's CHANGELOG.md for package.json's version", () => {
        const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string };
        const entry = changelogEntry(fs.readFileSync(path.join(repoRoot, "CHANGELOG.md"), "utf8"), version);
        assert.ok(entry, `CHANGELOG.md has no "## [${version}]" entry`);
        assert.notEqual(entry.body, "");
    });
});
