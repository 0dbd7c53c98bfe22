/**
 * What `npm pack` ships: exactly the compiled JavaScript and declarations of provider/ and emulator/ (one
 * .js and one .d.ts per source file, nothing stale), the READMEs, LICENSE and package.json. No tests,
 * sources, scripts, engine or bench, and no test secret in any shipped file. Needs `npm run build` first.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PULUMI_PEER_RANGE, type PackResult, pack, repoRoot } from "./workspace";

/** Values the tests use as secrets all look like one of these; none may reach the tarball. */
const TEST_SECRET_PATTERNS = [/never[-_]shown/i, /never[-_]leak/i, /do-not-leak/i, /PLANTED/, /should-never-be-serialized/, /\b[sp]k-(test|e2e|live|mock|faults|rate|badinputs|pr|consumer)-/];

interface PackageJson {
    main: string;
    types: string;
    bin: Record<string, string>;
    exports: Record<string, string | Record<string, string>>;
    files: string[];
    engines: Record<string, string>;
    peerDependencies: Record<string, string>;
}

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as PackageJson;

/** The files tsc compiles (tsconfig.json: provider/ and emulator/), as their outputs in dist/. */
function compiledOutputs(): string[] {
    const outputs: string[] = [];
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
            const rel = path.posix.join(dir, entry.name);
            if (entry.isDirectory()) walk(rel);
            else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
                const base = path.posix.join("dist", rel.slice(0, -".ts".length));
                outputs.push(`${base}.js`, `${base}.d.ts`);
            }
        }
    };
    walk("provider");
    walk("emulator");
    return outputs;
}

describe("pack: what npm publishes", () => {
    let packed: PackResult;

    before(function () {
        this.timeout(60_000);
        packed = pack();
    });

    it("holds exactly the compiled provider and emulator, the READMEs, LICENSE and package.json", () => {
        const expected = [...compiledOutputs(), "README.md", "emulator/README.md", "LICENSE", "package.json"].sort();
        assert.deepEqual(packed.files.map((f) => f.path).sort(), expected);
    });

    it("ships no test, source, script, engine or bench file", () => {
        for (const file of packed.files.map((f) => f.path)) {
            assert.doesNotMatch(file, /^(test|engine|scripts|bench|examples|\.ci|\.pulumi-engine|\.node-runtimes|node_modules)\//, file);
            assert.doesNotMatch(file, /\.spec\.|(?<!\.d)\.ts$|\.map$|\.tgz$/, file);
        }
    });

    it("contains no test secret", () => {
        for (const file of packed.files) {
            const text = fs.readFileSync(path.join(repoRoot, file.path), "utf8");
            for (const pattern of TEST_SECRET_PATTERNS) assert.doesNotMatch(text, pattern, `${file.path} matches ${pattern}`);
        }
    });

    it("ships every file that main, types, exports and bin point to; the bin runs with node", () => {
        const shipped = new Set(packed.files.map((f) => f.path));
        const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
        for (const entry of Object.values(pkg.exports)) targets.push(...(typeof entry === "string" ? [entry] : Object.values(entry)));
        for (const target of targets) assert.ok(shipped.has(path.posix.normalize(target)), `${target} is not shipped`);
        for (const bin of Object.values(pkg.bin)) {
            assert.match(fs.readFileSync(path.join(repoRoot, bin), "utf8"), /^#!\/usr\/bin\/env node\n/, `${bin} has no node shebang`);
        }
    });

    it("declares Node.js >= 20 and the proven @pulumi/pulumi range as a peer, not a dependency", () => {
        assert.equal(pkg.engines.node, ">=20");
        assert.deepEqual(pkg.peerDependencies, { "@pulumi/pulumi": PULUMI_PEER_RANGE });
        const deps = (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { dependencies?: Record<string, string> }).dependencies ?? {};
        assert.equal(deps["@pulumi/pulumi"], undefined);
    });

    it("stays small", () => {
        console.log(`      tarball: ${packed.files.length} files, ${(packed.size / 1024).toFixed(1)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(1)} KiB unpacked`);
        // 512 KiB until 2026-12-04; the Agent's placement and waits (issue 16) took it to 527 KiB. The bound is there to
        // catch a stray large file (a build context, a report), not a few new modules.
        assert.ok(packed.unpackedSize < 576 * 1024, `${packed.unpackedSize} bytes unpacked`);
    });
});
