"use strict";
/**
 * node bench/profile/callers.js <file.cpuprofile> <regex> [depth]: the time under frames matching regex, by the chain
 * of callers above the outermost match (who makes the stack traces, say).
 */
const fs = require("fs");
const p = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const re = new RegExp(process.argv[3]);
const depth = Number(process.argv[4] || 3);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) || 0) + (p.timeDeltas[i] || 0));
const name = (id) => {
    const cf = byId.get(id).callFrame;
    return `${cf.functionName || "(anon)"}@${cf.url.split("/").slice(-2).join("/")}:${cf.lineNumber + 1}`;
};
const agg = new Map();
for (const [id, us] of dt) {
    let cur = id,
        hit;
    const chain = [];
    for (; cur !== undefined; cur = parent.get(cur)) chain.push(cur);
    // outermost match
    for (let i = chain.length - 1; i >= 0; i--)
        if (re.test(name(chain[i]))) {
            hit = i;
            break;
        }
    if (hit === undefined) continue;
    const key = chain
        .slice(hit, hit + depth + 1)
        .map(name)
        .join(" <- ");
    agg.set(key, (agg.get(key) || 0) + us / 1000);
}
for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(v.toFixed(1).padStart(8), k);
