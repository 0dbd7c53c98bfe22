/**
 * The emulator's state and the API's rules over it: sets, merge, regions, readiness, injected provisioning failures.
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
import { type InjectionHandle, normalizeTimes, RuleList } from "../handle";
import type { Region } from "../options";
import { type Outcome, fail, ok } from "../outcome";
import type { ImagePullUpdates, SecretsLimits } from "./options";
import { type PutRequest, isValidSecretKey, normalizeHost, setNameProblem } from "./rules";

/** Kind of a set, as the list endpoint names it. */
export type SetType = "secret" | "imagePullSecret";

/** Readiness of a set: provisioning into its region is asynchronous. */
export type SetStatus = "pending" | "ready" | "failed";

/** One entry of `GET /secrets`. @internal */
export interface SetSummary {
    readonly name: string;
    readonly type: SetType;
    readonly region: string;
    readonly status: SetStatus;
    /** Only on a referenced set (of either type): `referenced`. */
    readonly source?: "referenced";
}

/** The body of `GET /secrets/{setName}` for a regular set: key names only, never values. @internal */
export interface SetDescription {
    readonly secrets: readonly { readonly fieldName: string }[];
    readonly region: string;
    readonly status: SetStatus;
    readonly errorMessage?: string;
    /** Only on a referenced set: `referenced` (and no keys). */
    readonly source?: "referenced";
}

/** A stored regular set as `emulator.snapshot()` shows it (values included: in-process only). */
export interface RegularSetSnapshot {
    readonly type: "secret";
    readonly region: string;
    readonly status: SetStatus;
    /** Key to value, in the order keys were first added. */
    readonly secrets: Readonly<Record<string, string>>;
    /** Present when `status` is `failed`. */
    readonly errorMessage?: string;
    /** A referenced set (a Kubernetes Secret registered by name): no keys, and no managed write. */
    readonly referenced?: true;
}

/** A stored image-pull set as `emulator.snapshot()` shows it (value included: in-process only). */
export interface ImagePullSetSnapshot {
    readonly type: "imagePullSecret";
    readonly region: string;
    readonly status: SetStatus;
    /** Registry host, with the trailing slash the server adds. */
    readonly host: string;
    readonly secretValue: string;
    /** Present when `status` is `failed`. */
    readonly errorMessage?: string;
    /** A referenced image-pull set (a Kubernetes Secret registered by name): no managed write. */
    readonly referenced?: true;
}

/** Every stored set by name. */
export type EmulatorSnapshot = Readonly<Record<string, RegularSetSnapshot | ImagePullSetSnapshot>>;

/** A set to create directly with `emulator.seed()`, bypassing the API (for adopt and drift tests). */
export type SeedSet =
    | {
          /** @default "secret" */
          readonly type?: "secret";
          /** Key to value. May be empty; must be empty for a referenced set. */
          readonly secrets: Readonly<Record<string, string>>;
          /** A referenced set (`source: "referenced"`): Pipecat Cloud stores no keys, and refuses managed writes. */
          readonly referenced?: boolean;
          /** @default the default region */
          readonly region?: string;
          /** `pending` provisions like a PUT (ready after `readyAfterMs`); `failed` is failed at once. @default "ready" */
          readonly status?: SetStatus;
          /** Message reported when `status` is `failed`. */
          readonly errorMessage?: string;
      }
    | {
          readonly type: "imagePullSecret";
          /**
           * Registry host; a trailing slash is added if missing, as the API does. Of a referenced set: the host its
           * Kubernetes Secret holds (a deployment pulls with it; the API never shows it, as for any image-pull set).
           */
          readonly host: string;
          /** Registry credentials (usually base64 of `username:token`); of a referenced set, those its Kubernetes Secret holds. */
          readonly secretValue: string;
          /**
           * A referenced image-pull set (`source: "referenced"` in `GET /secrets`): a Kubernetes Secret registered by name,
           * which Pipecat Cloud refuses to write (409, like a referenced regular set).
           */
          readonly referenced?: boolean;
          /** @default the default region */
          readonly region?: string;
          /** @default "ready" */
          readonly status?: SetStatus;
          /** Message reported when `status` is `failed`. */
          readonly errorMessage?: string;
      };

/** Options of `emulator.failProvisioning()`. */
export interface FailProvisioningOptions {
    /** Only provisionings of this set fail. @default every set */
    readonly setName?: string;
    /** The `errorMessage` the failed set reports. @default a message naming the set and region */
    readonly errorMessage?: string;
    /** How many provisionings fail (`Infinity`: all of them until cleared). @default 1 */
    readonly times?: number;
}

/** Settings the store needs, already validated. @internal */
export interface StoreConfig {
    readonly regions: readonly Region[];
    readonly defaultRegion: string;
    readonly readyAfterMs: number;
    readonly imagePullUpdates: ImagePullUpdates;
    readonly limits: SecretsLimits;
    readonly now: () => number;
}

interface Provisioning {
    /** Clock time at which provisioning ends (pending before it). */
    readonly readyAt: number;
    /** Set when this provisioning ends in failure. */
    readonly errorMessage: string | undefined;
}

type StoredSet =
    | {
          readonly type: "secret";
          readonly region: string;
          readonly secrets: Map<string, string>;
          provisioning: Provisioning;
          readonly referenced?: true;
      }
    | {
          readonly type: "imagePullSecret";
          readonly region: string;
          host: string;
          secretValue: string;
          provisioning: Provisioning;
          readonly referenced?: true;
      };

interface ProvisioningFailure {
    readonly setName: string | undefined;
    readonly errorMessage: string | undefined;
}

