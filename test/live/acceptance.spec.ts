/**
 * Acceptance tests: SecretSet end to end through the real Pulumi engine, against a real Pipecat Cloud
 * organisation (`PIPECAT_LIVE=1 PIPECAT_API_KEY=… npm run test:live`) or, in `npm test`, against an
 * emulator started for the run (see target.ts), so the scenarios cannot rot between live runs.
 *
 * One stack walks through the scenarios in order. Every name is `pcs-live-<8 random>-…`, every value is
 * random per run and marked secret; every agent and then every set of the run is deleted in `after`,
 * whatever failed. What the tests check goes through the API by plain HTTP (direct-api.ts), as it would
 * live; where only the emulator can show more (stored values, the order of requests), the extra checks
 * say so.
 *
 * With PIPECAT_LIVE_SWEEP=1 (and PIPECAT_LIVE=1) the file instead deletes what earlier runs left behind.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startEmulator } from "../../emulator";
import { createTempProject, type RunResult, type TempProject } from "../e2e/harness";
import { assertNoLeaks, type Haystack, MIN_SECRET_LENGTH, needlesFor } from "../support/leaks";
import { COMMON_PREFIX, DirectApi, newRunPrefix, type SetRow } from "./direct-api";
import { openTarget, readRequest, type Target } from "./target";

// Refuses at load, naming the variables, when the environment is unclear (PIPECAT_LIVE=yes, a live run without a key).
const request = readRequest();

/** What the program declares; each scenario writes a new one to sets.json. */
interface Declared {
    readonly region?: string;
    readonly agent: { readonly name: string; readonly secrets: Readonly<Record<string, string>> };
    readonly pull: { readonly name: string; readonly host: string; readonly username: string; readonly password: string };
}

