/**
 * The agents API's validation rules: service names, the create and update body shapes, scaling, and the check a
 * deployment makes of image-pull credentials.
 *
 * Pure functions, no state. Messages name fields, never quote a value from the body (an image-pull value or a
 * secret pasted into the wrong field must not come back in an answer).
 */
import { z } from "zod";
import { imageAndBuildIdConflict, imageOrBuildIdRequired, invalidParameters } from "../errors";
import { describeIssues } from "../issues";
import { type Outcome, fail, ok } from "../outcome";

/** The documented service name pattern (note: at least 2 characters). */
export const SERVICE_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])$/;
/** Longest allowed service name. */
export const SERVICE_NAME_MAX_LENGTH = 54;
/** A UUID, as `buildId` must be (any version; whether the build exists is checked against the builds: bindings.ts). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Agent profiles (documented), with the resources the docs give each. */
export const AGENT_PROFILES = ["agent-1x", "agent-2x", "agent-3x"] as const;
/** Resource allocation of an agent profile. */
export type AgentProfile = (typeof AGENT_PROFILES)[number];
/** Node types (documented: only `arm`). */
export const NODE_TYPES = ["arm"] as const;
/** Node type of an agent. */
export type NodeType = (typeof NODE_TYPES)[number];
/** Krisp VIVA audio filter models: Pipecat's CLI's `KRISP_VIVA_MODELS` (`src/pipecatcloud/constants.py`). */
export const KRISP_VIVA_AUDIO_FILTERS = ["tel", "pro"] as const;
/** A Krisp VIVA audio filter model. */
export type KrispAudioFilter = (typeof KRISP_VIVA_AUDIO_FILTERS)[number];
/** WebSocket authentication modes clients send. */
export const WEBSOCKET_AUTH_MODES = ["none", "token"] as const;
/** WebSocket authentication of an agent. */
export type WebsocketAuth = (typeof WEBSOCKET_AUTH_MODES)[number];

/** Documented bounds and default of `maxSessionDuration`, in seconds. */
export const MIN_SESSION_DURATION = 60;
export const MAX_SESSION_DURATION = 14400;
export const DEFAULT_SESSION_DURATION = 7200;

/** Scaling of an agent, in the request's names. */
export interface AutoScaling {
    /** Agents kept warm. @default 0 */
    readonly minAgents: number;
    /** Most agents at once. @default 50 */
    readonly maxAgents: number;
}

/** Scaling of an agent created without `autoScaling` (documented: `maxAgents` defaults to 50). */
export const DEFAULT_AUTO_SCALING: AutoScaling = Object.freeze({ minAgents: 0, maxAgents: 50 });

/**
 * What a deployment is made of (everything but scaling, which applies without a new deployment). A change to any of
 * these fields starts a new deployment. Names only: never a secret value.
 */
export interface AgentSpec {
    /** Container image; absent when the agent deploys a build. */
    readonly image?: string;
    /** Cloud build deployed; absent when the agent deploys an image. */
    readonly buildId?: string;
    /** Regular set whose keys become environment variables. */
    readonly secretSet?: string;
    /** Image-pull set with the registry credentials. */
    readonly imagePullSecretSet?: string;
    readonly agentProfile: AgentProfile;
    readonly nodeType: NodeType;
    /** Krisp noise cancellation (the older models). */
    readonly enableKrisp: boolean;
    /** Krisp VIVA audio filter; `null` when off. */
    readonly krispViva: { readonly audioFilter: KrispAudioFilter | null };
    /** Seconds after which a session is stopped. */
    readonly maxSessionDuration: number;
    readonly websocketAuth: WebsocketAuth;
    readonly enableIntegratedKeysProxy: boolean;
}

/** The spec of an agent created with only an image or a build. */
export const DEFAULT_SPEC: AgentSpec = Object.freeze({
    agentProfile: "agent-1x",
    nodeType: "arm",
    enableKrisp: false,
    krispViva: Object.freeze({ audioFilter: null }),
    maxSessionDuration: DEFAULT_SESSION_DURATION,
    websocketAuth: "none",
    enableIntegratedKeysProxy: false,
});

/**
 * The deployment fields a body gives. A field left out keeps its value; `secretSet: null` or
 * `imagePullSecretSet: null` removes the binding; `krispViva: { audioFilter: null }` turns the filter off.
 */
export interface SpecPatch {
    readonly image?: string;
    readonly buildId?: string;
    readonly secretSet?: string | null;
    readonly imagePullSecretSet?: string | null;
    readonly agentProfile?: AgentProfile;
    readonly nodeType?: NodeType;
    readonly enableKrisp?: boolean;
    readonly krispViva?: { readonly audioFilter?: KrispAudioFilter | null };
    readonly maxSessionDuration?: number;
    readonly websocketAuth?: WebsocketAuth;
    readonly enableIntegratedKeysProxy?: boolean;
}

