/**
 * The emulator's agents and the API's rules over them: create, update (partial, with or without a new deployment),
 * delete and its teardown, reads, and the agent hooks. Bindings are checked in bindings.ts, deployments started in
 * rollout.ts, the records' shapes are in records.ts.
 *
 * No I/O: every operation returns a value or the {@link ApiError} to answer; time comes from the injected clock and
 * ids from the injected generator. Sets are read through {@link SecretSource}, never changed.
 */
import { type ApiError, agentNotFound, invalidRegion, regionChange, serviceExists, serviceNotFound } from "../errors";
import type { InjectionHandle } from "../handle";
import { type Outcome, fail, ok } from "../outcome";
import { type BuildSource, type SecretSource, bindSets, imageOf } from "./bindings";
import { agentState, servingIndex } from "./deployments";
import { type DeployPhaseMs, type ResolvedDeployPhaseMs, resolvePhases } from "./options";
import {
    type AgentReading,
    type AgentSnapshot,
    type ImagePullCredentials,
    type StoredAgent,
    type StoredDeployment,
    latestOf,
    snapshotOf,
} from "./records";
import { type FailDeploymentOptions, Rollout } from "./rollout";
import {
    type AutoScaling,
    type CreateAgentRequest,
    type SpecPatch,
    type UpdateAgentRequest,
    DEFAULT_AUTO_SCALING,
    DEFAULT_SPEC,
    applyScalingPatch,
    applySpecPatch,
    parseUpdateBody,
    sameSpec,
} from "./rules";

/**
 * A change made behind the program's back (`emulator.updateAgentDirect()`), e.g. in the dashboard: the fields of an
 * update body. It goes through the same rules as `POST /agents/{name}`.
 */
export interface AgentPatch extends SpecPatch {
    readonly autoScaling?: { readonly minAgents?: number; readonly maxAgents?: number };
    readonly forceRedeploy?: boolean;
}

/** Settings the store needs, already validated. @internal */
export interface AgentStoreConfig {
    readonly regions: readonly { readonly code: string }[];
    /** The organisation's current default region (the properties room's, handed by emulator.ts), read at each create. */
    readonly defaultRegion: () => string;
    readonly phases: ResolvedDeployPhaseMs;
    /** One agent's phase durations over `phases` (the `deployPhaseMsFor` option), fixed per deployment when it starts. */
    readonly phasesFor?: ((agentName: string) => DeployPhaseMs) | undefined;
    /** How long a DELETE's teardown takes; 0: the agent is gone at once. */
    readonly deleteAfterMs: number;
    readonly now: () => number;
    /** A new UUID for each service and deployment. */
    readonly newId: () => string;
}

/** @internal */
export class AgentStore {
    private readonly agents = new Map<string, StoredAgent>();
    private readonly rollout: Rollout;

    constructor(
        private readonly config: AgentStoreConfig,
        private readonly sets: SecretSource,
        private readonly builds: BuildSource,
    ) {
        const phasesFor = config.phasesFor;
        this.rollout = new Rollout({
            now: config.now,
            newId: config.newId,
            ...(phasesFor === undefined
                ? {}
                : { phasesFor: (name: string) => resolvePhases(phasesFor(name), config.phases, "deployPhaseMsFor") }),
        });
    }

    /** `POST /agents`: creates an agent and starts its first deployment. */
    create(request: CreateAgentRequest): Outcome<AgentReading> {
        this.sweep();
        const region = request.region ?? this.config.defaultRegion();
        if (!this.config.regions.some((r) => r.code === region)) return fail(invalidRegion());
        if (this.agents.has(request.serviceName)) return fail(serviceExists());
        const spec = applySpecPatch(DEFAULT_SPEC, request.spec);
        const autoScaling = applyScalingPatch(DEFAULT_AUTO_SCALING, request.autoScaling);
        if (!autoScaling.ok) return autoScaling;
        const bindings = bindSets(this.sets, spec, region, true, () => true);
        if (!bindings.ok) return bindings;
        const image = imageOf(this.builds, spec, region);
        if (!image.ok) return image;

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
        this.rollout.start(agent, spec, bindings.value, false, image.value);
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
        const bindings = bindSets(this.sets, spec, agent.region, false, (field) => deploys || typeof request.spec[field] === "string");
        if (!bindings.ok) return bindings;
        // A build named in the body is always checked; a build kept from before when a deployment will run it again.
        const image = deploys || request.spec.buildId !== undefined ? imageOf(this.builds, spec, agent.region) : ok(latestOf(agent).image);
        if (!image.ok) return image;

        const scales = !sameScaling(autoScaling.value, agent.autoScaling);
        if (!deploys && !scales) return ok(this.reading(agent, false));
        const now = this.config.now();
        agent.updatedAt = now;
        if (scales) {
            agent.autoScaling = autoScaling.value;
            latestOf(agent).updatedAt = now; // scaling is patched onto the running manifest, not rolled out
        }
        if (deploys) this.rollout.start(agent, spec, bindings.value, request.forceRedeploy, image.value);
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
        return [...this.agents.values()].map((agent) => snapshotOf(agent, this.config.now(), this.config.phases));
    }

    /** One agent with its deployments, or `undefined`. */
    snapshot(name: string): AgentSnapshot | undefined {
        this.sweep();
        const agent = this.agents.get(name);
        return agent === undefined ? undefined : snapshotOf(agent, this.config.now(), this.config.phases);
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

    /** The image the serving deployment runs (a build's `imageUri` for a build); `undefined` when none serves. */
    runningImage(name: string): string | undefined {
        return this.serving(name)?.image;
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
        return snapshotOf(this.agents.get(name) as StoredAgent, this.config.now(), this.config.phases);
    }

    /** Makes the next deployment(s) fail, of one agent or of any; see {@link FailDeploymentOptions}. */
    failDeployment(options: FailDeploymentOptions = {}): InjectionHandle {
        return this.rollout.fail(options);
    }

    /** Withdraws every {@link failDeployment} rule. */
    clearDeploymentFailures(): void {
        this.rollout.clear();
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
}

function sameScaling(a: AutoScaling, b: AutoScaling): boolean {
    return a.minAgents === b.minAgents && a.maxAgents === b.maxAgents;
}
