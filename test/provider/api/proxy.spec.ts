/**
 * The proxy decision (provider/api/proxy.ts), pure: which proxy a URL goes through for a given
 * environment, NO_PROXY matching, parsing of proxy URLs, and the advice texts. No sockets here;
 * test/provider/api/proxy-tunnel.spec.ts sends real requests through a real proxy.
 */
import * as assert from "node:assert/strict";
import { isConfigurationError } from "../../../provider/errors";
import {
    hideCredentials,
    isLoopbackHost,
    networkAdvice,
    noProxyMatch,
    parseProxy,
    refusalMessage,
    routeFor,
    type Route,
} from "../../../provider/api/proxy";

const API = new URL("https://api.pipecat.daily.co/v1");

function route(env: Record<string, string>, url: URL = API): Route {
    return routeFor(url, env);
}

function proxied(env: Record<string, string>, url: URL = API): Extract<Route, { kind: "proxy" }> {
    const r = route(env, url);
    assert.equal(r.kind, "proxy", JSON.stringify(r));
    return r as Extract<Route, { kind: "proxy" }>;
}

describe("proxy: which proxy a URL goes through", () => {
    it("goes directly when no proxy variable is set", () => {
        assert.deepEqual(route({}), { kind: "direct", target: "api.pipecat.daily.co:443", reason: "unset", otherScheme: undefined });
    });

    it("sends an https URL through HTTPS_PROXY, read in upper or lower case", () => {
        assert.equal(proxied({ HTTPS_PROXY: "http://proxy.corp:3128" }).variable, "HTTPS_PROXY");
        assert.equal(proxied({ https_proxy: "http://proxy.corp:3128" }).variable, "https_proxy");
    });

    it("prefers the upper-case name when both are set, as the Pulumi CLI does", () => {
        const r = proxied({ HTTPS_PROXY: "http://upper:1", https_proxy: "http://lower:2" });
        assert.equal(r.variable, "HTTPS_PROXY");
        assert.equal(r.proxy.hostname, "upper");
    });

    it("treats an empty value as unset, and then reads the other case", () => {
        assert.equal(proxied({ HTTPS_PROXY: "", https_proxy: "http://lower:2" }).variable, "https_proxy");
        assert.equal(route({ HTTPS_PROXY: " " }).kind, "direct");
    });

    it("does not send an https URL through HTTP_PROXY, and says that only HTTP_PROXY is set", () => {
        assert.deepEqual(route({ HTTP_PROXY: "http://proxy.corp:3128" }), {
            kind: "direct",
            target: "api.pipecat.daily.co:443",
            reason: "unset",
            otherScheme: "HTTP_PROXY",
        });
    });

    it("sends an http URL through HTTP_PROXY (or http_proxy), never through HTTPS_PROXY", () => {
        const http = new URL("http://api.internal.example/v1");
        assert.equal(proxied({ http_proxy: "http://proxy.corp:3128" }, http).variable, "http_proxy");
        assert.equal(route({ HTTPS_PROXY: "http://proxy.corp:3128" }, http).kind, "direct");
    });

    for (const url of [
        "http://127.0.0.1:8787/v1",
        "http://127.9.9.9/v1",
        "http://localhost:1/v1",
        "http://LOCALHOST/v1",
        "http://[::1]:8787/v1",
        "https://[0:0:0:0:0:0:0:1]/v1",
    ]) {
        it(`never proxies loopback (${url})`, () => {
            const env = { HTTPS_PROXY: "http://proxy.corp:3128", HTTP_PROXY: "http://proxy.corp:3128" };
            assert.equal(route(env, new URL(url)).kind, "direct");
            assert.deepEqual(route(env, new URL(url)), { kind: "direct", target: route(env, new URL(url)).target, reason: "loopback" });
        });
    }

    it("goes directly when NO_PROXY matches, and names the entry and the proxy it bypassed", () => {
        assert.deepEqual(route({ HTTPS_PROXY: "http://proxy.corp:3128", NO_PROXY: "internal.example, .daily.co" }), {
            kind: "direct",
            target: "api.pipecat.daily.co:443",
            reason: "no-proxy",
            variable: "NO_PROXY",
            entry: ".daily.co",
            bypassed: "HTTPS_PROXY",
        });
        assert.equal(route({ https_proxy: "http://proxy.corp:3128", no_proxy: "*" }).kind, "direct");
    });

    it("reads NO_PROXY before no_proxy, as the proxy variables", () => {
        const r = route({ HTTPS_PROXY: "http://p:1", NO_PROXY: "other.example", no_proxy: "daily.co" });
        assert.equal(r.kind, "proxy");
    });

    it("does not parse a proxy that NO_PROXY makes irrelevant", () => {
        assert.equal(route({ HTTPS_PROXY: "socks5://p:1080", NO_PROXY: "daily.co" }).kind, "direct");
    });
});

