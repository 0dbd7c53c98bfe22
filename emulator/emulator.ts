/**
 * `startEmulator`, the composition root: wires the rooms (each one's store and handler: sets, agents), fault rules, rate
 * limiter and request log to an HTTP server, and exposes the in-process test hooks. None of the hooks is reachable over
 * HTTP. The only module besides the public entry that imports the rooms, each through its door (`secrets/index.ts`,
 * `agents/index.ts`).
 * The properties room owns the organisation's current default region; every room reads it through the one
 * `defaultRegion: () => string` made here, so a `PATCH /properties` moves where later creates without a region land.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import {
    type AgentPatch,
    type AgentSnapshot,
    type AgentsOptions,
    type FailDeploymentOptions,
    type ImagePullCredentials,
    type ResolvedAgentsOptions,
    AgentStore,
    EMULATOR_ORGANIZATION_ID,
    handleAgents,
    resolveAgentsOptions,
} from "./agents";
import {
    type BuildSnapshot,
    type BuildsOptions,
    type ResolvedBuildsOptions,
    type SeedBuild,
    type UploadSnapshot,
    BuildStore,
    handleBuilds,
    handleStorage,
    resolveBuildsOptions,
} from "./builds";
import { FaultRules, type FaultSpec, RateLimiter } from "./faults";
import type { InjectionHandle } from "./handle";
import {
    type ResolvedServerOptions,
    type ServerLimits,
    type ServerOptions,
    DEFAULT_SERVER_LIMITS,
    resolveAccess,
    resolveServing,
} from "./options";
import { PropertiesStore, handleProperties } from "./properties";
import { matchesFilter, type RecordedRequest, type RequestFilter } from "./request-log";
import { BASE_PATH, roomOf } from "./routes";
import { createEmulatorServer } from "./server";
import {
    type EmulatorSnapshot,
    type FailProvisioningOptions,
    type ProvisioningSnapshot,
    type ResolvedSecretsOptions,
    type SecretsLimits,
    type SecretsOptions,
    type SeedSet,
    DEFAULT_SECRETS_LIMITS,
    SecretStore,
    handleSecrets,
    resolveSecretsOptions,
} from "./secrets";

/** Options of {@link startEmulator}: those of the server and of each room. Every field is optional. */
export interface EmulatorOptions extends ServerOptions, SecretsOptions, AgentsOptions, BuildsOptions {
    /** Size limits (the emulator's choices, not documented API limits). @default {@link DEFAULT_LIMITS} */
    readonly limits?: Partial<EmulatorLimits> | undefined;
}

/** Size limits the emulator enforces. These are the emulator's choices: the Pipecat Cloud docs do not document any. */
export interface EmulatorLimits extends SecretsLimits, ServerLimits {}

/** The emulator's default limits (not documented API limits). */
export const DEFAULT_LIMITS: EmulatorLimits = Object.freeze({ ...DEFAULT_SECRETS_LIMITS, ...DEFAULT_SERVER_LIMITS });

/** Options with defaults applied and checked. @internal */
export interface ResolvedOptions extends ResolvedServerOptions, ResolvedSecretsOptions, ResolvedAgentsOptions, ResolvedBuildsOptions {
    readonly limits: EmulatorLimits;
}

/**
 * Applies defaults and validates; throws a `TypeError` whose message names the option and what it must be. The
 * options are checked in this order (the first problem is the one reported): address and key, each room's, then the
 * rest of the server's and the limits.
 * @internal
 */
export function normalizeOptions(options: EmulatorOptions = {}): ResolvedOptions {
    const access = resolveAccess(options);
    const secrets = resolveSecretsOptions(options);
    const agents = resolveAgentsOptions(options);
    const builds = resolveBuildsOptions(options);
    const serving = resolveServing(options, options.limits, DEFAULT_LIMITS);
    return { ...access, ...secrets, ...agents, ...builds, ...serving };
}

