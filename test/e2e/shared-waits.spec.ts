/**
 * Issue 20, adversarial: the shared readiness poller (provider/ticker.ts) through the real engine with real delays.
 * Several sets and agents of one stack wait at the same time on one `GET /secrets` and one `GET /agents` per tick;
 * each scenario breaks one of them (a failed provisioning, a set deleted while pending, a list answer that is not a
 * list, a short bound, a stranger's key, a failed deployment, a replacement with a slow teardown) and checks that
 * only the resource concerned fails, under its own name, that nothing else is deleted, and that the next `up`
 * converges. One emulator and one stack for the whole file (a step changes the program through stack.json).
 */
import * as assert from "node:assert/strict";
import type { Emulator } from "../../emulator";
import type { RunResult } from "../support/engine";
import { assertNoLeaks } from "../support/leaks";
import { EngineStack } from "../support/stack";
import { stackProgram } from "../support/stack-program";

const API_KEY = "pk-sharedwaits-API-KEY-never-shown-0001";
const V = (n: string) => `sk-sharedwaits-${n}-never-shown`;
const NAMES = ["a", "b", "c", "d"];
const SECRETS = [API_KEY, ...NAMES.flatMap((n) => [V(n), V(`${n}2`), V(`${n}3`)]), V("stranger")];
const IMAGE = "registry.example/voice-agent:0.1";

type Spec = { sets?: Record<string, unknown>; agents?: Record<string, unknown> };

function set(n: string, version = ""): Record<string, unknown> {
    return { name: `sw-set-${n}`, secrets: { OPENAI_API_KEY: V(`${n}${version}`) } };
}

function agent(n: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { name: `sw-agent-${n}`, image: IMAGE, secretSet: `@${n}`, region: "us-west", ...extra };
}

/** An agent that binds no set, so that it can move to another region. */
function bare(n: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { name: `sw-agent-${n}`, image: IMAGE, region: "us-west", ...extra };
}

/** What the engine reports as errors: the diagnostics section and standard error. */
function errorText(r: RunResult): string {
    const at = r.stdout.indexOf("Diagnostics:");
    return `${at >= 0 ? r.stdout.slice(at) : ""}\n${r.stderr}`;
}

/** The resources the engine reported an error for (`pipecat:SecretSet (r):` / `pipecat:Agent (r):` headers). */
function failedResources(r: RunResult): string[] {
    return [...errorText(r).matchAll(/pipecat:(?:SecretSet|Agent) \(([^)]+)\):/g)].map((m) => m[1] as string).sort();
}

