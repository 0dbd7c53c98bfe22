/**
 * How the Build provider waits: until a build is `success`, within `pipecat:buildTimeoutSeconds`, on the
 * session's clock (a fake one in tests), reporting progress while it waits. A build that fails (or that
 * Pipecat Cloud times out) fails the wait at once, with Pipecat's `errorMessage` and the log's last lines.
 */
import { isPipecatError, redact, told } from "../errors";
import { poll } from "../lifecycle";
import { api, currentSettings, now } from "../session";
import { type BuildDetails, type BuildListing, buildCall, buildLogs, getBuild } from "./endpoints";
import { BuildError } from "./failure";
import { progress } from "./progress";

/** The log lines a failed build's error carries. */
export const LOG_TAIL_LINES = 20;
/** A build still running is reported at most this often (and on every change of status). */
const REPORT_EVERY_MS = 30_000;

const RAISE_BUILD_BOUND =
    "To wait longer, raise the bound, for example `pulumi config set pipecat:buildTimeoutSeconds 1200`, then run `pulumi up`: " +
    "the build goes on in Pipecat Cloud, and once it succeeded the next `up` finds it in the cache without building again.";
const FIX_BUILD = "Fix the Dockerfile or the sources, then run `pulumi up`; an Agent deployed from an earlier build keeps running it.";

/**
 * Polls `GET /builds/{id}` until the build is `success`; `label` names the build in progress lines, `listing`
 * is where the builds list holds it (a 404 means gone only when that list does not).
 */
export async function waitForBuild(id: string, label: string, listing: BuildListing): Promise<BuildDetails> {
    const ctx = buildCall("readiness check", `build ${id}`);
    const schedule = { firstMs: 2000, timeoutMs: currentSettings().buildTimeoutMs, setting: "pipecat:buildTimeoutSeconds" } as const;
    const started = now();
    let reported: { status: string | undefined; at: number } | undefined;
    try {
        return await poll<BuildDetails>(schedule, async () => {
            const found = await getBuild(api(), ctx, id, listing);
            if (found === "absent") throw new BuildError(`Build ${id} disappeared while the provider waited for it.`, id);
            const elapsed = now() - started;
            if (reported === undefined || found.status !== reported.status || elapsed - reported.at >= REPORT_EVERY_MS) {
                progress(`${label}: build ${id.slice(0, 8)} ${found.status ?? "(no status)"} after ${Math.round(elapsed / 1000)} s`);
                reported = { status: found.status, at: elapsed };
            }
            if (found.status === "success") return { done: true, value: found };
            if (found.status === "failed" || found.status === "timeout") {
                const why = found.status === "timeout" ? "Pipecat Cloud stopped it at its own time limit" : "it failed";
                const said = found.errorMessage ? `: ${found.errorMessage}` : "";
                throw new BuildError(`Build ${id} was not made, ${why}${said}.`, id);
            }
            return {
                done: false,
                timedOut: (waited) =>
                    new BuildError(
                        `Build ${id} was not finished after ${waited.seconds} s (status ${found.status ?? "unknown"}; ${waited.bound}).`,
                        id,
                        { timedOut: true },
                    ),
            };
        });
    } catch (e) {
        if (!(e instanceof BuildError)) throw e;
        const tail = await logTail(id);
        throw told(e, { outcome: tail, next: e.timedOut ? RAISE_BUILD_BOUND : FIX_BUILD });
    }
}

/** The last lines of a build's log, as said in an error (the API key redacted), or why they could not be read. */
async function logTail(id: string): Promise<string> {
    const key = currentSettings().apiKey;
    try {
        const lines = await buildLogs(api(), buildCall("readiness check", `build ${id}`), id, LOG_TAIL_LINES);
        if (lines.length === 0) return "Its log is empty.";
        const text = lines
            .slice(-LOG_TAIL_LINES)
            .map((l) => `    ${l}`)
            .join("\n");
        return redact(`The last lines of its log:\n${text}\n`, key === undefined ? [] : [key]);
    } catch (e) {
        return `Its log could not be read (${isPipecatError(e) ? e.message : "no answer"}).`;
    }
}
