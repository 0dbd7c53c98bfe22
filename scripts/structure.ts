/**
 * The shape of the code in numbers, and the rules of its import graph (ARCHITECTURE.md): a room per resource over
 * plumbing that names none. `npx ts-node --transpile-only scripts/structure.ts` prints the numbers;
 * `test/scripts/structure.spec.ts` holds the rules.
 *
 * - Rooms: `provider/<room>/` and `emulator/<room>/`, one per resource (and the .env ways into a SecretSet).
 * - Plumbing: every other file of provider/ and emulator/. It imports no room, except the composition roots that
 *   wire the rooms together (the entry points, the emulator's server).
 * - The transport (`provider/api/`) imports nothing of the provider but itself and `provider/errors.ts`.
 * - A room imports another room only where one resource uses another (an Agent binds sets and runs a build).
 * - No import circle.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

export const ROOMS: Readonly<Record<string, readonly string[]>> = {
    provider: ["secretset", "agent", "build", "organization", "dotenv"],
    emulator: ["secrets", "agents", "builds", "properties"],
};
/** Plumbing that may import rooms: it wires them together. */
export const COMPOSITION_ROOTS: readonly string[] = [
    "provider/index.ts",
    "emulator/index.ts",
    "emulator/emulator.ts",
    "emulator/server.ts",
    "emulator/routes.ts",
];
/** Arrows between rooms, each for a reason a user can see. */
export const ROOM_TO_ROOM: Readonly<Record<string, string>> = {
    "provider/agent -> provider/secretset": "an Agent binds secret sets",
    "provider/agent -> provider/build": "an Agent runs a build, which must be in its region",
    "provider/dotenv -> provider/secretset": "a .env file becomes a SecretSet's secrets, under its naming rules",
    "provider/secretset -> provider/organization": "a set's region must be one of the organisation's regions",
    "provider/agent -> provider/organization": "an agent's region must be one of the organisation's regions",
    "provider/build -> provider/organization":
        "a build's region must be one of the organisation's regions (and its cache lookup uses the default)",
};
const TRANSPORT = "provider/api/";
const TRANSPORT_MAY_IMPORT = ["provider/errors.ts"];

export type Graph = ReadonlyMap<string, readonly string[]>;

