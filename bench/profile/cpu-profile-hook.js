"use strict";
/**
 * A CPU profile of every Node process of a pulumi run, for Node 20, which refuses `--cpu-prof` in NODE_OPTIONS:
 *   NODE_OPTIONS="--require $PWD/bench/profile/cpu-profile-hook.js" PROF_DIR=/tmp/prof pulumi preview
 * writes <script>-<pid>.cpuprofile into PROF_DIR at exit (the program and the dynamic provider are both `index.js`:
 * the larger file with `dynamic-provider` frames is the provider). Read them with analyze.js.
 */
const inspector = require("inspector");
const fs = require("fs");
const path = require("path");
const dir = process.env.PROF_DIR;
const session = new inspector.Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.setSamplingInterval", { interval: 500 });
session.post("Profiler.start");
let done = false;
function finish() {
    if (done) return;
    done = true;
    session.post("Profiler.stop", (err, res) => {
        if (err) return;
        const name = `${path.basename(process.argv[1] || "node")}-${process.pid}.cpuprofile`;
        fs.writeFileSync(path.join(dir, name), JSON.stringify(res.profile));
    });
}
process.on("exit", finish);
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"]) {
    process.on(sig, () => {
        finish();
        process.exit(128);
    });
}
