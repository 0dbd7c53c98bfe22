/**
 * The agents room's door: what the composition root (emulator.ts) wires and the public entry re-exports; both import
 * the room only through it. Exports tagged internal are left out of the published declarations.
 */
export type { AgentsOptions, DeployPhaseMs } from "./options";
export type { DeploymentPhase, RevisionHealth, RevisionPhase } from "./deployments";
export type { AgentSnapshot, DeploymentSnapshot, ImagePullCredentials } from "./records";
export type { DeploymentFailureMode, FailDeploymentOptions } from "./rollout";
export type { AgentProfile, AgentSpec, AutoScaling, KrispAudioFilter, NodeType, ScalingPatch, SpecPatch, WebsocketAuth } from "./rules";
export { KRISP_VIVA_AUDIO_FILTERS } from "./rules";
export type { AgentPatch } from "./store";
/** @internal */
export type { ResolvedAgentsOptions } from "./options";
/** @internal */
export { resolveAgentsOptions } from "./options";
/** @internal */
export { handleAgents } from "./handlers";
/** @internal */
export { AgentStore } from "./store";
/** @internal */
export type { BuildBinding, BuildSource } from "./bindings";
/** @internal */
export { EMULATOR_ORGANIZATION_ID } from "./views";
