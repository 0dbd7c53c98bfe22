import assert from "node:assert/strict";
import { call, emulatorFixture, regularBody } from "../support";

describe("emulator.defaultRegion() and emulator.setDefaultRegion()", () => {
    const start = emulatorFixture();

    it("reads the current default region: the option at first, then what a PATCH set", async () => {
        const emulator = await start({ defaultRegion: "us-east" });
        assert.equal(emulator.defaultRegion(), "us-east");
        await call(emulator, "PATCH", "/properties", { body: { defaultRegion: "ap-south" } });
        assert.equal(emulator.defaultRegion(), "ap-south");
        await call(emulator, "PATCH", "/properties", { body: { defaultRegion: "mars" } });
        assert.equal(emulator.defaultRegion(), "ap-south");
    });

    it("changes the default region as the dashboard would: the API shows it, new sets land there, and no request is sent", async () => {
        const emulator = await start();
        await call(emulator, "PUT", "/secrets/before", { body: regularBody({ A: "1" }) });
        emulator.clearRequests();
        emulator.setDefaultRegion("eu-central");
        assert.equal(emulator.requests.length, 0);
        assert.equal(emulator.defaultRegion(), "eu-central");
        assert.deepEqual((await call(emulator, "GET", "/properties")).json, { properties: { defaultRegion: "eu-central" } });
        const schema = (await call(emulator, "GET", "/properties/schema")).json as {
            properties: { defaultRegion: { currentValue: string } };
        };
        assert.equal(schema.properties.defaultRegion.currentValue, "eu-central");
        assert.deepEqual((await call(emulator, "PUT", "/secrets/after", { body: regularBody({ A: "1" }) })).json, {
            status: "OK",
            region: "eu-central",
        });
        assert.equal(emulator.snapshot()["before"]?.region, "us-west");
    });

    it("refuses a region the emulator does not have with a TypeError listing its regions, and changes nothing", async () => {
        const emulator = await start({ regions: ["us-west", "eu-central"] });
        assert.throws(() => emulator.setDefaultRegion("ap-south"), {
            name: "TypeError",
            message: "setDefaultRegion('ap-south'): not one of the emulator's regions (us-west, eu-central)",
        });
        assert.equal(emulator.defaultRegion(), "us-west");
    });
});
