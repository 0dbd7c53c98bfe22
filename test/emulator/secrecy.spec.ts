import assert from "node:assert/strict";
import { assertNoLeaks } from "../support/leaks";
import { call, emulatorFixture, imagePullBody, regularBody } from "./support";

const VALUE = "sk-live-0123456789-do-not-leak";
const PULL_VALUE = "dXNlcjpkby1ub3QtbGVhay1wdWxs";

describe("emulator secrecy", () => {
    const start = emulatorFixture();

    it("never puts a secret value in any response body or log line", async () => {
        const lines: string[] = [];
        const emulator = await start({ log: (line) => lines.push(line), limits: { maxValueBytes: 64 } });
        const texts: string[] = [];
        const send = async (method: string, path: string, options: Parameters<typeof call>[3] = {}): Promise<void> => {
            texts.push((await call(emulator, method, path, options)).text);
        };

        await send("PUT", "/secrets/my-set", { body: regularBody({ API_KEY: VALUE }) });
        await send("PUT", "/secrets/my-set", { body: regularBody({ OTHER: VALUE }) });
        await send("GET", "/secrets");
        await send("GET", "/secrets/my-set");
        await send("PUT", "/secrets/my-set", { body: regularBody({ API_KEY: VALUE }, "us-east") });
        await send("PUT", "/secrets/my-set", { body: regularBody({ API_KEY: VALUE.repeat(3) }) });
        await send("PUT", "/secrets/my-set", { body: { secrets: [{ secretKey: VALUE + "!", secretValue: VALUE }] } });
        await send("PUT", "/secrets/my-set", {
            body: {
                secrets: [
                    { secretKey: "A", secretValue: VALUE },
                    { secretKey: "A", secretValue: VALUE },
                ],
            },
        });
        await send("PUT", "/secrets/my-set", { rawBody: `{"secrets":[{"secretKey":"A","secretValue":"${VALUE}"}` });
        await send("PUT", "/secrets/my-set", { rawBody: `${VALUE}` });
        await send("PUT", "/secrets/my-set", { body: { secrets: [{ secretKey: "A", secretValue: VALUE }], region: 5 } });
        await send("PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io", PULL_VALUE) });
        await send("PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io", PULL_VALUE) });
        await send("PUT", "/secrets/registry", { body: regularBody({ A: VALUE }) });
        await send("PUT", "/secrets/my-set", { body: imagePullBody("https://ghcr.io", PULL_VALUE) });
        await send("GET", "/secrets/registry");
        await send("DELETE", "/secrets/registry/secretValue");
        await send("DELETE", "/secrets/my-set/API_KEY");
        await send("DELETE", "/secrets/my-set");
        await send("DELETE", "/secrets/registry");
        await send("PUT", "/secrets/my-set", { body: regularBody({ API_KEY: VALUE }), authorization: `Bearer ${VALUE}` });

        assert.equal(texts.length, 21);
        assert.equal(lines.length, 21);
        // A hit names the response or log line, the secret's label and the offset, never the text.
        assertNoLeaks(
            [
                ...texts.map((text, i) => ({ label: `response #${i}`, text })),
                ...lines.map((text, i) => ({ label: `log line #${i}`, text })),
            ],
            [
                { label: "the value", value: VALUE },
                { label: "the image-pull value", value: PULL_VALUE },
            ],
            "response bodies and log lines",
        );
        // The values did reach the store: the check above is not vacuous.
        assert.ok(emulator.requests.some((r) => JSON.stringify(r.body).includes(VALUE)));
    });

    it("logs one line per request with method, path, status and duration", async () => {
        const lines: string[] = [];
        const emulator = await start({ log: (line) => lines.push(line) });
        await call(emulator, "PUT", "/secrets/my-set", { body: regularBody({ A: "1" }) });
        emulator.injectFault({ route: "GET /secrets", status: 500 });
        await call(emulator, "GET", "/secrets");
        emulator.injectFault({ route: "GET /secrets", drop: true });
        await assert.rejects(call(emulator, "GET", "/secrets"));
        assert.equal(lines.length, 3);
        assert.match(lines[0] ?? "", /^PUT \/v1\/secrets\/my-set 202 \d+ms$/);
        assert.match(lines[1] ?? "", /^GET \/v1\/secrets 500 \d+ms \(injected fault\)$/);
        assert.match(lines[2] ?? "", /^GET \/v1\/secrets dropped \d+ms \(injected fault\)$/);
    });
});
