/**
 * Bad inputs stop at `check`: each one is rejected with a reason that names the field (a dotted path) and the
 * rule, shows no value, and costs no request. Good inputs at the edges pass. The limits the provider checks
 * agree with the emulator's, and the largest input the provider accepts goes through the emulator over HTTP.
 *
 * Names and key names are identifiers, shown in paths and messages by design (a key is its own path segment,
 * `secrets.MY KEY`); every other value of an input, and every secret in any form, must stay out of the reasons.
 */
import * as assert from "node:assert/strict";
import { type Emulator, DEFAULT_LIMITS, startEmulator } from "../../../emulator";
import { isValidSecretKey, setNameProblem } from "../../../emulator/secrets/rules";
import { secretSetProvider } from "../../../provider";
import { LIMITS, UNKNOWN } from "../../../provider/secretset/schema";
import { call } from "../../emulator/support";
import { type SecretSpec, assertNoLeaks } from "../../support/leaks";

type Implementation = typeof import("../../../provider/secretset/implementation");
const impl = require("pulumi-pipecat-secrets/implementation") as Implementation;

type Props = Record<string, unknown>;

const KEY = "pk-badinputs-API-KEY-never-shown-0001";
const VALUE = "sk-badinputs-VALUE-never-shown-1111";
const CREDENTIALS = "cm9ib3Q6dG9rZW4tYmFkaW5wdXRzLW5ldmVyLXNob3du"; // base64 of robot:token-badinputs-never-shown
const PASSWORD = "registry-PASSWORD-badinputs-never-shown-2222";
const HOST = "https://index.docker.io/v1/";
const SECRETS: SecretSpec[] = [
    { label: "the API key", value: KEY },
    { label: "a value", value: VALUE },
    { label: "credentials", value: CREDENTIALS },
    { label: "a password", value: PASSWORD },
    { label: "the unit of the sized values", value: "VALUE-of-a-given-size-" },
];

const ok = { name: "voice-agent", secrets: { OPENAI_API_KEY: VALUE } };
const withSecrets = (secrets: unknown): Props => ({ name: "voice-agent", secrets });
const withPull = (imagePullSecret: unknown): Props => ({ name: "registry-pull", imagePullSecret });
const withName = (name: unknown): Props => ({ ...ok, name });
const manyKeys = (n: number, value = "v"): Record<string, string> =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`KEY_${i}`, value]));
/** A value of exactly `bytes` bytes of UTF-8 built from a marker, so an echo of any part of it is found. */
const sized = (bytes: number, unit = "VALUE-of-a-given-size-"): string => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);

interface BadInput {
    readonly id: string;
    readonly inputs: Props;
    /** Where the reason must point: the start of the reason (a dotted path and a colon), or a quoted property. */
    readonly field: RegExp;
    /** The rule it must state. */
    readonly rule: RegExp;
    /**
     * What the emulator answers to the same input sent as an API request (see {@link apiRequestOf}): "refuses" where
     * it has the rule too, "accepts" where the rule is the provider's own. Absent when no request expresses the input.
     */
    readonly api?: "refuses" | "accepts";
}

