/**
 * An agent and its deployments as the store keeps them, as the test hooks show them (plain copies, names only), and
 * as a view renders them (an {@link AgentReading}). No I/O, no state.
 */
import { type AgentState, type DeploymentPhase, type Timeline, activatedAt, phaseAt, reconciledAt } from "./deployments";
import type { ResolvedDeployPhaseMs } from "./options";
import type { AgentSpec, AutoScaling } from "./rules";

/** One deployment of an agent as the test hooks show it (names only, never values). */
export interface DeploymentSnapshot {
    /** Deployment id (a UUID), as `desiredDeploymentId` and `currentRevision.deploymentID` name it. */
    readonly id: string;
    /** Whether the update that started it had `forceRedeploy: true`. */
    readonly forced: boolean;
    /** Its phase now; see {@link DeploymentPhase}. */
    readonly phase: DeploymentPhase;
    /** Clock time (the emulator's `now`, ms) it started at. */
    readonly startedAt: number;
    /** What it deploys. */
    readonly spec: AgentSpec;
    /** The image it runs: `spec.image`, or for a build the build's `imageUri` when the deployment started. */
    readonly image: string;
    /**
     * Clock time (ms) at which it leaves `Creating` (the operator has reconciled it: `reconciledDeploymentId` names it
     * from then on), past or to come; absent when a newer deployment replaced it first.
     */
    readonly reconciledAt?: number;
    /**
     * Clock time (ms) at which it becomes `Active`, past or to come; absent when it never does (a failure, a crash loop,
     * or replaced first). A read from then on reports it `Active`.
     */
    readonly activeAt?: number;
}

/** A stored agent as `emulator.agent()` shows it: its declared fields and every deployment, oldest first. */
export interface AgentSnapshot {
    readonly name: string;
    readonly region: string;
    /** The service's id (`id` in list items, `serviceId` in `deployment`). */
    readonly serviceId: string;
    /** Clock times (ms). */
    readonly createdAt: number;
    readonly updatedAt: number;
    /** Scaling, in the request's names. */
    readonly autoScaling: AutoScaling;
    /** The declared deployment fields (those of the newest deployment). */
    readonly spec: AgentSpec;
    readonly deployments: readonly DeploymentSnapshot[];
    /** Clock time (ms) of the `DELETE` whose teardown is under way (only with the `agentDeleteAfterMs` option). */
    readonly deletedAt?: number;
}

/** Registry credentials a serving deployment pulled its image with. */
export interface ImagePullCredentials {
    /** Registry host, with the trailing slash the API adds. */
    readonly host: string;
    readonly secretValue: string;
}

/** A deployment as stored: its timeline, what it deploys, and the values it captured when it started. @internal */
export interface StoredDeployment extends Timeline {
    readonly id: string;
    readonly forced: boolean;
    readonly spec: AgentSpec;
    /** The image it runs (`spec.image`, or its build's `imageUri`). */
    readonly image: string;
    supersededAt: number | undefined;
    /** Last change to its manifest: its start, or a later scaling change. */
    updatedAt: number;
    /** Values of the bound regular set when it started (`{}` for a referenced set); `undefined` when none was bound. */
    readonly secrets: Readonly<Record<string, string>> | undefined;
    /** Credentials of the bound image-pull set when it started; `undefined` when none was bound. */
    readonly imagePull: ImagePullCredentials | undefined;
}

/** An agent as stored. @internal */
export interface StoredAgent {
    readonly name: string;
    readonly region: string;
    readonly serviceId: string;
    readonly createdAt: number;
    updatedAt: number;
    autoScaling: AutoScaling;
    /** Oldest first; never empty. The newest one's spec is the agent's declared spec. */
    readonly deployments: StoredDeployment[];
    /** When a DELETE started its teardown (with `deleteAfterMs` > 0); the agent is gone `deleteAfterMs` later. */
    deletedAt: number | undefined;
}

/**
 * An agent as read at one moment, for a view to render: the stored agent, the state of its deployments then, and the
 * clock time and phase durations a revision's health is computed from. Rendered at once, before the store changes.
 * @internal
 */
export interface AgentReading {
    readonly agent: StoredAgent;
    readonly state: AgentState;
    readonly now: number;
    readonly phases: ResolvedDeployPhaseMs;
}

/** The newest deployment of an agent (whose spec is its declared spec). @internal */
export function latestOf(agent: StoredAgent): StoredDeployment {
    const latest = agent.deployments[agent.deployments.length - 1];
    if (latest === undefined) throw new Error(`agent '${agent.name}' has no deployment`);
    return latest;
}

/** The agent as the test hooks show it at `now`: a plain copy, names only. @internal */
export function snapshotOf(agent: StoredAgent, now: number, phases: ResolvedDeployPhaseMs): AgentSnapshot {
    return {
        name: agent.name,
        region: agent.region,
        serviceId: agent.serviceId,
        createdAt: agent.createdAt,
        updatedAt: agent.updatedAt,
        autoScaling: { ...agent.autoScaling },
        spec: copySpec(latestOf(agent).spec),
        deployments: agent.deployments.map((d, i) => {
            const reconciled = reconciledAt(d, phases);
            const active = activatedAt(d, phases);
            return {
                id: d.id,
                forced: d.forced,
                phase: phaseAt(agent.deployments, i, now, phases).phase,
                startedAt: d.startedAt,
                spec: copySpec(d.spec),
                image: d.image,
                ...(reconciled === undefined ? {} : { reconciledAt: reconciled }),
                ...(active === undefined ? {} : { activeAt: active }),
            };
        }),
        ...(agent.deletedAt === undefined ? {} : { deletedAt: agent.deletedAt }),
    };
}

function copySpec(spec: AgentSpec): AgentSpec {
    return { ...spec, krispViva: { ...spec.krispViva } };
}
