/**
 * What an agent's deployment binds: the read of a set that the agents room needs ({@link SecretSource}, given by the
 * composition root, so the room imports nothing of the secrets room), and the checks a binding must pass. No I/O.
 */
import {
    type ApiError,
    type BindingField,
    boundSetNotFound,
    boundSetNotReady,
    boundSetRegionMismatch,
    boundSetWrongKind,
    buildNotReady,
    deployBuildNotFound,
} from "../errors";
import { type Outcome, fail, ok } from "../outcome";
import type { AgentSpec } from "./rules";

/**
 * A set as an agent deployment reads it when it binds it: kind, region, readiness and values (in-process only; the
 * agents room never puts a value in an answer). A copy: later changes to the set do not show through it. A referenced
 * set's values live in Kubernetes: Pipecat Cloud knows none, and `secrets` is empty.
 * @internal
 */
export type SetBinding =
    | {
          readonly type: "secret";
          readonly region: string;
          /** `ready` once provisioned; anything else refuses the binding. */
          readonly status: string;
          readonly secrets: Readonly<Record<string, string>>;
      }
    | {
          readonly type: "imagePullSecret";
          readonly region: string;
          readonly status: string;
          readonly host: string;
          readonly secretValue: string;
      };

/**
 * What the agents room needs of the sets: one set as a deployment binds it, or `undefined` when there is none of that
 * name. The composition root (emulator.ts) gives it; the room imports nothing of the secrets room.
 * @internal
 */
export interface SecretSource {
    binding(name: string): SetBinding | undefined;
}

/** A build as an agent deploying it reads it: its region, status, and the image a success pushed. @internal */
export interface BuildBinding {
    readonly region: string;
    readonly status: string;
    readonly imageUri: string | undefined;
}

/**
 * What the agents room needs of the builds: one build by id, or `undefined` when there is none. The composition root
 * gives it; the room imports nothing of the builds room.
 * @internal
 */
export interface BuildSource {
    build(id: string): BuildBinding | undefined;
}

/**
 * The image a deployment of `spec` runs: its `image`, or the `imageUri` of its build, which must be in the agent's
 * region (else 400 `Build not found`) and `success` (else 400 `Build is not ready (status: …)`).
 * @internal
 */
export function imageOf(builds: BuildSource, spec: AgentSpec, region: string): Outcome<string> {
    if (spec.buildId === undefined) return ok(spec.image ?? "");
    const build = builds.build(spec.buildId);
    // A build of another region is not found from the agent's region (the contract's one message for both).
    if (build === undefined || build.region !== region) return fail(deployBuildNotFound());
    if (build.status !== "success" || build.imageUri === undefined) return fail(buildNotReady(build.status));
    return ok(build.imageUri);
}

/** The sets a deployment binds, as read when it starts. @internal */
export interface Bindings {
    readonly secretSet: Extract<SetBinding, { type: "secret" }> | undefined;
    readonly imagePullSecretSet: Extract<SetBinding, { type: "imagePullSecret" }> | undefined;
}

/**
 * Reads the sets `spec` binds and checks them, in the order: exists (404), kind, region (400), readiness (409).
 * Only the fields `checks` accepts are checked; the others bind nothing new.
 * @internal
 */
export function bindSets(
    sets: SecretSource,
    spec: AgentSpec,
    region: string,
    creating: boolean,
    checks: (field: BindingField) => boolean,
): Outcome<Bindings> {
    let secretSet: Bindings["secretSet"];
    let imagePullSecretSet: Bindings["imagePullSecretSet"];
    for (const field of ["secretSet", "imagePullSecretSet"] as const) {
        const setName = spec[field];
        if (setName === undefined || !checks(field)) continue;
        const binding = sets.binding(setName);
        const problem = bindingProblem(field, setName, binding, region, creating);
        if (problem !== undefined) return fail(problem);
        if (binding?.type === "secret") secretSet = binding;
        else if (binding?.type === "imagePullSecret") imagePullSecretSet = binding;
    }
    return ok({ secretSet, imagePullSecretSet });
}

function bindingProblem(
    field: BindingField,
    setName: string,
    binding: SetBinding | undefined,
    region: string,
    creating: boolean,
): ApiError | undefined {
    if (binding === undefined) return boundSetNotFound();
    if ((field === "secretSet") !== (binding.type === "secret")) return boundSetWrongKind(field, setName);
    if (binding.region !== region) return boundSetRegionMismatch(field, setName, binding.region, region, creating);
    if (binding.status !== "ready") return boundSetNotReady(setName);
    return undefined;
}
