/**
 * Acceptance tests: SecretSet, Agent, OrganizationSettings and Build end to end through the real Pulumi engine, against a real Pipecat
 * Cloud organisation (`PIPECAT_LIVE=1 PIPECAT_API_KEY=… npm run test:live`) or, in `npm test`, against an
 * emulator started for the run (see target.ts for every variable), so the scenarios cannot rot between
 * live runs.
 *
 * One stack, one program (stack.json says what it declares), scenarios in order; but each scenario stands
 * on its own. It names the state it starts from (a stage: what the previous scenario leaves when it
 * passes), and its setup step brings the stack there: nothing to do when the previous scenario passed, an
 * `up` when the stack holds another known state, an `up --refresh` after a failure (a failed command, a
 * failed check, drift left behind), with `pipecat:imagePullUpdates` back at `replace`. So a failing
 * scenario fails alone, and the engine runs no extra command when all pass.
 *
 * Scenarios: create (a regular and an image-pull set), an in-place update (a changed value, an added key, a
 * removed key), image-pull rotation by replacement, image-pull rotation with `pipecat:imagePullUpdates` =
 * `in-place` (the scenario finds out whether the service accepts in-place updates: if it does, one PUT and
 * no DELETE; if it refuses, the error says what to do, nothing is deleted, and `replace` works again),
 * rename, refresh after drift; an Agent bound to the run's set (deployed when `up` returns), a rotated value
 * that reaches it (redeployed with `forceRedeploy`); OrganizationSettings declared with the default region the
 * organisation has (read first: `up` writes nothing that moves it, refresh reads it; only against the emulator is it
 * also changed, then restored); a Build of a tiny context and an Agent deployed from it (`buildId: build`), then the
 * same source again (a cache hit, nothing uploaded); a leak scan; destroy (the agents before their set; the build
 * and the default region left as they are). The agent scenarios need `PIPECAT_LIVE_IMAGE` in a live run and the
 * build scenarios `PIPECAT_LIVE_BUILDS=1`; without them they are skipped, saying so.
 *
 * Every name is `pcs-live-<8 random>-…`, every value is random per run and marked secret; every agent and
 * then every set of the run is deleted in `after`, whatever failed (a build cannot be deleted: each run that
 * builds leaves one, which its context's random file makes its own). What the tests check goes through the
 * API by plain HTTP (direct-api.ts), as it would live; where only the emulator can show more (stored
 * values, what a running agent sees, the order of requests), the extra checks say so.
 *
 * With PIPECAT_LIVE_SWEEP=1 (and PIPECAT_LIVE=1) the file instead deletes what earlier runs left behind.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { gunzipSync } from "node:zlib";
import { startEmulator } from "../../emulator";
import type { RunResult } from "../support/engine";
import { assertNoLeaks, MIN_SECRET_LENGTH, needlesFor } from "../support/leaks";
import { TargetStack } from "../support/stack";
import { type AgentLookup, COMMON_PREFIX, DirectApi, newRunPrefix, type SetRow } from "./direct-api";
import { openTarget, readRequest, type Target } from "./target";

// Refuses at load, naming the variables, when the environment is unclear (PIPECAT_LIVE=yes, a live run without a key).
const request = readRequest();

/** What the program declares (stack.json). */
interface Declared {
    readonly region?: string;
    /** A regular set; the agent binds it. */
    readonly secrets: { readonly name: string; readonly values: Readonly<Record<string, string>> };
    readonly pull: { readonly name: string; readonly host: string; readonly username: string; readonly password: string };
    readonly agent?: { readonly name: string; readonly image: string };
    /** OrganizationSettings: live, always the default region the organisation had when the run began. */
    readonly settings?: { readonly defaultRegion: string };
    /**
     * A Build of the context directory; `agent`: an Agent deployed from it (`buildId: build`), bound to the regular
     * set; `again`: a second Build of the same source, after the first.
     */
    readonly build?: { readonly context: string; readonly agent?: { readonly name: string }; readonly again?: boolean };
}

/** Every value is marked secret here, in the program (the resource would also do it by itself). */
const program = `
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { Agent, Build, OrganizationSettings, SecretSet } from "pulumi-pipecat-secrets";

const spec = JSON.parse(fs.readFileSync("stack.json", "utf8"));
const region = spec.region ? { region: spec.region as string } : {};
const values: Record<string, pulumi.Output<string>> = {};
for (const [key, value] of Object.entries(spec.secrets.values)) values[key] = pulumi.secret(value as string);
const set = new SecretSet("secrets", { name: spec.secrets.name, ...region, secrets: values });
const pull = new SecretSet("pull", {
    name: spec.pull.name,
    ...region,
    imagePullSecret: { host: spec.pull.host, username: spec.pull.username, password: pulumi.secret(spec.pull.password as string) },
});
// Bound to the SecretSet resource itself: a write of the set redeploys the agent, and destroy deletes the agent first.
const agent = spec.agent
    ? new Agent("agent", { name: spec.agent.name, ...region, image: spec.agent.image, secretSet: set, autoScaling: { minAgents: 0, maxAgents: 1 } })
    : undefined;
const settings = spec.settings ? new OrganizationSettings("org", { defaultRegion: spec.settings.defaultRegion }) : undefined;
const build = spec.build ? new Build("build", { context: spec.build.context, ...region }) : undefined;
// The same source again, once the first build exists: a cache hit.
if (spec.build?.again) new Build("build-again", { context: spec.build.context, ...region }, { dependsOn: build });
if (build && spec.build.agent) {
    new Agent("built", { name: spec.build.agent.name, ...region, buildId: build, secretSet: set, autoScaling: { minAgents: 0, maxAgents: 1 } });
}
export const setName = set.name;
export const setKeys = set.keys;
export const pullName = pull.name;
export const agentDeployment = agent?.deploymentId;
export const defaultRegion = settings?.defaultRegion;
`;

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
/** The provider's advice when the service refuses an in-place image-pull update (provider/secretset/endpoints.ts). */
const REFUSAL_ADVICE = /does not update image-pull sets in place/;
/** The base image of the build's Dockerfile in a live run without PIPECAT_LIVE_IMAGE (then no agent is deployed from it). */
const SMALL_PUBLIC_IMAGE = "public.ecr.aws/docker/library/busybox:1.36";
/** The build's context, in the program's directory. */
const CONTEXT = "bot";

