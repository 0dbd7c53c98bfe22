/**
 * What the acceptance tests (acceptance.spec.ts) run against: a real Pipecat Cloud organisation when asked
 * for explicitly (`PIPECAT_LIVE=1` and `PIPECAT_API_KEY`), otherwise an emulator started for the run, so
 * that `npm test` runs the same scenarios and they cannot rot.
 *
 * Variables (all optional except the key of a live run):
 * - `PIPECAT_LIVE=1`, `PIPECAT_API_KEY`: a live run; `PIPECAT_API_URL` (default {@link DEFAULT_LIVE_API_URL}),
 *   `PIPECAT_LIVE_REGION` (default: the organisation's default region).
 * - `PIPECAT_LIVE_IMAGE`: the container image of the live run's agent: public (the agent binds no image-pull
 *   set), linux/arm64 (Pipecat Cloud's node type), one that starts and passes Pipecat Cloud's readiness checks,
 *   e.g. a Pipecat bot of yours. It is deployed with `minAgents: 0, maxAgents: 1`, bound to the run's regular
 *   set. Without it a live run skips the agent scenarios and says so; against the emulator any image works (a
 *   fixed fake one is used).
 * - `PIPECAT_LIVE_BUILDS=1` (live runs only; the emulator always runs them): run the Build scenarios, which make
 *   a cloud build of a tiny context (`FROM` PIPECAT_LIVE_IMAGE, or a small public image without it, and one COPY)
 *   in PIPECAT_LIVE_REGION or the default region, and deploy an agent from it (with PIPECAT_LIVE_IMAGE only: an
 *   image that deploys). Cloud builds may not be enabled for an organisation or region, and a build takes
 *   minutes, so a live run skips them unless asked, and says so. Each such run leaves one build (and reuses it
 *   once, a cache hit): Pipecat Cloud has no delete of a build.
 * - `PIPECAT_LIVE_SWEEP=1` (with `PIPECAT_LIVE=1`): delete what earlier runs left behind instead.
 * - `PIPECAT_LIVE_EMULATOR_IMAGE_PULL_UPDATES=refuse|accept` (emulator runs only; default `refuse`): whether the
 *   emulator refuses in-place image-pull updates (the seed spec's 400, like a service that has not taken up the
 *   March 2026 change) or applies them (today's docs). The in-place scenario detects which and checks that path;
 *   run the file once with each to cover both:
 *   `PIPECAT_LIVE_EMULATOR_IMAGE_PULL_UPDATES=accept npx mocha test/live/acceptance.spec.ts`.
 *
 * Run as a script (`ts-node test/live/target.ts`), it is the gate of `npm run test:live`: it exits 2 with
 * the variables to set unless a live run was asked for, before anything is built.
 */
import { randomBytes } from "node:crypto";
import type { Emulator } from "../../emulator";

export const DEFAULT_LIVE_API_URL = "https://api.pipecat.daily.co/v1";
/** Emulator mode: how long a set stays `pending` after each change, so every readiness wait is exercised. */
const EMULATOR_READY_AFTER_MS = 400;
/** Emulator mode: how long an agent's deployment is `Creating`, then `Validating`, so the deployment wait is exercised. */
const EMULATOR_DEPLOY_PHASE_MS = { creating: 300, validating: 300 };
/** Emulator mode: the agent's image (the emulator pulls nothing). */
const EMULATOR_IMAGE = "registry.example/pcs-live-agent:0.1";
/** Emulator mode: how long a build is `pending`, then `building` (the provider first polls after 2 s). */
const EMULATOR_BUILD_MS = { queue: 100, duration: 300 };

const USAGE =
    "Set PIPECAT_LIVE=1 and PIPECAT_API_KEY=<Private API key of a Pipecat Cloud organisation>; optional: " +
    `PIPECAT_API_URL (default ${DEFAULT_LIVE_API_URL}), PIPECAT_LIVE_REGION (default: the organisation's default region), ` +
    "PIPECAT_LIVE_IMAGE (a public linux/arm64 image for the agent scenarios, which are skipped without it), " +
    "PIPECAT_LIVE_BUILDS=1 (run the cloud-build scenarios, which are skipped without it), " +
    "PIPECAT_LIVE_SWEEP=1 (delete what earlier runs left behind, and nothing else). " +
    "Example: PIPECAT_LIVE=1 PIPECAT_API_KEY=pk_... npm run test:live";

