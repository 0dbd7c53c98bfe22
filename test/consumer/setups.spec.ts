/**
 * The packed package in every way a Pulumi TypeScript or JavaScript program is commonly installed and run, beyond
 * consumer.spec.ts's npm programs: pnpm (isolated node_modules, nothing hoisted), yarn 1, yarn 4 with its
 * node_modules linker, an npm workspaces monorepo (the program in a sub-package, dependencies hoisted to the root),
 * an ES module program, and the Automation API with an inline program. Each cell installs the tarball with that
 * setup's package manager into a fresh program (Node 22, the latest @pulumi/pulumi) and runs it through the real
 * engine against an emulator: preview, up, a key change, destroy (program.ts's lifecycleTests).
 *
 * Every cell checks that its program has exactly one @pulumi/pulumi and one copy of the package: on disk (every
 * node_modules, pnpm's virtual store included, by real directory), and as its processes loaded them (module-probe.js
 * in the program's process and in every dynamic-provider process: one directory of each, the one the program's
 * folder resolves to). pnpm, yarn and the yarns' caches come from the npm registry into .package-managers/.
 *
 * Where Pulumi cannot run dynamic providers at all (yarn Plug'n'Play, `runtime: bun`, programs in other languages),
 * README.md says so; the Automation API cell also proves which directory the dynamic provider runs in.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Emulator, startEmulator } from "../../emulator";
import type { Haystack } from "../support/leaks";
import {
    API_KEY,
    CREATE_KEYS,
    type Lang,
    PULUMI_TEMPLATE_TSCONFIG,
    type ProcessRecord,
    type PulumiCli,
    TYPESCRIPT_TOOLS,
    cellReporter,
    cellResult,
    initStack,
    isSdkCommand,
    lifecycleTests,
    packedWorkspace,
    loadedCopies,
    probeEnv,
    programSource,
    projectYaml,
    pulumiCli,
    readProbes,
    stackConfig,
    stackEnv,
    timesDetail,
    write,
} from "./program";
import {
    type ManagerName,
    type NodeRuntime,
    type RunResult,
    cleanEnv,
    compareVersions,
    installedCopies,
    isInside,
    nodeRuntime,
    npmScripts,
    packageManager,
    repoRoot,
    run,
} from "./workspace";

/** Every setup runs on this Node.js with the newest @pulumi/pulumi npm offers for it. */
const NODE = 22;
const PULUMI = "^3";
const PULUMI_AT_LEAST = "3.276.0";

/** What a setup's install step gets. */
interface InstallContext {
    /** The cell's folder: the program's folder (and a monorepo's root) are made below it. */
    readonly root: string;
    readonly tarball: string;
    /** Runs the setup's package manager (npm, pnpm or a yarn) in a folder. */
    readonly install: (args: readonly string[], cwd: string) => Promise<RunResult>;
}

/** Where a setup put the program. */
interface Layout {
    /** The folder of Pulumi.yaml (or of the Automation API driver) and the program's source. */
    readonly programDir: string;
    /** The folder whose node_modules holds the program's dependencies: programDir, or a monorepo's root. */
    readonly installRoot: string;
}

interface Setup {
    /** Name of the cell (`mocha -g`). */
    readonly id: string;
    /** What the cell proves, for its line. */
    readonly what: string;
    readonly lang: Lang;
    /** The package manager; npm if absent. */
    readonly manager?: ManagerName;
    /** More `runtime.options` in Pulumi.yaml. */
    readonly options?: Record<string, string>;
    /** Run through the Automation API (automation-driver.js) instead of the CLI: no Pulumi.yaml in the program. */
    readonly automation?: boolean;
    /** Writes the program's package.json (and the manager's files) and installs @pulumi/pulumi and the tarball. */
    install(c: InstallContext): Promise<Layout>;
    /** What the setup's layout must look like once installed, beyond one copy of each package. */
    checkLayout?(layout: Layout): void | Promise<void>;
    /** What the processes that ran the program must have loaded, beyond one copy of each package. */
    checkPrograms?(programs: readonly ProcessRecord[], layout: Layout): void;
}

const flags = ["--no-audit", "--no-fund", "--prefer-offline"];
/** What npm, pnpm, yarn 1 and yarn 4 print for a missing or unsatisfied peer, or a package refusing this Node.js. */
const INSTALL_PROBLEM = /EBADENGINE|ERESOLVE|peer dep|unmet peer|YN0002|YN0060|incompatible/i;
const exists = (...parts: string[]) => fs.existsSync(path.join(...parts));

