/**
 * The provider's behaviour: check, diff, create, read, update, delete and configure of a SecretSet.
 *
 * This module is NOT serialized into state. The serialized provider (`provider.ts`) is a shim that
 * `require`s this module by package name in the provider process, so an upgrade of the package
 * changes behaviour for every existing resource, and the serialized text holds no code, no schema
 * and no credentials. Settings (API key, URL, timeouts) are read in `configure`, per process.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { createHash, randomBytes } from "node:crypto";
import { diffSecretSet, planUpdate } from "./diff";
import { NetworkError, PipecatError, ReadinessError, isPipecatApiError, isPipecatError, isProxyError, redact, told } from "../errors";
import { type CheckFailure, UNKNOWN, checkInputs } from "./schema";
import * as session from "../session";
import { nothingToGet } from "../existing";
import { mayAdopt, noteWrite, writtenByAnother } from "../lifecycle";
import { api, currentSettings, gone, onReset, partlyApplied, unchecked, withoutProvider as strip } from "../session";
import { regionFailures } from "../organization/regions";
import { canonicalJson, onlyBookkeeping } from "../inputs";
import type { ConfigSource } from "../settings";
import {
    type Lookup,
    type SetCall,
    agentBindings,
    deleteKey,
    deleteSet as deleteSetNamed,
    isImagePullUpdateRefused,
    listSets,
    lookup,
    putImagePull,
    putRegular,
    setCall,
} from "./endpoints";
import type { ImagePullSecretInputs, SecretSetInputs, SecretSetOutputs } from "./types";
import { RAISE_READY_BOUND, type Ready, waitUntilReady } from "./waits";

/** The kind of resource, for what the session remembers per process. */
const KIND = "SecretSet";
/** Inputs that carry nothing Pipecat Cloud stores: a change of only these sends no request. */
const BOOKKEEPING = ["adopt", "autonamePrefix"] as const;

/**
 * Sets whose last check found that only bookkeeping changed, each with a fingerprint of those checked
 * inputs (a hash, kept in memory only): check sees the old values, diff and update do not.
 */
const valueless = new Map<string, string>();
onReset(() => valueless.clear());

/** @internal */
export type { TestHooks } from "../session";
/** @internal */
export { setTestHooks } from "../session";

/** Reads `pipecat:*` stack config, falling back to environment variables. */
export async function configure(req: { readonly config: ConfigSource }): Promise<void> {
    session.configure(req.config);
}

/**
 * What `read` gets: the stored outputs for a refresh, none of them (only the serialized provider) for a
 * `get`. (Declared here, not imported: the public declarations of this entry point need nothing but its types.)
 */
type Stored = Partial<SecretSetOutputs> & { readonly __provider?: string };

/** The provider's methods, typed as the engine calls them: checked inputs in, the set's outputs out. */
type Provider = Required<dynamic.ResourceProvider<SecretSetInputs, SecretSetOutputs>>;

export async function check(olds: SecretSetInputs, news: SecretSetInputs): ReturnType<Provider["check"]> {
    // The previous checked inputs (none at a create); the new ones are checked here, so unknown until then.
    const old: Partial<SecretSetInputs> = strip(olds);
    const result = checkInputs(unchecked(olds), unchecked(news), session.testHooks().random);
    if (!result.ok) return { inputs: news, failures: result.failures };
    const { ins, kept } = placed(old, result.inputs);
    const failures = await checkRegion(ins, kept, typeof old["name"] === "string");
    if (failures.length > 0) return { inputs: news, failures };
    if (Object.keys(old).length > 0 && onlyBookkeeping(old, ins, BOOKKEEPING)) valueless.set(ins.name, fingerprint(ins));
    else valueless.delete(ins.name);
    return { inputs: { ...ins } };
}

/**
 * The region the set will use, so that the preview shows it: the declared one; else the one its
 * inputs already hold (a region no longer declared keeps the set where it is); else, for a
 * replacement, the old set's (a replacement's check gets no old inputs; the diff before it saw them).
 * `kept`: the region the set has now, as far as its old inputs or the replaced set tell (no need to check it).
 */
function placed(old: Partial<SecretSetInputs>, ins: SecretSetInputs): { readonly ins: SecretSetInputs; readonly kept: string | undefined } {
    const replaced = Object.keys(old).length === 0 ? session.replacedPlace(KIND, ins) : undefined;
    const kept = (typeof old["region"] === "string" ? old["region"] : undefined) ?? replaced?.region;
    const region = ins.region ?? kept;
    if (replaced?.name === ins.name) session.markRecreated(KIND, ins.name);
    return { ins: region === undefined ? ins : { ...ins, region }, kept };
}

