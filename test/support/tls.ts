/**
 * Throw-away TLS certificates for tests, made with the machine's `openssl`: a CA (standing in for the CA
 * of a TLS-inspecting corporate proxy) and a server certificate it signed for the given DNS names and
 * IP addresses. Keys are P-256, valid for one day, written to a temporary directory.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface TestCertificates {
    /** The directory holding every file below; remove it with `cleanup`. */
    readonly dir: string;
    /** The CA's certificate (PEM file): what NODE_EXTRA_CA_CERTS or an agent's `ca` is given. */
    readonly caFile: string;
    readonly ca: string;
    /** The server's key and certificate (PEM text), for `startEmulator({ tls })` or a proxy. */
    readonly key: string;
    readonly cert: string;
    cleanup(): void;
}

function openssl(args: readonly string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** A CA and a server certificate for `names` (DNS names or IP addresses), signed by it. */
export function makeTestCertificates(names: readonly string[]): TestCertificates {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pcs-tls-"));
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
        [
            "req",
            "-x509",
            ...ec,
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "1",
            "-subj",
            "/CN=pulumi-pipecat-secrets test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        dir,
    );
    openssl(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", `/CN=${names[0] ?? "localhost"}`], dir);
    const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
    fs.writeFileSync(path.join(dir, "server.ext"), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    openssl(
        [
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "1",
            "-extfile",
            "server.ext",
        ],
        dir,
    );
    const read = (name: string): string => fs.readFileSync(path.join(dir, name), "utf8");
    return {
        dir,
        caFile: path.join(dir, "ca.pem"),
        ca: read("ca.pem"),
        key: read("server.key"),
        cert: read("server.pem"),
        cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}
