/**
 * Attacks through the real engine: `pulumi up` killed with SIGKILL while sets are written, 50 sets
 * against a rate-limited API, and `--debug` output searched for secrets.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Emulator, EmulatorOptions } from "../../emulator";
import { assertNoLeaks, type Haystack, scanForLeaks, splitRegisterResourceDumps } from "../support/leaks";
import { engineBin, type TempProject } from "../support/engine";
import { useStack } from "../support/stack";

const API_KEY = "pk-e2e-resilience-KEY-never-shown-01";

/** The program declares the sets of sets.json: resource name -> { name, secrets }. */
const program = `
import * as fs from "fs";
import { SecretSet } from "pulumi-pipecat-secrets";
const spec: Record<string, { name: string; secrets: Record<string, string> }> = JSON.parse(fs.readFileSync("sets.json", "utf8"));
for (const [resource, args] of Object.entries(spec)) new SecretSet(resource, args);
`;

/** Sets named `<prefix>-NN`, each with two keys whose values carry `generation`. */
function declared(count: number, generation: string, prefix = "set"): Record<string, { name: string; secrets: Record<string, string> }> {
    return Object.fromEntries(
        Array.from({ length: count }, (_, i) => {
            const name = `${prefix}-${String(i).padStart(2, "0")}`;
            return [
                name,
                { name, secrets: { FIRST: `${generation}-first-${name}-never-shown`, SECOND: `${generation}-second-${name}-never-shown` } },
            ];
        }),
    );
}

function valuesOf(sets: ReturnType<typeof declared>): string[] {
    return Object.values(sets).flatMap((s) => Object.values(s.secrets));
}