/** A program folder `app` below the cell's folder with a package.json, as `pulumi new` leaves it. */
function app(c: InstallContext, manifest: Record<string, unknown>): string {
    const dir = path.join(c.root, "app");
    write(path.join(dir, "package.json"), { name: "consumer-app", private: true, ...manifest });
    return dir;
}

const SETUPS: readonly Setup[] = [
    {
        id: "pnpm",
        what: "pnpm, packagemanager: pnpm, isolated node_modules with nothing hoisted, TypeScript",
        lang: "ts",
        manager: "pnpm",
        options: { packagemanager: "pnpm" },
        async install(c) {
            const dir = app(c, { main: "index.ts" });
            // As `pulumi new` writes it for pnpm (pnpm >= 11 fails an install whose build scripts are not listed),
            // plus pnpm's strictest layout: each package sees only what it declares, nothing is hoisted.
            write(
                path.join(dir, "pnpm-workspace.yaml"),
                "allowBuilds:\n  protobufjs: false\nnodeLinker: isolated\nhoist: false\npublicHoistPattern: []\n",
            );
            write(path.join(dir, "tsconfig.json"), PULUMI_TEMPLATE_TSCONFIG);
            await c.install(["add", `@pulumi/pulumi@${PULUMI}`, ...TYPESCRIPT_TOOLS], dir);
            await c.install(["add", c.tarball], dir);
            return { programDir: dir, installRoot: dir };
        },
        checkLayout({ programDir }) {
            const state = JSON.parse(fs.readFileSync(path.join(programDir, "node_modules", ".modules.yaml"), "utf8")) as Record<
                string,
                unknown
            >;
            assert.equal(state.nodeLinker, "isolated");
            assert.deepEqual(state.hoistedDependencies, {});
            assert.deepEqual(state.publicHoistPattern, []);
            assert.equal(
                exists(programDir, "node_modules", ".pnpm", "node_modules"),
                false,
                "pnpm hoisted packages into .pnpm/node_modules",
            );
            // The package is a link into pnpm's virtual store, where only its own dependencies and peers sit beside it.
            const link = path.join(programDir, "node_modules", "pulumi-pipecat-secrets");
            assert.ok(fs.lstatSync(link).isSymbolicLink());
            const beside = fs.readdirSync(path.dirname(fs.realpathSync(link))).sort();
            const ours = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as Record<
                string,
                Record<string, string> | undefined
            >;
            const declared = [
                "pulumi-pipecat-secrets",
                ...Object.keys(ours.dependencies ?? {}),
                ...Object.keys(ours.peerDependencies ?? {}),
            ];
            assert.deepEqual(beside, [...new Set(declared.map((name) => name.split("/")[0]!))].sort());
        },
    },
    {
        id: "yarn classic",
        what: "yarn 1, packagemanager: yarn, JavaScript",
        lang: "js",
        manager: "yarn",
        options: { packagemanager: "yarn" },
        async install(c) {
            const dir = app(c, { main: "index.js" });
            await c.install(["add", `@pulumi/pulumi@${PULUMI}`, `file:${c.tarball}`], dir);
            return { programDir: dir, installRoot: dir };
        },
        checkLayout({ programDir }) {
            assert.ok(exists(programDir, "yarn.lock") && exists(programDir, "node_modules", ".yarn-integrity"), "not a yarn 1 install");
        },
    },
    {
        id: "yarn berry node-modules",
        what: "yarn 4 with nodeLinker: node-modules (the workaround for Plug'n'Play), JavaScript",
        lang: "js",
        manager: "yarn-berry",
        options: { packagemanager: "yarn" },
        async install(c) {
            const dir = app(c, { main: "index.js" });
            write(path.join(dir, ".yarnrc.yml"), "nodeLinker: node-modules\n");
            await c.install(["add", `@pulumi/pulumi@${PULUMI}`, `pulumi-pipecat-secrets@file:${c.tarball}`], dir);
            return { programDir: dir, installRoot: dir };
        },
        checkLayout({ programDir }) {
            assert.ok(exists(programDir, "node_modules", ".yarn-state.yml"), "not a yarn 4 node_modules install");
            assert.equal(exists(programDir, ".pnp.cjs"), false, "yarn 4 wrote a Plug'n'Play map");
        },
    },
    {
        id: "npm workspaces",
        what: "an npm workspaces monorepo, the program in packages/infra, dependencies hoisted to the root, JavaScript",
        lang: "js",
        async install(c) {
            const root = path.join(c.root, "monorepo");
            const programDir = path.join(root, "packages", "infra");
            write(path.join(root, "package.json"), { name: "monorepo", private: true, workspaces: ["packages/*"] });
            write(path.join(programDir, "package.json"), { name: "infra", private: true, main: "index.js" });
            await c.install(["install", ...flags, "--workspace", "infra", `@pulumi/pulumi@${PULUMI}`, c.tarball], root);
            return { programDir, installRoot: root };
        },
        async checkLayout({ programDir, installRoot }) {
            for (const name of ["@pulumi/pulumi", "pulumi-pipecat-secrets"]) {
                assert.ok(exists(installRoot, "node_modules", name, "package.json"), `${name} is not hoisted to the root`);
                assert.equal(exists(programDir, "node_modules", name), false, `${name} is installed in the program's folder too`);
            }
            await npmIn(installRoot, ["ls", "--all"]); // exits non-zero on a missing or invalid peer
        },
    },
    {
        id: "ESM",
        what: 'an ES module program ("type": "module", import { SecretSet }), TypeScript in @pulumi/pulumi\'s automatic ESM mode',
        lang: "ts",
        async install(c) {
            const dir = app(c, { type: "module", main: "index.ts" });
            // Pulumi's runner compiles a "type": "module" program with ts-node's ESM loader (module nodenext).
            write(path.join(dir, "tsconfig.json"), {
                compilerOptions: { strict: true, target: "es2022", module: "nodenext", moduleResolution: "nodenext", sourceMap: true },
                files: ["index.ts"],
            });
            await c.install(["install", ...flags, `@pulumi/pulumi@${PULUMI}`, ...TYPESCRIPT_TOOLS, c.tarball], dir);
            return { programDir: dir, installRoot: dir };
        },
        async checkLayout({ programDir }) {
            // A JavaScript ES module gets every subpath's named exports (Node.js reads them from the CommonJS files).
            const script = `
import { Agent, SecretSet } from "pulumi-pipecat-secrets";
import { create, configure } from "pulumi-pipecat-secrets/implementation";
import { create as createAgent } from "pulumi-pipecat-secrets/agent/implementation";
import { startEmulator } from "pulumi-pipecat-secrets/emulator";
console.log(JSON.stringify([Agent, SecretSet, create, configure, createAgent, startEmulator].map((f) => typeof f)));
`;
            const out = await run(runtimeOf().node, ["--input-type=module", "-e", script], { cwd: programDir, env: cleanEnv() });
            assert.deepEqual(JSON.parse(out.stdout), Array(6).fill("function"));
        },
        checkPrograms(programs, { programDir }) {
            // The runner's automatic ESM mode registers its loader hooks (ts-node's ESM loader) instead of ts-node's require hook.
            const hooks = path.join(resolvePackage(programDir, "@pulumi/pulumi"), "cmd", "run", "hooks.js");
            for (const p of programs)
                assert.ok(
                    p.resolved.some((r) => r.file === hooks),
                    `${p.argv.slice(1).join(" ")} did not register ${hooks}`,
                );
        },
    },
    {
        id: "Automation API",
        what: "the Automation API with an inline program, started in the program's folder, workDir elsewhere, JavaScript",
        lang: "js",
        automation: true,
        async install(c) {
            const dir = app(c, { main: "index.js" });
            fs.copyFileSync(path.join(__dirname, "automation-driver.js"), path.join(dir, "automation.js"));
            await c.install(["install", ...flags, `@pulumi/pulumi@${PULUMI}`, c.tarball], dir);
            return { programDir: dir, installRoot: dir };
        },
    },
];