const BAD: BadInput[] = [
    // name
    { id: "a name of 2 characters", inputs: withName("ab"), field: /^name: /, rule: /3 to 63 characters/, api: "refuses" },
    { id: "a name of 64 characters", inputs: withName("a".repeat(64)), field: /^name: /, rule: /3 to 63 characters/, api: "refuses" },
    { id: "an empty name", inputs: withName(""), field: /^name: /, rule: /3 to 63 characters/, api: "refuses" },
    { id: "a name with uppercase letters", inputs: withName("Voice-Agent"), field: /^name: /, rule: /lowercase letters/, api: "refuses" },
    {
        id: "a name with a leading dash",
        inputs: withName("-voice-agent"),
        field: /^name: /,
        rule: /start and end .* with a letter or digit/,
        api: "refuses",
    },
    {
        id: "a name with a trailing dash",
        inputs: withName("voice-agent-"),
        field: /^name: /,
        rule: /start and end .* with a letter or digit/,
        api: "refuses",
    },
    { id: "a name with two dots in a row (a..b)", inputs: withName("a..b"), field: /^name: /, rule: /dot-separated part/, api: "refuses" },
    { id: "a name with a leading dot (.abc)", inputs: withName(".abc"), field: /^name: /, rule: /dot-separated part/, api: "refuses" },
    { id: "a name with a trailing dot", inputs: withName("abc."), field: /^name: /, rule: /dot-separated part/, api: "refuses" },
    {
        id: "a name whose part starts with a dash (a.-b)",
        inputs: withName("abc.-def"),
        field: /^name: /,
        rule: /start and end each dot-separated part/,
        api: "refuses",
    },
    {
        id: "a name with an underscore",
        inputs: withName("voice_agent"),
        field: /^name: /,
        rule: /lowercase letters, digits, "-" and "."/,
        api: "refuses",
    },
    {
        id: "a name with a space",
        inputs: withName("voice agent"),
        field: /^name: /,
        rule: /lowercase letters, digits, "-" and "."/,
        api: "refuses",
    },
    {
        id: "a name with unicode",
        inputs: withName("café-secrets"),
        field: /^name: /,
        rule: /lowercase letters, digits, "-" and "."/,
        api: "refuses",
    },
    {
        id: "a name with a slash (a path)",
        inputs: withName("team/voice"),
        field: /^name: /,
        rule: /lowercase letters, digits, "-" and "."/,
        api: "refuses",
    },
    { id: "a name that is a number", inputs: withName(12345), field: /^name: /, rule: /must be a string/ },
    { id: "a name that is a boolean", inputs: withName(true), field: /^name: /, rule: /must be a string/ },
    // secrets
    { id: "an empty secrets map", inputs: withSecrets({}), field: /^secrets: /, rule: /at least one secret/, api: "refuses" },
    { id: "an empty key", inputs: withSecrets({ "": VALUE }), field: /^secrets\.: /, rule: /must not be empty/, api: "refuses" },
    {
        id: "a key with a space",
        inputs: withSecrets({ "MY KEY": VALUE }),
        field: /^secrets\.MY KEY: /,
        rule: /only letters, digits, "_" and "-"/,
        api: "refuses",
    },
    {
        id: "a key with =",
        inputs: withSecrets({ "A=B": VALUE }),
        field: /^secrets\.A=B: /,
        rule: /only letters, digits, "_" and "-"/,
        api: "refuses",
    },
    {
        id: "a key with unicode",
        inputs: withSecrets({ KÉY: VALUE }),
        field: /^secrets\.KÉY: /,
        rule: /only letters, digits, "_" and "-"/,
        api: "refuses",
    },
    {
        id: "a key with a dot",
        inputs: withSecrets({ "A.B": VALUE }),
        field: /^secrets\.A\.B: /,
        rule: /only letters, digits, "_" and "-"/,
        api: "refuses",
    },
    {
        id: "a key with a slash",
        inputs: withSecrets({ "A/B": VALUE }),
        field: /^secrets\.A\/B: /,
        rule: /only letters, digits, "_" and "-"/,
        api: "refuses",
    },
    {
        id: "a key of 65 characters",
        inputs: withSecrets({ ["K".repeat(65)]: VALUE }),
        field: new RegExp(`^secrets\\.${"K".repeat(65)}: `),
        rule: /longer than 64 characters/,
        api: "refuses",
    },
    { id: "a number value", inputs: withSecrets({ A: 12345678 }), field: /^secrets\.A: /, rule: /values must be strings/, api: "refuses" },
    { id: "a boolean value", inputs: withSecrets({ A: true }), field: /^secrets\.A: /, rule: /values must be strings/, api: "refuses" },
    {
        id: "an object value",
        inputs: withSecrets({ A: { nested: VALUE } }),
        field: /^secrets\.A: /,
        rule: /values must be strings/,
        api: "refuses",
    },
    { id: "a null value", inputs: withSecrets({ A: null }), field: /^secrets\.A: /, rule: /values must be strings/, api: "refuses" },
    { id: "an array value", inputs: withSecrets({ A: [VALUE] }), field: /^secrets\.A: /, rule: /values must be strings/, api: "refuses" },
    {
        id: "a value of 64 KiB + 1 byte",
        inputs: withSecrets({ A: sized(LIMITS.valueMaxBytes + 1) }),
        field: /^secrets\.A: /,
        rule: /at most 65536 bytes/,
        api: "refuses",
    },
    // 32769 characters, 65538 bytes: the limit counts bytes of UTF-8, not characters.
    {
        id: "a value of 64 KiB + 2 bytes in 2-byte characters",
        inputs: withSecrets({ A: "é".repeat(32769) }),
        field: /^secrets\.A: /,
        rule: /at most 65536 bytes/,
        api: "refuses",
    },
    { id: "501 keys", inputs: withSecrets(manyKeys(501, VALUE)), field: /^secrets: /, rule: /at most 500 secrets/, api: "refuses" },
    { id: "secrets that are a string", inputs: withSecrets(VALUE), field: /^secrets: /, rule: /map of secret key to string value/ },
    { id: "secrets that are an array", inputs: withSecrets([VALUE]), field: /^secrets: /, rule: /map of secret key to string value/ },
    // kind
    {
        id: "both secrets and imagePullSecret",
        inputs: { ...ok, imagePullSecret: { host: HOST, credentials: CREDENTIALS } },
        field: /^inputs: /,
        rule: /either secrets .* or imagePullSecret .* not both/,
    },
    {
        id: "neither secrets nor imagePullSecret",
        inputs: { name: "voice-agent" },
        field: /^inputs: /,
        rule: /declare secrets .* or imagePullSecret/,
    },
    // imagePullSecret
    {
        id: "a host that is not a URL",
        inputs: withPull({ host: "not a url at all", credentials: CREDENTIALS }),
        field: /^imagePullSecret\.host: /,
        rule: /https:\/\/ URL/,
        api: "refuses",
    },
    {
        id: "an http host",
        inputs: withPull({ host: "http://registry.example.com/", credentials: CREDENTIALS }),
        field: /^imagePullSecret\.host: /,
        rule: /https:\/\/ URL/,
        api: "accepts",
    },
    {
        id: "a host without a scheme",
        inputs: withPull({ host: "registry.example.com", credentials: CREDENTIALS }),
        field: /^imagePullSecret\.host: /,
        rule: /https:\/\/ URL/,
        api: "accepts",
    },
    {
        id: "an ftp host",
        inputs: withPull({ host: "ftp://registry.example.com/", credentials: CREDENTIALS }),
        field: /^imagePullSecret\.host: /,
        rule: /https:\/\/ URL/,
        api: "accepts",
    },
    // host is shown in previews: a user or a token alone in it is a credential in clear too.
    {
        id: "a host with a user in it (https://user@host/)",
        inputs: withPull({ host: "https://robot-user@ghcr.io/", credentials: CREDENTIALS }),
        field: /^imagePullSecret\.host: /,
        rule: /must not contain credentials/,
        api: "accepts",
    },
    {
        id: "a host with a token but no user in it (https://:token@host/)",
        inputs: withPull({ host: `https://:${PASSWORD}@ghcr.io/`, credentials: CREDENTIALS }),
        field: /^imagePullSecret\.host: /,
        rule: /must not contain credentials/,
        api: "accepts",
    },
    {
        id: "a host that is a number",
        inputs: withPull({ host: 443, credentials: CREDENTIALS }),
        field: /^imagePullSecret\.host: /,
        rule: /must be a string/,
        api: "refuses",
    },
    {
        id: "image-pull with neither credentials nor username/password",
        inputs: withPull({ host: HOST }),
        field: /^imagePullSecret: /,
        rule: /needs credentials, or both username and password/,
        api: "refuses",
    },
    {
        id: "image-pull with both credentials and username/password",
        inputs: withPull({ host: HOST, credentials: CREDENTIALS, username: "robot-user", password: PASSWORD }),
        field: /^imagePullSecret: /,
        rule: /either credentials or username and password, not both/,
    },
    {
        id: "a username without a password",
        inputs: withPull({ host: HOST, username: "robot-user" }),
        field: /^imagePullSecret: /,
        rule: /both username and password/,
        api: "refuses",
    },
    {
        id: "a password without a username",
        inputs: withPull({ host: HOST, password: PASSWORD }),
        field: /^imagePullSecret: /,
        rule: /both username and password/,
        api: "refuses",
    },
    {
        id: "empty credentials",
        inputs: withPull({ host: HOST, credentials: "" }),
        field: /^imagePullSecret\.credentials: /,
        rule: /must not be empty/,
        api: "refuses",
    },
    {
        id: "credentials that are a number",
        inputs: withPull({ host: HOST, credentials: 1234567890 }),
        field: /^imagePullSecret\.credentials: /,
        rule: /must be a string/,
        api: "refuses",
    },
    {
        id: "an unknown field inside imagePullSecret",
        inputs: withPull({ host: HOST, credentials: CREDENTIALS, token: PASSWORD }),
        field: /^imagePullSecret: unknown property "token"/,
        rule: /allowed: host, credentials, username, password/,
    },
    {
        id: "an imagePullSecret that is a string",
        inputs: withPull(CREDENTIALS),
        field: /^imagePullSecret: /,
        rule: /must be an object with host/,
    },
    // the rest
    {
        id: "an unknown top-level field",
        inputs: { ...ok, extra: VALUE },
        field: /unknown property "extra"/,
        rule: /allowed: name, region, secrets, imagePullSecret, adopt/,
    },
    {
        id: "a misspelt secrets field",
        inputs: { name: "voice-agent", secret: { A: VALUE } },
        field: /unknown property "secret"/,
        rule: /allowed: name, region, secrets/,
    },
    {
        id: "a region with uppercase letters",
        inputs: { ...ok, region: "US-WEST" },
        field: /^region: /,
        rule: /region code such as "us-west"/,
        api: "refuses",
    },
    {
        id: "a region with a space",
        inputs: { ...ok, region: "us west" },
        field: /^region: /,
        rule: /region code such as "us-west"/,
        api: "refuses",
    },
    { id: "a region that is a number", inputs: { ...ok, region: 1 }, field: /^region: /, rule: /expected string/, api: "refuses" },
    { id: "adopt that is a string", inputs: { ...ok, adopt: "yes please" }, field: /^adopt: /, rule: /must be true or false/ },
    { id: "adopt that is a number", inputs: { ...ok, adopt: 1 }, field: /^adopt: /, rule: /must be true or false/ },
];

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The API request that writes `inputs` as given, before any check: `PUT /secrets/<name>` with the body the client
 * builds (a regular set's map as `secrets` entries; an image-pull set's credentials, or base64 of `username:password`,
 * as `secretValue`). Undefined when no request can express the input: a name that is not a string (a path is), a
 * container of the wrong shape, both or neither kind, an unknown field, or `adopt` (never sent).
 */
