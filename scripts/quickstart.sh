#!/usr/bin/env bash
# quickstart: the whole loop on the embedded default, local OCI layout registries
# (ocidir://), with no server: build and install the binaries into a temporary prefix,
# init → lint → push → index → tap → resolve → add → upgrade → exec → gc.
# Everything lives in one temporary directory, removed at the end (KEEP=1 keeps it).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/longshore-quickstart.XXXXXX")
if [[ "${KEEP:-0}" != 1 ]]; then
  trap 'rm -rf "$work"' EXIT
fi

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
show() { printf '$ %s\n' "$*" >&2; "$@"; }
# pipeline 'A | B': shows a pipeline as one command line, then runs it.
pipeline() { printf '$ %s\n' "$1" >&2; eval "$1"; }

step "Build and install the longshore binaries into $work/prefix"
PREFIX="$work/prefix" "$root/scripts/install.sh"
export PATH="$work/prefix/bin:$PATH"
export LONGSHORE_HOME="$work/home"          # the local store; default ~/.longshore
export XDG_CACHE_HOME="$work/cache"         # pkg-push's layer cache; default ~/.cache
cd "$work"

step "Scaffold a new package and lint it: it warns of what init left for the publisher"
show pkg-push init ./greeter
show pkg-push lint ./greeter -o table

step "Say what it is and where it lives, as a publisher does; then lint --strict passes"
pipeline "sed -e 's/greeter, a package published with longshore/Greets whoever runs it/' -e 's|github.com/OWNER/|github.com/example-org/|' greeter/package.yaml > package.yaml.new && mv package.yaml.new greeter/package.yaml"
show pkg-push lint ./greeter --strict

step "Publish it, and the example package, to a local layout registry (no server needed)"
show pkg-push ./greeter --to ocidir://./registry/greeter --cascade -o yaml | tee greeter.yaml
cp -R "$root/manifests/examples/hello" ./hello
show pkg-push ./hello --to ocidir://./registry/hello -o yaml | tee hello.yaml

step "Publishing again uploads nothing: same inputs, same digest"
show pkg-push ./hello --to ocidir://./registry/hello -o name

step "Publish an index of both packages (what a tap serves): pkg-push output feeds pkg-tap"
pipeline 'cat greeter.yaml hello.yaml | pkg-tap index add -f - --to ocidir://./registry/index -o name'

step "Tap the index, search it, show a package"
show pkg-tap add demo ocidir://./registry/index
show pkg-tap list -o table
show pkg-tap search hello -o table
show pkg-tap show demo/hello -o table

step "Resolve a request into a lock (versions, digests, install order), then install exactly that"
show pkg-dep resolve demo/hello -o yaml | tee hello.lock.yaml
show pkg-pull -f hello.lock.yaml -o name

step "Or add by name: resolve and install in one step (what kubectl pkg add does)"
show pkg-pull add demo/greeter -o name

step "What is installed"
show pkg-pull list -o table

step "Publish a new version of greeter; upgrade moves the installed one to it"
sed -i.bak 's/^  version: 0\.1\.0$/  version: 0.2.0/' greeter/package.yaml && rm greeter/package.yaml.bak
pipeline 'pkg-push ./greeter --to ocidir://./registry/greeter -o yaml | pkg-tap index add -f - --to ocidir://./registry/index -o name'
show pkg-pull upgrade --dry-run -o table
show pkg-pull upgrade -o name

step "Run them: through the linked entry points, and inside the composed environment"
show "$LONGSHORE_HOME/bin/greeter"
show pkg-pull exec hello -- hello
show pkg-pull env hello --shell bash

step "Remove one, then collect what nothing references any more"
show pkg-pull remove greeter -o name
show pkg-gc --dry-run -o table
show pkg-gc -o table

step "Any OCI tool can read the artifact: the manifest pkg-push wrote"
digest=$(sed -n 's/^digest: sha256:\(.*\)$/\1/p' hello.yaml | head -1)
show cat "registry/hello/blobs/sha256/$digest"
echo >&2

step "Done. The same commands work against any OCI registry:"
cat >&2 <<'TXT'
  pkg-push ./hello --to localhost:5000/demo/hello -o yaml | pkg-tap index add -f - --to localhost:5000/demo/index
  pkg-tap add demo localhost:5000/demo/index
  pkg-pull localhost:5000/demo/hello:1.0.0
  kubectl pkg add hello                                # as a kubectl plugin
  git pkg push ./hello --to localhost:5000/demo/hello  # as a git plugin
TXT
