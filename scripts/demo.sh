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
# The engine's provider process loads the compiled package (dist/): rebuild only when a source is newer than the
# last build, so a second run does not spend its first 15 s in tsc.
stamp=dist/.demo-build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find provider emulator tsconfig.json package.json -newer "$stamp" -print -quit)" ]; then
  echo "demo: compiling the package into dist/ (tsc; 15 s to a minute on 2 cores)"
  npm run --silent build
  touch "$stamp"
fi
bash scripts/install-engine.sh --demo

exec node -r ts-node/register/transpile-only scripts/demo.ts
