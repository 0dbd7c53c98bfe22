/**
 * Issue 16 through the real engine: "a running agent is never deleted, moved or taken over by mistake, and what
 * Pulumi reports is what Pipecat Cloud runs". One scenario per defect (1–8) and per suspected weakness the emulator
 * can show (s1–s3), each against the emulator with provisioning and deployment delays. Each asserts the behaviour
 * the issue expects, not today's; written against today's code, every scenario fails.
 *
 * Each scenario has its own emulator, project and stack; the program reads its sets and agents from stack.json, so
 * a step changes the program by rewriting that file. Expectations are collected (`Findings`): a scenario goes on
 * after a broken one, so its failure lists everything that differs today, with the key lines of the commands and the
 * requests the emulator saw (`METHOD path status`, never bodies).
 *
 * AGENT_SAFETY_VERBOSE=1 prints each scenario's notes even when it passes.
 */
import * as assert from "node:assert/strict";
import type { Emulator, EmulatorOptions } from "../../emulator";
import { assertNoLeaks, type Haystack } from "../support/leaks";
import { type ExportedResource, Findings, type RunResult, type TempProject } from "../support/engine";
import { EngineStack } from "../support/stack";
import { stackProgram } from "../support/stack-program";

const API_KEY = "pk-agentsafety-API-KEY-never-shown-0001";
const V = {
    openai: "sk-agentsafety-OPENAI-never-shown-0002",
    openai2: "sk-agentsafety-OPENAI2-never-shown-0003",
    daily: "agentsafety-DAILY-never-shown-0004",
    token1: "agentsafety-TOKEN-one-never-shown-0005",
    token2: "agentsafety-TOKEN-two-never-shown-0006",
    token3: "agentsafety-TOKEN-three-never-shown-0007",
    shared: "agentsafety-SHARED-never-shown-0008",
};
const b64 = (token: string) => Buffer.from(`bot:${token}`).toString("base64");
const SECRETS = [API_KEY, ...Object.values(V), ...[V.token1, V.token2, V.token3].flatMap((t) => [b64(t), `bot:${t}`])];
const IMAGE = "registry.example/voice-agent:0.1";
const HOST = "https://index.docker.io/v1/";

/** Real delays: a set is pending 300 ms after each write, a deployment is Creating 250 ms and Validating 250 ms. */
const DELAYS: EmulatorOptions = { readyAfterMs: 300, deployPhaseMs: { creating: 250, validating: 250 } };

type Spec = { sets?: Record<string, unknown>; agents?: Record<string, unknown> };

const pull = (token: string, extra: Record<string, unknown> = {}) => ({
    ...extra,
    imagePullSecret: { host: HOST, username: "bot", password: token },
});

/** The lines of a command's output that say what happened: steps, errors, the summary. */
function keyLines(r: RunResult, max = 30): string {
    const lines = `${r.stdout}\n${r.stderr}`.split("\n").map((l) => l.replace(/\s+$/, ""));
    const picked = lines.filter(
        (l) =>
            /pipecat:|error|warning|failed|\bto (create|update|delete|replace)\b|replace|created|deleted|updated|unchanged|region|Resources:/i.test(
                l,
            ) && !/__provider|using pulumi-resource-pulumi-nodejs from \$PATH/.test(l),
    );
    const unique = picked.filter((l, i) => picked.indexOf(l) === i && l.trim() !== "");
    return [`exit ${r.code}`, ...unique.slice(0, max).map((l) => l.slice(0, 500))].join("\n");
}

/** What the engine reports as errors: the diagnostics section and standard error. */
function errorText(r: RunResult): string {
    const at = r.stdout.indexOf("Diagnostics:");
    return `${at >= 0 ? r.stdout.slice(at) : ""}\n${r.stderr}`;
}

/** Whether an up stopped in its preview: the engine never started the update. */
function stoppedAtPreview(r: RunResult): boolean {
    return r.code !== 0 && !/^Updating \(/m.test(r.stdout);
}

/** A preview or up step that names `resource` with an operation matching `op` (plain output, not --diff). */
function plans(r: RunResult, type: "Agent" | "SecretSet", resource: string, op: RegExp): boolean {
    return r.stdout.split("\n").some((l) => new RegExp(`pipecat:${type}\\s+${resource}\\s`).test(l) && op.test(l));
}

interface Stack {
    readonly emulator: Emulator;
    readonly project: TempProject;
    readonly f: Findings;
    /** Runs pulumi with --non-interactive; never rejects on a non-zero exit (callers check `code`). */
    pulumi(label: string, args: string[], env?: Record<string, string>): Promise<RunResult>;
    /** `pulumi up --yes`: its preview first (what a user sees; a check failure stops it there), then the update. */
    up(label: string, extra?: string[], env?: Record<string, string>): Promise<RunResult>;
    /** `pulumi up --yes --skip-preview`, where the scenario asserts nothing of the preview (one program run less). */
    quickUp(label: string, extra?: string[]): Promise<RunResult>;
    /** An up (without preview) that must succeed for the rest of the scenario to mean anything. */
    mustUp(label: string): Promise<RunResult>;
    declare(spec: Spec): void;
    /** Requests since the last clearRequests, as `METHOD path status` (path without /v1), faulted ones marked. */
    log(): string[];
    /** The resource of the stack's state whose URN ends in `::name`, if any. */
    resource(name: string): Promise<ExportedResource | undefined>;
    urn(name: string): Promise<string>;
    setConfig(key: string, value: string, secret?: boolean): Promise<void>;
    removeConfig(key: string): Promise<void>;
}

/** Fails the scenario at once (a setup step that must work for the rest to mean anything). */
function must(r: RunResult, what: string): RunResult {
    if (r.code !== 0) assert.fail(`${what} failed:\n${keyLines(r, 40)}`);
    return r;
}

/** A direct `POST /agents` to the emulator, as another person or tool would create an agent. */
async function createDirect(emulator: Emulator, body: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${emulator.url}/agents`, {
        method: "POST",
        headers: { Authorization: `Bearer ${emulator.apiKey}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`direct POST /agents answered ${res.status}: ${await res.text()}`);
}

