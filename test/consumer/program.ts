// What every consumer cell shares: the program it runs, its Pulumi project and stack, the `pulumi` it is
// run with, the life cycle it goes through (preview, up, a key change, destroy) and what its processes
// recorded through module-probe.js. consumer.spec.ts (Node.js x @pulumi/pulumi, upgrades) and
// setups.spec.ts (package managers, a monorepo, ESM, the Automation API) build their cells from these.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Emulator } from "../../emulator";
import { engineBin, hermeticEnv, nonInteractive, recordOutput } from "../support/engine";
import { assertNoLeaks, type Haystack } from "../support/leaks";
import { type NodeRuntime, type RunResult, cleanEnv, pack, run } from "./workspace";

/** What a TypeScript program of `pulumi new typescript` has besides @pulumi/pulumi. */
export const TYPESCRIPT_TOOLS = ["typescript@^5", "ts-node@^10.9.2", "@types/node@^20"];

export const API_KEY = "pk-consumer-API-KEY-never-shown-0101";
export const V = {
    openai: "sk-consumer-OPENAI-never-shown-0102",
    openai2: "sk-consumer-OPENAI-rotated-never-shown-0103",
    daily: "consumer-DAILY-value-never-shown-0104",
    added: "consumer-ADDED-value-never-shown-0105",
    token: "consumer-REGISTRY-token-never-shown-0106",
    later: "consumer-LATER-value-never-shown-0107",
};
export const SECRETS = [API_KEY, ...Object.values(V), `bot:${V.token}`];

/** tsconfig.json of Pulumi's `typescript` template. */
export const PULUMI_TEMPLATE_TSCONFIG = {
    compilerOptions: {
        strict: true,
        outDir: "bin",
        target: "es2020",
        module: "commonjs",
        moduleResolution: "node",
        sourceMap: true,
        experimentalDecorators: true,
        pretty: true,
        noFallthroughCasesInSwitch: true,
        noImplicitReturns: true,
        forceConsistentCasingInFileNames: true,
    },
    files: ["index.ts"],
};

export type Lang = "ts" | "js";
/** A secret value: a literal in the program, or a secret from stack config. */
export type Value = string | { readonly config: string };

/**
 * The program: a regular set with `secrets` and an image-pull set, exporting the key names. The TypeScript text
 * is also a valid ES module (an ESM program's index.ts); the JavaScript text is CommonJS.
 */
export function programSource(lang: Lang, prefix: string, secrets: Record<string, Value>): string {
    const entries = Object.entries(secrets)
        .map(
            ([key, v]) =>
                `        ${key}: ${typeof v === "string" ? JSON.stringify(v) : `config.requireSecret(${JSON.stringify(v.config)})`},`,
        )
        .join("\n");
    const body = `
const config = new pulumi.Config();
const agent = new SecretSet("agent", {
    name: "${prefix}-agent",
    secrets: {
${entries}
    },
});
const registry = new SecretSet("registry", {
    name: "${prefix}-pull",
    imagePullSecret: { host: "https://index.docker.io/v1/", username: "bot", password: config.requireSecret("registryToken") },
});
`;
    return lang === "ts"
        ? `import * as pulumi from "@pulumi/pulumi";\nimport { SecretSet } from "pulumi-pipecat-secrets";\n${body}\nexport const agentKeys = agent.keys;\nexport const registryName = registry.name;\n`
        : `"use strict";\nconst pulumi = require("@pulumi/pulumi");\nconst { SecretSet } = require("pulumi-pipecat-secrets");\n${body}\nexports.agentKeys = agent.keys;\nexports.registryName = registry.name;\n`;
}

/** The keys of the program at create, and after the key change (OPENAI_API_KEY rotated, DAILY_API_KEY removed, ADDED_KEY added). */
export const CREATE_KEYS: Record<string, Value> = { OPENAI_API_KEY: { config: "openaiKey" }, DAILY_API_KEY: V.daily };
export const CHANGED_KEYS: Record<string, Value> = { OPENAI_API_KEY: { config: "openaiKey" }, ADDED_KEY: V.added };

