/**
 * The provider's behaviour for a Build: check, diff, create, read, delete and configure. Not serialized:
 * the shim in `provider.ts` requires this module by package name in the provider process, as the Agent's
 * does. It shares that process's settings and API client (`../session`).
 *
 * A build is an immutable record in Pipecat Cloud: there is no update (every change is a new build), and
 * no documented delete, so `delete` only removes the build from the state and sends nothing.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { PipecatError, isPipecatError } from "../errors";
import * as session from "../session";
import { type CheckFailure, UNKNOWN, dropUndefined } from "../inputs";
import { api, found as readAs, gone, now, sleep, unchecked, withoutProvider as strip } from "../session";
import { organisationDefaultRegion } from "../organization/regions";
import type { ConfigSource } from "../settings";
import { ContextError, type Packed, hashContext, withContextFile } from "./archive";
import { diffBuild } from "./diff";
import { type BuildDetails, buildCall, cachedBuild, createBuild, getBuild, uploadUrl } from "./endpoints";
import { progress } from "./progress";
import { checkInputs } from "./schema";
import type { BuildInputs, BuildOutputs } from "./types";
import { uploadContext } from "./upload";
import { waitForBuild } from "./waits";

/** What `read` gets: the stored outputs (declared here, not imported: this entry's declarations need nothing but its types). */
type Stored = Partial<BuildOutputs> & { readonly __provider?: string };

/** The provider's methods, typed as the engine calls them: checked inputs in, the build's outputs out. */
type Provider = Required<Omit<dynamic.ResourceProvider<BuildInputs, BuildOutputs>, "update">>;

const known = (v: unknown): v is string => typeof v === "string" && v !== "" && v !== UNKNOWN;

export async function configure(req: { readonly config: ConfigSource }): Promise<void> {
    session.configure(req.config);
}

/**
 * Validates the inputs and computes the context's hash from the files, with no network at all: a preview
 * knows whether the source changed (a new hash: a new build), and an unchanged tree previews as no change.
 * A region no longer declared keeps the build where it is. A declared region is not looked up: the engine
 * checks a replacement without its old inputs, so every new build's region would look new and cost a
 * `GET /regions`, while a wrong region loses nothing here (a Build's delete sends nothing; its create fails
 * at the upload URL with the API's words). An Agent deployed from the build checks its own region.
 */
export async function check(olds: BuildInputs, news: BuildInputs): ReturnType<Provider["check"]> {
    const old: Partial<BuildInputs> = strip(olds);
    const result = checkInputs(unchecked(news));
    if (!result.ok) return { inputs: news, failures: result.failures };
    const declared = result.inputs;
    const region = declared.region ?? (known(old.region) ? old.region : undefined);
    const failures: CheckFailure[] = [];
    let hashed: Pick<BuildInputs, "contextHash" | "fileCount"> = { contextHash: UNKNOWN };
    if (declared.context !== UNKNOWN) {
        try {
            const packed = await hashContext(declared.context, declared.dockerfile === UNKNOWN ? {} : { dockerfile: declared.dockerfile });
            hashed = { contextHash: packed.contextHash, fileCount: packed.fileCount };
        } catch (e) {
            failures.push({ property: "", reason: contextProblem(e, declared.context) });
        }
    }
    if (failures.length > 0) return { inputs: news, failures };
    return { inputs: dropUndefined({ ...declared, region, ...hashed }) as BuildInputs };
}

/** A context that cannot be read, said as a check failure naming the input. */
function contextProblem(e: unknown, context: string): string {
    if (e instanceof ContextError) return e.message;
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    return `context: "${context}" could not be read${code ? ` (${code})` : ""}: check that the provider may read every file in it.`;
}

export async function diff(_id: string, olds: BuildOutputs, news: BuildInputs): ReturnType<Provider["diff"]> {
    const before: Partial<BuildOutputs> = strip(olds);
    const ins = strip(news);
    // A build declared without a region is built again where the old one is, not in a default region changed since:
    // its agent stays there (a region no longer declared keeps the agent where it is), and could not run it elsewhere.
    if (ins.region === undefined && known(before.region))
        session.rememberPlace(KIND, placeOf(ins), { name: undefined, region: before.region });
    return diffBuild(before, ins);
}

/** The kind of resource, for what the session remembers per process. */
const KIND = "Build";

/** What names a build's replacement between its diff and its create: the new inputs, which both see. */
function placeOf(ins: BuildInputs): { readonly name: string } {
    return { name: JSON.stringify([ins.context, ins.dockerfile, ins.contextHash]) };
}

/**
 * The official clients' way: a successful build of the same context, Dockerfile and region is used as it
 * is (one request, no upload). Otherwise the context is packed again (it must still hash as check saw it),
 * uploaded to a presigned URL, built (`POST /builds`; its 200 is the server's own cache hit), and waited for.
 */
