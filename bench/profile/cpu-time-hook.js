"use strict";
/**
 * The CPU time of every Node process of a pulumi run, without a profiler's overhead:
 *   NODE_OPTIONS="--require $PWD/bench/profile/cpu-time-hook.js" CPU_LOG=/tmp/cpu.log pulumi preview
 * appends one JSON line per process at exit: kind (program, provider, other), CPU ms, wall ms, pid. A process may
 * write two lines (a signal, then exit): count each pid once. The engine's own CPU is the rest of the tree's.
 */
const fs = require("fs");
const t0 = Date.now();
function done() {
    const u = process.cpuUsage();
    const kind = (process.argv[1] || "").includes("dynamic-provider")
        ? "provider"
        : (process.argv[1] || "").includes("cmd/run")
          ? "program"
          : "other:" + (process.argv[1] || "").slice(-40);
    fs.appendFileSync(
        process.env.CPU_LOG,
        JSON.stringify({ kind, cpu: (u.user + u.system) / 1000, wall: Date.now() - t0, pid: process.pid }) + "\n",
    );
}
process.on("exit", done);
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"])
    process.on(sig, () => {
        done();
        process.exit(128);
    });