export const write = (file: string, contents: string | object): void => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof contents === "string" ? contents : JSON.stringify(contents, null, 2) + "\n");
};
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** Pulumi.yaml of a program; a JavaScript one is not compiled by ts-node. `options` are more `runtime.options`. */
export function projectYaml(lang: Lang, name: string, options: Record<string, string> = {}): string {
    const all = { ...(lang === "js" ? { typescript: "false" } : {}), ...options };
    const lines = Object.entries(all).map(([key, value]) => `    ${key}: ${value}\n`);
    return `name: ${name}\nruntime:\n  name: nodejs\n${lines.length > 0 ? `  options:\n${lines.join("")}` : ""}`;
}

/** The engine's `pulumi` run in one program's folder; `input` goes to standard input. */
export type PulumiCli = (label: string, args: string[], input?: string) => Promise<RunResult>;

/**
 * A `pulumi`-like command in `dir`, non-interactive, keeping every output in `outputs` (labelled `${tag} ${label}`)
 * for the leak scan: by default the engine's `pulumi` itself; `command` replaces it (setups.spec.ts's Automation API
 * driver takes the same arguments).
 */
export function pulumiCli(
    dir: string,
    env: NodeJS.ProcessEnv,
    outputs: Haystack[],
    tag: string,
    command: readonly string[] = [path.join(engineBin(), "pulumi")],
): PulumiCli {
    const [bin, ...prefix] = command;
    if (bin === undefined) throw new Error("pulumiCli: empty command");
    return async (label, args, input) => {
        const result = await run(bin, [...prefix, ...nonInteractive(args)], { cwd: dir, env, ...(input === undefined ? {} : { input }) });
        recordOutput(outputs, `${tag} ${label}`, result);
        return result;
    };
}

/** Sets one stack config value, given on standard input so that it is on no command line. */
export const setConfig = (pulumi: PulumiCli, key: string, value: string, secret: boolean): Promise<RunResult> =>
    pulumi(`config set ${key}`, ["config", "set", secret ? "--secret" : "--plaintext", "--", key], value);

/**
 * The environment of a stack of its own below `home` (a file backend and a PULUMI_HOME), with the engine and the
 * cell's Node.js first on PATH, no update check and no plugin download.
 */
export function stackEnv(home: string, runtime: NodeRuntime): NodeJS.ProcessEnv {
    fs.mkdirSync(path.join(home, "state"), { recursive: true });
    return hermeticEnv({ home: path.join(home, "home"), stateDir: path.join(home, "state"), path: [runtime.binDir], base: cleanEnv() });
}

/** The stack config the program reads: the emulator's URL and key, `openaiKey`, `registryToken`. */
export const stackConfig = (apiUrl: string): Record<string, { readonly value: string; readonly secret: boolean }> => ({
    "pipecat:apiKey": { value: API_KEY, secret: true },
    "pipecat:apiUrl": { value: apiUrl, secret: false },
    openaiKey: { value: V.openai, secret: true },
    registryToken: { value: V.token, secret: true },
});

/** Creates the stack `consumer` with stackConfig, one `pulumi config set` a key. */
export async function initStack(pulumi: PulumiCli, apiUrl: string): Promise<void> {
    await pulumi("stack init", ["stack", "init", "consumer"]);
    for (const [key, { value, secret }] of Object.entries(stackConfig(apiUrl))) await setConfig(pulumi, key, value, secret);
}

/** One program's stack as the life-cycle tests see it, once the cell's `before` hooks made it. */
export interface Lifecycle {
    /** Prefix of the set names (`<prefix>-agent`, `<prefix>-pull`). */
    readonly prefix: string;
    readonly lang: Lang;
    /** The program's source file, rewritten for the key change. */
    readonly programFile: string;
    readonly emulator: Emulator;
    /** Runs preview, up, destroy, config and stack output for this stack. */
    readonly pulumi: PulumiCli;
    /** Every output of `pulumi`, for the leak scan. */
    readonly outputs: Haystack[];
}

/**
 * The life cycle every cell's program goes through against the emulator: a preview sends no request, `up` creates
 * both sets with exactly the declared values, a changed, an added and a removed key are updated in place without
 * touching the image-pull set, destroy deletes both, and no output shows a secret. The stack must have been made by
 * initStack with `CREATE_KEYS` in the program, and the emulator's requests cleared.
 */
