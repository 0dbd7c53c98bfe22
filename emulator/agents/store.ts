/**
 * The emulator's agents and the API's rules over them: create, update (partial, with or without a new deployment),
 * bindings to secret sets, deployments and what each captured, injected deployment failures.
 *
 * No I/O: every operation returns a value or the {@link ApiError} to answer; time comes from the injected clock and
 * ids from the injected generator. Sets are read through {@link SecretSource}, never changed.
 */
import {
    type ApiError,
    type BindingField,
    agentNotFound,
    boundSetNotFound,
    boundSetNotReady,
    boundSetRegionMismatch,
    boundSetWrongKind,
    invalidRegion,
    regionChange,
    serviceExists,
    serviceNotFound,
} from "../errors";
import { type InjectionHandle, normalizeTimes, RuleList } from "../handle";
import type { ResolvedDeployPhaseMs } from "./options";
import { type Outcome, fail, ok } from "../outcome";
import {
    type AgentState,
    type DeploymentOutcome,
    type DeploymentPhase,
    type Timeline,
    agentState,
    phaseAt,
    servingIndex,
} from "./deployments";
import {
    type AgentProfile,
    type AgentSpec,
    type AutoScaling,
    type CreateAgentRequest,
    type KrispAudioFilter,
    type NodeType,
    type SpecPatch,
    type UpdateAgentRequest,
    type WebsocketAuth,
    DEFAULT_AUTO_SCALING,
    DEFAULT_SPEC,
    applyScalingPatch,
    applySpecPatch,
    imagePullAuthProblem,
    parseUpdateBody,
    sameSpec,
} from "./rules";

/**
 * A set as an agent deployment reads it when it binds it: kind, region, readiness and values (in-process only; the
 * agents room never puts a value in an answer). A copy: later changes to the set do not show through it. A referenced
 * set's values live in Kubernetes: Pipecat Cloud knows none, and `secrets` is empty.
 * @internal
 */
export type SetBinding =
    | {
          readonly type: "secret";
          readonly region: string;
          /** `ready` once provisioned; anything else refuses the binding. */
          readonly status: string;
          readonly secrets: Readonly<Record<string, string>>;
      }
    | {
          readonly type: "imagePullSecret";
          readonly region: string;
          readonly status: string;
          readonly host: string;
          readonly secretValue: string;
      };

/**
 * What the agents room needs of the sets: one set as a deployment binds it, or `undefined` when there is none of that
 * name. The composition root (emulator.ts) gives it; the room imports nothing of the secrets room.
 * @internal
 */
export interface SecretSource {
    binding(name: string): SetBinding | undefined;
}

/** One deployment of an agent as the test hooks show it (names only, never values). */
export interface DeploymentSnapshot {
    /** Deployment id (a UUID), as `desiredDeploymentId` and `currentRevision.deploymentID` name it. */
    readonly id: string;
    /** Whether the update that started it had `forceRedeploy: true`. */
    readonly forced: boolean;
    /** Its phase now; see {@link DeploymentPhase}. */
    readonly phase: DeploymentPhase;
    /** Clock time (the emulator's `now`, ms) it started at. */
    readonly startedAt: number;
    /** What it deploys. */
    readonly spec: AgentSpec;
}

/** A stored agent as `emulator.agent()` shows it: its declared fields and every deployment, oldest first. */
export interface AgentSnapshot {
    readonly name: string;
    readonly region: string;
    /** The service's id (`id` in list items, `serviceId` in `deployment`). */
    readonly serviceId: string;
    /** Clock times (ms). */
    readonly createdAt: number;
    readonly updatedAt: number;
    /** Scaling, in the request's names. */
    readonly autoScaling: AutoScaling;
    /** The declared deployment fields (those of the newest deployment). */
    readonly spec: AgentSpec;
    readonly deployments: readonly DeploymentSnapshot[];
    /** Clock time (ms) of the `DELETE` whose teardown is under way (only with the `agentDeleteAfterMs` option). */
    readonly deletedAt?: number;
}

/** Registry credentials a serving deployment pulled its image with. */
export interface ImagePullCredentials {
    /** Registry host, with the trailing slash the API adds. */
    readonly host: string;
    readonly secretValue: string;
}

/**
 * A change made behind the program's back (`emulator.updateAgentDirect()`), e.g. in the dashboard: the fields of an
 * update body. It goes through the same rules as `POST /agents/{name}`.
 */