function apiRequestOf(inputs: Props): { readonly name: string; readonly body: Record<string, unknown> } | undefined {
    const { name, region, secrets, imagePullSecret, ...rest } = inputs;
    if (typeof name !== "string" || Object.keys(rest).length > 0 || (secrets === undefined) === (imagePullSecret === undefined))
        return undefined;
    const withRegion = (body: Record<string, unknown>) => ({ name, body: region === undefined ? body : { ...body, region } });
    if (secrets !== undefined) {
        if (!isPlainObject(secrets)) return undefined;
        return withRegion({ secrets: Object.entries(secrets).map(([secretKey, secretValue]) => ({ secretKey, secretValue })) });
    }
    if (!isPlainObject(imagePullSecret)) return undefined;
    const { host, credentials, username, password, ...unknown } = imagePullSecret;
    if (Object.keys(unknown).length > 0 || (credentials !== undefined && (username !== undefined || password !== undefined)))
        return undefined;
    const pair =
        typeof username === "string" && typeof password === "string"
            ? Buffer.from(`${username}:${password}`).toString("base64")
            : undefined;
    const secretValue = credentials ?? pair;
    return withRegion({ isImagePullSecret: true, host, ...(secretValue === undefined ? {} : { secretValue }) });
}

/** Every string of an input that is a value, not an identifier (names and key names are identifiers). */
function valuesOf(inputs: Props): string[] {
    const out: string[] = [];
    const walk = (v: unknown, isName: boolean): void => {
        if (typeof v === "string") {
            if (!isName) out.push(v);
        } else if (Array.isArray(v)) {
            v.forEach((x) => walk(x, false));
        } else if (typeof v === "object" && v !== null) {
            for (const x of Object.values(v)) walk(x, false); // keys are not walked: they are identifiers
        } else if (v !== undefined && v !== null) {
            out.push(String(v));
        }
    };
    for (const [k, v] of Object.entries(inputs)) walk(v, k === "name");
    return out;
}