export function lifecycleTests(stack: () => Lifecycle): void {
    const agentSecrets = () => {
        const { emulator, prefix } = stack();
        const set = emulator.snapshot()[`${prefix}-agent`];
        return set?.type === "secret" ? set.secrets : set;
    };
    const pullSet = () => {
        const { emulator, prefix } = stack();
        const set = emulator.snapshot()[`${prefix}-pull`];
        return set?.type === "imagePullSecret" ? { host: set.host, secretValue: set.secretValue } : set;
    };
    const expectedPull = { host: "https://index.docker.io/v1/", secretValue: Buffer.from(`bot:${V.token}`).toString("base64") };

    it("previews both sets as creates without a request", async () => {
        const { pulumi, emulator } = stack();
        const preview = await pulumi("preview", ["preview"]);
        assert.match(preview.stdout, /\+\s+pulumi-nodejs:dynamic\/pipecat:SecretSet\s+agent\s+create/);
        assert.match(preview.stdout, /\+\s+pulumi-nodejs:dynamic\/pipecat:SecretSet\s+registry\s+create/);
        assert.match(preview.stdout, /\+ 3 to create/);
        assert.equal(emulator.requests.length, 0);
    });

    it("creates both sets with exactly the declared keys and values", async () => {
        const { pulumi, emulator, prefix } = stack();
        await pulumi("up", ["up", "--yes", "--skip-preview"]);
        assert.deepEqual(Object.keys(emulator.snapshot()).sort(), [`${prefix}-agent`, `${prefix}-pull`]);
        assert.deepEqual(agentSecrets(), { OPENAI_API_KEY: V.openai, DAILY_API_KEY: V.daily });
        assert.deepEqual(pullSet(), expectedPull);
        const outputs = JSON.parse((await pulumi("stack output", ["stack", "output", "--json"])).stdout) as unknown;
        assert.deepEqual(outputs, { agentKeys: ["DAILY_API_KEY", "OPENAI_API_KEY"], registryName: `${prefix}-pull` });
    });

    it("updates a changed, an added and a removed key in place", async () => {
        const { pulumi, emulator, prefix, lang, programFile } = stack();
        await setConfig(pulumi, "openaiKey", V.openai2, true);
        write(programFile, programSource(lang, prefix, CHANGED_KEYS));
        emulator.clearRequests();
        const up = await pulumi("up (update)", ["up", "--yes", "--skip-preview"]);
        assert.match(up.stdout, /~ 1 updated/);
        assert.deepEqual(agentSecrets(), { OPENAI_API_KEY: V.openai2, ADDED_KEY: V.added });
        assert.deepEqual(pullSet(), expectedPull);
        const touchedPull = emulator.requests.filter((r) => r.setName === `${prefix}-pull` && r.method !== "GET");
        assert.deepEqual(touchedPull, []);
    });

    it("destroys both sets", async () => {
        const { pulumi, emulator } = stack();
        await pulumi("destroy", ["destroy", "--yes"]);
        assert.deepEqual(emulator.snapshot(), {});
    });

    it("showed no secret value in any command's output", () => {
        const { outputs, lang } = stack();
        assertNoLeaks(outputs, SECRETS, `${lang} pulumi output`);
    });
}

/** What module-probe.js recorded about one Node.js process. */
export interface ProcessRecord {
    readonly execPath: string;
    readonly version: string;
    readonly argv: string[];
    readonly cwd: string;
    /** Every module file the process resolved for the first time (CommonJS resolution), and who asked. */
    readonly resolved: { request: string; file: string; from: string | null }[];
}