/**
 * The real directory of package `name` as Node.js resolves it from `dir`: the first node_modules/<name> of `dir` and
 * its parents. (require.resolve with `paths` would find this repository itself, by its own package name.)
 */
function resolvePackage(dir: string, name: string): string {
    for (let at = dir; ; at = path.dirname(at)) {
        const candidate = path.join(at, "node_modules", name);
        if (fs.existsSync(path.join(candidate, "package.json"))) return fs.realpathSync(candidate);
        if (path.dirname(at) === at) throw new Error(`${name} does not resolve from ${dir}`);
    }
}

let cellRuntime: NodeRuntime | undefined;
/** The cells' Node.js, installed by the first cell's `before`. */
const runtimeOf = (): NodeRuntime => {
    cellRuntime ??= nodeRuntime(NODE);
    return cellRuntime;
};
/** The machine's npm, run by the cells' Node.js, with that Node.js first on PATH. */
const npmEnv = (): NodeJS.ProcessEnv => {
    const env = cleanEnv();
    return { ...env, PATH: [runtimeOf().binDir, env.PATH].join(path.delimiter) };
};
const npmIn = (cwd: string, args: readonly string[]): Promise<RunResult> =>
    run(runtimeOf().node, [npmScripts().npm, ...args], { cwd, env: npmEnv() });

