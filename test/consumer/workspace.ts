// Helpers for tests that use the package as users get it: the tarball `npm pack` makes, installed by npm
// (or pnpm, or a yarn) into a program of its own, run by the Node.js version of a matrix cell.
//
// Node.js runtimes other than the machine's come from scripts/node-runtimes.sh (npm registry packages
// node-linux-<arch>, cached in .node-runtimes/). They hold no npm, so npm is the machine's npm-cli.js,
// run by the cell's node: npm then resolves versions and checks engines for that node. pnpm and the yarns
// are npm registry packages too, unpacked by packageManager() into .package-managers/ (gitignored).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Root of this repository. */
export const repoRoot = path.resolve(__dirname, "..", "..");

/** Lock files of this checkout, outside it (a worktree's node_modules may be another checkout's). */
const locksDir = path.join(os.tmpdir(), `pulumi-pipecat-secrets-locks-${createHash("sha256").update(repoRoot).digest("hex").slice(0, 12)}`);
const held = new Map<string, number>();

/** Blocks the thread for `ms` (the callers are synchronous: execFileSync). */
const sleepSync = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Whether process `pid` is still running (a lock of a dead process is stale). */
function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
}

/**
 * Runs `fn` holding lock `name`, exclusive among the processes that run this checkout's tests (`npm test` runs spec
 * files in parallel worker processes): for a shared download cache (.node-runtimes/, .package-managers/) filled on
 * first use, and for what reads or changes the repository's dist/ as a whole (`npm pack`'s prepack check). Re-entrant
 * within a process. The lock is a file holding its owner's pid, taken with O_EXCL; one left by a process that died is
 * taken over. Synchronous, like its callers.
 */
export function withLock<T>(name: string, fn: () => T): T {
    const depth = held.get(name) ?? 0;
    if (depth === 0) {
        fs.mkdirSync(locksDir, { recursive: true });
        const file = path.join(locksDir, `${name}.lock`);
        const deadline = Date.now() + 15 * 60_000;
        for (;;) {
            try {
                fs.writeFileSync(file, String(process.pid), { flag: "wx" });
                break;
            } catch (err) {
                if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
            }
            let owner = NaN;
            try {
                owner = Number(fs.readFileSync(file, "utf8"));
            } catch {
                continue; // released meanwhile
            }
            if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
                fs.rmSync(file, { force: true });
                continue;
            }
            if (Date.now() > deadline) throw new Error(`lock ${file} still held by process ${owner} after 15 minutes`);
            sleepSync(200);
        }
    }
    held.set(name, depth + 1);
    try {
        return fn();
    } finally {
        held.set(name, depth);
        if (depth === 0) fs.rmSync(path.join(locksDir, `${name}.lock`), { force: true });
    }
}

/**
 * The oldest @pulumi/pulumi the package supports, proven by the consumer matrix. 3.139.0 is the first
 * release whose dynamic providers get `configure` (the stack's `pipecat:*` config); with 3.138.0 the
 * provider never sees `pipecat:apiKey` or `pipecat:apiUrl`. package.json's peer range starts here.
 */
export const OLDEST_PULUMI = "3.139.0";

/** The peer range package.json must declare for @pulumi/pulumi. */
export const PULUMI_PEER_RANGE = `>=${OLDEST_PULUMI} <4.0.0`;

/** A Node.js runtime for a matrix cell. */
export interface NodeRuntime {
    readonly major: number;
    /** As `node --version` prints it, e.g. "v22.23.3". */
    readonly version: string;
    /** Directory holding `node`, to put first on PATH. */
    readonly binDir: string;
    /** The `node` binary. */
    readonly node: string;
}

/**
 * The Node.js runtime of a major version: the machine's own node when it is that major, otherwise one
 * installed by scripts/node-runtimes.sh (which downloads it once). Throws if it cannot be had.
 */