/** A hash of checked inputs, to recognise them again in diff; never stored or shown. */
function fingerprint(ins: SecretSetInputs): string {
    return createHash("sha256").update(canonicalJson(ins)).digest("hex");
}

function checkRegion(ins: SecretSetInputs, kept: string | undefined, existed: boolean): Promise<CheckFailure[]> {
    const values = secretValuesOf(ins);
    return regionFailures(ins.region, kept, existed, setCall("region check", ins.name), "the set", (t) => redact(t, values));
}

export async function diff(_id: string, olds: SecretSetOutputs, news: SecretSetInputs): ReturnType<Provider["diff"]> {
    const before: Partial<SecretSetOutputs> = strip(olds);
    const ins = strip(news);
    session.rememberPlace(KIND, ins, { name: before.name, region: before.region });
    return diffSecretSet(before, ins, currentSettings().imagePullUpdates, valueless.get(ins.name) === fingerprint(ins));
}

export async function create(props: SecretSetInputs): ReturnType<Provider["create"]> {
    const declared = strip(props);
    // A replacement that deleted first without a check in between (`pulumi up --replace` with
    // `deleteBeforeReplace`): the old set's delete remembered where it was.
    const where = declared.region ?? session.replacedPlace(KIND, declared)?.region;
    const ins: SecretSetInputs = where === undefined ? declared : { ...declared, region: where };
    return guard(ins, async () => {
        // The list, not a read by name: one request, and a "no" that rests on the API's own list.
        const ctx = setCall("existence check", ins.name);
        const row = (await listSets(api(), ctx)).find((s) => s.name === ins.name);
        if (row?.source === "referenced") {
            // Not even with adopt: Pipecat Cloud does not manage its keys, and a write would replace what
            // its owner registered.
            throw new PipecatError(
                `Secret set "${ins.name}" exists in Pipecat Cloud as a referenced set (a Kubernetes Secret registered by name, ` +
                    "which Pipecat Cloud does not manage), so this provider neither creates, adopts nor writes it. " +
                    "Choose another name, or leave the set out of the program and bind it to agents by its name.",
            );
        }
        if (row !== undefined) {
            if (!mayAdopt(ins.name, ins.adopt)) {
                throw new PipecatError(
                    `Secret set "${ins.name}" already exists in Pipecat Cloud, so it was not created (it may belong to someone else). ` +
                        "To manage it with this program, set `adopt: true` on the SecretSet: its keys are then made exactly the declared ones " +
                        "and `pulumi destroy` deletes it. Otherwise choose another name. If an interrupted `pulumi up` created it, " +
                        `take it over once with \`PIPECAT_ADOPT=${ins.name} pulumi up\`. If this is a replacement of a set of this ` +
                        "stack (`pulumi up --replace`, a tainted resource, `replacementTrigger`), Pulumi creates the new set before " +
                        "deleting the old one, which cannot work under one name: give the resource the option `deleteBeforeReplace: true`.",
                );
            }
            const found = row.type === "imagePullSecret" ? ({ kind: "imagePull" } as const) : await lookup(api(), ctx);
            if (found.kind === "absent" || found.kind === "referenced")
                throw new PipecatError(`Secret set "${ins.name}" changed while it was being adopted: run \`pulumi up\` again.`);
            return { id: ins.name, outs: await adopt(ins, found) };
        }
        let region: string | undefined;
        try {
            region = await putSet(ins, "create", ins.region);
        } catch (e) {
            // Refused: nothing of ours was written. A refusal may even mean that someone else created
            // the set since the existence check (a 400 for its kind or region): it is not ours to delete.
            if (isPipecatApiError(e) && e.status < 500) throw e;
            // The proxy refused or was not reached on every attempt: the PUT never got to Pipecat Cloud.
            if (isProxyError(e) && !e.mayHaveApplied) throw e;
            throw await rolledBack(e, ins);
        }
        try {
            return { id: ins.name, outs: await written(ins, region, await waitUntilReady(ins, "create")) };
        } catch (e) {
            throw await rolledBack(e, ins);
        }
    });
}

