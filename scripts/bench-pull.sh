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
# layer blob (the floor: bytes over the wire, nothing verified or written); (2) 10,000
# small files, pkg-pull against oras pull; (3) `pkg-pull add` of a package already
# installed (through a tap, as a user types it), and `pkg-pull -f LOCK` of it; (4) the
# overhead of `pkg-pull exec PKG -- true` over running `true`.
#
# The content is generated, the same on every machine: math/rand/v2's PCG with fixed
# seeds, the same generator as scripts/bench-push.sh (and benchContent in
# lib/archive/bench_test.go). Each case runs the tools in turns, after a warm-up run of
# each, so that load elsewhere on the machine lands on all of them alike. Needs go,
# curl, awk and scripts/registry.sh's registry. Progress and per-run times go to stderr,
# the markdown table to stdout.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-5}
EXEC_LOOPS=${EXEC_LOOPS:-20}
ORAS_VERSION=v1.3.2

log() { printf 'bench-pull.sh: %s\n' "$*" >&2; }

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
log "building pkg-push, pkg-pull and pkg-tap as scripts/install.sh does"
for b in push pull tap; do
	(cd "$root" && go build -trimpath -ldflags "-s -w" -o "$bin/pkg-$b" "./cmd-$b")
done
log "building oras $ORAS_VERSION (go install of it is refused by the module proxy)"
oras_dir=$(cd / && GOWORK=off go mod download -json "oras.land/oras@$ORAS_VERSION" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[[ -n $oras_dir ]] || {
	log "error: go mod download did not say where oras $ORAS_VERSION is"
	exit 1
}
(cd "$oras_dir" && GOWORK=off go build -o "$bin/oras" ./cmd/oras)

log "generating the content (seeded)"
mkdir -p "$work/gen"
cat >"$work/gen/go.mod" <<'EOF'
module benchgen

go 1.26.0
EOF
cat >"$work/gen/main.go" <<'EOF'
// Command benchgen writes the benchmark content: `benchgen big DIR BYTES` one file,
// `benchgen small DIR COUNT` many. Keep content in step with benchContent in
// lib/archive/bench_test.go.
package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

func content(size int, seed uint64) []byte {
	levels := []string{"DEBUG", "INFO", "INFO", "INFO", "WARN", "ERROR"}
	words := []string{"fetch", "resolve", "install", "manifest", "layer", "index", "digest", "verify",
		"unpack", "registry", "blob", "config", "platform", "version", "tag", "cache", "hit", "miss",
		"upload", "download", "retry", "timeout", "linux/amd64", "darwin/arm64", "sha256", "ok", "failed"}
	rng := rand.New(rand.NewPCG(seed, 0x6c6f6e6773686f72))
	out := make([]byte, 0, size)
	const block = 64 << 10
	for len(out) < size {
		end := min(len(out)+block, size)
		if rng.IntN(4) == 0 {
			for len(out) < end {
				out = binary.LittleEndian.AppendUint64(out, rng.Uint64())
			}
			out = out[:end]
			continue
		}
		for len(out) < end {
			line := make([]byte, 0, 128)
			line = append(line, "2026-11-21T"...)
			line = strconv.AppendInt(line, 1000000+rng.Int64N(86400000000), 10)
			line = append(line, ' ')
			line = append(line, levels[rng.IntN(len(levels))]...)
			for n := 2 + rng.IntN(6); n > 0; n-- {
				line = append(line, ' ')
				line = append(line, words[rng.IntN(len(words))]...)
			}
			line = append(line, " id="...)
			line = strconv.AppendUint(line, rng.Uint64()>>16, 16)
			line = append(line, " ms="...)
			line = strconv.AppendInt(line, rng.Int64N(5000), 10)
			line = append(line, '\n')
			out = append(out, line[:min(len(line), end-len(out))]...)
		}
	}
	return out
}

func main() {
	dir := os.Args[2]
	n, err := strconv.Atoi(os.Args[3])
	check(err)
	check(os.MkdirAll(dir, 0o755))
	switch os.Args[1] {
	case "big":
		check(os.WriteFile(filepath.Join(dir, "payload.bin"), content(n, 1), 0o644))
	case "small":
		data := content(n*4000, 2)
		rng := rand.New(rand.NewPCG(2, 0x736d616c6c))
		for i := range n {
			sub := filepath.Join(dir, fmt.Sprintf("d%03d", i/100))
			check(os.MkdirAll(sub, 0o755))
			size := 200 + rng.IntN(3801)
			off := rng.IntN(len(data) - size)
			check(os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%05d.txt", i)), data[off:off+size], 0o644))
		}
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
}
EOF
(cd "$work/gen" && GOWORK=off go build -o "$bin/benchgen" .)
for kind in big small; do
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
log "content: $(du -sh "$work/big/content" | cut -f1) in 1 file, $(du -sh --apparent-size "$work/small/content" | cut -f1) in $(find "$work/small/content" -type f | wc -l) files"

addr=$("$root/scripts/registry.sh" start)
export PATH=$bin:$PATH
export XDG_CACHE_HOME=$work/cache SOURCE_DATE_EPOCH=1700000000
cd "$work"

log "publishing (pkg-push for pkg-pull, oras push for oras pull)"
for kind in big small; do
	pkg-push "$kind" --to "$addr/bench/$kind" -o yaml >"$work/$kind.published.yaml" 2>/dev/null
	(cd "$kind" && oras push --plain-http "$addr/bench/oras-$kind:1" content >/dev/null)
done
manifest=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$addr/v2/bench/big/manifests/1.0.0")
layer=$(printf '%s' "$manifest" | sed 's/.*"layers":\[//' | grep -o 'sha256:[a-f0-9]\{64\}' | head -1)
layer_size=$(curl -fsSI "http://$addr/v2/bench/big/blobs/$layer" | tr -d '\r' | sed -n 's/^[Cc]ontent-[Ll]ength: //p')
log "the big package's layer: $layer, $layer_size bytes"

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
loop() { printf 'for i in $(seq %d); do %s; done' "$EXEC_LOOPS" "$1"; }
true_bin=$(type -P true)
compare exec "$RUNS" "" \
	"exec=$(loop "pkg-pull exec bench-big -- $true_bin")" \
	"direct=$(loop "$true_bin")"

get() { sed -n "s/^$1 //p" "$results"; }
yes_no() { awk "BEGIN { print ($1) ? \"yes\" : \"**no**\" }"; }
ms() { awk "BEGIN { printf \"%.1f ms\", $1 * 1000 }"; }
ratio() { awk "BEGIN { printf \"%.2f×\", $1 / $2 }"; }

big_pkg=$(get big-pkg) big_oras=$(get big-oras) big_curl=$(get big-curl)
small_pkg=$(get small-pkg) small_oras=$(get small-oras)
add=$(get installed-add) lock=$(get installed-lock)
exec_over=$(awk "BEGIN { print ($(get exec-exec) - $(get exec-direct)) / $EXEC_LOOPS }")
printf '\n%s cores (%s); load average %s before, %s after\n\n' "$(nproc)" \
	"$(sed -n 's/^Model name:[[:space:]]*//p' < <(lscpu) | head -1)" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "| case | pkg-pull | compared with | ratio | target | met |"
echo "|---|---|---|---|---|---|"
printf '| 100 MiB file, empty home | %.2f s | oras pull: %.2f s | %s | ≤ 0.80× | %s |\n' "$big_pkg" "$big_oras" \
	"$(ratio "$big_pkg" "$big_oras")" "$(yes_no "$big_pkg <= 0.8 * $big_oras")"
printf '| 100 MiB file, empty home | %.2f s | curl -o /dev/null of the layer: %.2f s | %s | ≤ 3× | %s |\n' "$big_pkg" "$big_curl" \
	"$(ratio "$big_pkg" "$big_curl")" "$(yes_no "$big_pkg <= 3 * $big_curl")"
printf '| 10,000 small files, empty home | %.2f s | oras pull: %.2f s | %s | ≤ 1.00× | %s |\n' "$small_pkg" "$small_oras" \
	"$(ratio "$small_pkg" "$small_oras")" "$(yes_no "$small_pkg <= $small_oras")"
printf '| add of an installed package | %s | | | < 30 ms | %s |\n' "$(ms "$add")" "$(yes_no "$add < 0.030")"
printf '| pkg-pull -f LOCK, everything installed | %s | | | | |\n' "$(ms "$lock")"
printf '| exec overhead (exec PKG -- true, minus true) | %s | | | < 10 ms | %s |\n' "$(ms "$exec_over")" "$(yes_no "$exec_over < 0.010")"
printf '\nMedians of %s runs each (%s for add and -f LOCK; %s calls a run for exec), the tools taking turns, after one warm-up run each.\n' \
	"$RUNS" "$((RUNS * 4))" "$EXEC_LOOPS"