const { report, summary } = cellReporter("consumer setups");

describe("consumer setups: every way a program is installed and run", function () {
    this.timeout(600_000);

    const { workRoot, tarball } = packedWorkspace("pulumi-setups-", summary);

    for (const setup of SETUPS) {
        describe(`${setup.id}: ${setup.what}`, function () {
            let layout: Layout | undefined;
            let cellRoot: string;
            let probeDir: string;
            let emulator: Emulator;
            let pulumi: PulumiCli;
            const outputs: Haystack[] = [];
            /** What each install printed. */
            const installs: RunResult[] = [];
            let managerLabel = setup.manager ?? "npm";
            let pulumiVersion = "?";
            let started = Date.now();
            const times: Record<string, number> = {};
            let failed = 0;
            const prefix = `setup-${setup.id.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
            const resolvedDir = (name: string) => resolvePackage(layout!.programDir, name);

            before(async function () {
                this.timeout(300_000);
                started = Date.now();
                const runtime = runtimeOf();
                times.runtime = Date.now() - started;
                cellRoot = fs.mkdtempSync(path.join(workRoot(), `${prefix}-`));
                probeDir = path.join(cellRoot, "probe");
                let t0 = Date.now();
                const manager = setup.manager ? packageManager(setup.manager, runtime.node, npmEnv()) : undefined;
                if (manager) {
                    managerLabel = `${manager.name}@${manager.version}`;
                    times.manager = Date.now() - t0;
                }
                t0 = Date.now();
                const install = async (args: readonly string[], cwd: string) => {
                    const result = await (manager ? manager.run(args, cwd) : npmIn(cwd, args));
                    installs.push(result);
                    return result;
                };
                layout = await setup.install({ root: cellRoot, tarball: tarball(), install });
                times.install = Date.now() - t0;
                pulumiVersion = (
                    JSON.parse(fs.readFileSync(path.join(resolvedDir("@pulumi/pulumi"), "package.json"), "utf8")) as { version: string }
                ).version;

                t0 = Date.now();
                emulator = await startEmulator({ apiKey: API_KEY });
                const { programDir } = layout;
                write(path.join(programDir, `index.${setup.lang}`), programSource(setup.lang, prefix, CREATE_KEYS));
                const env: NodeJS.ProcessEnv = { ...stackEnv(path.join(cellRoot, "pulumi"), runtime), ...probeEnv(cellRoot, probeDir) };
                if (setup.automation) {
                    // workDir outside the program's folder: what counts is the folder the driver runs in (see its tests below).
                    env.AUTOMATION_WORKDIR = path.join(cellRoot, "workdir");
                    fs.mkdirSync(env.AUTOMATION_WORKDIR);
                    // The driver sets the whole config as it makes the stack: one process instead of five.
                    env.AUTOMATION_CONFIG = JSON.stringify(stackConfig(emulator.url));
                    pulumi = pulumiCli(programDir, env, outputs, setup.id, [runtime.node, path.join(programDir, "automation.js")]);
                    await pulumi("stack init", ["stack", "init", "consumer"]);
                } else {
                    write(path.join(programDir, "Pulumi.yaml"), projectYaml(setup.lang, prefix, setup.options));
                    pulumi = pulumiCli(programDir, env, outputs, setup.id);
                    await initStack(pulumi, emulator.url);
                }
                emulator.clearRequests();
                times.stack = Date.now() - t0;
            });

            afterEach(function () {
                if (this.currentTest?.state === "failed") failed++;
            });

            after(async () => {
                await emulator?.close();
                // Each cell's folder goes at its end (its node_modules are large), so that its time shows in its line.
                const t0 = Date.now();
                if (cellRoot) fs.rmSync(cellRoot, { recursive: true, force: true });
                times.cleanup = Date.now() - t0;
                report({
                    label: `${setup.id}: Node ${cellRuntime?.version ?? `${NODE} (not installed)`} + @pulumi/pulumi ${pulumiVersion}, ${managerLabel}`,
                    result: cellResult(layout !== undefined, failed),
                    timeMs: Date.now() - started,
                    detail: timesDetail(times),
                });
            });

            it(`installs one @pulumi/pulumi (at least ${PULUMI_AT_LEAST}) and one copy of the package, from the tarball`, async () => {
                const { programDir, installRoot } = layout!;
                for (const out of installs) assert.doesNotMatch(out.stdout + out.stderr, INSTALL_PROBLEM, out.stdout + out.stderr);
                assert.ok(
                    compareVersions(pulumiVersion, PULUMI_AT_LEAST) >= 0,
                    `@pulumi/pulumi ${pulumiVersion} installed, expected >= ${PULUMI_AT_LEAST}`,
                );
                const everywhere = (name: string) => [...new Set([installRoot, programDir].flatMap((dir) => installedCopies(dir, name)))];
                assert.deepEqual(everywhere("@pulumi/pulumi"), [resolvedDir("@pulumi/pulumi")]);
                const ours = resolvedDir("pulumi-pipecat-secrets");
                assert.deepEqual(everywhere("pulumi-pipecat-secrets"), [ours]);
                // Unpacked from the tarball into the program's install, not a link into this repository.
                assert.ok(isInside(fs.realpathSync(installRoot), ours), ours);
                const version = (file: string) => (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
                assert.equal(version(path.join(ours, "package.json")), version(path.join(repoRoot, "package.json")));
                assert.equal(
                    fs.readFileSync(path.join(ours, "dist", "provider", "index.js"), "utf8"),
                    fs.readFileSync(path.join(repoRoot, "dist", "provider", "index.js"), "utf8"),
                    "the installed package is not this build (a stale cache?)",
                );
                await setup.checkLayout?.(layout!);
            });

            describe("the program's life cycle", function () {
                let lifecycleStarted = 0;
                before(() => (lifecycleStarted = Date.now()));
                after(() => (times.lifecycle = Date.now() - lifecycleStarted));
                lifecycleTests(() => ({
                    prefix,
                    lang: setup.lang,
                    programFile: path.join(layout!.programDir, `index.${setup.lang}`),
                    emulator,
                    pulumi,
                    outputs,
                }));
            });

            describe("the processes Pulumi started", () => {
                const processes = (): ProcessRecord[] => readProbes(probeDir);
                const providers = () => processes().filter((p) => isSdkCommand(p, "dynamic-provider"));
                /** The processes that ran the program: @pulumi/pulumi's runner, or the Automation API driver's preview and up. */
                const programs = () =>
                    processes().filter((p) =>
                        setup.automation
                            ? p.argv[1] === path.join(layout!.programDir, "automation.js") && ["preview", "up"].includes(p.argv[2] ?? "")
                            : isSdkCommand(p, "run"),
                    );

                it(`ran on Node ${NODE} only, in the program's folder, resolving modules only inside its install`, () => {
                    const all = processes();
                    assert.ok(
                        programs().length >= 3 && providers().length >= 4,
                        `${programs().length} program and ${providers().length} provider processes recorded`,
                    );
                    const installed = fs.realpathSync(layout!.installRoot);
                    for (const p of all) {
                        assert.equal(p.version, runtimeOf().version, `${p.argv.join(" ")} ran on ${p.execPath}`);
                        assert.equal(p.cwd, layout!.programDir, `${p.argv.join(" ")} ran in ${p.cwd}`);
                        const outside = p.resolved.filter((r) => path.isAbsolute(r.file) && !isInside(installed, r.file));
                        assert.deepEqual(outside, [], `${p.argv.slice(1).join(" ")} resolved modules outside ${installed}`);
                    }
                });

                it("loaded one @pulumi/pulumi and one copy of the package, the program's, in the program and in every provider", () => {
                    const sdk = resolvedDir("@pulumi/pulumi");
                    const ours = resolvedDir("pulumi-pipecat-secrets");
                    for (const group of [programs(), providers()]) {
                        assert.deepEqual(loadedCopies(group, "@pulumi/pulumi"), [sdk]);
                        assert.deepEqual(loadedCopies(group, "pulumi-pipecat-secrets"), [ours]);
                    }
                    // Each program run loaded the package's entry point (an ES module's import shows as the entry's own requires).
                    const entry = path.join(ours, "dist", "provider", "index.js");
                    for (const p of programs()) {
                        assert.ok(
                            p.resolved.some((r) => r.file === entry || r.from === entry),
                            `${p.argv.slice(1).join(" ")} did not load ${entry}`,
                        );
                    }
                    // The serialized provider's require("pulumi-pipecat-secrets/implementation"), resolved from the program's folder.
                    const implementation = path.join(ours, "dist", "provider", "secretset", "implementation.js");
                    const required = providers().filter((p) =>
                        p.resolved.some((r) => r.request === "pulumi-pipecat-secrets/implementation" && r.file === implementation),
                    );
                    assert.ok(
                        required.length >= 4,
                        `${required.length} of ${providers().length} provider processes required ${implementation}`,
                    );
                    setup.checkPrograms?.(programs(), layout!);
                });
            });

            if (setup.automation) automationWorkingDirectoryTests(() => ({ layout: layout!, cellRoot, emulator, outputs }));
        });
    }
});

