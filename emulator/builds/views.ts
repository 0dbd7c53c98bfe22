/**
 * The builds API's answer bodies, rendered from a build as the store read it, with the field names of the REST spec.
 * Pure functions.
 */
import type { UploadGrant, BuildReading } from "./store";
import { statusAt, timelineOf } from "./records";

function iso(ms: number): string {
    return new Date(ms).toISOString();
}

/** The `build` object of `GET /builds/{id}`, `POST /builds` and the list. @internal */
export function buildView(reading: BuildReading): Record<string, unknown> {
    const { build, now, logsUrl } = reading;
    const timeline = timelineOf(build);
    const status = statusAt(timeline, now);
    const started = status !== "pending";
    const ended = started && status !== "building";
    const updatedAt = ended ? timeline.endedAt : started ? timeline.startedAt : build.createdAt;
    return {
        id: build.id,
        organizationId: build.organizationId,
        status,
        region: build.region,
        contextHash: build.contextHash,
        dockerfilePath: build.dockerfilePath,
        ...(status === "success" ? { imageUri: build.imageUri } : {}),
        logsUrl,
        ...(ended && timeline.errorMessage !== undefined ? { errorMessage: timeline.errorMessage } : {}),
        contextSizeBytes: build.contextSizeBytes,
        ...(status === "success" ? { imageSizeBytes: build.imageSizeBytes } : {}),
        ...(ended ? { buildDurationSeconds: Math.round((timeline.endedAt - timeline.startedAt) / 1000) } : {}),
        startedAt: started ? iso(timeline.startedAt) : null,
        completedAt: ended ? iso(timeline.endedAt) : null,
        createdAt: iso(build.createdAt),
        updatedAt: iso(updatedAt),
    };
}

/** `POST /builds/upload-url`'s answer. @internal */
export function uploadGrantView(grant: UploadGrant): Record<string, unknown> {
    return { uploadId: grant.uploadId, uploadUrl: grant.uploadUrl, uploadFields: grant.uploadFields, expiresAt: iso(grant.expiresAt) };
}