export interface AgentPatch extends SpecPatch {
    readonly autoScaling?: { readonly minAgents?: number; readonly maxAgents?: number };
    readonly forceRedeploy?: boolean;
}

/** How an injected deployment failure shows. */
export type DeploymentFailureMode = "failed" | "crash-loop";

/** Options of `emulator.failDeployment()`. */
export interface FailDeploymentOptions {
    /** Only deployments of this agent fail. @default every agent */
    readonly agent?: string;
    /** How many deployments fail (`Infinity`: all of them until cleared). @default 1 */
    readonly times?: number;
    /**
     * `"failed"`: the deployment is `Failed` once `Creating` ends. `"crash-loop"`: it stays in `Validating` with
     * `CrashLoopBackOff` and a growing `restartCount`, and never becomes `Active`.
     * @default "failed"
     */
    readonly mode?: DeploymentFailureMode;
    /**
     * `health.reason` of a failed deployment; for a crash loop (whose reason is `CrashLoopBackOff`), its
     * `lastTerminationReason`. @default "Error"
     */
    readonly reason?: string;
    /** `health.message`. @default "container exited with code 1 (injected by the emulator)" for "failed", "back-off restarting failed container (injected by the emulator)" for "crash-loop" */
    readonly message?: string;
}

/** Settings the store needs, already validated. @internal */
export interface AgentStoreConfig {
    readonly regions: readonly { readonly code: string }[];
    readonly defaultRegion: string;
    readonly phases: ResolvedDeployPhaseMs;
    /** How long a DELETE's teardown takes; 0: the agent is gone at once. */
    readonly deleteAfterMs: number;
    readonly now: () => number;
    /** A new UUID for each service and deployment. */
    readonly newId: () => string;
}

/** A deployment as stored: its timeline, what it deploys, and the values it captured when it started. @internal */
export interface StoredDeployment extends Timeline {
    readonly id: string;
    readonly forced: boolean;
    readonly spec: AgentSpec;
    supersededAt: number | undefined;
    /** Last change to its manifest: its start, or a later scaling change. */
    updatedAt: number;
    /** Values of the bound regular set when it started (`{}` for a referenced set); `undefined` when none was bound. */
    readonly secrets: Readonly<Record<string, string>> | undefined;
    /** Credentials of the bound image-pull set when it started; `undefined` when none was bound. */
    readonly imagePull: ImagePullCredentials | undefined;
}

/** An agent as stored. @internal */
export interface StoredAgent {
    readonly name: string;
    readonly region: string;
    readonly serviceId: string;
    readonly createdAt: number;
    updatedAt: number;
    autoScaling: AutoScaling;
    /** Oldest first; never empty. The newest one's spec is the agent's declared spec. */
    readonly deployments: StoredDeployment[];
    /** When a DELETE started its teardown (with `deleteAfterMs` > 0); the agent is gone `deleteAfterMs` later. */
    deletedAt: number | undefined;
}

interface DeploymentFailure {
    readonly agent: string | undefined;
    readonly mode: DeploymentFailureMode;
    readonly reason: string | undefined;
    readonly message: string | undefined;
}

/** The sets a deployment binds, as read when it starts. */
interface Bindings {
    readonly secretSet: Extract<SetBinding, { type: "secret" }> | undefined;
    readonly imagePullSecretSet: Extract<SetBinding, { type: "imagePullSecret" }> | undefined;
}

/**
 * An agent as read at one moment, for a view to render: the stored agent, the state of its deployments then, and the
 * clock time and phase durations a revision's health is computed from. Rendered at once, before the store changes.
 * @internal
 */
export interface AgentReading {
    readonly agent: StoredAgent;
    readonly state: AgentState;
    readonly now: number;
    readonly phases: ResolvedDeployPhaseMs;
}

/** @internal */
export class AgentStore {
    private readonly agents = new Map<string, StoredAgent>();
    private readonly failures = new RuleList<DeploymentFailure>();

    constructor(
        private readonly config: AgentStoreConfig,
        private readonly sets: SecretSource,
    ) {}

