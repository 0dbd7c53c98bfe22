/**
 * `npm run test:mutation`: runs StrykerJS (stryker.config.mjs) with the arguments given, then prints the mutation score
 * per folder of provider/ from its JSON report (reports/mutation/mutation.json).
 *
 *   npm run test:mutation                                     every file of provider/
 *   npm run test:mutation -- --mutate 'provider/agent/**\/*.ts'  one folder (any option of `stryker run`)
 *   npm run test:mutation -- --incremental                    only mutants whose code or tests changed since the last run
 *   npx ts-node --transpile-only scripts/mutation.ts report [--survived]
 *                                                             the last report again; --survived also lists the mutants
 *                                                             no test killed (survived or not covered), per file
 *
 * Score = killed (or timed out) / every mutant that compiled, as Stryker counts it; "covered" leaves out the mutants
 * that no spec executes. A mutant is an edit of the code (a condition negated, a string emptied, a block removed):
 * a surviving one is a change of behaviour that every spec tolerated.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const REPORT = path.join(ROOT, "reports", "mutation", "mutation.json");

type Status = "Killed" | "Survived" | "NoCoverage" | "Timeout" | "CompileError" | "RuntimeError" | "Ignored" | "Pending";

interface Mutant {
    readonly mutatorName: string;
    readonly replacement?: string;
    readonly status: Status;
    readonly location: {
        readonly start: { readonly line: number; readonly column: number };
        readonly end: { readonly line: number; readonly column: number };
    };
}

interface Report {
    readonly files: Readonly<Record<string, { readonly source: string; readonly mutants: readonly Mutant[] }>>;
}

/** The folder a file's score counts for: its directory, files directly in provider/ as "provider (root)". */
function folderOf(file: string): string {
    const dir = path.posix.dirname(file.split(path.sep).join("/"));
    return dir === "provider" ? "provider (root)" : dir;
}

interface Tally {
    killed: number;
    timeout: number;
    survived: number;
    noCoverage: number;
    invalid: number;
    ignored: number;
}

function tally(mutants: readonly Mutant[], into: Tally): Tally {
    for (const m of mutants) {
        if (m.status === "Killed") into.killed++;
        else if (m.status === "Timeout") into.timeout++;
        else if (m.status === "Survived") into.survived++;
        else if (m.status === "NoCoverage") into.noCoverage++;
        else if (m.status === "CompileError" || m.status === "RuntimeError") into.invalid++;
        else into.ignored++;
    }
    return into;
}

const percent = (part: number, whole: number): string => (whole === 0 ? "n/a" : `${((100 * part) / whole).toFixed(1)}%`);

function scoreTable(report: Report): string {
    const folders = new Map<string, Tally>();
    const total: Tally = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, invalid: 0, ignored: 0 };
    for (const [file, { mutants }] of Object.entries(report.files)) {
        const folder = folderOf(file);
        tally(
            mutants,
            folders.get(folder) ??
                folders.set(folder, { killed: 0, timeout: 0, survived: 0, noCoverage: 0, invalid: 0, ignored: 0 }).get(folder)!,
        );
        tally(mutants, total);
    }
    const head = ["folder", "score", "covered", "killed", "timeout", "survived", "no cov", "no compile", "ignored"];
    const row = (name: string, t: Tally): string[] => {
        const detected = t.killed + t.timeout;
        return [
            name,
            percent(detected, detected + t.survived + t.noCoverage),
            percent(detected, detected + t.survived),
            ...[t.killed, t.timeout, t.survived, t.noCoverage, t.invalid, t.ignored].map(String),
        ];
    };
    const rows = [head, ...[...folders.keys()].sort().map((f) => row(f, folders.get(f)!)), row("all", total)];
    const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
    return [
        "Mutation score per folder (score: of all valid mutants; covered: of those a spec executes)",
        line(rows[0]!),
        ...rows.slice(1).map(line),
    ].join("\n");
}

/** The mutants no spec killed, per file: line, mutator, original → replacement (each on one line, shortened). */
function survivors(report: Report): string {
    const short = (text: string) => {
        const flat = text.replace(/\s+/g, " ").trim();
        return flat.length > 70 ? `${flat.slice(0, 67)}...` : flat;
    };
    const out: string[] = [];
    for (const file of Object.keys(report.files).sort()) {
        const { source, mutants } = report.files[file]!;
        const lines = source.split("\n");
        const left = mutants
            .filter((m) => m.status === "Survived" || m.status === "NoCoverage")
            .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
        if (left.length === 0) continue;
        out.push(`\n${file}`);
        for (const m of left) {
            const { start, end } = m.location;
            const original = lines
                .slice(start.line - 1, end.line)
                .map((l, i, all) => (i === all.length - 1 ? l.slice(0, end.column - 1) : l))
                .join("\n")
                .slice(start.column - 1);
            const what = m.status === "NoCoverage" ? " (no coverage)" : "";
            out.push(`  ${start.line}:${start.column}  ${m.mutatorName}${what}: ${short(original)} → ${short(m.replacement ?? "")}`);
        }
    }
    return out.length === 0 ? "No surviving mutant." : out.join("\n");
}

function readReport(): Report {
    return JSON.parse(fs.readFileSync(REPORT, "utf8")) as Report;
}

function main(args: string[]): number {
    if (args[0] === "report") {
        if (!fs.existsSync(REPORT)) {
            console.error(`No report at ${path.relative(ROOT, REPORT)}: run npm run test:mutation first.`);
            return 1;
        }
        const report = readReport();
        console.log(scoreTable(report));
        if (args.includes("--survived")) console.log(survivors(report));
        return 0;
    }
    const started = Date.now();
    const stryker = spawnSync(path.join(ROOT, "node_modules", ".bin", "stryker"), ["run", ...args], { cwd: ROOT, stdio: "inherit" });
    const status = stryker.status ?? 1;
    if (!fs.existsSync(REPORT) || fs.statSync(REPORT).mtimeMs < started) {
        console.error("Stryker wrote no new report: no score to print.");
        return status === 0 ? 1 : status;
    }
    console.log(`\n${scoreTable(readReport())}`);
    console.log(
        `Details: ${path.relative(ROOT, path.join(path.dirname(REPORT), "mutation.html"))}; the mutants left: npx ts-node --transpile-only scripts/mutation.ts report --survived`,
    );
    return status;
}

process.exitCode = main(process.argv.slice(2));