/** Scaling fields a body gives; each left out keeps its value. */
export interface ScalingPatch {
    readonly minAgents?: number;
    readonly maxAgents?: number;
}

/** A validated `POST /agents` body. */
export interface CreateAgentRequest {
    readonly serviceName: string;
    readonly region?: string;
    readonly spec: SpecPatch;
    readonly autoScaling?: ScalingPatch;
}

/** A validated `POST /agents/{name}` body. */
export interface UpdateAgentRequest {
    /** Accepted only when it is the agent's own region. */
    readonly region?: string;
    readonly spec: SpecPatch;
    readonly autoScaling?: ScalingPatch;
    /** Start a new deployment even when the spec is unchanged. */
    readonly forceRedeploy: boolean;
}

const specFields = {
    image: z.string().optional(),
    buildId: z.string().optional(),
    nodeType: z.enum(NODE_TYPES).optional(),
    secretSet: z.string().nullable().optional(),
    imagePullSecretSet: z.string().nullable().optional(),
    autoScaling: z.object({ minAgents: z.int().min(0).optional(), maxAgents: z.int().min(1).optional() }).optional(),
    agentProfile: z.enum(AGENT_PROFILES).optional(),
    maxSessionDuration: z.int().min(MIN_SESSION_DURATION).max(MAX_SESSION_DURATION).optional(),
    krispViva: z.object({ audioFilter: z.enum(KRISP_VIVA_AUDIO_FILTERS).nullable().optional() }).optional(),
    enableKrisp: z.boolean().optional(),
    websocketAuth: z.enum(WEBSOCKET_AUTH_MODES).optional(),
    enableIntegratedKeysProxy: z.boolean().optional(),
};

// Unknown fields are stripped (ignored), as a lenient server does.
const createBody = z.object({ serviceName: z.string(), region: z.string().optional(), ...specFields });
const updateBody = z.object({ region: z.string().optional(), forceRedeploy: z.boolean().optional(), ...specFields });

type SpecFields = z.infer<z.ZodObject<typeof specFields>>;

/** Why `name` is not a valid service name, or `undefined` when it is. */
export function serviceNameProblem(name: string): string | undefined {
    if (name.length > SERVICE_NAME_MAX_LENGTH) return `serviceName must be at most ${SERVICE_NAME_MAX_LENGTH} characters long`;
    if (!SERVICE_NAME_PATTERN.test(name)) {
        return "serviceName must be at least 2 lowercase letters, digits and '-', starting and ending with a letter or digit";
    }
    return undefined;
}

