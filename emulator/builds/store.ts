/**
 * The emulator's uploads and builds and the API's rules over them: upload URLs handed out, files the storage accepted,
 * builds created (or found in the cache), read, listed, and read by an agent that deploys one.
 *
 * No I/O: every operation returns what was read or the error to answer; time comes from the injected clock, ids from
 * the injected generator, the default region from the function the composition root gives (it may change).
 */
import { createHash } from "node:crypto";
import { type StorageError, buildNotFound, invalidRegion, noSuchBucket, uploadNotFound } from "../errors";
import { type Outcome, fail, ok } from "../outcome";
import { planBuild } from "./dockerfile";
import { type UploadForm, UPLOAD_BUCKET, checkUploadForm, presignedFields } from "./policy";
import { type BuildSnapshot, type IssuedUpload, type StoredBuild, type UploadSnapshot, snapshotOf, statusAt, timelineOf } from "./records";
import { type BuildStatus, type CreateBuildRequest, type ListQuery, BUILD_STATUSES, DEFAULT_DOCKERFILE_PATH, checkBuildId } from "./rules";

/** The registry host of every built image. */
export const EMULATOR_REGISTRY = "registry.pipecat-emulator.local";

/** Settings the store needs, already validated. @internal */
export interface BuildStoreConfig {
    readonly regions: readonly { readonly code: string }[];
    /** The organisation's current default region. */
    readonly defaultRegion: () => string;
    readonly organizationId: string;
    /** `http://host:port` of the emulator (upload URLs and `logsUrl` are absolute). */
    readonly origin: () => string;
    /** The per-emulator secret upload policies are signed with. */
    readonly signingSecret: string;
    readonly queueMs: number;
    readonly durationMs: number;
    readonly maxMs: number;
    readonly uploadMaxBytes: number;
    readonly uploadTtlMs: number;
    readonly now: () => number;
    /** A new UUID (v4) for each upload and build. */
    readonly newId: () => string;
}

/** An upload URL as `POST /builds/upload-url` answers it. @internal */
export interface UploadGrant {
    readonly uploadId: string;
    readonly uploadUrl: string;
    readonly uploadFields: Readonly<Record<string, string>>;
    readonly expiresAt: number;
}

/** A build as read, for a view to render: the record and its status and timeline then. @internal */
export interface BuildReading {
    readonly build: StoredBuild;
    readonly now: number;
    readonly logsUrl: string;
}

/** What an agent deploying a build reads of it. @internal */
export interface DeployableBuild {
    readonly region: string;
    readonly status: BuildStatus;
    /** Set once `success`. */
    readonly imageUri: string | undefined;
}

/** The storage request as the handler read it: the form, the file and the request's headers. @internal */
export interface ReceivedUpload {
    readonly bucket: string;
    readonly form: UploadForm;
    readonly file: Buffer;
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** A build made directly by `emulator.seedBuild()`, without an upload. */
export interface SeedBuild {
    /** A UUID. @default a new one */
    readonly id?: string;
    /** @default the organisation's default region */
    readonly region?: string;
    /** Its status, for ever (a seeded build never moves on). @default "success" */
    readonly status?: BuildStatus;
    /** @default the first 16 hex of the MD5 of its id */
    readonly contextHash?: string;
    /** @default "Dockerfile" */
    readonly dockerfilePath?: string;
    /** `errorMessage` of a `failed` one. @default "seeded by the emulator" */
    readonly errorMessage?: string;
}

/** @internal */
export class BuildStore {
    private readonly uploads = new Map<string, IssuedUpload>();
    private readonly received: UploadSnapshot[] = [];
    /** In creation order. */
    private readonly builds: StoredBuild[] = [];

    constructor(private readonly config: BuildStoreConfig) {}

    /** `POST /builds/upload-url`: a fresh upload id and its presigned fields. */
    issueUpload(requestedRegion: string | undefined): Outcome<UploadGrant> {
        const region = requestedRegion ?? this.config.defaultRegion();
        if (!this.knowsRegion(region)) return fail(invalidRegion());
        const uploadId = this.config.newId();
        const issuedAt = this.config.now();
        const expiresAt = issuedAt + this.config.uploadTtlMs;
        const key = `uploads/${this.config.organizationId}/${uploadId}/context.tar.gz`;
        const fields = presignedFields({
            secret: this.config.signingSecret,
            key,
            region,
            issuedAt,
            expiresAt,
            maxBytes: this.config.uploadMaxBytes,
        });
        this.uploads.set(uploadId, { uploadId, region, key, fields, issuedAt, expiresAt, archive: undefined });
        return ok({ uploadId, uploadUrl: `${this.config.origin()}/storage/${UPLOAD_BUCKET}`, uploadFields: { ...fields }, expiresAt });
    }

