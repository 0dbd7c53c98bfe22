/**
 * Which proxy, if any, carries the provider's requests to a URL: the one place that decides, from the
 * variables every tool reads (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, upper or lower case). Pure: the
 * environment is passed in, nothing is resolved or connected here. The transport (`transport.ts`) acts on the
 * decision and quotes it in its messages, with the advice below.
 *
 * The rules are the Pulumi CLI's (Go's net/http), the program that starts the provider process:
 * - an https URL uses `HTTPS_PROXY`, an http URL `HTTP_PROXY`; neither falls back to the other;
 * - the upper-case name wins when both cases are set; an empty value counts as unset;
 * - a value without a scheme is an `http://` proxy; the port defaults to 80 (`http://`) or 443 (`https://`);
 * - loopback (`localhost`, 127.0.0.0/8, `::1`) is never proxied, whatever the variables say;
 * - `NO_PROXY` is a comma-separated list: `*` (everything), a host or domain (`example.com` and `.example.com`
 *   both match example.com and every name under it; `*.example.com` too), an IP address, a CIDR range
 *   (`10.0.0.0/8`), each optionally with `:port` (`[::1]:8443` for IPv6). Matching is on the URL's host as
 *   written, never on what it resolves to. Go alone does not let `.example.com` match example.com itself;
 *   curl, Python and Node's proxy-from-env do, and so does this.
 *
 * Unlike Go, a proxy variable that cannot be used is an error that names it, not silently no proxy.
 */
import { BlockList, isIP } from "node:net";
import { ConfigurationError } from "../errors";

/** The proxy variables: `HTTPS_PROXY` then `https_proxy` for https URLs, `HTTP_PROXY` then `http_proxy` for http. */
export type ProxyVariable = "HTTPS_PROXY" | "https_proxy" | "HTTP_PROXY" | "http_proxy";
/** The list of hosts that go directly, read in this order. */
export type NoProxyVariable = "NO_PROXY" | "no_proxy";

/** Where the variables come from (`process.env` in the provider process). */
export type ProxyEnvironment = Readonly<Record<string, string | undefined>>;

/** A proxy server, parsed from a proxy variable. */
export interface ProxyServer {
    /** How the client talks to the proxy itself; requests to https URLs are tunnelled inside either way. */
    readonly protocol: "http:" | "https:";
    /** Host name or IP address, IPv6 without brackets. */
    readonly hostname: string;
    readonly port: number;
    /** Basic credentials for the proxy (`Proxy-Authorization` on the CONNECT only), percent-decoded. */
    readonly username: string | undefined;
    readonly password: string | undefined;
    /** The proxy's URL for messages, credentials hidden: `http://***:***@proxy.example:3128`. */
    readonly display: string;
}

/** How requests to one URL travel. `target` is the `host:port` they are for. */
export type Route =
    | { readonly kind: "proxy"; readonly target: string; readonly variable: ProxyVariable; readonly proxy: ProxyServer }
    | { readonly kind: "direct"; readonly target: string; readonly reason: "loopback" }
    | {
          readonly kind: "direct";
          readonly target: string;
          readonly reason: "no-proxy";
          readonly variable: NoProxyVariable;
          /** The NO_PROXY entry that matched, as written. */
          readonly entry: string;
          /** The proxy variable that would have applied. */
          readonly bypassed: ProxyVariable;
      }
    | {
          readonly kind: "direct";
          readonly target: string;
          readonly reason: "unset";
          /** The other scheme's variable, when only that one is set (HTTP_PROXY for an https URL). */
          readonly otherScheme: ProxyVariable | undefined;
      };

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Whether a URL's `hostname` is this machine: never proxied, and the only place plain http may go. */
export function isLoopbackHost(hostname: string): boolean {
    return LOOPBACK.test(hostname);
}

/** The first set variable of `names` (an empty value counts as unset, as in Go). */
function lookup<N extends string>(env: ProxyEnvironment, names: readonly N[]): { readonly name: N; readonly value: string } | undefined {
    for (const name of names) {
        const value = env[name];
        if (value !== undefined && value.trim() !== "") return { name, value: value.trim() };
    }
    return undefined;
}

const HTTPS_NAMES = ["HTTPS_PROXY", "https_proxy"] as const;
const HTTP_NAMES = ["HTTP_PROXY", "http_proxy"] as const;
const NO_PROXY_NAMES = ["NO_PROXY", "no_proxy"] as const;

/**
 * How requests to `url` travel. Throws a `ConfigurationError` naming the variable when the proxy that
 * applies cannot be used (not a URL, or a scheme other than http and https).
 */
