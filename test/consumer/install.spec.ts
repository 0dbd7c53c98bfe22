/**
 * The two ways to install the package before it is on the npm registry, as README.md's "Install" gives them, into
 * one fresh program: from a git URL, and from a tarball that `npm pack` made in a clone. Both start from a clean
 * clone of this repository at HEAD (committed work only: no dist/, no node_modules).
 *
 * - git URL: `npm install git+file://<clone>`. npm clones it again, installs its devDependencies there and runs the
 *   `prepare` script (scripts/build.js), which builds dist/; then it packs that folder and installs the result. The
 *   slow part of the whole spec, timed on its own line.
 * - tarball: `npm pack` in the clone, where dist/ does not exist: the `prepack` script builds it and checks it
 *   (scripts/check-pack.ts). The clone borrows this repository's node_modules (installed from the same lockfile, so
 *   what `npm ci` would install there) instead of a second install of every devDependency.
 *
 * Each installed package is a real copy with dist/, every export loads by the package's name, the emulator's
 * command answers, and a short program creates and deletes a secret set in an emulator through the installed
 * provider (the shim's require of `pulumi-pipecat-secrets/implementation` included). The two installs must be the
 * same files, byte for byte. consumer.spec.ts and setups.spec.ts take the tarball on to the real engine.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { recordOutput } from "../support/engine";
import { type Haystack, assertNoLeaks } from "../support/leaks";
import { API_KEY, seconds, write } from "./program";
import { type RunResult, cleanEnv, installedCopies, isInside, npmScripts, pack, repoRoot, run } from "./workspace";

/** A secret value for the short program: it must reach the emulator and appear in no output. */
const VALUE = "install-GREETING-never-shown-0201";

/**
 * The short program a user might run first: the classes and the emulator load, and a secret set goes through the
 * installed provider (check, create, delete) against the emulator. Prints facts only, never the value.
 */
const PROGRAM = `"use strict";
const { SecretSet, Agent, secretSetProvider } = require("pulumi-pipecat-secrets");
const { startEmulator } = require("pulumi-pipecat-secrets/emulator");
(async () => {
    const { CHECK_API_KEY: apiKey, CHECK_VALUE: value } = process.env;
    const emulator = await startEmulator({ apiKey });
    try {
        const config = { "pipecat:apiKey": apiKey, "pipecat:apiUrl": emulator.url };
        await secretSetProvider.configure({ config: { get: (k) => config[k], require: (k) => config[k] } });
        const checked = await secretSetProvider.check({}, { name: "install-check", secrets: { GREETING: value } });
        if (checked.failures && checked.failures.length > 0) throw new Error("check failed: " + JSON.stringify(checked.failures));
        const created = await secretSetProvider.create(checked.inputs);
        const stored = emulator.snapshot()["install-check"];
        await secretSetProvider.delete(created.id, created.outs);
        console.log(JSON.stringify({
            classes: [typeof SecretSet, typeof Agent],
            implementation: require.resolve("pulumi-pipecat-secrets/implementation"),
            id: created.id,
            keys: created.outs.keys,
            stored: stored !== undefined && stored.secrets.GREETING === value,
            left: Object.keys(emulator.snapshot()),
        }));
    } finally {
        await emulator.close();
    }
})().catch((e) => { console.error(e); process.exit(1); });
`;

/** Every file of an installed package, relative path to SHA-256 of its content. */
function fileHashes(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (rel: string): void => {
        for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
            const child = path.posix.join(rel, entry.name);
            if (entry.isDirectory()) walk(child);
            else
                out[child] = createHash("sha256")
                    .update(fs.readFileSync(path.join(dir, child)))
                    .digest("hex");
        }
    };
    walk("");
    return Object.fromEntries(
        Object.keys(out)
            .sort()
            .map((k) => [k, out[k]!]),
    );
}

