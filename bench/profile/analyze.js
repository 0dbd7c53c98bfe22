"use strict";
/**
 * node bench/profile/analyze.js <file.cpuprofile> [top] [regex]: sampled time, self time by package and by
 * function (top N), and with a regex the inclusive time of every frame that matches it.
 */
const fs = require("fs");
const file = process.argv[2];
const top = Number(process.argv[3] || 25);
const p = JSON.parse(fs.readFileSync(file, "utf8"));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) || 0) + (p.timeDeltas[i] || 0));
const total = [...dt.values()].reduce((a, b) => a + b, 0) / 1000;
const self = new Map(),
    byPkg = new Map();
const pkg = (url) => {
    if (!url) return "(native/vm)";
    const m = url.match(/node_modules\/((@[^/]+\/)?[^/]+)/);
    if (m) return m[1];
    if (url.startsWith("node:")) return "node:internal";
    if (url.includes("/dist/")) return "ours:" + url.split("/dist/")[1];
    return url.replace(/^file:\/\//, "").slice(-50);
};
for (const [id, us] of dt) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const key = `${cf.functionName || "(anon)"} ${pkg(cf.url)}:${cf.lineNumber + 1}`;
    self.set(key, (self.get(key) || 0) + us / 1000);
    const k2 = pkg(cf.url).replace(/^ours:.*/, "ours");
    byPkg.set(k2, (byPkg.get(k2) || 0) + us / 1000);
}
// inclusive by function name across tree
const parent = new Map();
for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
console.log(`${file}: ${total.toFixed(0)} ms sampled, ${((p.endTime - p.startTime) / 1000).toFixed(0)} ms span`);
console.log(
    "by package:",
    [...byPkg]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(" | "),
);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(v.toFixed(1).padStart(8), k);
if (process.argv[4]) {
    // inclusive time of frames matching a regex
    const re = new RegExp(process.argv[4]);
    const incl = new Map();
    for (const [id, us] of dt) {
        const seen = new Set();
        for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
            const cf = byId.get(cur).callFrame;
            const key = `${cf.functionName} ${pkg(cf.url)}:${cf.lineNumber + 1}`;
            if (re.test(key) && !seen.has(key)) {
                seen.add(key);
                incl.set(key, (incl.get(key) || 0) + us / 1000);
            }
        }
    }
    console.log("inclusive matching", re);
    for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(v.toFixed(1).padStart(8), k);
}
