/**
 * `npm run demo` (after scripts/demo.sh has built the package and the engine): the product's story in five
 * steps, through the real Pulumi engine, against the emulator embedded in this process, on a throw-away local
 * backend. Nothing leaves the machine and no value is ever printed.
 *
 * 1. from source to a running agent: examples/from-source's `up` has the emulator build bot/ (one upload to its
 *    storage, without the API key; the build queued, then building), writes the secret set, and deploys the agent
 *    on that build (autonamed: the names are read from the stack's outputs), all ready when it returns;
 * 2. a pull request changes bot/bot.py and rotates one value: `pulumi preview --diff` shows the new build, names the
 *    key and hides its value, and plans the agent's redeploy, with 0 requests (the context is hashed locally);
 * 3. apply it: one upload, a new build, the set rewritten; the agent runs the new build with the new value;
 * 4. drift made behind Pulumi's back (the earlier build redeployed by hand, a key deleted) is shown by refresh and
 *    repaired by up, without building again;
 * 5. destroy, agent first; the emulator holds no set and no agent, and the builds stay (Pipecat's immutable records).
 *
 * Values come from the environment when given (the spec injects them, so it can scan the output for them), else
 * they are random: DEMO_API_KEY, DEMO_OPENAI_KEY, DEMO_OPENAI_KEY_ROTATED, DEMO_DAILY_KEY.
 * Lines starting with "emulator:" are facts read from the emulator after a step; test/demo/demo.spec.ts checks them.
 * The Pulumi engine is the one scripts/install-engine.sh --demo chose (.pulumi-engine/demo-path): an installed Pulumi
 * from 3.139, else the pinned one built into .pulumi-engine/bin. The run ends with "Next:" lines for a user's own stack.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type Emulator, startEmulator } from "../emulator";
import { readTarGz } from "../emulator/builds/archive";
import { hermeticEnv, linkModules } from "../test/support/engine";

const root = path.resolve(__dirname, "..");
const EXAMPLE = path.join(root, "examples", "from-source");
/** The autonamed set and agent of the stack, from its outputs once step 1 has created them. */
const names = { set: "", agent: "" };
/** The line the pull request adds to bot/bot.py (inside `bot()`, the file's last function). */
const CODE_CHANGE = '    logger.info("greeting the caller")';

const value = (name: string, prefix: string): string => process.env[name] || `${prefix}-${randomBytes(12).toString("hex")}`;
const V = {
    apiKey: value("DEMO_API_KEY", "demo-key"),
    openai: value("DEMO_OPENAI_KEY", "sk-demo"),
    openaiRotated: value("DEMO_OPENAI_KEY_ROTATED", "sk-demo-rotated"),
    daily: value("DEMO_DAILY_KEY", "demo-daily"),
};

// scripts/demo.sh passes when it started, so "Done in" counts the preparation (npm ci, build, engine) too.
const started = Number(process.env["DEMO_STARTED_MS"]) || Date.now();
const prepared = Date.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line = ""): void => void process.stdout.write(`${line}\n`);
const fact = (line: string): void => say(`   emulator: ${line}`);
let stepNo = 0;
const step = (title: string): void => say(`\n== ${++stepNo}/5 ${title}`);

/**
 * Engine lines that tell nothing here: URNs and provider references of `--diff`, progress, destroy's advice on
 * `stack rm` (the backend is thrown away), and the build's progress lines as they come (the run's Diagnostics
 * repeat them, together, at its end).
 */
