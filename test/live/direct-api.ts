/**
 * Direct HTTP calls to the Pipecat Cloud API (secret sets, agents, builds and the organisation's default
 * region), outside Pulumi and outside the provider (Node's fetch), for what the acceptance tests do behind the
 * program's back: read a set, an agent, a build or the default region, make drift, and clean up. The same calls work against the live API and the emulator: no emulator
 * helper is used here.
 *
 * Everything that changes a set or an agent is guarded: a name is touched only if it carries the prefix
 * this client owns AND has the shape of a run's name (`pcs-live-<8 × [a-z0-9]>-…`; for an agent also the
 * API's service-name rule, at most 54 characters), so a bug in a test can never delete a set or an agent
 * outside the acceptance runs' names, whatever it passes. The sweep deletes agents before sets, as
 * `pulumi destroy` does: an agent is never left bound to a set that is gone.
 *
 * The organisation's settings (its default region) and builds are only read here: this client has no call that
 * writes either (a live organisation's default region is never changed by the tests), and the sweep leaves builds
 * alone (Pipecat Cloud has no delete of a build: they are immutable records).
 */
import { randomInt } from "node:crypto";

/** What every name an acceptance run creates starts with; the sweep deletes under it and nowhere else. */
export const COMMON_PREFIX = "pcs-live-";
/** The shape of a name an acceptance run creates: the common prefix, 8 random characters, a dash, more. */
export const RUN_NAME = /^pcs-live-[a-z0-9]{8}-[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RUN_PREFIX = /^pcs-live-[a-z0-9]{8}-$/;
/** The API's rule for an agent's name (`serviceName`), and its length limit. */
export const AGENT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])$/;
export const AGENT_NAME_MAX = 54;
/** The API's words for a missing agent (`Not found` on read and delete, `Service not found` on update), as the provider takes them. */
const AGENT_NOT_FOUND = /^((service|agent) )?not found\.?$/i;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A fresh per-run prefix, `pcs-live-<8 random [a-z0-9]>-` (18 characters: names stay far below 63). */
export function newRunPrefix(): string {
    let random = "";
    for (let i = 0; i < 8; i++) random += ALPHABET[randomInt(ALPHABET.length)];
    return `${COMMON_PREFIX}${random}-`;
}

/** One row of `GET /secrets`. */
export interface SetRow {
    readonly name: string;
    readonly type: string;
    readonly region?: string;
    readonly status?: string;
}

/** `GET /secrets/{name}` as answered: the status and, for 2xx, the body. */
export interface SetLookup {
    readonly status: number;
    readonly keys?: string[];
    readonly region?: string;
    readonly readiness?: string;
    readonly errorMessage?: string;
}

/** One row of `GET /agents` (`services`). */
export interface AgentRow {
    readonly name: string;
    readonly region?: string;
}

/** `GET /agents/{name}` as answered: the status and, for 2xx, what says whether it is deployed and what it binds. */
export interface AgentLookup {
    readonly status: number;
    readonly ready?: boolean;
    readonly available?: boolean;
    readonly desiredDeploymentId?: string;
    readonly reconciledDeploymentId?: string;
    readonly region?: string;
    /** The regular sets the newest deployment binds (`deployment.manifest.spec.envFromSecretNames`). */
    readonly secretSets?: string[];
    /** The build the newest deployment runs (`deployment.manifest.spec.buildId`), when the API shows one. */
    readonly buildId?: string;
}

/** `GET /builds/{id}` as answered: the status and, for 2xx, what says whether the build can be deployed. */
export interface BuildLookup {
    readonly status: number;
    /** `pending`, `building`, `success`, `failed` or `timeout`. */
    readonly buildStatus?: string;
    readonly imageUri?: string;
    readonly region?: string;
    readonly contextHash?: string;
}

/** What a sweep deleted: agents first, then sets. */
export interface Swept {
    readonly agents: AgentRow[];
    readonly sets: SetRow[];
}

const ATTEMPTS = 5;
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_RETRY_AFTER_MS = 30_000;

export class DirectApi {
    /** Requests sent, retries included (the refusal tests check that a refused name sent none). */
    requestCount = 0;