describe("bad inputs", () => {
    let emulator: Emulator;
    let rejected = 0;
    const reasons: string[] = [];

    before(async () => {
        emulator = await startEmulator({ apiKey: KEY });
        await secretSetProvider.configure!({
            config: { get: (k: string) => ({ "pipecat:apiKey": KEY, "pipecat:apiUrl": emulator.url })[k], require: () => "" },
        });
        impl.setTestHooks({});
    });

    after(async () => {
        await emulator.close();
        console.log(`      bad inputs rejected: ${rejected} of ${BAD.length}, requests sent: ${emulator.requests.length}`);
        assertNoLeaks(
            reasons.map((text, i) => ({ label: `reason #${i}`, text })),
            SECRETS,
            "check reasons",
        );
    });

    for (const bad of BAD) {
        it(`rejects ${bad.id}`, async () => {
            const result = await secretSetProvider.check!({}, bad.inputs);
            const failures = result.failures ?? [];
            assert.ok(failures.length > 0, "accepted");
            reasons.push(...failures.map((f) => f.reason));
            // An empty property: the engine would print the input's value beside a named one.
            assert.deepEqual(
                failures.map((f) => f.property),
                failures.map(() => ""),
            );
            const named = failures.find((f) => bad.field.test(f.reason));
            assert.ok(named, `no reason names the field: ${JSON.stringify(failures.map((f) => f.reason.slice(0, 120)))}`);
            assert.match(named.reason, bad.rule);
            for (const value of valuesOf(bad.inputs)) {
                for (const f of failures) {
                    // Short values ("1", "yes") could occur as words; they are checked from 4 characters on.
                    if (value.length >= 4) assert.ok(!f.reason.includes(value), `a reason shows the value of ${bad.id}`);
                }
            }
            // The failed check hands back the inputs as given: the engine keeps them, nothing is normalized.
            assert.deepEqual(result.inputs, bad.inputs);
            assert.equal(emulator.requests.length, 0);
            rejected++;
        });
    }

    // Was known issue B4 (test/support/KNOWN-ISSUES.md).
    it("rejects an image-pull host with credentials in it (https://user:token@host/)", async () => {
        const result = await secretSetProvider.check!(
            {},
            withPull({ host: `https://robot:${PASSWORD}@ghcr.io/`, credentials: CREDENTIALS }),
        );
        const failures = result.failures ?? [];
        assert.ok(failures.length > 0, "accepted");
        assert.match(failures[0]?.reason ?? "", /^imagePullSecret\.host: /);
        assertNoLeaks([{ label: "reason", text: failures[0]?.reason ?? "" }], SECRETS);
    });
});

