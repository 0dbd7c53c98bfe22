/**
 * The package as users get it, in a matrix of Node.js and @pulumi/pulumi versions. `npm pack` runs once; in
 * each cell npm installs the tarball (real installs from the registry, no link into this repository) into
 * two fresh programs: a TypeScript one that already has its own @pulumi/pulumi, TypeScript and ts-node (as
 * `pulumi new typescript` leaves it), and a JavaScript one with nothing but @pulumi/pulumi and the package.
 * Each runs through the real engine (.pulumi-engine/bin) against an emulator in this process: preview, up,
 * a key change, destroy.
 *
 * Every Node.js process of those runs loads test/consumer/module-probe.js, which records the node that ran
 * it and every module file it resolved: the test proves that the language host's look-ups, the program and
 * the dynamic-provider plugin ran on the cell's Node.js and loaded nothing from outside the program's folder
 * (the serialized provider's `require("pulumi-pipecat-secrets/implementation")` included).
 *
 * Upgrade cells (issue 9: an upgrade that changes nothing declared changes nothing) take a live stack of one
 * JavaScript program from one @pulumi/pulumi to the newest npm installs over it: `pulumi preview
 * --expect-no-changes` must pass without a request to the API, and a rotated value must still show as a change
 * of that key alone. Each also says whether the new version serializes the provider (`__provider`) to the same
 * text as the old one (a third set, created after the upgrade, against the two created before it).
 *
 * Each cell prints one line with its result and time. A runtime or version the registry refuses fails the
 * cell: nothing is skipped.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Emulator, startEmulator } from "../../emulator";
import { assertNoLeaks, type Haystack } from "../support/leaks";
import {
    API_KEY,
    CREATE_KEYS,
    PULUMI_TEMPLATE_TSCONFIG,
    type Lang,
    type ProcessRecord,
    type PulumiCli,
    SECRETS,
    TYPESCRIPT_TOOLS,
    V,
    cellReporter,
    cellResult,
    initStack,
    lifecycleTests,
    packedWorkspace,
    probeEnv,
    programSource,
    projectYaml,
    pulumiCli,
    readProbes,
    setConfig,
    stackEnv,
    timesDetail,
    write,
} from "./program";
import {
    OLDEST_PULUMI,
    type NodeRuntime,
    type RunResult,
    cleanEnv,
    compareVersions,
    installedCopies,
    isInside,
    nodeRuntime,
    npmScripts,
    repoRoot,
    run,
} from "./workspace";

/** One cell of the matrix: a Node.js major and the @pulumi/pulumi a user's program already has. */
interface Cell {
    readonly node: number;
    /** npm spec of @pulumi/pulumi; npm picks the newest version that declares support for this node. */
    readonly pulumi: string;
    /** The version npm must have picked, at least (so a fallback to an old release cannot pass unseen). */
    readonly atLeast: string;
    readonly what: string;
    /** Also run the type checks (once is enough: they do not depend on the runtime). */
    readonly typeChecks?: boolean;
}

const CELLS: readonly Cell[] = [
    { node: 20, pulumi: OLDEST_PULUMI, atLeast: OLDEST_PULUMI, what: "oldest supported @pulumi/pulumi" },
    { node: 20, pulumi: "^3", atLeast: "3.248.0", what: "newest @pulumi/pulumi for Node 20" },
    { node: 22, pulumi: "^3", atLeast: "3.276.0", what: "latest @pulumi/pulumi", typeChecks: true },
    { node: 24, pulumi: "^3", atLeast: "3.276.0", what: "latest @pulumi/pulumi" },
    // The Active LTS line since 2026-10-28, which examples/github-actions sets up.
    { node: 26, pulumi: "^3", atLeast: "3.276.0", what: "latest @pulumi/pulumi on the Active LTS" },
];

