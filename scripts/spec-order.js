#!/usr/bin/env node
// `npm test`'s spec files, longest first: mocha --parallel hands files to its workers in the order given, so the
// longest (engine) specs start first and the short ones fill in behind them, instead of one long spec running alone
// at the end (longest-processing-time-first scheduling). SLOWEST lists them by their time in a clean-clone CI run
// (seconds, 2026-12-05); every other spec follows in path order. A spec missing from the tree is left out.
const fs = require("node:fs");
const path = require("node:path");

const SLOWEST = [
    "test/e2e/build-safety.spec.ts", // 371
    "test/consumer/consumer.spec.ts", // 295
    "test/e2e/agent-safety.spec.ts", // 289
    "test/e2e/safety.spec.ts", // 260
    "test/e2e/agents.spec.ts", // 180
    "test/consumer/setups.spec.ts", // 136
    "test/e2e/builds.spec.ts", // 128
    "test/e2e/resilience.spec.ts", // 125
    "test/live/acceptance.spec.ts", // 103
    "test/e2e/rotation.spec.ts", // 77
    "test/e2e/secretsets.spec.ts", // 69
    "test/examples/quickstart.spec.ts", // 66
];

const root = path.resolve(__dirname, "..");
const all = fs
    .readdirSync(path.join(root, "test"), { recursive: true })
    .map((f) => `test/${String(f).split(path.sep).join("/")}`)
    .filter((f) => f.endsWith(".spec.ts"))
    .sort();
const first = SLOWEST.filter((f) => all.includes(f));
process.stdout.write([...first, ...all.filter((f) => !first.includes(f))].join("\n") + "\n");
