/**
 * The life of an agent's deployments, computed from the clock: which phase each is in, which one serves, which one
 * the operator has reconciled, and the health each reports. Pure functions, no state, no timers: every answer is
 * derived from start times, outcomes fixed at start, and the configured phase durations.
 *
 * A deployment is `Creating` for `creating` ms, then `Validating` for `validating` ms, then `Active`; or, when its
 * outcome is a failure, `Failed` once `Creating` ends; or, in a crash loop, `Validating` for ever. It serves from the
 * moment it is `Active` until a newer deployment is; it then shows as `Draining` for `draining` ms and is gone. A
 * deployment replaced by a newer one before it became `Active` never serves.
 */
import type { ResolvedDeployPhaseMs } from "./options";

/** Phase of a revision, as the API reports it in `currentRevision` / `previousRevision`. */
export type RevisionPhase = "Creating" | "Validating" | "Active" | "Draining" | "Failed";

/**
 * Phase of a deployment as the test hooks report it: a {@link RevisionPhase}, or one the API never shows:
 * `Superseded` (replaced by a newer deployment before it became `Active`; it never served) or `Retired` (served,
 * was replaced, and has finished draining).
 */
export type DeploymentPhase = RevisionPhase | "Superseded" | "Retired";

/** `health` of a revision, with the documented field names; fields that do not apply are left out. */
export interface RevisionHealth {
    readonly ready: boolean;
    readonly state: "running" | "waiting" | "terminated";
    readonly restartCount: number;
    readonly replicasStarted: number;
    readonly reason?: string;
    readonly lastExitCode?: number;
    readonly lastTerminationReason?: string;
    readonly message?: string;
}

/** How a deployment ends, decided when it starts. @internal */
export type DeploymentOutcome =
    | { readonly kind: "healthy" }
    /** `Failed` once `Creating` ends, reporting `health`. */
    | { readonly kind: "failed"; readonly health: RevisionHealth }
    /** Stuck in `Validating`, restarting: `CrashLoopBackOff` with a growing `restartCount`. */
    | {
          readonly kind: "crash-loop";
          readonly lastExitCode: number;
          readonly lastTerminationReason: string;
          readonly message: string;
      };

/** The timing facts of one deployment. @internal */
export interface Timeline {
    readonly startedAt: number;
    readonly outcome: DeploymentOutcome;
    /** When a newer deployment of the same agent started. */
    readonly supersededAt: number | undefined;
    /** Its own phase durations (from the `deployPhaseMsFor` option), fixed when it started; else the emulator's. */
    readonly phases?: ResolvedDeployPhaseMs | undefined;
}

/** The phase durations `d` runs on: its own, else the emulator's `phases`. */
function durationsOf(d: Timeline, phases: ResolvedDeployPhaseMs): ResolvedDeployPhaseMs {
    return d.phases ?? phases;
}

/** A phase and when it began. @internal */
export interface PhaseAt {
    readonly phase: DeploymentPhase;
    readonly since: number;
}

/** Restarts a crash loop adds per interval once its first three are behind it (Kubernetes backs off to minutes). */
export const CRASH_LOOP_RESTART_INTERVAL_MS = 10_000;

/** When the deployment leaves `Creating` (the operator has reconciled it), unless it was replaced first. @internal */
export function reconciledAt(d: Timeline, phases: ResolvedDeployPhaseMs): number | undefined {
    const at = d.startedAt + durationsOf(d, phases).creating;
    return d.supersededAt === undefined || at <= d.supersededAt ? at : undefined;
}

/** When the deployment becomes `Active`, or `undefined` if it never does (failure, crash loop, replaced first). @internal */
export function activatedAt(d: Timeline, phases: ResolvedDeployPhaseMs): number | undefined {
    if (d.outcome.kind !== "healthy") return undefined;
    const own = durationsOf(d, phases);
    const at = d.startedAt + own.creating + own.validating;
    return d.supersededAt === undefined || at <= d.supersededAt ? at : undefined;
}

function lastIndex<T>(items: readonly T[], test: (item: T) => boolean): number | undefined {
    for (let i = items.length - 1; i >= 0; i--) if (test(items[i] as T)) return i;
    return undefined;
}

/** Index of the deployment serving at `t`: the newest one that has become `Active` by then. @internal */
export function servingIndex(ds: readonly Timeline[], t: number, phases: ResolvedDeployPhaseMs): number | undefined {
    return lastIndex(ds, (d) => {
        const at = activatedAt(d, phases);
        return at !== undefined && at <= t;
    });
}

/** Index of the newest deployment the operator has reconciled by `t`. @internal */
export function reconciledIndex(ds: readonly Timeline[], t: number, phases: ResolvedDeployPhaseMs): number | undefined {
    return lastIndex(ds, (d) => {
        const at = reconciledAt(d, phases);
        return at !== undefined && at <= t;
    });
}

/** The phase a deployment would be in at `t` if nothing replaced it. */
function ownPhase(d: Timeline, t: number, phases: ResolvedDeployPhaseMs): PhaseAt {
    const own = durationsOf(d, phases);
    const created = d.startedAt + own.creating;
    if (t < created) return { phase: "Creating", since: d.startedAt };
    if (d.outcome.kind === "failed") return { phase: "Failed", since: created };
    if (d.outcome.kind === "crash-loop" || t < created + own.validating) return { phase: "Validating", since: created };
    return { phase: "Active", since: created + own.validating };
}

