// From source to a running agent in one `pulumi up`: Pipecat Cloud builds the image from ./bot, the secret set
// holds the bot's keys, and the agent runs that build with those keys. Copy this folder to start a project of
// your own (README.md: the config it needs); `npm run demo` in the pulumi-pipecat-secrets repository runs it against
// the local emulator.
//
// `pulumi preview` hashes ./bot locally (nothing is uploaded): an unchanged tree previews as no change, a changed
// file as a new build and the agent's redeploy. The same tree in another stack reuses Pipecat Cloud's cached build.
import * as pulumi from "@pulumi/pulumi";
import { Agent, Build, SecretSet } from "pulumi-pipecat-secrets";

const cfg = new pulumi.Config();
// A build, its set and its agent must be in one region: the one given, else the organisation's default region.
const region = cfg.get("region");

// The bot's image, built by Pipecat Cloud from ./bot. `.env`, `.env.*`, `*.pem` and `*.key` files never leave this
// machine, whatever bot/.dockerignore says.
const build = new Build("voice-bot", { context: "./bot", region });

// The bot's keys: environment variables of the agent.
const secrets = new SecretSet("voice-bot-secrets", {
    region,
    secrets: {
        OPENAI_API_KEY: cfg.requireSecret("openaiKey"),
        DAILY_API_KEY: cfg.requireSecret("dailyKey"),
    },
});

// Given the Build itself, the agent is deployed after it, redeployed on every new build, and its region is checked
// against the build's in the preview.
const agent = new Agent("voice-bot", {
    region,
    buildId: build,
    secretSet: secrets,
    autoScaling: { minAgents: 0, maxAgents: 5 },
});

export const agentName = agent.name;
export const agentReady = agent.ready;
export const buildId = build.buildId;
export const imageUri = build.imageUri;
export const contextHash = build.contextHash;
export const cached = build.cached;
export const secretSetName = secrets.name;
