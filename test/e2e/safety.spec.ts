/**
 * Safety of live sets through the real Pulumi engine: every scenario below is one way a SecretSet
 * could lose a set that exists in Pipecat Cloud, replace it when it need not, or claim success for
 * a set that is not usable yet. Each scenario has its own temporary project and stack; most share
 * one emulator (with real provisioning delays, so every wait is exercised) and use set names of
 * their own, so requests are told apart by set name.
 *
 * Each test collects every broken expectation before failing (see `Findings`), with the key lines
 * of the commands' output and the requests the emulator saw, so a failure says what happens today.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Emulator, startEmulator } from "../../emulator";
import { describeLeaks, scanForLeaks } from "../support/leaks";
import { Findings, type RunResult, type TempProject } from "../support/engine";
import { EngineStack } from "../support/stack";

const API_KEY = "pk-e2e-safety-KEY-never-shown-0100";
/** Provisioning delay of the shared emulator: a set is `pending` this long after every write. */
const READY_AFTER_MS = 500;
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** Every value a test declares is registered here, so the leak scan knows it. */
const SECRETS = new Set<string>([API_KEY]);
function secret(label: string): string {
    const value = `e2e-safety-${label}-never-shown`;
    SECRETS.add(value);
    return value;
}
/** Image-pull credentials: the password, and the base64 `user:password` the provider sends. */
function pullCredentials(user: string, label: string): { username: string; password: string; encoded: string } {
    const password = secret(label);
    const encoded = b64(`${user}:${password}`);
    SECRETS.add(`${user}:${password}`);
    SECRETS.add(encoded);
    return { username: user, password, encoded };
}

/**
 * The program declares the sets of sets.json: resource name -> SecretSet arguments, plus `opts`
 * (resource options, passed as they are). A value "@config:<key>" comes from secret stack config;
 * `secrets: "@configObject:<key>"` makes the whole map one secret Output (`requireSecretObject`).
 */
const program = `
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { SecretSet } from "pulumi-pipecat-secrets";

const cfg = new pulumi.Config();
const value = (v: any) => (typeof v === "string" && v.startsWith("@config:") ? cfg.requireSecret(v.slice("@config:".length)) : v);
const spec: Record<string, any> = JSON.parse(fs.readFileSync("sets.json", "utf8"));
const names: Record<string, pulumi.Output<string>> = {};
for (const [resource, entry] of Object.entries(spec)) {
    const { opts, ...args } = entry as any;
    let secrets = args.secrets;
    if (typeof secrets === "string" && secrets.startsWith("@configObject:")) {
        secrets = cfg.requireSecretObject(secrets.slice("@configObject:".length));
    } else if (secrets !== undefined) {
        secrets = Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, value(v)]));
    }
    const set = new SecretSet(resource, { ...args, ...(secrets !== undefined ? { secrets } : {}) }, opts);
    names[resource] = set.name;
}
export const setNames = names;
`;

/** The lines of a command's output that say what happened: steps on sets, errors, the summary. */
function keyLines(r: RunResult, max = 25): string {
    const lines = `${r.stdout}\n${r.stderr}`.split("\n").map((l) => l.replace(/\s+$/, ""));
    const picked = lines.filter(
        (l) =>
            /SecretSet|error|warning|failed|\bto (create|update|delete|replace)\b|replace|created|deleted|updated|unchanged|would/i.test(
                l,
            ) && !/__provider|using pulumi-resource-pulumi-nodejs from \$PATH/.test(l),
    );
    const unique = picked.filter((l, i) => picked.indexOf(l) === i && l.trim() !== "");
    return [`exit ${r.code}`, ...unique.slice(0, max).map((l) => l.slice(0, 400))].join("\n");
}

/** What the engine reports as errors: the diagnostics section and standard error. */
function errorText(r: RunResult): string {
    const at = r.stdout.indexOf("Diagnostics:");
    return `${at >= 0 ? r.stdout.slice(at) : ""}\n${r.stderr}`;
}

/** Requests the emulator saw for a set, as `METHOD path status` (never bodies). */
function trace(emulator: Emulator, setName: string): string[] {
    return emulator.requests.filter((r) => r.setName === setName).map((r) => `${r.method} ${r.path.replace(/^\/v1/, "")} ${r.status}`);
}
const deletesOfSet = (emulator: Emulator, setName: string) =>
    emulator.requests.filter((r) => r.setName === setName && r.route === "DELETE /secrets/:name");

function regularSecrets(emulator: Emulator, name: string): Record<string, string> | undefined {
    const set = emulator.snapshot()[name];
    return set?.type === "secret" ? { ...set.secrets } : undefined;
}

/** A description of a stored set without its values (for messages). */
function shape(emulator: Emulator, name: string): string {
    const set = emulator.snapshot()[name];
    if (set === undefined) return `${name}: absent`;
    if (set.type === "secret") return `${name}: regular, ${set.region}, ${set.status}, keys ${Object.keys(set.secrets).sort().join(",")}`;
    return `${name}: image-pull, ${set.region}, ${set.status}, host ${set.host}`;
}

/** A PUT straight to the emulator's HTTP API with the API key, as another tool or person would. */
async function putDirect(emulator: Emulator, name: string, body: object): Promise<void> {
    const res = await fetch(`${emulator.url}/secrets/${name}`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${emulator.apiKey}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`direct PUT of ${name} answered ${res.status}`);
}

