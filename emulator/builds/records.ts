/**
 * Uploads and builds as the store keeps them, as the test hooks show them (plain copies), and a build's life
 * computed from the clock: which status it is in, when it started and ended, and which log lines it has written by
 * then. No I/O, no state, no timers.
 *
 * A build is `pending` for the queue time, then `building` while its steps run (the base duration shared between
 * its steps, plus each `RUN sleep`), then `success`, or `failed` when its failing step ends (at once when the
 * Dockerfile cannot be read). A build whose steps would run longer than the maximum ends `timeout` at that maximum.
 */
import type { BuildPlan } from "./dockerfile";
import type { BuildStatus } from "./rules";

/** An upload URL handed out: where its file may go, and the fields it was issued with. @internal */
export interface IssuedUpload {
    readonly uploadId: string;
    readonly region: string;
    readonly key: string;
    readonly fields: Readonly<Record<string, string>>;
    readonly issuedAt: number;
    readonly expiresAt: number;
    /** The last file the storage accepted for it. */
    archive: Buffer | undefined;
}

/** An upload the storage service accepted, as `emulator.uploads()` shows it. */
export interface UploadSnapshot {
    /** The upload id its `key` names. */
    readonly uploadId: string;
    /** The object key it was written to (`uploads/<orgId>/<uploadId>/context.tar.gz`). */
    readonly bucketKey: string;
    /** The request's headers, lower-case names, without `authorization` (see {@link UploadSnapshot.hadAuthorization}). */
    readonly headers: Readonly<Record<string, string>>;
    /** Whether the request carried an `Authorization` header (it should not: the upload needs no API key). */
    readonly hadAuthorization: boolean;
    /** The names of the form's fields before the file, in order, then `file`. */
    readonly fieldNames: readonly string[];
    /** The file's bytes (the gzipped context). */
    readonly archive: Buffer;
    /** Clock time (ms) it was received at. */
    readonly at: number;
}

/** The durations a build was created with (later option changes do not reach it). @internal */
export interface BuildTiming {
    readonly queueMs: number;
    readonly durationMs: number;
    readonly maxMs: number;
}

/** A build as stored. @internal */
export interface StoredBuild {
    readonly id: string;
    readonly organizationId: string;
    readonly uploadId: string;
    readonly region: string;
    readonly contextHash: string;
    readonly dockerfilePath: string;
    readonly contextSizeBytes: number;
    readonly createdAt: number;
    readonly plan: BuildPlan;
    readonly timing: BuildTiming;
    /** What a success pushes (shown only once it is `success`). */
    readonly imageUri: string;
    readonly imageSizeBytes: number;
}

/** A build as `emulator.builds()` shows it: the record and its state now (no archive). */
export interface BuildSnapshot {
    /** The build's id (a UUID). */
    readonly id: string;
    /** The upload its context came from. */
    readonly uploadId: string;
    /** Its status now. */
    readonly status: BuildStatus;
    /** The region it was built in. */
    readonly region: string;
    /** The first 16 hex of the MD5 of its context archive. */
    readonly contextHash: string;
    /** The Dockerfile's path in the context. */
    readonly dockerfilePath: string;
    /** The image it pushed, only once `success`. */
    readonly imageUri?: string;
    /** Why it failed, once `failed` or `timeout`. */
    readonly errorMessage?: string;
    /** The size of its context archive in bytes. */
    readonly contextSizeBytes: number;
    /** How many regular files the context held. */
    readonly fileCount: number;
    /** Clock time (ms) it was created at. */
    readonly createdAt: number;
    /** Clock time (ms) it started `building`, once it has. */
    readonly startedAt?: number;
    /** Clock time (ms) it ended, once it has. */
    readonly completedAt?: number;
    /** Every log line written so far. */
    readonly logs: readonly string[];
}

/** A build's life, computed from its record. @internal */
export interface BuildTimeline {
    readonly startedAt: number;
    /** Each planned step's start and end. */
    readonly steps: readonly { readonly start: number; readonly end: number }[];
    readonly endedAt: number;
    readonly outcome: "success" | "failed" | "timeout";
    readonly errorMessage: string | undefined;
}

/** When the build starts, when each step runs, and how and when it ends. @internal */
export function timelineOf(build: StoredBuild): BuildTimeline {
    const { plan, timing } = build;
    const startedAt = build.createdAt + timing.queueMs;
    const perStep = timing.durationMs / Math.max(1, plan.totalSteps);
    const steps: { start: number; end: number }[] = [];
    let at = startedAt;
    for (const step of plan.steps) {
        steps.push({ start: at, end: at + perStep + step.extraMs });
        at += perStep + step.extraMs;
    }
    if (at - startedAt > timing.maxMs) {
        const minutes = timing.maxMs / 60_000;
        const limit = Number.isInteger(minutes) ? `${minutes} minute${minutes === 1 ? "" : "s"}` : `${timing.maxMs} ms`;
        return { startedAt, steps, endedAt: startedAt + timing.maxMs, outcome: "timeout", errorMessage: `Build timed out after ${limit}` };
    }
    const failure = plan.failure;
    return failure === undefined
        ? { startedAt, steps, endedAt: at, outcome: "success", errorMessage: undefined }
        : { startedAt, steps, endedAt: at, outcome: "failed", errorMessage: failure.errorMessage };
}

/** The build's status at `t`. @internal */
export function statusAt(timeline: BuildTimeline, t: number): BuildStatus {
    if (t < timeline.startedAt) return "pending";
    if (t < timeline.endedAt) return "building";
    return timeline.outcome;
}

/** The log lines written by `t`: a step's first line when it starts, the rest when it ends, the end's lines at the end. @internal */
export function logsAt(build: StoredBuild, timeline: BuildTimeline, t: number): string[] {
    if (t < timeline.startedAt) return [];
    const { plan } = build;
    const ended = t >= timeline.endedAt;
    if (plan.failure?.step === -1) return ended ? [plan.failure.errorMessage] : [];
    const lines = [...plan.preamble];
    // A timed-out build's steps stop where it was stopped.
    const until = Math.min(t, timeline.endedAt);
    for (const [i, step] of plan.steps.entries()) {
        const times = timeline.steps[i];
        if (times === undefined || until < times.start || (times.start === timeline.endedAt && timeline.outcome === "timeout")) break;
        lines.push(...(times.end <= until ? step.lines : step.lines.slice(0, 1)));
    }
    if (!ended) return lines;
    if (timeline.outcome === "success") lines.push(...plan.epilogue);
    if (timeline.outcome === "timeout" && timeline.errorMessage !== undefined) lines.push(timeline.errorMessage);
    return lines;
}

/** The build as the hooks show it at `t` (a plain copy). @internal */
export function snapshotOf(build: StoredBuild, t: number): BuildSnapshot {
    const timeline = timelineOf(build);
    const status = statusAt(timeline, t);
    return {
        id: build.id,
        uploadId: build.uploadId,
        status,
        region: build.region,
        contextHash: build.contextHash,
        dockerfilePath: build.dockerfilePath,
        ...(status === "success" ? { imageUri: build.imageUri } : {}),
        ...(status === "failed" || status === "timeout" ? { errorMessage: timeline.errorMessage ?? "" } : {}),
        contextSizeBytes: build.contextSizeBytes,
        fileCount: build.plan.fileCount,
        createdAt: build.createdAt,
        ...(status === "pending" ? {} : { startedAt: timeline.startedAt }),
        ...(status === "pending" || status === "building" ? {} : { completedAt: timeline.endedAt }),
        logs: logsAt(build, timeline, t),
    };
}
