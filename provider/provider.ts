/**
 * `secretSetProvider`: the dynamic provider object every SecretSet uses.
 *
 * Pulumi serializes this object into the state of each resource and runs it in a separate `node`
 * process. It is deliberately a thin shim: each method `require`s the compiled implementation by
 * package name at run time. So the serialized text is small, holds no schema, code or credentials,
 * and an upgrade of the installed package changes behaviour for existing resources too (delete and
 * refresh never run stale code). Nothing from this file's scope may be captured: only `require`.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";

type Implementation = typeof import("./implementation");

export const secretSetProvider: dynamic.ResourceProvider = {
    async configure(req) {
        return (require("pulumi-pipecat-secrets/implementation") as Implementation).configure(req);
    },
    async check(olds, news) {
        return (require("pulumi-pipecat-secrets/implementation") as Implementation).check(olds, news);
    },
    async diff(id, olds, news) {
        return (require("pulumi-pipecat-secrets/implementation") as Implementation).diff(id, olds, news);
    },
    async create(inputs) {
        return (require("pulumi-pipecat-secrets/implementation") as Implementation).create(inputs);
    },
    async read(id, props) {
        return (require("pulumi-pipecat-secrets/implementation") as Implementation).read(id, props ?? {});
    },
    async update(id, olds, news) {
        return (require("pulumi-pipecat-secrets/implementation") as Implementation).update(id, olds, news);
    },
    async delete(id, props) {
        return (require("pulumi-pipecat-secrets/implementation") as Implementation).delete(id, props);
    },
};