    /** `POST /storage/<bucket>`: checks the form against its policy and keeps the file. */
    receiveUpload(upload: ReceivedUpload): StorageError | undefined {
        if (upload.bucket !== UPLOAD_BUCKET) return noSuchBucket();
        const checked = checkUploadForm(upload.form, this.config.signingSecret, this.config.now(), (key) => {
            const issued = this.byKey(key);
            return issued === undefined ? undefined : Object.keys(issued.fields);
        });
        if ("error" in checked) return checked.error;
        const issued = this.byKey(checked.key);
        // A key the emulator signed always names an upload it issued; a policy of another emulator fails the signature.
        if (issued === undefined) return noSuchBucket();
        issued.archive = Buffer.from(upload.file);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(upload.headers)) {
            if (value === undefined || name.toLowerCase() === "authorization") continue;
            headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
        }
        this.received.push({
            uploadId: issued.uploadId,
            bucketKey: issued.key,
            headers,
            hadAuthorization: upload.headers["authorization"] !== undefined,
            fieldNames: [...upload.form.fields.map(([name]) => name), "file"],
            archive: Buffer.from(upload.file),
            at: this.config.now(),
        });
        return undefined;
    }

    /**
     * `POST /builds`: the successful build of the same context, region and Dockerfile when there is one (a cache hit),
     * else a new `pending` build.
     */
    create(request: CreateBuildRequest): Outcome<{ reading: BuildReading; cached: boolean }> {
        const region = request.region ?? this.config.defaultRegion();
        if (!this.knowsRegion(region)) return fail(invalidRegion());
        const upload = this.uploads.get(request.uploadId.toLowerCase());
        // Uploads live in their region's bucket: one from another region is not found there (*choice*).
        if (upload?.archive === undefined || upload.region !== region) return fail(uploadNotFound());
        const contextHash = createHash("md5").update(upload.archive).digest("hex").slice(0, 16);
        const now = this.config.now();
        const hit = [...this.builds]
            .reverse()
            .find(
                (b) =>
                    b.contextHash === contextHash &&
                    b.region === region &&
                    b.dockerfilePath === request.dockerfilePath &&
                    statusAt(timelineOf(b), now) === "success",
            );
        if (hit !== undefined) return ok({ reading: this.reading(hit), cached: true });

        const id = this.config.newId();
        const imageName = `${EMULATOR_REGISTRY}/${this.config.organizationId}/builds/${contextHash}`;
        const digest = createHash("sha256").update(`${id}:${contextHash}:${request.dockerfilePath}`).digest("hex");
        const build: StoredBuild = {
            id,
            organizationId: this.config.organizationId,
            uploadId: upload.uploadId,
            region,
            contextHash,
            dockerfilePath: request.dockerfilePath,
            contextSizeBytes: upload.archive.length,
            createdAt: now,
            plan: planBuild({ archive: upload.archive, dockerfilePath: request.dockerfilePath, contextHash, imageName }),
            timing: { queueMs: this.config.queueMs, durationMs: this.config.durationMs, maxMs: this.config.maxMs },
            imageUri: `${imageName}@sha256:${digest}`,
            // A made-up size: a slim Python base plus three times the context.
            imageSizeBytes: 150_000_000 + 3 * upload.archive.length,
        };
        this.builds.push(build);
        return ok({ reading: this.reading(build), cached: false });
    }

    /** `GET /builds/{id}` (the id already checked to be a UUID). */
    describe(id: string): Outcome<BuildReading> {
        const build = this.find(id);
        return build === undefined ? fail(buildNotFound()) : ok(this.reading(build));
    }

    /** `GET /builds`: the filtered builds, newest first, one page of them, and how many matched. */
    list(query: ListQuery): { readonly page: BuildReading[]; readonly total: number } {
        const now = this.config.now();
        const matching = [...this.builds]
            .reverse()
            .filter(
                (b) =>
                    (query.region === undefined || b.region === query.region) &&
                    (query.contextHash === undefined || b.contextHash === query.contextHash) &&
                    (query.dockerfilePath === undefined || b.dockerfilePath === query.dockerfilePath) &&
                    (query.status === undefined || statusAt(timelineOf(b), now) === query.status),
            );
        return { page: matching.slice(query.offset, query.offset + query.limit).map((b) => this.reading(b)), total: matching.length };
    }

