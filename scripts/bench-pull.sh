#!/usr/bin/env bash
# bench-pull.sh: time pkg-pull against the ORAS CLI and against the raw download of the
# layer, side by side on a local Distribution registry, and print a markdown table of
# medians (docs/BENCHMARKS.md, ## pkg-pull).
#
#   scripts/bench-pull.sh              RUNS=5 by default; KEEP=1 keeps the work directory
#
# Cases: (1) a package whose content is one 100 MiB file: `pkg-pull REF` into an empty
# home, against `oras pull` of the same directory pushed with `oras push` (oras
# downloads the tar+gzip layer, then unpacks it), against `curl -o /dev/null` of the
# layer blob (the floor: bytes over the wire, nothing verified or written). The file is
# log-like text with random stretches, about half of it compressible; (1b) the same
# with a file of random bytes, whose layer is as big as the file; (2) 10,000
# small files, pkg-pull against oras pull; (3) `pkg-pull add` of a package already
# installed (through a tap, as a user types it), and `pkg-pull -f LOCK` of it; (4) the
# overhead of `pkg-pull exec PKG -- true` over running `true`; (5) a small package for
# two platforms through a proxy that delays each request by FAR_DELAY (25ms): a
# registry far away, where round trips are what an install costs.
#
# The content is generated, the same on every machine: math/rand/v2's PCG with fixed
# seeds (package lib/internal/benchdata, shared with scripts/bench-push.sh and the Go
# benchmarks). Each case runs the tools in turns, after a warm-up run of
# each, so that load elsewhere on the machine lands on all of them alike. Needs go,
# curl, awk and scripts/registry.sh's registry. Progress and per-run times go to stderr,
# the markdown table to stdout.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-5}
EXEC_LOOPS=${EXEC_LOOPS:-20}
ORAS_VERSION=v1.3.2

BENCH_KINDS="big small random"
# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"

log "building pkg-push, pkg-pull and pkg-tap as scripts/install.sh does"
for b in push pull tap; do
	(cd "$root" && go build -trimpath -ldflags "-s -w" -o "$bin/pkg-$b" "./cmd-$b")
done
export XDG_CACHE_HOME=$work/cache SOURCE_DATE_EPOCH=1700000000
cd "$work"

log "publishing (pkg-push for pkg-pull, oras push for oras pull)"
for kind in $BENCH_KINDS; do
	pkg-push "$kind" --to "$addr/bench/$kind" -o yaml >"$work/$kind.published.yaml" 2>/dev/null
	(cd "$kind" && oras push --plain-http "$addr/bench/oras-$kind:1" content >/dev/null)