/** Tracked TypeScript files under `provider/` and `emulator/` of the repository at `root`, with their relative imports. */
export function importGraph(root: string): Graph {
    const files = trackedTs(root).filter((f) => /^(provider|emulator)\//.test(f));
    const graph = new Map<string, string[]>();
    for (const file of files) {
        const imports = ts.preProcessFile(fs.readFileSync(path.join(root, file), "utf8"), true, true).importedFiles;
        graph.set(
            file,
            imports
                .map((i) => i.fileName)
                .filter((spec) => spec.startsWith("."))
                .map((spec) => {
                    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
                    return [`${target}.ts`, `${target}/index.ts`].find((c) => files.includes(c)) ?? `${target}.ts`;
                }),
        );
    }
    return graph;
}

/** The room a file belongs to (`provider/agent`), or undefined for plumbing. */
export function roomOf(file: string): string | undefined {
    const [top, folder, rest] = file.split("/");
    return rest !== undefined && top !== undefined && folder !== undefined && ROOMS[top]?.includes(folder) ? `${top}/${folder}` : undefined;
}

/** Every import circle (strongly connected set of two or more files), each as its files. */
export function circles(graph: Graph): string[][] {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const found: string[][] = [];
    const visit = (v: string): void => {
        index.set(v, index.size);
        low.set(v, index.get(v)!);
        stack.push(v);
        onStack.add(v);
        for (const w of graph.get(v) ?? []) {
            if (!graph.has(w)) continue;
            if (!index.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
        if (low.get(v) !== index.get(v)) return;
        const circle: string[] = [];
        let w: string;
        do {
            w = stack.pop()!;
            onStack.delete(w);
            circle.push(w);
        } while (w !== v);
        if (circle.length > 1) found.push(circle.sort());
    };
    for (const v of graph.keys()) if (!index.has(v)) visit(v);
    return found;
}

/** Arrows that break the rules above, as `from -> to (why)`. */
export function brokenArrows(graph: Graph): string[] {
    const broken: string[] = [];
    for (const [from, targets] of graph) {
        for (const to of targets) {
            const [fromRoom, toRoom] = [roomOf(from), roomOf(to)];
            if (!fromRoom && toRoom && !COMPOSITION_ROOTS.includes(from)) broken.push(`${from} -> ${to} (plumbing names a resource)`);
            if (fromRoom && toRoom && fromRoom !== toRoom && !ROOM_TO_ROOM[`${fromRoom} -> ${toRoom}`])
                broken.push(`${from} -> ${to} (one room reaches into another)`);
            if (from.startsWith(TRANSPORT) && !to.startsWith(TRANSPORT) && !TRANSPORT_MAY_IMPORT.includes(to))
                broken.push(`${from} -> ${to} (the transport reaches up)`);
        }
    }
    return broken;
}

function trackedTs(root: string): string[] {
    const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts"], { cwd: root, encoding: "utf8" });
    return listed
        .split("\n")
        .filter(Boolean)
        .filter((f) => fs.existsSync(path.join(root, f)));
}

/** The numbers issue 18 asked for: the largest files, casts, appended messages, circles, broken arrows, helper copies. */
export function report(root: string): string {
    const files = trackedTs(root);
    const text = (f: string) => fs.readFileSync(path.join(root, f), "utf8");
    const lines = (f: string) => text(f).split("\n").length - 1;
    const count = (re: RegExp, under: string) =>
        files.filter((f) => f.startsWith(under)).reduce((n, f) => n + (text(f).match(re)?.length ?? 0), 0);
    const out: string[] = [];
    for (const top of ["provider", "emulator", "test", "bench", "scripts"]) {
        const own = files
            .filter((f) => f.startsWith(`${top}/`))
            .map((f) => [f, lines(f)] as const)
            .sort((a, b) => b[1] - a[1]);
        const largest = own.slice(0, 3).map(([f, n]) => `${f} ${n}`);
        out.push(`${top}: ${own.length} files; largest ${largest.join(", ")}; over 350 lines: ${own.filter(([, n]) => n > 350).length}`);
    }
    out.push(`"as unknown as" casts: provider ${count(/as unknown as/g, "provider/")}, emulator ${count(/as unknown as/g, "emulator/")}`);
    out.push(`error messages appended to (.message +=): provider ${count(/\.message \+=/g, "provider/")}`);
    out.push(`Record<string, unknown> in provider/: ${count(/Record<string, unknown>/g, "provider/")}`);
    const graph = importGraph(root);
    const found = circles(graph);
    out.push(`import circles: ${found.length}${found.map((c) => `\n  ${c.join(" <-> ")}`).join("")}`);
    const broken = brokenArrows(graph);
    out.push(`arrows against the rules: ${broken.length}${broken.map((a) => `\n  ${a}`).join("")}`);
    const tests = files.filter((f) => /^(test|bench|scripts)\//.test(f) && f !== "scripts/structure.ts");
    for (const helper of ["pulumi", "seen", "setup", "stack", "failure", "up", "preview", "destroy"]) {
        const defined = new RegExp(`(function\\s+${helper}\\s*[<(]|(const|let)\\s+${helper}\\s*=)`);
        out.push(`test helper ${helper}(): defined in ${tests.filter((f) => defined.test(text(f))).length} files`);
    }
    const hermetic = tests.filter((f) => /PULUMI_HOME/.test(text(f)) && /PULUMI_CONFIG_PASSPHRASE/.test(text(f)));
    out.push(`hermetic Pulumi environments (PULUMI_HOME and a passphrase set): ${hermetic.length} (${hermetic.join(", ")})`);
    return out.join("\n");
}

if (require.main === module) console.log(report(process.argv[2] ?? path.resolve(__dirname, "..")));
