/**
 * Behind a proxy, through the real engine: `pulumi up` and `pulumi destroy` with HTTPS_PROXY (or https_proxy)
 * and NODE_EXTRA_CA_CERTS set only in the environment of `pulumi`. The provider runs in a node process that
 * the engine starts; the variables reach it by inheritance, and its requests reach the TLS emulator at a
 * made-up host (`api.pipecat.test`) that only the proxy resolves. The proxy sees CONNECTs and TLS, never the
 * API key or a value.
 *
 * The last test pins a limit of @pulumi/pulumi that the README warns about (KNOWN-ISSUES K6): its gRPC library
 * reads lower-case https_proxy but not loopback exemptions, so without no_proxy the program's own connection
 * to the engine goes through the proxy.
 */
import * as assert from "node:assert/strict";
import { type Emulator, startEmulator } from "../../emulator";
import { type TestProxy, startTestProxy } from "../support/connect-proxy";
import { makeTestCertificates, type TestCertificates } from "../support/tls";
import { createTempProject, type RunResult, type TempProject } from "../support/engine";

const API_HOST = "api.pipecat.test";
const API_KEY = "pk-e2e-proxy-API-KEY-never-shown-0011";
const VALUES = ["sk-e2e-proxy-value-never-shown-0012", "sk-e2e-proxy-value-never-shown-0013", "sk-e2e-proxy-value-never-shown-0014"];

const program = (value: string): string => `
import { SecretSet } from "pulumi-pipecat-secrets";
export const keys = new SecretSet("agent", { name: "proxied-agent", secrets: { OPENAI_API_KEY: "${value}" } }).keys;
`;

describe("e2e: behind a proxy (HTTPS_PROXY and NODE_EXTRA_CA_CERTS reach the provider process)", function () {
    this.timeout(600_000);

    let certs: TestCertificates;
    let emulator: Emulator;
    let proxy: TestProxy;
    let project: TempProject;

    before(async () => {
        certs = makeTestCertificates([API_HOST]);
        emulator = await startEmulator({ apiKey: API_KEY, tls: { key: certs.key, cert: certs.cert } });
        proxy = await startTestProxy({ hosts: { [API_HOST]: "127.0.0.1" } });
        project = createTempProject({ name: "proxy-e2e", programTs: program(VALUES[0] ?? "") });
        await project.initStack("e2e");
        await project.setConfig("pipecat:apiKey", API_KEY, { secret: true });
        await project.setConfig("pipecat:apiUrl", `https://${API_HOST}:${emulator.port}/v1`);
    });
    after(async () => {
        project?.cleanup();
        await proxy?.close();
        await emulator?.close();
        certs?.cleanup();
    });

    const pulumi = (args: string[], env: Record<string, string>): Promise<RunResult> =>
        project.run([...args, "--yes", "--skip-preview", "--non-interactive"], { env: { NODE_EXTRA_CA_CERTS: certs.caFile, ...env } });

    /** Runs `step`, then checks what the proxy got meanwhile: only CONNECTs to the API, neither key nor value, and what pulumi printed. */
    async function throughProxyOnly(step: () => Promise<RunResult>): Promise<RunResult> {
        const connectsBefore = proxy.connects.length;
        const connectionsBefore = proxy.connections().length;
        const result = await step();
        const connects = proxy.connects.slice(connectsBefore);
        assert.ok(connects.length >= 1, "no request went through the proxy");
        assert.deepEqual(new Set(connects), new Set([`${API_HOST}:${emulator.port}`]));
        const wire = Buffer.concat(proxy.connections().slice(connectionsBefore)).toString("latin1");
        for (const secret of [API_KEY, ...VALUES, "/v1/secrets"]) assert.ok(!wire.includes(secret), `the proxy received ${secret}`);
        for (const secret of [API_KEY, ...VALUES])
            assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), "pulumi printed a secret");
        return result;
    }

    it("creates the set with `pulumi up` through HTTPS_PROXY: the emulator got it, the proxy only CONNECTs to the API's host", async () => {
        const up = await throughProxyOnly(() => pulumi(["up"], { HTTPS_PROXY: proxy.url }));
        assert.match(up.stdout, /\+ 2 created/, up.stdout);
        const set = emulator.snapshot()["proxied-agent"];
        assert.deepEqual(set?.type === "secret" ? set.secrets : undefined, { OPENAI_API_KEY: VALUES[0] });
    });

    it("updates it through https_proxy (lower case), with no_proxy=localhost,127.0.0.1 as the README says", async () => {
        project.writeFile("index.ts", program(VALUES[1] ?? ""));
        const up = await throughProxyOnly(() => pulumi(["up"], { https_proxy: proxy.url, no_proxy: "localhost,127.0.0.1" }));
        assert.match(up.stdout, /~ 1 updated/, up.stdout);
        const set = emulator.snapshot()["proxied-agent"];
        assert.deepEqual(set?.type === "secret" ? set.secrets : undefined, { OPENAI_API_KEY: VALUES[1] });
    });

    it("destroys it through HTTPS_PROXY", async () => {
        const destroy = await throughProxyOnly(() => pulumi(["destroy"], { HTTPS_PROXY: proxy.url }));
        assert.match(destroy.stdout, /- 2 deleted/, destroy.stdout);
        assert.equal(emulator.snapshot()["proxied-agent"], undefined);
    });

    it("(K6, @pulumi/pulumi) with https_proxy and no no_proxy, the program's gRPC to the engine on 127.0.0.1 goes through the proxy", async () => {
        // If this starts failing, @pulumi/pulumi (@grpc/grpc-js) stopped proxying loopback: update README and KNOWN-ISSUES K6.
        project.writeFile("index.ts", program(VALUES[2] ?? ""));
        const before = proxy.connects.length;
        await pulumi(["up"], { https_proxy: proxy.url });
        const loopback = proxy.connects.slice(before).filter((c) => c.startsWith("127.0.0.1:"));
        assert.ok(loopback.length >= 1, `expected CONNECTs to 127.0.0.1 (the engine), got ${JSON.stringify(proxy.connects.slice(before))}`);
        await pulumi(["destroy"], { HTTPS_PROXY: proxy.url });
    });
});
