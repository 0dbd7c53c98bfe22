/**
 * `organizationSettingsProvider`: the dynamic provider object every OrganizationSettings uses, serialized into state
 * like `secretSetProvider` (see its file): a thin shim whose methods `require` the installed implementation by
 * package name, so the text holds no code, schema or credentials.
 *
 * Nothing from this file's scope may be captured: only `require` and the arguments.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";

type Implementation = typeof import("./implementation");
type Method<K extends keyof Implementation> = (...args: Parameters<Implementation[K]>) => ReturnType<Implementation[K]>;

/**
 * The dynamic provider every OrganizationSettings resource is created with (the resource passes it itself). Each
 * method requires the installed implementation by package name and calls it; exported for tests and tools that drive
 * the provider directly, as the engine's dynamic-provider plugin does.
 */
export const organizationSettingsProvider: dynamic.ResourceProvider & {
    [K in "configure" | "check" | "diff" | "read" | "update" | "delete"]-?: Method<K>;
} = {
    configure: (...a) => require("pulumi-pipecat-secrets/organization/implementation").configure(...a),
    check: (...a) => require("pulumi-pipecat-secrets/organization/implementation").check(...a),
    diff: (...a) => require("pulumi-pipecat-secrets/organization/implementation").diff(...a),
    create: (...a) => require("pulumi-pipecat-secrets/organization/implementation").create(...a),
    read: (...a) => require("pulumi-pipecat-secrets/organization/implementation").read(...a),
    update: (...a) => require("pulumi-pipecat-secrets/organization/implementation").update(...a),
    delete: (...a) => require("pulumi-pipecat-secrets/organization/implementation").delete(...a),
};