/**
 * Which directory the Automation API's dynamic provider needs. The engine starts the provider in the project's `main`
 * directory; for an inline program, LocalWorkspace writes a Pulumi.yaml into workDir (a new temporary directory by
 * default) whose `main` is `process.cwd()`. So the provider resolves the package from the folder the Automation
 * program was started in, wherever workDir is, unless `projectSettings` gives `main`.
 */
function automationWorkingDirectoryTests(cell: () => { layout: Layout; cellRoot: string; emulator: Emulator; outputs: Haystack[] }): void {
    describe("the working directory of an inline program's dynamic provider", () => {
        /** The driver in the program's folder, started in `cwd`, with a workDir and stack of its own (no probe). */
        const driver = (name: string, cwd: string, extra: Record<string, string> = {}): PulumiCli => {
            const { layout, cellRoot, emulator, outputs } = cell();
            const runtime = runtimeOf();
            const workDir = path.join(cellRoot, `workdir-${name}`);
            fs.mkdirSync(workDir, { recursive: true });
            fs.mkdirSync(cwd, { recursive: true });
            const env = {
                ...stackEnv(path.join(cellRoot, `pulumi-${name}`), runtime),
                AUTOMATION_WORKDIR: workDir,
                AUTOMATION_STACK: name,
                AUTOMATION_CONFIG: JSON.stringify(stackConfig(emulator.url)),
                ...extra,
            };
            return pulumiCli(cwd, env, outputs, `automation ${name}`, [runtime.node, path.join(layout.programDir, "automation.js")]);
        };

        it("wrote workDir's Pulumi.yaml with main: the folder the program was started in, and ran the provider there", () => {
            const { layout, cellRoot } = cell();
            const project = fs.readFileSync(path.join(cellRoot, "workdir", "Pulumi.yaml"), "utf8");
            assert.match(project, new RegExp(`^main: ${layout.programDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"), project);
            assert.equal(fs.existsSync(path.join(layout.programDir, "Pulumi.yaml")), false);
        });

        it("cannot start the provider when started outside the program's folder: @pulumi/pulumi/cmd/dynamic-provider is not found", async () => {
            const { cellRoot, emulator } = cell();
            const pulumi = driver("elsewhere", path.join(cellRoot, "elsewhere"));
            await pulumi("stack init", ["stack", "init", "elsewhere"]);
            emulator.clearRequests();
            const preview = await pulumi("preview", ["preview"]).then(
                () => assert.fail("the preview passed outside the program's folder"),
                (err: Error) => err.message,
            );
            assert.match(preview, /Cannot find module '@pulumi\/pulumi\/cmd\/dynamic-provider'/);
            assert.deepEqual(emulator.requests, []);
        });

        it("runs from anywhere when projectSettings.main names the program's folder", async () => {
            const { cellRoot, layout, emulator } = cell();
            const pulumi = driver("main", path.join(cellRoot, "elsewhere"), { AUTOMATION_MAIN: layout.programDir });
            await pulumi("stack init", ["stack", "init", "main"]);
            emulator.clearRequests();
            const preview = await pulumi("preview", ["preview"]);
            assert.match(preview.stdout, /\+ 3 to create/);
            assert.deepEqual(emulator.requests, []);
        });
    });
}