const NOISE = [
    /^\s*\[(urn|provider)=/,
    /^\s*@ /,
    /history and configuration associated with the stack/,
    /remove the stack completely/,
    /^\s*[+~-]?\s*pulumi:pulumi:Stack \S+ (creating \(\d+s\)|running) \S/,
];

/**
 * A filter for `--diff` output that leaves out the inputs that do not change (an updated resource lists them all),
 * so the lines that remain are the ones a reviewer needs: what changes, marked `~`, `+` or `-`. Of a replaced
 * resource (a new build) it also leaves out the old one's outputs, each marked `-` (the new one gets its own).
 */
function changedOnly(): (line: string) => boolean {
    const open: boolean[] = []; // for each open `{` of a property: whether its line was kept
    let replacing = false; // inside the lines of a resource marked `(replace)`
    return (line) => {
        const t = line.trim();
        const marked = /^[~+-] /.test(t);
        if (t === "}" || t === "]") return open.pop() ?? true;
        const header = /\((update|create|delete|same|replace|create-replacement|delete-replaced)\)$/.exec(t);
        if (header) replacing = header[1] === "replace";
        const property = /^[~+-]?\s*(\[\d+\]|[A-Za-z_][\w-]*)\s*: /.test(t) && !header;
        if (property && replacing && t.startsWith("- ") && open.length === 0) return false;
        const keep = !property || marked || open.at(-1) === true;
        if (t.endsWith("{") || t.endsWith("[")) open.push(keep);
        return keep;
    };
}

/** One throw-away Pulumi workspace: state, PULUMI_HOME and the stack's config file, all in `dir`. */
interface Workspace {
    readonly dir: string;
    readonly env: NodeJS.ProcessEnv;
    readonly projectDir: string;
}

/** The directory holding the `pulumi` the demo runs: what scripts/install-engine.sh --demo chose. */
function engineDir(): string {
    const chosen = path.join(root, ".pulumi-engine", "demo-path");
    const dir = fs.existsSync(chosen) ? fs.readFileSync(chosen, "utf8").trim() : path.join(root, ".pulumi-engine", "bin");
    // The real path: the engine warns when the plugin it finds on PATH is not where it expected it.
    return fs.realpathSync(dir);
}

function workspace(apiUrl: string): Workspace {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipecat-demo-"));
    // A copy of examples/from-source as a user would copy it (its Pulumi.yaml, package.json, tsconfig.json, index.ts
    // and bot/), in a folder of our own: `pulumi stack init` writes the stack's config file beside Pulumi.yaml, and
    // step 2 changes bot/bot.py: neither may touch the checkout.
    const projectDir = path.join(dir, "project");
    fs.mkdirSync(projectDir);
    fs.mkdirSync(path.join(dir, "state"));
    for (const file of ["Pulumi.yaml", "package.json", "tsconfig.json", "index.ts"])
        fs.copyFileSync(path.join(EXAMPLE, file), path.join(projectDir, file));
    fs.cpSync(path.join(EXAMPLE, "bot"), path.join(projectDir, "bot"), { recursive: true });
    // Instead of `npm install` (a minute): the program and the provider process (which runs in this folder) require
    // pulumi-pipecat-secrets from the program's node_modules, where it is this checkout; the rest is the checkout's.
    linkModules(projectDir);
    const base: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PIPECAT_") && !k.startsWith("DEMO_")) base[k] = v;
    const env = hermeticEnv({
        home: path.join(dir, "home"),
        stateDir: path.join(dir, "state"),
        passphrase: "demo",
        bin: engineDir(),
        base,
        transpileOnly: true,
    });
    env["PIPECAT_API_URL"] = apiUrl;
    return { dir, env, projectDir };
}

/**
 * Runs `pulumi <args>`; prints the command, then its output without the noise, indented. `input` goes to
 * standard input (config values never go on a command line). Fails the demo on a non-zero exit.
 */
function pulumi(
    ws: Workspace,
    args: string[],
    opts: { input?: string; quiet?: boolean; shown?: string; onlyChanges?: boolean } = {},
): Promise<string> {
    say(
        `$ pulumi ${opts.shown ?? args.join(" ")}${opts.onlyChanges ? "   (unchanged inputs, and a replaced build's old outputs, left out below)" : ""}`,
    );
    const changed = opts.onlyChanges ? changedOnly() : () => true;
    return new Promise((resolve, reject) => {
        const child = spawn("pulumi", ["--non-interactive", ...args], { cwd: ws.projectDir, env: ws.env, stdio: ["pipe", "pipe", "pipe"] });
        let out = "";
        let pending = "";
        let blank = true;
        const show = (line: string): void => {
            if (opts.quiet || NOISE.some((re) => re.test(line)) || !changed(line)) return;
            if (line.trim() === "") {
                if (!blank) say();
                blank = true;
                return;
            }
            blank = false;
            say(`    ${line}`);
        };
        const onData = (chunk: string): void => {
            out += chunk;
            pending += chunk;
            const lines = pending.split("\n");
            pending = lines.pop() ?? "";
            lines.forEach(show);
        };
        child.stdout.setEncoding("utf8").on("data", onData);
        child.stderr.setEncoding("utf8").on("data", onData);
        child.stdin.end(opts.input ?? "");
        child.on("error", reject);
        child.on("close", (code) => {
            if (pending !== "") show(pending);
            if (code === 0) resolve(out);
            else reject(new Error(`pulumi ${args[0]} exited with ${code}; its output is above`));
        });
    });
}

/** A request to the emulator as a user would send it with curl; prints the call and its status, never a body. */
async function api(emulator: Emulator, method: string, route: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${emulator.url}${route}`, {
        method,
        headers: { Authorization: `Bearer ${V.apiKey}`, "Content-Type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json: unknown = await res.json();
    if (method !== "GET")
        say(`$ curl -X ${method} $PIPECAT_API_URL${route}${body === undefined ? "" : ` -d '${JSON.stringify(body)}'`}   → ${res.status}`);
    if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}`);
    return json;
}