/** Waits (real time) until the agent's newest deployment has left Creating/Validating. */
async function settled(emulator: Emulator, name: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
        const phase = emulator.agent(name)?.deployments.at(-1)?.phase;
        if (phase !== "Creating" && phase !== "Validating") return;
        await new Promise((r) => setTimeout(r, 50));
    }
}

/** One agent as the emulator holds it, for notes: region, image, bindings, the newest deployment's phase. */
function agentShape(emulator: Emulator, name: string): string {
    const a = emulator.agent(name);
    if (a === undefined) return `${name}: absent`;
    const s = a.spec;
    return (
        `${name}: ${a.region}, image ${s.image ?? s.buildId}, secretSet ${s.secretSet ?? "-"}, imagePullSecretSet ${s.imagePullSecretSet ?? "-"}, ` +
        `websocketAuth ${s.websocketAuth}, krispViva ${s.krispViva.audioFilter ?? "off"}, ${a.deployments.length} deployment(s), newest ${a.deployments.at(-1)?.phase}` +
        (a.deletedAt !== undefined ? ", being deleted" : "")
    );
}

/** Which of the test's registry tokens a captured image-pull value holds, by label (never the value). */
function credentialsOf(secretValue: string | undefined): string {
    if (secretValue === undefined) return "none";
    const found = (["token1", "token2", "token3"] as const).find((t) => b64(V[t]) === secretValue);
    return found ?? "other";
}

/** One set as the emulator holds it, for notes (no values). */
function setShape(emulator: Emulator, name: string): string {
    const set = emulator.snapshot()[name];
    if (set === undefined) return `${name}: absent`;
    return `${name}: ${set.type === "secret" ? "regular" : "image-pull"}, ${set.region}, ${set.status}`;
}

