/**
 * The input rules of an Agent, as zod schemas, and `checkInputs`, which turns raw inputs into validated
 * ones or into failures a user can act on. Pure. An unknown value (preview) is never an error.
 */
import { z } from "zod";
import { type CheckFailure, UNKNOWN, autonameWith, chosenName, dropUndefined, formatIssues } from "../inputs";
import { SET_NAME_PATTERN } from "../secretset/schema";
import type { AgentInputs } from "./types";

/** The documented limits and defaults of `POST /agents`. */
export const AGENT_LIMITS = {
    nameMax: 54,
    sessionMin: 60,
    sessionMax: 14400,
    sessionDefault: 7200,
    maxAgentsDefault: 50,
    minAgentsDefault: 0,
} as const;

export const AGENT_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])$/;
export const AGENT_PROFILES = ["agent-1x", "agent-2x", "agent-3x"] as const;
/** Pipecat's CLI's list of Krisp VIVA models (`KRISP_VIVA_MODELS`). */
export const KRISP_AUDIO_FILTERS = ["tel", "pro"] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REGION_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const orUnknown = <T extends z.ZodType>(schema: T) => z.union([z.literal(UNKNOWN), schema]);
const oneOf = (values: readonly string[]) =>
    z.enum(values as [string, ...string[]], { error: `must be one of ${values.map((v) => `"${v}"`).join(", ")}` });

const agentName = z
    .string({ error: "must be a string" })
    .max(AGENT_LIMITS.nameMax, { error: (i) => `must be at most ${AGENT_LIMITS.nameMax} characters long (got ${String(i.input).length})` })
    .regex(AGENT_NAME_PATTERN, {
        error: (i) =>
            `"${String(i.input)}" is not a valid agent name: use at least 2 lowercase letters, digits and "-", ` +
            `starting and ending with a letter or digit (for example "voice-agent")`,
    });

const setName = (what: string) =>
    z.string({ error: `must be the name of ${what} (or the SecretSet resource)` }).regex(SET_NAME_PATTERN, {
        error: (i) => `"${String(i.input)}" is not a valid secret set name`,
    });

const count = (what: string, min: number) =>
    z
        .number({ error: `must be a number` })
        .int({ error: `must be a whole number of ${what}` })
        .min(min, { error: `must be at least ${min}` });

const autoScaling = z
    .strictObject(
        { minAgents: orUnknown(count("agents", 0)).optional(), maxAgents: orUnknown(count("agents", 1)).optional() },
        { error: "must be an object with minAgents and/or maxAgents" },
    )
    .refine((s) => typeof s.minAgents !== "number" || typeof s.maxAgents !== "number" || s.maxAgents >= s.minAgents, {
        error: "maxAgents must be at least minAgents",
    });