/**
 * An upgrade of a live stack's @pulumi/pulumi (issue 9): a stack created under `from` gets `to` installed over it
 * in the same program, and a preview must then show no change and send no request.
 */
interface UpgradeCell {
    readonly id: string;
    readonly node: number;
    /** The exact @pulumi/pulumi the stack is created with. */
    readonly from: string;
    /** npm spec installed over it; npm picks the newest version that declares support for this node. */
    readonly to: string;
    /** The version npm must have picked, at least. */
    readonly atLeast: string;
    readonly what: string;
}

const UPGRADES: readonly UpgradeCell[] = [
    { id: "U1", node: 20, from: OLDEST_PULUMI, to: "^3", atLeast: "3.248.0", what: "oldest supported to newest for Node 20" },
    { id: "U2", node: 22, from: "3.248.0", to: "^3", atLeast: "3.276.0", what: "newest for Node 20 to latest" },
];

/** A third set, appended to a JavaScript program after an upgrade, so that the new @pulumi/pulumi serializes a provider anew. */
const laterSetSource = (prefix: string): string =>
    `const later = new SecretSet("later", { name: "${prefix}-later", secrets: { LATER_KEY: ${JSON.stringify(V.later)} } });\n`;

/** The serialized provider (`__provider` input) of each SecretSet in `pulumi stack export` output, by resource name. */
function serializedProviders(exported: string): Record<string, unknown> {
    const state = JSON.parse(exported) as { deployment: { resources?: { urn: string; type: string; inputs?: Record<string, unknown> }[] } };
    const out: Record<string, unknown> = {};
    for (const r of state.deployment.resources ?? []) {
        if (r.type === "pulumi-nodejs:dynamic/pipecat:SecretSet") out[r.urn.split("::").at(-1) ?? r.urn] = r.inputs?.["__provider"];
    }
    return out;
}

/** How serialized provider text `after` compares with `before`, in a few words for the cell's line. */
function compareProviderTexts(before: string, after: string): string {
    if (before === after) return `identical (${before.length} bytes)`;
    const a = before.split("\n");
    const b = after.split("\n");
    let line = 0;
    while (a[line] === b[line]) line++;
    return `differs (${before.length} -> ${after.length} bytes, from line ${line + 1})`;
}

const { report, summary } = cellReporter("consumer matrix");

