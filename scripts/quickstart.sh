#!/usr/bin/env bash
# quickstart: the whole loop on the embedded default, a local OCI layout registry
# (ocidir://), with no server: build and install the binaries into a temporary prefix,
# publish the example package, install it into a fresh store, show it and run it.
# Everything lives in one temporary directory, removed at the end (KEEP=1 keeps it).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/longshore-quickstart.XXXXXX")
if [[ "${KEEP:-0}" != 1 ]]; then
  trap 'rm -rf "$work"' EXIT
fi

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
show() { printf '$ %s\n' "$*" >&2; "$@"; }

step "Build and install the longshore binaries into $work/prefix"
PREFIX="$work/prefix" "$root/scripts/install.sh"
export PATH="$work/prefix/bin:$PATH"
export LONGSHORE_HOME="$work/home"   # the local store; default ~/.longshore
cd "$work"
cp -R "$root/manifests/examples/hello" ./hello

step "Publish the example package to a local layout registry (no server needed)"
show pkg-push ./hello --to ocidir://./registry/hello -o yaml | tee published.yaml

step "Publishing again uploads nothing: same inputs, same digest"
show pkg-push ./hello --to ocidir://./registry/hello -o name

step "Install it into the local store, verifying every blob"
show pkg-pull ocidir://./registry/hello:1.0.0 -o yaml

step "The binaries compose through YAML: install exactly what was published"
show pkg-pull -f published.yaml -o name

step "What is installed"
show pkg-pull list -o table

step "Run it through the linked entry point"
show "$LONGSHORE_HOME/bin/hello"

step "Any OCI tool can read the artifact: the manifest pkg-push wrote"
digest=$(sed -n 's/^digest: sha256:\(.*\)$/\1/p' published.yaml | head -1)
show cat "registry/hello/blobs/sha256/$digest"
echo >&2

step "Done. The same commands work against any OCI registry:"
cat >&2 <<'TXT'
  pkg-push ./hello --to localhost:5000/demo/hello
  pkg-pull localhost:5000/demo/hello:1.0.0
  kubectl pkg pull localhost:5000/demo/hello:1.0.0     # as a kubectl plugin
  git pkg push ./hello --to localhost:5000/demo/hello  # as a git plugin
TXT
