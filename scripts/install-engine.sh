#!/usr/bin/env bash
# Installs a real Pulumi engine into .pulumi-engine/bin (gitignored) for the end-to-end tests and the
# demo:
#   pulumi                          the CLI, built from the Go module github.com/pulumi/pulumi/pkg/v3
#   pulumi-language-nodejs          our minimal Node.js language host (engine/languagehost)
#   pulumi-resource-pulumi-nodejs   symlink to the dynamic-provider plugin shipped in @pulumi/pulumi
#
# The version comes from engine/go.mod. If a `pulumi` of exactly that version is already on PATH with
# a `pulumi-language-nodejs` beside it, those two are symlinked instead of building. A build is skipped
# when both binaries exist and the stamp file records the same inputs (go.mod, go.sum, Go sources, Go
# version). Needs Go and the Go module proxy; expects `npm ci` to have been run (node_modules).
# On 2 cores a cold build (empty Go build and module caches) takes 5-6 minutes: about 15 s of module
# download (1.4 GB of module cache) and the rest compiling the CLI. Rebuilding after a change to the
# language host takes ~20 s with a warm cache (relinking the CLI); an up-to-date run takes ~0.2 s.
set -euo pipefail

start=$(date +%s.%N)
root=$(cd "$(dirname "$0")/.." && pwd)
engine_src="$root/engine"
bin="$root/.pulumi-engine/bin"
stamp="$root/.pulumi-engine/stamp"

say() { echo "install-engine: $*"; }
elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1fs", e - s }'; }
# step NAME COMMAND...: runs a build step and reports how long it took.
step() {
  local name=$1 t0
  shift
  t0=$(date +%s.%N)
  "$@"
  say "  $name: $(elapsed "$t0")"
}
die() { echo "install-engine: error: $*" >&2; exit 1; }
finish() { say "$1 (took $(elapsed "$start"))"; }

version=$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { print $2; exit }' "$engine_src/go.mod")
[ -n "$version" ] || die "no github.com/pulumi/pulumi/pkg/v3 requirement in engine/go.mod"

plugin="$root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
[ -f "$plugin" ] || die "$plugin is missing: run 'npm ci' first"
sdk_version=$(node -p "require('$root/node_modules/@pulumi/pulumi/package.json').version" 2>/dev/null || echo "?")
[ "v$sdk_version" = "$version" ] ||
  say "warning: node_modules has @pulumi/pulumi $sdk_version but the engine is $version"

mkdir -p "$bin"
# The dynamic-provider plugin is a shell script that runs @pulumi/pulumi's provider with node from the
# program's directory. A relative link keeps working if the checkout moves.
ln -sfn ../../node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs "$bin/pulumi-resource-pulumi-nodejs"

# 1. An installed engine of the same version, with a Node.js language host beside it?
bin_real=$(cd "$bin" && pwd -P)
while IFS= read -r candidate; do
  dir=$(cd "$(dirname "$(readlink -f "$candidate")")" && pwd -P)
  [ "$dir" = "$bin_real" ] && continue # our own links or builds, already on PATH
  [ -x "$dir/pulumi-language-nodejs" ] || continue
  [ "$("$candidate" version 2>/dev/null || true)" = "$version" ] || continue
  ln -sfn "$dir/pulumi" "$bin/pulumi"
  ln -sfn "$dir/pulumi-language-nodejs" "$bin/pulumi-language-nodejs"
  echo "path:$dir" >"$stamp"
  finish "linked the installed Pulumi $version from $dir into $bin"
  exit 0
done < <(type -aP pulumi || true)

# 2. Build from Go modules, unless the binaries there were built from the same inputs.
command -v go >/dev/null || die "Go is needed to build the Pulumi engine (no pulumi $version on PATH)"
inputs=$(
  cd "$engine_src"
  {
    echo "$version"
    go version
    sha256sum go.mod go.sum
    find . -name '*.go' -type f | LC_ALL=C sort | xargs sha256sum
  } | sha256sum | cut -d' ' -f1
)
if [ -f "$bin/pulumi" ] && [ ! -L "$bin/pulumi" ] && [ -f "$bin/pulumi-language-nodejs" ] &&
  [ ! -L "$bin/pulumi-language-nodejs" ] && [ "$(cat "$stamp" 2>/dev/null)" = "build:$inputs" ]; then
  finish "Pulumi $version is up to date in $bin"
  exit 0
fi

say "building Pulumi $version and the Node.js language host from Go modules (a cold build takes minutes)"
rm -f "$stamp"
# The engine refuses to run some commands unless it knows its own version.
ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"
tmp=$(mktemp -d "$root/.pulumi-engine/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(
  cd "$engine_src"
  step "module download" go mod download
  step "pulumi" go build -buildvcs=false -ldflags "$ldflags" -o "$tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  step "pulumi-language-nodejs" go build -buildvcs=false -ldflags "$ldflags" -o "$tmp/pulumi-language-nodejs" ./languagehost
)
# Replace the old binaries only once both built, so an interrupted build leaves no half-installed set.
mv -f "$tmp/pulumi" "$tmp/pulumi-language-nodejs" "$bin/"
built=$("$bin/pulumi" version)
[ "$built" = "$version" ] || die "the built pulumi reports version '$built', expected $version"
echo "build:$inputs" >"$stamp"
finish "built Pulumi $version into $bin"
