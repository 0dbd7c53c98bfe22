/**
 * What each builds route answers: a matched route, its JSON body and query in, a status and a JSON body out; and the
 * storage service's upload, whose body is a multipart form (read with the platform's own `Request.formData()`) and
 * whose answers are S3's (204, or an XML error). No I/O beyond reading the form from bytes already received.
 */
import { type StorageError, incorrectNumberOfFiles, malformedPost, notMultipart, entityTooLarge, storageErrorXml } from "../errors";
import { type ByteRequest, type RawReply, type Reply, type RequestBody, errorReply, reply } from "../outcome";
import type { RouteMatch } from "../routes";
import { checkBuildId, parseCreateBody, parseListQuery, parseLogsLimit, parseUploadUrlBody } from "./rules";
import type { BuildStore } from "./store";
import { buildView, uploadGrantView } from "./views";

/** Runs one matched request of the builds API (under /v1) against the store. @internal */
export function handleBuilds(store: BuildStore, match: RouteMatch, body: RequestBody, query: URLSearchParams): Reply {
    switch (match.route) {
        case "POST /builds/upload-url": {
            const request = parseUploadUrlBody(body);
            if (!request.ok) return errorReply(request.error);
            return reply(store.issueUpload(request.value.region), 200, uploadGrantView);
        }
        case "POST /builds": {
            const request = parseCreateBody(body);
            if (!request.ok) return errorReply(request.error);
            const created = store.create(request.value);
            if (!created.ok) return errorReply(created.error);
            const { reading, cached } = created.value;
            return { status: cached ? 200 : 201, body: { build: buildView(reading), contextHash: reading.build.contextHash, cached } };
        }
        case "GET /builds": {
            const parsed = parseListQuery(query);
            if (!parsed.ok) return errorReply(parsed.error);
            const { page, total } = store.list(parsed.value);
            return { status: 200, body: { builds: page.map(buildView), total, limit: parsed.value.limit, offset: parsed.value.offset } };
        }
        case "GET /builds/:id": {
            const id = checkBuildId(match.buildId ?? "");
            if (!id.ok) return errorReply(id.error);
            return reply(store.describe(id.value), 200, (reading) => ({ build: buildView(reading) }));
        }
        case "GET /builds/:id/logs": {
            const id = checkBuildId(match.buildId ?? "");
            if (!id.ok) return errorReply(id.error);
            const limit = parseLogsLimit(query);
            if (!limit.ok) return errorReply(limit.error);
            return reply(store.logs(id.value, limit.value), 200, (logs) => ({ logs }));
        }
        default:
            throw new Error(`handleBuilds: ${match.route} is not a builds route`);
    }
}

/**
 * `POST /storage/<bucket>`: reads the multipart form (the fields before the first file part, in order, then that
 * file), lets the store check it against its policy, and answers 204 with no body, or S3's XML error.
 * @internal
 */
export async function handleStorage(store: BuildStore, match: RouteMatch, request: ByteRequest): Promise<RawReply> {
    if (request.bytes === undefined) return xml(entityTooLarge());
    const contentType = header(request.headers["content-type"]);
    if (!/^multipart\/form-data\s*;/i.test(contentType)) return xml(notMultipart());
    let form: FormData;
    try {
        form = await new Request("http://storage.invalid/", {
            method: "POST",
            headers: { "content-type": contentType },
            body: request.bytes,
        }).formData();
    } catch {
        return xml(malformedPost());
    }
    const fields: (readonly [string, string])[] = [];
    let file: Buffer | undefined;
    let files = 0;
    for (const [name, value] of form) {
        if (typeof value !== "string") {
            files += 1;
            if (name === "file" && file === undefined && files === 1) file = Buffer.from(await value.arrayBuffer());
            continue;
        }
        // S3 ignores the fields that follow the file.
        if (files === 0) fields.push([name, value]);
    }
    if (file === undefined || files !== 1) return xml(incorrectNumberOfFiles());
    const refused = store.receiveUpload({
        bucket: match.bucket ?? "",
        form: { fields, fileBytes: file.length },
        file,
        headers: request.headers,
    });
    return refused === undefined ? { status: 204, contentType: undefined, text: "" } : xml(refused);
}

function xml(error: StorageError): RawReply {
    return { status: error.status, contentType: "application/xml", text: storageErrorXml(error) };
}

function header(value: string | string[] | undefined): string {
    return Array.isArray(value) ? (value[0] ?? "") : (value ?? "");
}