/**
 * Deletes what a failed create wrote, so that the next `pulumi up` creates it afresh instead of
 * finding a set it would refuse as a stranger's; the error then says what was left behind.
 */
async function rolledBack(e: unknown, ins: SecretSetInputs): Promise<unknown> {
    if (!isPipecatError(e)) return e;
    const ctx = setCall("delete", ins.name);
    let cleanup: string;
    // A PUT merges: keys this program never declared, seen by the last readiness check, mean that
    // someone else created the set between the existence check and the PUT.
    const stranger = e instanceof ReadinessError ? (e.keys ?? []).filter((k) => !Object.hasOwn(ins.secrets ?? {}, k)) : [];
    try {
        if (stranger.length > 0) {
            cleanup = `The set also holds keys this program did not write (${stranger.join(", ")}), so it was left in place: it may be someone else's.`;
        } else if ((await deleteSetNamed(api(), ctx)) === "absent") {
            cleanup = "Nothing was left behind in Pipecat Cloud.";
        } else {
            cleanup = "The partly created set was deleted again.";
        }
    } catch {
        cleanup = "The partly created set could not be deleted: delete it, or set `adopt: true`, before the next `pulumi up`.";
    }
    // A request that timed out here may still be applied later by the server.
    const late =
        e instanceof NetworkError && e.reason === "timed out"
            ? " A request that timed out may still re-create the set later: if the next `pulumi up` finds it, set `adopt: true` to take it over."
            : "";
    const next =
        e instanceof ReadinessError && e.timedOut
            ? `${RAISE_READY_BOUND}: it creates the set again and waits up to the new bound.`
            : "Run `pulumi up` to retry.";
    return told(e, { outcome: cleanup + late, next });
}

/**
 * Takes over an existing set: afterwards it holds exactly the declared keys or credentials, in the
 * region it is in. Nothing is deleted before everything that can be checked was checked.
 */
async function adopt(ins: SecretSetInputs, found: Extract<Lookup, { kind: "imagePull" | "regular" }>): Promise<SecretSetOutputs> {
    const isImagePull = ins.imagePullSecret !== undefined;
    const ctx = setCall("adoption", ins.name);
    if ((found.kind === "imagePull") !== isImagePull) {
        throw new PipecatError(
            `Secret set "${ins.name}" exists as ${found.kind === "imagePull" ? "an image-pull" : "a regular"} set but is declared as ` +
                `${isImagePull ? "an image-pull" : "a regular"} set; adopt cannot change a set's kind. Delete the set first, or choose another name.`,
        );
    }
    const actual = found.kind === "regular" ? found.set.region : (await listSets(api(), ctx)).find((s) => s.name === ins.name)?.region;
    if (ins.region !== undefined && actual !== undefined && ins.region !== actual) {
        throw new PipecatError(
            `Secret set "${ins.name}" exists in region "${actual}" but is declared in region "${ins.region}"; adopt does not move a set, ` +
                `so nothing was changed. Declare \`region: "${actual}"\` (or leave region out) to adopt it where it is, or delete it first.`,
        );
    }
    const region = ins.region ?? actual;
    if (found.kind === "regular") {
        const put = await putSet(ins, "adoption", region);
        const extra = found.set.keys.filter((k) => !Object.hasOwn(ins.secrets ?? {}, k));
        for (const key of extra) await deleteKey(api(), setCall("key deletion", ins.name), key);
        // Only now: each key deletion changes the set again.
        return written(ins, put, await waitUntilReady(ins, "update"));
    }
    let put: string | undefined;
    try {
        // Today's API updates image-pull sets in place; the API as first documented refuses.
        put = await putSet(ins, "adoption", region);
    } catch (e) {
        if (!isImagePullUpdateRefused(e)) throw e;
        await deleteSetNamed(api(), ctx);
        try {
            put = await putSet(ins, "adoption", region);
        } catch (e2) {
            if (!isPipecatError(e2)) throw e2;
            throw told(e2, {
                outcome:
                    `Pipecat Cloud refused to update the existing image-pull set "${ins.name}", so it was deleted to be created again ` +
                    "with the declared credentials, and that failed: its previous credentials are gone.",
                next: "Run `pulumi up` again to create it.",
            });
        }
    }
    return written(ins, put, await waitUntilReady(ins, "update"));
}

/** A new revision of the set, remembered by this process (see `delete`). */
function newRevision(name: string): string {
    const revision = randomBytes(8).toString("hex");
    noteWrite(KIND, name, revision);
    return revision;
}