describe("proxy: NO_PROXY entries", () => {
    const cases: [list: string, host: string, port: number, match: string | undefined][] = [
        ["*", "api.pipecat.daily.co", 443, "*"],
        ["foo.example,*", "api.pipecat.daily.co", 443, "*"],
        ["api.pipecat.daily.co", "api.pipecat.daily.co", 443, "api.pipecat.daily.co"],
        ["API.Pipecat.Daily.CO", "api.pipecat.daily.co", 443, "API.Pipecat.Daily.CO"],
        ["daily.co", "api.pipecat.daily.co", 443, "daily.co"],
        [".daily.co", "api.pipecat.daily.co", 443, ".daily.co"],
        [".daily.co", "daily.co", 443, ".daily.co"],
        ["*.daily.co", "api.pipecat.daily.co", 443, "*.daily.co"],
        ["daily.co.", "api.pipecat.daily.co", 443, "daily.co."],
        ["ily.co", "api.pipecat.daily.co", 443, undefined], // a suffix only on a label boundary
        ["pipecat.daily", "api.pipecat.daily.co", 443, undefined],
        ["api.pipecat.daily.co:443", "api.pipecat.daily.co", 443, "api.pipecat.daily.co:443"],
        ["api.pipecat.daily.co:8443", "api.pipecat.daily.co", 443, undefined],
        [".daily.co:443", "api.pipecat.daily.co", 443, ".daily.co:443"],
        ["  spaced.example ,  daily.co  ", "api.pipecat.daily.co", 443, "daily.co"],
        [",,", "api.pipecat.daily.co", 443, undefined],
        ["10.1.2.3", "10.1.2.3", 443, "10.1.2.3"],
        ["10.1.2.3:8443", "10.1.2.3", 8443, "10.1.2.3:8443"],
        ["10.1.2.3", "10.1.2.30", 443, undefined],
        ["10.0.0.0/8", "10.1.2.3", 443, "10.0.0.0/8"],
        ["10.0.0.0/8", "11.1.2.3", 443, undefined],
        ["10.0.0.0/8", "ten.example", 443, undefined], // names are never resolved
        ["10.0.0.0/99", "10.1.2.3", 443, undefined],
        ["2001:db8::1", "2001:db8::1", 443, "2001:db8::1"],
        ["[2001:db8:0::1]:443", "2001:db8::1", 443, "[2001:db8:0::1]:443"],
        ["[2001:db8::1]:80", "2001:db8::1", 443, undefined],
        ["2001:db8::/32", "2001:db8::1", 443, "2001:db8::/32"],
        ["2001:db8::/32", "10.1.2.3", 443, undefined],
        ["api.pipecat.daily.co", "api.pipecat.daily.co.", 443, "api.pipecat.daily.co"],
    ];
    for (const [list, host, port, match] of cases) {
        it(`${JSON.stringify(list)} ${match === undefined ? "does not match" : "matches"} ${host}:${port}`, () => {
            assert.equal(noProxyMatch(list, host, port), match);
        });
    }
});

describe("proxy: proxy URLs", () => {
    it("reads host and port, and an http proxy's default port is 80, an https proxy's 443", () => {
        assert.deepEqual(parseProxy("http://proxy.corp:3128", "HTTPS_PROXY", "api.example"), {
            protocol: "http:",
            hostname: "proxy.corp",
            port: 3128,
            username: undefined,
            password: undefined,
            display: "http://proxy.corp:3128",
        });
        assert.equal(parseProxy("http://proxy.corp", "HTTPS_PROXY", "api.example").port, 80);
        assert.equal(parseProxy("https://proxy.corp", "HTTPS_PROXY", "api.example").port, 443);
        assert.equal(parseProxy("https://proxy.corp", "HTTPS_PROXY", "api.example").protocol, "https:");
    });

    it("takes a value without a scheme as an http proxy, as Go and curl do", () => {
        const p = parseProxy("proxy.corp:3128", "https_proxy", "api.example");
        assert.equal(p.protocol, "http:");
        assert.equal(p.hostname, "proxy.corp");
        assert.equal(p.port, 3128);
    });

    it("reads an IPv6 proxy address without brackets", () => {
        const p = parseProxy("http://[fd00::1]:3128", "HTTPS_PROXY", "api.example");
        assert.equal(p.hostname, "fd00::1");
        assert.equal(p.display, "http://[fd00::1]:3128");
    });

    it("percent-decodes credentials and never shows them", () => {
        const p = parseProxy("http://ci%40corp:p%3Ass%2Fw0rd@proxy.corp:3128", "HTTPS_PROXY", "api.example");
        assert.equal(p.username, "ci@corp");
        assert.equal(p.password, "p:ss/w0rd");
        assert.equal(p.display, "http://***:***@proxy.corp:3128");
        assert.equal(parseProxy("http://token@proxy.corp:3128", "HTTPS_PROXY", "api.example").display, "http://***@proxy.corp:3128");
    });

    it("refuses a SOCKS proxy, naming the variable and NO_PROXY, without the password", () => {
        assert.throws(
            () => parseProxy("socks5://user:hunter22@proxy.corp:1080", "HTTPS_PROXY", "api.pipecat.daily.co"),
            (e: unknown) => {
                assert.ok(isConfigurationError(e));
                assert.match(e.message, /^HTTPS_PROXY names a socks5:\/\/ proxy \(socks5:\/\/\*\*\*@proxy\.corp:1080\)/);
                assert.match(e.message, /add api\.pipecat\.daily\.co to NO_PROXY/);
                assert.doesNotMatch(e.message, /hunter22|user:/);
                return true;
            },
        );
    });

    it("refuses a value that is not a URL, naming the variable, without the password", () => {
        assert.throws(
            () => routeFor(API, { https_proxy: "http://user:hunter22@proxy corp:3128" }),
            (e: unknown) => {
                assert.ok(isConfigurationError(e));
                assert.match(e.message, /^https_proxy is not a proxy URL the provider can use \(http:\/\/\*\*\*@proxy corp:3128\)/);
                assert.doesNotMatch(e.message, /hunter22/);
                return true;
            },
        );
    });

    it("hides everything before the last @ of a value", () => {
        assert.equal(hideCredentials("http://a:b@c@proxy:1"), "http://***@proxy:1");
        assert.equal(hideCredentials("a:b@proxy:1"), "***@proxy:1");
        assert.equal(hideCredentials("http://proxy:1"), "http://proxy:1");
    });
});

