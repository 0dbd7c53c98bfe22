/**
 * The emulator's sets and the API's rules over them: put and merge, regions, reads, deletes, and the set hooks
 * (snapshot, seed, drift). Readiness and injected provisioning failures are in provisioning.ts, the records' shapes in
 * records.ts.
 *
 * No I/O: every operation returns either a value or the {@link ApiError} the server should answer, and time comes
 * from the injected clock, so the rules can be tested without HTTP and without sleeping.
 */
import {
    type ApiError,
    badRequest,
    imagePullBodyRequired,
    invalidRegion,
    invalidRequest,
    referencedSetConflict,
    secretNotFound,
    setNotFound,
} from "../errors";
import type { InjectionHandle } from "../handle";
import type { Region } from "../options";
import { type Outcome, fail, ok } from "../outcome";
import type { ImagePullUpdates, SecretsLimits } from "./options";
import { type FailProvisioningOptions, Provisioner, type ProvisioningSnapshot, withErrorMessage } from "./provisioning";
import {
    type EmulatorSnapshot,
    type ImagePullSetSnapshot,
    type RegularSetSnapshot,
    type SeedSet,
    type SetDescription,
    type SetSummary,
    type StoredSet,
    snapshotOfSet,
} from "./records";
import { type PutRequest, isValidSecretKey, normalizeHost, setNameProblem } from "./rules";

/** Settings the store needs, already validated. @internal */
export interface StoreConfig {
    readonly regions: readonly Region[];
    /** The organisation's current default region (the properties room's, handed by emulator.ts), read at each create. */
    readonly defaultRegion: () => string;
    readonly readyAfterMs: number;
    readonly readyAfterMsFor?: ((setName: string) => number) | undefined;
    readonly imagePullUpdates: ImagePullUpdates;
    readonly limits: SecretsLimits;
    readonly now: () => number;
}

/** @internal */
export class SecretStore {
    private readonly sets = new Map<string, StoredSet>();
    private readonly provisioner: Provisioner;

    constructor(private readonly config: StoreConfig) {
        this.provisioner = new Provisioner(config);
    }

    /** `GET /regions`. */
    regions(): readonly Region[] {
        return this.config.regions;
    }

    /** `PUT /secrets/{name}`: creates a set, or merges keys into a regular set; (re)starts provisioning. */
    put(name: string, request: PutRequest): Outcome<{ region: string }> {
        const nameProblem = setNameProblem(name);
        if (nameProblem !== undefined) return fail(invalidRequest(nameProblem));
        if (request.region !== undefined && !this.isKnownRegion(request.region)) {
            return fail(invalidRegion());
        }

        const existing = this.sets.get(name);
        if (existing === undefined) {
            const region = request.region ?? this.config.defaultRegion();
            if (request.type === "secret") {
                const tooMany = this.keyCountError(name, request.secrets.length);
                if (tooMany !== undefined) return fail(tooMany);
                const secrets = new Map(request.secrets.map((s) => [s.key, s.value] as const));
                this.sets.set(name, { type: "secret", region, secrets, provisioning: this.provisioner.start(name, region) });
            } else {
                const { host, secretValue } = request;
                this.sets.set(name, {
                    type: "imagePullSecret",
                    region,
                    host,
                    secretValue,
                    provisioning: this.provisioner.start(name, region),
                });
            }
            return ok({ region });
        }

        if (existing.referenced === true) return fail(referencedSetConflict(name));
        if (existing.type === "imagePullSecret" && request.type === "secret") {
            return fail(imagePullBodyRequired());
        }
        if (existing.type === "secret" && request.type === "imagePullSecret") {
            return fail(badRequest("Cannot update existing regular secrets to image pull secrets"));
        }
        if (request.region !== undefined && request.region !== existing.region) {
            return fail(badRequest(`Secret already exists in region '${existing.region}'. Cannot change region to '${request.region}'.`));
        }

        if (existing.type === "imagePullSecret" && request.type === "imagePullSecret") {
            if (this.config.imagePullUpdates === "refuse") {
                return fail(badRequest("Cannot update existing image pull secrets. Delete and recreate instead."));
            }
            existing.host = request.host;
            existing.secretValue = request.secretValue;
        } else if (existing.type === "secret" && request.type === "secret") {
            const added = request.secrets.filter((s) => !existing.secrets.has(s.key)).length;
            const tooMany = this.keyCountError(name, existing.secrets.size + added);
            if (tooMany !== undefined) return fail(tooMany);
            for (const { key, value } of request.secrets) existing.secrets.set(key, value);
        }
        existing.provisioning = this.provisioner.start(name, existing.region);
        return ok({ region: existing.region });
    }

    /** The kind of the set stored under `name`, if any. */
    kindOf(name: string): StoredSet["type"] | undefined {
        return this.sets.get(name)?.type;
    }

    /** `GET /secrets`: every set with its readiness, in creation order. */
    list(): SetSummary[] {
        return [...this.sets].map(([name, set]) => ({
            name,
            type: set.type,
            region: set.region,
            status: this.provisioner.statusOf(set.provisioning),
            ...(set.referenced === true ? { source: "referenced" as const } : {}),
        }));
    }