describe("install: from a git URL and from a packed clone, before the package is on the registry", function () {
    this.timeout(600_000);

    let work: string;
    let clone: string;
    let app: string;
    let head: string;
    const times: Record<string, number> = {};
    const outputs: Haystack[] = [];

    /** npm in the program's folder; an install from git may take minutes on a busy machine. */
    const npm = (args: string[]): Promise<RunResult> =>
        run(process.execPath, [npmScripts().npm, ...args], { cwd: app, env: cleanEnv(), timeoutMs: 540_000 });
    const installs: RunResult[] = [];
    const flags = ["--no-audit", "--no-fund", "--prefer-offline"];
    const installed = () => path.join(app, "node_modules", "pulumi-pipecat-secrets");
    const timed = async <T>(step: string, f: () => Promise<T> | T): Promise<T> => {
        const t0 = Date.now();
        try {
            return await f();
        } finally {
            times[step] = Date.now() - t0;
        }
    };

    /** Checks every install gets: one real copy with dist/, npm's peers satisfied, the exports and bin, the program. */
    const worksTests = (how: string) => {
        it(`is one real copy, not a link, with dist/ (${how})`, async () => {
            assert.deepEqual(installedCopies(app, "pulumi-pipecat-secrets"), [installed()]);
            assert.equal(fs.lstatSync(installed()).isSymbolicLink(), false);
            for (const file of [
                "dist/provider/index.js",
                "dist/provider/index.d.ts",
                "dist/emulator/index.js",
                "dist/provider/secretset/implementation.js",
            ]) {
                assert.ok(fs.existsSync(path.join(installed(), file)), `${file} is not installed`);
            }
            for (const out of installs) assert.doesNotMatch(out.stderr, /EBADENGINE|ERESOLVE|peer dep/i, out.stderr);
            await npm(["ls", "--all"]); // exits non-zero on a missing or invalid peer
        });

        it(`runs: the emulator's command answers, and a set is created and deleted through the installed provider (${how})`, async () => {
            const help = await run(path.join(app, "node_modules", ".bin", "pipecat-secrets-emulator"), ["--help"], {
                cwd: app,
                env: cleanEnv(),
            });
            assert.match(help.stdout, /^Usage: pipecat-secrets-emulator \[options\]/);
            const result = await run(process.execPath, ["program.js"], {
                cwd: app,
                env: { ...cleanEnv(), CHECK_API_KEY: API_KEY, CHECK_VALUE: VALUE },
            });
            recordOutput(outputs, how, result);
            const out = JSON.parse(result.stdout) as Record<string, unknown>;
            assert.deepEqual(out, {
                classes: ["function", "function"],
                implementation: path.join(installed(), "dist", "provider", "secretset", "implementation.js"),
                id: "install-check",
                keys: ["GREETING"],
                stored: true,
                left: [],
            });
            assertNoLeaks(outputs, [API_KEY, VALUE], "install program output");
        });
    };

    before(async function () {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-install-"));
        clone = path.join(work, "clone");
        app = path.join(work, "app");
        head = (await run("git", ["rev-parse", "HEAD"], { cwd: repoRoot, env: cleanEnv() })).stdout.trim();
        // A clone of HEAD (detached, as CI's checkout may be): committed files only.
        await timed("clone", async () => {
            await run("git", ["clone", "--quiet", "--no-checkout", repoRoot, clone], { cwd: work, env: cleanEnv() });
            await run("git", ["checkout", "--quiet", "--detach", head], { cwd: clone, env: cleanEnv() });
        });
        assert.equal(fs.existsSync(path.join(clone, "dist")), false);
        write(path.join(app, "package.json"), { name: "install-check", private: true, main: "index.js" });
        write(path.join(app, "program.js"), PROGRAM);
    });

    after(() => {
        console.log(
            `      install times: ${Object.entries(times)
                .map(([k, ms]) => `${k} ${seconds(ms)}`)
                .join(", ")}`,
        );
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    describe("from a git URL (npm install git+file://<clone>)", () => {
        before(async () => {
            const pulumi = (
                JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { devDependencies: Record<string, string> }
            ).devDependencies["@pulumi/pulumi"];
            installs.push(await timed("git install", () => npm(["install", ...flags, `@pulumi/pulumi@${pulumi}`, `git+file://${clone}`])));
        });

        it("installs HEAD of the clone, recorded as such in the program's lockfile", () => {
            const lock = JSON.parse(fs.readFileSync(path.join(app, "package-lock.json"), "utf8")) as {
                packages: Record<string, { resolved?: string }>;
            };
            assert.equal(lock.packages["node_modules/pulumi-pipecat-secrets"]?.resolved, `git+file://${clone}#${head}`);
        });

        worksTests("git URL");
    });

    describe("from a tarball that npm pack made in the clone", () => {
        let gitFiles: Record<string, string>;
        let tarball: string;
        let shipped: string[];

        before(async () => {
            gitFiles = fileHashes(installed());
            fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(clone, "node_modules"), "junction");
            const packed = await timed("pack in the clone", () => pack(work, undefined, clone));
            tarball = packed.filename;
            shipped = packed.files.map((f) => f.path).sort();
            installs.push(await timed("tarball install", () => npm(["install", ...flags, tarball])));
        });

        it("was built by npm pack itself (the prepack script): the clone had no dist/, the tarball has it", () => {
            assert.ok(fs.existsSync(path.join(clone, "dist", "provider", "index.js")));
            assert.ok(shipped.includes("dist/provider/index.js") && shipped.includes("dist/emulator/index.js"), shipped.join(", "));
            assert.ok(isInside(work, tarball));
        });

        it("installs exactly the files the git URL installed, byte for byte: the two routes give one package", () => {
            assert.deepEqual(Object.keys(gitFiles), shipped);
            assert.deepEqual(fileHashes(installed()), gitFiles);
        });

        worksTests("tarball");
    });
});
