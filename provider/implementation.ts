/**
 * The provider's behaviour: check, diff, create, read, update, delete and configure of a SecretSet.
 *
 * This module is NOT serialized into state. The serialized provider (`provider.ts`) is a shim that
 * `require`s this module by package name in the provider process, so an upgrade of the package
 * changes behaviour for every existing resource, and the serialized text holds no code, no schema
 * and no credentials. Settings (API key, URL, timeouts) are read in `configure`, per process.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { CallContext, RetryPolicy, SecretsApiClient, SetDetails } from "./client";
import { diffSecretSet, planUpdate } from "./diff";
import { NetworkError, PipecatError, ReadinessError, isPipecatApiError, isPipecatError, redact } from "./errors";
import { UNKNOWN, checkInputs } from "./schema";
import { type ConfigSource, type Settings, requireApiKey, resolveSettings } from "./settings";
import type { ImagePullSecretInputs, SecretSetInputs, SecretSetOutputs } from "./types";

/** Pulumi adds the serialized provider to every input and output under this key. */
const PROVIDER_KEY = "__provider";

type Props = Record<string, unknown>;

/** Overrides for tests: a recorded sleep, a fake clock and fixed dice instead of real waits. @internal */
export interface TestHooks {
    readonly sleep?: (ms: number) => Promise<void>;
    readonly now?: () => number;
    readonly random?: () => number;
    readonly retry?: Partial<RetryPolicy>;
}

let settings: Settings | undefined;
let client: SecretsApiClient | undefined;
let hooks: TestHooks = {};

/** Reads `pipecat:*` stack config, falling back to environment variables. */
export async function configure(req: { readonly config: ConfigSource }): Promise<void> {
    settings = resolveSettings(req.config);
    client = undefined;
}

/** @internal */
export function setTestHooks(next: TestHooks): void {
    hooks = next;
    client = undefined;
}

function currentSettings(): Settings {
    // An engine that never calls configure still gets the environment variables.
    settings ??= resolveSettings(undefined);
    return settings;
}

/** One client per provider process, so a Retry-After slows every resource of the run. */
function api(): SecretsApiClient {
    if (client === undefined) {
        const s = currentSettings();
        // Loaded on first use: check and diff (all a preview runs) never need axios, whose load would
        // otherwise delay the first check of every preview by about 50 ms.
        const { SecretsApiClient } = require("./client") as typeof import("./client");
        client = new SecretsApiClient({ apiUrl: s.apiUrl, apiKey: requireApiKey(s), timeoutMs: s.requestTimeoutMs, ...hooks });
    }
    return client;
}

function strip(props: Props): Props {
    const { [PROVIDER_KEY]: _provider, ...rest } = props;
    return rest;
}

export async function check(olds: Props, news: Props): Promise<dynamic.CheckResult> {
    const result = checkInputs(strip(olds), strip(news), hooks.random);
    if (!result.ok) return { inputs: news, failures: result.failures };
    return { inputs: { ...result.inputs } };
}

export async function diff(_id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
    return diffSecretSet(strip(olds) as Partial<SecretSetOutputs>, strip(news) as unknown as SecretSetInputs);
}

export async function create(props: Props): Promise<dynamic.CreateResult> {
    const ins = strip(props) as unknown as SecretSetInputs;
    return guard(ins, async () => {
        const found = await api().lookup({ step: "existence check", setName: ins.name });
        if (found.kind !== "absent") {
            const adoptNamed = currentSettings().adopt;
            if (ins.adopt !== true && !adoptNamed.has(ins.name) && !adoptNamed.has("*")) {
                throw new PipecatError(
                    `Secret set "${ins.name}" already exists in Pipecat Cloud, so it was not created (it may belong to someone else). ` +
                        "To manage it with this program, set `adopt: true` on the SecretSet: its keys are then made exactly the declared ones " +
                        "and `pulumi destroy` deletes it. Otherwise choose another name. If an interrupted `pulumi up` created it, " +
                        `take it over once with \`PIPECAT_ADOPT=${ins.name} pulumi up\`.`,
                );
            }
            return { id: ins.name, outs: await adopt(ins, found.kind === "imagePull") };
        }
        try {
            return { id: ins.name, outs: await write(ins, "create") };
        } catch (e) {
            // The set did not exist before this create: remove what was written, so that the next
            // `pulumi up` creates it afresh instead of finding a stranger's set and refusing.
            let cleanup = await api()
                .deleteSet({ step: "delete", setName: ins.name })
                .then(() => "The partly created set was deleted again; run `pulumi up` to retry.")
                .catch(() => "The partly created set could not be deleted: delete it, or set `adopt: true`, before the next `pulumi up`.");
            if (e instanceof NetworkError && e.reason === "timed out") {
                // A request that timed out here may still be applied later by the server.
                cleanup += " A request that timed out may still re-create the set later: if the next `pulumi up` finds it, set `adopt: true` to take it over.";
            }
            if (isPipecatError(e)) e.message += ` ${cleanup}`;
            throw e;
        }
    });
}

