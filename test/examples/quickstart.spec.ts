/**
 * README.md's Quickstart, as a newcomer follows it: its files, copied out of the README into an empty folder, and its
 * commands, run in order by bash, with the packed package installed by npm and the engine this repository builds on
 * PATH (a user's `pulumi`). So the Quickstart cannot go stale: a file or a command that stops working fails here.
 *
 * Three lines cannot run as written, and the test says how it stands in for each:
 * - `npm install pulumi-pipecat-secrets`: the package is not published yet, so npm installs the tarball `npm pack` makes
 *   (what the README's Install section tells users to do until then);
 * - `npx pipecat-secrets-emulator` runs "in a second terminal": here in the background, started from the folder's
 *   node_modules as that command would, on a free port rather than 8787 (a test must not depend on a fixed port);
 * - the two `pulumi config set` lines: the ones the emulator printed are run, and must be the README's but for the port.
 */
import * as assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { packedWorkspace, stackEnv } from "../consumer/program";
import { nodeRuntime, run } from "../consumer/workspace";
import { assertNoLeaks, fileHaystacks, type Haystack } from "../support/leaks";

const README = path.resolve(__dirname, "..", "..", "README.md");
const FILES = ["package.json", "Pulumi.yaml", "tsconfig.json", ".env", "index.ts"];
const NOT_PUBLISHED = /^npm install pulumi-pipecat-secrets\b/;
const EMULATOR = /^npx pipecat-secrets-emulator\b/;
const CONFIG_LINE = /^pulumi config set .+$/;

/** The README's fenced blocks that carry a title (```json title="package.json"), by title. */
export function titledBlocks(markdown: string): Map<string, string> {
    const blocks = new Map<string, string>();
    for (const m of markdown.matchAll(/^```\w*\s+title="([^"]+)"\n([\s\S]*?)^```$/gm)) {
        assert.ok(!blocks.has(m[1]!), `README.md has two blocks titled "${m[1]}"`);
        blocks.set(m[1]!, m[2]!);
    }
    return blocks;
}