describe("bad inputs sent to the emulator as API requests, without check", () => {
    let emulator: Emulator;

    beforeEach(async () => {
        emulator = await startEmulator({ apiKey: KEY });
    });

    afterEach(async () => emulator.close());

    for (const bad of BAD.filter((b) => b.api !== undefined)) {
        const title =
            bad.api === "refuses"
                ? `refuses ${bad.id} too: the emulator has the rule`
                : `accepts ${bad.id}: the rule is the provider's own`;
        it(title, async () => {
            const request = apiRequestOf(bad.inputs);
            assert.ok(request, "no API request expresses this input: drop its api field");
            const answer = await call(emulator, "PUT", `/secrets/${encodeURIComponent(request.name)}`, { body: request.body });
            if (bad.api === "refuses") {
                assert.ok(answer.status >= 400 && answer.status < 500, `answered ${answer.status}`);
                assert.deepEqual(emulator.snapshot(), {}, "a refused request stored a set");
                assertNoLeaks([{ label: "answer", text: answer.text }], SECRETS);
            } else {
                assert.equal(answer.status, 202);
                assert.deepEqual(Object.keys(emulator.snapshot()), [request.name]);
            }
        });
    }

    it("has no API request for the cases without an api field", () => {
        // Otherwise a case that the emulator could judge is silently left out of the comparison above.
        const unjudged = BAD.filter((b) => b.api === undefined && apiRequestOf(b.inputs) !== undefined).map((b) => b.id);
        assert.deepEqual(unjudged, []);
    });
});

