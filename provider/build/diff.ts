/**
 * What a change of inputs means for a build: nothing, or a replacement. A build is an immutable record in
 * Pipecat Cloud (no update, no documented delete), so every change that matters is a new build. Pure, so
 * the plan `pulumi preview` shows is the one `pulumi up` carries out.
 */
import { UNKNOWN } from "../inputs";
import type { BuildInputs, BuildOutputs } from "./types";

export interface BuildDiff {
    readonly changes: boolean;
    readonly replaces: string[];
    /** Always false: the old build's delete only leaves the state, so the new one is made first, without a gap. */
    readonly deleteBeforeReplace: boolean;
}

/** Equal and known (in a preview, an unknown value is a change). */
function same(a: unknown, b: unknown): boolean {
    return a === b && b !== UNKNOWN;
}

/**
 * - Another context hash (the files changed) or another Dockerfile: a new build.
 * - A newly declared region: a new build there. A region no longer declared keeps the build where it is
 *   (check carries the old region into the inputs), as for an Agent.
 * - Anything else (the context's path moved, same files): no change, no request.
 */
export function diffBuild(olds: Partial<BuildOutputs>, news: BuildInputs): BuildDiff {
    const replaces: string[] = [];
    if (!same(olds.contextHash, news.contextHash)) replaces.push("contextHash");
    if (!same(olds.dockerfile, news.dockerfile)) replaces.push("dockerfile");
    if (news.region !== undefined && !same(olds.region, news.region)) replaces.push("region");
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
}
