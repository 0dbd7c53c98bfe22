// A complete Pipecat Cloud agent stack: a regular secret set, an image-pull set for a private registry,
// and the agent that uses both. Copy this folder to start a project of your own (README.md: the config it
// needs); its test in the pulumi-pipecat-secrets repository runs it against the local emulator.
//
// No resource has a fixed name: Pulumi autonames each one (`voice-agent-secrets-x7k2m9q`), so every stack of
// the program (dev, staging, prod, a colleague's) has its own sets and agent in the same organisation.
// The names are the stack's outputs.
import * as pulumi from "@pulumi/pulumi";
import { Agent, SecretSet } from "pulumi-pipecat-secrets";

const cfg = new pulumi.Config();

// A regular set: its keys become environment variables of the agent that uses it.
const secrets = new SecretSet("voice-agent-secrets", {
    secrets: {
        OPENAI_API_KEY: cfg.requireSecret("openaiKey"),
        DAILY_API_KEY: cfg.requireSecret("dailyKey"),
    },
});

// An image-pull set: credentials for a private registry. New credentials replace it (delete, then create),
// unless `pipecat:imagePullUpdates` is `in-place`.
const registry = new SecretSet("registry-pull", {
    imagePullSecret: {
        host: "https://index.docker.io/v1/",
        username: cfg.require("dockerUser"),
        password: cfg.requireSecret("dockerToken"),
    },
});

// The agent. Given the sets themselves, it is deployed after them, redeployed (forced) whenever their
// values or credentials change, and destroyed before them.
const agent = new Agent("voice-agent", {
    image: cfg.get("image") ?? "dockerhub-user/voice-agent:0.1",
    secretSet: secrets,
    imagePullSecretSet: registry,
    autoScaling: { minAgents: 0, maxAgents: 5 },
});

export const agentName = agent.name;
export const deploymentId = agent.deploymentId;
export const agentReady = agent.ready;
export const secretSetName = secrets.name;
export const keys = secrets.keys; // key names only, never values
export const region = secrets.region;
export const pullSetName = registry.name;
