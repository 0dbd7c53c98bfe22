/**
 * scripts/build.js (`npm run build`, `prepare`, the build of `prepack`) on a small project of its own: a copy of the
 * script beside a tsconfig.json, provider/ and emulator/, and a stand-in for TypeScript's tsc in its node_modules
 * that "compiles" each source by copying it and logs each run (the real tsc takes seconds; what is tested here is
 * when the script runs it and what it does around it). The real compiler's build is every other spec's.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../consumer/workspace";

/**
 * The stand-in tsc: `tsc -p <tsconfig>` writes dist/<path>.js and .d.ts for every .ts of provider/ and emulator/ beside
 * the tsconfig (the source's text under a comment), exits 2 like tsc when a source says "does not compile" (after
 * writing, as tsc does), and appends one line to tsc-runs.log per run.
 */
const STAND_IN_TSC = `
const fs = require("fs"), path = require("path");
const root = path.dirname(path.resolve(process.argv[process.argv.indexOf("-p") + 1]));
fs.appendFileSync(path.join(root, "tsc-runs.log"), "run\\n");
let failed = false;
const walk = (rel) => {
    if (!fs.existsSync(path.join(root, rel))) return;
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
        const child = path.join(rel, e.name);
        if (e.isDirectory()) walk(child);
        else if (child.endsWith(".ts")) {
            const text = fs.readFileSync(path.join(root, child), "utf8");
            if (text.includes("does not compile")) { console.log(child + "(1,1): error TS2322: stand-in error"); failed = true; }
            const out = path.join(root, "dist", child.slice(0, -3));
            fs.mkdirSync(path.dirname(out), { recursive: true });
            fs.writeFileSync(out + ".js", "// compiled\\n" + text);
            fs.writeFileSync(out + ".d.ts", "// declarations\\n");
        }
    }
};
walk("provider"); walk("emulator");
process.exit(failed ? 2 : 0);
`;

describe("scripts/build.js", () => {
    let dir: string;

    const file = (rel: string) => path.join(dir, rel);
    const write = (rel: string, text: string) => {
        fs.mkdirSync(path.dirname(file(rel)), { recursive: true });
        fs.writeFileSync(file(rel), text);
    };
    const runs = () => (fs.existsSync(file("tsc-runs.log")) ? fs.readFileSync(file("tsc-runs.log"), "utf8").split("\n").length - 1 : 0);
    /** Runs the script; `compiled`: whether it ran tsc. */
    const build = (...args: string[]) => {
        const before = runs();
        const result = spawnSync(process.execPath, [file("scripts/build.js"), ...args], {
            cwd: dir,
            encoding: "utf8",
            env: { ...process.env, NODE_OPTIONS: "" },
        });
        return { status: result.status, output: result.stdout + result.stderr, compiled: runs() > before };
    };
    const compiled = (rel: string) => fs.readFileSync(file(rel), "utf8");

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "build-script-"));
        fs.mkdirSync(file("scripts"));
        fs.copyFileSync(path.join(repoRoot, "scripts", "build.js"), file("scripts/build.js"));
        write("node_modules/typescript/package.json", JSON.stringify({ name: "typescript", version: "0.0.0-stand-in" }));
        write("node_modules/typescript/bin/tsc", STAND_IN_TSC);
        write(
            "node_modules/.package-lock.json",
            JSON.stringify({ packages: { "node_modules/typescript": { version: "0.0.0-stand-in" } } }),
        );
        write("tsconfig.json", JSON.stringify({ include: ["provider/**/*.ts", "emulator/**/*.ts"] }));
        write("provider/index.ts", "export const answer = 1;\n");
        write("emulator/index.ts", 'export const name = "emulator";\n');
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("compiles when dist/ holds no build, and records the inputs' hash", () => {
        const result = build();
        assert.equal(result.status, 0, result.output);
        assert.equal(result.compiled, true);
        assert.equal(compiled("dist/provider/index.js"), "// compiled\nexport const answer = 1;\n");
        assert.match(compiled("dist/.build-inputs"), /^[0-9a-f]{64}\n$/);
    });

    it("compiles nothing when the inputs are unchanged, and says so on stderr", () => {
        const before = fs.statSync(file("dist/provider/index.js")).mtimeMs;
        const result = spawnSync(process.execPath, [file("scripts/build.js")], { cwd: dir, encoding: "utf8" });
        assert.equal(result.status, 0);
        assert.equal(runs(), 1);
        assert.equal(result.stdout, "", "stdout is npm pack --json's");
        assert.match(result.stderr, /^build: dist\/ is up to date/);
        assert.equal(fs.statSync(file("dist/provider/index.js")).mtimeMs, before);
    });

    it("compiles again when a source, tsconfig.json or the installed dependencies change", () => {
        write("provider/index.ts", "export const answer = 2;\n");
        assert.equal(build().compiled, true);
        assert.equal(compiled("dist/provider/index.js"), "// compiled\nexport const answer = 2;\n");
        write("tsconfig.json", JSON.stringify({ include: ["provider/**/*.ts", "emulator/**/*.ts"], compilerOptions: { strict: true } }));
        assert.equal(build().compiled, true);
        write(
            "node_modules/.package-lock.json",
            JSON.stringify({ packages: { "node_modules/typescript": { version: "0.0.1-stand-in" } } }),
        );
        assert.equal(build().compiled, true);
        assert.equal(build().compiled, false);
    });

    it("compiles again when an output is missing", () => {
        fs.rmSync(file("dist/emulator/index.d.ts"));
        assert.equal(build().compiled, true);
        assert.ok(fs.existsSync(file("dist/emulator/index.d.ts")));
    });

    it("compiles a new source, and deletes the outputs of a source that is gone", () => {
        write("provider/old.ts", "export const old = true;\n");
        assert.equal(build().compiled, true);
        assert.ok(fs.existsSync(file("dist/provider/old.js")));
        fs.rmSync(file("provider/old.ts"));
        assert.equal(build().compiled, true);
        assert.deepEqual(fs.readdirSync(file("dist/provider")).sort(), ["index.d.ts", "index.js"]);
    });

    it("does not look inside outputs: an edited output stays until --force compiles anyway", () => {
        fs.writeFileSync(file("dist/provider/index.js"), "edited by hand\n");
        assert.equal(build().compiled, false);
        assert.equal(compiled("dist/provider/index.js"), "edited by hand\n");
        assert.equal(build("--force").compiled, true);
        assert.equal(compiled("dist/provider/index.js"), "// compiled\nexport const answer = 2;\n");
    });

    it("fails with tsc's exit code and errors when a source does not compile, recording nothing, so the next run compiles", () => {
        write("provider/index.ts", "// does not compile\n");
        const failed = build();
        assert.equal(failed.status, 2);
        assert.match(failed.output, /error TS2322: stand-in error/);
        assert.equal(fs.existsSync(file("dist/.build-inputs")), false);
        assert.equal(build().compiled, true, "a failed build was taken as up to date");
        write("provider/index.ts", "export const answer = 3;\n");
        const result = build();
        assert.equal(result.status, 0, result.output);
        assert.equal(compiled("dist/provider/index.js"), "// compiled\nexport const answer = 3;\n");
    });

    it("says to run npm ci when TypeScript is not installed", () => {
        fs.renameSync(file("node_modules/typescript"), file("node_modules/typescript-away"));
        try {
            const result = build("--force");
            assert.equal(result.status, 1);
            assert.match(result.output, /TypeScript is not installed; run `npm ci` first/);
        } finally {
            fs.renameSync(file("node_modules/typescript-away"), file("node_modules/typescript"));
        }
    });
});
