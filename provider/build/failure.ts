/** The error of a build that failed or did not finish in time. Pure (no zod, no axios): the package root exports it. */
import { PipecatError } from "../errors";

/**
 * A build failed in Pipecat Cloud (`failed`, or its own `timeout`), or did not finish within
 * `pipecat:buildTimeoutSeconds` (`timedOut`). The message holds Pipecat's `errorMessage` and the last lines
 * of the build's log (the API key redacted).
 */
export class BuildError extends PipecatError {
    /** `"BuildError"`. */
    override name = "BuildError";
    /** Whether `pipecat:buildTimeoutSeconds` elapsed while the build was still running, rather than the build failing. */
    readonly timedOut: boolean;
    /** The build's id. */
    readonly buildId: string;
    /** Made by the provider's build wait; a program only reads these. */
    constructor(message: string, buildId: string, options: { readonly timedOut?: boolean } = {}) {
        super(message);
        this.buildId = buildId;
        this.timedOut = options.timedOut === true;
    }
}