/** PUTs the whole declared set (every key, or the full image-pull body); returns the region the API names. */
async function putSet(
    ins: SecretSetInputs,
    step: "create" | "update" | "adoption",
    region: string | undefined,
): Promise<string | undefined> {
    const ctx = setCall(step, ins.name);
    const put = ins.imagePullSecret
        ? await putImagePull(api(), ctx, ins.imagePullSecret.host, imagePullValue(ins.imagePullSecret), region)
        : await putRegular(api(), ctx, ins.secrets ?? {}, region);
    return put.region ?? region;
}

/**
 * Outputs after a write, under a new revision that this process remembers: `delete` then knows that
 * the set under this name is this resource's, whatever older resource of the stack is deleted later.
 */
function written(ins: SecretSetInputs, region: string | undefined, ready: Ready): SecretSetOutputs {
    return outputs(ins, region ?? ready.region ?? ins.region ?? "", { status: ready.status ?? "ready", revision: newRevision(ins.name) });
}

export async function update(_id: string, olds: SecretSetOutputs, news: SecretSetInputs): ReturnType<Provider["update"]> {
    const before: Partial<SecretSetOutputs> = strip(olds);
    const ins = strip(news);
    // The set's own region when none is declared: a PUT without one must not mean "the default".
    const region = ins.region ?? before.region;
    return guard(ins, async () => {
        if (ins.imagePullSecret !== undefined) {
            if (currentSettings().imagePullUpdates === "in-place") {
                // One PUT of the full body, then the wait: no DELETE, no gap. The old credentials are not
                // known here (outputs hold none), so every update writes them.
                const put = await putSet(ins, "update", region);
                return { outs: await finished(ins, put, [], news) };
            }
            // With `replace`, new credentials replace the set (the resource's replaceOnChanges), so only
            // bookkeeping reaches here: nothing to send.
            return { outs: outputs(ins, before.region ?? ins.region ?? "", kept(before)) };
        }
        // A regular set declares at least one key (check refuses an empty map), so there is always a PUT.
        const plan = planUpdate(before, ins);
        const put = await putSet(ins, "update", region);
        return { outs: await finished(ins, put, plan.remove, news) };
    });
}

/**
 * After an accepted write: removes the keys no longer declared, then waits until the set is ready. A
 * failure from here on is a partly applied change (`partlyApplied`): the state records what was written,
 * with the keys still to remove and the status `pending`, so the next `up` finishes the job, and a
 * program reverted meanwhile writes the old values back instead of finding "no change".
 */
async function finished(
    ins: SecretSetInputs,
    region: string | undefined,
    remove: readonly string[],
    raw: SecretSetInputs,
): Promise<SecretSetOutputs> {
    const left = [...remove];
    try {
        while (left.length > 0) {
            await deleteKey(api(), setCall("key deletion", ins.name), left[0] as string);
            left.shift();
        }
        return written(ins, region, await waitUntilReady(ins, "update"));
    } catch (e) {
        if (!isPipecatError(e)) throw e;
        const outs = outputs(ins, region ?? ins.region ?? "", { status: "pending", revision: newRevision(ins.name) });
        throw partlyApplied(e, ins.name, { ...outs, keys: [...outs.keys, ...left].sort() }, raw);
    }
}

function kept(before: Partial<SecretSetOutputs>): Pick<SecretSetOutputs, "status" | "revision"> {
    return {
        ...(before.status !== undefined ? { status: before.status } : {}),
        ...(before.revision !== undefined ? { revision: before.revision } : {}),
    };
}

