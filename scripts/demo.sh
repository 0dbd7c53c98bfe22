#!/usr/bin/env bash
# `npm run demo`: prepares what the demo needs (dependencies, the compiled package, the Pulumi engine), then runs
# scripts/demo.ts, the five steps through the real engine against the embedded emulator. Nothing leaves this machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

[ -d node_modules/@pulumi/pulumi ] || npm ci --no-audit --no-fund
# The engine's provider process loads the compiled package (dist/). `npm run build` (scripts/build.js) compiles only
# when an input changed since the last build, so a second run does not spend its first 15 s in tsc (nor one right
# after the `npm ci` above, whose `prepare` script built it).
npm run --silent build
bash scripts/install-engine.sh

exec node -r ts-node/register/transpile-only scripts/demo.ts