export function nodeRuntime(major: number): NodeRuntime {
    if (Number(process.versions.node.split(".")[0]) === major) {
        return { major, version: process.version, binDir: path.dirname(process.execPath), node: process.execPath };
    }
    const script = path.join(repoRoot, "scripts", "node-runtimes.sh");
    let out: string;
    try {
        // One process at a time: the script replaces .node-runtimes/<major> with a fresh download when it is missing.
        out = withLock("node-runtimes", () =>
            execFileSync("bash", [script, String(major)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
        );
    } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        throw new Error(`Node.js ${major} could not be installed by ${script}: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
    }
    const line = out.trim().split("\n").at(-1) ?? "";
    const match = /^node-runtimes: (\d+) (v\S+) (\S+)/.exec(line);
    if (!match?.[2] || !match[3]) throw new Error(`unexpected output of ${script}: ${out}`);
    return { major, version: match[2], binDir: match[3], node: path.join(match[3], "node") };
}

/** npm's own entry scripts (`npm-cli.js`, `npx-cli.js`), found through the `npm` on PATH. */
export function npmScripts(): { readonly npm: string; readonly npx: string } {
    for (const dir of (cleanEnv().PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(dir, "npm");
        if (!dir || !fs.existsSync(candidate)) continue;
        const real = fs.realpathSync(candidate);
        const binDir = path.dirname(real);
        const npm = path.join(binDir, "npm-cli.js");
        const npx = path.join(binDir, "npx-cli.js");
        if (fs.existsSync(npm) && fs.existsSync(npx)) return { npm, npx };
    }
    throw new Error("npm-cli.js not found through the npm on PATH");
}

/** One file of `npm pack --json` output. */
export interface PackedFile {
    readonly path: string;
    readonly size: number;
    readonly mode: number;
}

/** What `npm pack --json` reports about the tarball. */
export interface PackResult {
    readonly filename: string;
    readonly files: readonly PackedFile[];
    readonly size: number;
    readonly unpackedSize: number;
}

/**
 * Runs `npm pack` in the repository (or in `dir`, a clone of it): with `destination` it writes the tarball there
 * and returns its report (with the tarball's absolute path as `filename`); without, it is a dry run. Either way npm
 * runs the `prepack` script (the build, then scripts/check-pack.ts) and `prepare`. With `spec` it packs that package
 * from the registry instead (npm fetches it through its cache and installs nothing).
 */
export function pack(destination?: string, spec?: string, dir: string = repoRoot): PackResult {
    const args = [
        "pack",
        "--json",
        "--loglevel=error",
        ...(destination ? ["--pack-destination", destination] : ["--dry-run"]),
        ...(spec ? [spec] : []),
    ];
    // stderr is kept (in the error when npm fails): the prepack and prepare scripts' lines would clutter the test output.
    const npmPack = () =>
        execFileSync(process.execPath, [npmScripts().npm, ...args], {
            cwd: dir,
            encoding: "utf8",
            env: cleanEnv(),
            stdio: ["ignore", "pipe", "pipe"],
        });
    // Packing this repository reads all of dist/: never while a test changes it (withDistLock).
    const out = !spec && dir === repoRoot ? withDistLock(npmPack) : npmPack();
    const [result] = JSON.parse(out) as PackResult[];
    if (!result) throw new Error(`npm pack printed no result: ${out}`);
    return destination ? { ...result, filename: path.join(destination, result.filename) } : result;
}

/**
 * Runs `fn` while no other test process packs this repository (or changes its dist/ under this lock): for a test that
 * puts a file into dist/ for a moment (test/consumer/pack.spec.ts), which another process's `npm pack` would ship.
 */
export const withDistLock = <T>(fn: () => T): T => withLock("dist", fn);

/**
 * The caller's environment without what would tie a consumer to this repository or to the caller's Pulumi:
 * no PULUMI_* variable, no NODE_OPTIONS, and no PATH entry inside the repository (npm scripts put
 * node_modules/.bin there).
 */
export function cleanEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
        if (!key.startsWith("PULUMI_") && key !== "NODE_OPTIONS") env[key] = value;
    }
    env.PATH = (process.env.PATH ?? "")
        .split(path.delimiter)
        .filter((dir) => dir !== "" && !isInside(repoRoot, path.resolve(dir)))
        .join(path.delimiter);
    return env;
}

/** Whether `file` is `dir` or lies below it. */
export function isInside(dir: string, file: string): boolean {
    const rel = path.relative(dir, file);
    return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

import { type RunResult, runProcess } from "../support/process";

export { type RunOptions, type RunResult, runProcess as run } from "../support/process";

/**
 * Every installed copy of package `name` below `root`'s node_modules, nested ones and pnpm's virtual store
 * (node_modules/.pnpm/<package>/node_modules) included, by the real directories holding its package.json: links to
 * one copy (pnpm's, a workspace's) count once. Links are not followed further down.
 */
export function installedCopies(root: string, name: string): string[] {
    const copies = new Set<string>();
    const visit = (nodeModules: string): void => {
        if (!fs.existsSync(nodeModules)) return;
        if (fs.existsSync(path.join(nodeModules, name, "package.json"))) copies.add(fs.realpathSync(path.join(nodeModules, name)));
        for (const entry of fs.readdirSync(nodeModules, { withFileTypes: true })) {
            if (entry.name === ".pnpm" && entry.isDirectory()) {
                for (const stored of fs.readdirSync(path.join(nodeModules, entry.name)))
                    visit(path.join(nodeModules, entry.name, stored, "node_modules"));
            }
            if (entry.name.startsWith(".")) continue;
            const dirs =
                entry.name.startsWith("@") && entry.isDirectory()
                    ? fs.readdirSync(path.join(nodeModules, entry.name)).map((sub) => path.join(nodeModules, entry.name, sub))
                    : [path.join(nodeModules, entry.name)];
            for (const dir of dirs) {
                if (!fs.lstatSync(dir).isSymbolicLink()) visit(path.join(dir, "node_modules"));
            }
        }
    };
    visit(path.join(root, "node_modules"));
    return [...copies];
}

/** Compares dotted versions numerically ("3.248.0" < "3.276.0"); pre-release tags are not supported. */
export function compareVersions(a: string, b: string): number {
    const pa = a.split(".").map(Number);
    const pb = b.split(".").map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const d = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (d !== 0) return d;
    }
    return 0;
}

/** The package managers consumer programs are installed with besides npm. */
export type ManagerName = "pnpm" | "yarn" | "yarn-berry";

/**
 * Each manager, pinned, as an npm registry package: pnpm 12 is a native binary (the package pnpm's own installer
 * takes for this platform), yarn 1 and yarn 4 are single JavaScript files run by the cell's node.
 */
const MANAGERS: Record<ManagerName, { readonly spec: string; readonly version: string; readonly entry: string; readonly native: boolean }> =
    {
        pnpm: { spec: `@pnpm/exe.${process.platform}-${process.arch}@12.23.0`, version: "12.23.0", entry: "pnpm", native: true },
        yarn: { spec: "yarn@1.22.22", version: "1.22.22", entry: "bin/yarn.js", native: false },
        "yarn-berry": { spec: "@yarnpkg/cli-dist@4.18.1", version: "4.18.1", entry: "bin/yarn.js", native: false },
    };

/** Where package managers and their download caches live (gitignored); delete it to fetch everything again. */
export const packageManagersDir = path.join(repoRoot, ".package-managers");

/** A package manager ready to run for one cell. */
export interface PackageManager {
    readonly name: ManagerName;
    readonly version: string;
    /** Runs it in `cwd` with the cell's environment, its caches in packageManagersDir. */
    run(args: readonly string[], cwd: string): Promise<RunResult>;
}

let npmRegistry: string | undefined;
/** The registry npm is configured with: the yarns are pointed at it too, so every manager installs from the same one. */
function registry(): string {
    npmRegistry ??= execFileSync(process.execPath, [npmScripts().npm, "config", "get", "registry"], {
        encoding: "utf8",
        env: cleanEnv(),
    }).trim();
    return npmRegistry;
}

/**
 * Package manager `name`, unpacked from the npm registry into packageManagersDir/<name>@<version> on first use, and
 * run with the cell's `env` (whose PATH starts with the cell's node). Caches: pnpm's store and metadata, yarn 1's
 * cache folder and yarn 4's global folder, all in packageManagersDir, like npm's own cache in ~/.npm.
 */
export function packageManager(name: ManagerName, node: string, env: NodeJS.ProcessEnv): PackageManager {
    const { spec, version, entry, native } = MANAGERS[name];
    const home = path.join(packageManagersDir, `${name}@${version}`);
    const program = path.join(home, entry);
    // One process at a time, and checked again under the lock: a download replaces packageManagersDir/<name>@<version>.
    withLock("package-managers", () => {
        if (fs.existsSync(program)) return;
        fs.mkdirSync(packageManagersDir, { recursive: true });
        const tmp = fs.mkdtempSync(path.join(packageManagersDir, ".download-"));
        try {
            const unpacked = path.join(tmp, "unpacked");
            fs.mkdirSync(unpacked);
            execFileSync("tar", ["-xzf", pack(tmp, spec).filename, "-C", unpacked, "--strip-components=1"]);
            fs.rmSync(home, { recursive: true, force: true });
            fs.renameSync(unpacked, home);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
    const caches = (sub: string) => path.join(packageManagersDir, `${name}-${sub}`);
    const command = native ? [program] : [node, program];
    const extra: Record<ManagerName, { args: string[]; env: Record<string, string> }> = {
        pnpm: { args: ["--store-dir", caches("store"), "--cache-dir", caches("cache")], env: {} },
        yarn: { args: ["--cache-folder", caches("cache"), "--registry", registry(), "--non-interactive", "--no-progress"], env: {} },
        // CI=true makes yarn 4 refuse to write a lockfile unless told otherwise.
        "yarn-berry": {
            args: [],
            env: {
                YARN_GLOBAL_FOLDER: caches("global"),
                YARN_NPM_REGISTRY_SERVER: registry(),
                YARN_ENABLE_TELEMETRY: "0",
                YARN_ENABLE_IMMUTABLE_INSTALLS: "false",
            },
        },
    };
    const [bin, ...prefix] = command;
    return {
        name,
        version,
        run: (args, cwd) => runProcess(bin!, [...prefix, ...args, ...extra[name].args], { cwd, env: { ...env, ...extra[name].env } }),
    };
}