interface AgentDetails {
    readonly ready: boolean;
}

/** The first 8 characters of a build's id, as the provider's progress lines name it. */
const short = (id: string | undefined): string => (id ?? "?").slice(0, 8);
const seconds = (ms: number | undefined): string => (ms === undefined ? "?" : (ms / 1000).toFixed(1));

/** What the API says about the set and the agent (names, keys, readiness: the API never returns values), and what the agent runs. */
async function showState(emulator: Emulator): Promise<void> {
    const { sets } = (await api(emulator, "GET", "/secrets")) as { sets: { name: string }[] };
    for (const s of sets) {
        const detail = (await api(emulator, "GET", `/secrets/${s.name}`)) as { secrets: { fieldName: string }[]; status: string };
        fact(
            `set ${s.name}: ${detail.status}, keys ${detail.secrets
                .map((k) => k.fieldName)
                .sort()
                .join(", ")}`,
        );
    }
    const agent = emulator.agent(names.agent);
    if (agent === undefined) return fact(`agent ${names.agent}: none`);
    const details = (await api(emulator, "GET", `/agents/${names.agent}`)) as AgentDetails;
    const image = emulator.agentImage(names.agent);
    const build = emulator.builds().find((b) => b.imageUri !== undefined && b.imageUri === image);
    const last = agent.deployments.at(-1);
    fact(
        `agent ${names.agent}: ready=${details.ready}, runs ${build === undefined ? `image ${image ?? "(none)"}` : `build ${short(build.id)}'s image`}, ` +
            `deployments ${agent.deployments.length}, newest forced=${last?.forced === true ? "yes" : "no"}`,
    );
}

/**
 * What reached the emulator's storage since `since` uploads (the files the builder unpacked, the Authorization
 * header), and every build with its timeline on the emulator's clock.
 */
function showBuilds(emulator: Emulator, since: number): void {
    const uploads = emulator.uploads().slice(since);
    fact(`uploads in this step: ${uploads.length}`);
    for (const u of uploads) {
        const files = readTarGz(u.archive).map((f) => f.path);
        fact(
            `upload to storage ${u.bucketKey.replace(/[^/]+\/context/, "…/context")}: ${u.archive.length} bytes, files ${files.join(", ")}; ` +
                `Authorization header: ${u.hadAuthorization ? "yes" : "none"}; .env sent: ${files.some((f) => /(^|\/)\.env/.test(f)) ? "yes" : "no"}`,
        );
    }
    for (const b of emulator.builds()) {
        const queued = b.startedAt === undefined ? undefined : b.startedAt - b.createdAt;
        const built = b.startedAt === undefined || b.completedAt === undefined ? undefined : b.completedAt - b.startedAt;
        fact(
            `build ${short(b.id)}: ${b.status}, context ${b.contextHash} (${b.fileCount} files), queued ${seconds(queued)} s, building ${seconds(built)} s`,
        );
    }
}

/** Whether the running agent sees `key` = `expected`: a yes/no, the value itself never leaves this function. */
function runs(emulator: Emulator, key: string, expected: string): string {
    return emulator.runningSecrets(names.agent)?.[key] === expected ? "yes" : "no";
}

/**
 * Pulumi shows a change of a list position by position: a key deleted from the middle of `keys` reads like a
 * rename (`~ [0]: "DAILY_API_KEY" => "OPENAI_API_KEY"`, `- [1]: "OPENAI_API_KEY"`). This reads the list before
 * and after from such a block of `--diff` output and says in words which keys went and came.
 */
