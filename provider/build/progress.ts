/**
 * Progress of a Build's create, as lines on the provider's stdout. A dynamic provider has no connection to
 * the engine's log (its host ignores the engine address it is started with, pulumi/pulumi#6065), so it
 * cannot write to the resource's own log; since Pulumi 3.146 (pulumi/pulumi#18253) the engine shows a dynamic
 * provider's stdout lines as info diagnostics of the run, not of one resource. Each line therefore names
 * the build's context itself. Lines never hold a file's content, a field of the upload or the API key.
 */

let sink: (line: string) => void = (line) => {
    process.stdout.write(`${line}\n`);
};

/** Writes one progress line. */
export function progress(line: string): void {
    sink(line);
}

/** Where progress lines go instead of stdout (tests); returns the previous sink. @internal */
export function setProgressSink(next: (line: string) => void): (line: string) => void {
    const previous = sink;
    sink = next;
    return previous;
}
