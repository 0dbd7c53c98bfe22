/**
 * The builds room's door: what the composition root (emulator.ts) wires and the public entry re-exports; both import
 * the room only through it. Exports tagged internal are left out of the published declarations.
 */
export type { BuildsOptions } from "./options";
export type { BuildSnapshot, UploadSnapshot } from "./records";
export type { BuildStatus } from "./rules";
export { DEFAULT_BUILD_UPLOAD_MAX_BYTES } from "./options";
export { UPLOAD_BUCKET } from "./policy";
export { EMULATOR_REGISTRY } from "./store";
/** @internal */
export type { ResolvedBuildsOptions } from "./options";
/** @internal */
export { resolveBuildsOptions } from "./options";
/** @internal */
export { handleBuilds, handleStorage } from "./handlers";
/** @internal */
export { BuildStore, type DeployableBuild } from "./store";
export type { SeedBuild } from "./store";
