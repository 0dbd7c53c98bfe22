import assert from "node:assert/strict";
import { request } from "node:https";
import { startEmulator } from "../../emulator";
import { makeTestCertificates, type TestCertificates } from "../support/tls";
import { emulatorFixture } from "./support";

/** GET over https, trusting `ca` (else Node's default CAs); resolves with status and body. */
function get(url: string, apiKey: string, ca: string | undefined): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
        const req = request(url, { ...(ca === undefined ? {} : { ca }), headers: { authorization: `Bearer ${apiKey}` } }, (res) => {
            let text = "";
            res.setEncoding("utf8").on("data", (c: string) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on("error", reject);
        req.end();
    });
}

describe("emulator over TLS (EmulatorOptions.tls)", () => {
    const start = emulatorFixture();
    let certs: TestCertificates;
    before(() => {
        certs = makeTestCertificates(["127.0.0.1", "localhost"]);
    });
    after(() => certs.cleanup());

    it("serves the API over https with the given key and certificate, and records the requests", async () => {
        const emulator = await start({ tls: { key: certs.key, cert: Buffer.from(certs.cert) } });
        assert.match(emulator.url, /^https:\/\/127\.0\.0\.1:\d+\/v1$/);
        const answer = await get(`${emulator.url}/regions`, emulator.apiKey, certs.ca);
        assert.equal(answer.status, 200);
        assert.match(answer.text, /"us-west"/);
        assert.deepEqual(
            emulator.requests.map((r) => [r.method, r.path, r.status]),
            [["GET", "/v1/regions", 200]],
        );
    });

    it("is refused by a client that does not trust its certificate", async () => {
        const emulator = await start({ tls: { key: certs.key, cert: certs.cert } });
        await assert.rejects(get(`${emulator.url}/regions`, emulator.apiKey, undefined), (e: NodeJS.ErrnoException) =>
            /CERT|SELF_SIGNED|UNABLE/.test(e.code ?? ""),
        );
        assert.equal(emulator.requests.length, 0);
    });

    it("refuses a key or certificate that is not PEM with a TypeError naming the option", async () => {
        await assert.rejects(startEmulator({ tls: { key: "", cert: certs.cert } }), {
            name: "TypeError",
            message: /^EmulatorOptions\.tls\.key must be a PEM private key/,
        });
        await assert.rejects(startEmulator({ tls: { key: certs.key, cert: "nope" } }), {
            name: "TypeError",
            message: /^EmulatorOptions\.tls\.cert must be a PEM certificate/,
        });
    });
});