describe("e2e: waits that share one list request (issue 20)", function () {
    this.timeout(180_000);
    let s: EngineStack;
    let e: Emulator;
    before(async () => {
        s = await EngineStack.start({
            name: "shared-waits-e2e",
            program: stackProgram,
            emulator: {
                apiKey: API_KEY,
                readyAfterMs: 300,
                // "slow" sets and agents take longer than the short bounds of the timeout scenario.
                readyAfterMsFor: (name) => (name.includes("slow") ? 4000 : 300),
                deployPhaseMs: { creating: 250, validating: 250 },
                deployPhaseMsFor: (name) => (name.includes("slow") ? { creating: 4000 } : {}),
                agentDeleteAfterMs: 600,
            },
        });
        e = s.emulator;
    });
    after(async () => {
        assertNoLeaks(await s.close(), SECRETS, "command outputs and state");
    });
    let spec: Spec = {};

    function declare(next: Spec): void {
        spec = next;
        s.writeJson("stack.json", spec);
    }

    /** `--continue-on-error`: the engine goes on with the resources that do not depend on a failed one. */
    async function up(label: string, args: string[] = [], env?: Record<string, string>): Promise<RunResult> {
        return s.up(label, { allowFail: true, args: ["--continue-on-error", ...args], ...(env ? { env } : {}) });
    }

    async function mustUp(label: string, args: string[] = []): Promise<RunResult> {
        const r = await up(label, args);
        assert.equal(r.code, 0, `${label}:\n${errorText(r)}`);
        return r;
    }

    function deletes(): string[] {
        return s.seen().filter((l) => l.startsWith("DELETE"));
    }

    it("one set of many fails provisioning, another is deleted while pending: only those fail, the next up converges", async () => {
        const all: Spec = {
            sets: Object.fromEntries(NAMES.map((n) => [n, set(n)])),
            agents: Object.fromEntries(["a", "b"].map((n) => [n, agent(n)])),
        };
        declare(all);
        e.failProvisioning({ setName: "sw-set-c", errorMessage: "quota exceeded (injected)" });
        // sw-set-d disappears while it is pending: deleted outside Pulumi.
        const watch = setInterval(() => {
            if (e.snapshot()["sw-set-d"]?.status === "pending") {
                e.deleteDirect("sw-set-d");
                clearInterval(watch);
            }
        }, 20);
        const r = await up("create, one failing").finally(() => clearInterval(watch));
        assert.notEqual(r.code, 0);
        assert.deepEqual(failedResources(r), ["c", "d"], errorText(r));
        assert.match(errorText(r), /failed to provision secret set "sw-set-c": "quota exceeded \(injected\)"/);
        assert.match(errorText(r), /Secret set "sw-set-d" disappeared/);
        assert.deepEqual(Object.keys(e.snapshot()).sort(), ["sw-set-a", "sw-set-b"]);
        assert.deepEqual(
            e
                .agents()
                .map((a) => a.name)
                .sort(),
            ["sw-agent-a", "sw-agent-b"],
        );
        assert.deepEqual(deletes().sort(), ["DELETE /secrets/sw-set-c 200", "DELETE /secrets/sw-set-d 404"]);
        e.clearRequests();
        await mustUp("converge");
        assert.deepEqual(Object.keys(e.snapshot()).sort(), ["sw-set-a", "sw-set-b", "sw-set-c", "sw-set-d"]);
        assert.deepEqual(deletes(), []);
    });

    it("a list refused in the middle of the shared waits: each waiting set and agent fails under its own name, nothing is deleted, the next up converges", async () => {
        e.clearRequests();
        // c and d are rewritten while a and b are redeployed: four waits at once, on both lists.
        declare({
            sets: { ...spec.sets, c: set("c", "2"), d: set("d", "2") },
            agents: { a: agent("a", { image: `${IMAGE}-2` }), b: agent("b", { image: `${IMAGE}-2` }) },
        });
        // A gateway's refusal, which is not retried (a 5xx or a page that is not JSON would be, and would succeed).
        const gateway = "<html><body>403 Forbidden</body></html>";
        e.injectFault({ route: "GET /secrets", status: 403, body: gateway });
        e.injectFault({ route: "GET /agents", status: 403, body: gateway });
        const r = await up("update, lists broken once");
        assert.notEqual(r.code, 0);
        // Which waits shared the refused tick depends on when each write was answered: each one that did fails, under its name.
        const failed = failedResources(r);
        assert.ok(failed.some((n) => ["a", "b"].includes(n)) && failed.some((n) => ["c", "d"].includes(n)), errorText(r));
        for (const n of failed) {
            const what = ["a", "b"].includes(n)
                ? `deployment check of agent "sw-agent-${n}"`
                : `readiness check of secret set "sw-set-${n}"`;
            assert.match(errorText(r), new RegExp(`${what} failed: Pipecat Cloud answered GET /(agents|secrets) with 403`), n);
        }
        assert.doesNotMatch(errorText(r), /the pending (secret sets|agents)/);
        assert.deepEqual(deletes(), []);
        e.clearRequests();
        // Faults the transport retries, during the next shared waits: they cost time, not the update.
        e.injectFault({ route: "GET /secrets", status: 429, retryAfter: 1 });
        e.injectFault({ route: "GET /agents", drop: true });
        e.injectFault({ route: "GET /agents", delayMs: 1500 });
        e.injectFault({ route: "GET /secrets", status: 500, times: 2 });
        await mustUp("converge after the broken lists");
        assert.deepEqual(deletes(), []);
        assert.deepEqual(e.runningSecrets("sw-agent-a"), { OPENAI_API_KEY: V("a") });
        for (const n of ["a", "b"]) assert.equal(e.agent(`sw-agent-${n}`)?.deployments.at(-1)?.phase, "Active");
    });

    it("short bounds with many pending creates: each rollback deletes only what its create wrote, a set that got a stranger's key is spared", async () => {
        e.clearRequests();
        const slow = (n: string) => ({ name: `sw-slow-${n}`, secrets: { OPENAI_API_KEY: V(`${n}3`) } });
        declare({
            sets: { ...spec.sets, e: slow("a"), f: slow("b"), g: slow("c") },
            agents: { ...spec.agents, x: { ...agent("a"), name: "sw-agent-slow-x" }, y: { ...agent("b"), name: "sw-agent-slow-y" } },
        });
        // Someone else writes a key into sw-slow-b while it is pending (a PUT merges).
        let stranger: Promise<Response> | undefined;
        const watch = setInterval(() => {
            if (stranger === undefined && e.snapshot()["sw-slow-b"] !== undefined) {
                clearInterval(watch);
                stranger = fetch(`${e.url}/secrets/sw-slow-b`, {
                    method: "PUT",
                    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
                    body: JSON.stringify({ secrets: [{ secretKey: "STRANGER_KEY", secretValue: V("stranger") }] }),
                });
            }
        }, 10);
        const r = await up("create, short bounds", [], { PIPECAT_READY_TIMEOUT_SECONDS: "1", PIPECAT_DEPLOY_TIMEOUT_SECONDS: "1" }).finally(
            () => clearInterval(watch),
        );
        assert.equal((await stranger)?.status, 202, "the stranger's PUT");
        assert.notEqual(r.code, 0);
        assert.deepEqual(failedResources(r), ["e", "f", "g", "x", "y"], errorText(r));
        const text = errorText(r);
        for (const n of ["a", "c"]) {
            assert.match(
                text,
                new RegExp(
                    `Secret set "sw-slow-${n}" was still pending after \\d+ s \\(pipecat:readyTimeoutSeconds is 1\\)[^\\n]*The partly created set was deleted again\\.`,
                ),
            );
        }
        assert.match(
            text,
            /Secret set "sw-slow-b" was still pending[^\n]*holds keys this program did not write \(STRANGER_KEY\), so it was left in place/,
        );
        for (const n of ["x", "y"]) {
            assert.match(text, new RegExp(`agent "sw-agent-slow-${n}" was not complete after \\d+ s[^\\n]*The agent was deleted again`));
        }
        assert.deepEqual(deletes().sort(), [
            "DELETE /agents/sw-agent-slow-x 200",
            "DELETE /agents/sw-agent-slow-y 200",
            "DELETE /secrets/sw-slow-a 200",
            "DELETE /secrets/sw-slow-c 200",
        ]);
        assert.deepEqual(Object.keys(e.snapshot()).sort(), ["sw-set-a", "sw-set-b", "sw-set-c", "sw-set-d", "sw-slow-b"]);
        assert.deepEqual(
            e
                .agents()
                .map((a) => a.name)
                .sort(),
            ["sw-agent-a", "sw-agent-b"],
        );

        // The next up, with the default bounds, creates them; the stranger's set only with adopt.
        e.clearRequests();
        declare({ ...spec, sets: { ...spec.sets, f: { ...slow("b"), adopt: true } } });
        await mustUp("converge after the short bounds");
        assert.deepEqual(Object.keys(e.snapshot()).sort(), [
            "sw-set-a",
            "sw-set-b",
            "sw-set-c",
            "sw-set-d",
            "sw-slow-a",
            "sw-slow-b",
            "sw-slow-c",
        ]);
        assert.deepEqual(deletes(), ["DELETE /secrets/sw-slow-b/STRANGER_KEY 200"]);
        assert.deepEqual(
            e
                .agents()
                .map((a) => a.name)
                .sort(),
            ["sw-agent-a", "sw-agent-b", "sw-agent-slow-x", "sw-agent-slow-y"],
        );
    });

    it("lists that lag behind the writes (a stale row, a new set or agent not listed yet): the waits go on, nothing is rolled back", async () => {
        const get = async (path: string) => (await fetch(`${e.url}${path}`, { headers: { authorization: `Bearer ${API_KEY}` } })).text();
        // The lists as they are before the up: without the new set and agent, with agent a's current deployment.
        const [setsBefore, agentsBefore] = [await get("/secrets"), await get("/agents")];
        const previous = e.agent("sw-agent-a")?.deployments.at(-1)?.id;
        e.clearRequests();
        declare({
            sets: { ...spec.sets, h: set("h") },
            agents: {
                ...spec.agents,
                a: agent("a", { image: `${IMAGE}-3` }),
                z: { ...agent("a"), name: "sw-agent-z" },
                ...Object.fromEntries(["p", "q", "r"].map((n) => [n, bare(n)])),
            },
        });
        e.injectFault({ route: "GET /secrets", status: 200, body: setsBefore, times: 2 });
        e.injectFault({ route: "GET /agents", status: 200, body: agentsBefore, times: 3 });
        const r = await up("create and update, lists lagging");
        assert.equal(r.code, 0, errorText(r));
        assert.deepEqual(deletes(), []);
        assert.equal(e.snapshot()["sw-set-h"]?.status, "ready");
        assert.equal(e.agent("sw-agent-z")?.deployments.at(-1)?.phase, "Active");
        const a = e.agent("sw-agent-a")?.deployments.at(-1);
        assert.notEqual(a?.id, previous);
        assert.equal(a?.phase, "Active");
        const state = await s.exportStack();
        const outputs = (state.deployment.resources ?? []).find((res) => res.urn.endsWith("pipecat:Agent::a"))?.outputs;
        assert.equal(outputs?.["deploymentId"], a?.id);
    });

    it("replacements that delete first, a failed deployment among several, --replace, --target, an alias: only what is concerned is touched", async () => {
        const urn = async (r: string) =>
            (await s.exportStack()).deployment.resources?.find((res) => res.urn.endsWith(`pipecat:Agent::${r}`))?.urn ?? "";
        const moved = (n: string) => bare(n, { region: "us-east" });
        // p and q move (delete first, with a teardown of 600 ms), r's new deployment fails, a is redeployed: all at once.
        e.clearRequests();
        e.failDeployment({ agent: "sw-agent-r", reason: "Error", message: "boom (injected)" });
        declare({
            ...spec,
            agents: {
                ...spec.agents,
                a: agent("a", { image: `${IMAGE}-4` }),
                p: moved("p"),
                q: moved("q"),
                r: bare("r", { image: `${IMAGE}-4` }),
            },
        });
        const r1 = await up("move two, fail one, redeploy one");
        assert.notEqual(r1.code, 0);
        assert.deepEqual(failedResources(r1), ["r"], errorText(r1));
        assert.match(errorText(r1), /of agent "sw-agent-r" failed: Error, exit 1 \("boom \(injected\)"\)/);
        assert.deepEqual(deletes().sort(), ["DELETE /agents/sw-agent-p 200", "DELETE /agents/sw-agent-q 200"]);
        for (const n of ["p", "q"]) assert.equal(e.agent(`sw-agent-${n}`)?.region, "us-east");
        for (const n of ["a", "p", "q"]) assert.equal(e.agent(`sw-agent-${n}`)?.deployments.at(-1)?.phase, "Active", n);

        // The revert of r, with --replace of q while it deploys.
        e.clearRequests();
        // (--replace creates first unless told otherwise, which one name cannot do: the error says so, tested elsewhere.)
        declare({ ...spec, agents: { ...spec.agents, r: bare("r"), q: { ...moved("q"), opts: { deleteBeforeReplace: true } } } });
        await mustUp("revert r, replace q", ["--replace", await urn("q")]);
        assert.deepEqual(deletes(), ["DELETE /agents/sw-agent-q 200"]);
        assert.equal(e.agent("sw-agent-r")?.deployments.at(-1)?.phase, "Active");
        assert.equal(e.agent("sw-agent-q")?.deployments.length, 1, "q was created afresh");

        // --target of p while q (renamed with an alias) and z change too: only p is deployed.
        e.clearRequests();
        const { q, ...others } = spec.agents ?? {};
        declare({
            ...spec,
            agents: {
                ...others,
                q2: { ...(q as object), opts: { aliases: [{ name: "q" }] } },
                p: { ...moved("p"), image: `${IMAGE}-5` },
                z: { ...agent("a"), name: "sw-agent-z", image: `${IMAGE}-5` },
            },
        });
        await mustUp("target p", ["--target", await urn("p")]);
        assert.deepEqual(
            e.requests.filter((x) => x.method !== "GET").map((x) => `${x.method} ${x.path}`),
            ["POST /v1/agents/sw-agent-p"],
        );
        e.clearRequests();
        await mustUp("the rest: z redeployed, q2 is q");
        assert.deepEqual(
            e.requests.filter((x) => x.method !== "GET").map((x) => `${x.method} ${x.path}`),
            ["POST /v1/agents/sw-agent-z"],
        );
    });
});