/** Every value is marked secret here, in the program (the resource would also do it by itself). */
const program = `
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { SecretSet } from "pulumi-pipecat-secrets";

const spec = JSON.parse(fs.readFileSync("sets.json", "utf8"));
const region = spec.region ? { region: spec.region as string } : {};
const secrets: Record<string, pulumi.Output<string>> = {};
for (const [key, value] of Object.entries(spec.agent.secrets)) secrets[key] = pulumi.secret(value as string);
const agent = new SecretSet("agent", { name: spec.agent.name, ...region, secrets });
const pull = new SecretSet("pull", {
    name: spec.pull.name,
    ...region,
    imagePullSecret: { host: spec.pull.host, username: spec.pull.username, password: pulumi.secret(spec.pull.password as string) },
});
export const agentName = agent.name;
export const agentKeys = agent.keys;
export const pullName = pull.name;
`;

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const SET = "pulumi-nodejs:dynamic/pipecat:SecretSet";

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
    describe(`acceptance: SecretSet through the real engine against ${request.kind === "live" ? "the live API" : "the emulator"}`, function () {
        this.timeout(request.kind === "live" ? 1_800_000 : 300_000);

        const prefix = newRunPrefix();
        const names = { agent: `${prefix}agent`, renamed: `${prefix}agent-renamed`, pull: `${prefix}pull` };
        const PULL_HOST = "https://ghcr.io/";
        const PULL_USER = "pcs-live-bot";

        let target: Target;
        let api: DirectApi;
        let project: TempProject;
        const outputs: Haystack[] = [];
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
            secrets.push({ label: `${label} as user:password`, value: `${PULL_USER}:${p}` }, { label: `${label} encoded`, value: b64(`${PULL_USER}:${p}`) });
            return p;
        }
        const V = {
            openai: value("OPENAI_API_KEY value"),
            openai2: value("OPENAI_API_KEY changed value"),
            daily: value("DAILY_API_KEY value"),
            cartesia: value("CARTESIA_API_KEY value"),
            pull1: password("registry token 1"),
            pull2: password("registry token 2"),
            pull3: password("registry token 3"),
        };

        let declared: Declared;
        function declare(next: Declared): void {
            declared = next;
            project.writeFile("sets.json", JSON.stringify(next, null, 2));
        }
        const withAgent = (agent: Partial<Declared["agent"]>): Declared => ({ ...declared, agent: { ...declared.agent, ...agent } });
        const withPull = (pull: Partial<Declared["pull"]>): Declared => ({ ...declared, pull: { ...declared.pull, ...pull } });

        /** The known secrets cut out of a text, so that a failing command's output can be shown without them. */
        function redact(text: string): string {
            for (const { value: v } of secrets) for (const needle of needlesFor(v)) text = text.split(needle.text).join("[secret]");
            return text;
        }

        /**
         * Runs pulumi with only stack config as the provider's settings (PIPECAT_* of this process are blanked,
         * which the provider reads as unset), keeps the output for the leak scan, fails with it redacted.
         */
        async function pulumi(label: string, args: string[]): Promise<RunResult> {
            const env = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith("PIPECAT_")).map((k) => [k, ""]));
            const result = await project
                .run([...args, "--non-interactive"], { allowFail: true, env, timeoutMs: target.commandTimeoutMs })
                .catch((e: unknown) => {
                    throw new Error(redact(e instanceof Error ? e.message : String(e)));
                });
            outputs.push({ label: `${label} stdout`, text: result.stdout }, { label: `${label} stderr`, text: result.stderr });
            if (result.code !== 0) {
                throw new Error(`pulumi ${args.join(" ")} exited with ${result.code}\n--- stdout\n${redact(result.stdout)}\n--- stderr\n${redact(result.stderr)}`);
            }
            return result;
        }
        const up = (label: string) => pulumi(label, ["up", "--yes", "--skip-preview"]);

        /** The engine's progress lines for one resource: `<op> pulumi-nodejs:dynamic/pipecat:SecretSet <name> <step>`. */
        function steps(result: RunResult, resource: string): string[] {
            // e.g. " ++ pulumi-nodejs:dynamic/pipecat:SecretSet agent created replacement (1s) [diff: ~name]"
            const line = new RegExp(`${SET.replace(/[/.]/g, "\\$&")}\\s+${resource}\\s+([a-z][a-z ]*?)\\s*\\(\\d`);
            return result.stdout.split("\n").flatMap((l) => {
                const m = line.exec(l);
                return m?.[1] !== undefined ? [m[1]] : [];
            });
        }

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

        /**
         * A deleted set: GET answers 404 and the list no longer has it. The API does not say whether a delete
         * shows at once everywhere, so live the check is repeated for up to 30 s before it fails.
         */
        async function assertGone(name: string): Promise<void> {
            const deadline = Date.now() + (target.kind === "live" ? 30_000 : 0);
            for (;;) {
                const [lookup, rows] = [await api.get(name), await api.list()];
                const listed = rows.some((s) => s.name === name);
                // An image-pull set answers 400 by name: only the list can say it is gone.
                if ((lookup.status === 404 || lookup.status === 400) && !listed) return;
                if (Date.now() >= deadline) assert.fail(`${name} still exists: GET answered ${lookup.status}, listed: ${listed}`);
                await new Promise((r) => setTimeout(r, 2000));
            }
        }

        // What only the emulator can show. The live API never returns values, nor the requests it got.
        const emulatorValues = (name: string) => {
            const set = target.emulator?.snapshot()[name];
            return set?.type === "secret" ? set.secrets : set?.type === "imagePullSecret" ? set.secretValue : undefined;
        };
        const emulatorRequests = (name: string) =>
            (target.emulator?.requests ?? [])
                .filter((r) => r.setName === name && r.method !== "GET")
                .map((r) => `${r.method} ${r.path.replace(/^\/v1/, "")}`);

        before(async function () {
            this.timeout(300_000);
            target = await openTarget(request);
            api = new DirectApi(target.apiUrl, target.apiKey, prefix);
            if (target.apiKey.length >= MIN_SECRET_LENGTH) secrets.push({ label: "the API key", value: target.apiKey });
            project = createTempProject({ name: "pcs-live-acceptance", programTs: program });
            await project.initStack("acceptance");
            await project.setConfig("pipecat:apiKey", target.apiKey, { secret: true }); // through stdin
            await project.setConfig("pipecat:apiUrl", target.apiUrl);
            console.log(`      target: ${target.kind}, ${target.apiUrl}, ${target.region ?? "default region"}; names: ${prefix}…`);
        });

        beforeEach(() => target.emulator?.clearRequests());

        after(async function () {
            this.timeout(600_000);
            try {
                if (api !== undefined) {
                    // Also after a failed step: list, and delete every agent, then every set (either kind), with this run's prefix.
                    const deleted = await api.sweep();
                    const what = [...deleted.agents.map((a) => `agent ${a.name}`), ...deleted.sets.map((s) => s.name)];
                    if (what.length > 0) console.log(`      clean-up deleted what the run left: ${what.join(", ")}`);
                    assert.deepEqual(await api.leftovers(target.kind === "live" ? 30_000 : 0), [], "agents and sets of this run left after the clean-up");
                }
            } finally {
                project?.cleanup();
                await target?.close();
            }
        });

        it("the clean-up helper refuses every name outside this run's prefix, without sending a request", async () => {
            let other = newRunPrefix();
            while (other === prefix) other = newRunPrefix();
            const sent = api.requestCount;
            for (const name of ["voice-agent", COMMON_PREFIX, `${COMMON_PREFIX}prod`, `${other}agent`, prefix, prefix.slice(0, -1), `x${names.agent}`, `${prefix}Agent`]) {
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

        it("1. creates a regular set and an image-pull set, each ready when up returns", async () => {
            declare({
                ...(target.region !== undefined ? { region: target.region } : {}),
                agent: { name: names.agent, secrets: { OPENAI_API_KEY: V.openai, DAILY_API_KEY: V.daily } },
                pull: { name: names.pull, host: PULL_HOST, username: PULL_USER, password: V.pull1 },
            });
            const result = await up("up 1 (create)");
            assert.ok(steps(result, "agent").includes("created"), result.stdout);
            assert.ok(steps(result, "pull").includes("created"), result.stdout);
            await assertRegularReady(names.agent, ["OPENAI_API_KEY", "DAILY_API_KEY"]);
            await assertPullReady(names.pull);
            if (target.emulator) {
                assert.deepEqual(emulatorValues(names.agent), { OPENAI_API_KEY: V.openai, DAILY_API_KEY: V.daily });
                assert.equal(emulatorValues(names.pull), b64(`${PULL_USER}:${V.pull1}`));
            }
        });

        it("2. updates in place: a changed value and an added key", async () => {
            declare(withAgent({ secrets: { OPENAI_API_KEY: V.openai2, DAILY_API_KEY: V.daily, CARTESIA_API_KEY: V.cartesia } }));
            const result = await up("up 2 (update)");
            assert.ok(steps(result, "agent").includes("updated"), result.stdout);
            assert.deepEqual(steps(result, "pull"), [], "the image-pull set is not touched");
            await assertRegularReady(names.agent, ["OPENAI_API_KEY", "DAILY_API_KEY", "CARTESIA_API_KEY"]);
            if (target.emulator) {
                assert.deepEqual(emulatorValues(names.agent), { OPENAI_API_KEY: V.openai2, DAILY_API_KEY: V.daily, CARTESIA_API_KEY: V.cartesia });
                assert.deepEqual(emulatorRequests(names.agent), [`PUT /secrets/${names.agent}`]);
            }
        });

        it("3. removes a key in place", async () => {
            declare(withAgent({ secrets: { OPENAI_API_KEY: V.openai2, CARTESIA_API_KEY: V.cartesia } }));
            const result = await up("up 3 (key removal)");
            assert.ok(steps(result, "agent").includes("updated"), result.stdout);
            await assertRegularReady(names.agent, ["OPENAI_API_KEY", "CARTESIA_API_KEY"]);
            if (target.emulator) {
                assert.deepEqual(emulatorValues(names.agent), { OPENAI_API_KEY: V.openai2, CARTESIA_API_KEY: V.cartesia });
                assert.deepEqual(emulatorRequests(names.agent), [`PUT /secrets/${names.agent}`, `DELETE /secrets/${names.agent}/DAILY_API_KEY`]);
            }
        });

        it("4. rotates image-pull credentials by replacement (the default): deleted, then created under the same name", async () => {
            declare(withPull({ password: V.pull2 }));
            const result = await up("up 4 (image-pull rotation, replacement)");
            const pull = steps(result, "pull");
            assert.ok(pull.includes("replaced"), result.stdout);
            const deleted = pull.indexOf("deleted original");
            assert.ok(deleted !== -1 && deleted < pull.lastIndexOf("created replacement"), `delete first under one name:\n${pull.join("\n")}`);
            await assertPullReady(names.pull);
            if (target.emulator) {
                assert.equal(emulatorValues(names.pull), b64(`${PULL_USER}:${V.pull2}`));
                assert.deepEqual(emulatorRequests(names.pull), [`DELETE /secrets/${names.pull}`, `PUT /secrets/${names.pull}`]);
            }
        });

        // Needs the provider setting pipecat:imagePullUpdates (issue 9); without it the engine replaces the set.
        it("5. with pipecat:imagePullUpdates = in-place, rotates image-pull credentials with one PUT and no DELETE", async () => {
            await project.setConfig("pipecat:imagePullUpdates", "in-place");
            declare(withPull({ password: V.pull3 }));
            const result = await up("up 5 (image-pull rotation, in place)");
            assert.deepEqual(steps(result, "pull").filter((s) => !/^updat/.test(s)), [], `pull is updated, not replaced (does the provider know pipecat:imagePullUpdates?):\n${steps(result, "pull").join("\n")}`);
            assert.ok(steps(result, "pull").includes("updated"), result.stdout);
            await assertPullReady(names.pull);
            if (target.emulator) {
                assert.equal(emulatorValues(names.pull), b64(`${PULL_USER}:${V.pull3}`));
                assert.deepEqual(emulatorRequests(names.pull), [`PUT /secrets/${names.pull}`]);
            }
        });

        it("6. renames a set by replacement: the new one is created first, then the old one is deleted", async () => {
            declare(withAgent({ name: names.renamed }));
            const result = await up("up 6 (rename)");
            const agent = steps(result, "agent");
            assert.ok(agent.includes("replaced"), result.stdout);
            const created = agent.indexOf("created replacement");
            assert.ok(created !== -1 && created < agent.indexOf("deleted original"), `create first:\n${agent.join("\n")}`);
            await assertRegularReady(names.renamed, ["OPENAI_API_KEY", "CARTESIA_API_KEY"]);
            await assertGone(names.agent);
            if (target.emulator) {
                assert.deepEqual(emulatorValues(names.renamed), { OPENAI_API_KEY: V.openai2, CARTESIA_API_KEY: V.cartesia });
                const order = target.emulator.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.setName}`);
                const [put, del] = [order.indexOf(`PUT ${names.renamed}`), order.indexOf(`DELETE ${names.agent}`)];
                assert.ok(put !== -1 && del !== -1 && put < del, `PUT of the new name before DELETE of the old:\n${order.join("\n")}`);
            }
        });

        it("7. refresh shows a key deleted outside Pulumi (by HTTP, with the key); the next up restores it", async () => {
            await api.deleteKey(names.renamed, "CARTESIA_API_KEY");
            const refresh = await pulumi("refresh 7", ["refresh", "--yes", "--skip-preview", "--diff"]);
            // --diff prints the set's outputs before and after: `keys` changed, nothing else of the stack.
            assert.match(refresh.stdout, new RegExp(`~ ${SET.replace(/[/.]/g, "\\$&")}: \\(update\\)\\s+\\[id=${names.renamed}\\][\\s\\S]*?~ keys\\s*:`), refresh.stdout);
            assert.match(refresh.stdout, /~ 1 updated\s+2 unchanged/, refresh.stdout);
            const state = await project.exportStack();
            const agent = state.deployment.resources?.find((r) => r.urn.endsWith("::agent"));
            assert.deepEqual(agent?.outputs?.["keys"], ["OPENAI_API_KEY"], "keys in state after refresh");

            const result = await up("up 7 (repair)");
            assert.ok(steps(result, "agent").includes("updated"), result.stdout);
            await assertRegularReady(names.renamed, ["OPENAI_API_KEY", "CARTESIA_API_KEY"]);
            if (target.emulator) {
                assert.deepEqual(emulatorValues(names.renamed), { OPENAI_API_KEY: V.openai2, CARTESIA_API_KEY: V.cartesia });
            }
        });

        it("8. keeps every value and the API key out of the state and of every command's output", async () => {
            const exported = await project.run(["stack", "export"]);
            assertNoLeaks([...outputs, { label: "stack export", text: exported.stdout }], secrets, "outputs and state");
        });

        it("9. destroys every set", async () => {
            const result = await pulumi("destroy 9", ["destroy", "--yes", "--skip-preview"]);
            assert.ok(steps(result, "agent").includes("deleted"), result.stdout);
            assert.ok(steps(result, "pull").includes("deleted"), result.stdout);
            await assertGone(names.renamed);
            await assertGone(names.pull);
            assertNoLeaks(outputs, secrets, "outputs");
        });

        it("the sweep deletes every agent, then every set, that earlier runs left under pcs-live- (either kind), and nothing else (emulator only)", async function () {
            // Live, this would need agents and sets outside this run's prefix: there the sweep mode itself is the test.
            if (target.kind === "live") this.skip();
            const emulator = await startEmulator();
            try {
                const leftovers = ["pcs-live-0ldrun00-secrets", "pcs-live-0ldrun00-pull", "pcs-live-zz9zz9zz-secrets-renamed"];
                const others = ["voice-agent", "pcs-live-prod", "pcs-live-abc-agent", "pcs-live-0ldrun00", "xpcs-live-0ldrun00-agent", "pcs-livex0ldrun00-agent"];
                for (const name of [...leftovers, ...others]) {
                    emulator.seed(name, name.endsWith("-pull") ? { type: "imagePullSecret", host: PULL_HOST, secretValue: "dXNlcjpwYXNz" } : { secrets: { K: "v" } });
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
                emulator.clearRequests();
                const sweeper = new DirectApi(emulator.url, emulator.apiKey, COMMON_PREFIX);
                const deleted = await sweeper.sweep();
                assert.deepEqual(deleted.agents.map((a) => a.name).sort(), ["pcs-live-0ldrun00-agent", "pcs-live-zz9zz9zz-agent"]);
                assert.deepEqual(deleted.sets.map((s) => s.name).sort(), [...leftovers].sort());
                assert.deepEqual(Object.keys(emulator.snapshot()).sort(), [...others].sort());
                assert.deepEqual(emulator.agents().map((a) => a.name).sort(), ["pcs-live-0ldrun00", "pcs-live-prod", "voice-agent"]);
                const deletes = emulator.requests.filter((r) => r.method === "DELETE").map((r) => (r.agentName !== undefined ? "agent" : "set"));
                assert.deepEqual(deletes, ["agent", "agent", "set", "set", "set"], "agents first, then sets, and nothing else");
                assert.deepEqual(await sweeper.leftovers(0), []);
            } finally {
                await emulator.close();
            }
        });
    });
}
