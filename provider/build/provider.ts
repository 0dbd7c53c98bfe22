/**
 * `buildProvider`: the dynamic provider object every Build uses, serialized into state like
 * `agentProvider` (see its file): a thin shim whose methods `require` the installed implementation by
 * package name, so the text holds no code, schema or credentials.
 *
 * Nothing from this file's scope may be captured: only `require` and the arguments.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";

type Implementation = typeof import("./implementation");
type Method<K extends keyof Implementation> = (...args: Parameters<Implementation[K]>) => ReturnType<Implementation[K]>;

/**
 * The dynamic provider every Build resource is created with (the resource passes it itself). Each method
 * requires the installed implementation by package name and calls it; exported for tests and tools that drive the
 * provider directly, as the engine's dynamic-provider plugin does. A build has no update: every change is a new build.
 */
export const buildProvider: dynamic.ResourceProvider & {
    [K in "configure" | "check" | "diff" | "read" | "delete"]-?: Method<K>;
} = {
    configure: (...a) => require("pulumi-pipecat-secrets/build/implementation").configure(...a),
    check: (...a) => require("pulumi-pipecat-secrets/build/implementation").check(...a),
    diff: (...a) => require("pulumi-pipecat-secrets/build/implementation").diff(...a),
    create: (...a) => require("pulumi-pipecat-secrets/build/implementation").create(...a),
    read: (...a) => require("pulumi-pipecat-secrets/build/implementation").read(...a),
    delete: (...a) => require("pulumi-pipecat-secrets/build/implementation").delete(...a),
};
