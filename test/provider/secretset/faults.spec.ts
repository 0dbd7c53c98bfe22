/**
 * The fault matrix, through the provider methods against the emulator over HTTP: every request of every
 * operation (create, update, delete, read; regular and image-pull sets) meets every kind of fault, once, twice
 * and for good.
 *
 * - Once or twice: the operation succeeds and the emulator holds exactly the declared keys and values.
 * - For good: the operation fails with a message naming the set and the step, after a bounded number of attempts
 *   (6: the first and 5 retries) and bounded time (on the fake clock); then the fault is cleared and the same
 *   operation runs again, as the engine would on the next `pulumi up` (a failed create left nothing in state:
 *   create again; a failed update kept the old outputs: update again from them), and converges to exactly the
 *   declared state, nothing created twice, no stale key.
 *
 * Backoff, Retry-After and readiness waits advance a fake clock shared with the emulator; no case waits in real
 * time. An answer slower than the per-request timeout needs the client's real axios timeout to fire, so those cases
 * live in test/e2e/timeouts.spec.ts, with the create whose PUT timed out (known limit L1).
 *
 * Every error is kept, and at the end none may contain a test secret in any form (leak scanner).
 */
import * as assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import type { FaultSpec, RouteId } from "../../../emulator";
import { secretSetProvider } from "../../../provider";
import { DEFAULT_RETRY } from "../../../provider/api/transport";
import { type Haystack, type SecretSpec, assertNoLeaks, errorHaystack } from "../../support/leaks";
import { ProviderMethods } from "../../support/provider";

type Props = Record<string, unknown>;

const KEY = "pk-faults-API-KEY-never-shown-0001";
const V = {
    OPENAI: "sk-faults-VALUE-openai-never-shown-1111",
    DAILY: "sk-faults-VALUE-daily-never-shown-2222",
    // Differs from its URL-encoded and JSON-escaped forms, so those are searched too.
    SPECIAL: 'sk-faults/VALUE "special" +=&? never-shown-3333',
    NEW: "sk-faults-VALUE-new-never-shown-4444",
} as const;
const USER = "faults-robot";
const PASSWORD = "registry-PASSWORD-faults-never-shown-5555";
const ROTATED = "registry-PASSWORD-faults-rotated-6666";
const pullValue = (password: string): string => Buffer.from(`${USER}:${password}`, "utf8").toString("base64");

const SECRETS: SecretSpec[] = [
    { label: "the API key", value: KEY },
    ...Object.entries(V).map(([k, value]) => ({ label: `value ${k}`, value })),
    { label: "the registry password", value: PASSWORD },
    { label: "the rotated registry password", value: ROTATED },
    { label: "base64 of user:password", value: pullValue(PASSWORD) },
    { label: "base64 of user:rotated password", value: pullValue(ROTATED) },
];

const REGULAR = "voice-agent";
const PULL = "registry-pull";
const HOST = "https://index.docker.io/v1/";
const regular = { name: REGULAR, secrets: { OPENAI_API_KEY: V.OPENAI, DAILY_API_KEY: V.DAILY, SPECIAL: V.SPECIAL } };
// Changes a value, keeps one, adds a key and removes DAILY_API_KEY: one PUT, one key DELETE.
const updated = { name: REGULAR, secrets: { OPENAI_API_KEY: V.NEW, SPECIAL: V.SPECIAL, NEW_KEY: V.DAILY } };
const pull = { name: PULL, imagePullSecret: { host: HOST, username: USER, password: PASSWORD } };
const rotated = { name: PULL, imagePullSecret: { host: HOST, username: USER, password: ROTATED } };

/** What the emulator must hold: set name → kind and contents. */
type Expected = Record<
    string,
    { type: "secret"; secrets: Record<string, string> } | { type: "imagePullSecret"; host: string; secretValue: string }
>;
const regularSet = (secrets: Record<string, string>) => ({ type: "secret" as const, secrets });
const pullSet = (password: string) => ({ type: "imagePullSecret" as const, host: HOST, secretValue: pullValue(password) });