export function routeFor(url: URL, env: ProxyEnvironment): Route {
    const hostname = bare(url.hostname);
    const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
    const target = `${url.hostname}:${port}`;
    if (isLoopbackHost(url.hostname)) return { kind: "direct", target, reason: "loopback" };
    const secure = url.protocol === "https:";
    const chosen = lookup(env, secure ? HTTPS_NAMES : HTTP_NAMES);
    if (chosen === undefined) {
        return { kind: "direct", target, reason: "unset", otherScheme: lookup(env, secure ? HTTP_NAMES : HTTPS_NAMES)?.name };
    }
    const noProxy = lookup(env, NO_PROXY_NAMES);
    const entry = noProxy === undefined ? undefined : noProxyMatch(noProxy.value, hostname, port);
    if (noProxy !== undefined && entry !== undefined) {
        return { kind: "direct", target, reason: "no-proxy", variable: noProxy.name, entry, bypassed: chosen.name };
    }
    return { kind: "proxy", target, variable: chosen.name, proxy: parseProxy(chosen.value, chosen.name, url.hostname) };
}

/** Parses a proxy variable's value; a value without a scheme is an http proxy, as in Go and curl. */
export function parseProxy(raw: string, variable: ProxyVariable, apiHost: string): ProxyServer {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
    let url: URL;
    try {
        url = new URL(withScheme);
    } catch {
        throw new ConfigurationError(
            `${variable} is not a proxy URL the provider can use (${hideCredentials(raw)}): write it as http://host:port, or ` +
                `http://user:password@host:port with special characters of the password percent-encoded; or unset it.`,
        );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new ConfigurationError(
            `${variable} names a ${url.protocol}// proxy (${hideCredentials(raw)}), and the provider speaks only to HTTP proxies ` +
                `(http:// or https://), through which it opens a CONNECT tunnel: set ${variable} to your HTTP proxy, or add ` +
                `${apiHost} to NO_PROXY if this machine reaches it directly.`,
        );
    }
    if (url.hostname === "") {
        throw new ConfigurationError(`${variable} names no proxy host (${hideCredentials(raw)}): write it as http://host:port.`);
    }
    const protocol = url.protocol;
    const port = url.port !== "" ? Number(url.port) : protocol === "https:" ? 443 : 80;
    const username = url.username !== "" ? decode(url.username) : undefined;
    const password = url.password !== "" ? decode(url.password) : undefined;
    const credentials =
        username !== undefined && password !== undefined ? "***:***@" : username !== undefined || password !== undefined ? "***@" : "";
    return {
        protocol,
        hostname: bare(url.hostname),
        port,
        username,
        password,
        display: `${protocol}//${credentials}${url.hostname}:${port}`,
    };
}

/**
 * The `NO_PROXY` entry that matches `hostname` (lower case, IPv6 without brackets) and `port`, as
 * written in the list; undefined when none does.
 */
export function noProxyMatch(list: string, hostname: string, port: number): string | undefined {
    const host = canonical(hostname.toLowerCase().replace(/\.$/, ""));
    for (const written of list.split(",")) {
        const entry = written.trim();
        if (entry !== "" && entryMatches(entry.toLowerCase(), host, port)) return entry;
    }
    return undefined;
}

function entryMatches(entry: string, host: string, port: number): boolean {
    if (entry === "*") return true;
    if (entry.includes("/")) return inRange(entry, host);
    let name = entry;
    let entryPort: number | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
        name = bracketed[1] ?? "";
        entryPort = bracketed[2] !== undefined ? Number(bracketed[2]) : undefined;
    } else if (isIP(entry) !== 6) {
        // A bare IPv6 address has colons of its own; anything else may end in :port.
        const withPort = /^(.*):(\d+)$/.exec(entry);
        if (withPort) {
            name = withPort[1] ?? "";
            entryPort = Number(withPort[2]);
        }
    }
    if (entryPort !== undefined && entryPort !== port) return false;
    if (isIP(name) !== 0) return isIP(host) !== 0 && canonical(name) === host;
    const domain = name.replace(/^\*/, "").replace(/^\./, "").replace(/\.$/, "");
    if (domain === "") return false;
    return host === domain || host.endsWith(`.${domain}`);
}

/** `10.0.0.0/8`, `fd00::/8`: only an IP-address host can be in a range (names are never resolved here). */
function inRange(entry: string, host: string): boolean {
    const [address = "", bits = ""] = entry.split("/");
    const family = isIP(address);
    if (family === 0 || family !== isIP(host) || !/^\d{1,3}$/.test(bits)) return false;
    const prefix = Number(bits);
    if (prefix > (family === 4 ? 32 : 128)) return false;
    const type = family === 4 ? "ipv4" : "ipv6";
    const range = new BlockList();
    range.addSubnet(address, prefix, type);
    return range.check(host, type);
}

/** One spelling per IPv6 address (`0:0::1` is `::1`); other hosts as they are. */
function canonical(host: string): string {
    if (isIP(host) !== 6) return host;
    return bare(new URL(`http://[${host}]/`).hostname);
}

function bare(hostname: string): string {
    return hostname.replace(/^\[(.*)\]$/, "$1");
}

function decode(part: string): string {
    try {
        return decodeURIComponent(part);
    } catch {
        return part;
    }
}