function asObject(body: unknown): Record<string, unknown> | undefined {
    return typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

/** Checks the fields a zod schema cannot say well, and turns the parsed fields into a patch. */
function toSpecPatch(fields: SpecFields): Outcome<{ spec: SpecPatch; autoScaling?: ScalingPatch }> {
    if (fields.image !== undefined && fields.buildId !== undefined) return fail(imageAndBuildIdConflict());
    if (fields.image !== undefined && (fields.image === "" || /\s/.test(fields.image))) {
        return fail(invalidParameters("image must be a non-empty image reference without whitespace"));
    }
    if (fields.buildId !== undefined && !UUID_PATTERN.test(fields.buildId)) return fail(invalidParameters("buildId must be a UUID"));
    for (const field of ["secretSet", "imagePullSecretSet"] as const) {
        if (fields[field] === "") return fail(invalidParameters(`${field} must not be empty (send null to remove the binding)`));
    }

    const { autoScaling, krispViva, ...rest } = fields;
    const spec: { -readonly [K in keyof SpecPatch]: SpecPatch[K] } = {};
    for (const [key, value] of Object.entries(rest)) {
        if (value !== undefined) (spec as Record<string, unknown>)[key] = value;
    }
    if (krispViva !== undefined) spec.krispViva = krispViva.audioFilter === undefined ? {} : { audioFilter: krispViva.audioFilter };
    if (autoScaling === undefined) return ok({ spec });
    return ok({ spec, autoScaling: definedOnly(autoScaling) });
}

/** Validates a parsed `POST /agents` body (shape, names, ranges, exactly one of `image` and `buildId`). */
export function parseCreateBody(body: unknown): Outcome<CreateAgentRequest> {
    const fields = asObject(body);
    if (fields === undefined) return fail(invalidParameters("body must be a JSON object"));
    if (!("serviceName" in fields)) return fail(invalidParameters("serviceName is required"));
    const parsed = createBody.safeParse(body);
    if (!parsed.success) return fail(invalidParameters(describeIssues(parsed.error.issues)));
    const { serviceName, region, ...rest } = parsed.data;
    const nameProblem = serviceNameProblem(serviceName);
    if (nameProblem !== undefined) return fail(invalidParameters(nameProblem));
    if (rest.image === undefined && rest.buildId === undefined) return fail(imageOrBuildIdRequired());
    const patch = toSpecPatch(rest);
    if (!patch.ok) return patch;
    return ok({ serviceName, ...(region === undefined ? {} : { region }), ...patch.value });
}

/** Validates a parsed `POST /agents/{name}` body (the create fields but `serviceName`, plus `forceRedeploy`). */
export function parseUpdateBody(body: unknown): Outcome<UpdateAgentRequest> {
    if (asObject(body) === undefined) return fail(invalidParameters("body must be a JSON object"));
    const parsed = updateBody.safeParse(body);
    if (!parsed.success) return fail(invalidParameters(describeIssues(parsed.error.issues)));
    const { region, forceRedeploy, ...rest } = parsed.data;
    const patch = toSpecPatch(rest);
    if (!patch.ok) return patch;
    return ok({ ...(region === undefined ? {} : { region }), forceRedeploy: forceRedeploy === true, ...patch.value });
}

/** The spec after a patch: given fields replace, `null` bindings are removed, `image` and `buildId` replace each other. */
export function applySpecPatch(current: AgentSpec, patch: SpecPatch): AgentSpec {
    const { image, buildId, secretSet, imagePullSecretSet, krispViva, ...plain } = patch;
    const next: Record<string, unknown> = { ...current, ...definedOnly(plain) };
    if (image !== undefined) {
        next["image"] = image;
        delete next["buildId"];
    }
    if (buildId !== undefined) {
        next["buildId"] = buildId;
        delete next["image"];
    }
    for (const [field, value] of [
        ["secretSet", secretSet],
        ["imagePullSecretSet", imagePullSecretSet],
    ] as const) {
        if (value === null) delete next[field];
        else if (value !== undefined) next[field] = value;
    }
    if (krispViva?.audioFilter !== undefined) next["krispViva"] = { audioFilter: krispViva.audioFilter };
    return next as unknown as AgentSpec;
}

/** Whether two specs would deploy the same thing. */
export function sameSpec(a: AgentSpec, b: AgentSpec): boolean {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof AgentSpec>;
    return [...keys].every((k) => (k === "krispViva" ? a.krispViva.audioFilter === b.krispViva.audioFilter : a[k] === b[k]));
}

/** Scaling after a patch, checked as a whole (`maxAgents` ≥ `minAgents`). */
export function applyScalingPatch(current: AutoScaling, patch: ScalingPatch | undefined): Outcome<AutoScaling> {
    const next: AutoScaling = { ...current, ...definedOnly(patch ?? {}) };
    if (next.maxAgents < next.minAgents) {
        return fail(
            invalidParameters(`autoScaling.maxAgents (${next.maxAgents}) must be at least autoScaling.minAgents (${next.minAgents})`),
        );
    }
    return ok(next);
}

const BASE64_ALPHABET = /^[A-Za-z0-9+/]$/;

/**
 * Why an image-pull `secretValue` cannot be used as registry auth, or `undefined` when it can: it must be padded
 * standard base64 (as Go's decoder, which Kubernetes uses, requires) of `username:token`. Messages give a byte
 * offset at most, never the value.
 */
export function imagePullAuthProblem(secretValue: string): string | undefined {
    const illegal = firstIllegalBase64Byte(secretValue);
    if (illegal !== undefined) return `unable to decode auth field: illegal base64 data at input byte ${illegal}`;
    if (!Buffer.from(secretValue, "base64").toString("utf8").includes(":")) {
        return "unable to parse auth field, must be formatted as base64(username:password)";
    }
    return undefined;
}

function firstIllegalBase64Byte(text: string): number | undefined {
    for (let i = 0; i < text.length; i++) {
        const c = text.charAt(i);
        if (BASE64_ALPHABET.test(c)) continue;
        if (c !== "=") return i;
        // Padding: one '=' in the last place of a quantum, or two in its last two places, and nothing after.
        const single = i % 4 === 3 && i === text.length - 1;
        const double = i % 4 === 2 && text.charAt(i + 1) === "=" && i + 2 === text.length;
        return single || double ? undefined : i;
    }
    return text.length % 4 === 0 ? undefined : text.length;
}

function definedOnly<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