const inputsSchema = z
    .strictObject({
        name: orUnknown(agentName).optional(),
        autonamePrefix: z.string().optional(),
        autonameAtCreate: z.literal(true).optional(),
        region: orUnknown(z.string().regex(REGION_PATTERN, { error: 'must be a region code such as "us-west"' })).optional(),
        image: orUnknown(z.string({ error: "must be a string" }).min(1, { error: "must not be empty" })).optional(),
        buildId: orUnknown(
            z.string({ error: "must be a string" }).regex(UUID, { error: "must be the UUID of a successful build" }),
        ).optional(),
        buildRegion: z.string().optional(),
        secretSet: orUnknown(setName("a regular secret set")).optional(),
        secretSetRevision: z.string().optional(),
        secretSetRegion: z.string().optional(),
        imagePullSecretSet: orUnknown(setName("an image-pull secret set")).optional(),
        imagePullSecretSetRevision: z.string().optional(),
        imagePullSecretSetRegion: z.string().optional(),
        autoScaling: orUnknown(autoScaling).optional(),
        agentProfile: orUnknown(oneOf(AGENT_PROFILES)).optional(),
        maxSessionDuration: orUnknown(
            z
                .number({ error: "must be a number of seconds" })
                .int({ error: "must be a whole number of seconds" })
                .min(AGENT_LIMITS.sessionMin, { error: `must be ${AGENT_LIMITS.sessionMin} to ${AGENT_LIMITS.sessionMax} seconds` })
                .max(AGENT_LIMITS.sessionMax, { error: `must be ${AGENT_LIMITS.sessionMin} to ${AGENT_LIMITS.sessionMax} seconds` }),
        ).optional(),
        nodeType: orUnknown(oneOf(["arm"])).optional(),
        krispViva: orUnknown(
            z.strictObject({ audioFilter: orUnknown(oneOf(KRISP_AUDIO_FILTERS)) }, { error: "must be an object with audioFilter" }),
        ).optional(),
        enableKrisp: orUnknown(z.boolean({ error: "must be true or false" })).optional(),
        websocketAuth: orUnknown(oneOf(["none", "token"])).optional(),
        adopt: orUnknown(z.boolean({ error: "must be true or false" })).optional(),
    })
    .superRefine((p, ctx) => {
        if (p.image !== undefined && p.buildId !== undefined) {
            ctx.addIssue({
                code: "custom",
                message: "declare either image (a container image) or buildId (a Pipecat Cloud build), not both",
            });
        } else if (p.image === undefined && p.buildId === undefined) {
            ctx.addIssue({
                code: "custom",
                message: 'declare image (for example "your-registry/voice-agent:0.1") or buildId (the UUID of a Pipecat Cloud build)',
            });
        }
    });

const ALLOWED: Record<string, string> = {
    "": "name, region, image, buildId, secretSet, imagePullSecretSet, autoScaling, agentProfile, maxSessionDuration, nodeType, krispViva, enableKrisp, websocketAuth, adopt",
    autoScaling: "minAgents, maxAgents",
    krispViva: "audioFilter",
};

export type CheckResult = { readonly ok: true; readonly inputs: AgentInputs } | { readonly ok: false; readonly failures: CheckFailure[] };

/**
 * Validates raw inputs (`__provider` removed), fills in the name (autonamed like a SecretSet) and the
 * documented defaults of scaling, profile and session length, so that a diff compares what runs.
 */
export function checkInputs(
    olds: Readonly<Record<string, unknown>>,
    news: Readonly<Record<string, unknown>>,
    random: () => number = Math.random,
): CheckResult {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: no message here reads an issue's input (formatIssues never does); the option keeps values out of the issue objects
    const parsed = inputsSchema.safeParse(news, { reportInput: false });
    if (!parsed.success) {
        // Stryker disable next-line StringLiteral: the strict objects are at most one level deep (a one-segment path) and each has an ALLOWED entry, so neither "." nor the fallback "" is ever used
        const reasons = formatIssues(parsed.error.issues, (path) => ALLOWED[path.join(".")] ?? "");
        return { ok: false, failures: reasons.map((reason) => ({ property: "", reason })) };
    }
    const { name, autonamePrefix, autonameAtCreate, autoScaling: scaling, ...rest } = parsed.data;
    const prefix = autonamePrefix ?? "agent";
    const chosen = name ?? chosenName(olds, autonameAtCreate === true, () => autonameWith(prefix, AGENT_LIMITS.nameMax, "agent", random));
    const inputs = {
        name: chosen,
        ...(name === undefined ? { autonamePrefix: prefix } : {}),
        ...rest,
        // Unknown in a preview stays unknown: diff then plans an update rather than compare defaults.
        autoScaling:
            scaling === UNKNOWN
                ? UNKNOWN
                : {
                      minAgents: scaling?.minAgents ?? AGENT_LIMITS.minAgentsDefault,
                      maxAgents: scaling?.maxAgents ?? AGENT_LIMITS.maxAgentsDefault,
                  },
        agentProfile: rest.agentProfile ?? "agent-1x",
        maxSessionDuration: rest.maxSessionDuration ?? AGENT_LIMITS.sessionDefault,
    };
    return { ok: true, inputs: dropUndefined(inputs) as unknown as AgentInputs };
}
