/**
 * A local emulator of the Pipecat Cloud API's secrets and agents endpoints (`pulumi-pipecat-secrets/emulator`).
 *
 * @example
 * import { startEmulator } from "pulumi-pipecat-secrets/emulator";
 * const emulator = await startEmulator();
 * // emulator.url is "http://127.0.0.1:<port>/v1"; the API key is emulator.apiKey
 * await emulator.close();
 *
 * @packageDocumentation
 */
export { DEFAULT_LIMITS, startEmulator } from "./emulator";
export type { Emulator, EmulatorLimits, EmulatorOptions } from "./emulator";
export { DEFAULT_API_KEY, DEFAULT_HOST, DEFAULT_REGION, DEFAULT_REGIONS } from "./options";
export type { EmulatorTlsOptions } from "./options";
export type { FaultSpec, RateLimitOptions } from "./faults";
export type { InjectionHandle } from "./handle";
export type { RecordedRequest, RequestFilter } from "./request-log";
export type { RouteId } from "./routes";
export type {
    EmulatorSnapshot,
    FailProvisioningOptions,
    ImagePullSetSnapshot,
    ImagePullUpdates,
    ProvisioningSnapshot,
    RegularSetSnapshot,
    SeedSet,
    SetStatus,
    SetType,
} from "./secrets";
export type {
    AgentPatch,
    AgentProfile,
    AgentSnapshot,
    AgentSpec,
    AutoScaling,
    DeployPhaseMs,
    DeploymentFailureMode,
    DeploymentPhase,
    DeploymentSnapshot,
    FailDeploymentOptions,
    ImagePullCredentials,
    KrispAudioFilter,
    NodeType,
    RevisionHealth,
    RevisionPhase,
    ScalingPatch,
    SpecPatch,
    WebsocketAuth,
} from "./agents";
export { KRISP_VIVA_AUDIO_FILTERS } from "./agents";
export type { BuildSnapshot, BuildStatus, BuildsOptions, SeedBuild, UploadSnapshot } from "./builds";
export { DEFAULT_BUILD_UPLOAD_MAX_BYTES, EMULATOR_REGISTRY, UPLOAD_BUCKET } from "./builds";
