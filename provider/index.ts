/**
 * pulumi-pipecat-secrets: manage Pipecat Cloud secret sets with Pulumi.
 *
 * ```ts
 * const agent = new SecretSet("agent", { secrets: { OPENAI_API_KEY: cfg.requireSecret("openaiKey") } });
 * ```
 */
export { SecretSet } from "./resource";
export type { SecretSetArgs, ImagePullSecretArgs } from "./resource";
export { secretSetProvider } from "./provider";
export type { SecretSetInputs, ImagePullSecretInputs, SecretSetOutputs } from "./types";
export { PipecatError, PipecatApiError, UnexpectedResponseError, NetworkError, ConfigurationError, ReadinessError, isPipecatError, isPipecatApiError } from "./errors";
