#!/usr/bin/env bash
# Installs a real Pulumi engine into .pulumi-engine/bin (gitignored) for the end-to-end tests and the
# demo (the tests keep to exactly the version of engine/go.mod; the demo takes any recent installed Pulumi,
# see --demo below):
#   pulumi                          the CLI, built from the Go module github.com/pulumi/pulumi/pkg/v3
#   pulumi-language-nodejs          our minimal Node.js language host (engine/languagehost)
#   pulumi-resource-pulumi-nodejs   symlink to the dynamic-provider plugin shipped in @pulumi/pulumi
#
# The version comes from engine/go.mod. If a `pulumi` of exactly that version is already on PATH with
# a `pulumi-language-nodejs` beside it, those two are symlinked instead of building. A build is skipped
# when both binaries exist and the stamp file records the same inputs (go.mod, go.sum, Go sources, Go
# version). Needs Go and the Go module proxy; expects `npm ci` to have been run (node_modules).
# On 2 idle cores a cold build (empty Go build and module caches) takes 5-6 minutes: about 15 s of module
# download (1.4 GB of module cache) and the rest compiling the CLI; on a 2-core machine busy with other
# work a user measured 21 minutes, and we 31 min (88 s download, 29 min compiling) at a load average of
# 17. With Go's caches warm, a fresh clone's build takes ~1 min (relinking the CLI); rebuilding after a
# change to the language host ~20 s; an up-to-date run ~0.2 s. While building, a progress line (phase,
# elapsed time) is printed every INSTALL_ENGINE_PROGRESS_SECONDS (default 20).
#
# --demo (scripts/demo.sh): first looks for any installed `pulumi` from 3.139 (the oldest the package
# supports) to 3.x, with the `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs` it comes with
# beside it, and uses it as it is (nothing is linked into .pulumi-engine/bin, which stays the tests'
# engine); only without one does it install the pinned engine as above. Either way it writes the
# directory the demo should put first on PATH into .pulumi-engine/demo-path.
# PULUMI_ENGINE_DIR moves .pulumi-engine elsewhere (the tests of this script use it).
set -euo pipefail

demo=false
case "${1:-}" in
  --demo) demo=true ;;
  "") ;;
  *) echo "usage: install-engine.sh [--demo]" >&2; exit 2 ;;
esac

start=$(date +%s.%N)
root=$(cd "$(dirname "$0")/.." && pwd)
engine_src="$root/engine"
engine_dir="${PULUMI_ENGINE_DIR:-$root/.pulumi-engine}"
bin="$engine_dir/bin"
stamp="$engine_dir/stamp"
demo_path="$engine_dir/demo-path"
progress_every="${INSTALL_ENGINE_PROGRESS_SECONDS:-20}"
oldest_supported=3.139.0

say() { echo "install-engine: $*"; }
elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1fs", e - s }'; }
minsec() { printf "%dm%02ds" $(($1 / 60)) $(($1 % 60)); }
running=""
# step NAME COMMAND...: runs a build step, prints a progress line every $progress_every s while it runs
# (a cold build is silent for minutes otherwise), and reports how long it took.
step() {
  local name=$1 t0 s0 next now
  shift
  t0=$(date +%s.%N)
  s0=$(date +%s)
  next=$((s0 + progress_every))
  "$@" &
  running=$!
  while kill -0 "$running" 2>/dev/null; do
    sleep 1
    now=$(date +%s)
    if [ "$now" -ge "$next" ]; then
      say "  ... $name: $(minsec $((now - s0))) so far (whole install $(minsec $((now - ${start%.*}))); $estimate)"
      next=$((next + progress_every))
    fi
  done
  wait "$running"
  running=""
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

# 0. The demo: any installed Pulumi recent enough, as it comes (its own language host and plugin).
if $demo; then
  while IFS= read -r candidate; do
    dir=$(cd "$(dirname "$(readlink -f "$candidate")")" && pwd -P)
    [ -d "$bin" ] && [ "$dir" = "$(cd "$bin" && pwd -P)" ] && continue # our own engine, on PATH
    [ -x "$dir/pulumi-language-nodejs" ] && [ -e "$dir/pulumi-resource-pulumi-nodejs" ] || continue
    found=$("$candidate" version 2>/dev/null || true)
    plain=${found#v}
    plain=${plain%%[-+]*}
    [[ "$plain" =~ ^3\.[0-9]+\.[0-9]+$ ]] || continue
    [ "$(printf '%s\n%s\n' "$oldest_supported" "$plain" | sort -V | head -n1)" = "$oldest_supported" ] || continue
    mkdir -p "$engine_dir"
    echo "$dir" >"$demo_path"
    finish "the demo uses the installed Pulumi $found from $dir (nothing to build)"
    exit 0
  done < <(type -aP pulumi || true)
fi

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
  $demo && echo "$bin" >"$demo_path"
  finish "linked the installed Pulumi $version from $dir into $bin"
  exit 0
done < <(type -aP pulumi || true)

# 2. Build from Go modules, unless the binaries there were built from the same inputs.
if $demo; then
  command -v go >/dev/null || die "no Pulumi from $oldest_supported on PATH (with pulumi-language-nodejs beside it), and no Go to build one: install Pulumi (https://www.pulumi.com/docs/install/) or Go, then run again"
else
  command -v go >/dev/null || die "Go is needed to build the Pulumi engine (no pulumi $version on PATH)"
fi
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
  $demo && echo "$bin" >"$demo_path"
  finish "Pulumi $version is up to date in $bin"
  exit 0
fi

modcache=$(go env GOMODCACHE)
if [ -d "$modcache/github.com/pulumi/pulumi/pkg/v3@$version" ]; then
  estimate="with Go's caches from an earlier build usually under 2 min, longer if its build cache was cleared"
  say "building Pulumi $version and the Node.js language host from Go modules ($estimate)"
else
  estimate="a first build takes 5-6 min on 2 idle cores, 20-30 min on a busy 2-core machine"
  say "building Pulumi $version and the Node.js language host from Go modules, once: $estimate (1.4 GB of Go modules, then compiling)"
  $demo && say "  (with Pulumi $oldest_supported or newer installed, the demo uses it and builds nothing: https://www.pulumi.com/docs/install/)"
fi
say "  a progress line every ${progress_every} s"
rm -f "$stamp"
# The engine refuses to run some commands unless it knows its own version.
ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"
tmp=$(mktemp -d "$engine_dir/build.XXXXXX")
trap '[ -n "$running" ] && kill "$running" 2>/dev/null; rm -rf "$tmp"' EXIT
(
  cd "$engine_src"
  trap '[ -z "$running" ] || kill "$running" 2>/dev/null' EXIT # an interrupted install stops its go build
  step "downloading Go modules" go mod download
  step "compiling the pulumi CLI" go build -buildvcs=false -ldflags "$ldflags" -o "$tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  step "compiling pulumi-language-nodejs" go build -buildvcs=false -ldflags "$ldflags" -o "$tmp/pulumi-language-nodejs" ./languagehost
)
# Replace the old binaries only once both built, so an interrupted build leaves no half-installed set.
mv -f "$tmp/pulumi" "$tmp/pulumi-language-nodejs" "$bin/"
built=$("$bin/pulumi" version)
[ "$built" = "$version" ] || die "the built pulumi reports version '$built', expected $version"
echo "build:$inputs" >"$stamp"
$demo && echo "$bin" >"$demo_path"
finish "built Pulumi $version into $bin"
