/**
 * Requests slower than the per-request timeout, through the provider methods against the emulator over HTTP.
 *
 * Real time is the point here: the client's per-request timeout is axios's own timer, which no hook replaces, so
 * each timed-out attempt costs 0.1 s of real time. Everything else is controlled: backoff and readiness run on a
 * fake clock, and the emulator holds each slow request until the test releases it (EmulatorOptions.sleep), so the
 * order "client gave up, then the server applied the request" is certain, not a race. Only the last case uses the
 * emulator's real delay, to cover its default sleep.
 *
 * The first case documents known limit L1 (test/support/KNOWN-ISSUES.md) as behaviour: what the user is told after
 * a create whose PUT timed out, and what a late PUT leaves behind.
 */
import * as assert from "node:assert/strict";
import type { Emulator } from "../../emulator";
import { secretSetProvider } from "../../provider";
import { DEFAULT_RETRY } from "../../provider/api/transport";
import { HeldRequests, until } from "../support/held-requests";
import { ProviderMethods } from "../support/provider";

type Props = Record<string, unknown>;

const KEY = "pk-e2e-timeouts-API-KEY-never-shown-0001";
const V1 = "sk-e2e-timeouts-VALUE-one-never-shown-1111";
const V2 = "sk-e2e-timeouts-VALUE-two-never-shown-2222";
const NAME = "voice-agent";
const regular = { name: NAME, secrets: { OPENAI_API_KEY: V1, DAILY_API_KEY: V2 } };
const ATTEMPTS = DEFAULT_RETRY.retries + 1;

describe("e2e: requests slower than the per-request timeout (real time)", () => {
    const m = new ProviderMethods({ provider: secretSetProvider, apiKey: KEY, config: { "pipecat:requestTimeoutSeconds": "0.1" } });
    let held = new HeldRequests();

    async function create(inputs: Props): Promise<Props> {
        const checked = await secretSetProvider.check!({}, inputs);
        assert.deepEqual(checked.failures ?? [], []);
        return (await secretSetProvider.create(checked.inputs)).outs as Props;
    }

    function secretsOf(e: Emulator, name: string): Record<string, string> | undefined {
        const set = e.snapshot()[name];
        return set?.type === "secret" ? set.secrets : undefined;
    }

    beforeEach(() => {
        held = new HeldRequests();
    });

    afterEach(async () => {
        held.releaseAll();
        await m.close();
    });

    after(() => m.assertNoLeaks([KEY, V1, V2], "errors of timed-out operations"));

    it("L1: a create whose PUT timed out is rolled back and says a late PUT may re-create the set; that set is then refused until adopt: true", async () => {
        const e = await m.setup({ sleep: held.sleep });
        // Every PUT is held past the client's timeout; the server applies it when released (a slow server).
        e.injectFault({ route: "PUT /secrets/:name", delayMs: 1, times: Infinity });

        // What the user sees.
        const error = await m.failure(create(regular), "create whose PUT timed out");
        assert.match(
            error.message,
            /^create of secret set "voice-agent" failed: no answer from Pipecat Cloud to PUT \/secrets\/voice-agent \(timed out\)/,
        );
        assert.match(error.message, new RegExp(`gave up after ${ATTEMPTS} attempts`));
        // The rollback's DELETE came before any held PUT was applied: it found nothing, and says so.
        assert.match(error.message, /Nothing was left behind in Pipecat Cloud\./);
        assert.match(error.message, /A request that timed out may still re-create the set later/);
        assert.match(error.message, /set `adopt: true` to take it over/);
        // The rollback ran while the PUTs were still held: the server has no set now.
        assert.equal(held.held, ATTEMPTS);
        assert.equal(e.requestCount({ method: "DELETE", path: `/v1/secrets/${NAME}` }), 1);
        assert.deepEqual(e.snapshot(), {});

        // What is left behind: the server applies the late PUTs after the rollback.
        held.releaseAll();
        await until(() => e.requestCount({ method: "PUT" }) === ATTEMPTS, "the held PUTs to land");
        assert.deepEqual(secretsOf(e, NAME), regular.secrets);

        // The next `pulumi up` creates again: it refuses the set it cannot tell from a stranger's ...
        e.clearFaults();
        e.clearRequests();
        const refused = await m.failure(create(regular), "create after the late PUT");
        assert.match(
            refused.message,
            /^Secret set "voice-agent" already exists in Pipecat Cloud, so it was not created .*set `adopt: true` on the SecretSet/,
        );
        assert.equal(e.requestCount({ method: "PUT" }), 0, "the refusal wrote nothing");
        assert.equal(e.requestCount({ method: "DELETE" }), 0, "the refusal deleted nothing");
        // ... and `adopt: true` takes it over.
        const outs = await create({ ...regular, adopt: true });
        assert.deepEqual(outs["keys"], Object.keys(regular.secrets).sort());
        assert.deepEqual(secretsOf(e, NAME), regular.secrets);
    });

    it("retries a create PUT that timed out once; the late PUT landing afterwards leaves exactly the declared values", async () => {
        const e = await m.setup({ sleep: held.sleep });
        e.injectFault({ route: "PUT /secrets/:name", delayMs: 1, times: 1 });
        const outs = await create(regular);
        assert.deepEqual(outs["keys"], Object.keys(regular.secrets).sort());
        assert.equal(held.held, 1, "the first PUT is still held");
        assert.deepEqual(secretsOf(e, NAME), regular.secrets);
        held.releaseAll();
        await until(() => e.requestCount({ method: "PUT" }) === 2, "the held PUT to land");
        assert.deepEqual(secretsOf(e, NAME), regular.secrets);
    });

    it("fails a read whose GET times out for good, naming the step, after the bounded attempts (the emulator's real delay)", async () => {
        const e = await m.setup();
        const olds = await create(regular);
        e.clearRequests();
        // Held 10 s of real time by the emulator's default sleep; close() in teardown drops them.
        e.injectFault({ route: "GET /secrets/:name", delayMs: 10_000, times: Infinity });
        const error = await m.failure(secretSetProvider.read!(NAME, olds), "read whose GET timed out");
        assert.match(
            error.message,
            /^read of secret set "voice-agent" failed: no answer from Pipecat Cloud to GET \/secrets\/voice-agent \(timed out\)/,
        );
        assert.match(error.message, new RegExp(`gave up after ${ATTEMPTS} attempts`));
        assert.equal(e.requestCount(), 0, "no GET was answered: every attempt timed out while held");
    });
});
