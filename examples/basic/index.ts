// A complete Pipecat Cloud agent stack: a regular secret set, an image-pull set for a private registry,
// and the agent that uses both. The root Pulumi.yaml runs it; `npm run demo` runs it against the local emulator.
import * as pulumi from "@pulumi/pulumi";
import { Agent, SecretSet } from "pulumi-pipecat-secrets";

const cfg = new pulumi.Config();

// A regular set: its keys become environment variables of the agent that uses it.
const agent = new SecretSet("agent", {
    name: "voice-agent-secrets",
    secrets: {
        OPENAI_API_KEY: cfg.requireSecret("openaiKey"),
        DAILY_API_KEY: cfg.requireSecret("dailyKey"),
    },
});

// An image-pull set: credentials for a private registry. New credentials replace it (delete, then create),
// unless `pipecat:imagePullUpdates` is `in-place`.
const registry = new SecretSet("registry", {
    name: "dockerhub-pull",
    imagePullSecret: {
        host: "https://index.docker.io/v1/",
        username: cfg.require("dockerUser"),
        password: cfg.requireSecret("dockerToken"),
    },
});

// The agent. Given the sets themselves, it is deployed after them, redeployed (forced) whenever their
// values or credentials change, and destroyed before them.
const voice = new Agent("voice", {
    name: "voice-agent",
    image: cfg.get("image") ?? "dockerhub-user/voice-agent:0.1",
    secretSet: agent,
    imagePullSecretSet: registry,
    autoScaling: { minAgents: 0, maxAgents: 5 },
});

export const agentName = voice.name;
export const deploymentId = voice.deploymentId;
export const agentReady = voice.ready;
export const agentSet = agent.name;
export const keys = agent.keys; // key names only, never values
export const region = agent.region;
export const pullSet = registry.name;
