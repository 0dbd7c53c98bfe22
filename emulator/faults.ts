/**
 * Fault injection and rate limiting: which requests get a made-up answer instead of the real one. No I/O.
 */
import { type InjectionHandle, normalizeTimes, RuleList } from "./handle";
import { ROUTE_IDS, type RouteId } from "./routes";

/**
 * A fault to inject. Filters (`method`, `route`, `setName`, `agentName`) narrow which requests it applies to; all given filters must
 * match, and a fault with none applies to any request on a known route (after authentication).
 *
 * What happens to a matching request:
 * - only `delayMs`: the request waits, then is handled normally (state changes as usual);
 * - `drop`: the socket is destroyed without an answer;
 * - otherwise the request gets the fault's answer: `status` (default 200 when `body` is given, 429 when only
 *   `retryAfter` is, 500 otherwise) with `body` sent verbatim, or the error shape for that status.
 *
 * A faulted request does not change state, unless `afterApply` is set: then the request is handled normally first
 * and its real answer is replaced by the fault (a lost or garbled response to a change that happened).
 */
export interface FaultSpec {
    /** Only requests with this HTTP method (case-insensitive). */
    readonly method?: string;
    /** Only requests to this route. */
    readonly route?: RouteId;
    /** Only requests whose path names this set. */
    readonly setName?: string;
    /** Only requests whose path names this agent (`/agents/:name` routes). */
    readonly agentName?: string;
    /** Status of the injected answer. */
    readonly status?: number;
    /** Raw body of the injected answer, sent as is (may be malformed JSON, or JSON of the wrong shape). */
    readonly body?: string;
    /** Seconds, sent as the `Retry-After` header of the injected answer. */
    readonly retryAfter?: number;
    /** Milliseconds to wait before answering (or before handling, for a delay-only fault). @default 0 */
    readonly delayMs?: number;
    /** Destroy the socket without answering. */
    readonly drop?: boolean;
    /** How many matching requests the fault applies to; `Infinity` for all. @default 1 */
    readonly times?: number;
    /** Apply the request's change first, then answer with the fault instead of the real answer. @default false */
    readonly afterApply?: boolean;
}

/** What an injected fault does to the answer. @internal */
export type FaultAnswer =
    | { readonly kind: "none" }
    | { readonly kind: "drop" }
    | { readonly kind: "reply"; readonly status: number; readonly body: string | undefined; readonly retryAfter: number | undefined };

/** A validated fault. @internal */
export interface Fault {
    readonly method: string | undefined;
    readonly route: RouteId | undefined;
    readonly setName: string | undefined;
    readonly agentName: string | undefined;
    readonly delayMs: number;
    readonly afterApply: boolean;
    readonly answer: FaultAnswer;
}

/** The request facts faults are matched on. @internal */
export interface FaultTarget {
    readonly method: string;
    readonly route: RouteId;
    readonly setName: string | undefined;
    readonly agentName: string | undefined;
}

function normalizeFault(spec: FaultSpec): Fault {
    const where = "injectFault";
    if (spec.route !== undefined && !ROUTE_IDS.includes(spec.route)) {
        throw new TypeError(`${where}: route must be one of ${ROUTE_IDS.map((r) => `"${r}"`).join(", ")}`);
    }
    const method = spec.method?.toUpperCase();
    if (method !== undefined && spec.route !== undefined && !spec.route.startsWith(`${method} `)) {
        throw new TypeError(`${where}: method ${method} can never match route "${spec.route}"`);
    }
    if (spec.status !== undefined && !(Number.isInteger(spec.status) && spec.status >= 200 && spec.status <= 599)) {
        throw new TypeError(`${where}: status must be an integer from 200 to 599 (got ${String(spec.status)})`);
    }
    if (spec.retryAfter !== undefined && !(Number.isInteger(spec.retryAfter) && spec.retryAfter >= 0)) {
        throw new TypeError(`${where}: retryAfter must be a non-negative whole number of seconds`);
    }
    const delayMs = spec.delayMs ?? 0;
    if (!(Number.isFinite(delayMs) && delayMs >= 0)) throw new TypeError(`${where}: delayMs must be a non-negative number`);
    const replies = spec.status !== undefined || spec.body !== undefined || spec.retryAfter !== undefined;
    if (spec.drop === true && replies) {
        throw new TypeError(`${where}: drop sends no answer, so it cannot be combined with status, body or retryAfter`);
    }

    let answer: FaultAnswer;
    if (spec.drop === true) {
        answer = { kind: "drop" };
    } else if (replies || spec.afterApply === true) {
        const status = spec.status ?? (spec.body !== undefined ? 200 : spec.retryAfter !== undefined ? 429 : 500);
        answer = { kind: "reply", status, body: spec.body, retryAfter: spec.retryAfter };
    } else {
        answer = { kind: "none" };
    }
    return {
        method,
        route: spec.route,
        setName: spec.setName,
        agentName: spec.agentName,
        delayMs,
        afterApply: spec.afterApply === true,
        answer,
    };
}

/** The injected faults, oldest first. @internal */
export class FaultRules {
    private readonly rules = new RuleList<Fault>();

    /** Validates and adds a fault; throws a `TypeError` naming the bad option. */
    add(spec: FaultSpec): InjectionHandle {
        const fault = normalizeFault(spec);
        return this.rules.add(fault, normalizeTimes(spec.times, "injectFault({ times })"));
    }

    /** The oldest fault matching the request, counted as used; `undefined` when none matches. */
    take(target: FaultTarget): Fault | undefined {
        return this.rules.take(
            (f) =>
                (f.method === undefined || f.method === target.method) &&
                (f.route === undefined || f.route === target.route) &&
                (f.setName === undefined || f.setName === target.setName) &&
                (f.agentName === undefined || f.agentName === target.agentName),
        );
    }

    /** Withdraws every fault. */
    clear(): void {
        this.rules.clear();
    }
}

/** Rate limit settings. */
export interface RateLimitOptions {
    /** Requests allowed in any 1-second window; requests beyond it get 429 with `Retry-After: 1`. */
    readonly requestsPerSecond: number;
}

/** The window the rate limit counts over. */
export const RATE_LIMIT_WINDOW_MS = 1000;

/**
 * A sliding 1-second window. Only requests that were let through count against the limit, so a client that waits
 * the advertised second always gets through.
 * @internal
 */
export class RateLimiter {
    private accepted: number[] = [];
    private limitedCount = 0;

    constructor(
        private readonly requestsPerSecond: number,
        private readonly now: () => number,
    ) {}

    /** Whether the request arriving now may proceed; counts it either way. */
    allow(): boolean {
        const now = this.now();
        this.accepted = this.accepted.filter((t) => now - t < RATE_LIMIT_WINDOW_MS);
        if (this.accepted.length >= this.requestsPerSecond) {
            this.limitedCount += 1;
            return false;
        }
        this.accepted.push(now);
        return true;
    }

    /** How many requests got 429 from the limiter. */
    get limited(): number {
        return this.limitedCount;
    }
}
