/**
 * CPU and wall time of one operation at one N, for several builds of this package side by side (interleaved, order
 * alternating per round), the floor, and the floor with a larger serialized provider: a way to compare two commits
 * (or a change and its base) through the real engine. Not part of `npm run bench`. Usage:
 *   npx ts-node --transpile-only bench/compare.ts <op> <n> <runs> <variant>...
 * op: `create` (`up` from an empty stack, destroyed after each run), `preview0` (a no-change preview), `up0` (a no-op up).
 * variant: `floor`, `floorsized:<extra bytes>`, or the directory of a checkout with dist/ built and a node_modules
 * symlink (`git archive <commit> | tar -x -C /tmp/x && ln -s $PWD/node_modules /tmp/x/ && (cd /tmp/x && npx tsc -p .)`).
 * COMPARE_ENV_<i>: extra environment of variant i as JSON, e.g. NODE_OPTIONS with a hook of bench/profile/.
 * COMPARE_TIMELINE=1: also the emulator's view of each run: from the first request to the last, and per set from its
 * first request to its last (how long a create's own requests take, against the whole `up`).
 * Prints per variant: the bench process's CPU (the emulator's, mostly), the pulumi tree's CPU and the wall time
 * (median [min-max]), and the load average seen.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../emulator";
import { createBenchProject, type BenchProject } from "./project";
import { floorWithLargerProvider, makeSets } from "./programs";
import { summarize } from "./stats";

const UP = ["up", "--yes", "--skip-preview", "--non-interactive"];
const DESTROY = ["destroy", "--yes", "--skip-preview"];

async function main(): Promise<void> {
    const [op, nRaw, runsRaw, ...variants] = process.argv.slice(2);
    const n = Number(nRaw);
    const runs = Number(runsRaw);
    const emulator = await startEmulator({ apiKey: "bench-api-key-not-a-real-one" });
    const projects: { label: string; p: BenchProject; env: Record<string, string> }[] = [];
    try {
        for (const [i, v] of variants.entries()) {
            const kind = v === "floor" ? "floor" : v.startsWith("floorsized:") ? "floorsized" : "ours";
            const source = kind === "floorsized" ? floorWithLargerProvider(Number(v.split(":")[1])) : undefined;
            const p = await createBenchProject(kind, emulator, source, { "sets.json": "{}" }, `cmp${i}`);
            if (kind === "ours") {
                const link = path.join(p.project.programDir, "node_modules", "pulumi-pipecat-secrets");
                fs.unlinkSync(link);
                fs.symlinkSync(path.resolve(v as string), link, "dir");
            }
            p.declare(makeSets(n));
            const env = JSON.parse(process.env[`COMPARE_ENV_${i}`] ?? "{}") as Record<string, string>;
            projects.push({ label: `${i}:${v}`, p, env });
        }
        const opArgs = op === "create" || op === "up0" ? UP : ["preview", "--non-interactive"];
        for (const { p } of projects) {
            await p.pulumi(UP);
            if (op === "create") await p.pulumi(DESTROY);
        }
        const cpu: Record<string, number[]> = {};
        const wall: Record<string, number[]> = {};
        const loads: number[] = [];
        const emu: Record<string, number[]> = {};
        for (let r = 0; r < runs; r++) {
            const order = r % 2 === 0 ? projects : [...projects].reverse();
            for (const { label, p, env } of order) {
                loads.push(os.loadavg()[0] ?? 0);
                emulator.clearRequests();
                const own = process.cpuUsage();
                const m = await p.pulumi(opArgs, env);
                const du = process.cpuUsage(own);
                const ownMs = (du.user + du.system) / 1000;
                (emu[label] ??= []).push(ownMs);
                (cpu[label] ??= []).push(m.cpuMs);
                (wall[label] ??= []).push(m.ms);
                if (process.env["COMPARE_TIMELINE"] && emulator.requests.length > 0) {
                    const bySet = new Map<string, number[]>();
                    for (const q of emulator.requests) if (q.setName) bySet.set(q.setName, [...(bySet.get(q.setName) ?? []), q.at]);
                    const lists = emulator.requests.filter((q) => q.setName === undefined).map((q) => q.at);
                    const ats = emulator.requests.map((q) => q.at);
                    const gaps = [...bySet.values()].map((t) => (t.length > 1 ? (t[t.length - 1] as number) - (t[0] as number) : 0));
                    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
                    process.stderr.write(
                        `  timeline: requests span ${Math.max(...ats) - Math.min(...ats)} ms; per set first-to-last request median ${med(gaps)} max ${Math.max(...gaps)}; lists ${lists.length}\n`,
                    );
                }
                process.stderr.write(
                    `run ${r} ${label}: wall ${Math.round(m.ms)} cpu ${Math.round(m.cpuMs)} emu ${Math.round(ownMs)} requests ${emulator.requests.length} lists ${emulator.requests.filter((q) => q.method === "GET" && q.path === "/v1/secrets").length} load ${os.loadavg()[0]?.toFixed(2)}\n`,
                );
                if (op === "create") await p.pulumi(DESTROY);
            }
        }
        for (const { label } of projects) {
            const c = summarize(cpu[label] as number[]);
            const w = summarize(wall[label] as number[]);
            process.stdout.write(
                `${label}\temu ${Math.round(summarize(emu[label] as number[]).median)}\tcpu ${Math.round(c.median)} [${Math.round(c.min)}-${Math.round(c.max)}]\twall ${Math.round(w.median)} [${Math.round(w.min)}-${Math.round(w.max)}]\n`,
            );
        }
        process.stdout.write(`load ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)}\n`);
    } finally {
        for (const { p } of projects) p.cleanup();
        await emulator.close();
    }
}

main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
});