/** A proxy variable's value for a message: everything before the last `@` (the credentials) hidden. */
export function hideCredentials(raw: string): string {
    const at = raw.lastIndexOf("@");
    if (at < 0) return raw;
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw)?.[0] ?? "";
    return `${scheme}***${raw.slice(at)}`;
}

/** " through the proxy http://proxy.example:3128 (HTTPS_PROXY)", or nothing for a direct route. */
export function via(route: Route): string {
    return route.kind === "proxy" ? ` through the proxy ${route.proxy.display} (${route.variable})` : "";
}

/** Connection failures that, through a proxy, can only mean the proxy itself was not reached. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/** TLS verification failures: the certificate presented for the API is not one Node trusts. */
export const UNTRUSTED_CERTIFICATE = new Set([
    "SELF_SIGNED_CERT_IN_CHAIN",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "UNABLE_TO_GET_ISSUER_CERT",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "CERT_UNTRUSTED",
    "CERT_SIGNATURE_FAILURE",
    "CERT_HAS_EXPIRED",
    "CERT_NOT_YET_VALID",
    "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** Whether a failure with this code means the proxy was never reached, so the request was never sent. */
export function proxyUnreachable(route: Route, code: string): boolean {
    return route.kind === "proxy" && UNREACHABLE.has(code);
}

/**
 * What to do after a request got no answer (`code`: the connection error's code), given how it travelled.
 * Empty when there is nothing to say beyond the error itself (loopback, a timeout on a direct route).
 */
export function networkAdvice(route: Route, code: string): string {
    const host = route.target.replace(/:\d+$/, "");
    if (UNTRUSTED_CERTIFICATE.has(code)) {
        return (
            ` The TLS certificate presented for ${route.target} is not trusted (${code}). Behind a TLS-inspecting proxy, give Node ` +
            `the proxy's CA certificate: NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the environment of \`pulumi\` (the provider process ` +
            `inherits it). Never disable certificate checks: the API key travels in that connection.`
        );
    }
    if (route.kind === "proxy") {
        if (UNREACHABLE.has(code)) {
            return (
                ` The proxy could not be reached: check that ${route.variable} names a running proxy (host and port), or unset it ` +
                `(or add ${host} to NO_PROXY) if this machine reaches Pipecat Cloud directly.`
            );
        }
        return ` Check that the proxy in ${route.variable} is up and allows CONNECT to ${route.target}.`;
    }
    // Directly, only a failure to connect can be a missing proxy (a reset or a late timeout is the network's).
    if (route.reason === "loopback" || !(UNREACHABLE.has(code) || code === "ETIMEDOUT" || code === "ECONNABORTED")) return "";
    if (route.reason === "no-proxy") {
        return (
            ` The request went directly, not through the proxy in ${route.bypassed}, because ${route.variable} matches ${host} ` +
            `(entry "${route.entry}"): remove that entry if this machine reaches Pipecat Cloud only through the proxy.`
        );
    }
    if (route.otherScheme !== undefined) {
        return (
            ` ${route.otherScheme} is set, but it applies only to http:// URLs (as for the Pulumi CLI and curl): if this machine ` +
            `reaches the internet through that proxy, set HTTPS_PROXY to it as well.`
        );
    }
    return " If this machine reaches the internet only through a proxy, set HTTPS_PROXY (for example HTTPS_PROXY=http://proxy.example:3128).";
}

/** Status texts for the answers a proxy gives to a CONNECT it refuses (the proxy's own text is never quoted). */
const STATUS_TEXT: Readonly<Record<number, string>> = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    407: "Proxy Authentication Required",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
};

/** What a proxy's refusal of the CONNECT tunnel (`status`) means, and what to do. */
export function refusalMessage(route: Extract<Route, { kind: "proxy" }>, status: number): string {
    const head = `the proxy ${route.proxy.display} (${route.variable}) refused to open a tunnel to ${route.target}: ${status}${STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : ""}.`;
    const host = route.target.replace(/:\d+$/, "");
    if (status === 407) {
        return route.proxy.username !== undefined
            ? `${head} The proxy did not accept the credentials in ${route.variable}: check the user name and password there ` +
                  `(http://user:password@host:port, special characters percent-encoded).`
            : `${head} The proxy asks for credentials: put them in ${route.variable} as ` +
                  `${route.proxy.protocol}//user:password@${route.proxy.display.replace(/^[a-z]+:\/\//, "")} (special characters percent-encoded).`;
    }
    if (status >= 500 || status === 404) {
        return (
            `${head} The proxy could not reach ${route.target}: check the API URL (pipecat:apiUrl or PIPECAT_API_URL) and the ` +
            `proxy's own connection, then run \`pulumi up\` again.`
        );
    }
    return (
        `${head} The proxy does not let this machine connect to ${route.target}: ask its administrators to allow CONNECT to it, ` +
        `or add ${host} to NO_PROXY if this machine reaches Pipecat Cloud directly.`
    );
}
