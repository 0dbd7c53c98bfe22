/**
 * The `hashing` phase (goal 5 of issue 20): MB/s of the provider's own hash of a build context (what a Build's check
 * does: `hashContext`) and of packing it into a file (what its create does before the upload: `writeContext`), on
 * a generated context of BENCH_HASH_MB (200) MB, half incompressible (random bytes) and half compressible (repeated
 * text), and the peak RSS of a child node process doing only that. Each run is a child of its own; runs interleave.
 * Environment: BENCH_HASH_MB (200), BENCH_HASH_RUNS (3). Needs `npm run build` (it loads dist/provider/build).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../test/support/engine";
import { log } from "./commands";
import type { HashingResults } from "./report-goals";
import { round, type Summary, summarize } from "./stats";

const FILE_BYTES = 4 * 2 ** 20;

/** What the child prints: its own measurement of one operation. */
interface ChildRun {
    readonly wallMs: number;
    readonly cpuMs: number;
    readonly maxRssKiB: number;
    readonly archiveBytes: number;
}

// Runs in a child node process: loads the provider's archive module, runs one operation, prints its measurement.
const CHILD = `
const { performance } = require("node:perf_hooks");
const archive = require(process.argv[1]);
const [, , op, dir, out] = process.argv;
(async () => {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const packed = op === "hash" ? await archive.hashContext(dir) : op === "archive" ? await archive.writeContext(dir, out) : { archiveBytes: 0 };
    const wallMs = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    process.stdout.write(JSON.stringify({ wallMs, cpuMs: (used.user + used.system) / 1000, maxRssKiB: process.resourceUsage().maxRSS, archiveBytes: packed.archiveBytes }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

/** `mb` MiB of context in a new temporary directory: a Dockerfile, half random bytes, half repeated text. */
function makeContext(mb: number): { dir: string; bytes: number; files: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-context-"));
    fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM dailyco/pipecat-base:latest\nCOPY . .\n");
    const count = Math.max(2, Math.round((mb * 2 ** 20) / FILE_BYTES));
    const text = Buffer.alloc(FILE_BYTES, "the bench's compressible line of a bot's model weights and logs, repeated\n");
    fs.mkdirSync(path.join(dir, "random"));
    fs.mkdirSync(path.join(dir, "text"));
    for (let i = 0; i < count; i++) {
        const half = i % 2 === 0 ? "random" : "text";
        fs.writeFileSync(
            path.join(dir, half, `part-${String(i).padStart(3, "0")}.bin`),
            half === "random" ? randomBytes(FILE_BYTES) : text,
        );
    }
    const files =
        `${count} files of ${FILE_BYTES / 2 ** 20} MiB and a Dockerfile: ${Math.ceil(count / 2)} of random bytes (incompressible), ` +
        `${Math.floor(count / 2)} of one repeated line (compressible)`;
    return { dir, bytes: count * FILE_BYTES, files };
}

function child(op: "hash" | "archive" | "load", dir: string, out: string): ChildRun {
    const module = path.join(repoRoot, "dist", "provider", "build", "archive.js");
    const text = execFileSync(process.execPath, ["-e", CHILD, module, op, dir, out], { encoding: "utf8", maxBuffer: 1 << 20 });
    return JSON.parse(text) as ChildRun;
}

export function measureHashing(mb: number, runs: number): HashingResults {
    const loadBefore = os.loadavg()[0] ?? 0;
    const context = makeContext(mb);
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-archive-"));
    const seen = { hash: [] as ChildRun[], archive: [] as ChildRun[] };
    let archiveBytes = 0;
    try {
        const baseline = child("load", context.dir, "");
        for (let r = 0; r < runs; r++) {
            const order = r % 2 === 0 ? (["hash", "archive"] as const) : (["archive", "hash"] as const);
            for (const op of order) {
                const out = path.join(outDir, `context-${r}.tar.gz`);
                const run = child(op, context.dir, out);
                if (op === "archive") {
                    archiveBytes = fs.statSync(out).size;
                    fs.rmSync(out);
                }
                seen[op].push(run);
                log(`hashing ${op} run ${r + 1}/${runs}: ${Math.round(run.wallMs)} ms, RSS ${Math.round(run.maxRssKiB / 1024)} MiB`);
            }
        }
        const summary = (list: ChildRun[]): HashingResults["hash"] => ({
            mbPerSecond: rounded(summarize(list.map((x) => context.bytes / 2 ** 20 / (x.wallMs / 1000))), 1),
            wallMs: rounded(summarize(list.map((x) => x.wallMs))),
            cpuMs: rounded(summarize(list.map((x) => x.cpuMs))),
            maxRssMiB: rounded(summarize(list.map((x) => x.maxRssKiB / 1024)), 1),
        });
        return {
            contextBytes: context.bytes,
            files: context.files,
            archiveBytes,
            hash: summary(seen.hash),
            archive: summary(seen.archive),
            baselineRssMiB: round(baseline.maxRssKiB / 1024, 1),
            load: { before: round(loadBefore, 2), after: round(os.loadavg()[0] ?? 0, 2) },
        };
    } finally {
        fs.rmSync(context.dir, { recursive: true, force: true });
        fs.rmSync(outDir, { recursive: true, force: true });
    }
}

const rounded = (s: Summary, digits = 0): Summary => ({
    median: round(s.median, digits),
    min: round(s.min, digits),
    max: round(s.max, digits),
    runs: s.runs.map((x) => round(x, digits)),
});
