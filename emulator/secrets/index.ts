/**
 * The secrets room's door: what the composition root (emulator.ts) wires and the public entry re-exports; both import
 * the room only through it. Exports tagged internal are left out of the published declarations.
 */
export type { ImagePullUpdates, SecretsLimits, SecretsOptions } from "./options";
export type { FailProvisioningOptions, ProvisioningSnapshot, SetStatus } from "./provisioning";
export type { EmulatorSnapshot, ImagePullSetSnapshot, RegularSetSnapshot, SeedSet, SetType } from "./records";
/** @internal */
export type { ResolvedSecretsOptions } from "./options";
/** @internal */
export { DEFAULT_SECRETS_LIMITS, resolveSecretsOptions } from "./options";
/** @internal */
export { handleSecrets } from "./handlers";
/** @internal */
export { SecretStore } from "./store";