    /**
     * @param ownedPrefix the only names this client may change: a run's prefix (`pcs-live-abcd1234-`), or
     *   {@link COMMON_PREFIX} for the sweep. Anything else is refused here, before any request.
     */
    constructor(
        private readonly apiUrl: string,
        private readonly apiKey: string,
        readonly ownedPrefix: string,
    ) {
        if (ownedPrefix !== COMMON_PREFIX && !RUN_PREFIX.test(ownedPrefix)) {
            throw new Error(
                `DirectApi: the owned prefix must be "${COMMON_PREFIX}" or a run prefix like "pcs-live-abcd1234-", got "${ownedPrefix}"`,
            );
        }
    }

    /** Whether this client may change (delete, or delete a key of) the set `name`. */
    owns(name: string): boolean {
        return name.startsWith(this.ownedPrefix) && RUN_NAME.test(name);
    }

    /** Whether this client may delete the agent `name`: an owned name that is also a valid agent name. */
    ownsAgent(name: string): boolean {
        return this.owns(name) && AGENT_NAME.test(name) && name.length <= AGENT_NAME_MAX;
    }

    /** `GET /secrets`: every set of the organisation, regular and image-pull. */
    async list(): Promise<SetRow[]> {
        const { status, body } = await this.request("GET", "/secrets");
        const sets = (body as { sets?: unknown } | undefined)?.sets;
        if (status !== 200 || !Array.isArray(sets)) throw new Error(`GET /secrets answered ${status} ${describeBody(body)}`);
        return sets as SetRow[];
    }

    /** `GET /secrets/{name}` (regular sets; image-pull sets answer 400, read them from {@link list}). */
    async get(name: string): Promise<SetLookup> {
        const { status, body } = await this.request("GET", `/secrets/${encodeURIComponent(name)}`);
        if (status < 200 || status > 299) return { status };
        const b = body as { secrets?: { fieldName: string }[]; region?: string; status?: string; errorMessage?: string };
        return {
            status,
            keys: (b.secrets ?? []).map((s) => s.fieldName).sort(),
            ...(b.region !== undefined ? { region: b.region } : {}),
            ...(b.status !== undefined ? { readiness: b.status } : {}),
            ...(b.errorMessage !== undefined ? { errorMessage: b.errorMessage } : {}),
        };
    }

    /** `DELETE /secrets/{name}/{key}`: drift made behind Pulumi's back. Only on an owned name. */
    async deleteKey(name: string, key: string): Promise<void> {
        this.guard(name, "delete a key of");
        const path = `/secrets/${encodeURIComponent(name)}/${encodeURIComponent(key)}`;
        const { status, body } = await this.request("DELETE", path);
        if (status !== 200) throw new Error(`DELETE ${path} answered ${status} ${describeBody(body)}`);
    }

    /** `DELETE /secrets/{name}`: "deleted", or "absent" when the API says `Set not found`. Only on an owned name. */
    async deleteSet(name: string): Promise<"deleted" | "absent"> {
        this.guard(name, "delete");
        const path = `/secrets/${encodeURIComponent(name)}`;
        const { status, body } = await this.request("DELETE", path);
        if (status >= 200 && status <= 299) return "deleted";
        // Only the API's own answer counts as gone: a 404 from a wrong base URL must not pass for a clean-up.
        if (status === 404 && /set not found/i.test(String((body as { error?: unknown } | undefined)?.error))) return "absent";
        throw new Error(`DELETE ${path} answered ${status} ${describeBody(body)}`);
    }

    /** `GET /agents`: every agent of the organisation (a row the API marks deleted is left out). */
    async listAgents(): Promise<AgentRow[]> {
        const { status, body } = await this.request("GET", "/agents");
        const services = (body as { services?: unknown } | undefined)?.services;
        if (status !== 200 || !Array.isArray(services)) throw new Error(`GET /agents answered ${status} ${describeBody(body)}`);
        return (services as (AgentRow & { deletedAt?: unknown })[]).filter((a) => a.deletedAt === undefined || a.deletedAt === null);
    }

