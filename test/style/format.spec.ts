/**
 * One formatter for the whole repository: Prettier, with `.prettierrc.json` and `.prettierignore`. `npm run format`
 * rewrites; this spec (part of `npm test`) fails on any file that differs from what Prettier would write, and names it.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../support/engine";

const prettier = path.join(repoRoot, "node_modules", "prettier", "bin", "prettier.cjs");

function check(...args: string[]) {
    return spawnSync(process.execPath, [prettier, "--check", ...args], { cwd: repoRoot, encoding: "utf8" });
}

describe("format (Prettier)", () => {
    it("every source, script, test and config file is as Prettier writes it", function () {
        // Prettier reads the whole repository: about 12 s of CPU, more of wall time on a loaded machine.
        this.timeout(120_000);
        const run = check(".");
        assert.equal(run.status, 0, `not formatted (run \`npm run format\`):\n${run.stdout}${run.stderr}`);
    });

    it("names a file that is not formatted", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "format-"));
        try {
            const file = path.join(dir, "ugly.ts");
            fs.writeFileSync(file, "const  a = {b:1}\n");
            const run = check("--config", path.join(repoRoot, ".prettierrc.json"), file);
            assert.equal(run.status, 1);
            assert.match(run.stdout + run.stderr, /ugly\.ts/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