function listChange(output: string, property: string): string | undefined {
    const lines = output.split("\n");
    const start = lines.findIndex((l) => new RegExp(`^\\s*~ ${property}\\s*: \\[$`).test(l));
    if (start === -1) return undefined;
    const before: string[] = [];
    const after: string[] = [];
    for (const line of lines.slice(start + 1)) {
        const t = line.trim();
        if (t === "]") break;
        const changed = /^~ \[\d+\]: "(.*)" => "(.*)"$/.exec(t);
        const removed = /^- \[\d+\]: "(.*)"$/.exec(t);
        const added = /^\+ \[\d+\]: "(.*)"$/.exec(t);
        const same = /^\[\d+\]: "(.*)"$/.exec(t);
        if (changed) (before.push(changed[1]!), after.push(changed[2]!));
        else if (removed) before.push(removed[1]!);
        else if (added) after.push(added[1]!);
        else if (same) (before.push(same[1]!), after.push(same[1]!));
        else return undefined; // not a list of strings: say nothing rather than something wrong
    }
    const gone = before.filter((k) => !after.includes(k));
    const came = after.filter((k) => !before.includes(k));
    const kept = before.filter((k) => after.includes(k));
    const parts = [
        gone.length > 0 ? `lost ${gone.join(", ")}` : "",
        came.length > 0 ? `gained ${came.join(", ")}` : "",
        kept.length > 0 ? `kept ${kept.join(", ")}` : "",
    ];
    return `Pulumi compares \`${property}\` position by position, so the lines above are no rename: it ${parts.filter((p) => p !== "").join("; ")}.`;
}