/** @internal */
export class SecretStore {
    private readonly sets = new Map<string, StoredSet>();
    private readonly failures = new RuleList<ProvisioningFailure>();

    constructor(private readonly config: StoreConfig) {}

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
            const region = request.region ?? this.config.defaultRegion;
            if (request.type === "secret") {
                const tooMany = this.keyCountError(name, request.secrets.length);
                if (tooMany !== undefined) return fail(tooMany);
                const secrets = new Map(request.secrets.map((s) => [s.key, s.value] as const));
                this.sets.set(name, { type: "secret", region, secrets, provisioning: this.provision(name, region) });
            } else {
                const { host, secretValue } = request;
                this.sets.set(name, { type: "imagePullSecret", region, host, secretValue, provisioning: this.provision(name, region) });
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
        existing.provisioning = this.provision(name, existing.region);
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
            status: this.status(set.provisioning),
            ...(set.referenced === true ? { source: "referenced" as const } : {}),
        }));
    }

    /** `GET /secrets/{name}`: key names, region and readiness of a regular set. */
    describe(name: string): Outcome<SetDescription> {
        const set = this.sets.get(name);
        if (set === undefined) return fail(setNotFound());
        if (set.type === "imagePullSecret") return fail(badRequest("Cannot retrieve image pull secrets by name"));
        const status = this.status(set.provisioning);
        const description: SetDescription = {
            secrets: [...set.secrets.keys()].map((fieldName) => ({ fieldName })),
            region: set.region,
            status,
            ...(set.referenced ? { source: "referenced" as const } : {}),
        };
        return ok(this.withErrorMessage(description, set.provisioning, status));
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
        set.provisioning = this.provision(name, set.region);
        return ok(undefined);
    }

    /** Every stored set, values included (in-process only; never sent over HTTP). */
    snapshot(): EmulatorSnapshot {
        const result: Record<string, RegularSetSnapshot | ImagePullSetSnapshot> = {};
        for (const [name, set] of this.sets) result[name] = this.snapshotOfSet(set);
        return result;
    }

    /** One stored set as {@link snapshot} shows it (a copy, values included; in-process only), or `undefined`. */
    snapshotOf(name: string): RegularSetSnapshot | ImagePullSetSnapshot | undefined {
        const set = this.sets.get(name);
        return set === undefined ? undefined : this.snapshotOfSet(set);
    }

    /**
     * Creates or replaces a set directly, bypassing the API's update rules; validates the name, keys and region and
     * throws a `TypeError` naming the problem. Does not consume {@link failProvisioning} rules.
     */
    seed(name: string, set: SeedSet): void {
        const nameProblem = setNameProblem(name);
        if (nameProblem !== undefined) throw new TypeError(`seed('${name}'): ${nameProblem}`);
        const region = set.region ?? this.config.defaultRegion;
        if (!this.isKnownRegion(region)) {
            throw new TypeError(`seed('${name}'): region '${region}' is not one of the emulator's regions`);
        }
        const status = set.status ?? "ready";
        const now = this.config.now();
        const provisioning: Provisioning =
            status === "pending"
                ? { readyAt: now + this.config.readyAfterMs, errorMessage: undefined }
                : status === "failed"
                  ? { readyAt: now, errorMessage: set.errorMessage ?? defaultFailureMessage(name, region) }
                  : { readyAt: now, errorMessage: undefined };

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

    /** Makes the next provisioning(s) end `failed` (after the usual pending time) with an `errorMessage`. */
    failProvisioning(options: FailProvisioningOptions = {}): InjectionHandle {
        const times = normalizeTimes(options.times, "failProvisioning({ times })");
        return this.failures.add({ setName: options.setName, errorMessage: options.errorMessage }, times);
    }

    /** Withdraws every {@link failProvisioning} rule. */
    clearProvisioningFailures(): void {
        this.failures.clear();
    }

    private snapshotOfSet(set: StoredSet): RegularSetSnapshot | ImagePullSetSnapshot {
        const status = this.status(set.provisioning);
        return set.type === "secret"
            ? this.withErrorMessage(
                  {
                      type: "secret",
                      region: set.region,
                      status,
                      secrets: Object.fromEntries(set.secrets),
                      ...(set.referenced ? { referenced: true as const } : {}),
                  },
                  set.provisioning,
                  status,
              )
            : this.withErrorMessage(
                  {
                      type: "imagePullSecret",
                      region: set.region,
                      status,
                      host: set.host,
                      secretValue: set.secretValue,
                      ...(set.referenced === true ? { referenced: true as const } : {}),
                  },
                  set.provisioning,
                  status,
              );
    }

    private provision(name: string, region: string): Provisioning {
        const failure = this.failures.take((f) => f.setName === undefined || f.setName === name);
        return {
            readyAt: this.config.now() + this.config.readyAfterMs,
            errorMessage: failure === undefined ? undefined : (failure.errorMessage ?? defaultFailureMessage(name, region)),
        };
    }

    private status(p: Provisioning): SetStatus {
        if (this.config.now() < p.readyAt) return "pending";
        return p.errorMessage === undefined ? "ready" : "failed";
    }

    private withErrorMessage<T extends object>(value: T, p: Provisioning, status: SetStatus): T & { errorMessage?: string } {
        return status === "failed" && p.errorMessage !== undefined ? { ...value, errorMessage: p.errorMessage } : value;
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

function defaultFailureMessage(name: string, region: string): string {
    return `Provisioning of secret set '${name}' in region '${region}' failed (injected by the emulator)`;
}