/** The phase of deployment `i` at `t`, taking the agent's other deployments into account. @internal */
export function phaseAt(ds: readonly Timeline[], i: number, t: number, phases: ResolvedDeployPhaseMs): PhaseAt {
    const d = ds[i];
    if (d === undefined) throw new RangeError(`phaseAt: no deployment ${i}`);
    const activated = activatedAt(d, phases);
    if (activated !== undefined && activated <= t) {
        // It served. The first newer deployment to become Active replaced it.
        const replacedAt = ds
            .slice(i + 1)
            .map((n) => activatedAt(n, phases))
            .find((at): at is number => at !== undefined && at <= t);
        if (replacedAt === undefined) return { phase: "Active", since: activated };
        const draining = durationsOf(d, phases).draining;
        return t < replacedAt + draining ? { phase: "Draining", since: replacedAt } : { phase: "Retired", since: replacedAt + draining };
    }
    if (d.supersededAt !== undefined && t >= d.supersededAt) {
        const frozen = ownPhase(d, d.supersededAt, phases);
        return frozen.phase === "Failed" ? frozen : { phase: "Superseded", since: d.supersededAt };
    }
    return ownPhase(d, t, phases);
}

/** What an agent's revisions look like at one moment. @internal */
export interface AgentState {
    /** The deployment serving, if any (`available`). */
    readonly serving: number | undefined;
    /** The newest deployment the operator has reconciled, if any. */
    readonly reconciled: number | undefined;
    /** The newest deployment and its phase (`currentRevision`). */
    readonly current: { readonly index: number } & PhaseAt;
    /** The deployment still serving while the newest is not, or the one draining after it (`previousRevision`). */
    readonly previous: ({ readonly index: number } & PhaseAt) | undefined;
}

/**
 * The state of an agent's deployments at `t`. With `justStarted`, the newest deployment is shown as the write that
 * started it answers: `Creating`, not reconciled, not serving (the operator has not seen it yet), whatever the
 * phase durations.
 * @internal
 */
export function agentState(ds: readonly Timeline[], t: number, phases: ResolvedDeployPhaseMs, justStarted: boolean): AgentState {
    const latest = ds.length - 1;
    const newest = ds[latest];
    if (newest === undefined) throw new RangeError("agentState: an agent has at least one deployment");
    const seen = justStarted ? ds.slice(0, -1) : ds;
    const serving = servingIndex(seen, t, phases);
    const reconciled = reconciledIndex(seen, t, phases);
    const current = justStarted
        ? { index: latest, phase: "Creating" as const, since: newest.startedAt }
        : { index: latest, ...phaseAt(ds, latest, t, phases) };

    let previous: AgentState["previous"];
    if (serving !== undefined && serving !== latest) {
        previous = { index: serving, ...phaseAt(seen, serving, t, phases) };
    } else if (serving === latest) {
        const before = servingIndex(ds.slice(0, -1), t, phases);
        if (before !== undefined) {
            const phase = phaseAt(ds, before, t, phases);
            if (phase.phase === "Draining") previous = { index: before, ...phase };
        }
    }
    return { serving, reconciled, current, previous };
}

/** How many replicas of a revision in `phase` are ready: the warm ones while it serves or drains, else none. @internal */
export function readyReplicas(phase: DeploymentPhase, minAgents: number): number {
    return phase === "Active" || phase === "Draining" ? minAgents : 0;
}

/** The `health` a revision in `phase` reports at `t`. @internal */
export function healthAt(d: Timeline, phase: PhaseAt, t: number, minAgents: number, phases: ResolvedDeployPhaseMs): RevisionHealth {
    const started = Math.max(1, minAgents);
    switch (phase.phase) {
        case "Creating":
            return { ready: false, state: "waiting", restartCount: 0, replicasStarted: 0, reason: "ContainerCreating" };
        case "Failed":
            if (d.outcome.kind === "failed") return d.outcome.health;
            break;
        case "Validating":
            if (d.outcome.kind === "crash-loop") {
                const { lastExitCode, lastTerminationReason, message } = d.outcome;
                const restartCount = crashLoopRestarts(t - phase.since, durationsOf(d, phases).validating);
                return {
                    ready: false,
                    state: "waiting",
                    restartCount,
                    replicasStarted: started,
                    reason: "CrashLoopBackOff",
                    lastExitCode,
                    lastTerminationReason,
                    message,
                };
            }
            return { ready: false, state: "running", restartCount: 0, replicasStarted: started };
        default:
            break;
    }
    return { ready: true, state: "running", restartCount: 0, replicasStarted: minAgents };
}

/**
 * Restarts of a crash loop `elapsed` ms into `Validating`: three spread over the validating time, then one more per
 * {@link CRASH_LOOP_RESTART_INTERVAL_MS}, so it is at least 3 once the validating time has passed.
 */
function crashLoopRestarts(elapsed: number, validatingMs: number): number {
    if (validatingMs > 0 && elapsed < validatingMs) return Math.floor((3 * elapsed) / validatingMs);
    return 3 + Math.floor((elapsed - validatingMs) / CRASH_LOOP_RESTART_INTERVAL_MS);
}
