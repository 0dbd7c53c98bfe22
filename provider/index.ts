/**
 * pulumi-pipecat-secrets: manage Pipecat Cloud secret sets, and the agents that use them, with Pulumi.
 *
 * ```ts
 * const secrets = new SecretSet("agent", { secrets: { OPENAI_API_KEY: cfg.requireSecret("openaiKey") } });
 * const agent = new Agent("voice", { image: "your-registry/voice-agent:0.1", secretSet: secrets });
 * ```
 */
export { SecretSet } from "./secretset/resource";
export type { SecretSetArgs, ImagePullSecretArgs } from "./secretset/resource";
export { secretSetProvider } from "./secretset/provider";
export type { SecretSetInputs, ImagePullSecretInputs, SecretSetOutputs } from "./secretset/types";
export { Agent } from "./agent/resource";
export type { AgentArgs } from "./agent/resource";
export { agentProvider } from "./agent/provider";
export type { AgentInputs, AgentOutputs, AutoScaling } from "./agent/types";
export { Build } from "./build/resource";
export type { BuildArgs } from "./build/resource";
export { buildProvider } from "./build/provider";
export type { BuildInputs, BuildOutputs } from "./build/types";
export { BuildError } from "./build/failure";
export { OrganizationSettings } from "./organization/resource";
export type { OrganizationSettingsArgs } from "./organization/resource";
export { organizationSettingsProvider } from "./organization/provider";
export type { OrganizationSettingsInputs, OrganizationSettingsOutputs } from "./organization/types";
export type { Region } from "./region";
export {
    PipecatError,
    PipecatApiError,
    UnexpectedResponseError,
    NetworkError,
    ProxyError,
    ConfigurationError,
    ReadinessError,
    DeploymentError,
    isPipecatError,
    isPipecatApiError,
    isProxyError,
} from "./errors";
export { dotEnvSecrets } from "./dotenv/secrets";
export { DotEnvError, isDotEnvError } from "./dotenv/parse";
export type { DotEnvProblem } from "./dotenv/parse";