    /** `POST /agents`: creates an agent and starts its first deployment. */
    create(request: CreateAgentRequest): Outcome<AgentReading> {
        this.sweep();
        const region = request.region ?? this.config.defaultRegion;
        if (!this.config.regions.some((r) => r.code === region)) return fail(invalidRegion());
        if (this.agents.has(request.serviceName)) return fail(serviceExists());
        const spec = applySpecPatch(DEFAULT_SPEC, request.spec);
        const autoScaling = applyScalingPatch(DEFAULT_AUTO_SCALING, request.autoScaling);
        if (!autoScaling.ok) return autoScaling;
        const bindings = this.bind(spec, region, true, () => true);
        if (!bindings.ok) return bindings;

        const now = this.config.now();
        const agent: StoredAgent = {
            name: request.serviceName,
            region,
            serviceId: this.config.newId(),
            createdAt: now,
            updatedAt: now,
            autoScaling: autoScaling.value,
            deployments: [],
            deletedAt: undefined,
        };
        this.startDeployment(agent, spec, bindings.value, false);
        this.agents.set(agent.name, agent);
        return ok(this.reading(agent, true));
    }

    /**
     * `POST /agents/{name}`: applies the given fields. A spec change or `forceRedeploy` starts a new deployment; a
     * scaling change alone applies in place; an update that changes nothing changes nothing.
     */
    update(name: string, request: UpdateAgentRequest): Outcome<AgentReading> {
        this.sweep();
        const agent = this.agents.get(name);
        // An agent whose teardown is under way takes no update (*choice*).
        if (agent === undefined || agent.deletedAt !== undefined) return fail(serviceNotFound());
        if (request.region !== undefined && request.region !== agent.region) return fail(regionChange(agent.region, request.region));
        const current = latestOf(agent).spec;
        const spec = applySpecPatch(current, request.spec);
        const autoScaling = applyScalingPatch(agent.autoScaling, request.autoScaling);
        if (!autoScaling.ok) return autoScaling;
        const deploys = request.forceRedeploy || !sameSpec(spec, current);
        // A set named in the body is always checked; a set kept from before only when a deployment will bind it again.
        const bindings = this.bind(spec, agent.region, false, (field) => deploys || typeof request.spec[field] === "string");
        if (!bindings.ok) return bindings;

        const scales = !sameScaling(autoScaling.value, agent.autoScaling);
        if (!deploys && !scales) return ok(this.reading(agent, false));
        const now = this.config.now();
        agent.updatedAt = now;
        if (scales) {
            agent.autoScaling = autoScaling.value;
            latestOf(agent).updatedAt = now; // scaling is patched onto the running manifest, not rolled out
        }
        if (deploys) this.startDeployment(agent, spec, bindings.value, request.forceRedeploy);
        return ok(this.reading(agent, deploys));
    }

    /** `GET /agents/{name}`. */
    describe(name: string): Outcome<AgentReading> {
        this.sweep();
        const agent = this.agents.get(name);
        return agent === undefined ? fail(agentNotFound()) : ok(this.reading(agent, false));
    }

    /** `GET /agents`: every agent (of one region, if asked), in creation order. */
    list(region: string | undefined): AgentReading[] {
        this.sweep();
        return [...this.agents.values()]
            .filter((agent) => region === undefined || agent.region === region)
            .map((agent) => this.reading(agent, false));
    }

    /**
     * `DELETE /agents/{name}`: removes the agent and its deployments, at once, or with `deleteAfterMs` once its
     * teardown has ended (a DELETE during the teardown answers 200 again and does not restart it).
     */
    delete(name: string): Outcome<void> {
        this.sweep();
        const agent = this.agents.get(name);
        if (agent === undefined) return fail(agentNotFound());
        if (this.config.deleteAfterMs === 0) this.agents.delete(name);
        else agent.deletedAt ??= this.config.now();
        return ok(undefined);
    }

    /** Forgets every agent whose teardown has ended. */
    private sweep(): void {
        const now = this.config.now();
        for (const [name, agent] of this.agents) {
            if (agent.deletedAt !== undefined && now >= agent.deletedAt + this.config.deleteAfterMs) this.agents.delete(name);
        }
    }

    /** Every agent with its deployments (in-process only). */
    snapshots(): AgentSnapshot[] {
        this.sweep();
        return [...this.agents.values()].map((agent) => this.snapshotOf(agent));
    }

    /** One agent with its deployments, or `undefined`. */
    snapshot(name: string): AgentSnapshot | undefined {
        this.sweep();
        const agent = this.agents.get(name);
        return agent === undefined ? undefined : this.snapshotOf(agent);
    }

