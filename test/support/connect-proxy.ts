/**
 * A real HTTP proxy for tests (the `proxy` package by TooTallNate, which answers CONNECT and plain
 * forwarded requests), behind a wiretap that records every byte the proxy receives from its clients.
 *
 * The proxy, not the client, resolves host names: `hosts` maps made-up names (`api.pipecat.test`) to
 * the local addresses it connects to instead, as a corporate proxy resolves names the runner cannot.
 */
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import type { AddressInfo } from "node:net";

/** The part of the `proxy` package used here (ESM only: its types are not reachable with this repository's moduleResolution). */
interface ProxyServer extends http.Server {
    authenticate?: (req: http.IncomingMessage) => boolean | Promise<boolean>;
}
const { createProxy } = require("proxy") as { createProxy(server?: http.Server | https.Server): ProxyServer };

export interface TestProxyOptions {
    /** Host name → address the proxy connects to instead (the proxy's own name resolution). */
    readonly hosts?: Readonly<Record<string, string>>;
    /** Require these Basic credentials (`Proxy-Authorization`), else answer 407. */
    readonly credentials?: { readonly username: string; readonly password: string };
    /** Speak TLS to clients (an `https://` proxy) with this key and certificate. */
    readonly tls?: { readonly key: string; readonly cert: string };
}

export interface TestProxy {
    /** `http://127.0.0.1:PORT` (or https): the wiretap in front of the proxy, for HTTPS_PROXY. */
    readonly url: string;
    readonly port: number;
    /** The target of every CONNECT the proxy got, as requested (`api.pipecat.test:443`), oldest first. */
    readonly connects: readonly string[];
    /** Every byte the proxy received from its clients, all connections in order of arrival. */
    received(): Buffer;
    /** The same bytes, one buffer per client connection, in order of connection. */
    connections(): Buffer[];
    close(): Promise<void>;
}

export async function startTestProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
    const connects: string[] = [];
    const perConnection: Buffer[][] = [];
    const base = options.tls === undefined ? http.createServer() : https.createServer({ key: options.tls.key, cert: options.tls.cert });
    // Before the package's own listener, so the CONNECT is recorded as sent and then pointed at the local address.
    base.prependListener("connect", (req: http.IncomingMessage) => {
        const requested = req.url ?? "";
        connects.push(requested);
        const colon = requested.lastIndexOf(":");
        const mapped = options.hosts?.[requested.slice(0, colon).replace(/^\[|\]$/g, "")];
        if (mapped !== undefined) req.url = `${mapped}${requested.slice(colon)}`;
    });
    const proxy = createProxy(base);
    const credentials = options.credentials;
    if (credentials !== undefined) {
        const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
        proxy.authenticate = (req) => req.headers["proxy-authorization"] === expected;
    }
    await listen(proxy);

    // The wiretap: a plain TCP relay, so that what is recorded is exactly what crossed the wire to the proxy.
    const sockets = new Set<net.Socket>();
    const tap = net.createServer((client) => {
        const upstream = net.connect((proxy.address() as AddressInfo).port, "127.0.0.1");
        for (const s of [client, upstream]) {
            sockets.add(s);
            s.on("close", () => sockets.delete(s));
            s.on("error", () => {
                client.destroy();
                upstream.destroy();
            });
        }
        const chunks: Buffer[] = [];
        perConnection.push(chunks);
        client.on("data", (chunk: Buffer) => chunks.push(chunk));
        client.pipe(upstream);
        upstream.pipe(client);
    });
    await listen(tap);
    const port = (tap.address() as AddressInfo).port;

    return {
        url: `${options.tls === undefined ? "http" : "https"}://127.0.0.1:${port}`,
        port,
        get connects() {
            return [...connects];
        },
        received: () => Buffer.concat(perConnection.flat()),
        connections: () => perConnection.map((chunks) => Buffer.concat(chunks)),
        close: async () => {
            for (const s of sockets) s.destroy();
            await Promise.all([close(tap), close(proxy)]);
        },
    };
}

function listen(server: net.Server): Promise<void> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
}

function close(server: net.Server): Promise<void> {
    if ("closeAllConnections" in server && typeof server.closeAllConnections === "function") server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export async function closedPort(): Promise<number> {
    const server = net.createServer();
    await listen(server);
    const port = (server.address() as AddressInfo).port;
    await close(server);
    return port;
}
