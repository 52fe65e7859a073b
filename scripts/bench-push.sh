#!/usr/bin/env bash
# bench-push.sh: time pkg-push against the ORAS CLI on a local Distribution registry,
# side by side, and print a markdown table of medians (docs/BENCHMARKS.md, ## pkg-push).
#
#   scripts/bench-push.sh              RUNS=5 by default; KEEP=1 keeps the work directory
#
# Cases: (1) a package whose content is one 100 MiB file, pushed to a new repository
# each run with an empty layer cache, against `oras push` of the same directory; (2) the
# same package pushed again unchanged (same repository, warm cache); (3) 10,000 small
# files, fresh each run, against `oras push`. oras tars and gzips a directory too
# (compress/gzip at its default level), so both tools do the same work.
#
# Content is generated, not downloaded, and the same on every machine: math/rand/v2's
# PCG with fixed seeds (package lib/internal/benchdata, which the Go benchmarks use
# too). The 100 MiB file is 64 KiB blocks, each with probability
# 1/4 random bytes (like embedded compressed assets) and otherwise log-like text lines;
# it compresses to about half, like a real program. The small files are 200–4,000 byte
# slices of the same kind of content, 100 to a directory.
#
# Each case runs pkg-push and oras in turns (after a warm-up run of each) and reports
# medians; hyperfine would run all of one tool, then all of the other, so a burst of
# load elsewhere on the machine would land on one side only. Needs go, awk and
# scripts/registry.sh's registry. Progress and per-run times go to stderr, the markdown
# table to stdout. About 2 minutes on 2 cores, once oras is built.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-5}
ORAS_VERSION=v1.3.2

# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"

log "building pkg-push"
(cd "$root" && go build -o "$bin/pkg-push" ./cmd-push)
export XDG_CACHE_HOME=$work/cache # pkg-push's layer cache: emptied before every cold run
export SOURCE_DATE_EPOCH=1700000000
cd "$work"

# A new repository for every run: "${EPOCHREALTIME/./}" is expanded by the shell each
# time, so nothing is already there (the registry keeps blobs per repository).
# shellcheck disable=SC2016 # expanded later, by the shell that runs each command
fresh='${EPOCHREALTIME/./}'
results=$work/results
: >"$results"

# seconds CMD: run CMD in bash and print its wall time in seconds.
seconds() {
	local start=$EPOCHREALTIME
	if ! bash -c "$1" >/dev/null 2>"$work/stderr"; then
		log "error: $1 failed:"
		cat "$work/stderr" >&2
		exit 1
	fi
	awk "BEGIN { printf \"%.3f\", $EPOCHREALTIME - $start }"
}

# compare NAME RUNS PREPARE PKG_CMD ORAS_CMD: after a warm-up run of each, run the two
# in alternation RUNS times, PREPARE before each, and record each one's median. Taking
# turns (rather than all runs of one, then all of the other, as hyperfine does) spreads
# whatever else the machine is doing over both tools alike.
compare() {
	local name=$1 runs=$2 prepare=$3 pkg=$4 oras=$5 i t pkg_times=() oras_times=()
	log "$name: $pkg"
	log "$name: $oras"
	for ((i = 0; i <= runs; i++)); do
		[[ -z $prepare ]] || bash -c "$prepare"
		t=$(seconds "$pkg")
		((i == 0)) || pkg_times+=("$t")
		[[ -z $prepare ]] || bash -c "$prepare"
		t=$(seconds "$oras")
		((i == 0)) || oras_times+=("$t")
	done
	log "$name: pkg-push ${pkg_times[*]}; oras ${oras_times[*]} (seconds)"
	printf '%s-pkg %s\n%s-oras %s\n' "$name" "$(median "${pkg_times[@]}")" "$name" "$(median "${oras_times[@]}")" >>"$results"
}

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
clear_cache="rm -rf $XDG_CACHE_HOME"
compare big "$RUNS" "$clear_cache" \
	"pkg-push big --to $addr/bench/big-$fresh" \
	"cd big && oras push --plain-http $addr/bench/oras-big-$fresh:1 content"
# The warm-up run pushes (and fills the cache); the timed runs find everything there.
# oras has no such cache: it packs the directory again to learn the digest.
compare repush "$RUNS" "" \
	"pkg-push big --to $addr/bench/big-again" \
	"cd big && oras push --plain-http $addr/bench/oras-big-again:1 content"
compare small "$RUNS" "$clear_cache" \
	"pkg-push small --to $addr/bench/small-$fresh" \
	"cd small && oras push --plain-http $addr/bench/oras-small-$fresh:1 content"

get() { sed -n "s/^$1 //p" "$results"; }
row() { # CASE PKG ORAS TARGET OK
	printf '| %s | %.2f s | %.2f s | %.2f× | %s | %s |\n' "$1" "$2" "$3" "$(awk "BEGIN { print $2 / $3 }")" "$4" "$5"
}
yes_no() { awk "BEGIN { print ($1) ? \"yes\" : \"**no**\" }"; }

big_pkg=$(get big-pkg) big_oras=$(get big-oras)
re_pkg=$(get repush-pkg) re_oras=$(get repush-oras)
small_pkg=$(get small-pkg) small_oras=$(get small-oras)
printf '\n%s cores (%s); load average %s before, %s after\n\n' "$(nproc)" \
	"$(sed -n 's/^Model name:[[:space:]]*//p' < <(lscpu) | head -1)" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "| case | pkg-push | oras push | ratio | target | met |"
echo "|---|---|---|---|---|---|"
row "100 MiB file, new repository, empty cache" "$big_pkg" "$big_oras" "≤ 0.70×" "$(yes_no "$big_pkg <= 0.70 * $big_oras")"
row "100 MiB file again, unchanged" "$re_pkg" "$re_oras" "pkg-push < 0.30 s" "$(yes_no "$re_pkg < 0.30")"
row "10,000 small files, new repository, empty cache" "$small_pkg" "$small_oras" "≤ 1.00×" "$(yes_no "$small_pkg <= $small_oras")"
printf '\nMedians of %s runs each, the two tools taking turns, after one warm-up run each.\n' "$RUNS"
