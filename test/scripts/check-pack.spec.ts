/**
 * scripts/check-pack.ts's rules on made-up tarballs: each kind of problem is found and named. (The real tarball, and
 * `npm pack` refusing a stale build, are test/consumer/pack.spec.ts's.)
 */
import * as assert from "node:assert/strict";
import { type PackedPackage, UNPACKED_SIZE_BOUND, entryFiles, expectedFiles, packProblems, readManifest } from "../../scripts/check-pack";

const pkg = readManifest();
const bins = new Set(Object.values(pkg.bin));

/** A tarball of exactly the expected files, 1 KiB each, or of `files`. */
const tarball = (files: readonly string[] = expectedFiles(), unpackedSize = 1024 * files.length): PackedPackage => ({
    files: files.map((p) => ({ path: p, size: 1024 })),
    unpackedSize,
});
/** File texts: bins with a node shebang, everything else harmless, `overrides` first. */
const reader =
    (overrides: Record<string, string> = {}) =>
    (file: string): string =>
        overrides[file] ?? (bins.has(file) ? '#!/usr/bin/env node\n"use strict";\n' : '"use strict";\n');

describe("scripts/check-pack.ts", () => {
    it("finds nothing wrong with exactly the expected files", () => {
        assert.deepEqual(packProblems(tarball(), pkg, reader()), []);
    });

    it("names a missing output, a stray file and an entry point that is not shipped", () => {
        const files = expectedFiles().filter((f) => f !== "dist/emulator/index.js" && f !== "dist/emulator/index.d.ts");
        const problems = packProblems(tarball([...files, "dist/provider/old.js"]), pkg, reader());
        assert.deepEqual(problems, [
            "dist/emulator/index.d.ts is missing (run npm run build)",
            "dist/emulator/index.js is missing (run npm run build)",
            "dist/provider/old.js would be shipped but is no compiled source, README, LICENSE or package.json (a stale build? npm run build -- --force)",
            "dist/emulator/index.d.ts, named in package.json, is not shipped",
            "dist/emulator/index.js, named in package.json, is not shipped",
        ]);
    });

    it("names a bin without a node shebang", () => {
        const [bin] = [...bins];
        assert.ok(bin);
        assert.deepEqual(packProblems(tarball(), pkg, reader({ [bin]: '"use strict";\n' })), [`${bin}, a bin, has no node shebang`]);
    });

    it("names every shipped file that holds a test secret", () => {
        const problems = packProblems(
            tarball(),
            pkg,
            reader({ "README.md": "apiKey: pk-test-123", "dist/provider/index.js": "// never-shown" }),
        );
        assert.deepEqual(problems.sort(), [
            "README.md holds a test secret (matches /\\b[sp]k-(test|e2e|live|mock|faults|rate|badinputs|pr|consumer)-/)",
            "dist/provider/index.js holds a test secret (matches /never[-_]shown/i)",
        ]);
    });

    it("names a package at or over the size bound, and not one just under it", () => {
        assert.deepEqual(packProblems(tarball(expectedFiles(), UNPACKED_SIZE_BOUND - 1), pkg, reader()), []);
        assert.deepEqual(packProblems(tarball(expectedFiles(), UNPACKED_SIZE_BOUND), pkg, reader()), [
            `the package is ${UNPACKED_SIZE_BOUND} bytes unpacked, over the bound of ${UNPACKED_SIZE_BOUND} (scripts/check-pack.ts): a stray large file?`,
        ]);
    });

    it("takes the entry points from main, types, bin and every condition of exports", () => {
        const files = entryFiles(pkg);
        for (const f of [
            "dist/provider/index.js",
            "dist/provider/index.d.ts",
            "dist/emulator/cli.js",
            "dist/provider/dotenv/cli.js",
            "dist/provider/agent/implementation.d.ts",
            "package.json",
        ]) {
            assert.ok(files.includes(f), `${f} not among ${files.join(", ")}`);
        }
    });
});
