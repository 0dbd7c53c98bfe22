#!/usr/bin/env bash
# `npm run demo`: prepares what the demo needs (dependencies, the compiled package, the Pulumi engine), then runs
# scripts/demo.ts, the five steps through the real engine against the embedded emulator. Nothing leaves this machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

[ -d node_modules/@pulumi/pulumi ] || npm ci --no-audit --no-fund
# The engine's provider process loads the compiled package (dist/): rebuild only when a source is newer than the
# last build, so a second run does not spend its first 15 s in tsc.
stamp=dist/.demo-build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find provider emulator tsconfig.json package.json -newer "$stamp" -print -quit)" ]; then
  npm run --silent build
  touch "$stamp"
fi
bash scripts/install-engine.sh

exec node -r ts-node/register/transpile-only scripts/demo.ts