    /** `GET /secrets/{name}`: key names, region and readiness of a regular set. */
    describe(name: string): Outcome<SetDescription> {
        const set = this.sets.get(name);
        if (set === undefined) return fail(setNotFound());
        if (set.type === "imagePullSecret") return fail(badRequest("Cannot retrieve image pull secrets by name"));
        const status = this.provisioner.statusOf(set.provisioning);
        const description: SetDescription = {
            secrets: [...set.secrets.keys()].map((fieldName) => ({ fieldName })),
            region: set.region,
            status,
            ...(set.referenced ? { source: "referenced" as const } : {}),
        };
        return ok(withErrorMessage(description, set.provisioning, status));
    }

    /** `DELETE /secrets/{name}`: removes a set of either type. */
    delete(name: string): Outcome<void> {
        return this.sets.delete(name) ? ok(undefined) : fail(setNotFound());
    }

    /** `DELETE /secrets/{name}/{key}`: removes one key of a regular set and re-provisions it. */
    deleteKey(name: string, key: string): Outcome<void> {
        const set = this.sets.get(name);
        if (set === undefined) return fail(setNotFound());
        if (set.type === "imagePullSecret") {
            return fail(badRequest("Cannot delete individual keys from image pull secrets. Delete the whole set instead."));
        }
        if (set.referenced) return fail(referencedSetConflict(name));
        if (!set.secrets.delete(key)) return fail(secretNotFound());
        set.provisioning = this.provisioner.start(name, set.region);
        return ok(undefined);
    }

    /** Every stored set, values included (in-process only; never sent over HTTP). */
    snapshot(): EmulatorSnapshot {
        const result: Record<string, RegularSetSnapshot | ImagePullSetSnapshot> = {};
        for (const [name, set] of this.sets) result[name] = snapshotOfSet(set, this.provisioner.statusOf(set.provisioning));
        return result;
    }

    /** One stored set as {@link snapshot} shows it (a copy, values included; in-process only), or `undefined`. */
    snapshotOf(name: string): RegularSetSnapshot | ImagePullSetSnapshot | undefined {
        const set = this.sets.get(name);
        return set === undefined ? undefined : snapshotOfSet(set, this.provisioner.statusOf(set.provisioning));
    }

    /**
     * Creates or replaces a set directly, bypassing the API's update rules; validates the name, keys and region and
     * throws a `TypeError` naming the problem. Does not consume {@link failProvisioning} rules.
     */
    seed(name: string, set: SeedSet): void {
        const nameProblem = setNameProblem(name);
        if (nameProblem !== undefined) throw new TypeError(`seed('${name}'): ${nameProblem}`);
        const region = set.region ?? this.config.defaultRegion();
        if (!this.isKnownRegion(region)) {
            throw new TypeError(`seed('${name}'): region '${region}' is not one of the emulator's regions`);
        }
        const provisioning = this.provisioner.seeded(name, region, set.status ?? "ready", set.errorMessage);

        if (set.type === "imagePullSecret") {
            if (set.host.trim() === "") throw new TypeError(`seed('${name}'): host must not be empty`);
            this.sets.set(name, {
                type: "imagePullSecret",
                region,
                host: normalizeHost(set.host),
                secretValue: set.secretValue,
                provisioning,
                ...(set.referenced === true ? { referenced: true as const } : {}),
            });
            return;
        }
        const badKey = Object.keys(set.secrets).find((key) => !isValidSecretKey(key));
        if (badKey !== undefined) throw new TypeError(`seed('${name}'): key '${badKey}' does not match [a-zA-Z0-9_-]{1,64}`);
        if (set.referenced && Object.keys(set.secrets).length > 0) throw new TypeError(`seed('${name}'): a referenced set holds no keys`);
        this.sets.set(name, {
            type: "secret",
            region,
            secrets: new Map(Object.entries(set.secrets)),
            provisioning,
            ...(set.referenced ? { referenced: true as const } : {}),
        });
    }

    /** Removes a set without going through the API (drift). Returns whether it existed. */
    deleteDirect(name: string): boolean {
        return this.sets.delete(name);
    }

    /** Removes one key without going through the API (drift); readiness is left as it is. Returns whether it existed. */
    deleteKeyDirect(name: string, key: string): boolean {
        const set = this.sets.get(name);
        return set?.type === "secret" ? set.secrets.delete(key) : false;
    }

    /** Every provisioning a request started (PUT, key deletion), oldest first (copies). */
    provisionings(): ProvisioningSnapshot[] {
        return this.provisioner.history();
    }

    /** Makes the next provisioning(s) end `failed` (after the usual pending time) with an `errorMessage`. */
    failProvisioning(options: FailProvisioningOptions = {}): InjectionHandle {
        return this.provisioner.fail(options);
    }

    /** Withdraws every {@link failProvisioning} rule. */
    clearProvisioningFailures(): void {
        this.provisioner.clear();
    }

    private isKnownRegion(code: string): boolean {
        return this.config.regions.some((r) => r.code === code);
    }

    private keyCountError(name: string, count: number): ApiError | undefined {
        const max = this.config.limits.maxKeysPerSet;
        return count > max
            ? badRequest(`Secret set '${name}' would hold ${count} keys; the emulator allows at most ${max} per set`)
            : undefined;
    }
}
