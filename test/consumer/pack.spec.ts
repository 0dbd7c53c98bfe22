/**
 * What `npm pack` ships: exactly the compiled JavaScript and declarations of provider/ and emulator/ (one
 * .js and one .d.ts per source file, nothing stale), the READMEs, LICENSE and package.json. No tests,
 * sources, scripts, engine or bench, and no test secret in any shipped file. The rules are
 * scripts/check-pack.ts's, which the `prepack` script runs on every `npm pack` and `npm publish`: these tests
 * run npm pack (and with it `prepack`: the build, then the check) and show that each rule can fail.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    type PackageManifest,
    UNPACKED_SIZE_BOUND,
    TEST_SECRET_PATTERNS,
    entryFiles,
    expectedFiles,
    loadExports,
    packProblems,
    readManifest,
} from "../../scripts/check-pack";
import { PULUMI_PEER_RANGE, type PackResult, pack, repoRoot, withDistLock } from "./workspace";

interface PackageJson extends PackageManifest {
    files: string[];
    engines: Record<string, string>;
    peerDependencies: Record<string, string>;
}

const pkg = readManifest() as PackageJson;

describe("pack: what npm publishes", () => {
    let packed: PackResult;

    before(function () {
        this.timeout(60_000);
        packed = pack();
    });

    it("holds exactly the compiled provider and emulator, the READMEs, LICENSE and package.json", () => {
        assert.ok(expectedFiles().includes("dist/provider/index.js"));
        assert.deepEqual(packed.files.map((f) => f.path).sort(), expectedFiles());
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
        assert.ok(entryFiles(pkg).includes("dist/emulator/index.js"));
        for (const target of entryFiles(pkg)) assert.ok(shipped.has(target), `${target} is not shipped`);
        for (const bin of Object.values(pkg.bin)) {
            assert.match(fs.readFileSync(path.join(repoRoot, bin), "utf8"), /^#!\/usr\/bin\/env node\n/, `${bin} has no node shebang`);
        }
    });

    it("declares Node.js >= 20 and the proven @pulumi/pulumi range as a peer, not a dependency", () => {
        assert.equal(pkg.engines.node, ">=20");
        assert.deepEqual(pkg.peerDependencies, { "@pulumi/pulumi": PULUMI_PEER_RANGE });
        const deps =
            (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { dependencies?: Record<string, string> })
                .dependencies ?? {};
        assert.equal(deps["@pulumi/pulumi"], undefined);
    });

    it("stays small", () => {
        console.log(
            `      tarball: ${packed.files.length} files, ${(packed.size / 1024).toFixed(1)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(1)} KiB unpacked`,
        );
        assert.ok(packed.unpackedSize < UNPACKED_SIZE_BOUND, `${packed.unpackedSize} bytes unpacked`);
    });

    it("passes every rule of the prepack check, and each export loads by the package's name", () => {
        assert.deepEqual(packProblems(packed, pkg), []);
        // A bogus subpath beside the real ones shows that a failing export is reported, not skipped.
        const { loaded, problems } = loadExports({ ...pkg, exports: { ...pkg.exports, "./not-exported": "./dist/nowhere.js" } });
        assert.deepEqual(
            Object.keys(loaded),
            Object.keys(pkg.exports)
                .filter((k) => k !== "./package.json")
                .map((k) => (k === "." ? pkg.name : `${pkg.name}/${k.slice(2)}`)),
        );
        assert.ok(loaded[pkg.name]?.includes("SecretSet") && loaded[pkg.name]?.includes("Agent"), String(loaded[pkg.name]));
        assert.ok(loaded[`${pkg.name}/emulator`]?.includes("startEmulator"), String(loaded[`${pkg.name}/emulator`]));
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(problems[0] ?? "", /^pulumi-pipecat-secrets\/not-exported does not load: .*not-exported/);
    });

    it("refuses to pack when dist/ holds an output of no source (the prepack script's check)", function () {
        this.timeout(60_000);
        const stale = path.join(repoRoot, "dist", "provider", "zz-no-such-source.js");
        // Under the lock every pack of the repository takes: another test process's npm pack must not ship it meanwhile.
        withDistLock(() => {
            fs.writeFileSync(stale, "module.exports = {};\n");
            try {
                assert.throws(() => pack(), /dist\/provider\/zz-no-such-source\.js would be shipped but is no compiled source/);
            } finally {
                fs.rmSync(stale, { force: true });
            }
        });
    });
});