    /** `GET /agents/{name}`: readiness, deployments and the bound sets (for 2xx), else just the status. */
    async getAgent(name: string): Promise<AgentLookup> {
        const { status, body } = await this.request("GET", `/agents/${encodeURIComponent(name)}`);
        if (status < 200 || status > 299) return { status };
        const b = body as {
            ready?: boolean;
            available?: boolean;
            desiredDeploymentId?: string;
            reconciledDeploymentId?: string;
            region?: string;
            deployment?: { manifest?: { spec?: { envFromSecretNames?: string[]; buildId?: unknown } } };
        };
        const bound = b.deployment?.manifest?.spec?.envFromSecretNames;
        const buildId = b.deployment?.manifest?.spec?.buildId;
        return {
            status,
            ...(b.ready !== undefined ? { ready: b.ready } : {}),
            ...(b.available !== undefined ? { available: b.available } : {}),
            ...(b.desiredDeploymentId !== undefined ? { desiredDeploymentId: b.desiredDeploymentId } : {}),
            ...(b.reconciledDeploymentId !== undefined ? { reconciledDeploymentId: b.reconciledDeploymentId } : {}),
            ...(b.region !== undefined ? { region: b.region } : {}),
            ...(Array.isArray(bound) ? { secretSets: [...bound] } : {}),
            ...(typeof buildId === "string" ? { buildId } : {}),
        };
    }

    /** `GET /builds/{id}`: the build's status, image, region and context hash (for 2xx), else just the HTTP status. */
    async getBuild(id: string): Promise<BuildLookup> {
        const { status, body } = await this.request("GET", `/builds/${encodeURIComponent(id)}`);
        if (status < 200 || status > 299) return { status };
        const b = (body as { build?: { status?: string; imageUri?: string; region?: string; contextHash?: string } } | undefined)?.build;
        if (b === undefined) throw new Error(`GET /builds/${id} answered ${status} without a build`);
        return {
            status,
            ...(b.status !== undefined ? { buildStatus: b.status } : {}),
            ...(b.imageUri !== undefined ? { imageUri: b.imageUri } : {}),
            ...(b.region !== undefined ? { region: b.region } : {}),
            ...(b.contextHash !== undefined ? { contextHash: b.contextHash } : {}),
        };
    }

    /** `GET /properties`: the organisation's default region (read only: nothing here writes it). */
    async defaultRegion(): Promise<string> {
        const { status, body } = await this.request("GET", "/properties");
        const region = (body as { properties?: { defaultRegion?: unknown } } | undefined)?.properties?.defaultRegion;
        if (status !== 200 || typeof region !== "string" || region === "") {
            throw new Error(`GET /properties answered ${status} ${status === 200 ? "without a defaultRegion" : describeBody(body)}`);
        }
        return region;
    }

    /** `DELETE /agents/{name}`: "deleted", or "absent" when the API says the agent is not found. Only on an owned name. */
    async deleteAgent(name: string): Promise<"deleted" | "absent"> {
        if (!this.ownsAgent(name)) {
            throw new Error(
                `Refusing to delete agent "${name}": only agent names under "${this.ownedPrefix}" shaped like ${RUN_NAME.source} ` +
                    `(and ${AGENT_NAME.source}, at most ${AGENT_NAME_MAX} characters) belong to the acceptance tests.`,
            );
        }
        const path = `/agents/${encodeURIComponent(name)}`;
        const { status, body } = await this.request("DELETE", path);
        if (status >= 200 && status <= 299) return "deleted";
        // As for sets: only the API's own words count as gone, never a route the base URL lacks.
        if (status === 404 && AGENT_NOT_FOUND.test(String((body as { error?: unknown } | undefined)?.error).trim())) return "absent";
        throw new Error(`DELETE ${path} answered ${status} ${describeBody(body)}`);
    }

