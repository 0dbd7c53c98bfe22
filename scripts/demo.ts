/**
 * `npm run demo` (after scripts/demo.sh has built the package and the engine): the product's story in five
 * steps, through the real Pulumi engine, against the emulator embedded in this process, on a throw-away local
 * backend. Nothing leaves the machine and no value is ever printed.
 *
 * 1. create the sets and the agent of examples/basic, and wait until they are ready;
 * 2. a pull request rotates one value: `pulumi preview --diff` names the key, hides the value, plans the redeploy;
 * 3. apply it: the agent is redeployed with forceRedeploy and runs the new value;
 * 4. drift made behind Pulumi's back (a key deleted, the image changed) is shown by refresh and repaired by up;
 * 5. destroy, agent first, and the emulator is empty.
 *
 * Values come from the environment when given (the spec injects them, so it can scan the output for them), else
 * they are random: DEMO_API_KEY, DEMO_OPENAI_KEY, DEMO_OPENAI_KEY_ROTATED, DEMO_DAILY_KEY, DEMO_DOCKER_TOKEN.
 * Lines starting with "emulator:" are facts read from the emulator after a step; test/demo/demo.spec.ts checks them.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type Emulator, startEmulator } from "../emulator";

const root = path.resolve(__dirname, "..");
const SET = "voice-agent-secrets";
const AGENT = "voice-agent";
const HOTFIX = "dockerhub-user/voice-agent:hotfix";

const value = (name: string, prefix: string): string => process.env[name] || `${prefix}-${randomBytes(12).toString("hex")}`;
const V = {
    apiKey: value("DEMO_API_KEY", "demo-key"),
    openai: value("DEMO_OPENAI_KEY", "sk-demo"),
    openaiRotated: value("DEMO_OPENAI_KEY_ROTATED", "sk-demo-rotated"),
    daily: value("DEMO_DAILY_KEY", "demo-daily"),
    dockerToken: value("DEMO_DOCKER_TOKEN", "demo-token"),
};

const started = Date.now();
const say = (line = ""): void => void process.stdout.write(`${line}\n`);
const fact = (line: string): void => say(`   emulator: ${line}`);
let stepNo = 0;
const step = (title: string): void => say(`\n== ${++stepNo}/5 ${title}`);

/** Engine lines that tell nothing here: URNs and provider references of `--diff`, progress, destroy's advice on `stack rm` (the backend is thrown away). */
const NOISE = [/^\s*\[(urn|provider)=/, /^\s*@ /, /history and configuration associated with the stack/, /remove the stack completely/];

/**
 * A filter for `--diff` output that leaves out the inputs that do not change (an updated resource lists them all),
 * so the lines that remain are the ones a reviewer needs: what changes, marked `~`, `+` or `-`.
 */
function changedOnly(): (line: string) => boolean {
    const open: boolean[] = []; // for each open `{` of a property: whether its line was kept
    return (line) => {
        const t = line.trim();
        const marked = /^[~+-] /.test(t);
        if (t === "}" || t === "]") return open.pop() ?? true;
        const property = /^[~+-]?\s*(\[\d+\]|[A-Za-z_][\w-]*)\s*: /.test(t) && !/\((update|create|delete|same|replace|create-replacement|delete-replaced)\)$/.test(t);
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

function workspace(apiUrl: string): Workspace {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipecat-demo-"));
    // The root Pulumi.yaml's program, from a project folder of our own: `pulumi stack init` writes the stack's
    // config file beside Pulumi.yaml, and that must not be the checkout (a user's own Pulumi.demo.yaml would be
    // overwritten, two runs would share one). The program itself stays in examples/basic, resolved by its real path.
    const projectDir = path.join(dir, "project");
    fs.mkdirSync(projectDir);
    fs.mkdirSync(path.join(dir, "state"));
    fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(projectDir, "Pulumi.yaml"));
    fs.mkdirSync(path.join(projectDir, "examples", "basic"), { recursive: true });
    fs.copyFileSync(path.join(root, "examples", "basic", "index.ts"), path.join(projectDir, "examples", "basic", "index.ts"));
    fs.writeFileSync(path.join(projectDir, "package.json"), JSON.stringify({ name: "pipecat-secrets-demo", private: true }));
    fs.writeFileSync(path.join(projectDir, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "ES2020", module: "commonjs", strict: true } }));
    // The program and the provider process (which runs in this folder) require pulumi-pipecat-secrets as a user's
    // program would, from its node_modules: there it is this checkout, and the rest comes from the checkout's.
    const modules = path.join(projectDir, "node_modules");
    fs.mkdirSync(modules);
    for (const name of ["@pulumi", "typescript", "ts-node"]) fs.symlinkSync(path.join(root, "node_modules", name), path.join(modules, name), "dir");
    fs.symlinkSync(root, path.join(modules, "pulumi-pipecat-secrets"), "dir");
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PULUMI_") && !k.startsWith("PIPECAT_") && !k.startsWith("DEMO_")) env[k] = v;
    Object.assign(env, {
        // The real path: the engine warns when the plugin it finds on PATH is not where it expected it.
        PATH: `${fs.realpathSync(path.join(root, ".pulumi-engine", "bin"))}${path.delimiter}${process.env.PATH ?? ""}`,
        PULUMI_HOME: path.join(dir, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "demo",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        PIPECAT_API_URL: apiUrl,
    });
    return { dir, env, projectDir };
}

/**
 * Runs `pulumi <args>`; prints the command, then its output without the noise, indented. `input` goes to
 * standard input (config values never go on a command line). Fails the demo on a non-zero exit.
 */
function pulumi(ws: Workspace, args: string[], opts: { input?: string; quiet?: boolean; shown?: string; onlyChanges?: boolean } = {}): Promise<string> {
    say(`$ pulumi ${opts.shown ?? args.join(" ")}${opts.onlyChanges ? "   (unchanged inputs left out below)" : ""}`);
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
    if (method !== "GET") say(`$ curl -X ${method} $PIPECAT_API_URL${route}${body === undefined ? "" : ` -d '${JSON.stringify(body)}'`}   → ${res.status}`);
    if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}`);
    return json;
}

interface SetRow { readonly name: string; readonly type: string; readonly status?: string }
interface AgentDetails { readonly ready: boolean; readonly desiredDeploymentId: string; readonly deployment: { readonly manifest: { readonly spec: { readonly image?: string } } } }

/** What the API says about the sets and the agent (names, kinds, keys, readiness: the API never returns values). */
async function showState(emulator: Emulator): Promise<void> {
    const { sets } = (await api(emulator, "GET", "/secrets")) as { sets: SetRow[] };
    for (const s of sets) {
        // The API lists an image-pull set's status but answers 400 to a GET of it: it has no keys to list.
        if (s.type === "imagePullSecret") {
            fact(`set ${s.name}: ${s.status ?? "?"}, image-pull credentials`);
            continue;
        }
        const detail = (await api(emulator, "GET", `/secrets/${s.name}`)) as { secrets: { fieldName: string }[]; status: string };
        fact(`set ${s.name}: ${detail.status}, keys ${detail.secrets.map((k) => k.fieldName).sort().join(", ")}`);
    }
    const agent = emulator.agent(AGENT);
    if (agent === undefined) return fact(`agent ${AGENT}: none`);
    const details = (await api(emulator, "GET", `/agents/${AGENT}`)) as AgentDetails;
    const last = agent.deployments.at(-1);
    fact(`agent ${AGENT}: ready=${details.ready}, image ${details.deployment.manifest.spec.image ?? "(a build)"}, ` +
        `deployments ${agent.deployments.length}, newest forced=${last?.forced === true ? "yes" : "no"}`);
}

/** Whether the running agent sees `key` = `expected`: a yes/no, the value itself never leaves this function. */
function runs(emulator: Emulator, key: string, expected: string): string {
    return emulator.runningSecrets(AGENT)?.[key] === expected ? "yes" : "no";
}

async function main(): Promise<void> {
    // Sets pending 300 ms after each write, deployments 300 ms creating + 300 ms validating: the waits are real.
    const emulator = await startEmulator({ apiKey: V.apiKey, readyAfterMs: 300, deployPhaseMs: { creating: 300, validating: 300 } });
    const ws = workspace(emulator.url);
    try {
        say(`Pipecat Cloud emulator at ${emulator.url} (in this process); state in a throw-away local backend.`);
        say("Program: examples/basic (a secret set, an image-pull set, and an agent bound to both). No value is ever shown.");
        await pulumi(ws, ["stack", "init", "demo"], { quiet: true });
        const secret = (key: string, v: string) => pulumi(ws, ["config", "set", "--secret", "--", key], { input: v, quiet: true, shown: `config set --secret ${key} <value>` });
        await secret("pipecat:apiKey", V.apiKey);
        await secret("openaiKey", V.openai);
        await secret("dailyKey", V.daily);
        await secret("dockerToken", V.dockerToken);
        await pulumi(ws, ["config", "set", "dockerUser", "demo-bot"], { quiet: true });

        step("Create the sets and the agent; `up` returns once all three are ready");
        await pulumi(ws, ["up", "--yes", "--skip-preview", "--suppress-outputs", "--suppress-progress"]);
        await showState(emulator);
        fact(`the running agent sees the declared OPENAI_API_KEY: ${runs(emulator, "OPENAI_API_KEY", V.openai)}`);

        step("A pull request rotates OPENAI_API_KEY: what its review shows (key named, value hidden, redeploy planned)");
        await secret("openaiKey", V.openaiRotated);
        emulator.clearRequests();
        await pulumi(ws, ["preview", "--diff", "--suppress-outputs"], { onlyChanges: true });
        fact(`requests sent by the preview: ${emulator.requests.length}`);

        step("Apply it: the set is rewritten, then the agent is redeployed with forceRedeploy");
        await pulumi(ws, ["up", "--yes", "--skip-preview", "--suppress-outputs", "--suppress-progress"]);
        await showState(emulator);
        fact(`the running agent sees the new OPENAI_API_KEY: ${runs(emulator, "OPENAI_API_KEY", V.openaiRotated)}; the old one: ${runs(emulator, "OPENAI_API_KEY", V.openai)}`);

        step("Drift: a key is deleted and the image changed behind Pulumi's back; refresh shows it, up repairs it");
        // The image first: a deployment binds the set, and the API refuses it (409) while a key deletion re-provisions the set.
        await api(emulator, "POST", `/agents/${AGENT}`, { image: HOTFIX });
        await api(emulator, "DELETE", `/secrets/${SET}/DAILY_API_KEY`);
        await showState(emulator);
        await pulumi(ws, ["refresh", "--yes", "--skip-preview", "--diff", "--suppress-outputs", "--suppress-progress"], { onlyChanges: true });
        await pulumi(ws, ["up", "--yes", "--skip-preview", "--suppress-outputs", "--suppress-progress"]);
        await showState(emulator);
        fact(`the running agent sees DAILY_API_KEY again: ${runs(emulator, "DAILY_API_KEY", V.daily)}`);

        step("Destroy: the agent first, then the sets it binds");
        emulator.clearRequests();
        await pulumi(ws, ["destroy", "--yes", "--skip-preview", "--suppress-outputs", "--suppress-progress"]);
        const deletes = emulator.requests.filter((r) => r.method === "DELETE").map((r) => r.path.replace(/^\/v1/, ""));
        fact(`deletes in order: ${deletes.join(", ")}`);
        const left = (await api(emulator, "GET", "/secrets")) as { sets: unknown[] };
        const agents = (await api(emulator, "GET", "/agents")) as { services: unknown[] };
        fact(`holds ${left.sets.length} sets and ${agents.services.length} agents`);
        say(`\nDone in ${Math.round((Date.now() - started) / 1000)} s.`);
    } finally {
        fs.rmSync(ws.dir, { recursive: true, force: true });
        await emulator.close();
    }
}

main().catch((err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});
