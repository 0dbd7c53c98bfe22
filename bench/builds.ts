/**
 * The requests of a Build, and of an Agent deployed from one, through the real engine against an emulator of
 * their own whose builds and deployments take time (compressed, so the waits' polls count as at a real pace):
 * a new build, an unchanged and a changed source, cache hits in a new stack and in a stack that had a build,
 * and destroy. Each row is one `pulumi` command; the emulator's log says what it sent.
 */
import { startEmulator } from "../emulator";
import { type BenchProject, createBenchProject } from "./project";
import { botContext, type BuildSpec } from "./programs";
import type { BuildDelays, BuildRequestRow } from "./report";
import { counted, NONE, type Target } from "./routes";

/**
 * A real cloud build of a Pipecat bot takes one to a few minutes, and a deployment about a minute; here they
 * take seconds, so that a new build costs the polls of a build of that length and the bench stays short.
 */
export const BUILD_DELAYS: BuildDelays = {
    buildQueueMs: 3_000,
    buildDurationMs: 20_000,
    deployPhaseMs: { creating: 4_000, validating: 2_000 },
};

const REGION = "us-west";
const AGENT = "bench-voice";
const UP = ["up", "--yes", "--skip-preview"];
const DESTROY = ["destroy", "--yes", "--skip-preview"];

const UPLOAD_ROUTES = ["POST /builds/upload-url", "POST /storage/:bucket", "POST /builds"];

export async function measureBuildRequests(apiKey: string, log: (message: string) => void): Promise<BuildRequestRow[]> {
    const emulator = await startEmulator({ apiKey, ...BUILD_DELAYS });
    const rows: BuildRequestRow[] = [];
    const projects: BenchProject[] = [];
    const project = async (name: string, version: string): Promise<BenchProject> => {
        const p = await createBenchProject("build", emulator, undefined, { "build.json": "{}", ...botContext(version) }, name);
        projects.push(p);
        return p;
    };
    const declare = (p: BenchProject, spec: BuildSpec): void => p.project.writeFile("build.json", JSON.stringify(spec, null, 2));
    const source = (p: BenchProject, version: string): void => {
        for (const [file, text] of Object.entries(botContext(version))) p.project.writeFile(file, text);
    };
    /** Runs one command as a row; `expect` says what it must have done, or its count means nothing. */
    const record = async (
        p: BenchProject,
        operation: string,
        args: string[],
        target?: Target,
        expect?: (stdout: string) => string | undefined,
    ) => {
        const { row, result } = await counted(emulator, operation, async () => (await p.pulumi(args)).result, target);
        const wrong = expect?.(result.stdout);
        if (wrong !== undefined) throw new Error(`builds: ${operation}: ${wrong}\n${result.stdout}`);
        rows.push(row);
        log(`requests: ${operation}: ${row.requests}`);
    };
    const builds = () => emulator.builds();
    const lastImage = (): string | undefined => builds().at(-1)?.imageUri;
    /** The stack itself counts in the summary: one more than the resources. */
    const showing = (pattern: RegExp) => (stdout: string) => (pattern.test(stdout) ? undefined : `the output does not match ${pattern}`);

    try {
        const bot = { context: "./bot", region: REGION };
        const a = await project("bench-build", "v1");
        declare(a, { build: bot });
        await record(a, "preview of a new build", ["preview"], undefined, showing(/\+ 2 to create/));
        await record(
            a,
            "up: a new build",
            UP,
            {
                text: "the lookup, upload URL, upload, `POST /builds`, then the polls",
                met: (r) => UPLOAD_ROUTES.every((route) => r[route] === 1) && r["GET /builds"] === 1,
            },
            () => (builds().length === 1 && builds()[0]?.status === "success" ? undefined : "no successful build"),
        );
        await record(a, "preview of an unchanged source", ["preview"], NONE, showing(/2 unchanged/));
        await record(a, "up: no-op, unchanged source", UP, NONE, showing(/2 unchanged/));

        declare(a, { build: bot, agent: { name: AGENT, region: REGION } });
        await record(a, "up: an Agent deployed from the build", UP, undefined, () =>
            emulator.agentImage(AGENT) === lastImage() ? undefined : "the agent does not run the build's image",
        );
        await record(a, "preview of the build and its Agent, unchanged", ["preview"], NONE, showing(/3 unchanged/));

        source(a, "v2");
        await record(a, "preview of a changed source file (a new build, the Agent's update)", ["preview"], undefined, (stdout) =>
            /1 to replace/.test(stdout) && /1 to update/.test(stdout) ? undefined : "not a new build and the agent's update",
        );
        await record(a, "up: a changed source file: a new build, the Agent redeployed", UP, undefined, () =>
            builds().length === 2 && emulator.agentImage(AGENT) === lastImage() ? undefined : "the agent does not run the new build",
        );

        // The cache: the same sources in other stacks find the builds made above, and upload nothing.
        const uploads = emulator.uploads().length;
        const noUpload = () =>
            emulator.uploads().length === uploads && builds().length === 2 ? undefined : "something was uploaded or built";
        const b = await project("bench-build-b", "v1");
        declare(b, { build: bot });
        const hit: Target = { text: "1: the lookup", met: (r, total) => r["GET /builds"] === 1 && total === 1 };
        await record(b, "up: a cache hit (the same source in a new stack)", UP, hit, noUpload);
        source(b, "v2");
        await record(b, "up: a cache hit (in a stack that had a build: a changed source, built before)", UP, hit, noUpload);
        const c = await project("bench-build-c", "v1");
        declare(c, { build: { context: "./bot" } });
        await record(c, "up: a cache hit, no region declared (the default region read first)", UP, undefined, noUpload);

        await record(b, "destroy: a Build", DESTROY, NONE);
        await record(a, "destroy: a Build and the Agent deployed from it", DESTROY, undefined, () =>
            emulator.agentImage(AGENT) === undefined ? undefined : "the agent still runs",
        );
    } finally {
        for (const p of projects) p.cleanup();
        await emulator.close();
    }
    return rows;
}