/** What an emulator does with a PUT of new credentials to an existing image-pull set. */
export type ImagePullUpdates = "refuse" | "accept";

/** What the environment asks for. Throws, naming the variables, on anything unclear. */
export type Request =
    | { readonly kind: "emulator"; readonly imagePullUpdates: ImagePullUpdates }
    | {
          readonly kind: "live";
          readonly apiUrl: string;
          readonly apiKey: string;
          readonly region: string | undefined;
          readonly image: string | undefined;
          readonly builds: boolean;
          readonly sweep: boolean;
      };

export function readRequest(env: NodeJS.ProcessEnv = process.env): Request {
    const live = env["PIPECAT_LIVE"] ?? "";
    const sweep = env["PIPECAT_LIVE_SWEEP"] ?? "";
    const pullUpdates = env["PIPECAT_LIVE_EMULATOR_IMAGE_PULL_UPDATES"] ?? "";
    const builds = env["PIPECAT_LIVE_BUILDS"] ?? "";
    if (!["", "0", "1"].includes(live))
        throw new Error(`PIPECAT_LIVE must be 1 (run against the live API) or unset, got "${live}". ${USAGE}`);
    if (!["", "0", "1"].includes(sweep)) throw new Error(`PIPECAT_LIVE_SWEEP must be 1 or unset, got "${sweep}". ${USAGE}`);
    if (!["", "0", "1"].includes(builds)) throw new Error(`PIPECAT_LIVE_BUILDS must be 1 or unset, got "${builds}". ${USAGE}`);
    if (!["", "refuse", "accept"].includes(pullUpdates)) {
        throw new Error(`PIPECAT_LIVE_EMULATOR_IMAGE_PULL_UPDATES must be refuse or accept (or unset: refuse), got "${pullUpdates}".`);
    }
    if (live !== "1") {
        if (sweep === "1")
            throw new Error(`PIPECAT_LIVE_SWEEP=1 deletes sets in a live organisation: it needs PIPECAT_LIVE=1 too. ${USAGE}`);
        return { kind: "emulator", imagePullUpdates: pullUpdates === "accept" ? "accept" : "refuse" };
    }
    if (pullUpdates !== "") {
        throw new Error(
            "PIPECAT_LIVE_EMULATOR_IMAGE_PULL_UPDATES chooses the emulator's behaviour and means nothing in a live run " +
                "(the scenario finds out what the live service does): unset it.",
        );
    }
    const apiKey = env["PIPECAT_API_KEY"] ?? "";
    if (apiKey.trim() === "") throw new Error(`PIPECAT_LIVE=1 needs PIPECAT_API_KEY (a Private API key). ${USAGE}`);
    const apiUrl = (env["PIPECAT_API_URL"] || DEFAULT_LIVE_API_URL).replace(/\/+$/, "");
    let url: URL;
    try {
        url = new URL(apiUrl);
    } catch {
        throw new Error(`PIPECAT_API_URL is not a URL: "${apiUrl}". ${USAGE}`);
    }
    // Like the provider: the key goes over plain http only to this machine (a local emulator).
    if (url.protocol !== "https:" && !(url.protocol === "http:" && /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i.test(url.hostname))) {
        throw new Error(`PIPECAT_API_URL must be an https:// URL (plain http only to loopback), got "${apiUrl}".`);
    }
    const region = env["PIPECAT_LIVE_REGION"] || undefined;
    if (region !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(region)) {
        throw new Error(`PIPECAT_LIVE_REGION must be a region code such as us-west or eu-central, got "${region}".`);
    }
    const image = env["PIPECAT_LIVE_IMAGE"] || undefined;
    if (image !== undefined && !/^[^\s]+$/.test(image))
        throw new Error(`PIPECAT_LIVE_IMAGE must be a container image reference without spaces, got "${image}".`);
    return { kind: "live", apiUrl, apiKey, region, image, builds: builds === "1", sweep: sweep === "1" };
}