/** mulberry32: a small seeded generator, so a failing seed can be replayed. */
function seeded(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function assertConverged(emulator: Emulator, sets: ReturnType<typeof declared>): void {
    const snapshot = emulator.snapshot();
    assert.deepEqual(
        Object.keys(snapshot).sort(),
        Object.values(sets)
            .map((s) => s.name)
            .sort(),
        "exactly the declared sets",
    );
    for (const set of Object.values(sets)) {
        const stored = snapshot[set.name];
        assert.deepEqual(stored?.type === "secret" ? stored.secrets : undefined, set.secrets, `keys and values of ${set.name}`);
    }
}

describe("e2e: resilience through the real engine", function () {
    this.timeout(900_000);
    const secrets: string[] = [API_KEY];
    // No destroy after a scenario: its emulator, which holds everything, is thrown away with the stack.
    const s = useStack({ name: "resilience", program, secrets, what: "CLI output of the resilience scenarios", destroy: false });
    /** This test's stack, against an emulator of its own with `options`. */
    const start = (name: string, options: EmulatorOptions) => s.start({ name, emulator: { apiKey: API_KEY, ...options } });

    /**
     * Starts `pulumi up` and SIGKILLs its whole process group (CLI, language host, program, provider)
     * once the emulator has seen `afterRequests` requests: a crash mid-write.
     */
    async function upKilledAfter(project: TempProject, afterRequests: number): Promise<number> {
        const child = spawn(`${engineBin()}/pulumi`, ["up", "--yes", "--skip-preview", "--non-interactive"], {
            cwd: project.programDir,
            env: project.env,
            detached: true,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (out += d.toString()));
        const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
        const emulator = s.emulator;
        const base = emulator.requests.length;
        let killedAt = -1;
        const watch = setInterval(() => {
            if (killedAt < 0 && emulator.requests.length - base >= afterRequests) {
                killedAt = emulator.requests.length - base;
                process.kill(-(child.pid as number), "SIGKILL");
            }
        }, 2);
        await exited;
        clearInterval(watch);
        s.current.outputs.push({ label: "killed up", text: out });
        // Plugins killed mid-request may still have a request in flight: let them land.
        await new Promise((r) => setTimeout(r, 300));
        return killedAt;
    }

    /**
     * What a user does after a crash (README, "Recovering from an interrupted pulumi up"): release the
     * lock, clear the pending creates Pulumi recorded, refresh, then up once with exactly those sets
     * named in PIPECAT_ADOPT, so that a set the crashed run already wrote is taken over, not refused.
     */
    async function recover(project: TempProject): Promise<number> {
        cutSidecars += removeEmptySidecars(project.stateDir);
        await s.pulumi("cancel", ["cancel", "--yes"]).catch(() => undefined); // no lock left is fine
        const state = await project.exportStack();
        const pending = (
            (state.deployment["pending_operations"] as { resource: { inputs?: { name?: string } }; type: string }[] | undefined) ?? []
        )
            .filter((op) => op.type === "creating")
            .map((op) => op.resource.inputs?.name ?? "");
        await s.refresh("refresh", { args: ["--clear-pending-creates"] });
        await s.up("recovering up", { env: { PIPECAT_ADOPT: pending.join(",") } });
        return pending.length;
    }

    /**
     * The file backend (gocloud.dev fileblob) writes each state file atomically, but rewrites its metadata
     * sidecar `<file>.attrs` in place: a SIGKILL between truncating and writing it leaves it empty, and every
     * later command fails with "failed to load checkpoint: EOF". An absent sidecar is fine, so delete empty
     * ones (README, "Recovering from an interrupted pulumi up").
     */
    function removeEmptySidecars(dir: string): number {
        let removed = 0;
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const file = path.join(dir, entry.name);
            if (entry.isDirectory()) removed += removeEmptySidecars(file);
            else if (entry.name.endsWith(".attrs") && fs.statSync(file).size === 0) {
                fs.rmSync(file);
                removed++;
            }
        }
        return removed;
    }
    let cutSidecars = 0;
    after(() => console.log(`      empty .attrs sidecars left by SIGKILL and removed: ${cutSidecars}`));

    for (const seed of [1, 2, 3]) {
        it(`converges after pulumi up is killed mid-create and mid-update (seed ${seed})`, async () => {
            const random = seeded(seed);
            const { emulator, project } = await start(`killed-${seed}`, { readyAfterMs: 150 });
            const v1 = declared(6, `g1s${seed}`);
            const v2 = declared(6, `g2s${seed}`);
            secrets.push(...valuesOf(v1), ...valuesOf(v2));

            project.writeFile("sets.json", JSON.stringify(v1));
            const killedCreate = await upKilledAfter(project, 2 + Math.floor(random() * 14));
            const pendingCreates = await recover(project);
            assertConverged(emulator, v1);

            project.writeFile("sets.json", JSON.stringify(v2));
            const killedUpdate = await upKilledAfter(project, 1 + Math.floor(random() * 10));
            await recover(project);
            assertConverged(emulator, v2);
            console.log(
                `      seed ${seed}: killed the create after ${killedCreate} requests (${pendingCreates} pending creates recovered), ` +
                    `the update after ${killedUpdate}: converged`,
            );
        });
    }

    it("creates 50 sets under the engine's default parallelism against a 10 requests/s limit", async () => {
        const LIMIT = 10;
        const { emulator, project } = await start("rate-limited", { rateLimit: { requestsPerSecond: LIMIT } });
        const sets = declared(50, "rate", "rated");
        secrets.push(...valuesOf(sets));
        project.writeFile("sets.json", JSON.stringify(sets));
        const started = Date.now();
        await s.up("up 50");
        const seconds = (Date.now() - started) / 1000;
        assertConverged(emulator, sets);

        const requests = [...emulator.requests].sort((a, b) => a.at - b.at);
        const refused = requests.filter((r) => r.status === 429);
        assert.ok(refused.length > 0, "the limit was never reached: the test proves nothing");
        const first429 = refused[0]!.at;
        // Requests in flight when the first 429 was sent may be refused too; after one second the
        // provider paces itself, so nothing later is refused and no second holds more than the limit.
        const late = refused.filter((r) => r.at > first429 + 1000);
        const paced = requests.filter((r) => r.at > first429 + 1000);
        let busiest = 0;
        for (const r of paced) busiest = Math.max(busiest, paced.filter((x) => x.at > r.at - 1000 && x.at <= r.at).length);
        console.log(
            `      50 sets, ${requests.length} requests in ${seconds.toFixed(1)} s; ${refused.length} refused, all within 1 s of the first 429; ` +
                `afterwards at most ${busiest} requests in any second (limit ${LIMIT})`,
        );
        assert.deepEqual(
            late.map((r) => `${r.method} ${r.path}`),
            [],
        );
        assert.ok(busiest <= LIMIT, `${busiest} requests in one second after slowing down`);
    });

    it("prints no secret with --debug but in @pulumi/pulumi's own dump of planned outputs during preview", async () => {
        const { emulator, project } = await start("debug-output", {});
        const v1 = declared(2, "dbg1", "debug");
        const v2 = declared(2, "dbg2", "debug");
        const values = [...valuesOf(v1), ...valuesOf(v2)];
        const debugOutputs: Haystack[] = [];
        const debug = async (label: string, args: string[]) => {
            const result = await project.run([...args, "--debug", "--non-interactive"]);
            debugOutputs.push({ label: `${label} stdout`, text: result.stdout }, { label: `${label} stderr`, text: result.stderr });
        };
        project.writeFile("sets.json", JSON.stringify(v1));
        await debug("up", ["up", "--yes", "--skip-preview"]);
        // The serialized provider (no secret in it: resource.spec) tells where each dump ends.
        const providerText = (await project.exportStack()).deployment.resources?.find((r) => r.type.includes("pipecat:SecretSet"))
            ?.inputs?.["__provider"];
        assert.equal(typeof providerText, "string", "no serialized provider in state");
        project.writeFile("sets.json", JSON.stringify(v2));
        await debug("preview", ["preview", "--diff"]);
        await debug("up with its preview", ["up", "--yes", "--diff"]);
        await debug("refresh", ["refresh", "--yes", "--diff", "--skip-preview"]);
        await debug("destroy", ["destroy", "--yes", "--skip-preview"]);
        assert.deepEqual(emulator.snapshot(), {});
        const exported = await project.run(["stack", "export"]);

        // @pulumi/pulumi (3.248 to 3.276 at least) logs every RegisterResource response at debug level;
        // during a preview the engine answers with the planned outputs, i.e. the inputs, secrets in clear.
        // Exactly those dumps are set apart and counted (not the lines after them); everything else must be clean.
        const upstream: Haystack[] = [];
        const ours: Haystack[] = [{ label: "stack export", text: exported.stdout }];
        let dumpCount = 0;
        for (const h of debugOutputs) {
            const split = splitRegisterResourceDumps(h.text, providerText as string);
            dumpCount += split.count;
            upstream.push({ label: h.label, text: split.dumps });
            ours.push({ label: h.label, text: split.rest });
        }
        assert.ok(dumpCount > 0, "no RegisterResource dump found: the filter was not exercised");
        assertNoLeaks(ours, [API_KEY, ...values], "--debug output (less @pulumi/pulumi's RegisterResource dumps) and state");
        const sdkHits = scanForLeaks(upstream, values);
        assert.deepEqual([...new Set(sdkHits.map((l) => l.haystack))].sort(), ["preview stderr", "up with its preview stderr"].sort());
        assert.deepEqual(scanForLeaks(upstream, [API_KEY]), [], "the API key is never an input");
        console.log(
            `      --debug: 0 hits in our output; ${sdkHits.length} in @pulumi/pulumi's RegisterResource dumps of preview plans (upstream)`,
        );
    });
});
