/**
 * Which files of a build context are left out: the secrets always (whatever a `.dockerignore` says), then a
 * `.dockerignore` with Docker's rules, or without one the official deploy action's default list (`src/build.js`,
 * `SECURITY_EXCLUSIONS` and `DEFAULT_EXCLUSIONS`), matched as the action matches them. Moved from archive.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import dockerignore from "@balena/dockerignore";

/**
 * Left out of every context, on every path component, whatever a `.dockerignore` says (also with a `!`
 * that would let them in): secrets never travel in a build context. The action's `SECURITY_EXCLUSIONS`.
 */
export const ALWAYS_EXCLUDED: readonly string[] = [".env", ".env.*", "*.pem", "*.key"];

/**
 * Left out of a context without a `.dockerignore`: the action's `DEFAULT_EXCLUSIONS`, matched as the action
 * matches them (each pattern against every path component, `*` for any characters), so that a tree without a
 * `.dockerignore` gives the action's archive and shares its cache. Note `build` and `dist`: a directory of
 * that name is left out unless a `.dockerignore` says otherwise.
 */
export const DEFAULT_EXCLUDED: readonly string[] = [
    ...ALWAYS_EXCLUDED,
    ".git",
    ".gitignore",
    ".gitattributes",
    "__pycache__",
    "*.pyc",
    "*.pyo",
    "*.pyd",
    "*.so",
    ".Python",
    ".venv",
    "venv",
    "ENV",
    ".pytest_cache",
    ".coverage",
    "htmlcov",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".vscode",
    ".idea",
    "*.swp",
    "*.swo",
    "dist",
    "build",
    "*.egg-info",
    "*.egg",
    ".eggs",
    "node_modules",
    ".github",
    ".claude",
    ".codex",
    ".cursor",
    "pcc-deploy.toml",
    ".ipynb_checkpoints",
    ".cache",
    ".DS_Store",
    "Thumbs.db",
    "*.log",
];

/** The action's pattern rule: `*` is any run of characters, everything else itself. */
function actionPattern(pattern: string): RegExp {
    return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, "\\$&").replace(/\*/g, ".*")}$`);
}

export const ALWAYS = ALWAYS_EXCLUDED.map(actionPattern);
const DEFAULTS = DEFAULT_EXCLUDED.map(actionPattern);

/** Whether a pattern of the action's kind matches the path or any of its components. */
export function matchesAny(patterns: readonly RegExp[], name: string): boolean {
    const parts = name.split("/");
    return patterns.some((p) => p.test(name) || parts.some((part) => p.test(part)));
}

/** The exclusions of a context: `.dockerignore` with Docker's rules when there is one, else the action's defaults. */
export function exclusions(root: string): {
    readonly excluded: (name: string) => boolean;
    readonly reopens: boolean;
    readonly dockerignore: boolean;
} {
    let text: string;
    try {
        text = fs.readFileSync(path.join(root, ".dockerignore"), "utf8");
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        return { excluded: (name) => matchesAny(DEFAULTS, name), reopens: false, dockerignore: false };
    }
    // Docker matches case-sensitively (Go's filepath.Match); the library's default follows node-ignore's, which does not.
    const rules = dockerignore({ ignorecase: false }).add(text);
    // A `!` line may let a file in below an excluded directory: Docker then walks into it (moby's archive.go).
    const reopens = text.split(/\r?\n/).some((line) => line.trim().startsWith("!"));
    return { excluded: (name) => rules.ignores(name), reopens, dockerignore: true };
}
