// A Pulumi program with both kinds of Pipecat Cloud secret set. The root Pulumi.yaml runs it;
// `npm run demo` runs it against the local emulator.
import * as pulumi from "@pulumi/pulumi";
import { SecretSet } from "pulumi-pipecat-secrets";

const cfg = new pulumi.Config();

// A regular set: its keys become environment variables of the agent that uses it.
const agent = new SecretSet("agent", {
    name: "voice-agent-secrets",
    secrets: {
        OPENAI_API_KEY: cfg.requireSecret("openaiKey"),
        DAILY_API_KEY: cfg.requireSecret("dailyKey"),
    },
});

// An image-pull set: credentials for a private registry. Any change replaces it (delete, then create).
const registry = new SecretSet("registry", {
    name: "dockerhub-pull",
    imagePullSecret: {
        host: "https://index.docker.io/v1/",
        username: cfg.require("dockerUser"),
        password: cfg.requireSecret("dockerToken"),
    },
});

export const agentSet = agent.name;
export const keys = agent.keys; // key names only, never values
export const region = agent.region;
export const pullSet = registry.name;