/** A running emulator and its test hooks. */
export interface Emulator {
    /** Base URL including `/v1`, e.g. `http://127.0.0.1:43121/v1` (`https://` with the `tls` option). */
    readonly url: string;
    /** The port it listens on (the chosen one when started with port 0). */
    readonly port: number;
    /** The API key it accepts. */
    readonly apiKey: string;
    /** Requests answered so far, oldest first (a copy). Bodies hold secret values: assert on them, never print them. */
    readonly requests: readonly RecordedRequest[];
    /** How many 429 answers the rate limiter has sent (injected 429 faults are not counted). */
    readonly rateLimitedCount: number;
    /** How many recorded requests match `filter` (all of them without one). */
    requestCount(filter?: RequestFilter): number;
    /** Forgets the recorded requests. */
    clearRequests(): void;
    /** Every stored set with its values and current readiness (a plain copy). */
    snapshot(): EmulatorSnapshot;
    /**
     * Creates or replaces a set directly, without the API (for adopt tests): a regular or an image-pull set, either of
     * them referenced (`referenced: true`: a Kubernetes Secret registered by name, listed with `source: "referenced"`,
     * refused to managed writes). Throws `TypeError` on an invalid name, key or region.
     */
    seed(name: string, set: SeedSet): void;
    /** Deletes a set behind the program's back (drift). Returns whether it existed. */
    deleteDirect(name: string): boolean;
    /** Deletes one key of a regular set behind the program's back (drift); readiness is unchanged. Returns whether it existed. */
    deleteKeyDirect(name: string, key: string): boolean;
    /**
     * Every provisioning a request started (a PUT, a key deletion), oldest first (copies): the set, when it started and
     * when a read first reports it ended (`readyAt`), and whether it ends `failed`.
     */
    provisionings(): ProvisioningSnapshot[];
    /** Makes the next provisioning of a set (or of any set) end `failed` with an `errorMessage`. */
    failProvisioning(options?: FailProvisioningOptions): InjectionHandle;
    /** Injects a fault for matching requests; see {@link FaultSpec}. Throws `TypeError` on an invalid spec. */
    injectFault(fault: FaultSpec): InjectionHandle;
    /**
     * Every stored agent, in creation order, with its declared fields and its deployments oldest first (a plain copy;
     * names only, no values).
     */
    agents(): AgentSnapshot[];
    /** One stored agent with its deployments (a plain copy), or `undefined` when there is none of that name. */
    agent(name: string): AgentSnapshot | undefined;
    /**
     * What the agent's running code sees: the values of its regular set as the serving (`Active`) deployment
     * captured them when it started (`{}` when that deployment binds no set, or binds a referenced set). Rotating
     * the set changes nothing here until a new deployment (forced, or by a spec change) becomes `Active`.
     * `undefined` when no deployment of the agent is `Active` (or there is no such agent).
     */
    runningSecrets(name: string): Readonly<Record<string, string>> | undefined;
    /**
     * The registry credentials (`host`, `secretValue`) the serving (`Active`) deployment captured from its image-pull
     * set when it started. `undefined` when none is `Active` or it binds no image-pull set.
     */
    runningImagePull(name: string): ImagePullCredentials | undefined;
    /**
     * Makes the next deployment of an agent (or of any agent; `times` of them, default 1) fail: `mode: "failed"`
     * (default) ends it `Failed` once `Creating` is over; `"crash-loop"` keeps it in `Validating` with
     * `CrashLoopBackOff` for ever. Consumed when a deployment starts, unless its image pull already fails. Throws
     * `TypeError` on invalid options.
     */
    failDeployment(options?: FailDeploymentOptions): InjectionHandle;
    /** Deletes an agent behind the program's back (drift). Returns whether it existed. */
    deleteAgentDirect(name: string): boolean;
    /**
     * Changes an agent behind the program's back (drift: a new image or scaling set in the dashboard). The patch goes
     * through the same rules as `POST /agents/{name}` and starts a deployment when the spec changes (or with
     * `forceRedeploy`). Returns the agent after the change; throws `TypeError` when there is no such agent or the
     * rules refuse the patch. Sends no request.
     */
    updateAgentDirect(name: string, patch: AgentPatch): AgentSnapshot;
    /**
     * The organisation's current default region: where a set or agent created without `region` lands. It starts at the
     * `defaultRegion` option and follows `PATCH /properties` and {@link setDefaultRegion}.
     */
    defaultRegion(): string;
    /**
     * Changes the organisation's default region behind the program's back (drift: a change in the dashboard), as a
     * `PATCH /properties` would; what exists stays where it is. Throws `TypeError` on a code that is not one of the
     * emulator's regions. Sends no request.
     */
    setDefaultRegion(code: string): void;
    /**
     * Every upload the storage service accepted (`POST /storage/<bucket>`), oldest first (copies): `{ uploadId,
     * bucketKey, headers, hadAuthorization, fieldNames, archive, at }`. `headers` never holds `authorization`:
     * `hadAuthorization` says whether one came.
     */
    uploads(): UploadSnapshot[];
    /** Every build, in creation order, as it is now (status, imageUri, errorMessage, logs; no archive). */
    builds(): BuildSnapshot[];
    /**
     * Creates a build directly, without an upload (for tests that need a build to deploy): `success` by default, in
     * the default region. Returns it. Throws `TypeError` on an unknown region or status, or an id in use.
     */
    seedBuild(build?: SeedBuild): BuildSnapshot;
    /**
     * The image the agent's serving (`Active`) deployment runs: its `image`, or for an agent deployed from a build that
     * build's `imageUri`. `undefined` when no deployment of the agent is `Active` (or there is no such agent).
     */
    agentImage(name: string): string | undefined;
    /** Withdraws every injected fault and every {@link failProvisioning} and {@link failDeployment} rule. */
    clearFaults(): void;
    /** Stops listening and drops open connections (including requests held by a delay). Safe to call twice. */
    close(): Promise<void>;
}

