/**
 * The options of the agents room.
 */

/** How long an agent deployment stays in each phase, in milliseconds (see {@link EmulatorOptions.deployPhaseMs}). */
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