if (request.kind === "live" && request.sweep) {
    describe(`live sweep: agents and sets that earlier acceptance runs left under ${COMMON_PREFIX}`, function () {
        this.timeout(600_000);

        it(`deletes every agent, then every set (of either kind), named ${COMMON_PREFIX}<8 × [a-z0-9]>-…, and nothing else`, async () => {
            const sweeper = new DirectApi(request.apiUrl, request.apiKey, COMMON_PREFIX);
            const deleted = await sweeper.sweep();
            for (const a of deleted.agents) console.log(`      deleted agent ${a.name} (${a.region ?? "region not given"})`);
            for (const s of deleted.sets) console.log(`      deleted ${s.name} (${s.type}, ${s.region ?? "region not given"})`);
            console.log(`      ${deleted.agents.length} agent(s) and ${deleted.sets.length} set(s) deleted from ${request.apiUrl}`);
            const left = await sweeper.leftovers(30_000);
            assert.deepEqual(left, [], "agents and sets under the prefix after the sweep");
        });
    });
} else {
    describe(`acceptance: SecretSet, Agent, OrganizationSettings and Build through the real engine against ${request.kind === "live" ? "the live API" : "the emulator"}`, function () {
        this.timeout(request.kind === "live" ? 2_400_000 : 300_000);

        const prefix = newRunPrefix();
        const names = {
            secrets: `${prefix}secrets`,
            renamed: `${prefix}secrets-renamed`,
            pull: `${prefix}pull`,
            agent: `${prefix}agent`,
            built: `${prefix}built`,
        };
        const PULL_HOST = "https://ghcr.io/";
        const PULL_USER = "pcs-live-bot";

        let target: Target;
        let api: DirectApi;
        let stack: TargetStack;
        const secrets: { label: string; value: string }[] = [];

        /** A random value for this run, registered for the leak scan. Random from its first character, so no name matches it. */
        function value(label: string): string {
            const v = randomBytes(18).toString("base64url");
            secrets.push({ label, value: v });
            return v;
        }
        /** An image-pull password, with the `user:password` and its base64 that the provider sends. */
        function password(label: string): string {
            const p = value(label);
            secrets.push(
                { label: `${label} as user:password`, value: `${PULL_USER}:${p}` },
                { label: `${label} encoded`, value: b64(`${PULL_USER}:${p}`) },
            );
            return p;
        }
        const V = {
            openai: value("OPENAI_API_KEY value"),
            openai2: value("OPENAI_API_KEY changed value"),
            openai3: value("OPENAI_API_KEY rotated value"),
            daily: value("DAILY_API_KEY value"),
            cartesia: value("CARTESIA_API_KEY value"),
            pull1: password("registry token 1"),
            pull2: password("registry token 2"),
            pull3: password("registry token 3"),
            dotenv: value("OPENAI_API_KEY in the context's .env"),
        };

        const withSecrets = (d: Declared, secrets: Partial<Declared["secrets"]>): Declared => ({
            ...d,
            secrets: { ...d.secrets, ...secrets },
        });
        const withPull = (d: Declared, pull: Partial<Declared["pull"]>): Declared => ({ ...d, pull: { ...d.pull, ...pull } });

        /**
         * The stages: what the stack holds after each scenario that passed, so the next one knows where it starts.
         * Made in `before`, once the target's region and image are known.
         */
        let S: {
            created: Declared;
            updated: Declared;
            pullReplaced: Declared;
            pullInPlace: Declared;
            renamed: Declared;
            withAgent: Declared;
            rotated: Declared;
            /** With the agent unless the agent scenarios are skipped, and OrganizationSettings. */
            settings: Declared;
            built: Declared;
            cached: Declared;
            /** What destroy starts from: with the agent, unless the agent scenarios are skipped, and the builds unless theirs are. */
            last: Declared;
        };
        /** The organisation's default region when the run began: live, OrganizationSettings never declares another. */
        let orgDefault: string;

        /** What stack.json says now. */
        let declared: Declared;
        /** What the stack is known to hold (the last `up` that succeeded); undefined after any failure or drift. */
        let applied: Declared | undefined;
        /** `pipecat:imagePullUpdates` as the stack's config says (unset is `replace`). */
        let mode: "replace" | "in-place" = "replace";

        function declare(next: Declared): void {
            if (target.kind === "live" && next.settings !== undefined && next.settings.defaultRegion !== orgDefault) {
                throw new Error(
                    `refused: a live run never sets the organisation's default region to another value (${next.settings.defaultRegion}, not ${orgDefault})`,
                );
            }
            declared = next;
            stack.writeJson("stack.json", next);
        }
        async function setMode(next: "replace" | "in-place"): Promise<void> {
            await stack.project.setConfig("pipecat:imagePullUpdates", next);
            mode = next;
        }

        /** The known secrets cut out of a text, so that a failing command's output can be shown without them. */
        function redact(text: string): string {
            for (const { value: v } of secrets) for (const needle of needlesFor(v)) text = text.split(needle.text).join("[secret]");
            return text;
        }

        /**
         * Runs pulumi (the stack's runner: only stack config as the provider's settings, output kept for the leak
         * scan, a failure shown redacted unless `allowFail`: then the caller looks at the exit code).
         */
        const pulumi = (label: string, args: string[], allowFail = false): Promise<RunResult> => stack.pulumi(label, args, { allowFail });
        const failed = (args: string[], result: RunResult) => stack.failure(args, result);

        /** `pulumi up` of what stack.json declares; `applied` follows what the stack is known to hold. */
        async function up(label: string, options: { refresh?: boolean; allowFail?: boolean } = {}): Promise<RunResult> {
            applied = undefined;
            const result = await pulumi(
                label,
                ["up", "--yes", "--skip-preview", ...(options.refresh ? ["--refresh"] : [])],
                options.allowFail,
            );
            if (result.code === 0) applied = declared;
            return result;
        }

        /**
         * A scenario's setup step: brings the stack to `stage` with `pipecat:imagePullUpdates` = `replace`. Nothing
         * to do when the previous scenario passed; otherwise one `up` (with `--refresh` when the stack's state is
         * unknown, as after a failure). Then the emulator's request log starts afresh.
         */
        async function given(scenario: string, stage: Declared): Promise<void> {
            if (mode !== "replace") await setMode("replace");
            if (applied === undefined || !isDeepStrictEqual(applied, stage)) {
                const refresh = applied === undefined;
                console.log(`      setup of ${scenario}: ${refresh ? "up --refresh" : "up"} to the state it starts from`);
                declare(stage);
                await up(`setup of ${scenario}`, { refresh });
            }
            target.emulator?.clearRequests();
        }

        /** The engine's progress lines, in order: `<resource> <step>` for `<op> pulumi-nodejs:dynamic/pipecat:<Type> <resource> <step> (<time>`. */
        function events(result: RunResult): string[] {
            // e.g. " ++ pulumi-nodejs:dynamic/pipecat:SecretSet secrets created replacement (1s) [diff: ~name]"
            const line =
                /pulumi-nodejs:dynamic\/pipecat:(?:SecretSet|Agent|Build|OrganizationSettings)\s+([a-z][a-z-]*)\s+([a-z][a-z ]*?)\s*\(\d/;
            return result.stdout.split("\n").flatMap((l) => {
                const m = line.exec(l);
                return m?.[1] !== undefined && m[2] !== undefined ? [`${m[1]} ${m[2]}`] : [];
            });
        }
        /** The steps of one resource (`secrets`, `pull`, `agent`, `org`, `build`, `build-again`, `built`), in order. */
        const steps = (result: RunResult, resource: string): string[] =>
            events(result).flatMap((e) => (e.startsWith(`${resource} `) ? [e.slice(resource.length + 1)] : []));

        /** Right after `up`: GET of a regular set says `ready`, with exactly these keys, in the declared region. */
        async function assertRegularReady(name: string, keys: string[]): Promise<void> {
            const set = await api.get(name);
            assert.equal(set.status, 200, `GET /secrets/${name}`);
            assert.equal(set.readiness, "ready", `status of ${name} right after up`);
            assert.deepEqual(set.keys, [...keys].sort(), `keys of ${name}`);
            if (target.region !== undefined) assert.equal(set.region, target.region, `region of ${name}`);
        }
        /** Image-pull sets cannot be read by name: the list says `ready`. */
        async function assertPullReady(name: string): Promise<SetRow> {
            const row = (await api.list()).find((s) => s.name === name);
            assert.equal(row?.type, "imagePullSecret", `${name} in GET /secrets`);
            assert.equal(row.status, "ready", `status of ${name} right after up`);
            if (target.region !== undefined) assert.equal(row.region, target.region, `region of ${name}`);
            return row;
        }
        /** Right after `up`: the agent's newest deployment is the reconciled one and ready, binding `setName`. */
        async function assertAgentDeployed(name: string, setName: string): Promise<AgentLookup> {
            const agent = await api.getAgent(name);
            assert.equal(agent.status, 200, `GET /agents/${name}`);
            assert.equal(agent.ready, true, `ready of ${name} right after up`);
            assert.ok(agent.desiredDeploymentId !== undefined, `desiredDeploymentId of ${name}`);
            assert.equal(agent.reconciledDeploymentId, agent.desiredDeploymentId, `the newest deployment of ${name} is reconciled`);
            assert.deepEqual(agent.secretSets, [setName], `sets bound to ${name}`);
            if (target.region !== undefined) assert.equal(agent.region, target.region, `region of ${name}`);
            return agent;
        }

        /**
         * A deleted set or agent: GET answers 404 (400 for an image-pull set by name) and the list no longer has
         * it. The API does not say whether a delete shows at once everywhere, so live the check is repeated for up
         * to 30 s before it fails.
         */
        async function assertGone(kind: "set" | "agent", name: string): Promise<void> {
            const deadline = Date.now() + (target.kind === "live" ? 30_000 : 0);
            for (;;) {
                const status = kind === "set" ? (await api.get(name)).status : (await api.getAgent(name)).status;
                const listed = (kind === "set" ? await api.list() : await api.listAgents()).some((s) => s.name === name);
                if ((status === 404 || (kind === "set" && status === 400)) && !listed) return;
                if (Date.now() >= deadline) assert.fail(`${kind} ${name} still exists: GET answered ${status}, listed: ${listed}`);
                await new Promise((r) => setTimeout(r, 2000));
            }
        }

        // What only the emulator can show. The live API never returns values, nor the requests it got.
        const emulatorValues = (name: string) => {
            const set = target.emulator?.snapshot()[name];
            return set?.type === "secret" ? set.secrets : set?.type === "imagePullSecret" ? set.secretValue : undefined;
        };
        /** The region the emulator keeps a set in. */
        const emulatorRegion = (name: string) => target.emulator?.snapshot()[name]?.region;
        /** The changes (not GETs) the emulator answered, oldest first: `<METHOD> <path without /v1>`; of one set, if named. */
        const emulatorChanges = (setName?: string) =>
            (target.emulator?.requests ?? [])
                .filter((r) => r.method !== "GET" && (setName === undefined || r.setName === setName))
                .map((r) => `${r.method} ${r.path.replace(/^\/v1/, "")}`);

        /** In a live run without PIPECAT_LIVE_IMAGE: skips an agent scenario, saying why. */
        function agentsNeedAnImage(context: Mocha.Context): void {
            if (target.image !== undefined) return;
            console.log(
                "      skipped: PIPECAT_LIVE_IMAGE is not set, so this live run deploys no agent (set it to a public image that deploys)",
            );
            context.skip();
        }
        /** In a live run without PIPECAT_LIVE_BUILDS=1: skips a build scenario, saying why. */
        function buildsNeedOptIn(context: Mocha.Context): void {
            if (target.builds) return;
            console.log(
                "      skipped: PIPECAT_LIVE_BUILDS is not set, so this live run makes no cloud build (set it to 1 where cloud builds are enabled; a build takes minutes)",
            );
            context.skip();
        }

        /** The outputs of one resource of the stack (`org`, `build`, `build-again`, …), as its state holds them. */
        async function outputsOf(resource: string): Promise<Record<string, unknown>> {
            const state = await stack.exportStack();
            const found = state.deployment.resources?.find((r) => r.urn.endsWith(`::${resource}`));
            assert.ok(found?.outputs !== undefined, `${resource} in the stack's state`);
            return found.outputs;
        }
        /** A build's outputs: its id, image, context hash and whether it came from the cache. */
        async function buildOutputs(resource: "build" | "build-again") {
            const o = await outputsOf(resource);
            const [buildId, imageUri, contextHash] = [o["buildId"], o["imageUri"], o["contextHash"]];
            assert.ok(typeof buildId === "string" && typeof imageUri === "string" && typeof contextHash === "string", JSON.stringify(o));
            return { buildId, imageUri, contextHash, cached: o["cached"] };
        }
        /** What the emulator was sent about builds (the upload to its storage included), oldest first: `<METHOD> <path>`. */
        const emulatorBuildRequests = () =>
            (target.emulator?.requests ?? [])
                .filter((r) => /^\/(v1\/builds|storage)(\/|\?|$)/.test(r.path))
                .map((r) => `${r.method} ${r.path.replace(/^\/v1/, "")}`);
        /** The default regions `PATCH /properties` asked the emulator for, oldest first. */
        const emulatorPatchedRegions = () =>
            (target.emulator?.requests ?? [])
                .filter((r) => r.method === "PATCH" && r.path === "/v1/properties")
                .map((r) => (r.body as { defaultRegion?: unknown } | undefined)?.defaultRegion);

        before(async function () {
            this.timeout(300_000);
            target = await openTarget(request);
            api = new DirectApi(target.apiUrl, target.apiKey, prefix);
            if (target.apiKey.length >= MIN_SECRET_LENGTH) secrets.push({ label: "the API key", value: target.apiKey });
            // Read, never written: OrganizationSettings declares this value in a live run.
            orgDefault = await api.defaultRegion();

            const created: Declared = {
                ...(target.region !== undefined ? { region: target.region } : {}),
                secrets: { name: names.secrets, values: { OPENAI_API_KEY: V.openai, DAILY_API_KEY: V.daily } },
                pull: { name: names.pull, host: PULL_HOST, username: PULL_USER, password: V.pull1 },
            };
            // One update changes a value, adds a key and removes one.
            const updated = withSecrets(created, { values: { OPENAI_API_KEY: V.openai2, CARTESIA_API_KEY: V.cartesia } });
            const pullReplaced = withPull(updated, { password: V.pull2 });
            const pullInPlace = withPull(pullReplaced, { password: V.pull3 });
            const renamed = withSecrets(pullInPlace, { name: names.renamed });
            const withAgent: Declared = {
                ...renamed,
                agent: { name: names.agent, image: target.image ?? "(no image: agent scenarios skipped)" },
            };
            const rotated = withSecrets(withAgent, { values: { OPENAI_API_KEY: V.openai3, CARTESIA_API_KEY: V.cartesia } });
            const settings: Declared = { ...(target.image !== undefined ? rotated : renamed), settings: { defaultRegion: orgDefault } };
            // Live, an agent is deployed from the build only when its base image is one that deploys.
            const build = { context: CONTEXT, ...(target.image !== undefined ? { agent: { name: names.built } } : {}) };
            const built: Declared = { ...settings, build };
            const cached: Declared = { ...settings, build: { ...build, again: true } };
            S = {
                created,
                updated,
                pullReplaced,
                pullInPlace,
                renamed,
                withAgent,
                rotated,
                settings,
                built,
                cached,
                last: target.builds ? cached : settings,
            };

            // The API key is set as a secret through stdin. PIPECAT_* of this process are blanked in every command,
            // which the provider reads as unset: stack config is its only setting.
            stack = await TargetStack.open({
                name: "pcs-live-acceptance",
                program,
                stack: "acceptance",
                target: { url: target.apiUrl, apiKey: target.apiKey },
                timeoutMs: target.commandTimeoutMs,
                env: Object.fromEntries(
                    Object.keys(process.env)
                        .filter((k) => k.startsWith("PIPECAT_"))
                        .map((k) => [k, ""]),
                ),
                redact,
            });
            // The build's context: a Dockerfile FROM an image that deploys (live: PIPECAT_LIVE_IMAGE) and one COPY of a
            // file of this run (so its hash is new: a live run builds, not an earlier run's cache hit), and a .env with
            // a value that must never be uploaded (the provider always leaves .env out).
            const base = target.image ?? SMALL_PUBLIC_IMAGE;
            stack.project.writeFile(`${CONTEXT}/Dockerfile`, `FROM ${base}\nCOPY run.txt /pcs-live/run.txt\n`);
            stack.project.writeFile(`${CONTEXT}/run.txt`, `${prefix}\n`);
            stack.project.writeFile(`${CONTEXT}/.env`, `OPENAI_API_KEY=${V.dotenv}\n`);
            const pulls = target.imagePullUpdates !== undefined ? `, image-pull updates: ${target.imagePullUpdates}` : "";
            const builds = target.builds ? "builds on" : "builds skipped";
            console.log(
                `      target: ${target.kind}, ${target.apiUrl}, ${target.region ?? `default region (${orgDefault})`}${pulls}, ${builds}; names: ${prefix}…`,
            );
        });

        beforeEach(() => target.emulator?.clearRequests());
        // A scenario that failed may have left anything: the next one's setup refreshes and applies its stage.
        afterEach(function () {
            if (this.currentTest?.state === "failed") applied = undefined;
        });

        after(async function () {
            this.timeout(600_000);
            try {
                if (api !== undefined) {
                    // Also after a failed step: list, and delete every agent, then every set (either kind), with this run's prefix.
                    const deleted = await api.sweep();
                    const what = [...deleted.agents.map((a) => `agent ${a.name}`), ...deleted.sets.map((s) => s.name)];
                    if (what.length > 0) console.log(`      clean-up deleted what the run left: ${what.join(", ")}`);
                    assert.deepEqual(
                        await api.leftovers(target.kind === "live" ? 30_000 : 0),
                        [],
                        "agents and sets of this run left after the clean-up",
                    );
                }
            } finally {
                try {
                    // Nothing to destroy: the sweep above deleted what the run made, through the API.
                    await stack?.close({ destroy: false });
                } finally {
                    await target?.close();
                }
            }
        });

        it("the clean-up helper refuses every name outside this run's prefix, without sending a request", async () => {
            let other = newRunPrefix();
            while (other === prefix) other = newRunPrefix();
            const sent = api.requestCount;
            for (const name of [
                "voice-agent",
                COMMON_PREFIX,
                `${COMMON_PREFIX}prod`,
                `${other}agent`,
                prefix,
                prefix.slice(0, -1),
                `x${names.secrets}`,
                `${prefix}Agent`,
            ]) {
                await assert.rejects(api.deleteSet(name), /^Error: Refusing to delete secret set/, name);
                await assert.rejects(api.deleteKey(name, "OPENAI_API_KEY"), /^Error: Refusing to delete a key of secret set/, name);
                await assert.rejects(api.deleteAgent(name), /^Error: Refusing to delete agent/, name);
            }
            // A name of the run that no agent can have (more than 54 characters).
            await assert.rejects(api.deleteAgent(`${prefix}${"a".repeat(40)}`), /^Error: Refusing to delete agent/);
            assert.equal(api.requestCount, sent, "requests sent for refused names");
            assert.throws(() => new DirectApi(target.apiUrl, target.apiKey, ""), /owned prefix must be/);
            assert.throws(() => new DirectApi(target.apiUrl, target.apiKey, "pcs-"), /owned prefix must be/);
        });

        it("the build scenarios run live only with PIPECAT_LIVE_BUILDS=1, and always against the emulator", () => {
            const live = { PIPECAT_LIVE: "1", PIPECAT_API_KEY: "pk-not-a-key-of-any-organisation" };
            const builds = (env: NodeJS.ProcessEnv) => {
                const r = readRequest(env);
                return r.kind === "live" ? r.builds : "emulator";
            };
            assert.equal(builds(live), false);
            assert.equal(builds({ ...live, PIPECAT_LIVE_BUILDS: "1" }), true);
            assert.throws(() => readRequest({ ...live, PIPECAT_LIVE_BUILDS: "yes" }), /PIPECAT_LIVE_BUILDS must be 1 or unset/);
            if (target.kind === "emulator") assert.equal(target.builds, true);
        });

        it("1. creates a regular set and an image-pull set, each ready when up returns", async () => {
            declare(S.created);
            const result = await up("up 1 (create)");
            assert.ok(steps(result, "secrets").includes("created"), result.stdout);
            assert.ok(steps(result, "pull").includes("created"), result.stdout);
            await assertRegularReady(names.secrets, ["OPENAI_API_KEY", "DAILY_API_KEY"]);
            await assertPullReady(names.pull);
            if (target.emulator) {
                assert.deepEqual(emulatorValues(names.secrets), { OPENAI_API_KEY: V.openai, DAILY_API_KEY: V.daily });
                assert.equal(emulatorValues(names.pull), b64(`${PULL_USER}:${V.pull1}`));
            }
        });

        it("2. updates in place: a changed value, an added key and a removed key in one up", async () => {
            await given("2", S.created);
            declare(S.updated);
            const result = await up("up 2 (update)");
            assert.ok(steps(result, "secrets").includes("updated"), result.stdout);
            assert.deepEqual(steps(result, "pull"), [], "the image-pull set is not touched");
            await assertRegularReady(names.secrets, ["OPENAI_API_KEY", "CARTESIA_API_KEY"]);
            if (target.emulator) {
                assert.deepEqual(emulatorValues(names.secrets), { OPENAI_API_KEY: V.openai2, CARTESIA_API_KEY: V.cartesia });
                assert.deepEqual(emulatorChanges(names.secrets), [
                    `PUT /secrets/${names.secrets}`,
                    `DELETE /secrets/${names.secrets}/DAILY_API_KEY`,
                ]);
            }
        });

        it("3. rotates image-pull credentials by replacement (the default): deleted, then created under the same name", async () => {
            await given("3", S.updated);
            declare(S.pullReplaced);
            const result = await up("up 3 (image-pull rotation, replacement)");
            const pull = steps(result, "pull");
            assert.ok(pull.includes("replaced"), result.stdout);
            const deleted = pull.indexOf("deleted original");
            assert.ok(
                deleted !== -1 && deleted < pull.lastIndexOf("created replacement"),
                `delete first under one name:\n${pull.join("\n")}`,
            );
            await assertPullReady(names.pull);
            if (target.emulator) {
                assert.equal(emulatorValues(names.pull), b64(`${PULL_USER}:${V.pull2}`));
                assert.deepEqual(emulatorChanges(names.pull), [`DELETE /secrets/${names.pull}`, `PUT /secrets/${names.pull}`]);
            }
        });

        it("4. with pipecat:imagePullUpdates = in-place: one PUT and no DELETE where the service updates in place; where it refuses, the error says what to do, nothing is deleted, and replace works again", async () => {
            await given("4", S.pullReplaced);
            await setMode("in-place");
            declare(S.pullInPlace);
            // The first in-place up tells which service this is: it succeeds, or fails with the refusal.
            const first = await up("up 4 (image-pull rotation, in place)", { allowFail: true });
            const refused = first.code !== 0 && REFUSAL_ADVICE.test(first.stdout + first.stderr);
            if (first.code !== 0 && !refused) assert.fail(`not the refusal of an in-place update:\n${failed(["up"], first)}`);
            console.log(`      the service ${refused ? "refuses" : "applies"} in-place image-pull updates: checking that path`);
            if (target.imagePullUpdates !== undefined) {
                assert.equal(
                    refused ? "refuse" : "accept",
                    target.imagePullUpdates,
                    "what the emulator was started to do with in-place updates",
                );
            }

            if (!refused) {
                const pull = steps(first, "pull");
                assert.deepEqual(
                    pull.filter((s) => !/^updat/.test(s)),
                    [],
                    `pull is updated, not replaced:\n${pull.join("\n")}`,
                );
                assert.ok(pull.includes("updated"), first.stdout);
                await assertPullReady(names.pull);
                if (target.emulator) {
                    assert.equal(emulatorValues(names.pull), b64(`${PULL_USER}:${V.pull3}`));
                    assert.deepEqual(emulatorChanges(names.pull), [`PUT /secrets/${names.pull}`]);
                }
                return;
            }

            // Refused: the API's refusal, and what to do about it, in the error.
            const said = redact(first.stdout + first.stderr);
            assert.match(said, /pulumi config set pipecat:imagePullUpdates replace/, said);
            assert.deepEqual(
                steps(first, "pull").filter((s) => /delet|creat|replac/.test(s)),
                [],
                `nothing replaced:\n${steps(first, "pull").join("\n")}`,
            );
            // Nothing deleted: the set is still there, ready, with the old credentials (the emulator: no DELETE reached it).
            await assertPullReady(names.pull);
            if (target.emulator) {
                assert.deepEqual(emulatorChanges(names.pull), [`PUT /secrets/${names.pull}`], "the refused PUT, and no DELETE");
                assert.equal(emulatorValues(names.pull), b64(`${PULL_USER}:${V.pull2}`));
            }

            // As the message says: back to replace, and up replaces the set, delete first.
            await setMode("replace");
            target.emulator?.clearRequests();
            const second = await up("up 4 (image-pull rotation, back to replace)");
            const pull = steps(second, "pull");
            const deleted = pull.indexOf("deleted original");
            assert.ok(deleted !== -1 && deleted < pull.lastIndexOf("created replacement"), `replaced, delete first:\n${pull.join("\n")}`);
            await assertPullReady(names.pull);
            if (target.emulator) {
                assert.equal(emulatorValues(names.pull), b64(`${PULL_USER}:${V.pull3}`));
                assert.deepEqual(emulatorChanges(names.pull), [`DELETE /secrets/${names.pull}`, `PUT /secrets/${names.pull}`]);
            }
        });

        it("5. renames a set by replacement: the new one is created first, then the old one is deleted", async () => {
            await given("5", S.pullInPlace);
            declare(S.renamed);
            const result = await up("up 5 (rename)");
            const set = steps(result, "secrets");
            assert.ok(set.includes("replaced"), result.stdout);
            const created = set.indexOf("created replacement");
            assert.ok(created !== -1 && created < set.indexOf("deleted original"), `create first:\n${set.join("\n")}`);
            await assertRegularReady(names.renamed, ["OPENAI_API_KEY", "CARTESIA_API_KEY"]);
            await assertGone("set", names.secrets);
            if (target.emulator) {
                assert.deepEqual(emulatorValues(names.renamed), { OPENAI_API_KEY: V.openai2, CARTESIA_API_KEY: V.cartesia });
                const order = target.emulator.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.setName}`);
                const [put, del] = [order.indexOf(`PUT ${names.renamed}`), order.indexOf(`DELETE ${names.secrets}`)];
                assert.ok(put !== -1 && del !== -1 && put < del, `PUT of the new name before DELETE of the old:\n${order.join("\n")}`);
            }
        });

        it("6. refresh shows a key deleted outside Pulumi (by HTTP, with the key); the next up restores it", async () => {
            await given("6", S.renamed);
            applied = undefined; // drift from here until the repair
            await api.deleteKey(names.renamed, "CARTESIA_API_KEY");
            const refresh = await pulumi("refresh 6", ["refresh", "--yes", "--skip-preview", "--diff"]);
            // --diff prints the set's outputs before and after: `keys` changed, nothing else of the stack.
            assert.match(
                refresh.stdout,
                new RegExp(`~ pulumi-nodejs:dynamic/pipecat:SecretSet: \\(update\\)\\s+\\[id=${names.renamed}\\][\\s\\S]*?~ keys\\s*:`),
                refresh.stdout,
            );
            assert.match(refresh.stdout, /~ 1 updated\s+2 unchanged/, refresh.stdout);
            const state = await stack.exportStack();
            const set = state.deployment.resources?.find((r) => r.urn.endsWith("::secrets"));
            assert.deepEqual(set?.outputs?.["keys"], ["OPENAI_API_KEY"], "keys in state after refresh");

            const result = await up("up 6 (repair)");
            assert.ok(steps(result, "secrets").includes("updated"), result.stdout);
            await assertRegularReady(names.renamed, ["OPENAI_API_KEY", "CARTESIA_API_KEY"]);
            if (target.emulator) {
                assert.deepEqual(emulatorValues(names.renamed), { OPENAI_API_KEY: V.openai2, CARTESIA_API_KEY: V.cartesia });
            }
        });

        it("7. creates an agent bound to a set of the run: deployed and ready when up returns", async function () {
            agentsNeedAnImage(this);
            await given("7", S.renamed);
            declare(S.withAgent);
            const result = await up("up 7 (agent)");
            assert.ok(steps(result, "agent").includes("created"), result.stdout);
            assert.deepEqual(steps(result, "secrets"), [], "the set is not touched");
            await assertAgentDeployed(names.agent, names.renamed);
            if (target.emulator) {
                assert.deepEqual(target.emulator.runningSecrets(names.agent), { OPENAI_API_KEY: V.openai2, CARTESIA_API_KEY: V.cartesia });
                assert.equal(target.emulator.agent(names.agent)?.deployments.length, 1);
            }
        });

        it("8. a rotated value reaches the agent: the set is written, then the agent is redeployed (forceRedeploy) in the same up", async function () {
            agentsNeedAnImage(this);
            await given("8", S.withAgent);
            const before = await api.getAgent(names.agent);
            declare(S.rotated);
            const result = await up("up 8 (rotation with the agent)");
            assert.ok(steps(result, "secrets").includes("updated"), result.stdout);
            assert.ok(steps(result, "agent").includes("updated"), result.stdout);
            const after = await assertAgentDeployed(names.agent, names.renamed);
            // The agent's declaration did not change: only a forced redeploy makes a new deployment.
            assert.notEqual(after.desiredDeploymentId, before.desiredDeploymentId, "a new deployment after the rotation");
            await assertRegularReady(names.renamed, ["OPENAI_API_KEY", "CARTESIA_API_KEY"]);
            if (target.emulator) {
                assert.deepEqual(target.emulator.runningSecrets(names.agent), { OPENAI_API_KEY: V.openai3, CARTESIA_API_KEY: V.cartesia });
                const deployments = target.emulator.agent(names.agent)?.deployments ?? [];
                assert.equal(deployments.at(-1)?.forced, true, "the redeploy asked for forceRedeploy");
                assert.deepEqual(
                    emulatorChanges(),
                    [`PUT /secrets/${names.renamed}`, `POST /agents/${names.agent}`],
                    "the set is written before the agent is redeployed",
                );
                const update = target.emulator.requests.find((r) => r.method === "POST" && r.agentName === names.agent);
                assert.equal((update?.body as { forceRedeploy?: unknown } | undefined)?.forceRedeploy, true);
            }
        });

        it("9. OrganizationSettings declared with the default region the organisation has: up sends nothing that moves it, refresh reads it", async () => {
            await given("9", S.settings.agent !== undefined ? S.rotated : S.renamed);
            assert.equal(await api.defaultRegion(), orgDefault, "the organisation's default region when the scenario starts");
            declare(S.settings);
            const result = await up("up 9 (organisation settings, as they are)");
            assert.ok(steps(result, "org").includes("created"), result.stdout);
            for (const resource of ["secrets", "pull", "agent"])
                assert.deepEqual(steps(result, resource), [], `${resource} is not touched`);
            assert.equal(await api.defaultRegion(), orgDefault, "the default region after up");
            if (target.emulator) {
                // The create writes the declared value: the one the organisation has, and nothing else.
                assert.deepEqual(emulatorChanges(), ["PATCH /properties"]);
                assert.deepEqual(emulatorPatchedRegions(), [orgDefault]);
                target.emulator.clearRequests();
            }

            const refresh = await pulumi("refresh 9", ["refresh", "--yes", "--skip-preview"]);
            assert.deepEqual(
                steps(refresh, "org").filter((step) => step !== "refreshing"),
                [],
                `the settings read as they are:\n${refresh.stdout}`,
            );
            assert.equal((await outputsOf("org"))["defaultRegion"], orgDefault, "defaultRegion in state after refresh");
            if (target.emulator) assert.deepEqual(emulatorChanges(), [], "refresh only reads");
            assert.equal(await api.defaultRegion(), orgDefault, "the default region after refresh");
        });

        it("10. OrganizationSettings sets another default region, and declared back restores it; what exists stays where it is (emulator only)", async function () {
            if (target.kind === "live") {
                console.log("      skipped: a live run never sets the organisation's default region to another value");
                this.skip();
            }
            await given("10", S.settings);
            const available = (await outputsOf("org"))["availableRegions"];
            assert.ok(Array.isArray(available), "availableRegions in state");
            const other = available.find((r): r is string => typeof r === "string" && r !== orgDefault);
            assert.ok(other !== undefined, `another region than ${orgDefault} in ${available.join(", ")}`);
            const regionsBefore = Object.fromEntries([names.renamed, names.pull].map((n) => [n, emulatorRegion(n)]));

            declare({ ...S.settings, settings: { defaultRegion: other } });
            const changed = await up("up 10 (another default region)");
            assert.ok(steps(changed, "org").includes("updated"), changed.stdout);
            assert.equal(await api.defaultRegion(), other, "the default region after up");
            assert.deepEqual(emulatorPatchedRegions(), [other]);
            for (const resource of ["secrets", "pull", "agent"])
                assert.deepEqual(steps(changed, resource), [], `${resource} is not touched`);
            assert.deepEqual(Object.fromEntries([names.renamed, names.pull].map((n) => [n, emulatorRegion(n)])), regionsBefore);

            target.emulator?.clearRequests();
            declare(S.settings);
            const restored = await up("up 10 (the default region it had)");
            assert.ok(steps(restored, "org").includes("updated"), restored.stdout);
            assert.equal(await api.defaultRegion(), orgDefault, "the default region restored");
            assert.deepEqual(emulatorPatchedRegions(), [orgDefault]);
        });

        it("11. builds a tiny context and deploys an agent from it (buildId: the Build): built, deployed and ready when up returns", async function () {
            buildsNeedOptIn(this);
            await given("11", S.settings);
            const uploadsBefore = target.emulator?.uploads().length ?? 0;
            declare(S.built);
            const result = await up("up 11 (a build and an agent from it)");
            assert.ok(steps(result, "build").includes("created"), result.stdout);
            for (const resource of ["secrets", "pull", "agent", "org"])
                assert.deepEqual(steps(result, resource), [], `${resource} is not touched`);
            const build = await buildOutputs("build");
            assert.equal(build.cached, false, "a new build (the context holds a file of this run)");
            const found = await api.getBuild(build.buildId);
            assert.equal(found.status, 200, `GET /builds/${build.buildId}`);
            assert.equal(found.buildStatus, "success", "the build's status right after up");
            assert.equal(found.imageUri, build.imageUri);
            assert.equal(found.contextHash, build.contextHash, "the hash the provider computed is the one Pipecat Cloud derived");
            if (target.region !== undefined) assert.equal(found.region, target.region, "region of the build");

            if (S.built.build?.agent !== undefined) {
                assert.ok(steps(result, "built").includes("created"), result.stdout);
                const agent = await assertAgentDeployed(names.built, names.renamed);
                if (agent.buildId !== undefined) assert.equal(agent.buildId, build.buildId, `the build ${names.built} runs`);
            } else {
                console.log("      no agent deployed from the build: PIPECAT_LIVE_IMAGE is not set, so its base image may not deploy");
            }
            if (target.emulator) {
                assert.equal(target.emulator.agentImage(names.built), build.imageUri, "the image the agent runs");
                const uploads = target.emulator.uploads().slice(uploadsBefore);
                assert.equal(uploads.length, 1, "one upload");
                assert.equal(uploads[0]?.hadAuthorization, false, "the upload carries no Authorization header");
                // The context as received: the Dockerfile and run.txt, never the .env nor its value.
                const tar = gunzipSync(uploads[0]?.archive ?? Buffer.alloc(0));
                assert.ok(tar.includes("Dockerfile") && tar.includes("run.txt"), "the context's files in the upload");
                assert.ok(!tar.includes(".env") && !tar.includes(V.dotenv), "the .env left out of the upload");
            }
        });

        it("12. the same source again is a cache hit: the existing build, nothing uploaded", async function () {
            buildsNeedOptIn(this);
            await given("12", S.built);
            const uploadsBefore = target.emulator?.uploads().length ?? 0;
            const buildsBefore = target.emulator?.builds().length ?? 0;
            declare(S.cached);
            const result = await up("up 12 (the same source again)");
            assert.ok(steps(result, "build-again").includes("created"), result.stdout);
            for (const resource of ["build", "built", "agent", "secrets"])
                assert.deepEqual(steps(result, resource), [], `${resource} is not touched`);
            const [first, again] = [await buildOutputs("build"), await buildOutputs("build-again")];
            assert.equal(again.buildId, first.buildId, "the build found in the cache");
            assert.equal(again.cached, true);
            // The provider's progress line, shown in the run: the cache was asked before any upload.
            assert.match(result.stdout, new RegExp(`cache hit, build ${first.buildId} \\(nothing uploaded\\)`), result.stdout);
            if (target.emulator) {
                assert.equal(target.emulator.uploads().length, uploadsBefore, "nothing uploaded");
                assert.equal(target.emulator.builds().length, buildsBefore, "no new build");
                assert.deepEqual(
                    emulatorBuildRequests().filter((r) => !r.startsWith("GET ")),
                    [],
                    "no upload URL, upload or POST /builds",
                );
            }
        });

        it("13. keeps every value and the API key out of the state and of every command's output", async () => {
            const exported = await stack.project.run(["stack", "export"]);
            assertNoLeaks([...stack.outputs, { label: "stack export", text: exported.stdout }], secrets, "outputs and state");
        });

        it("14. destroys the agents before their set, then every set; the build and the organisation's default region stay as they are", async () => {
            await given("14", S.last);
            const builds = S.last.build !== undefined ? [await buildOutputs("build")] : [];
            applied = undefined;
            const result = await pulumi("destroy 14", ["destroy", "--yes", "--skip-preview"]);
            assert.ok(steps(result, "secrets").includes("deleted"), result.stdout);
            assert.ok(steps(result, "pull").includes("deleted"), result.stdout);
            await assertGone("set", names.renamed);
            await assertGone("set", names.pull);
            const agents = [...(S.last.agent !== undefined ? ["agent"] : []), ...(S.last.build?.agent !== undefined ? ["built"] : [])];
            const all = events(result);
            for (const agent of agents) {
                const [a, set] = [all.indexOf(`${agent} deleted`), all.indexOf("secrets deleted")];
                assert.ok(a !== -1 && a < set, `${agent} is deleted before its set:\n${all.join("\n")}`);
            }
            if (S.last.agent !== undefined) await assertGone("agent", names.agent);
            else console.log("      no agent to destroy: PIPECAT_LIVE_IMAGE is not set");
            if (S.last.build?.agent !== undefined) await assertGone("agent", names.built);
            if (target.emulator) {
                const order = emulatorChanges();
                for (const name of agents.map((a) => (a === "agent" ? names.agent : names.built))) {
                    const [a, s] = [order.indexOf(`DELETE /agents/${name}`), order.indexOf(`DELETE /secrets/${names.renamed}`)];
                    assert.ok(a !== -1 && a < s, `DELETE of ${name} before DELETE of its set:\n${order.join("\n")}`);
                }
                assert.deepEqual(emulatorBuildRequests(), [], "destroy sends nothing about builds");
                assert.deepEqual(emulatorPatchedRegions(), [], "destroy does not write the default region");
            }

            // Removed from the state only: the build is still there, ready to deploy, and the default region is the one the run began with.
            assert.ok(steps(result, "org").includes("deleted"), result.stdout);
            assert.match(result.stdout, /the organisation keeps its default region as it is/, result.stdout);
            assert.equal(await api.defaultRegion(), orgDefault, "the default region after destroy");
            for (const build of builds) {
                assert.ok(steps(result, "build").includes("deleted") && steps(result, "build-again").includes("deleted"), result.stdout);
                const found = await api.getBuild(build.buildId);
                assert.equal(found.status, 200, `GET /builds/${build.buildId} after destroy`);
                assert.equal(found.buildStatus, "success");
            }
            assertNoLeaks(stack.outputs, secrets, "outputs");
        });

        it("the sweep deletes every agent, then every set, that earlier runs left under pcs-live- (either kind), and nothing else, not even a build (emulator only)", async function () {
            // Live, this would need agents and sets outside this run's prefix: there the sweep mode itself is the test.
            if (target.kind === "live") this.skip();
            const emulator = await startEmulator();
            try {
                const leftovers = ["pcs-live-0ldrun00-secrets", "pcs-live-0ldrun00-pull", "pcs-live-zz9zz9zz-secrets-renamed"];
                const others = [
                    "voice-agent",
                    "pcs-live-prod",
                    "pcs-live-abc-agent",
                    "pcs-live-0ldrun00",
                    "xpcs-live-0ldrun00-agent",
                    "pcs-livex0ldrun00-agent",
                ];
                for (const name of [...leftovers, ...others]) {
                    emulator.seed(
                        name,
                        name.endsWith("-pull")
                            ? { type: "imagePullSecret", host: PULL_HOST, secretValue: "dXNlcjpwYXNz" }
                            : { secrets: { K: "v" } },
                    );
                }
                // Agents bound to those sets, made the way a program would: POST /agents.
                const agents: [string, string][] = [
                    ["pcs-live-0ldrun00-agent", "pcs-live-0ldrun00-secrets"],
                    ["pcs-live-zz9zz9zz-agent", "pcs-live-zz9zz9zz-secrets-renamed"],
                    ["voice-agent", "voice-agent"],
                    ["pcs-live-prod", "pcs-live-prod"],
                    ["pcs-live-0ldrun00", "pcs-live-0ldrun00"],
                ];
                for (const [serviceName, secretSet] of agents) {
                    const created = await fetch(`${emulator.url}/agents`, {
                        method: "POST",
                        headers: { Authorization: `Bearer ${emulator.apiKey}`, "Content-Type": "application/json" },
                        body: JSON.stringify({ serviceName, image: "registry.example/agent:1", secretSet }),
                    });
                    assert.equal(created.status, 200, `POST /agents ${serviceName}`);
                }
                // A build an earlier run made: builds have no delete, and the sweep does not look at them.
                const build = emulator.seedBuild();
                emulator.clearRequests();
                const sweeper = new DirectApi(emulator.url, emulator.apiKey, COMMON_PREFIX);
                const deleted = await sweeper.sweep();
                assert.deepEqual(deleted.agents.map((a) => a.name).sort(), ["pcs-live-0ldrun00-agent", "pcs-live-zz9zz9zz-agent"]);
                assert.deepEqual(deleted.sets.map((s) => s.name).sort(), [...leftovers].sort());
                assert.deepEqual(Object.keys(emulator.snapshot()).sort(), [...others].sort());
                assert.deepEqual(
                    emulator
                        .agents()
                        .map((a) => a.name)
                        .sort(),
                    ["pcs-live-0ldrun00", "pcs-live-prod", "voice-agent"],
                );
                const deletes = emulator.requests
                    .filter((r) => r.method === "DELETE")
                    .map((r) => (r.agentName !== undefined ? "agent" : "set"));
                assert.deepEqual(deletes, ["agent", "agent", "set", "set", "set"], "agents first, then sets, and nothing else");
                assert.deepEqual(
                    emulator.requests.filter((r) => r.path.startsWith("/v1/builds")),
                    [],
                    "no request about builds",
                );
                assert.deepEqual(
                    emulator.builds().map((b) => [b.id, b.status]),
                    [[build.id, "success"]],
                );
                assert.deepEqual(await sweeper.leftovers(0), []);
            } finally {
                await emulator.close();
            }
        });
    });
}