    /**
     * Deletes every listed agent this client owns, then every listed set (either type) it owns, and returns
     * what it deleted. Nothing else is touched. The sets are deleted even when an agent could not be (the
     * error then names it): the sweep leaves as little as it can.
     */
    async sweep(): Promise<Swept> {
        const failures: string[] = [];
        const attempt = async <T extends { name: string }>(
            rows: T[],
            remove: (name: string) => Promise<"deleted" | "absent">,
        ): Promise<T[]> => {
            const deleted: T[] = [];
            for (const row of rows) {
                try {
                    if ((await remove(row.name)) === "deleted") deleted.push(row);
                } catch (e) {
                    failures.push(e instanceof Error ? e.message : String(e));
                }
            }
            return deleted;
        };
        const agents = await attempt(
            (await this.listAgents()).filter((a) => this.ownsAgent(a.name)),
            (n) => this.deleteAgent(n),
        );
        const sets = await attempt(
            (await this.list()).filter((s) => this.owns(s.name)),
            (n) => this.deleteSet(n),
        );
        if (failures.length > 0) {
            const done = [...agents.map((a) => `agent ${a.name}`), ...sets.map((s) => `set ${s.name}`)].join(", ") || "nothing";
            throw new Error(`sweep under ${this.ownedPrefix}: deleted ${done}; failed:\n${failures.join("\n")}`);
        }
        return { agents, sets };
    }

    /**
     * What is still listed under the owned prefix (`agent <name>`, `set <name>`), checked again every 2 s
     * for up to `withinMs` until nothing is: the API does not say whether a delete shows at once everywhere.
     */
    async leftovers(withinMs: number): Promise<string[]> {
        const deadline = Date.now() + withinMs;
        for (;;) {
            const agents = (await this.listAgents()).filter((a) => this.ownsAgent(a.name)).map((a) => `agent ${a.name}`);
            const sets = (await this.list()).filter((s) => this.owns(s.name)).map((s) => `set ${s.name}`);
            const left = [...agents, ...sets];
            if (left.length === 0 || Date.now() >= deadline) return left;
            await new Promise((r) => setTimeout(r, 2000));
        }
    }

    private guard(name: string, what: string): void {
        if (!this.owns(name)) {
            throw new Error(
                `Refusing to ${what} secret set "${name}": only names under "${this.ownedPrefix}" shaped like ${RUN_NAME.source} ` +
                    "belong to the acceptance tests.",
            );
        }
    }

    /**
     * One call, retried on network errors, 409 (concurrent modification), 429 and 5xx: every call here is
     * idempotent (a repeated DELETE answers 404 `Set not found` or, for an agent, `Not found`, which callers
     * treat as gone). The key goes
     * only into the Authorization header; messages carry method, path, status and the API's error text.
     */
    private async request(method: "GET" | "DELETE", path: string): Promise<{ status: number; body: unknown }> {
        for (let attempt = 1; ; attempt++) {
            let retryAfterMs: number | undefined;
            try {
                this.requestCount++;
                const response = await fetch(`${this.apiUrl}${path}`, {
                    method,
                    headers: { Authorization: `Bearer ${this.apiKey}`, Accept: "application/json" },
                    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
                });
                const text = await response.text();
                let body: unknown;
                try {
                    body = text === "" ? undefined : JSON.parse(text);
                } catch {
                    body = { error: `(a body that is not JSON, ${text.length} characters)` };
                }
                const transient = response.status === 409 || response.status === 429 || response.status >= 500;
                if (!transient || attempt === ATTEMPTS) return { status: response.status, body };
                const header = Number(response.headers.get("retry-after"));
                if (Number.isFinite(header) && header > 0) retryAfterMs = Math.min(header * 1000, MAX_RETRY_AFTER_MS);
            } catch (e) {
                if (attempt === ATTEMPTS)
                    throw new Error(`${method} ${path}: ${e instanceof Error ? e.message : String(e)} (after ${ATTEMPTS} attempts)`);
            }
            await new Promise((r) => setTimeout(r, retryAfterMs ?? 500 * 2 ** (attempt - 1)));
        }
    }
}

function describeBody(body: unknown): string {
    const b = body as { error?: unknown; code?: unknown } | undefined;
    return b?.error !== undefined ? `${String(b.code ?? "")} ${String(b.error)}`.trim() : "(no error text)";
}
