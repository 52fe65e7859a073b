#!/usr/bin/env bash
# bench-tap.sh: measure the index at scale against a local Distribution registry and
# print a markdown table (docs/BENCHMARKS.md, ## pkg-tap index).
#
#   scripts/bench-tap.sh            KEEP=1 keeps the work directory
#
# It generates the index of 10,000 packages × 10 versions (deterministic: genPackages in
# lib/index/gen_test.go; two platforms and one dependency per version), publishes it to
# a registry started with scripts/registry.sh, and measures (TestBenchTapReport in
# lib/index/bench_test.go):
#   - index.Fetch of an unchanged index: time (median of 20, straight to the registry)
#     and requests (counted by an in-process proxy in front of the registry);
#   - `pkg-tap index add` of one entry to the big index: wall time of the real binary
#     (built here with go build), median of 5;
#   - index.Fetch after one package changed: bytes and requests, against the index size;
#   - `pkg-tap update` of an unchanged tap over that index, when the tap verbs exist.
# Progress goes to stderr, the table to stdout. About half a minute on 2 cores.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf 'bench-tap.sh: %s\n' "$*" >&2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/longshore-bench-tap.XXXXXX")
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

log "building pkg-tap"
(cd "$root" && go build -o "$work/pkg-tap" ./cmd-tap)
addr=$("$root/scripts/registry.sh" start)
log "registry at $addr"

out=$work/report.txt
(cd "$root/lib" && LONGSHORE_BENCH_REGISTRY=$addr LONGSHORE_BENCH_PKGTAP=$work/pkg-tap \
	go test -count=1 -run '^TestBenchTapReport$' -v ./index) >"$out" 2>&1 || {
	cat "$out" >&2
	log "error: the benchmark failed"
	exit 1
}
grep -v '^|' "$out" >&2 || true
grep '^|' "$out"
