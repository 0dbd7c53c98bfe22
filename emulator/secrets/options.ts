/**
 * The options of the secrets room (part of `EmulatorOptions`), their defaults, and their checks.
 */
import { checkOption, isNonNegativeNumber } from "../options";

/** Whether a PUT with an image-pull body may update an existing image-pull set. */
export type ImagePullUpdates = "refuse" | "accept";

/** The options of `startEmulator` that only the secrets room reads. */
export interface SecretsOptions {
    /**
     * How long a set stays `pending` after each successful change (PUT, key deletion) before it is `ready` (or
     * `failed`). 0 means ready at the next read.
     * @default 0
     */
    readonly readyAfterMs?: number | undefined;
    /**
     * The pending time of each provisioning of one set, by its name, instead of `readyAfterMs` (which then applies to
     * no set): for benchmarks whose sets take different times, e.g. spread deterministically over 1–3 s. Called when a
     * provisioning starts (a PUT, a key deletion, a `pending` seed); it must return a non-negative number of
     * milliseconds, else that request fails with a `TypeError` naming this option. In-process only.
     * @default every set waits `readyAfterMs`
     */
    readonly readyAfterMsFor?: ((setName: string) => number) | undefined;
    /**
     * Whether an image-pull PUT for an existing image-pull set is refused (the seed spec: 400 "Cannot update existing
     * image pull secrets. Delete and recreate instead.") or updates it in place (the docs since March 2026).
     * @default "refuse"
     */
    readonly imagePullUpdates?: ImagePullUpdates | undefined;
}

/** The size limits of sets (the emulator's choices: the Pipecat Cloud docs do not document any). */
export interface SecretsLimits {
    /**
     * Largest secret value (regular or image-pull), in UTF-8 bytes.
     * @default 65536
     */
    readonly maxValueBytes: number;
    /**
     * Most keys a regular set may hold after a merge.
     * @default 500
     */
    readonly maxKeysPerSet: number;
}

/** The default limits of sets. @internal */
export const DEFAULT_SECRETS_LIMITS: SecretsLimits = Object.freeze({
    maxValueBytes: 64 * 1024,
    maxKeysPerSet: 500,
});

/** {@link SecretsOptions} with defaults applied and checked. @internal */
export interface ResolvedSecretsOptions {
    readonly readyAfterMs: number;
    readonly readyAfterMsFor: ((setName: string) => number) | undefined;
    readonly imagePullUpdates: ImagePullUpdates;
}

/** Applies defaults and checks; throws a `TypeError` naming the option. @internal */
export function resolveSecretsOptions(options: SecretsOptions): ResolvedSecretsOptions {
    const readyAfterMs = options.readyAfterMs ?? 0;
    checkOption(isNonNegativeNumber(readyAfterMs), "readyAfterMs", "must be a non-negative number of milliseconds");

    const readyAfterMsFor = options.readyAfterMsFor;
    checkOption(
        readyAfterMsFor === undefined || typeof readyAfterMsFor === "function",
        "readyAfterMsFor",
        "must be a function (setName) => number",
    );

    const imagePullUpdates = options.imagePullUpdates ?? "refuse";
    checkOption(imagePullUpdates === "refuse" || imagePullUpdates === "accept", "imagePullUpdates", 'must be "refuse" or "accept"');
    return { readyAfterMs, readyAfterMsFor, imagePullUpdates };
}