    /** The values of the regular set the serving deployment captured (`{}` with none bound); `undefined` when none serves. */
    runningSecrets(name: string): Readonly<Record<string, string>> | undefined {
        const serving = this.serving(name);
        return serving === undefined ? undefined : { ...(serving.secrets ?? {}) };
    }

    /** The image-pull credentials the serving deployment captured; `undefined` when none serves or none was bound. */
    runningImagePull(name: string): ImagePullCredentials | undefined {
        const credentials = this.serving(name)?.imagePull;
        return credentials === undefined ? undefined : { ...credentials };
    }

    /** Removes an agent behind the program's back (drift). Returns whether it existed. */
    deleteDirect(name: string): boolean {
        return this.agents.delete(name);
    }

    /**
     * Changes an agent behind the program's back (drift), through the same rules as an update (it starts a deployment
     * when the spec changes, and consumes {@link failDeployment} rules like any deployment). Throws a `TypeError`
     * naming the agent and the refusal.
     */
    updateDirect(name: string, patch: AgentPatch): AgentSnapshot {
        const where = `updateAgentDirect('${name}')`;
        const request = parseUpdateBody(patch);
        if (!request.ok) throw new TypeError(`${where}: ${request.error.error}`);
        const updated = this.update(name, request.value);
        if (!updated.ok) throw new TypeError(`${where}: ${updated.error.status === 404 ? "no such agent" : updated.error.error}`);
        return this.snapshotOf(this.agents.get(name) as StoredAgent);
    }

    /** Makes the next deployment(s) fail, of one agent or of any; see {@link FailDeploymentOptions}. */
    failDeployment(options: FailDeploymentOptions = {}): InjectionHandle {
        const mode = options.mode ?? "failed";
        if (mode !== "failed" && mode !== "crash-loop") throw new TypeError('failDeployment({ mode }) must be "failed" or "crash-loop"');
        for (const field of ["reason", "message"] as const) {
            const value = options[field];
            if (value !== undefined && (typeof value !== "string" || value === "")) {
                throw new TypeError(`failDeployment({ ${field} }) must be a non-empty string`);
            }
        }
        const times = normalizeTimes(options.times, "failDeployment({ times })");
        return this.failures.add({ agent: options.agent, mode, reason: options.reason, message: options.message }, times);
    }

    /** Withdraws every {@link failDeployment} rule. */
    clearDeploymentFailures(): void {
        this.failures.clear();
    }

    /**
     * Reads the sets `spec` binds and checks them, in the order: exists (404), kind, region (400), readiness (409).
     * Only the fields `checks` accepts are checked; the others bind nothing new.
     */
    private bind(spec: AgentSpec, region: string, creating: boolean, checks: (field: BindingField) => boolean): Outcome<Bindings> {
        let secretSet: Bindings["secretSet"];
        let imagePullSecretSet: Bindings["imagePullSecretSet"];
        for (const field of ["secretSet", "imagePullSecretSet"] as const) {
            const setName = spec[field];
            if (setName === undefined || !checks(field)) continue;
            const binding = this.sets.binding(setName);
            const problem = bindingProblem(field, setName, binding, region, creating);
            if (problem !== undefined) return fail(problem);
            if (binding?.type === "secret") secretSet = binding;
            else if (binding?.type === "imagePullSecret") imagePullSecretSet = binding;
        }
        return ok({ secretSet, imagePullSecretSet });
    }

    /** Starts a deployment of `spec`: captures the bound values now and decides its outcome now. */
    private startDeployment(agent: StoredAgent, spec: AgentSpec, bindings: Bindings, forced: boolean): void {
        const now = this.config.now();
        const previous = agent.deployments[agent.deployments.length - 1];
        if (previous !== undefined) previous.supersededAt = now;
        const imagePull =
            bindings.imagePullSecretSet === undefined
                ? undefined
                : { host: bindings.imagePullSecretSet.host, secretValue: bindings.imagePullSecretSet.secretValue };
        agent.deployments.push({
            id: this.config.newId(),
            startedAt: now,
            forced,
            spec,
            supersededAt: undefined,
            updatedAt: now,
            outcome: this.outcomeOf(agent.name, spec, imagePull),
            secrets: bindings.secretSet === undefined ? undefined : { ...bindings.secretSet.secrets },
            imagePull,
        });
    }

