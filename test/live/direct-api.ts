/**
 * Direct HTTP calls to the Pipecat Cloud secrets API, outside Pulumi and outside the provider (Node's
 * fetch), for what the acceptance tests do behind the program's back: read a set, make drift, and clean
 * up. The same calls work against the live API and the emulator: no emulator helper is used here.
 *
 * Everything that changes a set is guarded: a name is touched only if it carries the prefix this client
 * owns AND has the shape of a run's name (`pcs-live-<8 × [a-z0-9]>-…`), so a bug in a test can never
 * delete a set outside the acceptance runs' names, whatever it passes.
 */
import { randomInt } from "node:crypto";

/** What every name an acceptance run creates starts with; the sweep deletes under it and nowhere else. */
export const COMMON_PREFIX = "pcs-live-";
/** The shape of a name an acceptance run creates: the common prefix, 8 random characters, a dash, more. */
export const RUN_NAME = /^pcs-live-[a-z0-9]{8}-[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RUN_PREFIX = /^pcs-live-[a-z0-9]{8}-$/;
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
            throw new Error(`DirectApi: the owned prefix must be "${COMMON_PREFIX}" or a run prefix like "pcs-live-abcd1234-", got "${ownedPrefix}"`);
        }
    }

    /** Whether this client may change (delete, or delete a key of) the set `name`. */
    owns(name: string): boolean {
        return name.startsWith(this.ownedPrefix) && RUN_NAME.test(name);
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

    /** Deletes every listed set (either type) this client owns, and returns what it deleted. Nothing else is touched. */
    async sweep(): Promise<SetRow[]> {
        const owned = (await this.list()).filter((s) => this.owns(s.name));
        const deleted: SetRow[] = [];
        const failures: string[] = [];
        for (const set of owned) {
            try {
                if ((await this.deleteSet(set.name)) === "deleted") deleted.push(set);
            } catch (e) {
                failures.push(e instanceof Error ? e.message : String(e));
            }
        }
        if (failures.length > 0) {
            const done = deleted.map((s) => s.name).join(", ") || "nothing";
            throw new Error(`sweep under ${this.ownedPrefix}: deleted ${done}; failed:\n${failures.join("\n")}`);
        }
        return deleted;
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
     * idempotent (a repeated DELETE answers 404 `Set not found`, which callers treat as gone). The key goes
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
                if (attempt === ATTEMPTS) throw new Error(`${method} ${path}: ${e instanceof Error ? e.message : String(e)} (after ${ATTEMPTS} attempts)`);
            }
            await new Promise((r) => setTimeout(r, retryAfterMs ?? 500 * 2 ** (attempt - 1)));
        }
    }
}

function describeBody(body: unknown): string {
    const b = body as { error?: unknown; code?: unknown } | undefined;
    return b?.error !== undefined ? `${String(b.code ?? "")} ${String(b.error)}`.trim() : "(no error text)";
}