/** The processes module-probe.js recorded in `probeDir`. */
export function readProbes(probeDir: string): ProcessRecord[] {
    return fs.readdirSync(probeDir).map((name) => {
        const lines = fs
            .readFileSync(path.join(probeDir, name), "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l) as Record<string, unknown>);
        const head = lines[0]?.process as Omit<ProcessRecord, "resolved">;
        return { ...head, resolved: lines.slice(1) as ProcessRecord["resolved"] };
    });
}

/** The environment additions that make every Node.js process of a run load module-probe.js (copied to `dir`) into `probeDir`. */
export function probeEnv(dir: string, probeDir: string): Record<string, string> {
    const probe = path.join(dir, "module-probe.js");
    if (!fs.existsSync(probe)) fs.copyFileSync(path.join(__dirname, "module-probe.js"), probe);
    fs.mkdirSync(probeDir, { recursive: true });
    return { NODE_OPTIONS: `--require ${JSON.stringify(probe)}`, MODULE_PROBE_DIR: probeDir };
}

/** Whether a process is @pulumi/pulumi's `cmd/<script>` (the program's runner `run`, or `dynamic-provider`). */
export const isSdkCommand = (p: ProcessRecord, script: string): boolean =>
    new RegExp(`/node_modules/@pulumi/pulumi/cmd/${script}/index\\.js$`).test(p.argv[1] ?? "");

/**
 * The directories of every copy of package `name` that a process loaded a file of (resolved, or asked from): two
 * entries mean two copies in one process, or two processes that disagree.
 */
export function loadedCopies(processes: readonly ProcessRecord[], name: string): string[] {
    const marker = `/node_modules/${name}/`;
    const roots = new Set<string>();
    for (const p of processes) {
        for (const r of p.resolved) {
            for (const file of [r.file, r.from]) {
                const at = file?.lastIndexOf(marker) ?? -1;
                if (file && at >= 0) roots.add(file.slice(0, at + marker.length - 1));
            }
        }
    }
    return [...roots].sort();
}

/** One cell's line: what ran, passed or failed, its time and where the time went. */
export interface CellReport {
    readonly label: string;
    readonly result: string;
    readonly timeMs: number;
    readonly detail: string;
}

/** A cell's result: "passed", or FAILED with the number of failed tests (or "(setup)" when its setup did not finish). */
export const cellResult = (setUp: boolean, failed: number): string =>
    !setUp || failed > 0 ? `FAILED${failed > 0 ? ` (${failed} tests)` : " (setup)"}` : "passed";

/** Where a cell's time went: "install 12.3s, lifecycle 20.1s". */
export const timesDetail = (times: Record<string, number>): string =>
    Object.entries(times)
        .map(([k, ms]) => `${k} ${seconds(ms)}`)
        .join(", ");

/** Prints each cell's line as it ends (`report`), and all of them again under `title` (`summary`, in the spec's `after`). */
export function cellReporter(title: string): { report(r: CellReport): void; summary(): void } {
    const reports: CellReport[] = [];
    const line = (r: CellReport) => `${r.label}: ${r.result} in ${seconds(r.timeMs)} (${r.detail})`;
    return {
        report(r) {
            reports.push(r);
            console.log(`      cell: ${line(r)}`);
        },
        summary() {
            if (reports.length === 0) return;
            console.log(`      ${title}:`);
            for (const r of reports) console.log(`        ${line(r)}`);
        },
    };
}

let packedOnce: string | undefined;
/**
 * The tarball `npm pack` makes of this repository, packed once per mocha process (each pack runs the `prepack` check,
 * a few seconds) into a folder of its own that goes when the process exits.
 */
function packOnce(): string {
    if (packedOnce === undefined || !fs.existsSync(packedOnce)) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-tarball-"));
        process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
        packedOnce = pack(dir).filename;
    }
    return packedOnce;
}

/**
 * The hooks every consumer spec starts with: once the engine is known to be there, a work folder below the system's
 * temporary folder and the packed tarball (one for every spec of the process), and at the end the summary of the
 * cells' lines and the folder's removal.
 */
export function packedWorkspace(prefix: string, summary: () => void): { readonly workRoot: () => string; readonly tarball: () => string } {
    let workRoot: string | undefined;
    let tarball: string | undefined;
    before(function () {
        this.timeout(120_000);
        engineBin(); // fail now, not in every cell, when the engine is missing
        workRoot = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        tarball = packOnce();
    });
    after(() => {
        summary();
        if (workRoot) fs.rmSync(workRoot, { recursive: true, force: true });
    });
    const got = (value: string | undefined, what: string) => {
        if (value === undefined) throw new Error(`no ${what}: the spec's before hook did not run`);
        return value;
    };
    return { workRoot: () => got(workRoot, "work folder"), tarball: () => got(tarball, "tarball") };
}
