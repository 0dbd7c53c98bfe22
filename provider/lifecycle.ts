/**
 * The life cycle every resource shares, whatever it is: waiting with a bound, who may take over what
 * exists, when a replacement deletes first, and which names a delete spares. Resource-neutral: each
 * resource passes its kind, names and texts.
 */
import { UNKNOWN } from "./inputs";
import { currentSettings, now, onReset, sleep } from "./session";

/** How long a poll waits between two looks, at most: the first wait doubles up to this. */
const MAX_DELAY_MS = 5000;

/** What one look of a poll found: done with a value, or not yet, with the error to throw if the bound elapses now. */
export type Look<T> = { readonly done: true; readonly value: T } | { readonly done: false; readonly timedOut: (waited: Waited) => Error };

/** How long a poll waited, as its timeout error says it. */
export interface Waited {
    /** Whole seconds since the first look. */
    readonly seconds: number;
    /** The bound, as its setting: `pipecat:readyTimeoutSeconds is 300`. */
    readonly bound: string;
}

/** A poll's schedule: the first wait (doubling to 5 s), and the bound with the setting it comes from. */
export interface Schedule {
    readonly firstMs: number;
    readonly timeoutMs: number;
    readonly setting: "pipecat:readyTimeoutSeconds" | "pipecat:deployTimeoutSeconds" | "pipecat:buildTimeoutSeconds";
}

/**
 * Looks until `look` is done, waiting between looks (`firstMs`, doubling, at most 5 s) on the session's
 * clock (a fake one in tests). A look that would end past the bound is not waited for: the last look's
 * `timedOut` error is thrown instead. Errors a look throws end the poll.
 */
export async function poll<T>(schedule: Schedule, look: () => Promise<Look<T>>): Promise<T> {
    const started = now();
    for (let delay = schedule.firstMs; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
        const found = await look();
        if (found.done) return found.value;
        if (now() - started + delay > schedule.timeoutMs) throw found.timedOut(waitedSince(started, schedule));
        await sleep(delay);
    }
}

/** How long a wait bounded by `bound` has waited since `started`, as its timeout error says it. */
export function waitedSince(started: number, bound: Pick<Schedule, "timeoutMs" | "setting">): Waited {
    return { seconds: Math.round((now() - started) / 1000), bound: `${bound.setting} is ${bound.timeoutMs / 1000}` };
}

/** Whether a resource may take over what exists under `name`: its own `adopt`, or `pipecat:adopt` / PIPECAT_ADOPT naming it (or `*`). */
export function mayAdopt(name: string, declared: boolean | undefined): boolean {
    const named = currentSettings().adopt;
    return declared === true || named.has(name) || named.has("*");
}

/**
 * Whether a replacement of a named resource must delete the old one first. Every replacement that keeps
 * the name must: create-then-delete would delete what was just created. Answered on every diff, not only
 * on the replacements the diff asks for, because the engine also replaces for reasons of its own (a
 * pending replacement left by a failed `up`, `replaceOnChanges`) and then takes the order from this
 * answer. An autonamed resource gets a fresh name when it is replaced, so it is created first, without a gap.
 */
export function deleteFirst(
    oldName: string | undefined,
    news: { readonly name: string; readonly autonamePrefix?: string | undefined },
): boolean {
    return news.name === oldName && news.name !== UNKNOWN && news.autonamePrefix === undefined;
}

/** `<kind>:<name>` of each name this process wrote during this run, with the mark of its last write (a revision, a deployment id). */
const written = new Map<string, string>();
onReset(() => written.clear());

/** Notes a write of `name`: from now on, only the resource whose state holds `mark` owns the name in this run. */
export function noteWrite(kind: string, name: string, mark: string): void {
    written.set(`${kind}:${name}`, mark);
}

/**
 * The guard of every delete: whether another resource of this stack wrote `name` during this run (a
 * replacement the engine created first under the same name, or a name moved to a new resource with
 * adopt). The name is that resource's now, and deleting it would lose what was just written.
 */
export function writtenByAnother(kind: string, name: string, mark: string | undefined): boolean {
    const newer = written.get(`${kind}:${name}`);
    return newer !== undefined && newer !== mark;
}
