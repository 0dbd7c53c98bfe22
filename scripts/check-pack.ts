/**
 * What `npm pack` and `npm publish` may ship, checked by the `prepack` script right after the build (and by
 * test/consumer/pack.spec.ts, which uses the same rules): exactly the compiled JavaScript and declarations of
 * provider/ and emulator/ (one .js and one .d.ts per source file, nothing stale), the READMEs, LICENSE and
 * package.json; every file main, types, exports and bin name is among them; the bins start with a node shebang; no
 * file holds a test secret; the whole stays under a size bound; and every export loads in Node.js.
 *
 * Run as `ts-node --transpile-only scripts/check-pack.ts`: it asks npm for the file list (`npm pack --dry-run
 * --ignore-scripts`, so no recursion) and exits 1 listing every problem. A git install does not run `prepack`
 * (only `prepare`): test/consumer/install.spec.ts installs that way and checks the result.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expectedOutputs } from "./build";

const root = path.resolve(__dirname, "..");

/**
 * The unpacked size the tarball must stay under. 512 KiB until 2026-12-04; the Agent's placement and waits (issue 16)
 * took it to 527 KiB, the TSDoc of issue 17 further; the rooms of issue 18 (29 emulator files for 20, a transport, endpoints
 * per room) to 593 KiB; the Build and OrganizationSettings rooms and the emulator's builds and properties rooms (issue 19)
 * to 815 KiB. The bound is there to catch a stray large file (a build context, a report), not a few new modules.
 */
export const UNPACKED_SIZE_BOUND = 900 * 1024;

/** Values the tests use as secrets all look like one of these; none may reach the tarball. */
export const TEST_SECRET_PATTERNS: readonly RegExp[] = [
    /never[-_]shown/i,
    /never[-_]leak/i,
    /do-not-leak/i,
    /PLANTED/,
    /should-never-be-serialized/,
    /\b[sp]k-(test|e2e|live|mock|faults|rate|badinputs|pr|consumer)-/,
];

/** The fields of package.json that say what is published and how it is entered. */
export interface PackageManifest {
    readonly name: string;
    readonly version: string;
    readonly main: string;
    readonly types: string;
    readonly bin: Record<string, string>;
    readonly exports: Record<string, string | Record<string, string>>;
}

/** What `npm pack --json` reports of a tarball (the fields these checks use). */
export interface PackedPackage {
    readonly files: readonly { readonly path: string; readonly size: number }[];
    readonly unpackedSize: number;
}

/** The repository's package.json. */
export function readManifest(): PackageManifest {
    return JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as PackageManifest;
}

/** Every file the tarball must hold, and nothing else: the build's outputs, the READMEs, LICENSE and package.json. */
export function expectedFiles(): string[] {
    return [...expectedOutputs(), "README.md", "emulator/README.md", "LICENSE", "package.json"].sort();
}

/** Every file main, types, bin and exports point to, "./" removed. */
export function entryFiles(pkg: PackageManifest): string[] {
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
    for (const entry of Object.values(pkg.exports)) targets.push(...(typeof entry === "string" ? [entry] : Object.values(entry)));
    return [...new Set(targets.map((t) => path.posix.normalize(t)))];
}

/**
 * Every problem with a packed package, one sentence each (an empty list: it may be published). `read` gives a
 * shipped file's text (by default from the repository, where npm packed it from).
 */
export function packProblems(
    packed: PackedPackage,
    pkg: PackageManifest,
    read: (file: string) => string = (f) => fs.readFileSync(path.join(root, f), "utf8"),
): string[] {
    const problems: string[] = [];
    const shipped = new Set(packed.files.map((f) => f.path));
    const expected = new Set(expectedFiles());
    for (const file of expected) if (!shipped.has(file)) problems.push(`${file} is missing (run npm run build)`);
    for (const file of shipped) {
        if (!expected.has(file))
            problems.push(
                `${file} would be shipped but is no compiled source, README, LICENSE or package.json (a stale build? npm run build -- --force)`,
            );
    }
    for (const target of entryFiles(pkg)) if (!shipped.has(target)) problems.push(`${target}, named in package.json, is not shipped`);
    for (const bin of Object.values(pkg.bin)) {
        const file = path.posix.normalize(bin);
        if (shipped.has(file) && !read(file).startsWith("#!/usr/bin/env node\n")) problems.push(`${file}, a bin, has no node shebang`);
    }
    for (const file of shipped) {
        const text = read(file);
        for (const pattern of TEST_SECRET_PATTERNS)
            if (pattern.test(text)) problems.push(`${file} holds a test secret (matches ${pattern})`);
    }
    if (packed.unpackedSize >= UNPACKED_SIZE_BOUND) {
        problems.push(
            `the package is ${packed.unpackedSize} bytes unpacked, over the bound of ${UNPACKED_SIZE_BOUND} (scripts/check-pack.ts): a stray large file?`,
        );
    }
    return problems;
}

/**
 * Loads each export of the package by its own name in a fresh Node.js (Node.js resolves a package's own name inside
 * it through `exports`) and lists the exported names, or the error of each one that fails.
 */
export function loadExports(pkg: PackageManifest): { readonly loaded: Record<string, string[]>; readonly problems: string[] } {
    const specifiers = Object.keys(pkg.exports)
        .filter((key) => key !== "./package.json")
        .map((key) => (key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`));
    const script = `
const out = { loaded: {}, problems: [] };
for (const s of ${JSON.stringify(specifiers)}) {
    try { out.loaded[s] = Object.keys(require(s)).sort(); } catch (e) { out.problems.push(s + " does not load: " + String(e && e.message).split("\\n")[0]); }
}
process.stdout.write(JSON.stringify(out));
process.exit(0);
`;
    const out = execFileSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
    return JSON.parse(out) as { loaded: Record<string, string[]>; problems: string[] };
}

/** What npm would pack from the repository now, without running any script. */
function dryRunPack(): PackedPackage {
    // In a lifecycle script npm names its own entry point; otherwise the npm on PATH.
    const npmCli = process.env.npm_execpath;
    const [command, args] = npmCli && /\.js$/.test(npmCli) ? [process.execPath, [npmCli]] : ["npm", []];
    const out = execFileSync(command, [...args, "pack", "--dry-run", "--json", "--ignore-scripts", "--loglevel=error"], {
        cwd: root,
        encoding: "utf8",
    });
    const [result] = JSON.parse(out) as PackedPackage[];
    if (!result) throw new Error(`npm pack printed no result: ${out}`);
    return result;
}

function main(): number {
    const pkg = readManifest();
    const packed = dryRunPack();
    const { loaded, problems: loadProblems } = loadExports(pkg);
    const problems = [...packProblems(packed, pkg), ...loadProblems];
    if (problems.length > 0) {
        console.error(`check-pack: ${pkg.name}@${pkg.version} must not be packed:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        return 1;
    }
    // On stderr: `npm pack --json` prints the lifecycle scripts' stdout before its JSON.
    console.error(
        `check-pack: ${packed.files.length} files, ${(packed.unpackedSize / 1024).toFixed(1)} KiB unpacked; ${Object.keys(loaded).length} exports load (${Object.keys(loaded).join(", ")})`,
    );
    return 0;
}

if (require.main === module) process.exitCode = main();