/** Takes over an existing set: afterwards it holds exactly the declared keys or credentials. */
async function adopt(ins: SecretSetInputs, existingIsImagePull: boolean): Promise<SecretSetOutputs> {
    const isImagePull = ins.imagePullSecret !== undefined;
    const ctx: CallContext = { step: "adoption", setName: ins.name };
    if (existingIsImagePull !== isImagePull) {
        throw new PipecatError(
            `Secret set "${ins.name}" exists as ${existingIsImagePull ? "an image-pull" : "a regular"} set but is declared as ` +
                `${isImagePull ? "an image-pull" : "a regular"} set; adopt cannot change a set's kind. Delete the set first, or choose another name.`,
        );
    }
    if (isImagePull) {
        // An image-pull set cannot be updated: replace its credentials by deleting and writing it again.
        await api().deleteSet(ctx);
        return write(ins, "adoption");
    }
    const existing = await api().lookup(ctx);
    const outs = await write(ins, "adoption");
    const extra = existing.kind === "regular" ? existing.set.keys.filter((k) => !(k in (ins.secrets ?? {}))) : [];
    for (const key of extra) await api().deleteKey({ step: "key deletion", setName: ins.name }, key);
    return outs;
}

/** PUTs the whole declared set and waits until it is ready. */
async function write(ins: SecretSetInputs, step: "create" | "adoption"): Promise<SecretSetOutputs> {
    const ctx: CallContext = { step, setName: ins.name };
    const put = ins.imagePullSecret
        ? await api().putImagePull(ctx, ins.imagePullSecret.host, imagePullValue(ins.imagePullSecret), ins.region)
        : await api().putRegular(ctx, ins.secrets ?? {}, ins.region);
    const ready = await waitUntilReady(ins);
    return outputs(ins, put.region ?? ready.region ?? ins.region ?? "");
}

export async function update(_id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult> {
    const before = strip(olds) as Partial<SecretSetOutputs>;
    const ins = strip(news) as unknown as SecretSetInputs;
    return guard(ins, async () => {
        if (ins.imagePullSecret !== undefined) {
            // diff replaces image-pull sets on any change of credentials, so only bookkeeping reaches here.
            return { outs: outputs(ins, before.region ?? ins.region ?? "") };
        }
        const plan = planUpdate(before, ins);
        let region = before.region;
        if (Object.keys(plan.put).length > 0) {
            region = (await api().putRegular({ step: "update", setName: ins.name }, plan.put, ins.region)).region ?? region;
        }
        for (const key of plan.remove) await api().deleteKey({ step: "key deletion", setName: ins.name }, key);
        if (Object.keys(plan.put).length > 0 || plan.remove.length > 0) await waitUntilReady(ins);
        return { outs: outputs(ins, region ?? ins.region ?? "") };
    });
}

export async function read(id: string, props: Props): Promise<dynamic.ReadResult> {
    const olds = strip(props) as Partial<SecretSetOutputs>;
    const name = olds.name ?? id;
    const ctx: CallContext = { step: "read", setName: name };
    return guard(olds, async () => {
        if (olds.isImagePullSecret === true) {
            const row = (await api().list(ctx)).find((s) => s.name === name);
            if (row === undefined || row.type !== "imagePullSecret") return { id: "", props: {} };
            const outs: SecretSetOutputs = { ...(olds as SecretSetOutputs), region: row.region ?? olds.region ?? "" };
            return { id, props: { ...outs } };
        }
        const found = await api().lookup(ctx);
        if (found.kind !== "regular") return { id: "", props: {} }; // gone (or replaced by another kind)
        // Values cannot be read back; key names can. Keys that drifted show in `keys`, and the next
        // diff (which compares them with the declared ones) updates the set back. No inputs are
        // returned: the engine keeps the old ones, which hold the values.
        const outs: SecretSetOutputs = {
            ...(olds as SecretSetOutputs),
            name,
            region: found.set.region ?? olds.region ?? "",
            keys: found.set.keys,
            isImagePullSecret: false,
        };
        return { id, props: { ...outs } };
    });
}

async function deleteSet(id: string, props: Props): Promise<void> {
    const olds = strip(props) as Partial<SecretSetOutputs>;
    await guard(olds, () => api().deleteSet({ step: "delete", setName: olds.name ?? id }));
}
export { deleteSet as delete };

/**
 * Polls until the set is ready: create and update return only then, because a deployment that
 * binds a pending set is refused. Regular sets are read by name; image-pull sets only via the list.
 */
async function waitUntilReady(ins: SecretSetInputs): Promise<{ region: string | undefined; keys: string[] }> {
    const ctx: CallContext = { step: "readiness check", setName: ins.name };
    const timeout = currentSettings().readyTimeoutMs;
    const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const now = hooks.now ?? Date.now;
    const started = now();
    for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
        const state = await readiness(ctx, ins.imagePullSecret !== undefined);
        if (state === undefined) {
            throw new ReadinessError(`Secret set "${ins.name}" disappeared while the provider waited for it to become ready.`);
        }
        if (state.status === "failed") {
            throw new ReadinessError(
                `Pipecat Cloud failed to provision secret set "${ins.name}"` +
                    (state.errorMessage ? `: "${state.errorMessage}".` : ".") +
                    " Fix the cause if the message names one, then run `pulumi up` again.",
            );
        }
        if (state.status !== "pending") return { region: state.region, keys: state.keys };
        const waited = now() - started;
        if (waited + delay > timeout) {
            throw new ReadinessError(
                `Secret set "${ins.name}" was still pending after ${Math.round(waited / 1000)} s. ` +
                    "Run `pulumi up` again to keep waiting, or raise the bound with `pulumi config set pipecat:readyTimeoutSeconds <seconds>`.",
            );
        }
        await sleep(delay);
    }
}