describe("good inputs at the edges", () => {
    const GOOD: { id: string; inputs: Props }[] = [
        { id: "a name of exactly 3 characters", inputs: withName("abc") },
        { id: "a name of exactly 63 characters", inputs: withName("a".repeat(61) + "-b") },
        { id: "a dotted name", inputs: withName("voice.agent.prod") },
        { id: "a dotted name with dashes and digits", inputs: withName("a-1.b-2.c3") },
        { id: "a name of digits only", inputs: withName("123") },
        { id: "a key of exactly 64 characters", inputs: withSecrets({ ["K".repeat(64)]: VALUE }) },
        { id: "keys made of _ and - only", inputs: withSecrets({ _: VALUE, "-": VALUE, "__-": VALUE }) },
        { id: "a value of exactly 64 KiB", inputs: withSecrets({ A: sized(LIMITS.valueMaxBytes) }) },
        { id: "a value of exactly 64 KiB in 2-byte characters", inputs: withSecrets({ A: "é".repeat(LIMITS.valueMaxBytes / 2) }) },
        { id: "exactly 500 keys", inputs: withSecrets(manyKeys(LIMITS.keysMax)) },
        { id: "an empty-string value", inputs: withSecrets({ A: "" }) },
        { id: "a value with newlines, quotes and unicode", inputs: withSecrets({ A: 'line 1\nline "2"\t€ 🎉' }) },
        {
            id: "image-pull credentials and a host without a trailing slash",
            inputs: withPull({ host: "https://ghcr.io", credentials: CREDENTIALS }),
        },
        { id: "image-pull username and password", inputs: withPull({ host: HOST, username: "robot-user", password: PASSWORD }) },
        { id: "a region and adopt", inputs: { ...ok, region: "eu-central", adopt: true } },
        { id: "values unknown during preview", inputs: { name: UNKNOWN, secrets: { A: UNKNOWN } } },
    ];

    for (const good of GOOD) {
        it(`accepts ${good.id}`, async () => {
            const result = await secretSetProvider.check!({}, good.inputs);
            assert.deepEqual(result.failures ?? [], []);
            assert.deepEqual(result.inputs, good.inputs);
        });
    }
});

describe("limits: the provider and the emulator agree", () => {
    it("on value size and keys per set", () => {
        assert.equal(LIMITS.valueMaxBytes, DEFAULT_LIMITS.maxValueBytes);
        assert.equal(LIMITS.keysMax, DEFAULT_LIMITS.maxKeysPerSet);
    });

    /** Each probe's verdicts, accepted or not, by the provider's check, the emulator's rule and the emulator over HTTP. */
    async function verdicts(
        probes: readonly string[],
        byCheck: (probe: string) => Props,
        byRule: (probe: string) => boolean,
        byHttp: (emulator: Emulator, probe: string) => Promise<number>,
    ): Promise<{ disagreements: string[]; accepted: number; refused: number }> {
        const emulator = await startEmulator({ apiKey: KEY });
        try {
            const disagreements: string[] = [];
            let accepted = 0;
            for (const probe of probes) {
                const check = ((await secretSetProvider.check!({}, byCheck(probe))).failures ?? []).length === 0;
                const rule = byRule(probe);
                const status = await byHttp(emulator, probe);
                const http = status === 202;
                if (check !== rule || check !== http)
                    disagreements.push(`${JSON.stringify(probe)}: check ${check}, emulator rule ${rule}, HTTP ${status}`);
                if (check) accepted++;
            }
            return { disagreements, accepted, refused: probes.length - accepted };
        } finally {
            await emulator.close();
        }
    }

    it("on set names: check, the emulator's rule and its answer to a PUT agree on each name", async () => {
        const names = [
            ...["abc", "a.b", "123", "a".repeat(63), "a-b.c-d", "1.2.3", "a--b", "0-0", "xn--caf-dma", "a.b.c.d.e", `${"a".repeat(61)}.b`],
            ...["ab", "a", "", "a".repeat(64), "a..b", ".ab", "ab.", "-ab", "ab-", "abc.-def", "abc-.def", "a_b", "Abc", "ABC"],
            ...["café", "a b", " abc", "abc\n", "a/b", "a:b", "a@b", "a%b", "a+b"],
        ];
        const result = await verdicts(
            names,
            (name) => withName(name),
            (name) => setNameProblem(name) === undefined,
            async (emulator, name) =>
                (
                    await call(emulator, "PUT", `/secrets/${encodeURIComponent(name)}`, {
                        body: { secrets: [{ secretKey: "A", secretValue: "v" }] },
                    })
                ).status,
        );
        assert.deepEqual(result.disagreements, []);
        assert.ok(result.accepted > 0 && result.refused > 0, "the table must hold names of both verdicts");
    });

    it("on secret keys: check, the emulator's rule and its answer to a PUT agree on each key", async () => {
        const keys = [
            ...["A", "a_b-C9", "K".repeat(64), "-", "_", "1", "__-", "lower", "MiXeD_09"],
            ...["K".repeat(65), "", "A B", " A", "A=B", "A.B", "KÉY", "Ä", "A\n", "A:B", "A/B", "A$B", "A\u0000"],
        ];
        let set = 0;
        const result = await verdicts(
            keys,
            (key) => withSecrets({ [key]: "v" }),
            (key) => isValidSecretKey(key),
            // A fresh set per key, so an accepted key never meets another one.
            async (emulator, key) =>
                (await call(emulator, "PUT", `/secrets/key-probe-${set++}`, { body: { secrets: [{ secretKey: key, secretValue: "v" }] } }))
                    .status,
        );
        assert.deepEqual(result.disagreements, []);
        assert.ok(result.accepted > 0 && result.refused > 0, "the table must hold keys of both verdicts");
    });
});

