# bench-lib.sh: what scripts/bench-push.sh and scripts/bench-pull.sh share, sourced by
# both after they set root and ORAS_VERSION: a work directory removed on exit (KEEP=1
# keeps it), the ORAS CLI built from the module proxy, the seeded content of
# lib/internal/benchdata (big/content: one 100 MiB file; small/content: 10,000 files;
# random/content when BENCH_KINDS asks), a registry of their own started with
# scripts/registry.sh ($addr), and PATH with $bin first. Each script then builds its own
# binaries into $bin and measures.
# shellcheck shell=bash
: "${root:?bench-lib.sh is sourced by a script that sets root}"

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/longshore-bench.XXXXXX")
# A state file of our own: another registry started by registry.sh is not ours to stop.
export LONGSHORE_REGISTRY_STATE=$work/registry.state
cleanup() {
	"$root/scripts/registry.sh" stop 2>/dev/null || true
	if [[ ${KEEP:-0} == 1 ]]; then
		log "kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

bin=$work/bin
mkdir -p "$bin"

log "building oras $ORAS_VERSION (go install of it is refused by the module proxy)"
oras_dir=$(cd / && GOWORK=off go mod download -json "oras.land/oras@$ORAS_VERSION" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[[ -n $oras_dir ]] || {
	log "error: go mod download did not say where oras $ORAS_VERSION is"
	exit 1
}
(cd "$oras_dir" && GOWORK=off go build -o "$bin/oras" ./cmd/oras)

log "generating the content (seeded: lib/internal/benchdata)"
(cd "$root" && go build -o "$bin/benchgen" ./lib/internal/benchdata/benchgen)
# BENCH_KINDS: the packages to generate; a script may add random (one 100 MiB file of
# random bytes) before sourcing this file.
for kind in ${BENCH_KINDS:-big small}; do
	mkdir -p "$work/$kind"
	cat >"$work/$kind/package.yaml" <<EOF
apiVersion: longshore.dev/v1alpha1
kind: Package
metadata:
  name: bench-$kind
  version: 1.0.0
spec:
  platforms:
    any: content
EOF
done
"$bin/benchgen" big "$work/big/content" $((100 << 20))
"$bin/benchgen" small "$work/small/content" 10000
if [[ " ${BENCH_KINDS:-} " == *" random "* ]]; then
	"$bin/benchgen" random "$work/random/content" $((100 << 20))
fi
log "content: $(du -sh "$work/big/content" | cut -f1) in 1 file, $(du -sh --apparent-size "$work/small/content" | cut -f1) in $(find "$work/small/content" -type f | wc -l) files"

# shellcheck disable=SC2034 # read by the scripts that source this file
addr=$("$root/scripts/registry.sh" start)
export PATH=$bin:$PATH
