/**
 * An example folder as a user copies it: the folder alone in a temporary directory, and `npm install` of the packed
 * package (as `npm install pulumi-pipecat-secrets` would add it) with @pulumi/pulumi at the repository's version (in
 * npm's cache, so the install is quick; every example's range allows it, and the consumer matrix covers the others).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cleanEnv, npmScripts, pack, repoRoot, run } from "../consumer/workspace";

/** The example's source folder, `examples/<name>`. */
export const exampleDir = (name: string): string => path.join(repoRoot, "examples", name);

/** A copy of the example, `<work>/<as>`, installed; `prepare` runs on the copy before the install (a user's own files). */
export async function copyExample(name: string, as: string, prepare?: (app: string) => void): Promise<{ work: string; app: string }> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `example-${name}-`));
    const app = path.join(work, as);
    fs.cpSync(exampleDir(name), app, { recursive: true });
    prepare?.(app);
    const tarball = pack(work).filename;
    const sdk = (
        JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8")) as {
            version: string;
        }
    ).version;
    const install = await run(
        process.execPath,
        [npmScripts().npm, "install", "--no-audit", "--no-fund", "--prefer-offline", tarball, `@pulumi/pulumi@${sdk}`],
        { cwd: app, env: cleanEnv() },
    );
    assert.doesNotMatch(install.stderr, /EBADENGINE|ERESOLVE|peer dep/i, install.stderr);
    return { work, app };
}
