/**
 * The provider's behaviour: check, diff, create, read, update, delete and configure of a SecretSet.
 *
 * This module is NOT serialized into state. The serialized provider (`provider.ts`) is a shim that
 * `require`s this module by package name in the provider process, so an upgrade of the package
 * changes behaviour for every existing resource, and the serialized text holds no code, no schema
 * and no credentials. Settings (API key, URL, timeouts) are read in `configure`, per process.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { createHash } from "node:crypto";
import { diffSecretSet, planUpdate } from "./diff";
import { PipecatError, isPipecatApiError, isProxyError, redact } from "../errors";
import { type CheckFailure, checkInputs } from "./schema";
import * as session from "../session";
import { nothingToGet } from "../existing";
import { mayAdopt, writtenByAnother } from "../lifecycle";
import { api, currentSettings, gone, onReset, unchecked, withoutProvider as strip } from "../session";
import { regionFailures } from "../organization/regions";
import { canonicalJson, onlyBookkeeping } from "../inputs";
import type { ConfigSource } from "../settings";
import { type SetCall, agentBindings, deleteSet as deleteSetNamed, listSets, lookup, setCall } from "./endpoints";
import type { SecretSetInputs, SecretSetOutputs } from "./types";
import { waitUntilReady } from "./waits";
import { KIND, adopt, finished, guard, kept, outputs, putSet, rolledBack, secretValuesOf, written } from "./writes";

export { imagePullValue } from "./image-pull";

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
    // The hash only when check saw a change of bookkeeping alone: most diffs (every one of an unchanged set) need none.
    const bookkeeping = valueless.get(ins.name);
    return diffSecretSet(before, ins, currentSettings().imagePullUpdates, bookkeeping !== undefined && bookkeeping === fingerprint(ins));
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

void ({ configure, check, diff, create, read, update, delete: deleteSet } satisfies dynamic.ResourceProvider<
    SecretSetInputs,
    SecretSetOutputs
>);
