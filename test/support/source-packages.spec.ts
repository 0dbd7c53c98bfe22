/**
 * The mocha process's map of the package's own name to its sources (source-packages.ts, registered by .mocharc.json).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { sourceMap } from "./source-packages";

const ROOT = path.resolve(__dirname, "..", "..");
const SOURCES = {
    "pulumi-pipecat-secrets": "provider/index.ts",
    "pulumi-pipecat-secrets/implementation": "provider/secretset/implementation.ts",
    "pulumi-pipecat-secrets/agent/implementation": "provider/agent/implementation.ts",
    "pulumi-pipecat-secrets/build/implementation": "provider/build/implementation.ts",
    "pulumi-pipecat-secrets/emulator": "emulator/index.ts",
    "pulumi-pipecat-secrets/organization/implementation": "provider/organization/implementation.ts",
};

describe("source-packages: the package's own name in the mocha process", () => {
    it("maps every name package.json exports, except package.json, to the source of its compiled file", () => {
        assert.deepEqual(Object.fromEntries([...sourceMap()].map(([name, file]) => [name, path.relative(ROOT, file)])), SOURCES);
    });

    it("resolves each name, required from a spec, to that source", () => {
        for (const [name, file] of Object.entries(SOURCES)) assert.equal(require.resolve(name), path.join(ROOT, file), name);
    });

    it("gives the shims the very modules the specs import from the sources", () => {
        assert.equal(require("pulumi-pipecat-secrets/implementation"), require("../../provider/secretset/implementation"));
        assert.equal(require("pulumi-pipecat-secrets/agent/implementation"), require("../../provider/agent/implementation"));
        // The require of the shim's own file resolves like the spec's.
        const shim = createRequire(path.join(ROOT, "provider", "secretset", "provider.ts"));
        assert.equal(shim("pulumi-pipecat-secrets/implementation"), require("../../provider/secretset/implementation"));
    });

    it("leaves the name to Node when it is resolved from outside the repository", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "source-packages-"));
        try {
            const installed = path.join(dir, "node_modules", "pulumi-pipecat-secrets");
            fs.mkdirSync(installed, { recursive: true });
            fs.writeFileSync(path.join(installed, "package.json"), JSON.stringify({ name: "pulumi-pipecat-secrets", main: "index.js" }));
            fs.writeFileSync(path.join(installed, "index.js"), "");
            assert.equal(createRequire(path.join(dir, "program.js")).resolve("pulumi-pipecat-secrets"), path.join(installed, "index.js"));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("does not reach the processes tests start: there the name resolves to the built package (npm run build)", () => {
        const names = Object.keys(SOURCES);
        const child = spawnSync(
            process.execPath,
            ["-e", `console.log(JSON.stringify(${JSON.stringify(names)}.map((n) => require.resolve(n))))`],
            { cwd: ROOT, encoding: "utf8" },
        );
        assert.equal(child.status, 0, child.stderr);
        const compiled = (file: string) => path.join(ROOT, "dist", file.replace(/\.ts$/, ".js"));
        assert.deepEqual(JSON.parse(child.stdout), Object.values(SOURCES).map(compiled));
    });
});
