#!/usr/bin/env bash
# bench-gc.sh: measure pkg-gc on a big store and print a markdown table
# (docs/BENCHMARKS.md, ## pkg-gc).
#
#   scripts/bench-gc.sh            RUNS=3 by default; KEEP=1 keeps the work directory;
#                                  TMPFS=0 skips the runs on /dev/shm
#
# The store (genStore in lib/gc/bench_test.go, deterministic): 5,000 package trees of
# four read-only files and 50,000 blobs (each package: a manifest, a config and eight
# layers), every other package recorded in installed.yaml with its bin/ link, so half
# of the trees and half of the blobs are garbage. It is written once and copied for
# each run. Each run measures the real binary with /usr/bin/time (wall time, peak RSS):
# `pkg-gc --dry-run -o yaml` and then `pkg-gc -o yaml` on the same copy. The runs go on
# the work directory's filesystem and, unless TMPFS=0, on /dev/shm as well, which
# takes the disk out of the picture; the log line of a run on a block device also
# counts the discards on its device meanwhile. Then `go test -bench` reports ns/op and
# B/op of gc.Collect in-process. Progress goes to stderr, the table to stdout.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf 'bench-gc.sh: %s\n' "$*" >&2; }
RUNS=${RUNS:-3}

[[ -x /usr/bin/time ]] || {
	log "error: /usr/bin/time is missing (apt-get install time)"
	exit 1
}
work=$(mktemp -d "${TMPDIR:-/tmp}/longshore-bench-gc.XXXXXX")
shm=""
cleanup() {
	[[ -n $shm ]] && rm -rf "$shm"
	if [[ ${KEEP:-0} == 1 ]]; then
		log "kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

log "building pkg-gc"
(cd "$root" && go build -o "$work/pkg-gc" ./cmd-gc)
log "writing the store (5,000 trees, 50,000 blobs)"
start=$(date +%s)
(cd "$root/lib" && LONGSHORE_BENCH_STORE=$work/template go test -count=1 -run '^TestBenchStore$' ./gc >&2)
log "written in $(($(date +%s) - start)) s"

# discards DIR: how many discard requests the block device under DIR has completed
# (field 12 of /sys/class/block/DEV/stat), or nothing when DIR is not on one. On a
# filesystem mounted with `discard` every freed block is discarded as it is freed.
discards() {
	local dev
	dev=$(df --output=source "$1" | tail -1)
	[[ -r /sys/class/block/${dev##*/}/stat ]] && awk '{print $12}' "/sys/class/block/${dev##*/}/stat"
	return 0
}

# measure DIR LABEL: RUNS runs on copies of the template under DIR.
measure() {
	local dir=$1 label=$2 i d0 d1
	for ((i = 1; i <= RUNS; i++)); do
		rm -rf "${dir:?}/home"
		cp -a "$work/template" "$dir/home"
		sync
		/usr/bin/time -f '%e %M' -o "$work/dry.time" env LONGSHORE_HOME="$dir/home" "$work/pkg-gc" --dry-run -o yaml >"$work/dry.yaml"
		d0=$(discards "$dir")
		/usr/bin/time -f '%e %M' -o "$work/run.time" env LONGSHORE_HOME="$dir/home" "$work/pkg-gc" -o yaml >"$work/run.yaml"
		d1=$(discards "$dir")
		for f in dry run; do
			if [[ $(grep -c '^  - kind: ' "$work/$f.yaml") != 27500 ]]; then
				log "error: $f removed $(grep -c '^  - kind: ' "$work/$f.yaml") items, want 27,500"
				exit 1
			fi
		done
		read -r dry_s dry_kb <"$work/dry.time"
		read -r run_s run_kb <"$work/run.time"
		log "$label run $i: dry run ${dry_s} s ${dry_kb} KB, collection ${run_s} s ${run_kb} KB${d0:+, $((d1 - d0)) discards} (load $(cut -d' ' -f1-3 /proc/loadavg))"
		printf '| %s | %d | %s s | %d MB | %s s | %d MB |\n' "$label" "$i" "$dry_s" $((dry_kb / 1024)) "$run_s" $((run_kb / 1024)) >>"$work/table.md"
	done
	rm -rf "${dir:?}/home"
}

: >"$work/table.md"
measure "$work" "disk ($(df --output=fstype "$work" | tail -1 | tr -d ' '))"
if [[ ${TMPFS:-1} == 1 && -d /dev/shm && -w /dev/shm ]]; then
	shm=$(mktemp -d /dev/shm/longshore-bench-gc.XXXXXX)
	measure "$shm" "tmpfs (/dev/shm)"
fi

log "go test -bench (gc.Collect in-process, on the disk)"
(cd "$root/lib" && go test -count=1 -run '^$' -bench '^BenchmarkCollect' -benchtime 1x -benchmem ./gc) >"$work/bench.txt" 2>&1 || {
	cat "$work/bench.txt" >&2
	exit 1
}
grep '^Benchmark' "$work/bench.txt" >&2

echo "| filesystem | run | --dry-run | peak RSS | collection | peak RSS |"
echo "|---|---|---|---|---|---|"
cat "$work/table.md"
echo
echo '```'
grep '^Benchmark' "$work/bench.txt"
echo '```'
