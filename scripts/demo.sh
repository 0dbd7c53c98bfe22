#!/usr/bin/env bash
# `npm run demo`: prepares what the demo needs (dependencies, the compiled package, the Pulumi engine), then runs
# scripts/demo.ts, the five steps through the real engine against the embedded emulator. Nothing leaves this machine.
# The engine: any installed Pulumi from 3.139 with its own language host, else the pinned one built from Go modules
# (once; scripts/install-engine.sh --demo prints progress while it builds).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DEMO_STARTED_MS=$(($(date +%s%N) / 1000000))
export DEMO_STARTED_MS

if [ ! -d node_modules/@pulumi/pulumi ]; then
  echo "demo: installing dependencies (npm ci; about a minute)"
  npm ci --no-audit --no-fund
fi
# The engine's provider process loads the compiled package (dist/). `npm run build` (scripts/build.js) compiles only
# when an input changed since the last build, so a second run does not spend its first 15 s in tsc (nor one right
# after the `npm ci` above, whose `prepare` script built it); it says so when it compiles.
npm run --silent build
bash scripts/install-engine.sh --demo

exec node -r ts-node/register/transpile-only scripts/demo.ts
