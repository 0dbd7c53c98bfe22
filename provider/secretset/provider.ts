/**
 * `secretSetProvider`: the dynamic provider object every SecretSet uses.
 *
 * Pulumi serializes this object into the state of each resource and runs it in a separate `node`
 * process. It is deliberately a thin shim: each method `require`s the compiled implementation by
 * package name at run time. So the serialized text is small (just under 2 KB per resource), holds no
 * schema, code or credentials, and an upgrade of the installed package changes behaviour for
 * existing resources too (delete and refresh never run stale code).
 *
 * Nothing from this file's scope may be captured: only `require` and the arguments. Arrow
 * functions with rest arguments serialize to the shortest text.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";

type Implementation = typeof import("./implementation");
type Method<K extends keyof Implementation> = (...args: Parameters<Implementation[K]>) => ReturnType<Implementation[K]>;

/**
 * The dynamic provider every SecretSet resource is created with (the resource passes it itself). Each method
 * requires the installed implementation by package name and calls it; exported for tests and tools that drive the
 * provider directly, as the engine's dynamic-provider plugin does.
 */
export const secretSetProvider: dynamic.ResourceProvider & {
    [K in "configure" | "check" | "diff" | "read" | "update" | "delete"]-?: Method<K>;
} = {
    configure: (...a) => require("pulumi-pipecat-secrets/implementation").configure(...a),
    check: (...a) => require("pulumi-pipecat-secrets/implementation").check(...a),
    diff: (...a) => require("pulumi-pipecat-secrets/implementation").diff(...a),
    create: (...a) => require("pulumi-pipecat-secrets/implementation").create(...a),
    read: (...a) => require("pulumi-pipecat-secrets/implementation").read(...a),
    update: (...a) => require("pulumi-pipecat-secrets/implementation").update(...a),
    delete: (...a) => require("pulumi-pipecat-secrets/implementation").delete(...a),
};
