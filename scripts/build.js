#!/usr/bin/env node
// @ts-check
// `npm run build`, and the `prepare` and `prepack` scripts: compiles provider/ and emulator/ into dist/ with tsc,
// unless dist/ already holds the build of exactly these inputs. `prepare` runs on every `npm ci` and `npm install`
// in this repository, on a git install (npm clones, installs the devDependencies, runs it: that is how a git install
// gets dist/), and with `prepack` on every `npm pack` and `npm publish`; `npm test`, `npm run demo` and the consumer
// tests build or pack again right after. A second build of unchanged inputs would spend ~8 s of CPU for nothing, so
// the build records a hash of its inputs in dist/.build-inputs and the next one compares. `--force` always compiles.
// After compiling it deletes outputs of source files that are gone (tsc never does; `npm pack` would ship them).
//
// Plain JavaScript, Node.js only (no bash, no ts-node): a git install runs it on the user's machine, Windows included.
"use strict";
const { spawnSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
/** The source folders tsconfig.json compiles. */
const SOURCES = ["provider", "emulator"];
const RECORD = path.join(root, "dist", ".build-inputs");

/** Every file below `dir` (relative to the repository, "/"-separated), sorted. */
function filesBelow(dir) {
    const out = [];
    const walk = (rel) => {
        for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
            const child = path.posix.join(rel, entry.name);
            if (entry.isDirectory()) walk(child);
            else if (entry.isFile()) out.push(child);
        }
    };
    if (fs.existsSync(path.join(root, dir))) walk(dir);
    return out.sort();
}

/**
 * Hash of what the build's output depends on: every file of the source folders (names and contents, so a deleted or
 * added file counts), tsconfig.json, and the installed dependency tree (npm's node_modules/.package-lock.json, or
 * package-lock.json): the compiler's version and the declarations of the types the sources use.
 */
function inputsHash() {
    const hash = crypto.createHash("sha256");
    const add = (rel) => {
        const file = path.join(root, rel);
        hash.update(`${rel}\0`);
        hash.update(fs.existsSync(file) ? fs.readFileSync(file) : "(none)");
        hash.update("\0");
    };
    for (const dir of SOURCES) for (const rel of filesBelow(dir)) add(rel);
    add("tsconfig.json");
    add(fs.existsSync(path.join(root, "node_modules", ".package-lock.json")) ? "node_modules/.package-lock.json" : "package-lock.json");
    return hash.digest("hex");
}

/** The .js and .d.ts that tsc writes for each source file, relative to the repository. */
function expectedOutputs() {
    return SOURCES.flatMap(filesBelow)
        .filter((rel) => rel.endsWith(".ts") && !rel.endsWith(".d.ts"))
        .flatMap((rel) => {
            const base = path.posix.join("dist", rel.slice(0, -".ts".length));
            return [`${base}.js`, `${base}.d.ts`];
        });
}

/** Deletes what tsc left in dist/ from a source file that is gone (tsc never deletes): it would be packed. */
function removeStaleOutputs() {
    const expected = new Set(expectedOutputs());
    for (const dir of SOURCES) {
        for (const rel of filesBelow(path.posix.join("dist", dir))) {
            if (/\.(js|d\.ts)$/.test(rel) && !expected.has(rel)) fs.rmSync(path.join(root, rel));
        }
    }
}

/** Whether dist/ holds the build of the current inputs: the same hash recorded, and every output there. */
function upToDate(hash) {
    if (!fs.existsSync(RECORD) || fs.readFileSync(RECORD, "utf8").trim() !== hash) return false;
    return expectedOutputs().every((rel) => fs.existsSync(path.join(root, rel)));
}

function main() {
    const force = process.argv.includes("--force");
    const hash = inputsHash();
    // Messages go to stderr: `npm pack --json` prints the lifecycle scripts' stdout before its JSON.
    if (!force && upToDate(hash)) {
        console.error("build: dist/ is up to date (npm run build -- --force compiles anyway)");
        return 0;
    }
    fs.rmSync(RECORD, { force: true });
    let tsc;
    try {
        tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
    } catch {
        console.error("build: TypeScript is not installed; run `npm ci` first (a git install gets it from the devDependencies)");
        return 1;
    }
    console.error("build: compiling provider/ and emulator/ into dist/ (tsc: 15 s to a minute on 2 cores)");
    const result = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.json")], { cwd: root, stdio: "inherit" });
    if (result.status !== 0) return result.status ?? 1;
    removeStaleOutputs();
    fs.writeFileSync(RECORD, `${hash}\n`);
    return 0;
}

if (require.main === module) process.exitCode = main();

module.exports = { expectedOutputs, inputsHash, upToDate };
