/**
 * What a call is for, as every resource passes it to the transport: the step, what it is about, and the
 * advice after an error answer. Pure and light (no axios): rooms import it where `check` runs.
 */
import type { Step } from "../errors";
import type { Method } from "./response";
import { DEFAULT_API_URL } from "./url";

/** An error answer of the API, after the retries: what a call's advice is chosen from. */
export interface Answer {
    readonly step: Step;
    readonly method: string;
    readonly path: string;
    readonly status: number;
    /** The API's own `error` field. */
    readonly error: string | undefined;
    /** The API URL in use, for advice about a wrong one. */
    readonly apiUrl: string;
}

/**
 * What a call is for, in its messages: `<step> of <subject> failed: …`, then the advice its caller
 * gives for the API's error answer (each resource words its own; `commonAdvice` holds what they share).
 */
export interface CallContext {
    readonly step: Step;
    /** What the call is about, for example `secret set "voice-secrets"`. */
    readonly subject: string;
    readonly advise: (answer: Answer) => string | undefined;
}

/** One request: `list` marks a list endpoint, whose 404 can only mean a wrong API URL. */
export interface Request {
    readonly method: Method;
    readonly path: string;
    readonly body?: object;
    readonly list?: boolean;
}

/**
 * The engine runs refresh and destroy with the provider configuration saved by the last `pulumi up`,
 * not with the stack's current config: a key rotated since is not seen there.
 */
const KEY_IN_STATE =
    "The API key was refused. `pulumi refresh` and `pulumi destroy` use the API key saved in the state by the last " +
    "`pulumi up`: after rotating `pipecat:apiKey`, run `pulumi up` first (it saves the new key), or add `--run-program` " +
    "(`pulumi refresh --run-program`, `pulumi destroy --run-program`) so they read the current stack config.";

/** How a resource is named in the advice every resource shares: `set` and `secrets`, `agent` and `agents`. */
export interface Words {
    readonly noun: string;
    readonly plural: string;
}

/** The advice every resource words alike, for the statuses its own advice leaves open. */
export function commonAdvice(a: Answer, words: Words): string | undefined {
    if (a.status === 401) {
        return a.step === "read" || a.step === "delete"
            ? KEY_IN_STATE
            : "The API key was refused: set a valid Private API key with `pulumi config set --secret pipecat:apiKey <key>` or PIPECAT_API_KEY.";
    }
    if (a.status === 403) {
        return (
            `The API key may not manage ${words.plural}: use a Private API key of the organisation that owns the ${words.noun} ` +
            "(`pulumi config set --secret pipecat:apiKey <key>`)."
        );
    }
    if (a.status === 400) return `The request was refused as invalid: check the ${words.noun}'s inputs against the message above.`;
    if (a.status === 413) return "The request was too large for Pipecat Cloud: split the keys over several sets.";
    if (a.status === 429) {
        return "Pipecat Cloud kept rate-limiting the provider: run again later, or with less parallelism (`pulumi up --parallel 4`).";
    }
    if (a.status >= 500)
        return "Pipecat Cloud had a server error and the provider's retries did not get through: run `pulumi up` again later.";
    return undefined;
}

/** The advice after a 404 that the API did not word as "missing": the URL may be wrong. */
export function notSaidMissing(what: string, apiUrl: string): string {
    return (
        `Pipecat Cloud did not say that the ${what} is missing, so this is not taken as "already gone": the API URL may be wrong. ` +
        `pipecat:apiUrl (or PIPECAT_API_URL) is ${apiUrl}; Pipecat Cloud's is ${DEFAULT_API_URL}.`
    );
}

/** The documented 409: a concurrent write. Any other 409 (a write to a referenced set, say) is final. */
export const CONCURRENT_MODIFICATION = /was modified concurrently/i;