async function main(): Promise<void> {
    // Sets pending 300 ms after each write, deployments 300 ms creating + 300 ms validating, builds queued 400 ms and
    // building 1.4 s: the waits are real, and short.
    const emulator = await startEmulator({
        apiKey: V.apiKey,
        readyAfterMs: 300,
        deployPhaseMs: { creating: 300, validating: 300 },
        buildQueueMs: 400,
        buildDurationMs: 1400,
    });
    const ws = workspace(emulator.url);
    try {
        say(`Pipecat Cloud emulator at ${emulator.url} (in this process); state in a throw-away local backend.`);
        say(
            "Program: examples/from-source (bot/: a Dockerfile and its sources; a secret set; an agent on the build). No value is ever shown.",
        );
        await pulumi(ws, ["stack", "init", "demo"], { quiet: true });
        const secret = (key: string, v: string) =>
            pulumi(ws, ["config", "set", "--secret", "--", key], { input: v, quiet: true, shown: `config set --secret ${key} <value>` });
        await secret("pipecat:apiKey", V.apiKey);
        await secret("openaiKey", V.openai);
        await secret("dailyKey", V.daily);
        // What a developer keeps next to the bot to run it locally: never part of a build's context.
        fs.writeFileSync(path.join(ws.projectDir, "bot", ".env"), `OPENAI_API_KEY=${V.openai}\n`);
        say("$ echo OPENAI_API_KEY=<value> > bot/.env   (a local .env, to run the bot on this machine)");

        step("From source to a running agent: `up` builds bot/, writes the set, and deploys the agent on the build");
        await pulumi(ws, ["up", "--yes", "--skip-preview", "--suppress-outputs", "--suppress-progress"]);
        const outputs = JSON.parse(await pulumi(ws, ["stack", "output", "--json"], { quiet: true })) as Record<string, string>;
        Object.assign(names, { set: outputs["secretSetName"], agent: outputs["agentName"] });
        say(`Autonamed: set ${names.set}, agent ${names.agent} (another stack gets names of its own).`);
        showBuilds(emulator, 0);
        await showState(emulator);
        fact(`the running agent sees the declared OPENAI_API_KEY: ${runs(emulator, "OPENAI_API_KEY", V.openai)}`);

        step(
            "A pull request changes bot/bot.py and rotates OPENAI_API_KEY: its review shows the new build, the key (value hidden), the redeploy",
        );
        fs.appendFileSync(path.join(ws.projectDir, "bot", "bot.py"), `${CODE_CHANGE}\n`);
        say(`$ echo '${CODE_CHANGE}' >> bot/bot.py`);
        await secret("openaiKey", V.openaiRotated);
        emulator.clearRequests();
        await pulumi(ws, ["preview", "--diff", "--suppress-outputs"], { onlyChanges: true });
        fact(`requests sent by the preview: ${emulator.requests.length} (bot/ is hashed on this machine)`);

        step("Apply it: one upload and a new build, the set rewritten, then the agent redeployed on the new build");
        const uploaded = emulator.uploads().length;
        await pulumi(ws, ["up", "--yes", "--skip-preview", "--suppress-outputs", "--suppress-progress"]);
        showBuilds(emulator, uploaded);
        await showState(emulator);
        fact(
            `the running agent sees the new OPENAI_API_KEY: ${runs(emulator, "OPENAI_API_KEY", V.openaiRotated)}; the old one: ${runs(emulator, "OPENAI_API_KEY", V.openai)}`,
        );

        step("Drift: the first build redeployed by hand and a key deleted behind Pulumi's back; refresh shows it, up repairs it");
        const [first, latest] = emulator.builds();
        // The deployment first: a deployment binds the set, and the API refuses it (409) while a key deletion
        // re-provisions the set. Once it serves the first build (about 0.6 s), the key goes.
        await api(emulator, "POST", `/agents/${names.agent}`, { buildId: first?.id });
        for (let waited = 0; emulator.agentImage(names.agent) !== first?.imageUri && waited < 10_000; waited += 100) await sleep(100);
        await api(emulator, "DELETE", `/secrets/${names.set}/DAILY_API_KEY`);
        await showState(emulator);
        const refreshed = await pulumi(ws, ["refresh", "--yes", "--skip-preview", "--diff", "--suppress-outputs", "--suppress-progress"], {
            onlyChanges: true,
        });
        const note = listChange(refreshed, "keys");
        if (note !== undefined) say(`   note: ${note}`);
        const before = emulator.uploads().length;
        await pulumi(ws, ["up", "--yes", "--skip-preview", "--suppress-outputs", "--suppress-progress"]);
        await showState(emulator);
        fact(
            `the running agent runs the declared build ${short(latest?.id)} again, without a new build: uploads ${emulator.uploads().length - before}, builds ${emulator.builds().length}`,
        );
        fact(`the running agent sees DAILY_API_KEY again: ${runs(emulator, "DAILY_API_KEY", V.daily)}`);

        step("Destroy: the agent first, then the set it binds; the builds stay, Pipecat's immutable records");
        emulator.clearRequests();
        await pulumi(ws, ["destroy", "--yes", "--skip-preview", "--suppress-outputs", "--suppress-progress"]);
        const deletes = emulator.requests.filter((r) => r.method === "DELETE").map((r) => r.path.replace(/^\/v1/, ""));
        fact(`deletes in order: ${deletes.join(", ")}`);
        const left = (await api(emulator, "GET", "/secrets")) as { sets: unknown[] };
        const agents = (await api(emulator, "GET", "/agents")) as { services: unknown[] };
        const builds = (await api(emulator, "GET", "/builds")) as { total: number };
        fact(
            `holds ${left.sets.length} sets, ${agents.services.length} agents and ${builds.total} builds (destroy dropped them from the state only)`,
        );
        const secs = (from: number): number => Math.round((Date.now() - from) / 1000);
        say(
            `\nDone in ${secs(started)} s${prepared - started >= 1000 ? ` (${Math.round((prepared - started) / 1000)} s of it preparing: dependencies, build, engine)` : ""}.`,
        );
        say("\nNext:");
        say("  - Your own stack: the README's Quickstart, or copy examples/from-source (your bot's source, its keys, its agent)");
        say("    or examples/basic (an image you build, pulled with an image-pull set); each README lists the config it needs:");
        say("      cp -r examples/from-source ../my-bot && cd ../my-bot && npm install && pulumi stack init dev");
        say("  - Your own .env: `npx pipecat-secrets import-env .env --key agentSecrets` puts it in the stack's config, encrypted;");
        say('    or read it in the program with dotEnvSecrets(".env") (README, "From a .env file").');
        say("  - Previews on pull requests: examples/github-actions (`pulumi preview --diff` as a PR comment, `pulumi up` on main).");
    } finally {
        fs.rmSync(ws.dir, { recursive: true, force: true });
        await emulator.close();
    }
}

main().catch((err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});
