/**
 * The emulator's delays for the issue-20 phases, per resource and deterministic: each resource's delay is drawn
 * from a range by a hash of a seed, its kind and its name, so every run (and the limit computed from them) sees
 * the same values. `scale` compresses every range (BENCH_STACK_SCALE).
 */
import { createHash } from "node:crypto";
import type { DeployPhaseMs } from "../emulator";

/** A range of delays in ms. */
export interface Range {
    readonly minMs: number;
    readonly maxMs: number;
}

/** The realistic ranges: sets 1–3 s, deployments 5–10 s, builds 20–30 s. */
export const REALISTIC: { readonly set: Range; readonly deployment: Range; readonly build: Range } = {
    set: { minMs: 1_000, maxMs: 3_000 },
    deployment: { minMs: 5_000, maxMs: 10_000 },
    build: { minMs: 20_000, maxMs: 30_000 },
};

/** The seed of every spread, so that a rerun draws the same delays. */
export const SEED = "issue-20";

/** A delay in `range` (scaled), the same for the same seed, kind and name. */
export function spread(range: Range, kind: string, name: string, scale = 1, seed = SEED): number {
    const digest = createHash("sha256").update(`${seed}\0${kind}\0${name}`).digest();
    const fraction = digest.readUInt32BE(0) / 2 ** 32;
    return Math.round((range.minMs + fraction * (range.maxMs - range.minMs)) * scale);
}

/** The share of a deployment spent `Validating` (readiness checks), after `Creating` (image pull, start). */
export const VALIDATING_SHARE = 0.3;

/** A deployment of `totalMs`: `Creating`, then `VALIDATING_SHARE` of it `Validating` (0: ready when reconciled). */
export function deployPhases(
    totalMs: number,
    validatingShare = VALIDATING_SHARE,
): Required<Pick<DeployPhaseMs, "creating" | "validating">> {
    const creating = Math.round(totalMs * (1 - validatingShare));
    return { creating, validating: totalMs - creating };
}

/** The delays of one stack: per resource name, in ms, and the options that make the emulator take them. */
export interface StackDelays {
    readonly scale: number;
    readonly setMs: (setName: string) => number;
    readonly deployMs: (agentName: string) => number;
    /** Queue + steps + the Dockerfile's `RUN sleep`: the whole build, from `POST /builds` to `success`. */
    readonly buildMs: (buildName: string) => number;
}

export function stackDelays(scale: number): StackDelays {
    return {
        scale,
        setMs: (name) => spread(REALISTIC.set, "set", name, scale),
        deployMs: (name) => spread(REALISTIC.deployment, "deployment", name, scale),
        buildMs: (name) => spread(REALISTIC.build, "build", name, scale),
    };
}

/** How the emulator queues and runs a build in the stacks; the rest of a build's time is its Dockerfile's `RUN sleep`. */
export const BUILD_QUEUE_MS = 500;
export const BUILD_STEPS_MS = 500;
