#!/usr/bin/env bash
# The demo: a real `pulumi up` of examples/basic against the embedded emulator, on a throw-away
# local backend, then the result, then `pulumi destroy`. Nothing leaves this machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

[ -d node_modules/@pulumi/pulumi ] || npm ci --no-audit --no-fund
npm run --silent build
bash scripts/install-engine.sh
# The serialized provider requires `pulumi-pipecat-secrets/implementation` from the program's
# folder, as it would from a user's node_modules: point that name at this checkout.
ln -sfn .. node_modules/pulumi-pipecat-secrets

work=$(mktemp -d)
emulator_pid=""
cleanup() {
  [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

api_key="demo-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
node dist/emulator/cli.js --port 0 --port-file "$work/port" --api-key "$api_key" --ready-after-ms 300 >"$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "the emulator did not start:"; cat "$work/emulator.log"; exit 1; }

export PATH="$root/.pulumi-engine/bin:$PATH"
export PULUMI_HOME="$work/home" PULUMI_BACKEND_URL="file://$work/state" PULUMI_CONFIG_PASSPHRASE="demo"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PIPECAT_API_URL="http://127.0.0.1:$(cat "$work/port")/v1"
mkdir -p "$work/state"

echo "== Pipecat Cloud emulator at $PIPECAT_API_URL"
pulumi stack init demo --non-interactive >/dev/null
pulumi config set --secret pipecat:apiKey "$api_key" >/dev/null
pulumi config set --secret openaiKey "sk-demo-openai-$RANDOM" >/dev/null
pulumi config set --secret dailyKey "demo-daily-$RANDOM" >/dev/null
pulumi config set dockerUser demo-bot >/dev/null
pulumi config set --secret dockerToken "demo-token-$RANDOM" >/dev/null

echo "== pulumi up"
pulumi up --yes --non-interactive --skip-preview
echo "== stack outputs"
pulumi stack output --json
echo "== sets in the emulator (names, kinds and readiness; the API never returns values)"
curl -s -H "Authorization: Bearer $api_key" "$PIPECAT_API_URL/secrets"; echo
echo "== pulumi destroy"
pulumi destroy --yes --non-interactive --skip-preview
pulumi stack rm demo --yes --non-interactive >/dev/null
echo "== done: the emulator is empty again: $(curl -s -H "Authorization: Bearer $api_key" "$PIPECAT_API_URL/secrets")"