/**
 * Starts an emulator of the Pipecat Cloud API's secrets and agents endpoints on a real HTTP port.
 *
 * @example
 * const emulator = await startEmulator({ readyAfterMs: 200 });
 * // point the client at emulator.url with apiKey emulator.apiKey ...
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
    const resolved = normalizeOptions(options);
    // The organisation's properties: the one source of the current default region, which every room reads.
    const properties = new PropertiesStore({ regions: resolved.regions, defaultRegion: resolved.defaultRegion });
    const defaultRegion: () => string = properties.defaultRegion;
    const store = new SecretStore({ ...resolved, defaultRegion });
    const agents = new AgentStore(
        {
            regions: resolved.regions,
            defaultRegion,
            phases: resolved.deployPhaseMs,
            phasesFor: resolved.deployPhaseMsFor,
            deleteAfterMs: resolved.agentDeleteAfterMs,
            now: resolved.now,
            newId: randomUUID,
        },
        // What the agents room reads of a set it binds: the set as the secrets room's snapshot shows it (a copy).
        { binding: (name) => store.snapshotOf(name) },
        // What it reads of a build it deploys: its region, status and image (the builds room's store, created below).
        { build: (id) => builds.deployable(id) },
    );
    let origin = "";
    const builds = new BuildStore({
        regions: resolved.regions,
        defaultRegion,
        organizationId: EMULATOR_ORGANIZATION_ID,
        origin: () => origin,
        signingSecret: randomBytes(32).toString("hex"),
        queueMs: resolved.buildQueueMs,
        durationMs: resolved.buildDurationMs,
        maxMs: resolved.buildMaxMs,
        uploadMaxBytes: resolved.buildUploadMaxBytes,
        uploadTtlMs: resolved.uploadUrlTtlMs,
        now: resolved.now,
        newId: randomUUID,
    });
    const faults = new FaultRules();
    const rateLimiter = resolved.rateLimit === undefined ? undefined : new RateLimiter(resolved.rateLimit.requestsPerSecond, resolved.now);
    let recorded: RecordedRequest[] = [];
    const http = createEmulatorServer({
        options: resolved,
        handle: (match, body, query) => {
            const room = roomOf(match.route);
            if (room === "properties") return handleProperties(properties, match, body);
            if (room === "builds") return handleBuilds(builds, match, body, query);
            return room === "agents" ? handleAgents(agents, match, body, query) : handleSecrets(store, match, body, resolved.limits);
        },
        handleBytes: {
            maxBodyBytes: () => builds.maxUploadRequestBytes(),
            handle: (match, request) => handleStorage(builds, match, request),
        },
        faults,
        rateLimiter,
        record: (request) => recorded.push(request),
    });

    await new Promise<void>((resolve, reject) => {
        http.server.once("error", reject);
        http.server.listen(resolved.port, resolved.host, () => {
            http.server.off("error", reject);
            resolve();
        });
    });
    const { port } = http.server.address() as AddressInfo;
    const hostForUrl = resolved.host.includes(":") ? `[${resolved.host}]` : resolved.host;
    origin = `${resolved.tls === undefined ? "http" : "https"}://${hostForUrl}:${port}`;

    return {
        url: `${origin}${BASE_PATH}`,
        port,
        apiKey: resolved.apiKey,
        get requests() {
            return [...recorded];
        },
        get rateLimitedCount() {
            return rateLimiter?.limited ?? 0;
        },
        requestCount: (filter) => recorded.filter((r) => matchesFilter(r, filter)).length,
        clearRequests: () => {
            recorded = [];
        },
        snapshot: () => store.snapshot(),
        seed: (name, set) => store.seed(name, set),
        deleteDirect: (name) => store.deleteDirect(name),
        deleteKeyDirect: (name, key) => store.deleteKeyDirect(name, key),
        provisionings: () => store.provisionings(),
        failProvisioning: (failure) => store.failProvisioning(failure),
        injectFault: (fault) => faults.add(fault),
        agents: () => agents.snapshots(),
        agent: (name) => agents.snapshot(name),
        runningSecrets: (name) => agents.runningSecrets(name),
        runningImagePull: (name) => agents.runningImagePull(name),
        failDeployment: (failure) => agents.failDeployment(failure),
        deleteAgentDirect: (name) => agents.deleteDirect(name),
        updateAgentDirect: (name, patch) => agents.updateDirect(name, patch),
        defaultRegion,
        setDefaultRegion: (code) => properties.setDirect(code),
        uploads: () => builds.uploadSnapshots(),
        builds: () => builds.buildSnapshots(),
        seedBuild: (build) => builds.seed(build),
        agentImage: (name) => agents.runningImage(name),
        clearFaults: () => {
            faults.clear();
            store.clearProvisioningFailures();
            agents.clearDeploymentFailures();
        },
        close: () => http.stop(),
    };
}