done
# layer_of KIND: the digest of the package's (one) layer.
layer_of() {
	curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$addr/v2/bench/$1/manifests/1.0.0" |
		sed 's/.*"layers":\[//' | grep -o 'sha256:[a-f0-9]\{64\}' | head -1
}
size_of() {
	curl -fsSI "http://$addr/v2/bench/$1/blobs/$2" | tr -d '\r' | sed -n 's/^[Cc]ontent-[Ll]ength: //p'
}
layer=$(layer_of big) random_layer=$(layer_of random)
layer_size=$(size_of big "$layer") random_layer_size=$(size_of random "$random_layer")
log "the big package's layer: $layer, $layer_size bytes; the random one's: $random_layer, $random_layer_size bytes"

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
	awk "BEGIN { printf \"%.4f\", $EPOCHREALTIME - $start }"
}

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# compare NAME RUNS PREPARE LABEL=CMD...: after a warm-up run of each, run the commands
# in turns RUNS times, PREPARE (untimed) before each, and record each one's median as
# NAME-LABEL.
compare() {
	local name=$1 runs=$2 prepare=$3 i j t arg
	shift 3
	local labels=() cmds=() times=()
	for arg in "$@"; do
		labels+=("${arg%%=*}")
		cmds+=("${arg#*=}")
		times+=("")
		log "$name: ${arg#*=}"
	done
	for ((i = 0; i <= runs; i++)); do
		for j in "${!cmds[@]}"; do
			[[ -z $prepare ]] || bash -c "$prepare"
			t=$(seconds "${cmds[$j]}")
			((i == 0)) || times[j]+="$t "
		done
	done
	for j in "${!cmds[@]}"; do
		log "$name: ${labels[$j]} ${times[$j]}(seconds)"
		# shellcheck disable=SC2086 # the times are words
		printf '%s-%s %s\n' "$name" "${labels[$j]}" "$(median ${times[$j]})" >>"$results"
	done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# Each timed run writes into a new directory ("${EPOCHREALTIME/./}" is expanded by the
# shell that runs the command), with what the runs before wrote flushed first. Nothing
# is deleted between runs: on a filesystem mounted with discard, deleting thousands of
# files slows the creates that follow, and that would land on whichever tool came next.
# shellcheck disable=SC2016 # expanded later, by the shell that runs each command
fresh='${EPOCHREALTIME/./}'
mkdir -p "$work/homes" "$work/outs"
compare big "$RUNS" sync \
	"pkg=LONGSHORE_HOME=$work/homes/$fresh pkg-pull $addr/bench/big:1.0.0" \
	"oras=oras pull --plain-http -o $work/outs/$fresh $addr/bench/oras-big:1" \
	"curl=curl -fsS -o /dev/null http://$addr/v2/bench/big/blobs/$layer"
compare random "$RUNS" sync \
	"pkg=LONGSHORE_HOME=$work/homes/$fresh pkg-pull $addr/bench/random:1.0.0" \
	"oras=oras pull --plain-http -o $work/outs/$fresh $addr/bench/oras-random:1" \
	"curl=curl -fsS -o /dev/null http://$addr/v2/bench/random/blobs/$random_layer"
compare small "$RUNS" sync \
	"pkg=LONGSHORE_HOME=$work/homes/$fresh pkg-pull $addr/bench/small:1.0.0" \
	"oras=oras pull --plain-http -o $work/outs/$fresh $addr/bench/oras-small:1"

# add of an installed package: a tap holding both packages, the big one installed.
export LONGSHORE_HOME=$work/warm
cat "$work/big.published.yaml" "$work/small.published.yaml" | pkg-tap index add -f - --to "$addr/bench/index" >/dev/null
pkg-tap add bench "$addr/bench/index" >/dev/null
pkg-pull add bench-big >/dev/null
# The lock add installs, for pkg-pull -f.
digest=$(sed -n 's/^digest: //p' "$work/big.published.yaml")
cat >"$work/big.lock.yaml" <<EOF
apiVersion: longshore.dev/v1alpha1
kind: Lock
requests: [{name: bench-big}]
packages:
  - {name: bench-big, version: 1.0.0, repository: $addr/bench/big, digest: $digest, platforms: [{platform: any, digest: $digest}], reason: requested}
order: [bench-big]
EOF
compare installed "$((RUNS * 4))" "" \
	"add=pkg-pull add bench-big" \
	"lock=pkg-pull -f $work/big.lock.yaml"
# exec: EXEC_LOOPS calls of each in one shell, so the shell's own start is paid once;
# the direct run starts the same /usr/bin/true (not the shell's builtin).
# shellcheck disable=SC2016 # $(seq) is for the shell that runs the loop
loop() { printf 'for i in $(seq %d); do %s; done' "$EXEC_LOOPS" "$1"; }
true_bin=$(type -P true)
compare exec "$RUNS" "" \
	"exec=$(loop "pkg-pull exec bench-big -- $true_bin")" \
	"direct=$(loop "$true_bin")"

# A registry far away: latencyproxy waits FAR_DELAY before forwarding each request. A
# small package for two platforms (what pkg-push publishes for a real program), pulled
# from a Lock and by tag; oras pull of a small file by tag beside it.
FAR_DELAY=${FAR_DELAY:-25ms}
(cd "$root" && go build -o "$bin/latencyproxy" ./lib/internal/latencyproxy)
latencyproxy "$addr" "$FAR_DELAY" >"$work/far.addr" &
far_pid=$!
trap 'kill "$far_pid" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 50); do
	[[ -s $work/far.addr ]] && break
	sleep 0.1
done
far=$(head -1 "$work/far.addr")
[[ -n $far ]] || {
	log "error: latencyproxy did not start"
	exit 1
}
mkdir -p "$work/far/amd64" "$work/far/arm64" "$work/oras-far"
echo amd64 >"$work/far/amd64/which"
echo arm64 >"$work/far/arm64/which"
echo any >"$work/oras-far/which"
cat >"$work/far/package.yaml" <<'EOF'
apiVersion: longshore.dev/v1alpha1
kind: Package
metadata:
  name: bench-far
  version: 1.0.0
spec:
  platforms:
    linux/amd64: amd64
    linux/arm64: arm64
EOF
pkg-push "$work/far" --to "$addr/bench/far" -o yaml >"$work/far.published.yaml" 2>/dev/null
(cd "$work/oras-far" && oras push --plain-http "$addr/bench/oras-far:1" which >/dev/null)
far_platforms=$(awk '/^platforms:/ { on = 1; next } on && /platform:/ { p = $3 } on && /digest:/ { printf "%s{platform: %s, digest: %s}", sep, p, $2; sep = ", " }' "$work/far.published.yaml")
cat >"$work/far.lock.yaml" <<EOF
apiVersion: longshore.dev/v1alpha1
kind: Lock
requests: [{name: bench-far}]
packages:
  - {name: bench-far, version: 1.0.0, repository: $far/bench/far, digest: $(sed -n 's/^digest: //p' "$work/far.published.yaml"), platforms: [$far_platforms], reason: requested}
order: [bench-far]
EOF
compare far "$RUNS" "" \
	"lock=LONGSHORE_HOME=$work/homes/$fresh pkg-pull -f $work/far.lock.yaml --platform linux/amd64" \
	"tag=LONGSHORE_HOME=$work/homes/$fresh pkg-pull $far/bench/far:1.0.0 --platform linux/amd64" \
	"oras=oras pull --plain-http -o $work/outs/$fresh $far/bench/oras-far:1"

get() { sed -n "s/^$1 //p" "$results"; }
yes_no() { awk "BEGIN { print ($1) ? \"yes\" : \"**no**\" }"; }
ms() { awk "BEGIN { printf \"%.1f ms\", $1 * 1000 }"; }
ratio() { awk "BEGIN { printf \"%.2f×\", $1 / $2 }"; }

big_pkg=$(get big-pkg) big_oras=$(get big-oras) big_curl=$(get big-curl)
random_pkg=$(get random-pkg) random_oras=$(get random-oras) random_curl=$(get random-curl)
small_pkg=$(get small-pkg) small_oras=$(get small-oras)
add=$(get installed-add) lock=$(get installed-lock)
exec_over=$(awk "BEGIN { print ($(get exec-exec) - $(get exec-direct)) / $EXEC_LOOPS }")
far_lock=$(get far-lock) far_tag=$(get far-tag) far_oras=$(get far-oras)
printf '\n%s cores (%s); load average %s before, %s after\n\n' "$(nproc)" \
	"$(sed -n 's/^Model name:[[:space:]]*//p' < <(lscpu) | head -1)" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "| case | pkg-pull | compared with | ratio | target | met |"
echo "|---|---|---|---|---|---|"
printf '| 100 MiB file, empty home | %.2f s | oras pull: %.2f s | %s | ≤ 0.80× | %s |\n' "$big_pkg" "$big_oras" \
	"$(ratio "$big_pkg" "$big_oras")" "$(yes_no "$big_pkg <= 0.8 * $big_oras")"
printf '| 100 MiB file, empty home | %.2f s | curl -o /dev/null of the layer: %.2f s | %s | ≤ 3× | %s |\n' "$big_pkg" "$big_curl" \
	"$(ratio "$big_pkg" "$big_curl")" "$(yes_no "$big_pkg <= 3 * $big_curl")"
printf '| 100 MiB file of random bytes, empty home | %.2f s | oras pull: %.2f s | %s | ≤ 0.80× | %s |\n' "$random_pkg" "$random_oras" \
	"$(ratio "$random_pkg" "$random_oras")" "$(yes_no "$random_pkg <= 0.8 * $random_oras")"
printf '| 100 MiB file of random bytes, empty home | %.2f s | curl -o /dev/null of the layer: %.2f s | %s | ≤ 3× | %s |\n' "$random_pkg" "$random_curl" \
	"$(ratio "$random_pkg" "$random_curl")" "$(yes_no "$random_pkg <= 3 * $random_curl")"
printf '| 10,000 small files, empty home | %.2f s | oras pull: %.2f s | %s | ≤ 1.00× | %s |\n' "$small_pkg" "$small_oras" \
	"$(ratio "$small_pkg" "$small_oras")" "$(yes_no "$small_pkg <= $small_oras")"
printf '| add of an installed package | %s | | | < 30 ms | %s |\n' "$(ms "$add")" "$(yes_no "$add < 0.030")"
printf '| pkg-pull -f LOCK, everything installed | %s | | | | |\n' "$(ms "$lock")"
printf '| exec overhead (exec PKG -- true, minus true) | %s | | | < 10 ms | %s |\n' "$(ms "$exec_over")" "$(yes_no "$exec_over < 0.010")"
printf '| small package, registry %s away, by tag | %s | oras pull: %s | %s | | |\n' "$FAR_DELAY" "$(ms "$far_tag")" "$(ms "$far_oras")" "$(ratio "$far_tag" "$far_oras")"
printf '| small package, registry %s away, from a Lock | %s | | | | |\n' "$FAR_DELAY" "$(ms "$far_lock")"
printf '\nMedians of %s runs each (%s for add and -f LOCK; %s calls a run for exec), the tools taking turns, after one warm-up run each.\n' \
	"$RUNS" "$((RUNS * 4))" "$EXEC_LOOPS"
