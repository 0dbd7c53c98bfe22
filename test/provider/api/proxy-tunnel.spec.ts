/**
 * The shared client behind a real proxy (provider/api/transport.ts with proxy.ts), over real sockets.
 *
 * The API is the emulator over TLS, reachable only as `https://api.pipecat.test:PORT/v1`: a made-up name
 * that this machine cannot resolve, but the proxy can (its `hosts`), so a request that arrives proves it
 * went through the proxy. The client runs in a process of its own configured like the provider process:
 * PIPECAT_API_URL, PIPECAT_API_KEY, HTTPS_PROXY / NO_PROXY from its environment, and the test CA in
 * NODE_EXTRA_CA_CERTS, the way a user behind a TLS-inspecting proxy makes Node trust its CA. A wiretap
 * records every byte the proxy receives.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { lookup } from "node:dns/promises";
import * as os from "node:os";
import { type Emulator, startEmulator } from "../../../emulator";
import { type CallOutcome, type ClientCall, ClientProcess, type ClientRun } from "../../support/client-process";
import { type TestProxy, type TestProxyOptions, closedPort, startTestProxy } from "../../support/connect-proxy";
import { makeTestCertificates, type TestCertificates } from "../../support/tls";

const API_HOST = "api.pipecat.test";

/** The content types of the TLS records in `bytes` (5-byte header: type, version, length). */
function tlsRecordTypes(bytes: Buffer): number[] {
    const types: number[] = [];
    for (let at = 0; at + 5 <= bytes.length; at += 5 + bytes.readUInt16BE(at + 3)) types.push(bytes[at] ?? -1);
    return types;
}

function failure(outcome: CallOutcome | undefined): Extract<CallOutcome, { ok: false }> {
    assert.ok(outcome !== undefined && !outcome.ok, `expected a failure, got ${JSON.stringify(outcome)}`);
    return outcome;
}

