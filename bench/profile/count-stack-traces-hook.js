"use strict";
/**
 * Counts @pulumi/pulumi's debuggablePromise calls by context in the program process (each one captures a stack
 * trace, source-mapped under ts-node: the program's main cost per resource):
 *   NODE_OPTIONS="--require $PWD/bench/profile/count-stack-traces-hook.js" COUNT_LOG=/tmp/count.log pulumi preview
 */
const Module = require("module");
const fs = require("fs");
const counts = {};
const orig = Module.prototype.require;
let patched = false;
Module.prototype.require = function (id) {
    const m = orig.apply(this, arguments);
    if (!patched && /runtime[\\/]debuggable$/.test(id) && m && m.debuggablePromise) {
        patched = true;
        const real = m.debuggablePromise;
        m.debuggablePromise = function (p, ctx) {
            const key = String(ctx).replace(/\(.*$/s, "").replace(/<.*$/s, "");
            counts[key] = (counts[key] || 0) + 1;
            return real.apply(this, arguments);
        };
    }
    return m;
};
process.on("exit", () => {
    if ((process.argv[1] || "").includes("cmd/run")) fs.appendFileSync(process.env.COUNT_LOG, JSON.stringify(counts) + "\n");
});
