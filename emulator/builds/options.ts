/**
 * The options of the builds room (part of `EmulatorOptions`), their defaults, and their checks.
 */
import { checkOption, isNonNegativeNumber, isPositiveInteger } from "../options";

/** The options of `startEmulator` that only the builds room reads. */
export interface BuildsOptions {
    /**
     * How long a new build stays `pending` before it starts `building`.
     * @default 1000
     */
    readonly buildQueueMs?: number | undefined;
    /**
     * How long a build's steps take together (each `RUN sleep N` of its Dockerfile adds N seconds) before it ends
     * `success` or `failed`.
     * @default 3000
     */
    readonly buildDurationMs?: number | undefined;
    /**
     * How long a build may stay `building`: one that would take longer ends `timeout` then (the server's own limit).
     * @default 1800000 (30 minutes)
     */
    readonly buildMaxMs?: number | undefined;
    /**
     * The largest context an upload policy allows (its `content-length-range`); a larger file answers 400
     * `EntityTooLarge`. Lower it to test the limit without large files.
     * @default 524288000 (500 MB, the official clients' limit)
     */
    readonly buildUploadMaxBytes?: number | undefined;
    /**
     * How long an upload URL (its policy) stays valid after `POST /builds/upload-url`.
     * @default 900000 (15 minutes, as documented)
     */
    readonly uploadUrlTtlMs?: number | undefined;
}

/** The default of {@link BuildsOptions.buildUploadMaxBytes}: 500 MB. */
export const DEFAULT_BUILD_UPLOAD_MAX_BYTES = 500 * 1024 * 1024;

/** {@link BuildsOptions} with defaults applied and checked. @internal */
export interface ResolvedBuildsOptions {
    readonly buildQueueMs: number;
    readonly buildDurationMs: number;
    readonly buildMaxMs: number;
    readonly buildUploadMaxBytes: number;
    readonly uploadUrlTtlMs: number;
}

/** Applies defaults and checks; throws a `TypeError` naming the option. @internal */
export function resolveBuildsOptions(options: BuildsOptions): ResolvedBuildsOptions {
    const resolved: ResolvedBuildsOptions = {
        buildQueueMs: options.buildQueueMs ?? 1000,
        buildDurationMs: options.buildDurationMs ?? 3000,
        buildMaxMs: options.buildMaxMs ?? 30 * 60 * 1000,
        buildUploadMaxBytes: options.buildUploadMaxBytes ?? DEFAULT_BUILD_UPLOAD_MAX_BYTES,
        uploadUrlTtlMs: options.uploadUrlTtlMs ?? 15 * 60 * 1000,
    };
    for (const option of ["buildQueueMs", "buildDurationMs"] as const) {
        checkOption(isNonNegativeNumber(resolved[option]), option, "must be a non-negative number of milliseconds");
    }
    for (const option of ["buildMaxMs", "uploadUrlTtlMs"] as const) {
        checkOption(isNonNegativeNumber(resolved[option]) && resolved[option] > 0, option, "must be a positive number of milliseconds");
    }
    checkOption(isPositiveInteger(resolved.buildUploadMaxBytes), "buildUploadMaxBytes", "must be a positive whole number of bytes");
    return resolved;
}
