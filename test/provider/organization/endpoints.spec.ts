/**
 * The organisation's endpoints against the emulator over real HTTP: the properties schema, the PATCH of the default
 * region (and the method it travels with), and the API's 400s as the provider tells them, with their advice.
 */
import * as assert from "node:assert/strict";
import { type Emulator, startEmulator } from "../../../emulator";
import { Transport } from "../../../provider/api/transport";
import { isPipecatApiError } from "../../../provider/errors";
import { defaultRegion, defaultRegionSchema, organizationCall, setDefaultRegion } from "../../../provider/organization/endpoints";
import { assertNoLeaks, errorHaystack } from "../../support/leaks";
import { requestLines } from "../../support/stack";

const KEY = "pk-org-endpoints-API-KEY-never-shown-0001";

describe("organization endpoints", () => {
    let emulator: Emulator;
    let client: Transport;
    const errors: ReturnType<typeof errorHaystack>[] = [];

    beforeEach(async () => {
        emulator = await startEmulator({ apiKey: KEY, regions: ["us-west", "eu-central"] });
        client = new Transport({ apiUrl: emulator.url, apiKey: KEY, timeoutMs: 5_000, retry: { retries: 0 } });
    });
    afterEach(() => emulator.close());
    after(() => assertNoLeaks(errors, [KEY]));

    async function failure(op: Promise<unknown>): Promise<Error> {
        const e = await op.then(
            () => assert.fail("expected a failure"),
            (x: unknown) => x as Error,
        );
        errors.push(errorHaystack(`failure #${errors.length}`, e));
        return e;
    }

    it("reads the default region's schema: its value now, its default and the regions it may take", async () => {
        assert.deepEqual(await defaultRegionSchema(client, organizationCall("region check")), {
            currentValue: "us-west",
            default: "us-west",
            availableValues: ["us-west", "eu-central"],
        });
        assert.deepEqual(requestLines(emulator), ["GET /properties/schema 200"]);
    });

    it("writes the default region with PATCH (not PUT), and answers with the schema holding the new value", async () => {
        const answer = await setDefaultRegion(client, organizationCall("create"), "eu-central");
        assert.equal(answer.currentValue, "eu-central");
        assert.deepEqual(answer.availableValues, ["us-west", "eu-central"]);
        assert.equal(await defaultRegion(client, organizationCall("read")), "eu-central");
        assert.deepEqual(requestLines(emulator), ["PATCH /properties 200", "GET /properties 200"]);
        assert.deepEqual(emulator.requests[0]?.body, { defaultRegion: "eu-central" });
    });

    it("tells a region the organisation cannot use in the API's words, with what to do", async () => {
        const e = await failure(setDefaultRegion(client, organizationCall("update"), "ap-south"));
        assert.ok(isPipecatApiError(e));
        assert.equal(e.status, 400);
        assert.equal(e.method, "PATCH");
        assert.equal(
            e.message,
            "update of the organisation's settings failed: Pipecat Cloud answered PATCH /properties with 400 GENERIC_BAD_REQUEST: " +
                "\"Region 'ap-south' is not available. Available regions: us-west, eu-central\". " +
                "Declare one of the regions the API lists as the OrganizationSettings' defaultRegion, then run `pulumi up` again.",
        );
    });

    it("says that a 404 there means a wrong API URL", async () => {
        const wrong = new Transport({
            apiUrl: `${emulator.url.replace(/\/v1$/, "")}/v2`,
            apiKey: KEY,
            timeoutMs: 5_000,
            retry: { retries: 0 },
        });
        const e = await failure(defaultRegionSchema(wrong, organizationCall("region check")));
        assert.match(
            e.message,
            /organisation properties are never missing, so the API URL may be wrong: pipecat:apiUrl \(or PIPECAT_API_URL\) is http:\/\/.*\/v2/,
        );
    });

    it("words a refused key for the organisation's settings", async () => {
        const other = new Transport({
            apiUrl: emulator.url,
            apiKey: "pk-org-endpoints-WRONG-never-shown-0002",
            timeoutMs: 5_000,
            retry: { retries: 0 },
        });
        const e = await failure(setDefaultRegion(other, organizationCall("create"), "eu-central"));
        assert.match(e.message, /with 401.*The API key was refused: set a valid Private API key/);
    });
});