    /** An image pull that cannot decode its credentials fails first; otherwise the oldest matching failure rule applies. */
    private outcomeOf(agentName: string, spec: AgentSpec, imagePull: ImagePullCredentials | undefined): DeploymentOutcome {
        const pullProblem = imagePull === undefined ? undefined : imagePullAuthProblem(imagePull.secretValue);
        if (pullProblem !== undefined) {
            const image = spec.image === undefined ? "the build's image" : `image "${spec.image}"`;
            return {
                kind: "failed",
                health: {
                    ready: false,
                    state: "waiting",
                    restartCount: 0,
                    replicasStarted: 0,
                    reason: "ImagePullBackOff",
                    message: `Back-off pulling ${image}: failed to create k8schain: ${pullProblem}`,
                },
            };
        }
        const failure = this.failures.take((f) => f.agent === undefined || f.agent === agentName);
        if (failure === undefined) return { kind: "healthy" };
        const reason = failure.reason ?? "Error";
        const lastExitCode = reason === "OOMKilled" ? 137 : 1;
        if (failure.mode === "crash-loop") {
            const message = failure.message ?? "back-off restarting failed container (injected by the emulator)";
            return { kind: "crash-loop", lastExitCode, lastTerminationReason: reason, message };
        }
        const message = failure.message ?? "container exited with code 1 (injected by the emulator)";
        return {
            kind: "failed",
            health: {
                ready: false,
                state: "terminated",
                restartCount: 0,
                replicasStarted: 1,
                reason,
                lastExitCode,
                lastTerminationReason: reason,
                message,
            },
        };
    }

    /** The agent now; with `justStarted`, its newest deployment as the write that started it answers. */
    private reading(agent: StoredAgent, justStarted: boolean): AgentReading {
        const state = agentState(agent.deployments, this.config.now(), this.config.phases, justStarted);
        return { agent, state, now: this.config.now(), phases: this.config.phases };
    }

    private serving(name: string): StoredDeployment | undefined {
        this.sweep();
        const agent = this.agents.get(name);
        if (agent === undefined) return undefined;
        const index = servingIndex(agent.deployments, this.config.now(), this.config.phases);
        return index === undefined ? undefined : agent.deployments[index];
    }

    private snapshotOf(agent: StoredAgent): AgentSnapshot {
        const now = this.config.now();
        return {
            name: agent.name,
            region: agent.region,
            serviceId: agent.serviceId,
            createdAt: agent.createdAt,
            updatedAt: agent.updatedAt,
            autoScaling: { ...agent.autoScaling },
            spec: copySpec(latestOf(agent).spec),
            deployments: agent.deployments.map((d, i) => ({
                id: d.id,
                forced: d.forced,
                phase: phaseAt(agent.deployments, i, now, this.config.phases).phase,
                startedAt: d.startedAt,
                spec: copySpec(d.spec),
            })),
            ...(agent.deletedAt === undefined ? {} : { deletedAt: agent.deletedAt }),
        };
    }
}

function bindingProblem(
    field: BindingField,
    setName: string,
    binding: SetBinding | undefined,
    region: string,
    creating: boolean,
): ApiError | undefined {
    if (binding === undefined) return boundSetNotFound();
    if ((field === "secretSet") !== (binding.type === "secret")) return boundSetWrongKind(field, setName);
    if (binding.region !== region) return boundSetRegionMismatch(field, setName, binding.region, region, creating);
    if (binding.status !== "ready") return boundSetNotReady(setName);
    return undefined;
}

function latestOf(agent: StoredAgent): StoredDeployment {
    const latest = agent.deployments[agent.deployments.length - 1];
    if (latest === undefined) throw new Error(`agent '${agent.name}' has no deployment`);
    return latest;
}

function sameScaling(a: AutoScaling, b: AutoScaling): boolean {
    return a.minAgents === b.minAgents && a.maxAgents === b.maxAgents;
}

function copySpec(spec: AgentSpec): AgentSpec {
    return { ...spec, krispViva: { ...spec.krispViva } };
}

// Re-exported for the public entry: the field types of AgentSpec and AgentPatch.
export type { AgentProfile, AgentSpec, AutoScaling, KrispAudioFilter, NodeType, WebsocketAuth };
