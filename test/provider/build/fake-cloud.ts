/**
 * A tiny stand-in for the builds API and its storage service, over real HTTP on port 0, as the shared interface of
 * issue 19 describes them (/work/briefs/19-shared.md): until the emulator's builds room lands, the Build provider's
 * specs talk to this. It keeps what a spec asserts: every request, every upload as received (headers, field order,
 * the archive's bytes), and a build's life by the number of times it was read.
 */
import { createHash, randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface Upload {
    readonly uploadId: string;
    readonly hadAuthorization: boolean;
    readonly fieldNames: readonly string[];
    readonly archive: Buffer;
}

export interface FakeBuild {
    id: string;
    status: string;
    region: string;
    contextHash: string;
    dockerfilePath: string;
    imageUri?: string;
    errorMessage?: string;
    contextSizeBytes: number;
    createdAt: number;
    /** Reads left before the build moves on: pending, building, then its outcome. */
    reads: number;
    outcome: { status: "success" } | { status: "failed" | "timeout"; errorMessage: string };
    logs: string[];
}

export class FakeCloud {
    url = "";
    origin = "";
    readonly requests: string[] = [];
    readonly uploads: Upload[] = [];
    readonly builds: FakeBuild[] = [];
    /** The next builds' fate, and how many reads each stage takes. */
    outcome: FakeBuild["outcome"] = { status: "success" };
    readsPerStage = 1;
    /** The log of the next builds. */
    logs = ["Step 1/2 : FROM python:3.12-slim", " ---> 1a2b3c", "Step 2/2 : RUN exit 3", "The command returned a non-zero code: 3"];
    /** Storage answers this many uploads with 403 "Policy expired". */
    expireUploads = 0;
    /** Storage answers this many uploads with 503. */
    failUploads = 0;
    /** `expiresAt` of the next upload URLs, relative to now (ms). */
    uploadTtlMs = 15 * 60_000;
    defaultRegion = "us-west";
    private server: http.Server | undefined;
    private readonly pending = new Map<string, { region: string }>();
    private clock = 0;

    constructor(
        private readonly key: string,
        private readonly now: () => number = () => Date.now(),
    ) {}

    async start(): Promise<this> {
        this.server = http.createServer((req, res) => void this.handle(req, res));
        await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
        const { port } = this.server.address() as AddressInfo;
        this.origin = `http://127.0.0.1:${port}`;
        this.url = `${this.origin}/v1`;
        return this;
    }

    async close(): Promise<void> {
        await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    }

    /** A successful build already in the organisation (another stack's, say). */
    seed(b: Partial<FakeBuild> & Pick<FakeBuild, "contextHash">): FakeBuild {
        const build: FakeBuild = {
            id: randomUUID(),
            status: "success",
            region: this.defaultRegion,
            dockerfilePath: "Dockerfile",
            imageUri: `registry.fake/org/builds/${b.contextHash}@sha256:${"0".repeat(64)}`,
            contextSizeBytes: 100,
            createdAt: ++this.clock,
            reads: 0,
            outcome: { status: "success" },
            logs: [],
            ...b,
        };
        this.builds.push(build);
        return build;
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = Buffer.concat(chunks);
        const url = new URL(req.url ?? "/", this.origin);
        const answer = (status: number, json?: unknown, type = "application/json") => {
            this.requests.push(`${req.method} ${url.pathname}${url.search} ${status}`);
            res.writeHead(status, json === undefined ? {} : { "Content-Type": type });
            res.end(json === undefined ? undefined : typeof json === "string" ? json : JSON.stringify(json));
        };
        if (url.pathname.startsWith("/storage/")) return this.storage(req, body, url, answer);
        if (req.headers.authorization !== `Bearer ${this.key}`) return answer(401, { error: "Unauthorized" });
        const path = url.pathname.replace(/^\/v1/, "");
        const json = body.length > 0 ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : {};
        if (req.method === "GET" && path === "/regions") return answer(200, { regions: [{ code: "us-west" }, { code: "eu-central" }] });
        if (req.method === "GET" && path === "/properties") return answer(200, { properties: { defaultRegion: this.defaultRegion } });
        if (req.method === "POST" && path === "/builds/upload-url") {
            const region = typeof json["region"] === "string" ? json["region"] : this.defaultRegion;
            if (!["us-west", "eu-central"].includes(region))
                return answer(400, { error: "Invalid region or organization does not have access" });
            const uploadId = randomUUID();
            this.pending.set(uploadId, { region });
            const expiresAt = new Date(this.now() + this.uploadTtlMs).toISOString();
            return answer(200, {
                uploadId,
                uploadUrl: `${this.origin}/storage/pipecat-builds-emulator`,
                uploadFields: {
                    key: `uploads/org/${uploadId}/context.tar.gz`,
                    bucket: "pipecat-builds-emulator",
                    "Content-Type": "application/gzip",
                    Policy: Buffer.from(JSON.stringify({ expiration: expiresAt })).toString("base64"),
                    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                    "X-Amz-Credential": "FAKECREDENTIAL/20260101/us-west-2/s3/aws4_request",
                    "X-Amz-Date": "20260101T000000Z",
                    "X-Amz-Signature": `sig-${uploadId}-SIGNATURE-never-shown`,
                },
                expiresAt,
            });
        }
        if (req.method === "POST" && path === "/builds") {
            const uploadId = String(json["uploadId"]);
            const upload = this.uploads.find((u) => u.uploadId === uploadId);
            if (upload === undefined) return answer(400, { error: "Upload not found" });
            const region = typeof json["region"] === "string" ? json["region"] : (this.pending.get(uploadId)?.region ?? this.defaultRegion);
            const dockerfilePath = typeof json["dockerfilePath"] === "string" ? json["dockerfilePath"] : "Dockerfile";
            const contextHash = createHash("md5").update(upload.archive).digest("hex").slice(0, 16);
            const hit = this.builds.find(
                (b) =>
                    b.status === "success" && b.contextHash === contextHash && b.region === region && b.dockerfilePath === dockerfilePath,
            );
            if (hit) return answer(200, { build: view(hit), contextHash, cached: true });
            const build = this.seed({
                contextHash,
                region,
                dockerfilePath,
                status: "pending",
                reads: this.readsPerStage,
                outcome: this.outcome,
                contextSizeBytes: upload.archive.length,
                logs: this.logs,
            });
            delete build.imageUri;
            return answer(201, { build: view(build), contextHash, cached: false });
        }
        if (req.method === "GET" && path === "/builds") {
            const f = url.searchParams;
            const found = this.builds
                .filter(
                    (b) =>
                        (!f.get("status") || b.status === f.get("status")) &&
                        (!f.get("region") || b.region === f.get("region")) &&
                        (!f.get("contextHash") || b.contextHash === f.get("contextHash")) &&
                        (!f.get("dockerfilePath") || b.dockerfilePath === f.get("dockerfilePath")),
                )
                .sort((a, b) => b.createdAt - a.createdAt);
            const limit = Number(f.get("limit") ?? 20);
            return answer(200, { builds: found.slice(0, limit).map(view), total: found.length, limit, offset: 0 });
        }
        const logs = /^\/builds\/([^/]+)\/logs$/.exec(path);
        if (req.method === "GET" && logs) {
            const b = this.builds.find((x) => x.id === logs[1]);
            if (!b) return answer(404, { error: "Build not found" });
            return answer(200, { logs: b.logs.slice(-Number(url.searchParams.get("limit") ?? 500)) });
        }
        const one = /^\/builds\/([^/]+)$/.exec(path);
        if (req.method === "GET" && one) {
            const b = this.builds.find((x) => x.id === one[1]);
            if (!b) return answer(404, { error: "Build not found" });
            this.advance(b);
            return answer(200, { build: view(b) });
        }
        return answer(404, { error: "Not found" });
    }

    private advance(b: FakeBuild): void {
        if (b.status === "success" || b.status === "failed" || b.status === "timeout") return;
        if (b.reads > 0) {
            b.reads--;
            return;
        }
        if (b.status === "pending") {
            b.status = "building";
            b.reads = this.readsPerStage;
            return;
        }
        b.status = b.outcome.status;
        if (b.outcome.status === "success") b.imageUri = `registry.fake/org/builds/${b.contextHash}@sha256:${"1".repeat(64)}`;
        else b.errorMessage = b.outcome.errorMessage;
    }

    private async storage(req: http.IncomingMessage, body: Buffer, url: URL, answer: (s: number, b?: unknown, t?: string) => void) {
        const xml = (code: string, message: string) =>
            `<?xml version="1.0"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
        if (this.expireUploads > 0) {
            this.expireUploads--;
            return answer(403, xml("AccessDenied", "Invalid according to Policy: Policy expired."), "application/xml");
        }
        if (this.failUploads > 0) {
            this.failUploads--;
            return answer(503, xml("SlowDown", "Please reduce your request rate."), "application/xml");
        }
        const form = await new Request(url, {
            method: "POST",
            headers: { "content-type": req.headers["content-type"] ?? "" },
            body,
        }).formData();
        const names = [...form.keys()];
        const file = form.get("file");
        if (!(file instanceof Blob))
            return answer(400, xml("IncorrectNumberOfFilesInPostRequest", "POST requires exactly one file upload per request."));
        const key = String(form.get("key"));
        const uploadId = key.split("/")[2] ?? "";
        this.uploads.push({
            uploadId,
            hadAuthorization: req.headers.authorization !== undefined,
            fieldNames: names,
            archive: Buffer.from(await file.arrayBuffer()),
        });
        return answer(204);
    }
}

function view(b: FakeBuild): Record<string, unknown> {
    const { reads: _r, outcome: _o, logs: _l, createdAt: _c, ...rest } = b;
    return { ...rest, logsUrl: `/v1/builds/${b.id}/logs` };
}