describe("e2e: a running agent is never deleted, moved or taken over by mistake (issue 16)", function () {
    this.timeout(600_000);

    const outputs: Haystack[] = [];
    const timings: string[] = [];

    after(() => {
        if (timings.length > 0) console.log(`      scenario times: ${timings.join(", ")}`);
        assertNoLeaks(outputs, SECRETS, "agent-safety output");
    });

    /**
     * A fresh emulator (with `DELAYS` and `options`), project and stack; `body` runs the scenario, then the stack
     * is destroyed (allowed to fail: some scenarios leave strangers' agents), and the findings decide.
     */
    async function scenario(title: string, options: EmulatorOptions, body: (s: Stack) => Promise<void>): Promise<void> {
        const started = Date.now();
        const engineStack = await EngineStack.start({
            name: "agent-safety",
            program: stackProgram,
            emulator: { apiKey: API_KEY, ...DELAYS, ...options },
        });
        const { emulator, project } = engineStack;
        const f = new Findings();
        const run = async (label: string, args: string[], env?: Record<string, string>): Promise<RunResult> => {
            const t0 = Date.now();
            const result = await engineStack.pulumi(`${title} ${label}`, args, {
                allowFail: true,
                env: { PIPECAT_API_KEY: "", PIPECAT_API_URL: "", ...env },
            });
            f.note(`[${label}] ${((Date.now() - t0) / 1000).toFixed(1)} s\n  ${keyLines(result).split("\n").join("\n  ")}`);
            return result;
        };
        const stack: Stack = {
            emulator,
            project,
            f,
            pulumi: run,
            up: (label, extra = [], env) => run(label, ["up", "--yes", ...extra], env),
            quickUp: (label, extra = []) => run(label, ["up", "--yes", "--skip-preview", ...extra]),
            mustUp: async (label) => must(await run(label, ["up", "--yes", "--skip-preview"]), label),
            declare: (spec) => engineStack.writeJson("stack.json", spec),
            log: () => emulator.requests.map((r) => `${r.method} ${r.path.replace(/^\/v1/, "")} ${r.status}${r.faulted ? " (fault)" : ""}`),
            async resource(name) {
                const exported = await project.exportStack();
                return exported.deployment.resources?.find((r) => r.urn.endsWith(`::${name}`));
            },
            async urn(name) {
                const found = await stack.resource(name);
                if (found === undefined) assert.fail(`no resource ${name} in the stack`);
                return found.urn;
            },
            setConfig: (key, value, secret = false) => project.setConfig(key, value, { secret }),
            removeConfig: async (key) => {
                await project.run(["config", "rm", key, "--non-interactive"]);
            },
        };
        try {
            await body(stack);
        } finally {
            // No destroy: the emulator, which holds everything, is thrown away with the stack.
            outputs.push(...(await engineStack.close({ destroy: false })));
            timings.push(`${title.split(" ")[0]} ${((Date.now() - started) / 1000).toFixed(1)} s`);
        }
        f.done(title, process.env["AGENT_SAFETY_VERBOSE"] !== undefined);
    }

    const secrets = (openai = V.openai) => ({ OPENAI_API_KEY: openai, DAILY_API_KEY: V.daily });

    it("1. a region change that the bound sets cannot follow fails at preview and deletes nothing", async () => {
        await scenario("1.", {}, async (s) => {
            const { emulator, f } = s;
            emulator.seed("shared-secrets", { secrets: { SHARED: V.shared }, region: "us-west" });
            const base = {
                sets: { secrets: { name: "voice-secrets", region: "us-west", secrets: secrets() } },
                agents: {
                    voice: { name: "voice-agent", image: IMAGE, secretSet: "@secrets" },
                    helper: { name: "helper-agent", image: IMAGE, secretSet: "shared-secrets" },
                },
            };
            s.declare(base);
            await s.mustUp("create in us-west");

            // A new agent bound to a set resource in another region: refused at preview, before the set is created.
            s.declare({
                sets: { ...base.sets, west: { name: "west-secrets", region: "us-west", secrets: { SHARED: V.shared } } },
                agents: { ...base.agents, fresh: { name: "fresh-agent", region: "us-east", image: IMAGE, secretSet: "@west" } },
            });
            emulator.clearRequests();
            const fresh = await s.up("up: a new us-east agent bound to a new us-west set");
            f.ok(
                stoppedAtPreview(fresh),
                "the up of a new us-east agent bound to a us-west set resource fails at its preview",
                keyLines(fresh),
            );
            f.ok(/west-secrets/.test(errorText(fresh)), "the error names the set west-secrets");
            f.ok(
                !s.log().some((l) => l.startsWith("PUT /secrets/west-secrets")),
                "nothing was created (no PUT /secrets/west-secrets)",
                s.log().join("\n"),
            );
            f.ok(!s.log().some((l) => l.startsWith("POST /agents ")), "no POST /agents was sent", s.log().join("\n"));
            f.note(`requests:\n  ${s.log().join("\n  ")}`);

            // The region of both existing agents changes; their sets stay in us-west.
            const moved = {
                sets: base.sets,
                agents: { voice: { ...base.agents.voice, region: "us-east" }, helper: { ...base.agents.helper, region: "us-east" } },
            };
            s.declare(moved);
            // Without a key (a pull-request preview): the set resource declares us-west, the agent us-east.
            await s.removeConfig("pipecat:apiKey");
            emulator.clearRequests();
            const keyless = await s.pulumi("preview without an API key", ["preview"]);
            f.ok(
                keyless.code !== 0,
                "a keyless preview of voice moving to us-east, bound to a set resource declared in us-west, fails",
                keyLines(keyless),
            );
            f.ok(/voice-secrets/.test(errorText(keyless)), "the keyless preview's error names the set voice-secrets");
            f.equal(s.log(), [], "a keyless preview sends no request");
            await s.setConfig("pipecat:apiKey", API_KEY, true);

            emulator.clearRequests();
            const up = await s.up("up of the region change, with the key");
            f.ok(stoppedAtPreview(up), "the up of the region change fails at its preview", keyLines(up));
            // The engine stops at the first failed check, so the up names the set of whichever agent it checked first.
            f.ok(
                /voice-secrets|shared-secrets/.test(errorText(up)),
                "the error names a bound set that stays in us-west (a set resource, or one bound by name)",
            );
            const deletes = s.log().filter((l) => l.startsWith("DELETE /agents/"));
            f.equal(deletes, [], "the up deletes no agent", s.log().join("\n"));
            for (const name of ["voice-agent", "helper-agent"]) {
                const agent = emulator.agent(name);
                f.ok(
                    agent !== undefined && agent.region === "us-west" && agent.deployments.at(-1)?.phase === "Active",
                    `${name} keeps running in us-west`,
                    agentShape(emulator, name),
                );
            }
            f.note(`requests of the up:\n  ${s.log().join("\n  ")}`);
        });
    });

    it("2. a replacement keeps the set or agent in its region when none is declared", async () => {
        await scenario("2.", {}, async (s) => {
            const { emulator, f } = s;
            // An image-pull set that exists in us-east, adopted where it is (the refusal's advice: leave region out).
            emulator.seed("adopted-registry", { type: "imagePullSecret", host: HOST, secretValue: b64(V.token1), region: "us-east" });
            // An agent in us-east bound to a set there, adopted where it is: its region is not declared.
            emulator.seed("east-registry", { type: "imagePullSecret", host: HOST, secretValue: b64(V.token3), region: "us-east" });
            await createDirect(emulator, {
                serviceName: "east-agent",
                region: "us-east",
                image: IMAGE,
                imagePullSecretSet: "east-registry",
            });
            const east = { name: "east-agent", image: IMAGE, adopt: true };
            const base = {
                sets: {
                    registry: pull(V.token1, { name: "voice-registry", region: "us-east" }),
                    adopted: pull(V.token1, { name: "adopted-registry", adopt: true }),
                },
                agents: {
                    puller: { name: "pull-agent", region: "us-east", image: IMAGE, imagePullSecretSet: "@registry" },
                    east: { ...east, imagePullSecretSet: "east-registry" },
                },
            };
            s.declare(base);
            await s.mustUp("create in us-east, adopt east-agent");
            f.note(
                `after create: ${["voice-registry", "adopted-registry"].map((n) => setShape(emulator, n)).join("; ")}; ${agentShape(emulator, "east-agent")}`,
            );

            // (b) The adopted agent in us-east, no region declared, whose imagePullSecretSet is removed: a replacement.
            const eastless = { ...base, agents: { ...base.agents, east } };
            s.declare(eastless);
            emulator.clearRequests();
            const upB = await s.up("up --diff: east-agent unbound, no region declared", ["--diff"]);
            const previewText = upB.stdout.split(/^Updating \(/m)[0] ?? "";
            const regionLines = previewText.split("\n").filter((l) => /region/.test(l));
            f.ok(
                regionLines.some((l) => /us-east/.test(l) && !/^\s*-/.test(l)),
                "the replacement's preview shows the region it will use (us-east)",
                `region lines of the preview: ${JSON.stringify(regionLines)}`,
            );
            f.ok(upB.code === 0, "the replacement of east-agent succeeds");
            f.equal(
                emulator.agent("east-agent")?.region,
                "us-east",
                "east-agent comes back in us-east",
                agentShape(emulator, "east-agent"),
            );
            const create = emulator.requests.find((r) => r.method === "POST" && r.path === "/v1/agents");
            f.note(
                `east-agent's POST /agents region: ${JSON.stringify((create?.body as Record<string, unknown> | undefined)?.["region"])}`,
            );

            // (a) The image-pull sets' region no longer declared, then their credentials rotated (replace mode).
            s.declare({
                sets: {
                    registry: pull(V.token2, { name: "voice-registry" }),
                    adopted: pull(V.token2, { name: "adopted-registry", adopt: true }),
                },
                agents: eastless.agents,
            });
            emulator.clearRequests();
            const upA = await s.quickUp("up: rotate the image-pull sets, region not declared");
            f.ok(upA.code === 0, "the rotation succeeds", errorText(upA).slice(0, 1500));
            f.equal(
                emulator.snapshot()["voice-registry"]?.region,
                "us-east",
                "the replaced voice-registry is in us-east",
                setShape(emulator, "voice-registry"),
            );
            f.equal(
                emulator.snapshot()["adopted-registry"]?.region,
                "us-east",
                "the replaced adopted-registry is in us-east",
                setShape(emulator, "adopted-registry"),
            );
            await settled(emulator, "pull-agent");
            f.equal(
                credentialsOf(emulator.runningImagePull("pull-agent")?.secretValue),
                "token2",
                "pull-agent runs with the rotated credentials",
                agentShape(emulator, "pull-agent"),
            );
            f.note(`requests of the rotation:\n  ${s.log().join("\n  ")}`);
        });
    });

    it("3. a retried POST /agents never takes over a stranger's agent, and still recognises its own", async () => {
        await scenario("3.", {}, async (s) => {
            const { emulator, f } = s;
            // Someone else's agent under the name the program declares.
            await createDirect(emulator, { serviceName: "voice-agent", image: "stranger/voice:9" });
            await settled(emulator, "voice-agent");
            const stranger = emulator.agent("voice-agent");
            s.declare({ agents: { voice: { name: "voice-agent", image: IMAGE } } });
            emulator.injectFault({ route: "POST /agents", status: 503, times: 1 });
            emulator.clearRequests();
            const up = await s.quickUp("up: 503 on POST /agents, a stranger's agent exists");
            f.ok(up.code !== 0, "the up fails: the agent exists and is not ours", keyLines(up));
            f.ok(/already exists/i.test(errorText(up)), "the error says the agent already exists");
            f.equal(emulator.agent("voice-agent")?.spec.image, "stranger/voice:9", "the stranger's image is unchanged");
            f.equal(
                emulator.agent("voice-agent")?.deployments.length,
                stranger?.deployments.length,
                "the stranger's agent got no deployment",
            );
            const state = await s.resource("voice");
            f.ok(
                state === undefined,
                "the state holds no voice agent",
                `state: name ${String(state?.outputs?.["name"])}, image ${String(state?.outputs?.["image"])}`,
            );
            f.note(`requests:\n  ${s.log().join("\n  ")}`);

            // Our own POST, applied but its answer lost: recognised as ours.
            s.declare({ agents: { mine: { name: "mine-agent", image: IMAGE } } });
            emulator.injectFault({ route: "POST /agents", drop: true, afterApply: true, times: 1 });
            emulator.clearRequests();
            const own = await s.quickUp("up: POST /agents applied, connection dropped");
            f.ok(own.code === 0, "the up of an agent whose POST applied but whose answer was lost succeeds", keyLines(own));
            f.equal(emulator.agent("mine-agent")?.spec.image, IMAGE, "mine-agent runs the declared image");
            f.equal(emulator.agent("mine-agent")?.deployments.length, 1, "mine-agent was deployed once");
            f.ok((await s.resource("mine")) !== undefined, "the state holds mine-agent");
            f.note(`requests:\n  ${s.log().join("\n  ")}`);

            // A stranger's agent that is failing: a create that cannot prove it made it never rolls it back.
            emulator.failDeployment({ agent: "failing-agent" });
            await createDirect(emulator, { serviceName: "failing-agent", image: "stranger/failing:1" });
            await settled(emulator, "failing-agent");
            s.declare({ agents: { mine: { name: "mine-agent", image: IMAGE }, failing: { name: "failing-agent", image: IMAGE } } });
            emulator.injectFault({ route: "POST /agents", status: 503, times: 1 });
            emulator.clearRequests();
            const failing = await s.quickUp("up: 503 on POST /agents, a stranger's failing agent exists");
            f.ok(failing.code !== 0, "the up fails");
            f.ok(/already exists/i.test(errorText(failing)), "the error says the agent already exists", errorText(failing).slice(0, 1500));
            f.ok(emulator.agent("failing-agent") !== undefined, "the stranger's failing agent still exists", s.log().join("\n"));
            f.note(`requests:\n  ${s.log().join("\n  ")}`);

            emulator.clearRequests();
            await s.pulumi("destroy", ["destroy", "--yes", "--skip-preview"]);
            const deleted = s.log().filter((l) => l.startsWith("DELETE /agents/"));
            f.equal(deleted, ["DELETE /agents/mine-agent 200"], "destroy deletes only mine-agent");
            f.ok(emulator.agent("voice-agent") !== undefined, "the stranger's voice-agent was never deleted");
            f.equal(emulator.agent("voice-agent")?.spec.image, "stranger/voice:9", "and still runs its own image");
            f.ok(emulator.agent("failing-agent") !== undefined, "the stranger's failing-agent was never deleted");
        });
    });

    it("4. a removed optional field is reset or refused, and adoption applies exactly the declared configuration", async () => {
        await scenario("4.", {}, async (s) => {
            const { emulator, f } = s;
            const voice = { name: "voice-agent", image: IMAGE, websocketAuth: "token", krispViva: { audioFilter: "tel" } };
            s.declare({ agents: { voice } });
            await s.mustUp("create with websocketAuth token and krispViva tel");

            /** Pulumi's report and Pipecat's state agree after an up that removed `field`. */
            const agree = async (
                label: string,
                field: "websocketAuth" | "krispViva",
                reset: unknown,
                actual: () => unknown,
            ): Promise<void> => {
                emulator.clearRequests();
                const up = await s.up(`up: ${label}`);
                const outs = (await s.resource("voice"))?.outputs ?? {};
                if (up.code === 0) {
                    f.equal(
                        actual(),
                        reset,
                        `after an up that succeeded, Pipecat's ${field} is reset`,
                        `${agentShape(emulator, "voice-agent")}\nrequests: ${s.log().join(", ")}`,
                    );
                } else {
                    f.ok(
                        new RegExp(field).test(errorText(up)) && stoppedAtPreview(up),
                        `a refusal names ${field}, already at preview`,
                        errorText(up).slice(0, 1500),
                    );
                    f.ok(outs[field] !== undefined, `after a refusal the state still holds ${field}`);
                }
            };
            s.declare({ agents: { voice: { ...voice, websocketAuth: undefined } } });
            await agree("websocketAuth removed", "websocketAuth", "none", () => emulator.agent("voice-agent")?.spec.websocketAuth);
            // Only krispViva goes now (websocketAuth stays declared, whatever the step before did).
            const plain = { name: "voice-agent", image: IMAGE, websocketAuth: "token" };
            s.declare({ agents: { voice: plain } });
            await agree("krispViva removed", "krispViva", null, () => emulator.agent("voice-agent")?.spec.krispViva.audioFilter);

            // Adoption of an agent that binds a set the program does not declare.
            emulator.seed("stranger-secrets", { secrets: { SHARED: V.shared } });
            await createDirect(emulator, { serviceName: "adopted-agent", image: "other/image:1", secretSet: "stranger-secrets" });
            await settled(emulator, "adopted-agent");
            s.declare({ agents: { voice: plain, adopted: { name: "adopted-agent", image: IMAGE, adopt: true } } });
            emulator.clearRequests();
            const adopt = await s.quickUp("up: adopt an agent bound to an undeclared set");
            if (adopt.code === 0) {
                f.equal(
                    emulator.agent("adopted-agent")?.spec.secretSet,
                    undefined,
                    "an adoption that succeeds leaves no undeclared secretSet bound",
                    agentShape(emulator, "adopted-agent"),
                );
                f.equal(emulator.agent("adopted-agent")?.spec.image, IMAGE, "and deploys the declared image");
            } else {
                f.ok(
                    /secretSet|stranger-secrets/.test(errorText(adopt)),
                    "an adoption that refuses says what differs (the bound set)",
                    errorText(adopt).slice(0, 1500),
                );
            }
            f.note(`requests of the adoption:\n  ${s.log().join("\n  ")}`);
            emulator.clearRequests();
            await s.pulumi("refresh", ["refresh", "--yes", "--skip-preview"]);
            const next = await s.quickUp("up after the refresh");
            const deletes = s.log().filter((l) => l.startsWith("DELETE /agents/"));
            f.equal(deletes, [], "refresh + up after the adoption deletes no agent", keyLines(next));
            f.ok(!plans(next, "Agent", "adopted", /replac/), "and replaces nothing");
            f.note(`requests of refresh + up:\n  ${s.log().join("\n  ")}`);
        });
    });

    it("5. after a failed update, reverting the program writes the old configuration again", async () => {
        await scenario("5.", { readyAfterMs: 2500 }, async (s) => {
            const { emulator, f } = s;
            const base = {
                sets: { secrets: { name: "voice-secrets", secrets: secrets() } },
                agents: { voice: { name: "voice-agent", image: IMAGE } },
            };
            s.declare(base);
            await s.mustUp("create");

            // An update to a broken image whose deployment fails; a set rotation whose readiness wait times out.
            emulator.failDeployment({ agent: "voice-agent", message: "ModuleNotFoundError: No module named 'bot'" });
            await s.setConfig("pipecat:readyTimeoutSeconds", "1");
            s.declare({
                sets: { secrets: { name: "voice-secrets", secrets: secrets(V.openai2) } },
                agents: { voice: { name: "voice-agent", image: "registry.example/voice-agent:broken" } },
            });
            const broken = await s.quickUp("up: broken image, slow set");
            f.ok(broken.code !== 0, "the broken update fails (precondition)");
            f.note(`after the failed update: ${agentShape(emulator, "voice-agent")}; ${setShape(emulator, "voice-secrets")}`);
            const set = emulator.snapshot()["voice-secrets"];
            f.ok(
                set?.type === "secret" && set.secrets["OPENAI_API_KEY"] === V.openai2,
                "Pipecat holds the new value after the timed-out wait (precondition)",
            );

            await s.removeConfig("pipecat:readyTimeoutSeconds");
            s.declare(base);
            emulator.clearRequests();
            const revert = await s.quickUp("up: revert");
            f.ok(plans(revert, "Agent", "voice", /update/), "the revert updates the agent");
            f.ok(plans(revert, "SecretSet", "secrets", /update/), "the revert updates the set");
            f.ok(revert.code === 0, "the revert succeeds");
            const post = emulator.requests.find((r) => r.method === "POST" && r.path === "/v1/agents/voice-agent");
            f.ok(
                post !== undefined && (post.body as Record<string, unknown>)["image"] === IMAGE,
                "the revert sends POST /agents/voice-agent with the old image",
                s.log().join("\n"),
            );
            f.equal(
                emulator.agent("voice-agent")?.spec.image,
                IMAGE,
                "Pipecat's desired deployment is the reverted image",
                agentShape(emulator, "voice-agent"),
            );
            f.ok(
                s.log().some((l) => l.startsWith("PUT /secrets/voice-secrets")),
                "the revert writes the set again",
                s.log().join("\n"),
            );
            const after = emulator.snapshot()["voice-secrets"];
            f.ok(after?.type === "secret" && after.secrets["OPENAI_API_KEY"] === V.openai, "Pipecat holds the reverted value");
            f.note(`requests of the revert:\n  ${s.log().join("\n  ") || "(none)"}`);
        });
    });

    it("6. a 404 that does not prove the name gone never counts as gone, and one that does never blocks a create", async () => {
        await scenario("6.", { bareRouteNotFound: true }, async (s) => {
            const { emulator, f } = s;
            s.declare({ agents: { one: { name: "one-agent", image: IMAGE }, two: { name: "two-agent", image: IMAGE } } });
            await s.mustUp("create two agents");

            // pipecat:apiUrl without /v1: every route is unknown, and this server answers a bare 404 "Not found".
            await s.setConfig("pipecat:apiUrl", emulator.url.replace(/\/v1$/, ""));
            emulator.clearRequests();
            const save = await s.quickUp("up with the URL missing /v1 (saves the provider config)");
            f.note(`requests of that up: ${s.log().join(", ") || "(none)"}; exit ${save.code}`);

            emulator.clearRequests();
            const destroy = await s.pulumi("destroy --target one", ["destroy", "--yes", "--skip-preview", "--target", await s.urn("one")]);
            f.ok(destroy.code !== 0, "destroy with the URL missing /v1 fails", keyLines(destroy));
            f.ok(/pipecat:apiUrl/.test(errorText(destroy)), "destroy's error names pipecat:apiUrl", errorText(destroy).slice(0, 1500));
            f.ok(emulator.agent("one-agent") !== undefined, "one-agent keeps running");
            f.ok((await s.resource("one")) !== undefined, "one-agent stays in the state");
            f.note(`requests of destroy:\n  ${s.log().join("\n  ")}`);

            emulator.clearRequests();
            const refresh = await s.pulumi("refresh", ["refresh", "--yes", "--skip-preview"]);
            f.ok(refresh.code !== 0, "refresh with the URL missing /v1 fails", keyLines(refresh));
            f.ok(/pipecat:apiUrl/.test(errorText(refresh)), "refresh's error names pipecat:apiUrl", errorText(refresh).slice(0, 1500));
            f.ok((await s.resource("two")) !== undefined, "two-agent stays in the state");
            f.note(`requests of refresh:\n  ${s.log().join("\n  ")}`);

            // The right URL; a live service that words the 404 of a missing set differently.
            await s.setConfig("pipecat:apiUrl", emulator.url);
            emulator.injectFault({
                route: "GET /secrets/:name",
                setName: "fresh-secrets",
                status: 404,
                body: JSON.stringify({ error: "Not found", code: "NOT_FOUND" }),
                times: 1,
            });
            s.declare({ sets: { fresh: { name: "fresh-secrets", secrets: secrets() } } });
            emulator.clearRequests();
            const create = await s.quickUp("up: a new set whose existence check answers 404 Not found");
            f.ok(create.code === 0, "the set is created", errorText(create).slice(0, 1500));
            f.equal(emulator.snapshot()["fresh-secrets"]?.status, "ready", "fresh-secrets exists", setShape(emulator, "fresh-secrets"));
            f.note(`requests of the create:\n  ${s.log().join("\n  ")}`);
        });
    });

    it("7. up --target that replaces a set refuses to delete the old set while an untargeted agent binds it", async () => {
        await scenario("7.", {}, async (s) => {
            const { emulator, f } = s;
            const spec = (name: string, token: string) => ({
                sets: { secrets: { name, secrets: secrets() }, registry: pull(token) },
                agents: { voice: { name: "voice-agent", image: IMAGE, secretSet: "@secrets", imagePullSecretSet: "@registry" } },
            });
            s.declare(spec("voice-secrets", V.token1));
            await s.mustUp("create");
            const registry = emulator.agent("voice-agent")?.spec.imagePullSecretSet ?? "";
            f.note(`the autonamed image-pull set: ${registry}`);

            // A renamed set and an autonamed image-pull set with new credentials: both replaced, create first.
            s.declare(spec("voice-secrets-v2", V.token2));
            const targets = ["--target", await s.urn("secrets"), "--target", await s.urn("registry")];
            emulator.clearRequests();
            const up = await s.quickUp("up --target the two sets", targets);
            f.ok(up.code !== 0, "the targeted up fails", keyLines(up));
            f.ok(/voice-agent/.test(errorText(up)), "the refusal names the agent that binds the set", errorText(up).slice(0, 1500));
            f.ok(
                emulator.snapshot()["voice-secrets"] !== undefined,
                "the old voice-secrets still exists",
                setShape(emulator, "voice-secrets"),
            );
            f.ok(
                emulator.snapshot()[registry] !== undefined,
                `the old image-pull set ${registry} still exists`,
                setShape(emulator, registry),
            );
            f.equal(
                emulator.agent("voice-agent")?.deployments.at(-1)?.phase,
                "Active",
                "the agent still runs",
                agentShape(emulator, "voice-agent"),
            );
            f.note(`requests:\n  ${s.log().join("\n  ")}`);
        });
    });

    it("8. changes that carry no value send no request and redeploy no agent", async () => {
        await scenario("8.", {}, async (s) => {
            const { emulator, f } = s;
            const set = { region: "us-west", adopt: true, secrets: secrets() };
            s.declare({ sets: { secrets: set }, agents: { voice: { name: "voice-agent", image: IMAGE, secretSet: "@secrets" } } });
            await s.mustUp("create an autonamed set, adopt: true, region us-west");

            const steps: [string, Spec][] = [
                [
                    "the set resource renamed with aliases",
                    {
                        sets: { renamed: { ...set, opts: { aliases: [{ name: "secrets" }] } } },
                        agents: { voice: { name: "voice-agent", image: IMAGE, secretSet: "@renamed" } },
                    },
                ],
                [
                    "adopt: true dropped",
                    {
                        sets: { renamed: { region: "us-west", secrets: secrets(), opts: { aliases: [{ name: "secrets" }] } } },
                        agents: { voice: { name: "voice-agent", image: IMAGE, secretSet: "@renamed" } },
                    },
                ],
                [
                    "region no longer declared",
                    {
                        sets: { renamed: { secrets: secrets(), opts: { aliases: [{ name: "secrets" }] } } },
                        agents: { voice: { name: "voice-agent", image: IMAGE, secretSet: "@renamed" } },
                    },
                ],
            ];
            for (const [label, spec] of steps) {
                s.declare(spec);
                emulator.clearRequests();
                const deployments = emulator.agent("voice-agent")?.deployments.length;
                const up = await s.up(`up: ${label}`);
                f.ok(up.code === 0, `${label}: up succeeds`);
                f.ok(
                    !plans(up, "Agent", "voice", /update|replac/),
                    `${label}: neither the preview nor the update shows an agent update`,
                    keyLines(up),
                );
                f.equal(s.log(), [], `${label}: up sends no request`);
                f.equal(emulator.agent("voice-agent")?.deployments.length, deployments, `${label}: the agent is not redeployed`);
            }
        });
    });

    it("s1. after an update, the wait ends only with the deployment that update started", async () => {
        // Long phases: an up that returned after the stale read leaves the new deployment still Creating.
        await scenario("s1.", { deployPhaseMs: { creating: 2500, validating: 2500 } }, async (s) => {
            const { emulator, f } = s;
            s.declare({ agents: { voice: { name: "voice-agent", image: IMAGE } } });
            await s.mustUp("create");
            await settled(emulator, "voice-agent");
            // A read that still shows the previous deployment, ready, right after the update's POST.
            const stale = await (
                await fetch(`${emulator.url}/agents/voice-agent`, { headers: { Authorization: `Bearer ${API_KEY}` } })
            ).text();
            emulator.injectFault({ route: "GET /agents/:name", agentName: "voice-agent", status: 200, body: stale, times: 1 });
            s.declare({ agents: { voice: { name: "voice-agent", image: "registry.example/voice-agent:0.2" } } });
            emulator.clearRequests();
            const up = await s.quickUp("up: a new image, first read stale");
            const newest = emulator.agent("voice-agent")?.deployments.at(-1);
            f.ok(up.code === 0, "the update succeeds");
            f.equal(newest?.phase, "Active", "when up returns, the new deployment is Active", agentShape(emulator, "voice-agent"));
            const outs = (await s.resource("voice"))?.outputs ?? {};
            f.equal(outs["deploymentId"], newest?.id, "the state records the new deployment");
            f.note(`requests:\n  ${s.log().join("\n  ")}`);
        });
    });

    it("s2. a bound set that failed fails the agent's deploy at once with the set's errorMessage", async () => {
        await scenario("s2.", {}, async (s) => {
            const { emulator, f } = s;
            const message = "Provisioning of secret set 'broken-secrets' failed: quota exceeded (seeded)";
            emulator.seed("broken-secrets", { secrets: { SHARED: V.shared }, status: "failed", errorMessage: message });
            await s.setConfig("pipecat:readyTimeoutSeconds", "6");
            s.declare({ agents: { voice: { name: "voice-agent", image: IMAGE, secretSet: "broken-secrets" } } });
            emulator.clearRequests();
            const t0 = Date.now();
            const up = await s.quickUp("up: an agent bound to a failed set");
            f.note(`the up took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
            f.ok(up.code !== 0, "the up fails");
            f.ok(errorText(up).includes(message), "the error carries the set's errorMessage", errorText(up).slice(0, 1500));
            const posts = s.log().filter((l) => l.startsWith("POST /agents "));
            f.ok(posts.length <= 2, "the provider stops retrying once it knows the set failed (at most 2 POST /agents)", posts.join("\n"));
            f.note(`requests:\n  ${s.log().join("\n  ")}`);
        });
    });

    it("s3. a delete-first replacement waits until an asynchronous DELETE has freed the name", async () => {
        await scenario("s3.", { agentDeleteAfterMs: 3000 }, async (s) => {
            const { emulator, f } = s;
            emulator.seed("shared-secrets", { secrets: { SHARED: V.shared } });
            s.declare({ agents: { voice: { name: "voice-agent", image: IMAGE, secretSet: "shared-secrets" } } });
            await s.mustUp("create bound to shared-secrets");
            s.declare({ agents: { voice: { name: "voice-agent", image: IMAGE } } });
            emulator.clearRequests();
            const up = await s.quickUp("up: unbind (a delete-first replacement)");
            f.ok(up.code === 0, "the replacement succeeds", errorText(up).slice(0, 1500));
            const agent = emulator.agent("voice-agent");
            f.ok(
                agent !== undefined && agent.deletedAt === undefined && agent.spec.secretSet === undefined,
                "voice-agent exists again, unbound",
                agentShape(emulator, "voice-agent"),
            );
            f.note(`requests:\n  ${s.log().join("\n  ")}`);
        });
    });
});
