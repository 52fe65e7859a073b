# bench-lib.sh: what scripts/bench-push.sh and scripts/bench-pull.sh share, sourced by
# both after they set root and ORAS_VERSION: a work directory removed on exit (KEEP=1
# keeps it), the ORAS CLI built from the module proxy, the seeded content (big/content:
# one 100 MiB file; small/content: 10,000 files), a registry of their own started with
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

log "generating the content (seeded)"
mkdir -p "$work/gen"
cat >"$work/gen/go.mod" <<'EOF'
module benchgen

go 1.26.0
EOF
cat >"$work/gen/main.go" <<'EOF'
// Command benchgen writes the benchmark content: `benchgen big DIR BYTES` one file,
// `benchgen random DIR BYTES` one file of random bytes, `benchgen small DIR COUNT` many. Keep content in step with benchContent in
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
	case "random":
		// Bytes no compressor can shrink: the layer is as big as the file.
		rng := rand.New(rand.NewPCG(3, 0x72616e646f6d))
		data := make([]byte, 0, n+8)
		for len(data) < n {
			data = binary.LittleEndian.AppendUint64(data, rng.Uint64())
		}
		check(os.WriteFile(filepath.Join(dir, "payload.bin"), data[:n], 0o644))
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
