/**
 * The agents API's answer bodies, rendered from an agent as the store read it (with its deployments' state at that
 * moment): `ServiceDetailsResponse` and the list items, with the field names of Pipecat's docs. Pure functions.
 *
 * Names only: set names, the image, scaling and phases. A deployment's captured values never reach a view.
 */
import { type AgentState, type RevisionHealth, type RevisionPhase, healthAt, readyReplicas } from "./deployments";
import type { AgentProfile, AgentSpec } from "./rules";
import type { AgentReading, StoredAgent, StoredDeployment } from "./records";

/** `apiVersion` of the manifest, as documented. */
export const MANIFEST_API_VERSION = "pipecatcloud.daily.co/v1";
/** Kubernetes namespace the emulator's organisation deploys into (the docs show an organisation's generated one). */
export const EMULATOR_NAMESPACE = "emulator";
/** Organisation id of every agent in list items (the emulator has one organisation). */
export const EMULATOR_ORGANIZATION_ID = "00000000-0000-4000-8000-000000000000";

/** Resources of each profile, as the docs describe them (0.5 vCPU and 1 GB per step). */
const RESOURCES: Readonly<Record<AgentProfile, { cpu: string; memory: string }>> = {
    "agent-1x": { cpu: "500m", memory: "1Gi" },
    "agent-2x": { cpu: "1000m", memory: "2Gi" },
    "agent-3x": { cpu: "1500m", memory: "3Gi" },
};

/** A revision as `currentRevision` / `previousRevision` show it. */
export interface RevisionView {
    readonly deploymentID: string;
    readonly phase: RevisionPhase;
    readonly readyReplicas: number;
    /** ISO 8601. */
    readonly phaseStartedAt: string;
    readonly health: RevisionHealth;
}

function iso(ms: number): string {
    return new Date(ms).toISOString();
}

function manifestSpec(agent: StoredAgent, spec: AgentSpec): Record<string, unknown> {
    return {
        dailyNodeType: spec.nodeType,
        // The docs: "image ... Redacted when deployed via a build"; the emulator shows the build instead.
        ...(spec.image === undefined ? {} : { image: spec.image }),
        ...(spec.buildId === undefined ? {} : { buildId: spec.buildId }),
        autoScaling: { minReplicas: agent.autoScaling.minAgents, maxReplicas: agent.autoScaling.maxAgents },
        ...(spec.imagePullSecretSet === undefined ? {} : { imagePullSecretName: spec.imagePullSecretSet }),
        envFromSecretNames: spec.secretSet === undefined ? [] : [spec.secretSet],
        resources: { ...RESOURCES[spec.agentProfile] },
        krispModels: { enabled: spec.enableKrisp },
        krispViva: { audioFilters: spec.krispViva.audioFilter !== null },
        maxSessionDurationSeconds: spec.maxSessionDuration,
        websocketAuth: spec.websocketAuth,
        enableIntegratedKeysProxy: spec.enableIntegratedKeysProxy,
    };
}

/** The `deployment` object of a details answer (and of a list item with `includeActiveDeployment=true`). */
function deploymentView(agent: StoredAgent, d: StoredDeployment): Record<string, unknown> {
    return {
        id: d.id,
        manifest: {
            apiVersion: MANIFEST_API_VERSION,
            kind: "PCService",
            metadata: { name: agent.name, namespace: EMULATOR_NAMESPACE },
            spec: manifestSpec(agent, d.spec),
        },
        serviceId: agent.serviceId,
        createdAt: iso(d.startedAt),
        updatedAt: iso(d.updatedAt),
    };
}

function revisionView(reading: AgentReading, revision: NonNullable<AgentState["previous"]>): RevisionView {
    const { agent, now, phases } = reading;
    const d = agent.deployments[revision.index];
    if (d === undefined) throw new RangeError(`revisionView: no deployment ${revision.index}`);
    const phase = revision.phase;
    if (phase === "Superseded" || phase === "Retired") throw new Error(`revisionView: a ${phase} deployment is never shown`);
    return {
        deploymentID: d.id,
        phase,
        readyReplicas: readyReplicas(phase, agent.autoScaling.minAgents),
        phaseStartedAt: iso(revision.since),
        health: healthAt(d, revision, now, agent.autoScaling.minAgents, phases),
    };
}

function idAt(agent: StoredAgent, index: number | undefined): string | null {
    return index === undefined ? null : (agent.deployments[index]?.id ?? null);
}

/** `ServiceDetailsResponse`: what create, update and `GET /agents/{name}` answer. @internal */
export function serviceDetails(reading: AgentReading): Record<string, unknown> {
    const { agent, state } = reading;
    const latest = agent.deployments[state.current.index];
    if (latest === undefined) throw new RangeError("serviceDetails: an agent has at least one deployment");
    const ready = state.current.phase === "Active";
    return {
        name: agent.name,
        region: agent.region,
        ready,
        available: state.serving !== undefined,
        createdAt: iso(agent.createdAt),
        updatedAt: iso(agent.updatedAt),
        desiredDeploymentId: latest.id,
        // Deprecated in the docs: "Use desiredDeploymentId instead. ID of the requested deployment."
        activeDeploymentId: latest.id,
        reconciledDeploymentId: idAt(agent, state.reconciled),
        // Deprecated in the docs: "redundant with ready".
        activeDeploymentReady: ready,
        autoScaling: { maxReplicas: agent.autoScaling.maxAgents, minReplicas: agent.autoScaling.minAgents },
        activeSessionCount: 0,
        deployment: deploymentView(agent, latest),
        agentProfile: latest.spec.agentProfile,
        krispViva: { audioFilter: latest.spec.krispViva.audioFilter },
        currentRevision: revisionView(reading, state.current),
        previousRevision: state.previous === undefined ? null : revisionView(reading, state.previous),
    };
}

/** One item of `GET /agents`, with the documented `ServiceListItem` fields. @internal */
export function serviceListItem(reading: AgentReading, includeDeployment: boolean): Record<string, unknown> {
    const { agent, state } = reading;
    const latest = agent.deployments[state.current.index];
    if (latest === undefined) throw new RangeError("serviceListItem: an agent has at least one deployment");
    return {
        id: agent.serviceId,
        name: agent.name,
        region: agent.region,
        desiredDeploymentId: latest.id,
        activeDeploymentId: latest.id,
        reconciledDeploymentId: idAt(agent, state.reconciled),
        organizationId: EMULATOR_ORGANIZATION_ID,
        createdAt: iso(agent.createdAt),
        updatedAt: iso(agent.updatedAt),
        deletedAt: agent.deletedAt === undefined ? null : iso(agent.deletedAt),
        ...(includeDeployment ? { deployment: deploymentView(agent, latest) } : {}),
    };
}