describe("proxy: loopback", () => {
    it("is localhost, 127.0.0.0/8 and ::1, as URL host names", () => {
        for (const host of ["localhost", "127.0.0.1", "127.255.0.9", "[::1]"]) assert.ok(isLoopbackHost(host), host);
        for (const host of ["localhost.example", "128.0.0.1", "::1", "[::2]", "api.pipecat.daily.co"])
            assert.ok(!isLoopbackHost(host), host);
    });
});

describe("proxy: advice after a failure", () => {
    const viaProxy = proxied({ HTTPS_PROXY: "http://bot:hunter22@proxy.corp:3128" });

    it("says the proxy could not be reached, naming the variable", () => {
        const text = networkAdvice(viaProxy, "ECONNREFUSED");
        assert.match(text, /The proxy could not be reached: check that HTTPS_PROXY names a running proxy/);
        assert.match(text, /add api\.pipecat\.daily\.co to NO_PROXY/);
    });

    it("says to set HTTPS_PROXY when a direct request fails and only HTTP_PROXY is set", () => {
        assert.match(
            networkAdvice(route({ HTTP_PROXY: "http://p:1" }), "ETIMEDOUT"),
            /HTTP_PROXY is set, but it applies only to http:\/\/ URLs/,
        );
    });

    it("suggests HTTPS_PROXY when a direct request fails and no proxy is set", () => {
        assert.match(networkAdvice(route({}), "ENOTFOUND"), /set HTTPS_PROXY/);
    });

    it("names the NO_PROXY entry that sent a failed request directly", () => {
        const text = networkAdvice(route({ HTTPS_PROXY: "http://p:1", no_proxy: "pipecat.daily.co" }), "ETIMEDOUT");
        assert.match(
            text,
            /not through the proxy in HTTPS_PROXY, because no_proxy matches api\.pipecat\.daily\.co \(entry "pipecat\.daily\.co"\)/,
        );
    });

    it("says nothing more for loopback", () => {
        assert.equal(networkAdvice(route({}, new URL("http://127.0.0.1:1/v1")), "ECONNREFUSED"), "");
    });

    it("names NODE_EXTRA_CA_CERTS for an untrusted certificate", () => {
        assert.match(networkAdvice(viaProxy, "SELF_SIGNED_CERT_IN_CHAIN"), /NODE_EXTRA_CA_CERTS=\/path\/to\/ca\.pem/);
    });

    it("explains a 407 with and without credentials, never showing them", () => {
        const withCredentials = refusalMessage(viaProxy, 407);
        assert.match(
            withCredentials,
            /^the proxy http:\/\/\*\*\*:\*\*\*@proxy\.corp:3128 \(HTTPS_PROXY\) refused to open a tunnel to api\.pipecat\.daily\.co:443: 407 Proxy Authentication Required\./,
        );
        assert.match(withCredentials, /did not accept the credentials in HTTPS_PROXY/);
        const without = refusalMessage(proxied({ HTTPS_PROXY: "http://proxy.corp:3128" }), 407);
        assert.match(without, /put them in HTTPS_PROXY as http:\/\/user:password@proxy\.corp:3128/);
        for (const text of [withCredentials, without]) assert.doesNotMatch(text, /hunter22|bot/);
    });

    it("explains a proxy's 403 and 502", () => {
        assert.match(refusalMessage(viaProxy, 403), /403 Forbidden\. The proxy does not let this machine connect/);
        assert.match(
            refusalMessage(viaProxy, 502),
            /502 Bad Gateway\. The proxy could not reach api\.pipecat\.daily\.co:443: check the API URL/,
        );
    });
});
