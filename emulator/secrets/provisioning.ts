/**
 * A set's readiness: provisioning into its region is asynchronous. When a provisioning ends (from the injected clock)
 * and whether it fails (injected provisioning failures). No I/O.
 */
import { type InjectionHandle, normalizeTimes, RuleList } from "../handle";
import { checkOption, isNonNegativeNumber } from "../options";

/** Readiness of a set: provisioning into its region is asynchronous. */
export type SetStatus = "pending" | "ready" | "failed";

/** Options of `emulator.failProvisioning()`. */
export interface FailProvisioningOptions {
    /** Only provisionings of this set fail. @default every set */
    readonly setName?: string;
    /** The `errorMessage` the failed set reports. @default a message naming the set and region */
    readonly errorMessage?: string;
    /** How many provisionings fail (`Infinity`: all of them until cleared). @default 1 */
    readonly times?: number;
}

/** One provisioning of a set. @internal */
export interface Provisioning {
    /** Clock time at which provisioning ends (pending before it). */
    readonly readyAt: number;
    /** Set when this provisioning ends in failure. */
    readonly errorMessage: string | undefined;
}

/**
 * One provisioning a request started (a PUT or a key deletion), as `emulator.provisionings()` shows it: when it
 * started and when the API first reports its end (`ready`, or `failed` with `failed: true`). Clock times (ms).
 */
export interface ProvisioningSnapshot {
    readonly setName: string;
    readonly region: string;
    readonly startedAt: number;
    /** The first clock time at which a read reports the set `ready` (or `failed`): `startedAt` + its pending time. */
    readonly readyAt: number;
    /** Whether it ends `failed` (an injected provisioning failure) rather than `ready`. */
    readonly failed: boolean;
}

interface ProvisioningFailure {
    readonly setName: string | undefined;
    readonly errorMessage: string | undefined;
}

/** What provisioning needs. @internal */
export interface ProvisioningConfig {
    readonly readyAfterMs: number;
    /** The pending time of one set's provisionings, instead of `readyAfterMs`. */
    readonly readyAfterMsFor?: ((setName: string) => number) | undefined;
    readonly now: () => number;
}

/** Starts provisionings, tells their status, and holds the injected provisioning failures they consume. @internal */
export class Provisioner {
    private readonly failures = new RuleList<ProvisioningFailure>();
    private readonly started: ProvisioningSnapshot[] = [];

    constructor(private readonly config: ProvisioningConfig) {}

    /** Starts a provisioning of `name` now; the oldest matching failure rule, if any, makes it end `failed`. */
    start(name: string, region: string): Provisioning {
        const startedAt = this.config.now();
        const readyAt = startedAt + this.pendingMs(name);
        const failure = this.failures.take((f) => f.setName === undefined || f.setName === name);
        this.started.push({ setName: name, region, startedAt, readyAt, failed: failure !== undefined });
        return {
            readyAt,
            errorMessage: failure === undefined ? undefined : (failure.errorMessage ?? defaultFailureMessage(name, region)),
        };
    }

    /** Every provisioning {@link start} started, oldest first (copies). */
    history(): ProvisioningSnapshot[] {
        return this.started.map((p) => ({ ...p }));
    }

    /** How long a provisioning of `name` stays pending: `readyAfterMsFor(name)` when given, else `readyAfterMs`. */
    private pendingMs(name: string): number {
        const pick = this.config.readyAfterMsFor;
        if (pick === undefined) return this.config.readyAfterMs;
        const ms = pick(name);
        checkOption(
            isNonNegativeNumber(ms),
            "readyAfterMsFor",
            `must return a non-negative number of milliseconds (got ${String(ms)} for '${name}')`,
        );
        return ms;
    }

    /**
     * The provisioning a seeded set starts with: `pending` like a PUT's, or already ended `ready` or `failed`. Consumes
     * no failure rule.
     */
    seeded(name: string, region: string, status: SetStatus, errorMessage: string | undefined): Provisioning {
        const now = this.config.now();
        return status === "pending"
            ? { readyAt: now + this.pendingMs(name), errorMessage: undefined }
            : status === "failed"
              ? { readyAt: now, errorMessage: errorMessage ?? defaultFailureMessage(name, region) }
              : { readyAt: now, errorMessage: undefined };
    }

    /** Readiness now: `pending` until the provisioning ends, then `ready` or `failed`. */
    statusOf(p: Provisioning): SetStatus {
        if (this.config.now() < p.readyAt) return "pending";
        return p.errorMessage === undefined ? "ready" : "failed";
    }

    /** Makes the next provisioning(s) end `failed` (after the usual pending time) with an `errorMessage`. */
    fail(options: FailProvisioningOptions = {}): InjectionHandle {
        const times = normalizeTimes(options.times, "failProvisioning({ times })");
        return this.failures.add({ setName: options.setName, errorMessage: options.errorMessage }, times);
    }

    /** Withdraws every {@link fail} rule. */
    clear(): void {
        this.failures.clear();
    }
}

/** `value` with the failed provisioning's `errorMessage`, when `status` is `failed`. @internal */
export function withErrorMessage<T extends object>(value: T, p: Provisioning, status: SetStatus): T & { errorMessage?: string } {
    return status === "failed" && p.errorMessage !== undefined ? { ...value, errorMessage: p.errorMessage } : value;
}

function defaultFailureMessage(name: string, region: string): string {
    return `Provisioning of secret set '${name}' in region '${region}' failed (injected by the emulator)`;
}
