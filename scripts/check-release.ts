/**
 * Whether a version tag may be published, run by .github/workflows/release.yml before `npm publish`:
 * `ts-node --transpile-only scripts/check-release.ts v1.2.3`. The tag must be `v` and package.json's version; CHANGELOG.md
 * must have an entry `## [1.2.3] - YYYY-MM-DD` (a date: "Unreleased" means it was not meant to go out) with text
 * under it; and on GitHub Actions, package.json's `repository` must name the repository the workflow runs in, which
 * `npm publish --provenance` requires (it fails after the build otherwise). A pre-release (`1.3.0-rc.1`) is published
 * under the npm dist-tag `next`, anything else under `latest`: written as `dist-tag=…` to $GITHUB_OUTPUT.
 * Exits 1 listing every problem.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");

/** What a release is checked against. */
export interface ReleaseInputs {
    /** The git tag, e.g. "v1.2.3". */
    readonly tag: string;
    /** package.json's `version` and `repository`. */
    readonly pkg: { readonly version: string; readonly repository?: string | { readonly url?: string } };
    /** CHANGELOG.md's text. */
    readonly changelog: string;
    /** "owner/name" of the GitHub repository the workflow runs in ($GITHUB_REPOSITORY), if any. */
    readonly githubRepository?: string;
}

export interface ReleaseCheck {
    readonly problems: string[];
    /** The npm dist-tag to publish under: "next" for a pre-release, else "latest". */
    readonly distTag: "latest" | "next";
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-.]+)?$/;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The text of CHANGELOG.md's entry for `version`: its heading's rest ("- 2026-12-05") and its body, or undefined. */
export function changelogEntry(changelog: string, version: string): { readonly suffix: string; readonly body: string } | undefined {
    const lines = changelog.split(/\r?\n/);
    const heading = new RegExp(`^## \\[${escape(version)}\\](.*)$`);
    const at = lines.findIndex((l) => heading.test(l));
    if (at < 0) return undefined;
    const end = lines.findIndex((l, i) => i > at && /^## /.test(l));
    return {
        suffix: heading.exec(lines[at]!)![1]!.trim(),
        body: lines
            .slice(at + 1, end < 0 ? undefined : end)
            .join("\n")
            .trim(),
    };
}

/** "github.com/owner/name" from the forms npm accepts for `repository` (git+https://…/x.git, github:owner/name, owner/name). */
function githubPath(repository: ReleaseInputs["pkg"]["repository"]): string | undefined {
    const url = typeof repository === "string" ? repository : repository?.url;
    if (!url) return undefined;
    const short = /^(?:github:)?([\w.-]+\/[\w.-]+)$/.exec(url);
    if (short) return `github.com/${short[1]!.replace(/\.git$/, "")}`.toLowerCase();
    const long = /github\.com[/:]([\w.-]+\/[\w.-]+?)(?:\.git)?\/?$/.exec(url);
    return long ? `github.com/${long[1]}`.toLowerCase() : url;
}

export function checkRelease(inputs: ReleaseInputs): ReleaseCheck {
    const problems: string[] = [];
    const { tag, pkg, changelog, githubRepository } = inputs;
    const version = tag.startsWith("v") ? tag.slice(1) : undefined;
    const parsed = version === undefined ? null : SEMVER.exec(version);
    if (!parsed) problems.push(`tag ${JSON.stringify(tag)} is not v<major>.<minor>.<patch>[-<pre-release>]`);
    else if (version !== pkg.version)
        problems.push(
            `tag ${tag} does not match package.json's version ${pkg.version}: set "version": "${version}" (npm version ${version} --no-git-tag-version) or tag v${pkg.version}`,
        );
    const wanted = version ?? pkg.version;
    const entry = changelogEntry(changelog, wanted);
    if (!entry) problems.push(`CHANGELOG.md has no entry "## [${wanted}] - YYYY-MM-DD": add one with what changed`);
    else {
        if (!/^- \d{4}-\d{2}-\d{2}$/.test(entry.suffix) || Number.isNaN(Date.parse(entry.suffix.slice(2)))) {
            problems.push(
                `CHANGELOG.md's entry for ${wanted} has no release date ("## [${wanted}] ${entry.suffix}"): write "## [${wanted}] - YYYY-MM-DD"`,
            );
        }
        if (entry.body === "") problems.push(`CHANGELOG.md's entry for ${wanted} is empty: list what changed`);
    }
    if (githubRepository !== undefined) {
        const expected = `github.com/${githubRepository}`.toLowerCase();
        const actual = githubPath(pkg.repository);
        if (actual !== expected) {
            problems.push(
                `package.json's repository is ${actual === undefined ? "missing" : JSON.stringify(actual)}; npm publish --provenance needs it to be this repository: ` +
                    `"repository": { "type": "git", "url": "git+https://github.com/${githubRepository}.git" }`,
            );
        }
    }
    return { problems, distTag: parsed?.[4] !== undefined ? "next" : "latest" };
}

function main(): number {
    const tag = process.argv[2] ?? process.env.GITHUB_REF_NAME ?? "";
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as ReleaseInputs["pkg"];
    const changelog = fs.readFileSync(path.join(root, "CHANGELOG.md"), "utf8");
    const repo = process.env.GITHUB_REPOSITORY;
    const { problems, distTag } = checkRelease({ tag, pkg, changelog, ...(repo ? { githubRepository: repo } : {}) });
    if (problems.length > 0) {
        console.error(`check-release: ${tag || "(no tag)"} must not be published:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        return 1;
    }
    if (process.env.GITHUB_OUTPUT) fs.appendFileSync(process.env.GITHUB_OUTPUT, `dist-tag=${distTag}\n`);
    console.log(`check-release: ${tag} may be published as ${pkg.version} under the npm dist-tag ${distTag}`);
    return 0;
}

if (require.main === module) process.exitCode = main();