/** Where one run of the acceptance tests sends its requests. */
export interface Target {
    readonly kind: "live" | "emulator";
    readonly apiUrl: string;
    readonly apiKey: string;
    /** The region the sets and the agent declare; undefined: none is declared, the organisation's default applies. */
    readonly region: string | undefined;
    /** The agent's image; undefined (a live run without PIPECAT_LIVE_IMAGE): the agent scenarios are skipped. */
    readonly image: string | undefined;
    /** Whether the Build scenarios run: always against the emulator, live only with PIPECAT_LIVE_BUILDS=1. */
    readonly builds: boolean;
    /**
     * Emulator mode: whether the emulator refuses or applies in-place image-pull updates. Live: undefined,
     * the in-place scenario finds out (and must find what the emulator was told, in emulator mode).
     */
    readonly imagePullUpdates: ImagePullUpdates | undefined;
    /**
     * Emulator mode only: the emulator itself, for what the live API cannot show (stored values, the order
     * of requests). Scenarios never need it to make changes: drift goes through HTTP like in live mode.
     */
    readonly emulator: Emulator | undefined;
    /** How long one pulumi command may take: live provisioning takes seconds per set. */
    readonly commandTimeoutMs: number;
    close(): Promise<void>;
}

export async function openTarget(request: Request): Promise<Target> {
    if (request.kind === "live") {
        return { ...request, imagePullUpdates: undefined, emulator: undefined, commandTimeoutMs: 900_000, close: async () => undefined };
    }
    // Loaded only here, so the gate below starts fast.
    const { startEmulator } = await import("../../emulator");
    const emulator = await startEmulator({
        apiKey: `pk-emu-${randomBytes(12).toString("hex")}`,
        readyAfterMs: EMULATOR_READY_AFTER_MS,
        deployPhaseMs: EMULATOR_DEPLOY_PHASE_MS,
        imagePullUpdates: request.imagePullUpdates,
        buildQueueMs: EMULATOR_BUILD_MS.queue,
        buildDurationMs: EMULATOR_BUILD_MS.duration,
    });
    return {
        kind: "emulator",
        apiUrl: emulator.url,
        apiKey: emulator.apiKey,
        region: undefined,
        image: EMULATOR_IMAGE,
        builds: true,
        imagePullUpdates: request.imagePullUpdates,
        emulator,
        commandTimeoutMs: 180_000,
        close: () => emulator.close(),
    };
}

if (require.main === module) {
    // The gate of `npm run test:live`: a live run only when asked for explicitly.
    try {
        const request = readRequest();
        if (request.kind !== "live") {
            throw new Error(
                "npm run test:live creates and deletes secret sets (and, with PIPECAT_LIVE_IMAGE, an agent; with PIPECAT_LIVE_BUILDS=1, a cloud build) in a real Pipecat Cloud organisation, so it runs only when asked " +
                    `explicitly. ${USAGE}. (npm test runs the same scenarios against the emulator.)`,
            );
        }
        const region = request.region ?? "the organisation's default region";
        console.log(`test:live: ${request.sweep ? "sweep" : "acceptance run"} against ${request.apiUrl}, ${region}`);
        if (!request.sweep && request.image === undefined) {
            console.log(
                "test:live: PIPECAT_LIVE_IMAGE is not set: the agent scenarios will be skipped (set it to a public image that deploys)",
            );
        }
        if (!request.sweep && !request.builds) {
            console.log(
                "test:live: PIPECAT_LIVE_BUILDS is not set: the cloud-build scenarios will be skipped (set it to 1 where cloud builds are enabled; a build takes minutes)",
            );
        }
    } catch (e) {
        console.error(`test:live: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(2);
    }
}