export async function create(props: BuildInputs): ReturnType<Provider["create"]> {
    const ins = strip(props);
    const label = `Build of context "${ins.context}"`;
    return guard(async () => {
        const ctx = buildCall("existence check", `the build of context "${ins.context}"`);
        // Declared, else where the build it replaces is (its diff remembered it), else the organisation's default.
        const kept = ins.region ?? session.replacedPlace(KIND, placeOf(ins))?.region;
        const region = kept ?? (await organisationDefaultRegion(ctx));
        const hit = await cachedBuild(api(), ctx, { contextHash: ins.contextHash, dockerfilePath: ins.dockerfile, region });
        if (hit !== undefined) {
            progress(`${label}: cache hit, build ${hit.id} (nothing uploaded)`);
            return { id: hit.id, outs: outputs(ins, hit, true, ins.fileCount ?? 0) };
        }
        return withContextFile(ins.context, { dockerfile: ins.dockerfile }, async (file, packed) => {
            if (packed.contextHash !== ins.contextHash) throw changedSinceCheck(ins, packed);
            progress(`${label}: uploading ${packed.fileCount} files (${size(packed.archiveBytes)} gzipped)`);
            const createCtx = buildCall("create", `the build of context "${ins.context}"`);
            const target = await uploadContext(file, () => uploadUrl(api(), createCtx, kept), {
                timeoutMs: session.currentSettings().buildTimeoutMs,
                now,
                sleep,
            });
            const started = await createBuild(api(), createCtx, {
                uploadId: target.uploadId,
                ...(kept !== undefined ? { region: kept } : {}),
                dockerfilePath: ins.dockerfile,
            });
            if (started.cached && started.build.status === "success") {
                progress(`${label}: Pipecat Cloud had built this context already, build ${started.build.id}`);
                return { id: started.build.id, outs: outputs(ins, started.build, true, packed.fileCount) };
            }
            progress(`${label}: build ${started.build.id} started`);
            const listing = { contextHash: started.build.contextHash ?? packed.contextHash, region: started.build.region ?? region };
            const built = await waitForBuild(started.build.id, label, listing);
            progress(`${label}: build ${built.id} succeeded`);
            return { id: built.id, outs: outputs(ins, built, false, packed.fileCount) };
        });
    });
}

function changedSinceCheck(ins: BuildInputs, packed: Packed): PipecatError {
    return new PipecatError(
        `context: the files in "${ins.context}" changed after the preview computed their hash (${ins.contextHash}; now ${packed.contextHash}), ` +
            "so nothing was uploaded: the build would not be the one the plan showed. Run `pulumi up` again once the files are written.",
    );
}

function size(bytes: number): string {
    return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A build's outputs: the inputs, and what Pipecat Cloud says of the build. The hash stays check's (diff compares it). */
function outputs(ins: BuildInputs, b: BuildDetails, cached: boolean, fileCount: number): BuildOutputs {
    if (b.imageUri === undefined) {
        throw new PipecatError(`Build ${b.id} succeeded, but Pipecat Cloud reported no image for it: run \`pulumi up\` again.`);
    }
    return dropUndefined({
        ...ins,
        buildId: b.id,
        imageUri: b.imageUri,
        region: b.region ?? ins.region ?? "",
        cached,
        contextSizeBytes: b.contextSizeBytes,
        fileCount,
        imageSizeBytes: b.imageSizeBytes,
        buildDurationSeconds: b.buildDurationSeconds,
    }) as BuildOutputs;
}

/**
 * Refresh: the build as Pipecat Cloud reports it. One that is gone (a 404, and the list of its context's
 * builds in its region does not hold it) leaves the state; nothing else is done.
 */
export async function read(id: string, props?: Stored): ReturnType<Provider["read"]> {
    const olds: Partial<BuildOutputs> = strip(props ?? {});
    return guard(async () => {
        const ctx = buildCall("read", `build ${id}`);
        const found = known(olds.contextHash)
            ? await getBuild(api(), ctx, id, { contextHash: olds.contextHash, region: known(olds.region) ? olds.region : undefined })
            : await getBuild(api(), ctx, id);
        if (found === "absent") return gone();
        if (found === "unknown") {
            throw new PipecatError(
                `Reading build ${id} failed: Pipecat Cloud answered 404, and the state holds no context hash to find the build in ` +
                    "its list by, so it is not taken as gone. Run `pulumi up`, which builds the context again.",
            );
        }
        return readAs(
            id,
            dropUndefined({
                ...olds,
                buildId: found.id,
                imageUri: found.imageUri ?? olds.imageUri,
                region: found.region ?? olds.region,
                contextSizeBytes: found.contextSizeBytes ?? olds.contextSizeBytes,
                imageSizeBytes: found.imageSizeBytes ?? olds.imageSizeBytes,
                buildDurationSeconds: found.buildDurationSeconds ?? olds.buildDurationSeconds,
            }),
        );
    });
}

/**
 * Removes the build from the state only: Pipecat Cloud documents no delete of a build, and a build is an
 * immutable record that other stacks (and the cache) may use. No request is sent.
 */
async function deleteBuild(_id: string, _props: BuildOutputs): ReturnType<Provider["delete"]> {
    return;
}
export { deleteBuild as delete };

/** Runs an operation so that anything it throws that is not ours (a bug) is rebuilt without its cause. */
async function guard<T>(op: () => Promise<T>): Promise<T> {
    try {
        return await op();
    } catch (e) {
        if (isPipecatError(e)) throw e;
        const code = (e as NodeJS.ErrnoException | undefined)?.code;
        if (typeof code === "string") throw new PipecatError(`The build's context could not be packed (${code}): run \`pulumi up\` again.`);
        throw new PipecatError(`Unexpected error in the Pipecat build provider: ${e instanceof Error ? e.message : String(e)}`);
    }
}

// The methods the shim calls, as the engine's interface types them.
void ({ configure, check, diff, create, read, delete: deleteBuild } satisfies dynamic.ResourceProvider<BuildInputs, BuildOutputs>);
