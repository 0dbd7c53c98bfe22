/**
 * The options of the agents room (part of `EmulatorOptions`), their defaults, and their checks.
 */
import { checkOption, isNonNegativeNumber } from "../options";

/** The options of `startEmulator` that only the agents room reads. */
export interface AgentsOptions {
    /**
     * How long a new agent deployment stays in each phase: `Creating` for `creating` ms, then `Validating` for
     * `validating` ms, then `Active`. When it becomes `Active`, the deployment it replaces shows as `Draining` for
     * `draining` ms, then is gone. All 0 by default: a new deployment is `Active` at the next read.
     * @default { creating: 0, validating: 0, draining: 0 }
     */
    readonly deployPhaseMs?: DeployPhaseMs | undefined;
    /**
     * The phase durations of one agent's deployments, by the agent's name, over `deployPhaseMs` (a phase it leaves out
     * keeps `deployPhaseMs`'s): for benchmarks whose agents take different times, e.g. spread deterministically over
     * 5–10 s. Called when a deployment starts; the durations stay that deployment's own. Each phase returned must be a
     * non-negative number of milliseconds, else that request fails with a `TypeError` naming this option. In-process only.
     * @default every deployment takes `deployPhaseMs`
     */
    readonly deployPhaseMsFor?: ((agentName: string) => DeployPhaseMs) | undefined;
    /**
     * How long the teardown that `DELETE /agents/{name}` starts takes. 0: the agent is gone at once. Otherwise the
     * DELETE answers 200 at once, but the agent stays readable and listed (with `deletedAt`) for this long, `POST
     * /agents` with its name answers 400 `Service already exists` and an update 404 `Service not found` until the
     * teardown ends.
     * @default 0
     */
    readonly agentDeleteAfterMs?: number | undefined;
}

/** How long an agent deployment stays in each phase, in milliseconds (see {@link AgentsOptions.deployPhaseMs}). */
export interface DeployPhaseMs {
    /** Time in `Creating` (image pull, container start); `reconciledDeploymentId` catches up when it ends. @default 0 */
    readonly creating?: number | undefined;
    /** Time in `Validating` (readiness checks) before `Active`. @default 0 */
    readonly validating?: number | undefined;
    /** Time the replaced deployment shows as `Draining` (as `previousRevision`) once the new one is `Active`. @default 0 */
    readonly draining?: number | undefined;
}

/** {@link DeployPhaseMs} with defaults applied. @internal */
export interface ResolvedDeployPhaseMs {
    readonly creating: number;
    readonly validating: number;
    readonly draining: number;
}

/** {@link AgentsOptions} with defaults applied and checked. @internal */
export interface ResolvedAgentsOptions {
    readonly deployPhaseMs: ResolvedDeployPhaseMs;
    readonly deployPhaseMsFor: ((agentName: string) => DeployPhaseMs) | undefined;
    readonly agentDeleteAfterMs: number;
}

/** Applies defaults and checks; throws a `TypeError` naming the option. @internal */
export function resolveAgentsOptions(options: AgentsOptions): ResolvedAgentsOptions {
    const phases = options.deployPhaseMs ?? {};
    checkOption(typeof phases === "object" && phases !== null, "deployPhaseMs", "must be an object { creating?, validating?, draining? }");
    const unknownPhase = Object.keys(phases).find((k) => !["creating", "validating", "draining"].includes(k));
    checkOption(unknownPhase === undefined, "deployPhaseMs", `has no phase '${String(unknownPhase)}' (creating, validating, draining)`);
    const deployPhaseMs = resolvePhases(phases, { creating: 0, validating: 0, draining: 0 }, "deployPhaseMs");
    const deployPhaseMsFor = options.deployPhaseMsFor;
    checkOption(
        deployPhaseMsFor === undefined || typeof deployPhaseMsFor === "function",
        "deployPhaseMsFor",
        "must be a function (agentName) => { creating?, validating?, draining? }",
    );

    const agentDeleteAfterMs = options.agentDeleteAfterMs ?? 0;
    checkOption(isNonNegativeNumber(agentDeleteAfterMs), "agentDeleteAfterMs", "must be a non-negative number of milliseconds");
    return { deployPhaseMs, deployPhaseMsFor, agentDeleteAfterMs };
}

/** `phases` over `defaults`, each checked; a problem throws the `TypeError` that names `option`. @internal */
export function resolvePhases(phases: DeployPhaseMs, defaults: ResolvedDeployPhaseMs, option: string): ResolvedDeployPhaseMs {
    const resolved: ResolvedDeployPhaseMs = {
        creating: phases.creating ?? defaults.creating,
        validating: phases.validating ?? defaults.validating,
        draining: phases.draining ?? defaults.draining,
    };
    for (const [phase, ms] of Object.entries(resolved)) {
        checkOption(isNonNegativeNumber(ms), `${option}.${phase}`, "must be a non-negative number of milliseconds");
    }
    return resolved;
}
