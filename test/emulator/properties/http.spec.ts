import assert from "node:assert/strict";
import { type Answer, call, emulatorFixture } from "../support";

const REGIONS = ["us-west", "us-east", "eu-central", "ap-south"];

/** The schema map `PATCH /properties` and `GET /properties/schema` answer, with `currentValue` and the regions. */
function schemaMap(currentValue: string, availableValues: readonly string[] = REGIONS): unknown {
    return {
        properties: {
            defaultRegion: {
                description: "Default region for new service deployments",
                type: "string",
                readOnly: false,
                currentValue,
                default: "us-west",
                availableValues,
            },
        },
    };
}

/** The 400 `GENERIC_BAD_REQUEST` with `error`. */
function badRequest(error: string): { status: number; json: unknown } {
    return { status: 400, json: { error, code: "GENERIC_BAD_REQUEST" } };
}

function errorOf(answer: Answer): { status: number; json: unknown } {
    return { status: answer.status, json: answer.json };
}

describe("emulator /properties", () => {
    const start = emulatorFixture();

    describe("GET /properties", () => {
        it("answers the organisation's default region, us-west unless the defaultRegion option says otherwise", async () => {
            const plain = await start();
            const answer = await call(plain, "GET", "/properties");
            assert.equal(answer.status, 200);
            assert.deepEqual(answer.json, { properties: { defaultRegion: "us-west" } });
            const configured = await start({ defaultRegion: "eu-central" });
            assert.deepEqual((await call(configured, "GET", "/properties")).json, { properties: { defaultRegion: "eu-central" } });
        });
    });

    describe("GET /properties/schema", () => {
        it("describes defaultRegion with its current value, the docs' default and the regions in their order", async () => {
            const emulator = await start();
            const answer = await call(emulator, "GET", "/properties/schema");
            assert.equal(answer.status, 200);
            assert.deepEqual(answer.json, schemaMap("us-west"));
        });

        it("lists the configured regions as availableValues, and keeps us-west as the default even when it is not one", async () => {
            const emulator = await start({ regions: ["ap-south", "eu-central"], defaultRegion: "eu-central" });
            assert.deepEqual((await call(emulator, "GET", "/properties/schema")).json, schemaMap("eu-central", ["ap-south", "eu-central"]));
        });
    });

    describe("PATCH /properties", () => {
        it("changes the default region and answers 200 with the whole schema map", async () => {
            const emulator = await start();
            const answer = await call(emulator, "PATCH", "/properties", { body: { defaultRegion: "eu-central" } });
            assert.equal(answer.status, 200);
            assert.deepEqual(answer.json, schemaMap("eu-central"));
            assert.deepEqual((await call(emulator, "GET", "/properties")).json, { properties: { defaultRegion: "eu-central" } });
            assert.deepEqual((await call(emulator, "GET", "/properties/schema")).json, schemaMap("eu-central"));
        });

        it("accepts the current value again (200, nothing changes)", async () => {
            const emulator = await start();
            const answer = await call(emulator, "PATCH", "/properties", { body: { defaultRegion: "us-west" } });
            assert.equal(answer.status, 200);
            assert.deepEqual(answer.json, schemaMap("us-west"));
        });

        it("refuses an unknown property by name, even next to a valid one, and changes nothing", async () => {
            const emulator = await start();
            assert.deepEqual(
                errorOf(await call(emulator, "PATCH", "/properties", { body: { defaultRegion: "eu-central", region: "us-east" } })),
                badRequest("Property 'region' is not a valid property"),
            );
            assert.deepEqual(
                errorOf(await call(emulator, "PATCH", "/properties", { body: { nodeType: "arm", agentProfile: "agent-2x" } })),
                badRequest("Property 'nodeType' is not a valid property"),
            );
            assert.deepEqual((await call(emulator, "GET", "/properties")).json, { properties: { defaultRegion: "us-west" } });
        });

        it("refuses a region the organisation does not have, listing the available ones in the order of regions", async () => {
            const emulator = await start({ regions: ["us-east", "us-west", "ap-south"] });
            assert.deepEqual(
                errorOf(await call(emulator, "PATCH", "/properties", { body: { defaultRegion: "eu-central" } })),
                badRequest("Region 'eu-central' is not available. Available regions: us-east, us-west, ap-south"),
            );
            assert.deepEqual(
                errorOf(await call(emulator, "PATCH", "/properties", { body: { defaultRegion: "US-WEST" } })),
                badRequest("Region 'US-WEST' is not available. Available regions: us-east, us-west, ap-south"),
            );
            assert.deepEqual((await call(emulator, "GET", "/properties")).json, { properties: { defaultRegion: "us-west" } });
        });

        it("refuses a defaultRegion that is not a string with the same message, the value as JSON", async () => {
            const emulator = await start();
            const available = "Available regions: us-west, us-east, eu-central, ap-south";
            for (const [value, shown] of [
                [42, "42"],
                [null, "null"],
                [true, "true"],
                [["eu-central"], '["eu-central"]'],
                ["", ""],
            ] as const) {
                assert.deepEqual(
                    errorOf(await call(emulator, "PATCH", "/properties", { body: { defaultRegion: value } })),
                    badRequest(`Region '${shown}' is not available. ${available}`),
                    `defaultRegion: ${JSON.stringify(value)}`,
                );
            }
            assert.deepEqual((await call(emulator, "GET", "/properties")).json, { properties: { defaultRegion: "us-west" } });
        });

        it("answers No properties provided to an empty object and to an empty body", async () => {
            const emulator = await start();
            assert.deepEqual(errorOf(await call(emulator, "PATCH", "/properties", { body: {} })), badRequest("No properties provided"));
            assert.deepEqual(errorOf(await call(emulator, "PATCH", "/properties")), badRequest("No properties provided"));
        });

        it("refuses malformed JSON and a body that is not an object, without echoing it", async () => {
            const emulator = await start();
            assert.deepEqual(
                errorOf(await call(emulator, "PATCH", "/properties", { rawBody: '{"defaultRegion": eu-central' })),
                badRequest("Invalid request format: body is not valid JSON"),
            );
            for (const body of [["defaultRegion"], "eu-central", null]) {
                assert.deepEqual(
                    errorOf(await call(emulator, "PATCH", "/properties", { rawBody: JSON.stringify(body) })),
                    badRequest("Invalid request format: body must be a JSON object"),
                );
            }
        });

        it("checks the properties' names before the region", async () => {
            const emulator = await start();
            assert.deepEqual(
                errorOf(await call(emulator, "PATCH", "/properties", { body: { defaultRegion: "mars", colour: "blue" } })),
                badRequest("Property 'colour' is not a valid property"),
            );
        });
    });

    describe("routing and authentication", () => {
        const misses: [string, string][] = [
            ["PUT", "/properties"],
            ["POST", "/properties"],
            ["DELETE", "/properties"],
            ["PATCH", "/properties/schema"],
            ["PUT", "/properties/schema"],
            ["GET", "/properties/defaultRegion"],
            ["GET", "/properties/schema/x"],
            ["GET", "/properties/"],
        ];
        for (const [method, path] of misses) {
            it(`answers 404 Route not found to ${method} ${path}, as to any other wrong method or path`, async () => {
                const emulator = await start();
                const body = method === "GET" ? undefined : { defaultRegion: "eu-central" };
                const answer = await call(emulator, method, path, { body });
                assert.deepEqual(errorOf(answer), {
                    status: 404,
                    json: { error: `Route not found: ${method} /v1${path}`, code: "NOT_FOUND" },
                });
                assert.deepEqual((await call(emulator, "GET", "/properties")).json, { properties: { defaultRegion: "us-west" } });
            });
        }

        for (const [method, path] of [
            ["GET", "/properties"],
            ["PATCH", "/properties"],
            ["GET", "/properties/schema"],
        ] as const) {
            it(`answers 401 to ${method} ${path} without a valid key, and records the route`, async () => {
                const emulator = await start();
                const body = method === "PATCH" ? { defaultRegion: "eu-central" } : undefined;
                for (const authorization of [null, "Bearer wrong"]) {
                    assert.deepEqual(errorOf(await call(emulator, method, path, { authorization, body })), {
                        status: 401,
                        json: { error: "Unauthorized", code: "UNAUTHORIZED" },
                    });
                }
                assert.deepEqual((await call(emulator, "GET", "/properties")).json, { properties: { defaultRegion: "us-west" } });
                assert.equal((await call(emulator, method, path, { body })).status, 200);
                assert.deepEqual(
                    emulator.requests.map((r) => [r.route, r.status]),
                    [
                        [undefined, 401],
                        [undefined, 401],
                        ["GET /properties", 200],
                        [`${method} ${path}`, 200],
                    ],
                );
            });
        }
    });
});