const ATTEMPTS = DEFAULT_RETRY.retries + 1;
/** Fake time one failing operation may take (the client's deadline is 120 s per call). */
const TIME_BOUND_MS = 60_000;

// ---------------------------------------------------------------------------------------------------------------
// Fixture

const m = new ProviderMethods({ provider: secretSetProvider, apiKey: KEY });

async function checked(inputs: Props, olds: Props = {}): Promise<Props> {
    const result = await secretSetProvider.check!(olds, inputs);
    assert.deepEqual(result.failures ?? [], []);
    return result.inputs;
}

async function create(inputs: Props): Promise<Props> {
    const result = await secretSetProvider.create(await checked(inputs));
    assert.equal(result.id, inputs["name"]);
    return result.outs as Props;
}

/** The emulator's sets, reduced to what the program declares. */
function state(): Expected {
    const out: Expected = {};
    for (const [name, set] of Object.entries(m.emulator.snapshot())) {
        assert.notEqual(set.status, "failed", `set ${name} failed to provision`);
        out[name] =
            set.type === "secret" ? regularSet({ ...set.secrets }) : { type: set.type, host: set.host, secretValue: set.secretValue };
    }
    return out;
}

function assertState(expected: Expected, when: string): void {
    // Key names and set names only in the message: values are compared, never printed.
    const describe = (e: Expected) =>
        Object.entries(e)
            .map(([n, s]) => `${n}(${s.type === "secret" ? Object.keys(s.secrets).sort().join(",") : "pull"})`)
            .join(" ");
    const actual = state();
    assert.ok(
        isDeepStrictEqual(actual, expected),
        `emulator state ${when} is ${describe(actual) || "empty"}, expected ${describe(expected) || "empty"} (or values differ)`,
    );
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

const errors: Haystack[] = [];

async function outcome(label: string, op: Promise<unknown>): Promise<Outcome> {
    try {
        return { ok: true, value: await op };
    } catch (error) {
        errors.push(errorHaystack(label, error));
        return { ok: false, error };
    }
}

const messageOf = (o: Outcome): string => (o.ok ? "(succeeded)" : o.error instanceof Error ? o.error.message : String(o.error));

// ---------------------------------------------------------------------------------------------------------------
// Operations, steps, faults

interface Operation {
    readonly id: string;
    /** The set it works on. */
    readonly name: string;
    /** Brings the emulator to the state the operation starts from; returns the olds it is given. */
    prepare(): Promise<Props>;
    run(olds: Props): Promise<unknown>;
    /** The state once it succeeded. */
    readonly expected: Expected;
    /** Checks what a successful run returned. */
    verify(result: unknown): void;
}

const outs = (r: unknown): Props => ((r as { outs?: Props }).outs ?? (r as Props)) as Props;

const OPS = {
    createRegular: {
        id: "create of a regular set",
        name: REGULAR,
        prepare: async () => ({}),
        run: () => create(regular),
        expected: { [REGULAR]: regularSet(regular.secrets) },
        verify: (r) => assert.deepEqual(outs(r)["keys"], Object.keys(regular.secrets).sort()),
    },
    createPull: {
        id: "create of an image-pull set",
        name: PULL,
        prepare: async () => ({}),
        run: () => create(pull),
        expected: { [PULL]: pullSet(PASSWORD) },
        verify: (r) => assert.equal(outs(r)["isImagePullSecret"], true),
    },
    update: {
        id: "update of a regular set",
        name: REGULAR,
        prepare: () => create(regular),
        run: async (olds) => secretSetProvider.update!(REGULAR, olds, await checked(updated, olds)),
        expected: { [REGULAR]: regularSet(updated.secrets) },
        verify: (r) => assert.deepEqual(outs(r)["keys"], Object.keys(updated.secrets).sort()),
    },
    delete: {
        id: "delete of a regular set",
        name: REGULAR,
        prepare: () => create(regular),
        run: (olds) => secretSetProvider.delete!(REGULAR, olds),
        expected: {},
        verify: () => undefined,
    },
    readRegular: {
        id: "read of a regular set",
        name: REGULAR,
        prepare: () => create(regular),
        run: (olds) => secretSetProvider.read!(REGULAR, olds),
        expected: { [REGULAR]: regularSet(regular.secrets) },
        verify: (r) => {
            const read = r as { id: string; props: Props };
            assert.equal(read.id, REGULAR);
            assert.deepEqual(read.props["keys"], Object.keys(regular.secrets).sort());
            assert.equal("secrets" in read.props, false, "outputs never hold values");
        },
    },
    readPull: {
        id: "read of an image-pull set",
        name: PULL,
        prepare: () => create(pull),
        run: (olds) => secretSetProvider.read!(PULL, olds),
        expected: { [PULL]: pullSet(PASSWORD) },
        verify: (r) => assert.equal((r as { id: string }).id, PULL),
    },
} satisfies Record<string, Operation>;

/** One request of one operation: where the fault goes, and what the messages call that step. */
interface Step {
    readonly op: Operation;
    readonly request: string;
    readonly route: RouteId;
    /** The set named in the path (the list route names none). */
    readonly setName: string | undefined;
    /** Matching requests let through first (the existence check before the readiness check). */
    readonly skip: number;
    /** The step as messages name it. */
    readonly word: string;
    /** Whether the request changes state, so a change applied with its answer lost is a fault too. */
    readonly mutating: boolean;
}

const STEPS: Step[] = [
    {
        op: OPS.createRegular,
        request: "existence check",
        route: "GET /secrets",
        setName: undefined,
        skip: 0,
        word: "existence check",
        mutating: false,
    },
    { op: OPS.createRegular, request: "PUT", route: "PUT /secrets/:name", setName: REGULAR, skip: 0, word: "create", mutating: true },
    {
        op: OPS.createRegular,
        request: "readiness GET /secrets",
        route: "GET /secrets",
        setName: undefined,
        skip: 1,
        word: "readiness check",
        mutating: false,
    },
    {
        op: OPS.createPull,
        request: "existence check",
        route: "GET /secrets",
        setName: undefined,
        skip: 0,
        word: "existence check",
        mutating: false,
    },
    { op: OPS.createPull, request: "PUT", route: "PUT /secrets/:name", setName: PULL, skip: 0, word: "create", mutating: true },
    {
        op: OPS.createPull,
        request: "readiness GET /secrets",
        route: "GET /secrets",
        setName: undefined,
        skip: 1,
        word: "readiness check",
        mutating: false,
    },
    { op: OPS.update, request: "PUT", route: "PUT /secrets/:name", setName: REGULAR, skip: 0, word: "update", mutating: true },
    {
        op: OPS.update,
        request: "key DELETE",
        route: "DELETE /secrets/:name/:key",
        setName: REGULAR,
        skip: 0,
        word: "key deletion",
        mutating: true,
    },
    {
        op: OPS.update,
        request: "readiness GET /secrets",
        route: "GET /secrets",
        setName: undefined,
        skip: 0,
        word: "readiness check",
        mutating: false,
    },
    { op: OPS.delete, request: "bindings check", route: "GET /agents", setName: undefined, skip: 0, word: "delete", mutating: false },
    { op: OPS.delete, request: "DELETE", route: "DELETE /secrets/:name", setName: REGULAR, skip: 0, word: "delete", mutating: true },
    { op: OPS.readRegular, request: "GET", route: "GET /secrets/:name", setName: REGULAR, skip: 0, word: "read", mutating: false },
    { op: OPS.readPull, request: "GET /secrets", route: "GET /secrets", setName: undefined, skip: 0, word: "read", mutating: false },
];

interface FaultKind {
    readonly id: string;
    readonly spec: Omit<FaultSpec, "route" | "setName" | "method" | "times">;
    /** Only for requests that change state. */
    readonly mutatingOnly?: boolean;
}

// Fails every schema the client applies (PUT answer, set, list), but is well-formed JSON.
const WRONG_SHAPE = JSON.stringify({ status: 42, region: ["us-west"], secrets: "none", sets: { name: REGULAR } });

const KINDS: FaultKind[] = [
    { id: "429 with Retry-After", spec: { status: 429, retryAfter: 1 } },
    { id: "429 without Retry-After", spec: { status: 429 } },
    { id: "500", spec: { status: 500 } },
    { id: "502", spec: { status: 502 } },
    { id: "503", spec: { status: 503 } },
    { id: "a dropped connection", spec: { drop: true } },
    { id: "200 with a body that is not JSON", spec: { status: 200, body: "<html><body>Service temporarily unavailable</body></html>" } },
    { id: "200 with JSON of the wrong shape", spec: { status: 200, body: WRONG_SHAPE } },
    { id: "a change applied, then 500", spec: { afterApply: true, status: 500 }, mutatingOnly: true },
    { id: "a change applied, then the connection dropped", spec: { afterApply: true, drop: true }, mutatingOnly: true },
];

const MODES = [
    { id: "once", times: 1 },
    { id: "twice", times: 2 },
    { id: "for good", times: Infinity },
] as const;

// ---------------------------------------------------------------------------------------------------------------
// The matrix

const tally = { cases: 0, injected: 0, faultedAnswers: 0, converged: 0, persistent: 0, maxFailingAttempts: 0, maxFailingFakeMs: 0 };

async function runCase(step: Step, kind: FaultKind, mode: (typeof MODES)[number]): Promise<void> {
    tally.cases++;
    await m.setup();
    const olds = await step.op.prepare();
    m.emulator.clearRequests();
    const target = { route: step.route, ...(step.setName !== undefined ? { setName: step.setName } : {}) };
    if (step.skip > 0) m.emulator.injectFault({ ...target, delayMs: 0, times: step.skip }); // let the earlier request through
    const fault = m.emulator.injectFault({ ...target, ...kind.spec, times: mode.times });
    const label = `${step.op.id}, ${step.request}: ${kind.id} ${mode.id}`;
    const started = m.clock;

    const first = await outcome(label, step.op.run(olds));
    assert.ok(fault.hits >= 1, "the fault never fired: the case proves nothing");
    tally.injected++;
    tally.faultedAnswers += fault.hits;

    if (mode.times !== Infinity) {
        assert.ok(first.ok, `expected the ${step.op.id} to succeed, it failed: ${messageOf(first)}`);
        assertState(step.op.expected, `after the ${step.op.id}`);
        step.op.verify(first.value);
        assert.equal(fault.hits, mode.times, "faulted answers before the success");
    } else {
        tally.persistent++;
        assert.ok(!first.ok, `expected the ${step.op.id} to fail while the fault lasts`);
        assert.match(messageOf(first), new RegExp(`^${step.word} of secret set "${step.op.name}" failed`));
        assert.equal(fault.hits, ATTEMPTS, `attempts of the faulted request`);
        assert.ok(m.emulator.requests.length <= ATTEMPTS + step.skip + 4, `${m.emulator.requests.length} requests in all`);
        tally.maxFailingAttempts = Math.max(tally.maxFailingAttempts, fault.hits);
        tally.maxFailingFakeMs = Math.max(tally.maxFailingFakeMs, m.clock - started);
        assert.ok(m.clock - started <= TIME_BOUND_MS, `gave up after ${m.clock - started} ms of fake time`);
        const creates = step.op === OPS.createRegular || step.op === OPS.createPull;
        if (creates) {
            // A failed create rolls back: the next `up` must not find a set it would refuse as a stranger's.
            if (state()[step.op.name] !== undefined) assert.fail(`the failed create left behind set ${step.op.name}`);
            if (step.word === "existence check")
                assert.equal(m.emulator.requestCount({ method: "PUT" }), 0, "a PUT while unsure the set is new");
        }

        m.emulator.clearFaults();
        m.emulator.clearRequests();
        const again = await outcome(`${label}, run again`, step.op.run(olds));
        assert.ok(again.ok, `the ${step.op.id} run again after the fault cleared failed: ${messageOf(again)}`);
        step.op.verify(again.value);
        assertState(step.op.expected, `after the ${step.op.id} ran again`);
        if (creates) assert.equal(m.emulator.requestCount({ method: "PUT" }), 1, "PUTs when run again");
    }
    tally.converged++;
}

describe("faults through the provider methods", () => {
    afterEach(() => m.close());

    after(() => {
        console.log(`      faults injected: ${tally.injected}, converged: ${tally.converged}`);
        console.log(
            `      (${tally.cases} cases, ${tally.faultedAnswers} faulted answers; failing runs took at most ${tally.maxFailingAttempts} ` +
                `attempts and ${tally.maxFailingFakeMs / 1000} s of fake time; ${errors.length} errors scanned for leaks)`,
        );
        // Each case that failed for good left at least one error: otherwise the scan below would prove little.
        assert.ok(errors.length >= tally.persistent, `only ${errors.length} errors from ${tally.persistent} failing cases`);
        assertNoLeaks(errors, SECRETS, "error messages and stacks");
    });

    for (const step of STEPS) {
        describe(`${step.op.id}: ${step.request} (${step.route})`, () => {
            for (const kind of KINDS.filter((k) => !k.mutatingOnly || step.mutating)) {
                for (const mode of MODES) {
                    const title =
                        mode.times === Infinity
                            ? `fails on ${kind.id} for good, naming the set and the step, then converges when run again`
                            : `converges through ${kind.id} ${mode.id}`;
                    it(title, () => runCase(step, kind, mode));
                }
            }
        });
    }

    describe("named scenarios", () => {
        for (const lost of [{ status: 500 }, { drop: true }] as const) {
            const how = "status" in lost ? "answered 500" : "dropped";
            it(`sends a PUT again when it was applied but its answer was ${how}, and holds exactly the declared values`, async () => {
                await m.setup();
                m.emulator.injectFault({ route: "PUT /secrets/:name", afterApply: true, ...lost });
                await create(regular);
                const puts = m.emulator.requests.filter((r) => r.method === "PUT");
                assert.deepEqual(
                    puts.map((r) => r.status),
                    ["status" in lost ? 500 : 0, 202],
                );
                assert.deepEqual(puts[0]?.body, puts[1]?.body);
                assertState({ [REGULAR]: regularSet(regular.secrets) }, "after the create");
            });
        }

        it("finishes an update that failed between its PUT and its key DELETE: new values, then no stale key", async () => {
            await m.setup();
            const olds = await create(regular);
            m.emulator.injectFault({ route: "DELETE /secrets/:name/:key", status: 500, times: Infinity });
            const failed = await outcome(
                "update between PUT and key DELETE",
                secretSetProvider.update!(REGULAR, olds, await checked(updated, olds)),
            );
            assert.match(messageOf(failed), /^key deletion of secret set "voice-agent" failed/);
            // The PUT went through; the key to remove is still there.
            assertState({ [REGULAR]: regularSet({ ...updated.secrets, DAILY_API_KEY: V.DAILY }) }, "between the PUT and the key DELETE");
            m.emulator.clearFaults();
            const result = await secretSetProvider.update!(REGULAR, olds, await checked(updated, olds));
            assertState({ [REGULAR]: regularSet(updated.secrets) }, "after the update ran again");
            assert.deepEqual(result.outs?.["keys"], Object.keys(updated.secrets).sort());
        });

        it("re-creates an image-pull set after a delete-before-replace whose create failed for good", async () => {
            await m.setup();
            const olds = await create(pull);
            const news = await checked(rotated, olds);
            const plan = await secretSetProvider.diff!(PULL, olds, news);
            // Credentials are compared by the engine (they are secret inputs), and the resource's
            // replaceOnChanges makes new ones a replacement; the name stays, so it deletes first.
            assert.deepEqual(plan, { replaces: [], deleteBeforeReplace: true });
            await secretSetProvider.delete!(PULL, olds);
            assertState({}, "after the delete half of the replacement");
            m.emulator.injectFault({ route: "PUT /secrets/:name", status: 503, times: Infinity });
            const failed = await outcome("create half of a replacement", secretSetProvider.create(news));
            assert.match(messageOf(failed), /^create of secret set "registry-pull" failed: .* 503/);
            assertState({}, "after the failed create");
            // The old set is gone and the new one not in state: the next `up` creates it.
            m.emulator.clearFaults();
            await secretSetProvider.create(news);
            assertState({ [PULL]: pullSet(ROTATED) }, "after the create ran again");
        });

        it("keeps a value the server echoes in an error out of the message and the stack", async () => {
            await m.setup();
            const echo = `rejected value ${V.OPENAI} (${Buffer.from(V.OPENAI).toString("base64")})`;
            m.emulator.injectFault({
                route: "PUT /secrets/:name",
                status: 500,
                body: JSON.stringify({ error: echo, code: "X" }),
                times: Infinity,
            });
            // Not collected with the others: its own properties are checked below.
            const e = await create(regular).then(
                () => assert.fail("expected the create to fail"),
                (error: unknown) => error as Error,
            );
            assert.match(e.message, /rejected value \[secret\] \(\[secret\]\)/);
            // What the Pulumi host prints: `${e}: ${e.stack}`.
            assertNoLeaks([{ label: "message and stack", text: `${String(e)}: ${String(e.stack)}` }], SECRETS);
        });

        it("keeps image-pull credentials the server echoes out of the error: the username, the password and the value sent", async () => {
            await m.setup();
            // Each on its own: a redaction of the value sent alone (base64 of user:password) would not hide the others.
            const echo = `rejected user ${USER} password ${PASSWORD} value ${pullValue(PASSWORD)}`;
            m.emulator.injectFault({
                route: "PUT /secrets/:name",
                status: 500,
                body: JSON.stringify({ error: echo, code: "X" }),
                times: Infinity,
            });
            const error = await create(pull).then(
                () => assert.fail("expected the create to fail"),
                (e: unknown) => e as Error & { apiMessage?: string },
            );
            errors.push(errorHaystack("image-pull create with an echo", error));
            assert.equal(error.apiMessage, "rejected user [secret] password [secret] value [secret]");
            assert.match(
                error.message,
                /^create of secret set "registry-pull" failed: .*"rejected user \[secret\] password \[secret\] value \[secret\]"/,
            );
            assert.ok(!error.message.includes(USER), "the username (a secret input) is shown");
        });

        it("keeps image-pull credentials given as one value out of the error when the server echoes them", async () => {
            await m.setup();
            const credentials = pullValue(ROTATED);
            const echo = `rejected credentials ${credentials}`;
            m.emulator.injectFault({
                route: "PUT /secrets/:name",
                status: 500,
                body: JSON.stringify({ error: echo, code: "X" }),
                times: Infinity,
            });
            const error = await create({ name: PULL, imagePullSecret: { host: HOST, credentials } }).then(
                () => assert.fail("expected the create to fail"),
                (e: unknown) => e as Error & { apiMessage?: string },
            );
            errors.push(errorHaystack("image-pull create (credentials) with an echo", error));
            assert.equal(error.apiMessage, "rejected credentials [secret]");
            assert.match(error.message, /"rejected credentials \[secret\]"/);
        });

        it("keeps a value the server echoes out of the error's own properties too", async () => {
            await m.setup();
            const echo = `rejected value ${V.OPENAI}`;
            m.emulator.injectFault({
                route: "PUT /secrets/:name",
                status: 500,
                body: JSON.stringify({ error: echo, code: "X" }),
                times: Infinity,
            });
            const error = await create(regular).then(
                () => assert.fail("expected the create to fail"),
                (e: unknown) => e,
            );
            // The echo did reach the error (redacted), so the scan below looks where the value would be.
            assert.equal((error as { apiMessage?: unknown }).apiMessage, "rejected value [secret]");
            assertNoLeaks([errorHaystack("error with its properties", error)], SECRETS);
        });
    });
});