describe("the largest inputs the provider accepts, over HTTP to the emulator", () => {
    let emulator: Emulator;

    beforeEach(async () => {
        let clock = 1_000_000;
        emulator = await startEmulator({ apiKey: KEY, now: () => clock });
        await secretSetProvider.configure!({
            config: { get: (k: string) => ({ "pipecat:apiKey": KEY, "pipecat:apiUrl": emulator.url })[k], require: () => "" },
        });
        impl.setTestHooks({ sleep: async (ms) => void (clock += ms), now: () => clock, random: () => 0.5 });
    });

    afterEach(async () => {
        impl.setTestHooks({});
        await emulator.close();
    });

    async function createChecked(inputs: Props): Promise<void> {
        const checked = await secretSetProvider.check!({}, inputs);
        assert.deepEqual(checked.failures ?? [], [], "the provider refused it");
        await secretSetProvider.create(checked.inputs);
        const set = emulator.snapshot()[inputs["name"] as string];
        assert.deepEqual(set?.type === "secret" ? set.secrets : undefined, inputs["secrets"]);
        assert.equal(emulator.requestCount({ method: "PUT", status: 202 }), 1);
    }

    it("accepts the most keys, each with the longest key name", async () => {
        const secrets = Object.fromEntries(
            Array.from({ length: LIMITS.keysMax }, (_, i) => [`K${String(i).padStart(LIMITS.keyMax - 1, "0")}`, `v${i}`]),
        );
        await createChecked({ name: "a".repeat(LIMITS.nameMax), secrets });
    });

    it("accepts the largest value, in 1- and 2-byte characters", async () => {
        await createChecked({
            name: "largest-value",
            secrets: { ["K".repeat(LIMITS.keyMax)]: sized(LIMITS.valueMaxBytes), TWO_BYTE: "é".repeat(LIMITS.valueMaxBytes / 2) },
        });
    });

    it("accepts 15 values of 64 KiB, just under the emulator's 1 MiB request limit", async function () {
        this.timeout(20_000);
        const secrets = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`KEY_${i}`, sized(LIMITS.valueMaxBytes)]));
        await createChecked({ name: "near-request-limit", secrets });
    });

    // Was known issue B5 (test/support/KNOWN-ISSUES.md).
    it("never passes check with an input the emulator refuses for its size: 500 keys of 64 characters with 64 KiB values", async function () {
        this.timeout(60_000);
        const value = sized(LIMITS.valueMaxBytes);
        const secrets = Object.fromEntries(
            Array.from({ length: LIMITS.keysMax }, (_, i) => [`K${String(i).padStart(LIMITS.keyMax - 1, "0")}`, value]),
        );
        const inputs = { name: "largest-input", secrets };
        const failures = (await secretSetProvider.check!({}, inputs)).failures ?? [];
        if (failures.length > 0) {
            // Refused up front, naming the field and a size rule: as good as accepted by the API.
            assert.match(failures[0]?.reason ?? "", /^secrets: .*bytes/);
            return;
        }
        await createChecked(inputs);
    });
});