/** A command line without its trailing `# comment`. */
const command = (line: string): string => line.replace(/\s+#.*$/, "").trim();

describe("README.md Quickstart", function () {
    this.timeout(900_000);
    const outputs: Haystack[] = [];
    const workspace = packedWorkspace("pcs-quickstart-", () => undefined);
    let emulator: ChildProcess | undefined;
    after(() => {
        if (emulator?.pid !== undefined) process.kill(-emulator.pid, "SIGTERM");
    });

    it("copied into an empty folder, installs, previews, brings the stack up against the emulator and destroys it", async () => {
        const blocks = titledBlocks(fs.readFileSync(README, "utf8"));
        const dir = path.join(workspace.workRoot(), "my-pipecat-stack");
        fs.mkdirSync(dir);
        for (const file of FILES) {
            const text = blocks.get(file);
            assert.ok(text !== undefined, `README.md's Quickstart has no block titled "${file}"`);
            fs.writeFileSync(path.join(dir, file), text);
        }
        const dotenv = Object.fromEntries(
            blocks
                .get(".env")!
                .trim()
                .split("\n")
                .map((l) => l.split("=", 2) as [string, string]),
        );
        const lines = (blocks.get("quickstart") ?? assert.fail('README.md has no block titled "quickstart"'))
            .trim()
            .split("\n")
            .map(command);

        // A user's environment (no PULUMI_* of the caller), with the engine on PATH; the README's own `export` line
        // chooses the backend and the passphrase.
        const {
            PULUMI_BACKEND_URL: _backend,
            PULUMI_CONFIG_PASSPHRASE: _passphrase,
            ...env
        } = stackEnv(path.join(workspace.workRoot(), "user"), nodeRuntime(Number(process.versions.node.split(".")[0])));
        const bash = async (script: readonly string[]) => {
            const result = await run("bash", ["-euo", "pipefail", "-c", script.join("\n")], {
                cwd: dir,
                env,
                timeoutMs: 600_000,
                allowFail: true,
            });
            outputs.push({ label: script.join("; "), text: result.stdout + result.stderr });
            assert.equal(result.code, 0, `${script.join("\n")}\nfailed:\n${result.stdout}\n${result.stderr}`);
            return result.stdout;
        };

        // Up to the emulator: npm install, then the package (from the tarball until it is published).
        const emulatorAt = lines.findIndex((l) => EMULATOR.test(l));
        assert.ok(emulatorAt > 0, "the Quickstart starts the emulator with npx pipecat-secrets-emulator");
        await bash(
            lines.slice(0, emulatorAt).map((l) => (NOT_PUBLISHED.test(l) ? `npm install --no-audit --no-fund ${workspace.tarball()}` : l)),
        );

        // The emulator, as `npx` starts it from the folder's node_modules, in a process group of its own.
        emulator = spawn("bash", ["-c", `${lines[emulatorAt]} --port 0`], {
            cwd: dir,
            env,
            detached: true,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let printed = "";
        emulator.stdout!.on("data", (chunk: Buffer) => (printed += chunk.toString()));
        emulator.stderr!.on("data", (chunk: Buffer) => (printed += chunk.toString()));
        const deadline = Date.now() + 120_000;
        while (printed.split("\n").filter((l) => CONFIG_LINE.test(l.trim())).length < 2) {
            assert.ok(Date.now() < deadline && emulator.exitCode === null, `the emulator did not print its config lines:\n${printed}`);
            await new Promise((r) => setTimeout(r, 100));
        }
        const printedConfig = printed
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => CONFIG_LINE.test(l));
        const readmeConfig = lines.filter((l) => CONFIG_LINE.test(l));
        const url = /pipecat:apiUrl (\S+)/.exec(printedConfig.join("\n"))?.[1] ?? assert.fail(`no apiUrl line in:\n${printed}`);
        const key =
            /pipecat:apiKey (?:--secret )?(\S+)/.exec(printedConfig.join("\n"))?.[1] ?? assert.fail(`no apiKey line in:\n${printed}`);
        assert.deepEqual(
            printedConfig.map((l) => l.replace(/:\d+\//, ":PORT/")),
            readmeConfig.map((l) => l.replace(/:\d+\//, ":PORT/")),
            "the README's config lines are the ones the emulator prints",
        );
        const api = async <T>(route: string): Promise<T> => {
            const res = await fetch(`${url}${route}`, { headers: { authorization: `Bearer ${key}` } });
            assert.equal(res.status, 200, `GET ${route}`);
            return (await res.json()) as T;
        };
        const listed = async () => ({
            sets: (await api<{ sets: Array<{ name: string }> }>("/secrets")).sets.map((s) => s.name),
            agents: (await api<{ services: Array<{ name: string }> }>("/agents")).services.map((a) => a.name),
        });

        // The stack, with the config lines the emulator printed, up to `pulumi up`.
        const rest = lines.slice(emulatorAt + 1).map((l) => (CONFIG_LINE.test(l) ? printedConfig[readmeConfig.indexOf(l)]! : l));
        const destroyAt = rest.findIndex((l) => /^pulumi destroy\b/.test(l));
        assert.ok(destroyAt > 0, "the Quickstart ends with pulumi destroy");
        const exports = rest.filter((l) => /^export /.test(l));
        assert.ok(
            rest.some((l) => /^pulumi preview\b/.test(l)),
            "the Quickstart previews before it brings the stack up",
        );
        await bash(rest.slice(0, destroyAt));

        const outs = JSON.parse(await bash([...exports, "pulumi stack output --json"])) as {
            agentName: string;
            ready: boolean;
            keys: string[];
        };
        assert.equal(outs.ready, true, "the agent is ready when pulumi up returns");
        assert.deepEqual(outs.keys, Object.keys(dotenv).sort());
        const up = await listed();
        assert.equal(up.sets.length, 1, up.sets.join(", "));
        assert.match(up.sets[0]!, /^bot-secrets-[a-z0-9]{7}$/);
        assert.deepEqual(up.agents, [outs.agentName]);
        assert.match(outs.agentName, /^bot-[a-z0-9]{7}$/);

        await bash([...exports, ...rest.slice(destroyAt)]);
        const destroyed = await listed();
        assert.deepEqual(destroyed, { sets: [], agents: [] }, "pulumi destroy left nothing");

        assertNoLeaks(
            [...outputs, { label: "emulator output", text: printed }, ...fileHaystacks([path.join(dir, ".pulumi-state")])],
            Object.values(dotenv),
            "the Quickstart's output and state",
        );
    });
});