async function readiness(ctx: CallContext, isImagePull: boolean): Promise<(Partial<SetDetails> & { keys: string[] }) | undefined> {
    if (isImagePull) {
        const row = (await api().list(ctx)).find((s) => s.name === ctx.setName);
        return row && { status: row.status, region: row.region, keys: [] };
    }
    const found = await api().lookup(ctx);
    return found.kind === "regular" ? found.set : undefined;
}

/** Image-pull credentials as the API wants them: as given, or `username:password` in base64 like Pipecat's CLI. */
export function imagePullValue(p: ImagePullSecretInputs): string {
    if (p.credentials !== undefined) return p.credentials;
    return Buffer.from(`${p.username ?? ""}:${p.password ?? ""}`, "utf8").toString("base64");
}

/** Outputs: names, region and kind. Never a value (see `SecretSetOutputs`). */
function outputs(ins: SecretSetInputs, region: string): SecretSetOutputs {
    return {
        name: ins.name,
        ...(ins.autonamePrefix !== undefined ? { autonamePrefix: ins.autonamePrefix } : {}),
        ...(ins.adopt !== undefined ? { adopt: ins.adopt } : {}),
        region,
        keys: Object.keys(ins.secrets ?? {}).sort(),
        declaredKeys: Object.keys(ins.secrets ?? {}).sort(),
        isImagePullSecret: ins.imagePullSecret !== undefined,
        ...(ins.imagePullSecret !== undefined ? { host: ins.imagePullSecret.host } : {}),
    };
}

/**
 * Runs an operation so that nothing it throws can carry a secret: our own errors are redacted
 * against the set's values, anything else (a bug) is rebuilt without its cause or stack context.
 */
async function guard<T>(ins: Partial<SecretSetInputs>, op: () => Promise<T>): Promise<T> {
    try {
        return await op();
    } catch (e) {
        const values = secretValuesOf(ins);
        if (isPipecatError(e)) {
            e.message = redact(e.message, values);
            if (isPipecatApiError(e) && e.apiMessage !== undefined) {
                (e as { apiMessage: string | undefined }).apiMessage = redact(e.apiMessage, values);
            }
            throw e;
        }
        const text = e instanceof Error ? e.message : String(e);
        throw new PipecatError(`Unexpected error in the Pipecat secrets provider: ${redact(text, values)}`);
    }
}

function secretValuesOf(ins: Partial<SecretSetInputs>): string[] {
    const values = Object.values(ins.secrets ?? {});
    const p = ins.imagePullSecret;
    if (p) values.push(...[p.credentials, p.username, p.password, imagePullValue(p)].filter((v): v is string => v !== undefined));
    return values.filter((v) => v !== UNKNOWN);
}
