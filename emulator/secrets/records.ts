/**
 * A set as the store keeps it, as the API lists and describes it, as the test hooks show and seed it. No I/O, no state.
 */
import { type Provisioning, type SetStatus, withErrorMessage } from "./provisioning";

/** Kind of a set, as the list endpoint names it. */
export type SetType = "secret" | "imagePullSecret";

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

/** A set as stored. @internal */
export type StoredSet =
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

/** A stored set as `emulator.snapshot()` shows it, with its readiness `status` now: a copy, values included. @internal */
export function snapshotOfSet(set: StoredSet, status: SetStatus): RegularSetSnapshot | ImagePullSetSnapshot {
    return set.type === "secret"
        ? withErrorMessage(
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
        : withErrorMessage(
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