async function untilReady(emulator: Emulator, name: string): Promise<void> {
    for (let i = 0; i < 100 && emulator.snapshot()[name]?.status !== "ready"; i++) await new Promise((r) => setTimeout(r, 50));
}

interface Stack {
    readonly project: TempProject;
    /** Runs pulumi with --non-interactive; never rejects on a non-zero exit (callers check `code`). */
    pulumi(label: string, args: string[], env?: Record<string, string>): Promise<RunResult>;
    up(label: string, extra?: string[], env?: Record<string, string>): Promise<RunResult>;
    declare(sets: Record<string, unknown>): void;
    urn(resource: string): Promise<string>;
}

/** Fails the scenario at once (a setup step that must work for the rest to mean anything). */
function must(r: RunResult, what: string): RunResult {
    if (r.code !== 0) assert.fail(`${what} failed:\n${keyLines(r, 40)}`);
    return r;
}

describe("e2e: SecretSet never loses or wrongly replaces a live set", function () {
    this.timeout(180_000);

    let main: Emulator;
    let orgRegions: string[] = [];
    const timings: string[] = [];

    before(async () => {
        main = await startEmulator({ apiKey: API_KEY, readyAfterMs: READY_AFTER_MS });
        const res = await fetch(`${main.url}/regions`, { headers: { Authorization: `Bearer ${API_KEY}` } });
        orgRegions = ((await res.json()) as { regions: { code: string }[] }).regions.map((r) => r.code);
    });
    after(async () => {
        console.log(`      pulumi commands: ${timings.join(", ")}`);
        await main?.close();
    });

    /**
     * A fresh project and stack pointed at `emulator`; afterwards every command's output and the
     * stack export are scanned for every registered secret (a leak is a finding of the scenario).
     */
    async function withStack(
        name: string,
        emulator: Emulator,
        f: Findings,
        body: (s: Stack) => Promise<void>,
        config: Record<string, string> = {},
    ): Promise<void> {
        const engineStack = await EngineStack.start({ name, program, shared: emulator, stack: "safety", config });
        const project = engineStack.project;
        const stack: Stack = {
            project,
            async pulumi(label, args, env) {
                const started = Date.now();
                const r = await engineStack.pulumi(label, args, { allowFail: true, ...(env ? { env } : {}) });
                timings.push(`${label} ${((Date.now() - started) / 1000).toFixed(1)}s`);
                return r;
            },
            up: (label, extra = [], env) => stack.pulumi(label, ["up", "--yes", "--skip-preview", ...extra], env),
            declare: (sets) => engineStack.writeJson("sets.json", sets),
            async urn(resource) {
                const state = await project.exportStack();
                const found = state.deployment.resources?.find((r) => r.urn.endsWith(`::${resource}`));
                assert.ok(found, `no resource ${resource} in the stack`);
                return found.urn;
            },
        };
        try {
            await body(stack);
        } finally {
            // Every command's output and the stack export; the stack is not destroyed (the scenario's sets stay).
            const leaks = scanForLeaks(await engineStack.close({ destroy: false }), [...SECRETS]);
            f.ok(leaks.length === 0, "no secret value or API key in any command output or in state", describeLeaks(leaks));
        }
    }

    beforeEach(() => main.clearRequests());

    it("A. a region typo fails without deleting the set, and reverting it converges with no changes left", async () => {
        const f = new Findings();
        const A = { ALPHA: secret("A-alpha"), BETA: secret("A-beta") };
        await withStack("safety-a", main, f, async (s) => {
            s.declare({ rev: { name: "rev-set", secrets: A } });
            must(await s.up("A create"), "creating rev-set");

            s.declare({ rev: { name: "rev-set", region: "us-esat", secrets: A } });
            const typo = await s.up("A typo");
            const said = errorText(typo);
            f.ok(typo.code !== 0, "`up` with region us-esat fails", keyLines(typo));
            f.ok(said.includes("us-esat"), "the failure names the region given, us-esat", keyLines(typo));
            const missing = orgRegions.filter((r) => !said.includes(r));
            f.equal(missing, [], `the failure names the organisation's regions (GET /regions: ${orgRegions.join(", ")})`, keyLines(typo));
            f.equal(deletesOfSet(main, "rev-set").length, 0, "no DELETE /secrets/rev-set was sent", trace(main, "rev-set").join("\n"));
            f.equal(regularSecrets(main, "rev-set"), A, "rev-set still exists with its keys and values", shape(main, "rev-set"));

            s.declare({ rev: { name: "rev-set", secrets: A } });
            const revert = await s.up("A revert");
            f.ok(revert.code === 0, "`up` after removing region again succeeds", keyLines(revert));
            f.equal(
                regularSecrets(main, "rev-set"),
                A,
                "rev-set exists with its declared keys and values after the revert",
                `${shape(main, "rev-set")}\n${keyLines(revert)}\nrequests: ${trace(main, "rev-set").join(" | ")}`,
            );
            const check = await s.pulumi("A expect-no-changes", ["preview", "--expect-no-changes"]);
            f.ok(check.code === 0, "`preview --expect-no-changes` exits 0 afterwards", keyLines(check));
            f.note(`requests for rev-set:\n${trace(main, "rev-set").join("\n")}`);
        });
        f.done("scenario", Boolean(process.env["SAFETY_VERBOSE"]));
    });

    it("B. a replacement left pending by a failed up is finished by the next up, and the set ends with the new credentials", async () => {
        const f = new Findings();
        const old = pullCredentials("puller", "B-old-password");
        const neu = pullCredentials("puller", "B-new-password");
        const pull = (c: typeof old) => ({
            name: "pull-set",
            imagePullSecret: { host: "https://ghcr.io/", username: c.username, password: c.password },
        });
        await withStack("safety-b", main, f, async (s) => {
            s.declare({ pull: pull(old) });
            must(await s.up("B create"), "creating pull-set");

            s.declare({ pull: pull(neu) });
            // A 503 with Retry-After: 0 is retried at once: the provider gives up after its retries without backoff waits.
            const fault = main.injectFault({ route: "PUT /secrets/:name", setName: "pull-set", status: 503, retryAfter: 0, times: 100 });
            const failed = await s.up("B failing replace");
            fault.clear();
            f.ok(failed.code !== 0, "`up` fails while every PUT of pull-set answers 503", keyLines(failed));
            const state = await s.project.exportStack();
            const inState = state.deployment.resources?.filter((r) => r.urn.endsWith("::pull")) ?? [];
            f.note(
                `after the failed up: ${shape(main, "pull-set")}; state holds ${inState.length} pull resource(s)` +
                    `${inState.map((r) => ` ${JSON.stringify({ pendingReplacement: r["pendingReplacement"], delete: r["delete"] })}`).join("")}`,
            );

            const retry = await s.up("B retry");
            f.ok(retry.code === 0, "the next `up` (fault removed) succeeds", keyLines(retry));
            const stored = main.snapshot()["pull-set"];
            f.ok(stored !== undefined, "pull-set exists afterwards", shape(main, "pull-set"));
            f.ok(
                stored?.type === "imagePullSecret" && stored.secretValue === neu.encoded,
                "pull-set holds the new credentials (base64 of user:new password)",
                stored?.type === "imagePullSecret"
                    ? stored.secretValue === old.encoded
                        ? "it holds the OLD credentials"
                        : "it holds other credentials"
                    : shape(main, "pull-set"),
            );
            const requests = main.requests.filter((r) => r.setName === "pull-set");
            const lastPut = requests.map((r) => r.method).lastIndexOf("PUT");
            const deletesAfter = requests.slice(lastPut + 1).filter((r) => r.method === "DELETE");
            f.equal(deletesAfter.length, 0, "no DELETE of pull-set after its last PUT", trace(main, "pull-set").join("\n"));
            f.note(`requests for pull-set:\n${trace(main, "pull-set").join("\n")}`);
        });
        f.done("scenario", Boolean(process.env["SAFETY_VERBOSE"]));
    });

    it("C. `up --replace` of a named set keeps the set: with adopt, with PIPECAT_ADOPT='*', and without either (failing with advice if it must)", async () => {
        const f = new Findings();
        const values = { ONE: secret("C-one"), TWO: secret("C-two") };
        await withStack("safety-c", main, f, async (s) => {
            s.declare({
                adopted: { name: "c-adopt", adopt: true, secrets: values },
                env: { name: "c-env", secrets: values },
                plain: { name: "c-plain", secrets: values },
            });
            must(await s.up("C create"), "creating the three sets");

            const cases: { resource: string; set: string; env?: Record<string, string>; how: string }[] = [
                { resource: "adopted", set: "c-adopt", how: "adopt: true" },
                { resource: "env", set: "c-env", env: { PIPECAT_ADOPT: "*" }, how: "PIPECAT_ADOPT='*'" },
                { resource: "plain", set: "c-plain", how: "no adopt" },
            ];
            for (const c of cases) {
                main.clearRequests();
                const r = await s.up(`C replace ${c.set}`, ["--replace", await s.urn(c.resource)], c.env);
                const requests = main.requests.filter((q) => q.setName === c.set);
                f.equal(
                    regularSecrets(main, c.set),
                    values,
                    `${c.how}: ${c.set} exists with its declared keys after \`up --replace\``,
                    `${shape(main, c.set)}\n${keyLines(r)}\nrequests: ${trace(main, c.set).join(" | ")}`,
                );
                f.ok(
                    requests.at(-1)?.method !== "DELETE",
                    `${c.how}: the last request touching ${c.set} is not a DELETE`,
                    trace(main, c.set).join(" | "),
                );
                if (c.how === "no adopt" && r.code !== 0) {
                    f.ok(
                        /deleteBeforeReplace|adopt/.test(errorText(r)),
                        "no adopt: the failure mentions deleteBeforeReplace or adopt",
                        keyLines(r),
                    );
                }
                f.note(`${c.how}: up --replace exit ${r.code}; requests ${trace(main, c.set).join(" | ")}`);
            }
        });
        f.done("scenario", Boolean(process.env["SAFETY_VERBOSE"]));
    });

    it("D. with replaceOnChanges on secrets, changing a value leaves the named set existing with the new value", async () => {
        const f = new Findings();
        const before = { TOKEN: secret("D-token-1"), KEEP: secret("D-keep") };
        const after = { TOKEN: secret("D-token-2"), KEEP: before.KEEP };
        await withStack("safety-d", main, f, async (s) => {
            const opts = { replaceOnChanges: ["secrets"] };
            s.declare({ roc: { name: "d-roc", secrets: before, opts } });
            must(await s.up("D create"), "creating d-roc");
            main.clearRequests();
            s.declare({ roc: { name: "d-roc", secrets: after, opts } });
            const r = await s.up("D change");
            f.ok(r.code === 0, "`up` after changing a value succeeds", keyLines(r));
            f.equal(
                regularSecrets(main, "d-roc"),
                after,
                "d-roc exists with the new value",
                `${shape(main, "d-roc")}\nrequests: ${trace(main, "d-roc").join(" | ")}`,
            );
        });
        f.done("scenario", Boolean(process.env["SAFETY_VERBOSE"]));
    });

    it("E. renaming an autonamed set's resource with an alias neither replaces it nor changes its name", async () => {
        const f = new Findings();
        const values = { KEY: secret("E-key") };
        await withStack("safety-e", main, f, async (s) => {
            s.declare({ "old-name": { secrets: values } });
            must(await s.up("E create"), "creating old-name");
            const ours = () => Object.keys(main.snapshot()).filter((n) => n.startsWith("old-name-") || n.startsWith("new-name-"));
            const created = ours();
            assert.equal(created.length, 1, `one autonamed set: ${created.join(", ")}`);
            const physical = created[0] as string;
            main.clearRequests();

            s.declare({ "new-name": { secrets: values, opts: { aliases: [{ name: "old-name" }] } } });
            const preview = await s.pulumi("E preview", ["preview", "--diff"]);
            f.ok(preview.code === 0, "`preview` succeeds", keyLines(preview));
            f.ok(!/replace/i.test(preview.stdout), "`preview` shows no replacement", keyLines(preview));
            const up = await s.up("E up");
            f.ok(up.code === 0, "`up` succeeds", keyLines(up));
            f.equal(ours(), [physical], `the emulator holds the same single set ${physical}`);
            const writes = main.requests.filter((r) => r.method === "DELETE" || (r.method === "PUT" && r.setName !== physical));
            f.equal(
                writes.map((r) => `${r.method} ${r.path}`),
                [],
                "no DELETE, and no PUT to another name",
            );
            f.note(`requests: ${main.requests.map((r) => `${r.method} ${r.path.replace(/^\/v1/, "")} ${r.status}`).join(" | ")}`);
        });
        f.done("scenario", Boolean(process.env["SAFETY_VERBOSE"]));
    });

    it("F. image-pull bookkeeping never replaces: dropping region or adopt from the program sends no DELETE and no PUT", async () => {
        const f = new Findings();
        const east = pullCredentials("east", "F-east-password");
        const adopted = pullCredentials("adopter", "F-adopted-password");
        const foreign = pullCredentials("someone", "F-foreign-password");
        const eastSet = (region?: string) => ({
            name: "reg-east",
            ...(region ? { region } : {}),
            imagePullSecret: { host: "https://ghcr.io/", username: east.username, password: east.password },
        });
        const adoptedSet = (adopt: boolean) => ({
            name: "f-adopted-pull",
            ...(adopt ? { adopt } : {}),
            imagePullSecret: { host: "https://ghcr.io/", username: adopted.username, password: adopted.password },
        });
        main.seed("f-adopted-pull", { type: "imagePullSecret", host: "https://ghcr.io/", secretValue: foreign.encoded });
        await withStack("safety-f", main, f, async (s) => {
            s.declare({ east: eastSet("us-east"), adopted: adoptedSet(true) });
            must(await s.up("F create"), "creating reg-east and adopting f-adopted-pull");
            f.equal(main.snapshot()["reg-east"]?.region, "us-east", "reg-east was created in us-east");

            // region removed from reg-east, adopt removed from f-adopted-pull (after its adoption): bookkeeping only.
            main.clearRequests();
            s.declare({ east: eastSet(), adopted: adoptedSet(false) });
            const preview = await s.pulumi("F preview", ["preview"]);
            f.ok(preview.code === 0, "`preview` succeeds", keyLines(preview));
            f.ok(
                !/SecretSet\s+east\s+replace/.test(preview.stdout),
                "without region: `preview` shows no replacement of reg-east",
                keyLines(preview),
            );
            f.ok(
                !/SecretSet\s+adopted\s+replace/.test(preview.stdout),
                "without adopt: `preview` shows no replacement of f-adopted-pull",
                keyLines(preview),
            );
            const up = await s.up("F up");
            f.ok(up.code === 0, "`up` succeeds", keyLines(up));
            const writes = (set: string) => main.requests.filter((r) => r.setName === set && (r.method === "DELETE" || r.method === "PUT"));
            f.equal(writes("reg-east").length, 0, "without region: no DELETE and no PUT of reg-east", trace(main, "reg-east").join(" | "));
            f.equal(main.snapshot()["reg-east"]?.region, "us-east", "reg-east is still in us-east", shape(main, "reg-east"));
            const eastNow = main.snapshot()["reg-east"];
            f.ok(
                eastNow?.type === "imagePullSecret" && eastNow.secretValue === east.encoded,
                "reg-east still holds its credentials",
                shape(main, "reg-east"),
            );
            f.equal(
                deletesOfSet(main, "f-adopted-pull").length,
                0,
                "without adopt: no DELETE of f-adopted-pull",
                trace(main, "f-adopted-pull").join(" | "),
            );
            f.equal(
                writes("f-adopted-pull").length,
                0,
                "without adopt: no PUT of f-adopted-pull either",
                trace(main, "f-adopted-pull").join(" | "),
            );
            f.ok(main.snapshot()["f-adopted-pull"] !== undefined, "f-adopted-pull still exists", shape(main, "f-adopted-pull"));
        });
        f.done("scenario", Boolean(process.env["SAFETY_VERBOSE"]));
    });

    it("G. adopting an image-pull set declared in another region fails, naming both regions, and leaves the set as it was", async () => {
        const f = new Findings();
        const original = pullCredentials("owner", "G-original-password");
        const declared = pullCredentials("adopter", "G-declared-password");
        await putDirect(main, "foreign-pull", {
            isImagePullSecret: true,
            host: "https://ghcr.io/",
            secretValue: original.encoded,
            region: "us-east",
        });
        await untilReady(main, "foreign-pull");
        main.clearRequests();
        await withStack("safety-g", main, f, async (s) => {
            s.declare({
                foreign: {
                    name: "foreign-pull",
                    adopt: true,
                    region: "us-west",
                    imagePullSecret: { host: "https://ghcr.io/", username: declared.username, password: declared.password },
                },
            });
            const r = await s.up("G adopt");
            const said = errorText(r);
            f.ok(r.code !== 0, "`up` fails", keyLines(r));
            f.ok(
                /region/i.test(said) && said.includes("us-east") && said.includes("us-west"),
                "the failure says the region differs, naming us-east and us-west",
                keyLines(r),
            );
            const stored = main.snapshot()["foreign-pull"];
            f.equal(stored?.region, "us-east", "foreign-pull is still in us-east", shape(main, "foreign-pull"));
            f.ok(
                stored?.type === "imagePullSecret" && stored.secretValue === original.encoded,
                "foreign-pull still holds its original credentials",
                stored?.type === "imagePullSecret"
                    ? stored.secretValue === declared.encoded
                        ? "it holds the DECLARED credentials"
                        : "other credentials"
                    : shape(main, "foreign-pull"),
            );
            f.equal(
                deletesOfSet(main, "foreign-pull").length,
                0,
                "no DELETE of foreign-pull was sent",
                trace(main, "foreign-pull").join(" | "),
            );
        });
        f.done("scenario", Boolean(process.env["SAFETY_VERBOSE"]));
    });

    it("H. a wrong API URL never counts as gone: destroy and refresh fail, naming pipecat:apiUrl, and keep both sets and both resources", async () => {
        const f = new Findings();
        const cred = pullCredentials("hbot", "H-pull-password");
        await withStack("safety-h", main, f, async (s) => {
            s.declare({
                one: { name: "h-one", secrets: { KEY: secret("H-one") } },
                two: { name: "h-two", imagePullSecret: { host: "https://ghcr.io/", username: cred.username, password: cred.password } },
            });
            must(await s.up("H create"), "creating h-one and h-two");
            const saved = path.join(s.project.root, "state-before-destroy.json");
            const resources = async () =>
                ((await s.project.exportStack()).deployment.resources ?? [])
                    .filter((r) => /::(one|two)$/.test(r.urn))
                    .map((r) => r.urn.split("::").at(-1))
                    .sort();

            // The engine runs destroy and refresh with the provider configuration recorded by the last
            // update, so the wrong URL reaches the provider once an `up` (with nothing to change) ran with it.
            const wrongUrl = main.url.replace(/\/v1$/, "");
            await s.project.setConfig("pipecat:apiUrl", wrongUrl);
            main.clearRequests();
            const wrongUp = await s.up("H up with the wrong URL");
            f.note(
                `up with the wrong URL: exit ${wrongUp.code}; sent ${main.requests.map((r) => `${r.method} ${r.path} ${r.status}`).join(" | ") || "nothing"}`,
            );
            fs.writeFileSync(saved, (await s.project.run(["stack", "export"])).stdout);
            // If that up refused the URL, the recorded configuration is still the good one: make destroy use the current one.
            const current = wrongUp.code === 0 ? [] : ["--run-program"];

            main.clearRequests();
            const destroy = await s.pulumi("H destroy", ["destroy", "--yes", "--skip-preview", ...current]);
            f.ok(destroy.code !== 0, "`destroy` with the API URL missing /v1 fails", keyLines(destroy));
            f.ok(errorText(destroy).includes("pipecat:apiUrl"), "the destroy failure names pipecat:apiUrl", keyLines(destroy));
            f.ok(
                main.snapshot()["h-one"] !== undefined && main.snapshot()["h-two"] !== undefined,
                "both sets still exist",
                `${shape(main, "h-one")}; ${shape(main, "h-two")}`,
            );
            const afterDestroy = await resources();
            f.note(
                `destroy sent: ${main.requests.map((r) => `${r.method} ${r.path} ${r.status}`).join(" | ")}; state then holds [${afterDestroy.join(", ")}]`,
            );
            if (afterDestroy.length < 2) {
                // Let refresh be judged on its own: put the stack back as it was before the destroy.
                await s.project.run(["stack", "import", "--file", saved, "--non-interactive"]);
                f.note("state was restored from the export taken before the destroy, to test refresh on its own");
            }

            main.clearRequests();
            const refresh = await s.pulumi("H refresh", ["refresh", "--yes", "--skip-preview", ...current]);
            f.ok(refresh.code !== 0, "`refresh --yes` with the wrong API URL fails", keyLines(refresh));
            f.equal(await resources(), ["one", "two"], "the stack export still holds both resources after the refresh");
            f.note(`refresh sent: ${main.requests.map((r) => `${r.method} ${r.path} ${r.status}`).join(" | ")}`);
        });
        f.done("scenario", Boolean(process.env["SAFETY_VERBOSE"]));
    });

    it("I. adopting a regular set with an extra key returns only once the set is ready again after the key's deletion", async () => {
        const f = new Findings();
        const values = { A: secret("I-a"), B: secret("I-b") };
        main.seed("i-adopt", { secrets: { A: secret("I-a-old"), B: secret("I-b-old"), EXTRA: secret("I-extra") } });
        await withStack("safety-i", main, f, async (s) => {
            s.declare({ adopted: { name: "i-adopt", adopt: true, secrets: values } });
            const r = await s.up("I adopt");
            const requests = main.requests.filter((q) => q.setName === "i-adopt");
            const res = await fetch(`${main.url}/secrets/i-adopt`, { headers: { Authorization: `Bearer ${API_KEY}` } });
            const got = (await res.json()) as { status?: string; secrets?: { fieldName: string }[] };
            f.ok(r.code === 0, "`up` succeeds", keyLines(r));
            f.equal(got.status, "ready", "GET /secrets/i-adopt right after `up` says ready");
            f.equal(got.secrets?.map((s) => s.fieldName).sort(), ["A", "B"], "keys are exactly A and B");
            f.equal(regularSecrets(main, "i-adopt"), values, "values are the declared ones");
            const deleteExtra = requests.findIndex((q) => q.route === "DELETE /secrets/:name/:key" && q.path.endsWith("/EXTRA"));
            f.ok(deleteExtra >= 0, "EXTRA was deleted", trace(main, "i-adopt").join(" | "));
            // Readiness is read from the sets list (shared by every pending set), which names no set.
            const all = main.requests;
            const extraInAll = all.indexOf(requests[deleteExtra] as (typeof all)[number]);
            f.ok(
                requests.length - 1 === deleteExtra && all.slice(extraInAll + 1).some((q) => q.route === "GET /secrets"),
                "the provider's last request naming i-adopt is the DELETE of EXTRA, and a readiness list follows it",
                trace(main, "i-adopt").join(" | "),
            );
            const extraAt = requests[deleteExtra]?.at;
            if (extraAt !== undefined)
                f.note(`DELETE of EXTRA was ${Date.now() - extraAt} ms before the check (readyAfterMs ${READY_AFTER_MS})`);
        });
        f.done("scenario", Boolean(process.env["SAFETY_VERBOSE"]));
    });

    it("J. secrets given as one secret Output: `preview --diff` marks changed and added keys by name and prints no value", async () => {
        const f = new Findings();
        const first = { STAYS: secret("J-stays"), CHANGED_KEY: secret("J-changed-1") };
        const changed = secret("J-changed-2");
        const added = secret("J-new");
        await withStack("safety-j", main, f, async (s) => {
            const setPath = (key: string, value: string) =>
                s.project.run(["config", "set", "--secret", "--path", "--non-interactive", "--", `dotenv.${key}`], { input: value });
            for (const [k, v] of Object.entries(first)) await setPath(k, v);
            s.declare({ dotenv: { name: "j-dotenv", secrets: "@configObject:dotenv" } });
            must(await s.up("J create"), "creating j-dotenv from a secret object");
            f.equal(regularSecrets(main, "j-dotenv"), first, "j-dotenv holds the config's keys and values");

            await setPath("CHANGED_KEY", changed);
            await setPath("NEW_KEY", added);
            const preview = await s.pulumi("J preview", ["preview", "--diff"]);
            f.ok(preview.code === 0, "`preview --diff` succeeds", keyLines(preview));
            f.ok(/\+\s*NEW_KEY\b/.test(preview.stdout), "the diff shows `+ NEW_KEY`", diffLines(preview));
            f.ok(
                /~\s*CHANGED_KEY\s*:\s*\[secret\]\s*=>\s*\[secret\]/.test(preview.stdout),
                "the diff shows `~ CHANGED_KEY: [secret] => [secret]`",
                diffLines(preview),
            );
        });
        f.done("scenario", Boolean(process.env["SAFETY_VERBOSE"]));
    });

    it("K. the readiness bound's advice works: a too-short pipecat:readyTimeoutSeconds fails create and update, raising it converges", async function () {
        this.timeout(120_000);
        const f = new Findings();
        // 3.5 s rather than 4: the provider polls 0, 0.25, 0.75, 1.75, 3.75, 7.75 s after a write, so 4 s
        // would cost a further 4 s per converging up and prove nothing more against a 1 s bound.
        const slow = await startEmulator({ apiKey: API_KEY, readyAfterMs: 3500 });
        const v1 = { KEY: secret("K-one"), OTHER: secret("K-other") };
        const v2 = { KEY: secret("K-two"), OTHER: v1.OTHER };
        try {
            await withStack("safety-k", slow, f, async (s) => {
                const bound = (seconds: string) => s.project.setConfig("pipecat:readyTimeoutSeconds", seconds);
                await bound("1");
                s.declare({ slow: { name: "k-slow", secrets: v1 } });
                const c1 = await s.up("K create short");
                f.ok(c1.code !== 0, "create with a 1 s bound and 3.5 s provisioning fails", keyLines(c1));
                f.ok(
                    errorText(c1).includes("pipecat:readyTimeoutSeconds"),
                    "the create failure mentions pipecat:readyTimeoutSeconds",
                    keyLines(c1),
                );
                f.note(`after the short create: ${shape(slow, "k-slow")}`);

                await bound("30");
                const c2 = await s.up("K create long");
                f.ok(c2.code === 0, "`up` with a 30 s bound succeeds", keyLines(c2));
                f.equal(regularSecrets(slow, "k-slow"), v1, "k-slow exists with its values", shape(slow, "k-slow"));
                f.equal(slow.snapshot()["k-slow"]?.status, "ready", "k-slow is ready");
                const n1 = await s.pulumi("K expect-no-changes 1", ["preview", "--expect-no-changes"]);
                f.ok(n1.code === 0, "`preview --expect-no-changes` exits 0 after the create", keyLines(n1));

                await bound("1");
                s.declare({ slow: { name: "k-slow", secrets: v2 } });
                const u1 = await s.up("K update short");
                f.ok(u1.code !== 0, "an update with a 1 s bound fails", keyLines(u1));
                f.ok(
                    errorText(u1).includes("pipecat:readyTimeoutSeconds"),
                    "the update failure mentions pipecat:readyTimeoutSeconds",
                    keyLines(u1),
                );

                await bound("30");
                const u2 = await s.up("K update long");
                f.ok(u2.code === 0, "`up` with a 30 s bound succeeds", keyLines(u2));
                f.equal(regularSecrets(slow, "k-slow"), v2, "k-slow holds the new value", shape(slow, "k-slow"));
                f.equal(slow.snapshot()["k-slow"]?.status, "ready", "k-slow is ready");
                const n2 = await s.pulumi("K expect-no-changes 2", ["preview", "--expect-no-changes"]);
                f.ok(n2.code === 0, "`preview --expect-no-changes` exits 0 after the update", keyLines(n2));
                f.note(`requests for k-slow: ${trace(slow, "k-slow").join(" | ")}`);
            });
        } finally {
            await slow.close();
        }
        f.done("scenario", Boolean(process.env["SAFETY_VERBOSE"]));
    });

    it("L. after an API key rotation, refresh either works or says to run `pulumi up` first or use --run-program; --run-program works", async function () {
        this.timeout(120_000);
        const f = new Findings();
        const K1 = "pk-e2e-safety-ROTATED-OUT-key-0101";
        const K2 = "pk-e2e-safety-ROTATED-IN-key-0102";
        SECRETS.add(K1);
        SECRETS.add(K2);
        let emulator = await startEmulator({ apiKey: K1, readyAfterMs: READY_AFTER_MS });
        const values = { KEY: secret("L-key") };
        try {
            await withStack("safety-l", emulator, f, async (s) => {
                s.declare({ rotated: { name: "l-rotated", secrets: values } });
                must(await s.up("L create"), "creating l-rotated with K1");

                // The key is rotated: the same API (same URL, same sets) now accepts only K2.
                const state = emulator.snapshot();
                const port = emulator.port;
                await emulator.close();
                emulator = await startEmulator({ apiKey: K2, port, readyAfterMs: READY_AFTER_MS });
                for (const [name, set] of Object.entries(state)) {
                    emulator.seed(
                        name,
                        set.type === "secret"
                            ? { secrets: set.secrets, region: set.region }
                            : { type: "imagePullSecret", host: set.host, secretValue: set.secretValue, region: set.region },
                    );
                }
                await s.project.setConfig("pipecat:apiKey", K2, { secret: true });

                const refresh = await s.pulumi("L refresh", ["refresh", "--yes", "--skip-preview"]);
                const statuses = emulator.requests.map((r) => r.status);
                f.note(`refresh: exit ${refresh.code}; statuses ${statuses.join(",")}`);
                if (refresh.code !== 0) {
                    f.ok(
                        /pulumi up|--run-program/.test(errorText(refresh)),
                        "the refresh failure says to run `pulumi up` first or to use --run-program",
                        keyLines(refresh),
                    );
                }
                emulator.clearRequests();
                const rp = await s.pulumi("L refresh --run-program", ["refresh", "--yes", "--skip-preview", "--run-program"]);
                f.ok(rp.code === 0, "`refresh --yes --run-program` succeeds with K2", keyLines(rp));
                f.ok(
                    emulator.requests.every((r) => r.status !== 401),
                    "no request of `refresh --run-program` is refused",
                    emulator.requests.map((r) => `${r.method} ${r.path} ${r.status}`).join(" | "),
                );
                const destroy = await s.pulumi("L destroy --run-program", ["destroy", "--yes", "--skip-preview", "--run-program"]);
                f.ok(destroy.code === 0, "`destroy --yes --run-program` succeeds with K2", keyLines(destroy));
                f.equal(emulator.snapshot()["l-rotated"], undefined, "l-rotated is gone after the destroy");
            });
        } finally {
            await emulator.close();
        }
        f.done("scenario", Boolean(process.env["SAFETY_VERBOSE"]));
    });

    it("M. the autoname a preview shows is the one up creates, or the preview shows the name as unknown", async () => {
        const f = new Findings();
        await withStack("safety-m", main, f, async (s) => {
            s.declare({ "m-auto": { secrets: { KEY: secret("M-key") } } });
            const preview = await s.pulumi("M preview", ["preview", "--diff"]);
            f.ok(preview.code === 0, "`preview --diff` succeeds", keyLines(preview));
            const shown = /^\s*[+]?\s*name\s*:\s*(.+?)\s*$/m.exec(preview.stdout)?.[1];
            const up = await s.up("M up");
            must(up, "creating m-auto");
            const created = Object.keys(main.snapshot()).filter((n) => n.startsWith("m-auto-"));
            const unknown = shown !== undefined && /output<string>|\[unknown\]|computed/i.test(shown);
            f.ok(
                shown === undefined || unknown || shown === JSON.stringify(created[0]),
                "the preview's name is unknown or equals the created set's name",
                `preview showed name ${shown ?? "(none)"}; up created ${created.join(", ")}`,
            );
        });
        f.done("scenario", Boolean(process.env["SAFETY_VERBOSE"]));
    });

    it("N. destroy with provisioning delays removes every set with one DELETE each", async () => {
        const f = new Findings();
        const cred = pullCredentials("nbot", "N-pull-password");
        const names = ["n-one", "n-two", "n-pull"];
        await withStack("safety-n", main, f, async (s) => {
            s.declare({
                one: { name: "n-one", secrets: { A: secret("N-one-a"), B: secret("N-one-b") } },
                two: { name: "n-two", secrets: { C: secret("N-two-c") } },
                pull: { name: "n-pull", imagePullSecret: { host: "https://ghcr.io/", username: cred.username, password: cred.password } },
            });
            must(await s.up("N create"), "creating three sets");
            main.clearRequests();
            const destroy = await s.pulumi("N destroy", ["destroy", "--yes", "--skip-preview"]);
            f.ok(destroy.code === 0, "`destroy` succeeds", keyLines(destroy));
            for (const n of names) {
                f.ok(main.snapshot()[n] === undefined, `${n} is gone`, shape(main, n));
                f.equal(deletesOfSet(main, n).length, 1, `exactly one DELETE /secrets/${n}`, trace(main, n).join(" | "));
            }
            const otherDeletes = main.requests.filter(
                (r) => r.method === "DELETE" && !(r.route === "DELETE /secrets/:name" && names.includes(r.setName ?? "")),
            );
            f.equal(
                otherDeletes.map((r) => r.path),
                [],
                "no other DELETE",
            );
            const state = await s.project.exportStack();
            f.equal((state.deployment.resources ?? []).filter((r) => r.type.includes("SecretSet")).length, 0, "no SecretSet left in state");
        });
        f.done("scenario", Boolean(process.env["SAFETY_VERBOSE"]));
    });

    it("O. a referenced set is never adopted or written over, and a set whose name became one leaves the state without a repair", async () => {
        const f = new Findings();
        main.seed("o-referenced", { secrets: {}, referenced: true });
        main.clearRequests();
        await withStack("safety-o", main, f, async (s) => {
            s.declare({ own: { name: "o-own", secrets: { KEY: secret("O-own") } } });
            must(await s.up("O create"), "creating o-own");
            s.declare({
                ref: { name: "o-referenced", adopt: true, secrets: { KEY: secret("O-ref") } },
                own: { name: "o-own", secrets: { KEY: secret("O-own") } },
            });
            const r = await s.up("O adopt a referenced set");
            f.ok(r.code !== 0, "`up` fails", keyLines(r));
            f.ok(
                /o-referenced" exists in Pipecat Cloud as a referenced set/.test(errorText(r)),
                "the failure says the set is a referenced one",
                keyLines(r),
            );
            f.equal(
                trace(main, "o-referenced").filter((t) => !t.startsWith("GET")).length,
                0,
                "nothing but reads reached o-referenced",
                trace(main, "o-referenced").join(" | "),
            );
            f.ok(main.snapshot()["o-referenced"]?.type === "secret", "o-referenced is still there", shape(main, "o-referenced"));

            // A set of the stack whose name now holds a referenced set: refresh drops it, the next up refuses it.
            main.deleteDirect("o-own");
            main.seed("o-own", { secrets: {}, referenced: true });
            s.declare({ own: { name: "o-own", secrets: { KEY: secret("O-own") } } });
            main.clearRequests();
            const refresh = await s.pulumi("O refresh", ["refresh", "--yes", "--skip-preview"]);
            f.ok(refresh.code === 0, "refresh succeeds", keyLines(refresh));
            const again = await s.up("O up after refresh");
            f.ok(
                again.code !== 0 && /o-own" exists in Pipecat Cloud as a referenced set/.test(errorText(again)),
                "the next up refuses the referenced set",
                keyLines(again),
            );
            f.equal(
                trace(main, "o-own").filter((t) => !t.startsWith("GET")).length,
                0,
                "no write or delete reached o-own",
                trace(main, "o-own").join(" | "),
            );
            main.deleteDirect("o-referenced");
            main.deleteDirect("o-own");
        });
        f.done("scenario", Boolean(process.env["SAFETY_VERBOSE"]));
    });
});

/** The lines of a `preview --diff` that describe properties (no values are ever shown there). */
function diffLines(r: RunResult): string {
    const lines = r.stdout.split("\n").filter((l) => /^\s*[-+~]|secrets|\[secret\]/.test(l) && !/__provider/.test(l));
    return [`exit ${r.code}`, ...lines.slice(0, 30)].join("\n");
}