describe("client behind a proxy (real CONNECT proxy, TLS emulator, client in its own process)", function () {
    this.timeout(60_000);

    const apiKey = `pcs-proxy-key-${randomBytes(8).toString("hex")}`;
    const value = `value-${randomBytes(12).toString("hex")}`;
    // The machine's own name: resolvable here without the proxy, and not loopback as written.
    const directHost = os.hostname().toLowerCase();
    let certs: TestCertificates;
    /** Started with NODE_EXTRA_CA_CERTS naming the test CA, as a user behind a TLS-inspecting proxy would. */
    let client: ClientProcess;
    let emulator: Emulator;
    let proxy: TestProxy | undefined;

    before(function () {
        certs = makeTestCertificates([API_HOST, directHost, "127.0.0.1"]);
        client = new ClientProcess({ NODE_EXTRA_CA_CERTS: certs.caFile });
    });
    after(async () => {
        await client.close();
        certs.cleanup();
    });

    beforeEach(async () => {
        emulator = await startEmulator({ apiKey, tls: { key: certs.key, cert: certs.cert } });
    });
    afterEach(async () => {
        await emulator.close();
        await proxy?.close();
        proxy = undefined;
    });

    const apiUrl = (): string => `https://${API_HOST}:${emulator.port}/v1`;

    async function withProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
        proxy = await startTestProxy({ hosts: { [API_HOST]: "127.0.0.1" }, ...options });
        return proxy;
    }

    function run(
        env: Record<string, string>,
        calls: readonly ClientCall[],
        retries = 0,
        process: ClientProcess = client,
    ): Promise<ClientRun> {
        return process.run({ env: { PIPECAT_API_URL: apiUrl(), PIPECAT_API_KEY: apiKey, ...env }, retries, calls });
    }

    /** Nothing the process printed holds the API key or the secret value. */
    function assertNoLeak(result: ClientRun, ...more: string[]): void {
        for (const secret of [apiKey, value, ...more])
            assert.ok(!result.output.includes(secret), `the output holds a secret: ${result.output}`);
    }

    describe("a set written, read, listed and deleted through HTTPS_PROXY", () => {
        let result: ClientRun;
        let tap: TestProxy;
        beforeEach(async () => {
            // Cheap now that the client process is up: each test gets its own emulator, proxy and run.
            tap = await withProxy();
            result = await run({ HTTPS_PROXY: tap.url }, [
                { op: "putRegular", set: "agent", secrets: { OPENAI_API_KEY: value } },
                { op: "lookup", set: "agent" },
                { op: "list" },
                { op: "deleteSet", set: "agent" },
            ]);
        });

        it("reaches the emulator through the tunnel: every call succeeds and the emulator recorded it", () => {
            assert.deepEqual(
                result.outcomes.map((o) => o.ok),
                [true, true, true, true],
                result.output,
            );
            assert.deepEqual(
                emulator.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
                ["PUT /v1/secrets/agent 202", "GET /v1/secrets/agent 200", "GET /v1/secrets 200", "DELETE /v1/secrets/agent 200"],
            );
            const put = emulator.requests[0]?.body as { secrets?: unknown } | undefined;
            assert.deepEqual(put?.secrets, [{ secretKey: "OPENAI_API_KEY", secretValue: value }]);
            assertNoLeak(result);
        });

        it("asks the proxy for CONNECT to the made-up host only, which the client never resolved", () => {
            assert.ok(tap.connects.length >= 1);
            assert.deepEqual(new Set(tap.connects), new Set([`${API_HOST}:${emulator.port}`]));
        });

        it("never shows the proxy a path, a header, the API key or a body: only CONNECT lines, then TLS", () => {
            const wire = tap.received().toString("latin1");
            for (const secret of [
                apiKey,
                value,
                Buffer.from(value).toString("base64"),
                "Bearer",
                "OPENAI_API_KEY",
                "/v1",
                "/secrets",
                "agent",
            ]) {
                assert.ok(!wire.includes(secret), `the proxy received ${JSON.stringify(secret)}`);
            }
            // Each connection: one CONNECT with nothing but Host and connection headers, then only TLS records.
            const connections = tap.connections();
            assert.equal(connections.length, tap.connects.length);
            for (const bytes of connections) {
                const end = bytes.indexOf("\r\n\r\n");
                assert.ok(end > 0, "a connection without a CONNECT request");
                const [requestLine, ...headers] = bytes.subarray(0, end).toString("latin1").split("\r\n");
                assert.equal(requestLine, `CONNECT ${API_HOST}:${emulator.port} HTTP/1.1`);
                for (const header of headers)
                    assert.match(header, /^(host|proxy-connection|connection):/i, `unexpected header on the CONNECT: ${header}`);
                const rest = bytes.subarray(end + 4);
                assert.equal(rest[0], 0x16, "after the CONNECT, a TLS handshake record"); // TLS record type 22: handshake
                assert.deepEqual(
                    tlsRecordTypes(rest).filter((t) => t !== 0x16 && t !== 0x14 && t !== 0x17 && t !== 0x15),
                    [],
                    "bytes after the CONNECT that are not TLS records",
                );
            }
        });

        it("(control) the wiretap does see what a forwarded plain-HTTP request would carry", async () => {
            const { request } = await import("node:http");
            await new Promise<void>((resolve, reject) => {
                const req = request(
                    {
                        host: "127.0.0.1",
                        port: tap.port,
                        method: "GET",
                        path: "http://127.0.0.1:9/v1/secrets/agent",
                        headers: { Authorization: "Bearer canary-key" },
                    },
                    (res) => {
                        res.resume();
                        res.on("end", resolve);
                    },
                );
                req.on("error", reject);
                req.end();
            });
            const wire = tap.received().toString("latin1");
            assert.ok(
                wire.includes("/v1/secrets/agent") && wire.includes("Bearer canary-key"),
                "the wiretap records nothing: the assertions above would prove nothing",
            );
        });
    });

    it("sends the proxy's credentials on the CONNECT only, and then works through a proxy that requires them", async () => {
        const tap = await withProxy({ credentials: { username: "ci-bot", password: "s3cr3t:pw/1" } });
        const url = new URL(tap.url);
        url.username = "ci-bot";
        url.password = encodeURIComponent("s3cr3t:pw/1");
        const result = await run({ https_proxy: url.toString() }, [{ op: "regions" }]);
        assert.equal(result.outcomes[0]?.ok, true, result.output);
        assert.equal(emulator.requestCount({ route: "GET /regions" }), 1);
        const wire = tap.received().toString("latin1");
        assert.ok(!wire.includes(apiKey) && !wire.includes("/v1/regions"));
        assert.match(wire, /^CONNECT [^\r]+\r\n(?:[^\r]+\r\n)*Proxy-Authorization: Basic /i);
        assertNoLeak(result, "s3cr3t");
    });

    it("goes directly to a host NO_PROXY names: the proxy sees nothing", async function () {
        // The emulator on the address this machine's own name resolves to, reached by that name.
        const { address } = await lookup(directHost, { family: 4 }).catch(() => {
            throw new Error(`this test needs the machine's host name (${directHost}) to resolve (/etc/hosts)`);
        });
        await emulator.close();
        emulator = await startEmulator({ apiKey, host: address, tls: { key: certs.key, cert: certs.cert } });
        const tap = await withProxy();
        const direct = `https://${directHost}:${emulator.port}/v1`;
        // Without NO_PROXY the same URL goes through the proxy: the name is not loopback as written.
        const proxiedRun = await run({ PIPECAT_API_URL: direct, HTTPS_PROXY: tap.url }, [{ op: "list" }]);
        assert.equal(proxiedRun.outcomes[0]?.ok, true, proxiedRun.output);
        assert.deepEqual(tap.connects, [`${directHost}:${emulator.port}`]);
        const seen = tap.received().length;

        const result = await run({ PIPECAT_API_URL: direct, HTTPS_PROXY: tap.url, NO_PROXY: `example.invalid, ${directHost}` }, [
            { op: "list" },
        ]);
        assert.equal(result.outcomes[0]?.ok, true, result.output);
        assert.equal(emulator.requestCount({ route: "GET /secrets" }), 2);
        assert.deepEqual(tap.connects, [`${directHost}:${emulator.port}`], "no CONNECT for the NO_PROXY run");
        assert.equal(tap.received().length, seen, "the proxy received nothing during the NO_PROXY run");
    });

    it("never proxies loopback: the emulator on 127.0.0.1 is reached directly whatever HTTPS_PROXY says", async () => {
        const tap = await withProxy();
        const result = await run({ PIPECAT_API_URL: `https://127.0.0.1:${emulator.port}/v1`, HTTPS_PROXY: tap.url, HTTP_PROXY: tap.url }, [
            { op: "list" },
        ]);
        assert.equal(result.outcomes[0]?.ok, true, result.output);
        assert.equal(tap.received().length, 0);
    });

    it("tunnels through an https:// proxy too (TLS to the proxy, and TLS to the API inside)", async () => {
        const tap = await withProxy({ tls: { key: certs.key, cert: certs.cert } });
        const result = await run({ HTTPS_PROXY: tap.url }, [{ op: "list" }]);
        assert.equal(result.outcomes[0]?.ok, true, result.output);
        assert.deepEqual(tap.connects, [`${API_HOST}:${emulator.port}`]);
        assert.ok(!tap.received().toString("latin1").includes("CONNECT"), "the connection to an https proxy is encrypted");
    });

    it("tells an https:// proxy's own 407 from an answer of the API (both come over TLS from the client's side)", async () => {
        const tap = await withProxy({
            tls: { key: certs.key, cert: certs.cert },
            credentials: { username: "ci-bot", password: "right-password" },
        });
        const result = await run({ HTTPS_PROXY: tap.url }, [{ op: "list" }], 3);
        const f = failure(result.outcomes[0]);
        assert.equal(f.name, "ProxyError");
        assert.equal(f.status, 407);
        assert.equal(tap.connects.length, 1, "a 407 is not retried");
        assert.equal(emulator.requests.length, 0);
    });

    it("fails a 407 with the proxy setting named, credentials hidden, what to do, and no retry", async () => {
        const tap = await withProxy({ credentials: { username: "ci-bot", password: "right-password" } });
        const url = new URL(tap.url);
        url.username = "ci-bot";
        url.password = "wrong-password";
        const result = await run(
            { HTTPS_PROXY: url.toString() },
            [{ op: "putRegular", set: "agent", secrets: { OPENAI_API_KEY: value } }],
            3,
        );
        const f = failure(result.outcomes[0]);
        assert.equal(f.name, "ProxyError");
        assert.equal(f.status, 407);
        assert.equal(f.variable, "HTTPS_PROXY");
        assert.equal(
            f.message,
            `create of secret set "agent" failed: PUT /secrets/agent did not reach Pipecat Cloud: the proxy http://***:***@127.0.0.1:${tap.port} ` +
                `(HTTPS_PROXY) refused to open a tunnel to ${API_HOST}:${emulator.port}: 407 Proxy Authentication Required. The proxy did not accept ` +
                `the credentials in HTTPS_PROXY: check the user name and password there (http://user:password@host:port, special characters percent-encoded).`,
        );
        assert.equal(tap.connects.length, 1, "a 407 is not retried");
        assert.equal(emulator.requests.length, 0);
        assertNoLeak(result, "wrong-password", "right-password");
    });

    it("fails a 407 without credentials by saying how to give them", async () => {
        const tap = await withProxy({ credentials: { username: "ci-bot", password: "right-password" } });
        const result = await run({ https_proxy: tap.url }, [{ op: "list" }]);
        const f = failure(result.outcomes[0]);
        assert.match(
            f.message,
            /\(https_proxy\) refused to open a tunnel to api\.pipecat\.test:\d+: 407 Proxy Authentication Required\. The proxy asks for credentials: put them in https_proxy as http:\/\/user:password@127\.0\.0\.1:\d+/,
        );
        assertNoLeak(result, "right-password");
    });

    it("fails when nothing listens at the proxy, naming the variable and the proxy without its password", async () => {
        const port = await closedPort();
        const result = await run({ HTTPS_PROXY: `http://ci-bot:hunter22@127.0.0.1:${port}` }, [{ op: "list" }], 2);
        const f = failure(result.outcomes[0]);
        assert.equal(f.name, "ProxyError");
        assert.equal(
            f.message.replace(/in \d+\.\d s\)$/, "in N s)"),
            `read of secret set "-" failed: no answer from Pipecat Cloud to GET /secrets through the proxy http://***:***@127.0.0.1:${port} ` +
                `(HTTPS_PROXY) (ECONNREFUSED). The proxy could not be reached: check that HTTPS_PROXY names a running proxy (host and port), ` +
                `or unset it (or add ${API_HOST} to NO_PROXY) if this machine reaches Pipecat Cloud directly. (gave up after 3 attempts in N s)`,
        );
        assertNoLeak(result, "hunter22");
    });

    it("fails on a certificate Node does not trust by naming NODE_EXTRA_CA_CERTS, without retrying", async () => {
        const tap = await withProxy();
        // A process of its own, started without NODE_EXTRA_CA_CERTS: Node's own CAs do not include the test CA.
        const untrusting = new ClientProcess({});
        let result: ClientRun;
        try {
            result = await run({ HTTPS_PROXY: tap.url }, [{ op: "list" }], 3, untrusting);
        } finally {
            await untrusting.close();
        }
        const f = failure(result.outcomes[0]);
        assert.match(
            f.message,
            /^read of secret set "-" failed: no answer from Pipecat Cloud to GET \/secrets through the proxy http:\/\/127\.0\.0\.1:\d+ \(HTTPS_PROXY\) \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)\. The TLS certificate presented for api\.pipecat\.test:\d+ is not trusted/,
        );
        assert.match(f.message, /NODE_EXTRA_CA_CERTS=\/path\/to\/ca\.pem/);
        assert.equal(tap.connects.length, 1, "an untrusted certificate is not retried");
        assert.equal(emulator.requests.length, 0);
        assertNoLeak(result);
    });

    it("fails a proxy variable it cannot use with a configuration error naming it", async () => {
        const result = await run({ HTTPS_PROXY: "socks5://ci-bot:hunter22@127.0.0.1:1080" }, [{ op: "list" }]);
        const f = failure(result.outcomes[0]);
        assert.equal(f.name, "ConfigurationError");
        assert.match(f.message, /^HTTPS_PROXY names a socks5:\/\/ proxy \(socks5:\/\/\*\*\*@127\.0\.0\.1:1080\)/);
        assertNoLeak(result, "hunter22");
    });
});
