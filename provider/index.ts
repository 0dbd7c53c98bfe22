/**
 * pulumi-pipecat-secrets: manage Pipecat Cloud secret sets with Pulumi.
 *
 * ```ts
 * const agent = new SecretSet("agent", { secrets: { OPENAI_API_KEY: cfg.requireSecret("openaiKey") } });
 * ```
 */
export { SecretSet } from "./secretset/resource";
export type { SecretSetArgs, ImagePullSecretArgs } from "./secretset/resource";
export { secretSetProvider } from "./secretset/provider";
export type { SecretSetInputs, ImagePullSecretInputs, SecretSetOutputs } from "./secretset/types";
export { PipecatError, PipecatApiError, UnexpectedResponseError, NetworkError, ConfigurationError, ReadinessError, isPipecatError, isPipecatApiError } from "./api/errors";