describe("consumer: the packed package in fresh programs, Node.js x @pulumi/pulumi", function () {
    this.timeout(600_000);

    const { workRoot, tarball } = packedWorkspace("pulumi-consumer-", summary);

    for (const cell of CELLS) {
        describe(`Node ${cell.node} with @pulumi/pulumi ${cell.pulumi} (${cell.what})`, function () {
            let runtime: NodeRuntime | undefined;
            let cellRoot: string;
            /** The two consumers, each a program folder with its own node_modules. */
            const apps: Record<Lang, string> = { ts: "", js: "" };
            let npmEnv: NodeJS.ProcessEnv;
            let probeDir: string;
            let pulumiVersion = "?";
            let started = Date.now();
            const times: Record<string, number> = {};
            let failed = 0;

            const npm = (args: string[], cwd: string): Promise<RunResult> =>
                run(runtime!.node, [npmScripts().npm, ...args], { cwd, env: npmEnv });
            const modules = (lang: Lang, ...parts: string[]) => path.join(apps[lang], "node_modules", ...parts);
            const installedVersion = (lang: Lang, name: string): string =>
                (JSON.parse(fs.readFileSync(modules(lang, name, "package.json"), "utf8")) as { version: string }).version;

            before(async function () {
                this.timeout(300_000);
                started = Date.now();
                runtime = nodeRuntime(cell.node);
                times.runtime = Date.now() - started;
                cellRoot = fs.mkdtempSync(path.join(workRoot(), `node${cell.node}-`));
                apps.ts = path.join(cellRoot, "ts-app");
                apps.js = path.join(cellRoot, "js-app");
                probeDir = path.join(cellRoot, "probe");
                const env = cleanEnv();
                npmEnv = { ...env, PATH: [runtime.binDir, env.PATH].join(path.delimiter) };
                const flags = ["--no-audit", "--no-fund", "--prefer-offline"];
                const t0 = Date.now();

                // A TypeScript program as `pulumi new typescript` leaves it (its own @pulumi/pulumi and TypeScript),
                // then the package from the tarball, as `npm install pulumi-pipecat-secrets` would add it.
                write(path.join(apps.ts, "package.json"), { name: "consumer-ts", private: true, main: "index.ts" });
                const installs = [await npm(["install", ...flags, `@pulumi/pulumi@${cell.pulumi}`, ...TYPESCRIPT_TOOLS], apps.ts)];
                pulumiVersion = installedVersion("ts", "@pulumi/pulumi");
                installs.push(await npm(["install", ...flags, tarball()], apps.ts));
                // A JavaScript program as `pulumi new javascript` leaves it: no TypeScript at all, so @pulumi/pulumi
                // parses the serialized provider with the TypeScript it vendors. Both packages in one install.
                write(path.join(apps.js, "package.json"), { name: "consumer-js", private: true, main: "index.js" });
                installs.push(await npm(["install", ...flags, `@pulumi/pulumi@${pulumiVersion}`, tarball()], apps.js));
                times.install = Date.now() - t0;
                for (const out of installs) assert.doesNotMatch(out.stderr, /EBADENGINE|ERESOLVE|peer dep/i, out.stderr);
            });

            afterEach(function () {
                if (this.currentTest?.state === "failed") failed++;
            });

            after(() => {
                report({
                    label: `Node ${runtime?.version ?? `${cell.node} (not installed)`} + @pulumi/pulumi ${pulumiVersion === "?" ? `${cell.pulumi} (not installed)` : pulumiVersion} (${cell.what})`,
                    result: cellResult(runtime !== undefined && pulumiVersion !== "?", failed),
                    timeMs: Date.now() - started,
                    detail: timesDetail(times),
                });
            });

            it("keeps the program's own @pulumi/pulumi: one copy, the version it had, peers satisfied", async () => {
                assert.ok(
                    compareVersions(pulumiVersion, cell.atLeast) >= 0,
                    `npm picked @pulumi/pulumi ${pulumiVersion}, expected >= ${cell.atLeast}`,
                );
                const ours = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string };
                for (const lang of ["ts", "js"] as const) {
                    const sdk = modules(lang, "@pulumi", "pulumi");
                    assert.equal(installedVersion(lang, "@pulumi/pulumi"), pulumiVersion);
                    assert.deepEqual(installedCopies(apps[lang], "@pulumi/pulumi"), [sdk]);
                    // npm's view: one @pulumi/pulumi in the whole tree, and `npm ls` exits 0 (no missing or invalid peer).
                    const ls = await npm(["ls", "@pulumi/pulumi", "--all", "--parseable"], apps[lang]);
                    assert.deepEqual([...new Set(ls.stdout.trim().split("\n"))], [sdk]);
                    await npm(["ls", "--all"], apps[lang]);
                    // The package is a real directory unpacked from the tarball, not a link to this repository.
                    const installed = modules(lang, "pulumi-pipecat-secrets");
                    assert.equal(fs.lstatSync(installed).isSymbolicLink(), false);
                    assert.equal(installedVersion(lang, "pulumi-pipecat-secrets"), ours.version);
                    assert.deepEqual(installedCopies(apps[lang], "pulumi-pipecat-secrets"), [installed]);
                }
                assert.equal(fs.existsSync(modules("js", "typescript")), false, "the JavaScript program got TypeScript");
            });

            it("exposes exactly the package's exports, and its emulator works from there", async () => {
                const script = `
const r = (s) => { try { return require.resolve(s); } catch (e) { return e.code; } };
const out = {};
for (const s of ["pulumi-pipecat-secrets", "pulumi-pipecat-secrets/implementation", "pulumi-pipecat-secrets/emulator",
                 "pulumi-pipecat-secrets/package.json", "pulumi-pipecat-secrets/dist/provider/api/transport.js", "pulumi-pipecat-secrets/provider/index.ts"]) out[s] = r(s);
(async () => {
    out.main = Object.keys(require("pulumi-pipecat-secrets")).sort();
    const implementation = require("pulumi-pipecat-secrets/implementation");
    out.implementation = Object.keys(implementation).filter((k) => typeof implementation[k] === "function").sort();
    const { startEmulator } = require("pulumi-pipecat-secrets/emulator");
    const emulator = await startEmulator({ apiKey: "consumer-check-key" });
    const res = await fetch(emulator.url + "/secrets", { headers: { Authorization: "Bearer consumer-check-key" } });
    out.emulator = res.status;
    await emulator.close();
    console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;
                const result = await run(runtime!.node, ["-e", script], { cwd: apps.js, env: npmEnv });
                const out = JSON.parse(result.stdout) as Record<string, unknown>;
                const dist = modules("js", "pulumi-pipecat-secrets", "dist");
                assert.equal(out["pulumi-pipecat-secrets"], path.join(dist, "provider", "index.js"));
                assert.equal(out["pulumi-pipecat-secrets/implementation"], path.join(dist, "provider", "secretset", "implementation.js"));
                assert.equal(out["pulumi-pipecat-secrets/emulator"], path.join(dist, "emulator", "index.js"));
                assert.equal(out["pulumi-pipecat-secrets/package.json"], path.join(dist, "..", "package.json"));
                assert.equal(out["pulumi-pipecat-secrets/dist/provider/api/transport.js"], "ERR_PACKAGE_PATH_NOT_EXPORTED");
                assert.equal(out["pulumi-pipecat-secrets/provider/index.ts"], "ERR_PACKAGE_PATH_NOT_EXPORTED");
                assert.ok((out.main as string[]).includes("SecretSet"), String(out.main));
                for (const method of ["check", "configure", "create", "delete", "diff", "read", "update"]) {
                    assert.ok(
                        (out.implementation as string[]).includes(method),
                        `implementation lacks ${method}: ${String(out.implementation)}`,
                    );
                }
                assert.equal(out.emulator, 200);
            });

            it("runs the emulator's command line through npx", async () => {
                const result = await run(runtime!.node, [npmScripts().npx, "pipecat-secrets-emulator", "--help"], {
                    cwd: apps.js,
                    env: npmEnv,
                });
                assert.match(result.stdout, /^Usage: pipecat-secrets-emulator \[options\]/);
                const link = modules("js", ".bin", "pipecat-secrets-emulator");
                assert.equal(fs.realpathSync(link), modules("js", "pulumi-pipecat-secrets", "dist", "emulator", "cli.js"));
                assert.ok(fs.statSync(link).mode & 0o111, "the bin is not executable");
            });

            it("runs pipecat-secrets import-env --help through npx", async () => {
                const result = await run(runtime!.node, [npmScripts().npx, "pipecat-secrets", "import-env", "--help"], {
                    cwd: apps.js,
                    env: npmEnv,
                });
                assert.match(result.stdout, /^Usage: pipecat-secrets import-env <file> --key <name>/);
                const link = modules("js", ".bin", "pipecat-secrets");
                assert.equal(fs.realpathSync(link), modules("js", "pulumi-pipecat-secrets", "dist", "provider", "dotenv", "cli.js"));
                assert.ok(fs.statSync(link).mode & 0o111, "the bin is not executable");
            });

            if (cell.typeChecks) {
                const tsc = (args: string[]) =>
                    run(runtime!.node, [modules("ts", "typescript", "bin", "tsc"), "--noEmit", ...args], { cwd: apps.ts, env: npmEnv });

                // The public declarations need neither zod nor axios (provider/secretset/types.ts), so the template's
                // tsconfig (no esModuleInterop, no skipLibCheck) type-checks a program that uses the package.
                it("type-checks the program with tsc and the tsconfig of Pulumi's template", async () => {
                    write(path.join(apps.ts, "index.ts"), programSource("ts", "typecheck", { OPENAI_API_KEY: { config: "openaiKey" } }));
                    write(path.join(apps.ts, "tsconfig.json"), PULUMI_TEMPLATE_TSCONFIG);
                    await tsc(["-p", "."]);
                });

                // With `moduleResolution: node` (Pulumi's template) TypeScript ignores `exports`: package.json's
                // `typesVersions` maps the subpaths to their declarations.
                it("type-checks an import of pulumi-pipecat-secrets/emulator with moduleResolution node", async () => {
                    write(
                        path.join(apps.ts, "emulator-check.ts"),
                        `import { startEmulator } from "pulumi-pipecat-secrets/emulator";\nexport const start: typeof startEmulator = startEmulator;\n`,
                    );
                    await tsc([
                        "--strict",
                        "--module",
                        "commonjs",
                        "--moduleResolution",
                        "node",
                        "--esModuleInterop",
                        "--types",
                        "node",
                        "emulator-check.ts",
                    ]);
                });
            }

            for (const lang of ["ts", "js"] as const) {
                describe(
                    lang === "ts" ? "a TypeScript program (type-checked by ts-node, as by default)" : "a JavaScript program",
                    function () {
                        let emulator: Emulator;
                        let dir: string;
                        const prefix = `consumer-${lang}`;
                        const outputs: Haystack[] = [];
                        let langStarted = Date.now();
                        let pulumi: PulumiCli;

                        before(async function () {
                            this.timeout(120_000);
                            langStarted = Date.now();
                            emulator = await startEmulator({ apiKey: API_KEY });
                            dir = apps[lang];
                            if (lang === "ts") write(path.join(dir, "tsconfig.json"), PULUMI_TEMPLATE_TSCONFIG);
                            write(path.join(dir, "Pulumi.yaml"), projectYaml(lang, prefix));
                            write(path.join(dir, `index.${lang}`), programSource(lang, prefix, CREATE_KEYS));
                            const env = { ...stackEnv(path.join(cellRoot, `pulumi-${lang}`), runtime!), ...probeEnv(cellRoot, probeDir) };
                            pulumi = pulumiCli(dir, env, outputs, lang);
                            await initStack(pulumi, emulator.url);
                            emulator.clearRequests();
                        });

                        after(async () => {
                            times[lang] = Date.now() - langStarted;
                            await emulator?.close();
                        });

                        lifecycleTests(() => ({ prefix, lang, programFile: path.join(dir, `index.${lang}`), emulator, pulumi, outputs }));
                    },
                );
            }

            describe("the processes Pulumi started", () => {
                const processes = (): ProcessRecord[] => readProbes(probeDir);
                /** The processes that ran in a program's folder: `node -e` look-ups, the program, the provider plugin. */
                const of = (lang: Lang) => processes().filter((p) => p.cwd === apps[lang]);
                const running = (lang: Lang, script: string) =>
                    of(lang).filter((p) => p.argv[1] === modules(lang, "@pulumi", "pulumi", "cmd", script, "index.js"));

                it("ran on the cell's Node.js only, in the programs' folders", () => {
                    const all = processes();
                    assert.ok(all.length >= 8, `only ${all.length} node processes recorded`);
                    for (const p of all) {
                        assert.equal(p.version, runtime!.version, `${p.argv.join(" ")} ran on ${p.execPath}`);
                        assert.equal(fs.realpathSync(p.execPath), fs.realpathSync(runtime!.node));
                        assert.ok(p.cwd === apps.ts || p.cwd === apps.js, `${p.argv.join(" ")} ran in ${p.cwd}`);
                    }
                });

                it("resolved every module inside the program's own folder, none in this repository", () => {
                    for (const lang of ["ts", "js"] as const) {
                        for (const p of of(lang)) {
                            const outside = p.resolved.filter((r) => path.isAbsolute(r.file) && !isInside(apps[lang], r.file));
                            assert.deepEqual(outside, [], `${p.argv.slice(1).join(" ")} resolved modules outside ${apps[lang]}`);
                        }
                    }
                });

                it("ran each program with its own @pulumi/pulumi and package; TypeScript through its own ts-node only", () => {
                    const tsModules = (p: ProcessRecord) => p.resolved.filter((r) => /^(ts-node|typescript)(\/|$)/.test(r.request));
                    for (const lang of ["ts", "js"] as const) {
                        const runs = running(lang, "run");
                        assert.ok(runs.length >= 3, `${runs.length} runs of the ${lang} program recorded`); // preview, up, up
                        for (const p of runs) {
                            const ours = p.resolved.find((r) => r.request === "pulumi-pipecat-secrets");
                            assert.equal(ours?.file, modules(lang, "pulumi-pipecat-secrets", "dist", "provider", "index.js"));
                            if (lang === "ts") {
                                assert.ok(
                                    tsModules(p).some((r) => isInside(modules("ts", "ts-node"), r.file)),
                                    "ts-node was not loaded",
                                );
                            } else {
                                // No TypeScript compiler or ts-node: @pulumi/pulumi parsed the provider with the TypeScript it vendors.
                                assert.deepEqual(tsModules(p), []);
                                assert.ok(
                                    p.resolved.some((r) => isInside(modules("js", "@pulumi", "pulumi", "vendor"), r.file)),
                                    "the vendored TypeScript was not loaded",
                                );
                            }
                        }
                    }
                });

                it("ran the dynamic provider from the program's @pulumi/pulumi, requiring the program's implementation", () => {
                    for (const lang of ["ts", "js"] as const) {
                        const implementation = modules(
                            lang,
                            "pulumi-pipecat-secrets",
                            "dist",
                            "provider",
                            "secretset",
                            "implementation.js",
                        );
                        const providers = running(lang, "dynamic-provider");
                        const loaded = providers.filter((p) =>
                            p.resolved.some((r) => r.request === "pulumi-pipecat-secrets/implementation" && r.file === implementation),
                        );
                        // At least one per command that reached the provider: preview, up, up, destroy.
                        assert.ok(
                            loaded.length >= 4,
                            `${loaded.length} of ${providers.length} ${lang} provider processes required ${implementation}`,
                        );
                    }
                });
            });
        });
    }

    for (const u of UPGRADES) {
        // One JavaScript program per cell: it skips ts-node's type check of every run, the slowest part of a TypeScript one.
        describe(`upgrade ${u.id}: Node ${u.node}, @pulumi/pulumi ${u.from} -> ${u.to} under a live stack (${u.what})`, function () {
            let runtime: NodeRuntime | undefined;
            let dir: string;
            let npmEnv: NodeJS.ProcessEnv;
            let emulator: Emulator | undefined;
            let pulumi: PulumiCli;
            const prefix = `upgrade-${u.id.toLowerCase()}`;
            const outputs: Haystack[] = [];
            const versions = { before: "?", after: "?" };
            /** The serialized provider the stack was created with, and what the upgraded @pulumi/pulumi writes. */
            let providerBefore: string | undefined;
            let providerComparison = "not compared";
            let started = Date.now();
            const times: Record<string, number> = {};
            let failed = 0;

            const npm = (args: string[]): Promise<RunResult> => run(runtime!.node, [npmScripts().npm, ...args], { cwd: dir, env: npmEnv });
            const sdk = () => path.join(dir, "node_modules", "@pulumi", "pulumi");
            const sdkVersion = (): string =>
                (JSON.parse(fs.readFileSync(path.join(sdk(), "package.json"), "utf8")) as { version: string }).version;
            const timed = async <T>(step: string, f: () => Promise<T>): Promise<T> => {
                const t0 = Date.now();
                try {
                    return await f();
                } finally {
                    times[step] = (times[step] ?? 0) + Date.now() - t0;
                }
            };
            const flags = ["--no-audit", "--no-fund", "--prefer-offline"];
            const assertCleanInstall = (out: RunResult) => assert.doesNotMatch(out.stderr, /EBADENGINE|ERESOLVE|peer dep/i, out.stderr);
            const agentSecrets = () => {
                const set = emulator!.snapshot()[`${prefix}-agent`];
                return set?.type === "secret" ? set.secrets : set;
            };
            const pullSet = () => {
                const set = emulator!.snapshot()[`${prefix}-pull`];
                return set?.type === "imagePullSecret" ? { host: set.host, secretValue: set.secretValue } : set;
            };
            const expectedPull = { host: "https://index.docker.io/v1/", secretValue: Buffer.from(`bot:${V.token}`).toString("base64") };
            /** Method and path of each request the emulator saw since it was last cleared. */
            const seen = () => emulator!.requests.map((r) => `${r.method} ${r.path}`);
            const exportProviders = async (label: string) => serializedProviders((await pulumi(label, ["stack", "export"])).stdout);

            before(async function () {
                this.timeout(300_000);
                started = Date.now();
                runtime = nodeRuntime(u.node);
                times.runtime = Date.now() - started;
                const cellRoot = fs.mkdtempSync(path.join(workRoot(), `${prefix}-node${u.node}-`));
                dir = path.join(cellRoot, "js-app");
                const env = cleanEnv();
                npmEnv = { ...env, PATH: [runtime.binDir, env.PATH].join(path.delimiter) };
                write(path.join(dir, "package.json"), { name: "consumer-upgrade", private: true, main: "index.js" });
                assertCleanInstall(await timed("install", () => npm(["install", ...flags, `@pulumi/pulumi@${u.from}`, tarball()])));
                versions.before = sdkVersion();
                assert.equal(versions.before, u.from);
                emulator = await startEmulator({ apiKey: API_KEY });
                write(path.join(dir, "Pulumi.yaml"), projectYaml("js", prefix));
                write(path.join(dir, "index.js"), programSource("js", prefix, CREATE_KEYS));
                pulumi = pulumiCli(dir, stackEnv(path.join(cellRoot, "pulumi"), runtime), outputs, u.id);
                await timed("stack", () => initStack(pulumi, emulator!.url));
            });

            afterEach(function () {
                if (this.currentTest?.state === "failed") failed++;
            });

            after(async () => {
                await emulator?.close();
                report({
                    label: `upgrade ${u.id}: Node ${runtime?.version ?? `${u.node} (not installed)`} + @pulumi/pulumi ${versions.before} -> ${versions.after} (${u.what})`,
                    result: cellResult(runtime !== undefined && versions.before !== "?", failed),
                    timeMs: Date.now() - started,
                    detail: `${timesDetail(times)}; __provider before vs. after the upgrade: ${providerComparison}`,
                });
            });

            it(`creates a regular and an image-pull set under @pulumi/pulumi ${u.from}`, async () => {
                await timed("up", () => pulumi("up", ["up", "--yes", "--skip-preview"]));
                assert.deepEqual(agentSecrets(), { OPENAI_API_KEY: V.openai, DAILY_API_KEY: V.daily });
                assert.deepEqual(pullSet(), expectedPull);
                const providers = await exportProviders("stack export (before)");
                assert.deepEqual(Object.keys(providers).sort(), ["agent", "registry"]);
                assert.equal(typeof providers.agent, "string", "the serialized provider in state is not plain text");
                assert.equal(providers.registry, providers.agent);
                providerBefore = providers.agent as string;
            });

            it(`upgrades the program's @pulumi/pulumi to ${u.to} in place: at least ${u.atLeast}, one copy`, async () => {
                assertCleanInstall(await timed("upgrade", () => npm(["install", ...flags, `@pulumi/pulumi@${u.to}`])));
                versions.after = sdkVersion();
                assert.ok(
                    compareVersions(versions.after, u.atLeast) >= 0,
                    `npm picked @pulumi/pulumi ${versions.after}, expected >= ${u.atLeast}`,
                );
                assert.deepEqual(installedCopies(dir, "@pulumi/pulumi"), [sdk()]);
                await npm(["ls", "--all"]); // exits non-zero on a missing or invalid peer
            });

            it("previews the upgraded stack with --expect-no-changes, sending no request", async () => {
                emulator!.clearRequests();
                const preview = await timed("preview", () => pulumi("preview --expect-no-changes", ["preview", "--expect-no-changes"]));
                assert.match(preview.stdout, /3 unchanged/);
                assert.deepEqual(seen(), []);
            });

            it("still shows a rotated value, as `~ OPENAI_API_KEY: [secret] => [secret]` and no other change, without a request", async () => {
                await setConfig(pulumi, "openaiKey", V.openai2, true);
                emulator!.clearRequests();
                const preview = await timed("preview", () => pulumi("preview --diff", ["preview", "--diff"]));
                // Every line above the summary that marks a change: one resource (the agent set) and one key of it.
                const steps = preview.stdout.split("\nResources:")[0] ?? "";
                const changes = steps
                    .split("\n")
                    .filter((l) => /^\s*[-+~]\s/.test(l))
                    .map((l) => l.trim());
                assert.deepEqual(
                    changes,
                    ["~ pulumi-nodejs:dynamic/pipecat:SecretSet: (update)", "~ secrets: {", "~ OPENAI_API_KEY: [secret] => [secret]"],
                    preview.stdout,
                );
                assert.match(steps, /\[urn=\S+::agent\]/);
                assert.match(preview.stdout, /~ 1 to update/);
                assert.match(preview.stdout, /2 unchanged/);
                assert.deepEqual(seen(), []);
            });

            it("applies the rotation and creates a third set; the new @pulumi/pulumi's serialized provider is compared with the old", async () => {
                write(path.join(dir, "index.js"), programSource("js", prefix, CREATE_KEYS) + laterSetSource(prefix));
                emulator!.clearRequests();
                const up = await timed("up", () => pulumi("up (after the upgrade)", ["up", "--yes", "--skip-preview"]));
                assert.match(up.stdout, /\+ 1 created/);
                assert.match(up.stdout, /~ 1 updated/);
                assert.deepEqual(agentSecrets(), { OPENAI_API_KEY: V.openai2, DAILY_API_KEY: V.daily });
                assert.deepEqual(pullSet(), expectedPull);
                assert.deepEqual(
                    emulator!.requests.filter((r) => r.setName === `${prefix}-pull`).map((r) => `${r.method} ${r.path}`),
                    [],
                );
                const providers = await exportProviders("stack export (after)");
                assert.equal(typeof providers.later, "string", "the serialized provider in state is not plain text");
                assert.ok(providerBefore !== undefined, "no serialized provider from before the upgrade");
                providerComparison = compareProviderTexts(providerBefore, providers.later as string);
                console.log(`        __provider of ${versions.before} vs. ${versions.after}: ${providerComparison}`);
            });

            it("destroys every set", async () => {
                await timed("destroy", () => pulumi("destroy", ["destroy", "--yes", "--skip-preview"]));
                assert.deepEqual(emulator!.snapshot(), {});
            });

            it("showed no secret value in any command's output or in state", () => {
                assertNoLeaks(outputs, SECRETS, `${u.id} pulumi output`);
            });
        });
    }
});
