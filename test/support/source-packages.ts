/**
 * In the mocha process, the package's own name resolves to its TypeScript sources instead of `dist/`.
 *
 * The shims (`provider/secretset/provider.ts`, `provider/agent/provider.ts`, `provider/build/provider.ts`) require their implementation by package
 * name, and that name resolves through package.json `exports` (a self-reference) to the compiled `dist/`. Without this
 * hook a spec that imports `../../provider` runs the shim from the sources but the implementation from `dist/`: two
 * copies of the implementation, its hooks and `session.ts` in one process, and a change of the sources (an edit not
 * yet built, a mutant of `npm run test:mutation`) never executed. With it every spec runs one copy, the sources.
 *
 * Registered by .mocharc.json after ts-node, so only the mocha process maps: the processes tests start (the engine's
 * provider plugin, consumer programs, the demo) resolve the name as a user's program does, to the built package.
 * Only requests from this repository's own files map (where Node would resolve the name to this package itself);
 * the same name required from anywhere else (a consumer's node_modules) is left to Node. The map is read from package.json `exports`: `./dist/X.js` is served by `./X.ts`.
 */
import * as fs from "node:fs";
import Module = require("node:module");
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const OWN_MODULES = path.join(ROOT, "node_modules");

interface Manifest {
    readonly name: string;
    readonly exports: Readonly<Record<string, string | { readonly default: string }>>;
}

/** Each exported specifier of the package (`pulumi-pipecat-secrets/implementation`) and the source file that serves it. */
export function sourceMap(root: string = ROOT): ReadonlyMap<string, string> {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as Manifest;
    const map = new Map<string, string>();
    for (const [subpath, target] of Object.entries(manifest.exports)) {
        const file = typeof target === "string" ? target : target.default;
        const compiled = /^\.\/dist\/(.+)\.js$/.exec(file);
        if (compiled === null) continue; // ./package.json is itself
        const source = path.join(root, `${compiled[1]}.ts`);
        if (!fs.existsSync(source))
            throw new Error(`test/support/source-packages: ${manifest.name} exports ${subpath} as ${file}, but ${source} does not exist`);
        map.set(subpath === "." ? manifest.name : `${manifest.name}/${subpath.slice(2)}`, source);
    }
    return map;
}

/** Whether `file` is one of this repository's own files, where Node resolves the name as a self-reference. */
function ownFile(file: string): boolean {
    const inside = (base: string) => file.startsWith(base + path.sep);
    return inside(ROOT) && !inside(OWN_MODULES);
}

type Resolve = (request: string, parent: NodeJS.Module | undefined, isMain: boolean, options?: { paths?: string[] }) => string;
const loader = Module as unknown as { _resolveFilename: Resolve };

const SOURCES = sourceMap();
const resolve = loader._resolveFilename;
loader._resolveFilename = function (request, parent, isMain, options) {
    // Decided by the requiring file, as Node decides a self-reference (also for require.resolve(id, { paths })).
    const source = SOURCES.get(request);
    if (source !== undefined && typeof parent?.filename === "string" && ownFile(parent.filename)) return source;
    return resolve.call(this, request, parent, isMain, options);
};
