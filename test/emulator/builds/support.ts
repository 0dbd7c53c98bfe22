/**
 * Helpers for the builds specs: a build context as a gzipped tar (a tiny ustar writer, deterministic like the official
 * clients'), the upload URL, the presigned POST (with ways to break it), and build calls.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { Emulator } from "../../../emulator";
import { type Answer, call } from "../support";

/** A gzipped tar of `files` (path → text), sorted, mtime 0, mode 0644, the gzip header's mtime zeroed. */
export function contextArchive(files: Record<string, string>): Buffer {
    const blocks: Buffer[] = [];
    for (const path of Object.keys(files).sort()) {
        const content = Buffer.from(files[path] ?? "");
        const header = Buffer.alloc(512);
        header.write(path, 0, 100, "utf8");
        header.write("0000644\0", 100, "latin1");
        header.write("0000000\0", 108, "latin1");
        header.write("0000000\0", 116, "latin1");
        header.write(`${content.length.toString(8).padStart(11, "0")}\0`, 124, "latin1");
        header.write("00000000000\0", 136, "latin1");
        header.write("        ", 148, "latin1");
        header.write("0", 156, "latin1");
        header.write("ustar\x0000", 257, "latin1");
        let sum = 0;
        for (const b of header) sum += b;
        header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
        blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
    }
    blocks.push(Buffer.alloc(1024));
    const gz = gzipSync(Buffer.concat(blocks));
    gz.fill(0, 4, 8);
    return gz;
}

/** The contract's hash of an archive: the first 16 hex of its MD5. */
export function hashOf(archive: Buffer): string {
    return createHash("md5").update(archive).digest("hex").slice(0, 16);
}

/** A bot directory: a Dockerfile (with `extra` instructions) and a small app. */
export function botContext(extra: string[] = [], files: Record<string, string> = {}): Buffer {
    return contextArchive({
        Dockerfile: ["FROM python:3.12-slim", "WORKDIR /app", "COPY . /app", ...extra, 'CMD ["python", "bot.py"]'].join("\n"),
        "bot.py": "print('hello from the bot')\n",
        ...files,
    });
}

/** `POST /builds/upload-url`'s answer. */
export interface Grant {
    readonly uploadId: string;
    readonly uploadUrl: string;
    readonly uploadFields: Record<string, string>;
    readonly expiresAt: string;
}

/** `POST /builds/upload-url` that must succeed. */
export async function uploadUrl(emulator: Emulator, region?: string): Promise<Grant> {
    const answer = await call(emulator, "POST", "/builds/upload-url", { body: region === undefined ? {} : { region } });
    assert.equal(answer.status, 200, answer.text);
    return answer.json as Grant;
}

/** How to send (or break) an upload. */
export interface UploadOptions {
    /** The fields as sent, in order (default: the grant's). */
    readonly fields?: readonly (readonly [string, string])[];
    /** Leave the file part out. */
    readonly noFile?: boolean;
    /** Extra request headers. */
    readonly headers?: Record<string, string>;
}

/** The presigned POST of `archive`, as the deploy action sends it: the fields in order, then `file`. */
export async function upload(grant: Grant, archive: Buffer, options: UploadOptions = {}): Promise<Answer> {
    const form = new FormData();
    for (const [name, value] of options.fields ?? Object.entries(grant.uploadFields)) form.append(name, value);
    if (options.noFile !== true) form.append("file", new Blob([archive], { type: "application/gzip" }), "context.tar.gz");
    const response = await fetch(grant.uploadUrl, { method: "POST", body: form, ...(options.headers ? { headers: options.headers } : {}) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: undefined };
}

/** The `<Code>` and `<Message>` of an S3 error document. */
export function s3Error(answer: Answer): { status: number; code: string; message: string } {
    return {
        status: answer.status,
        code: /<Code>(.*?)<\/Code>/.exec(answer.text)?.[1] ?? "",
        message: /<Message>(.*?)<\/Message>/.exec(answer.text)?.[1] ?? "",
    };
}

/** A build as `GET /builds/{id}` shows it. */
export interface BuildView {
    readonly id: string;
    readonly organizationId: string;
    readonly status: string;
    readonly region: string;
    readonly contextHash: string;
    readonly dockerfilePath: string;
    readonly imageUri?: string;
    readonly logsUrl: string;
    readonly errorMessage?: string;
    readonly contextSizeBytes: number;
    readonly imageSizeBytes?: number;
    readonly buildDurationSeconds?: number;
    readonly startedAt: string | null;
    readonly completedAt: string | null;
    readonly createdAt: string;
    readonly updatedAt: string;
}

/** `POST /builds`'s answer. */
export interface Created {
    readonly status: number;
    readonly build: BuildView;
    readonly contextHash: string;
    readonly cached: boolean;
}

/** Upload URL, upload, `POST /builds`: the whole path of a new context; the build's answer. */
export async function buildFrom(
    emulator: Emulator,
    archive: Buffer,
    body: { region?: string; dockerfilePath?: string } = {},
): Promise<Created> {
    const grant = await uploadUrl(emulator, body.region);
    assert.equal((await upload(grant, archive)).status, 204);
    const answer = await call(emulator, "POST", "/builds", { body: { uploadId: grant.uploadId, ...body } });
    assert.ok(answer.status === 200 || answer.status === 201, answer.text);
    return { status: answer.status, ...(answer.json as Omit<Created, "status">) };
}

/** `GET /builds/{id}` that must succeed. */
export async function getBuild(emulator: Emulator, id: string): Promise<BuildView> {
    const answer = await call(emulator, "GET", `/builds/${id}`);
    assert.equal(answer.status, 200, answer.text);
    return (answer.json as { build: BuildView }).build;
}

/** `GET /builds/{id}/logs` that must succeed. */
export async function logsOf(emulator: Emulator, id: string, query = ""): Promise<string[]> {
    const answer = await call(emulator, "GET", `/builds/${id}/logs${query}`);
    assert.equal(answer.status, 200, answer.text);
    return (answer.json as { logs: string[] }).logs;
}