    /** `GET /builds/{id}/logs`: the last `limit` lines written so far. */
    logs(id: string, limit: number): Outcome<string[]> {
        const build = this.find(id);
        if (build === undefined) return fail(buildNotFound());
        return ok(snapshotOf(build, this.config.now()).logs.slice(-limit));
    }

    /** What an agent deploying build `id` reads of it, or `undefined` when there is none. */
    deployable(id: string): DeployableBuild | undefined {
        const build = this.find(id);
        if (build === undefined) return undefined;
        const status = statusAt(timelineOf(build), this.config.now());
        return { region: build.region, status, imageUri: status === "success" ? build.imageUri : undefined };
    }

    /** Creates a build without an upload, whose status never changes; see {@link SeedBuild}. */
    seed(seed: SeedBuild = {}): BuildSnapshot {
        const where = "seedBuild";
        const id = (seed.id ?? this.config.newId()).toLowerCase();
        if (!checkBuildId(id).ok) throw new TypeError(`${where}: id must be a UUID`);
        if (this.find(id) !== undefined) throw new TypeError(`${where}: a build with id ${id} exists`);
        const region = seed.region ?? this.config.defaultRegion();
        if (!this.knowsRegion(region)) throw new TypeError(`${where}: region '${region}' is not one of the organisation's`);
        const status = seed.status ?? "success";
        if (!BUILD_STATUSES.includes(status)) throw new TypeError(`${where}: status must be one of ${BUILD_STATUSES.join(", ")}`);
        const contextHash = seed.contextHash ?? createHash("md5").update(id).digest("hex").slice(0, 16);
        const dockerfilePath = seed.dockerfilePath ?? DEFAULT_DOCKERFILE_PATH;
        const imageName = `${EMULATOR_REGISTRY}/${this.config.organizationId}/builds/${contextHash}`;
        const step = { instruction: "FROM scratch", extraMs: status === "timeout" ? 1 : 0, lines: ["Step 1/1 : FROM scratch"] };
        const failed = { step: -1, errorMessage: seed.errorMessage ?? "seeded by the emulator" };
        // The timing pins the status: never started, never ending, ended at once, or over the maximum at once.
        const timing = {
            queueMs: status === "pending" ? Infinity : 0,
            durationMs: status === "building" ? Infinity : 0,
            maxMs: status === "building" ? Infinity : 0,
        };
        this.builds.push({
            id,
            organizationId: this.config.organizationId,
            uploadId: this.config.newId(),
            region,
            contextHash,
            dockerfilePath,
            contextSizeBytes: 0,
            createdAt: this.config.now(),
            plan: {
                preamble: [],
                steps: status === "failed" ? [] : [step],
                failure: status === "failed" ? failed : undefined,
                epilogue: [],
                fileCount: 0,
                totalSteps: status === "failed" ? 0 : 1,
            },
            timing,
            imageUri: `${imageName}@sha256:${createHash("sha256").update(id).digest("hex")}`,
            imageSizeBytes: 150_000_000,
        });
        return snapshotOf(this.builds[this.builds.length - 1] as StoredBuild, this.config.now());
    }

    /** Every upload the storage accepted, oldest first (copies). */
    uploadSnapshots(): UploadSnapshot[] {
        return this.received.map((u) => ({
            ...u,
            headers: { ...u.headers },
            fieldNames: [...u.fieldNames],
            archive: Buffer.from(u.archive),
        }));
    }

    /** Every build, in creation order, as it is now. */
    buildSnapshots(): BuildSnapshot[] {
        return this.builds.map((b) => snapshotOf(b, this.config.now()));
    }

    /** The largest storage request body read: the policy's limit plus room for the form's fields. */
    maxUploadRequestBytes(): number {
        return this.config.uploadMaxBytes + FORM_OVERHEAD_BYTES;
    }

    private find(id: string): StoredBuild | undefined {
        return this.builds.find((b) => b.id === id.toLowerCase());
    }

    private byKey(key: string): IssuedUpload | undefined {
        const uploadId = /^uploads\/[^/]+\/([^/]+)\/context\.tar\.gz$/.exec(key)?.[1];
        const issued = uploadId === undefined ? undefined : this.uploads.get(uploadId);
        return issued?.key === key ? issued : undefined;
    }

    private knowsRegion(region: string): boolean {
        return this.config.regions.some((r) => r.code === region);
    }

    private reading(build: StoredBuild): BuildReading {
        return { build, now: this.config.now(), logsUrl: `${this.config.origin()}/v1/builds/${build.id}/logs` };
    }
}

/** Room for a form's fields (and multipart boundaries) beyond the file in one storage request. */
const FORM_OVERHEAD_BYTES = 64 * 1024;