export async function read(id: string, props?: Stored): ReturnType<Provider["read"]> {
    // A read with no stored state (`SecretSet.get`) has no outputs yet.
    const olds: Partial<SecretSetOutputs> = strip(props ?? {});
    const name = olds.name ?? id;
    const ctx = setCall("read", name);
    // A read with no stored state is `SecretSet.get`: there, no set to read is an error, not a set that left the state.
    const getting = olds.name === undefined;
    const notThere = (why: "absent" | "referenced"): dynamic.ReadResult<SecretSetOutputs> => {
        if (getting) throw nothingToGet("SecretSet", name, why);
        return gone();
    };
    return guard(olds, async () => {
        const imagePull = async (): Promise<dynamic.ReadResult<SecretSetOutputs>> => {
            const row = (await listSets(api(), ctx)).find((s) => s.name === name);
            // Gone, or another kind of set (a referenced one included) took the name: not this resource's.
            if (row === undefined || row.type !== "imagePullSecret" || row.source === "referenced")
                return notThere(row?.source === "referenced" ? "referenced" : "absent");
            const outs: SecretSetOutputs = {
                ...(olds as SecretSetOutputs),
                name,
                region: row.region ?? olds.region ?? "",
                keys: [],
                isImagePullSecret: true,
                ...statusOf(row.status),
            };
            return { id, props: { ...outs } };
        };
        if (olds.isImagePullSecret === true) return imagePull();
        const found = await lookup(api(), ctx);
        // `SecretSet.get` reads with no state, so it does not know the kind: an image-pull set is read from the list.
        if (found.kind === "imagePull" && getting) return imagePull();
        // Gone, or replaced by another kind (a referenced set's keys are never "repaired": it is not ours).
        if (found.kind !== "regular") return notThere(found.kind === "referenced" ? "referenced" : "absent");
        // Values cannot be read back; key names can. Keys that drifted show in `keys`, and the next
        // diff (which compares them with the declared ones) updates the set back. No inputs are
        // returned: the engine keeps the old ones, which hold the values.
        const outs: SecretSetOutputs = {
            ...(olds as SecretSetOutputs),
            name,
            region: found.set.region ?? olds.region ?? "",
            keys: found.set.keys,
            isImagePullSecret: false,
            ...statusOf(found.set.status),
        };
        return { id, props: { ...outs } };
    });
}

/** Readiness for the outputs: a set that failed outside Pulumi shows as `failed`, and diff then writes it again. */
function statusOf(status: string | undefined): Pick<SecretSetOutputs, "status"> {
    return status === undefined ? {} : { status };
}

async function deleteSet(id: string, props: SecretSetOutputs): ReturnType<Provider["delete"]> {
    const olds: Partial<SecretSetOutputs> = strip(props);
    const name = olds.name ?? id;
    // Another resource of this stack wrote this name during this run: the set is that resource's now.
    if (writtenByAnother(KIND, name, olds.revision)) return;
    session.rememberPlace(KIND, { name }, { name, region: olds.region });
    await guard(olds, async () => {
        const ctx = setCall("delete", name);
        // A replacement that creates the set again under this name (delete first) keeps it bound. (It may move the
        // set to a new region: the engine replaces an agent that moves with it only after this delete.)
        if (!session.isRecreated(KIND, name)) await refuseIfBound(ctx);
        await deleteSetNamed(api(), ctx);
    });
}

/**
 * Refuses to delete a set that an agent still binds: its next deployment would fail, and under
 * `pulumi up --target <set>` the agent is not updated first. The agents list names the bindings.
 */
async function refuseIfBound(ctx: SetCall): Promise<void> {
    const bound = (await agentBindings(api(), ctx))
        .filter((a) => a.secretSet === ctx.setName || a.imagePullSecretSet === ctx.setName)
        .map((a) => `"${a.name}"`);
    if (bound.length === 0) return;
    throw new PipecatError(
        `Secret set "${ctx.setName}" was not deleted: ${bound.length > 1 ? "agents" : "agent"} ${bound.join(", ")} still ${bound.length > 1 ? "bind" : "binds"} it, ` +
            "and deleting it would break their next deployment. If this run used `--target`, run `pulumi up` again including the agents " +
            "(or without `--target`), so that they are moved to the new set first; otherwise bind the agents to another set, or delete them, then run the command again.",
    );
}
export { deleteSet as delete };

/** Image-pull credentials as the API wants them: as given, or `username:password` in base64 like Pipecat's CLI. */
export function imagePullValue(p: ImagePullSecretInputs): string {
    if (p.credentials !== undefined) return p.credentials;
    return Buffer.from(`${p.username ?? ""}:${p.password ?? ""}`, "utf8").toString("base64");
}

/** Outputs: names, region, kind and readiness. Never a value (see `SecretSetOutputs`). */
function outputs(ins: SecretSetInputs, region: string, extra: Pick<SecretSetOutputs, "status" | "revision">): SecretSetOutputs {
    return {
        ...extra,
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

// The methods the shim calls, as the engine's interface types them.
void ({ configure, check, diff, create, read, update, delete: deleteSet } satisfies dynamic.ResourceProvider<
    SecretSetInputs,
    SecretSetOutputs
>);
