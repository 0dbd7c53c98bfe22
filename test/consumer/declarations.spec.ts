/**
 * The published declarations a program's `tsc` reads: from every entry point, none reaches zod or axios. Pulumi's
 * template tsconfig has neither esModuleInterop nor skipLibCheck, and zod's declarations fail to compile without the
 * first (the consumer matrix's type-check cell saw it when an entry re-exported a function from a module that
 * declared zod types). A fast check of the built tree; consumer.spec.ts compiles a real program.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { repoRoot } from "../support/engine";

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { exports: Record<string, { types?: string }> };

/** Every declaration file a program reads from `entry`, and the bare packages each imports. */
function reached(entry: string): Map<string, string[]> {
    const seen = new Map<string, string[]>();
    const visit = (file: string): void => {
        if (seen.has(file)) return;
        const imports = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true).importedFiles.map((i) => i.fileName);
        seen.set(
            file,
            imports.filter((s) => !s.startsWith(".")),
        );
        for (const s of imports.filter((i) => i.startsWith("."))) {
            const base = path.resolve(path.dirname(file), s);
            const target = [`${base}.d.ts`, path.join(base, "index.d.ts")].find((c) => fs.existsSync(c));
            if (target) visit(target);
        }
    };
    visit(path.join(repoRoot, entry));
    return seen;
}

describe("published declarations", () => {
    for (const [subpath, { types }] of Object.entries(pkg.exports).filter(([, e]) => typeof e === "object" && e.types)) {
        it(`${subpath}: reach neither zod nor axios (nor tar-stream nor @balena/dockerignore)`, () => {
            const offending = [...reached(types!)]
                .filter(([, bare]) =>
                    bare.some(
                        (b) => b === "zod" || b.startsWith("zod/") || b === "axios" || b === "tar-stream" || b === "@balena/dockerignore",
                    ),
                )
                .map(([file]) => path.relative(repoRoot, file));
            assert.deepEqual(offending, []);
        });
    }
});
