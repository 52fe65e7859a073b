#!/usr/bin/env bash
# torture-layout.sh: SIGKILL the commands that write ocidir:// layouts at random moments,
# and check after each kill what a user meets next. Not part of CI: it takes a minute or
# two, and where a kill lands depends on the machine (docs/development.md).
#
#   scripts/torture-layout.sh                 # 40 kills, a random seed
#   N=200 SEED=7 scripts/torture-layout.sh    # more, and repeatable delays
#   KEEP=1 scripts/torture-layout.sh          # keep the work directory
#   LONGSHORE_PREFIX=DIR ...                  # use the binaries in DIR/bin, not a build
#
# Each round publishes a new version of one package the way a user does, in three
# commands, and kills one of them (in turn): after a random delay (up to a
# little more than that command takes here), at a save of index.json, or while a blob
# is written:
#
#   pkg-push ./pkg --to ocidir://REG/hello --cascade        > published.yaml
#   pkg-tap index add -f published.yaml --to ocidir://REG/index
#   pkg-pull mirror -f hello.lock.yaml --to ocidir://MIRROR  (the version, resolved)
#
# Right after the kill, before anything opens it again, the layout's index.json parses
# (what another OCI tool would read). Then: the layouts open (pkg-pull of a version pushed earlier, pkg-tap add of
# the index, pkg-pull of a lock mirrored earlier), every tag that was there before the
# killed command still names the same manifest, everything a layout's index.json lists
# is there, and every file under blobs/ hashes to its name (the killed writer's stage
# may still be there: those commands only read, and leave it). Then the killed command
# runs again and must complete, and the checks run once more, finding no stage. At the end: where the kills
# landed, read from what each left behind.
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${N:-40}
SEED=${SEED:-$RANDOM}
RANDOM=$SEED
work=$(mktemp -d "${TMPDIR:-/tmp}/longshore-torture.XXXXXX")
if [[ "${KEEP:-0}" != 1 ]]; then
	trap 'rm -rf "$work"' EXIT
fi

log() { printf 'torture-layout: %s\n' "$*" >&2; }
fail() {
	log "FAIL (round $round, seed $SEED): $*"
	log "work directory kept: $work"
	trap - EXIT
	exit 1
}
for tool in jq sha256sum python3; do
	command -v "$tool" >/dev/null || {
		log "error: $tool is not on PATH"
		exit 1
	}
done

if [[ -n "${LONGSHORE_PREFIX:-}" ]]; then
	export PATH="$LONGSHORE_PREFIX/bin:$PATH"
else
	PREFIX="$work/prefix" "$root/scripts/install.sh" >/dev/null 2>&1 || {
		log "error: scripts/install.sh failed"
		exit 1
	}
	export PATH="$work/prefix/bin:$PATH"
fi
export LONGSHORE_HOME="$work/home" XDG_CACHE_HOME="$work/cache"
cd "$work"
reg=$work/reg
mirror=$work/mirror
mkdir -p pub lock out
: >"$work/before"

# tags LAYOUT: "TAG DIGEST" per tag in LAYOUT's index.json, sorted.
tags() {
	jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] != null)
		| "\(.annotations["org.opencontainers.image.ref.name"]) \(.digest)"' "$1/index.json" | sort
}

# snapshot: the tags of every layout, before the command that will be killed.
snapshot() {
	local l
	: >"$work/before"
	for l in "$reg/hello" "$reg/index" "$mirror"/*/; do
		l=${l%/}
		[[ -f $l/index.json ]] || continue
		tags "$l" | sed "s|^|$l |" >>"$work/before"
	done
}

declare -A hashed # blob path -> "size mtime" when it last hashed to its name

# stage_may_stay is the layout whose killed writer's stage may still be there: the
# commands check_all runs only read, and a reader leaves it for the next writer.
stage_may_stay=

# check_layout LAYOUT: the index reads, names only manifests that are there (and what
# they name), and every blob's bytes hash to its name.
check_layout() {
	local l=$1 f name want got
	[[ -f $l/index.json ]] || fail "$l has no index.json"
	jq -e . "$l/index.json" >/dev/null 2>&1 || fail "$l/index.json does not parse: $(head -c 200 "$l/index.json")"
	[[ ! -e $l/.longshore-stage || $l == "$stage_may_stay" ]] || fail "$l still holds a writer's stage after a writer's open"
	for f in "$l"/blobs/sha256/*; do
		[[ -e $f ]] || continue
		want="$(stat -c '%s %Y' "$f")"
		[[ "${hashed[$f]:-}" == "$want" ]] && continue
		name=${f##*/}
		got=$(sha256sum "$f" | cut -d' ' -f1)
		[[ $got == "$name" ]] || fail "$f hashes to $got"
		hashed[$f]=$want
	done
	local d
	for d in $(jq -r '.manifests[].digest' "$l/index.json"); do
		check_graph "$l" "$d"
	done
}

declare -A children # manifest digest -> what it names (manifests never change)

# check_graph LAYOUT DIGEST: the blob is there, and so is everything it names.
check_graph() {
	local l=$1 d=$2 f=$1/blobs/sha256/${2#sha256:} child
	[[ -f $f ]] || fail "$l lists or names $d, which is not in blobs/"
	if [[ -z "${children[$d]+set}" ]]; then
		children[$d]=$(jq -r 'if (.mediaType // "" | test("index")) then "index " + ([.manifests[].digest] | join(" "))
			else "manifest " + ([.config.digest, .layers[].digest] | join(" ")) end' "$f")
	fi
	local kind rest
	read -r kind rest <<<"${children[$d]}"
	for child in $rest; do
		if [[ $kind == index ]]; then
			check_graph "$l" "$child"
		else
			[[ -f $l/blobs/sha256/${child#sha256:} ]] || fail "$l: manifest $d names $child, which is not in blobs/"
		fi
	done
}

# check_all: the layouts open with the commands a user runs next, keep their tags, and
# hold nothing damaged.
check_all() {
	pkg-pull "ocidir://$reg/hello:1.0.0" -o name >out/check 2>&1 || fail "pkg-pull of ocidir://$reg/hello:1.0.0: $(cat out/check)"
	pkg-tap add "check$round" "ocidir://$reg/index" >out/check 2>&1 || fail "pkg-tap add of the index: $(cat out/check)"
	pkg-tap remove "check$round" >/dev/null 2>&1
	if [[ -f lock/mirrored-first.yaml ]]; then
		pkg-pull -f lock/mirrored-first.yaml -o name >out/check 2>&1 || fail "pkg-pull -f of the first mirrored lock: $(cat out/check)"
		# That found the package installed, without opening the mirror: this opens it,
		# to read, beside the stage a killed writer may have left.
		pkg-pull "ocidir://$mirror/hello:1.0.0" -o name >out/check 2>&1 || fail "pkg-pull of ocidir://$mirror/hello:1.0.0: $(cat out/check)"
	fi
	local l tag d now
	declare -A after=()
	for l in "$reg/hello" "$reg/index" "$mirror"/*/; do
		l=${l%/}
		[[ -f $l/index.json ]] || continue
		while read -r tag d; do
			after["$l $tag"]=$d
		done < <(tags "$l")
	done
	while read -r l tag d; do
		now=${after["$l $tag"]:-}
		[[ $now == "$d" ]] && continue
		# The tags the killed command moves may name its new manifest, which
		# check_layout checks below.
		[[ -n $now && $l == "$writing" && " $moving " == *" $tag "* ]] ||
			fail "$l:$tag named $d before the kill, now '${now}'"
	done <"$work/before"
	for l in "$reg/hello" "$reg/index" "$mirror"/*/; do
		[[ -d $l ]] && check_layout "${l%/}"
	done
	return 0
}

# blobs LAYOUT: how many blobs it holds.
blobs() { find "$1/blobs/sha256" -type f 2>/dev/null | wc -l; }

# phase LAYOUT BLOBS_BEFORE TAG DIGEST_BEFORE: where in the command the kill landed,
# from what it left in the layout it writes (read before anything opens it again).
phase() {
	local l=$1 blobs_before=$2 tag=$3 was=$4 stage=$1/.longshore-stage
	if [[ -f $stage/index.json ]] && ! cmp -s "$stage/index.json" "$l/index.json"; then
		echo "saving index.json"
	elif [[ -n "$(ls -A "$stage/ingest" 2>/dev/null)" ]]; then
		echo "writing a blob (ingest/)"
	elif [[ -f $l/index.json ]] && [[ "$(tags "$l" | awk -v t="$tag" '$1 "" == t "" {print $2}')" != "$was" ]]; then
		echo "after its tag moved (more tags, closing)"
	elif [[ $(blobs "$l") != "$blobs_before" ]]; then
		echo "between blobs, or before the tag"
	elif [[ ! -f $l/index.json ]]; then
		echo "creating the layout"
	else
		echo "before writing (reading, packing, locking)"
	fi
}

declare -A phases
declare -A max_ms=([push]=150 [index]=20 [mirror]=60)

# kill.py OUT DELAY_MS [WATCH [OLD]] -- CMD...: runs CMD (stdout to OUT, stderr to
# out/err) and SIGKILLs it DELAY_MS after its start, or with WATCH, as soon as WATCH
# shows up after that (a directory: once it holds a file; with OLD, a file whose bytes
# differ from OLD's: the stage's index.json being saved); prints CMD's exit status as a
# shell would.
# A shell's sleep and kill take a few ms each, longer than a save of index.json.
cat >"$work/kill.py" <<'PY'
import os, signal, subprocess, sys, time
i = sys.argv.index("--")
out, delay, watch, cmd = sys.argv[1], int(sys.argv[2]) / 1000, sys.argv[3:i], sys.argv[i + 1:]
def there(path, old=None):
    try:
        if os.path.isdir(path):
            return bool(os.listdir(path))
        if old is None:
            return os.path.lexists(path)
        with open(path, "rb") as a, open(old, "rb") as b:
            return a.read() != b.read()
    except OSError:
        return False
with open(out, "w") as stdout, open("out/err", "w") as stderr:
    p = subprocess.Popen(cmd, stdout=stdout, stderr=stderr)
    start = time.monotonic()
    while p.poll() is None:
        if time.monotonic() - start >= delay and (not watch or there(*watch)):
            p.send_signal(signal.SIGKILL)
            break
        if not watch:
            time.sleep(0.0002)
    rc = p.wait()
print(128 - rc if rc < 0 else rc)
PY

# step NAME KILL LAYOUT TAG MOVING OUT CMD...: runs CMD with stdout to OUT; when KILL,
# kills it (kill.py), checks, and runs it again. CMD writes LAYOUT: TAG is the tag it
# adds or moves last, MOVING the tags it may move from one manifest to another. Kills
# take turns: after a random delay, at a save of index.json, while a blob is written;
# the last two after a random delay too, so that not always the first is met.
writing='' moving=
declare -A kills
step() {
	local name=$1 kill=$2 l=$3 tag=$4 outfile=$6
	writing=$3 moving=$5
	shift 6
	local t0 t1 rc ms
	if [[ $kill != 1 ]]; then
		t0=$EPOCHREALTIME
		"$@" >"$outfile" 2>out/err || fail "$name: $* failed: $(cat out/err)"
		t1=$EPOCHREALTIME
		# Kill within a little more than the command takes here.
		ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1300 + 5 }')
		((ms > max_ms[$name])) && max_ms[$name]=$ms
		return 0
	fi
	snapshot
	local blobs_before was delay watch how
	blobs_before=$(blobs "$l")
	was=
	if [[ -f $l/index.json ]]; then
		was=$(tags "$l" | awk -v t="$tag" '$1 "" == t "" {print $2}')
	fi
	kills[$name]=$((${kills[$name]:-0} + 1))
	case $((kills[$name] % 3)) in
	0) delay=$((RANDOM % max_ms[$name])) watch=() how="after ${delay}ms" ;;
	1) delay=$((RANDOM % (max_ms[$name] / 2))) watch=("$l/.longshore-stage/index.json" "$l/index.json") how="at an index save after ${delay}ms" ;;
	2) delay=$((RANDOM % (max_ms[$name] / 2))) watch=("$l/.longshore-stage/ingest") how="at a blob write after ${delay}ms" ;;
	esac
	rc=$(python3 "$work/kill.py" "$outfile" "$delay" "${watch[@]}" -- "$@")
	local where
	if ((rc == 137)); then
		where=$(phase "$l" "$blobs_before" "$tag" "$was")
		# What any OCI tool reads next, before a longshore command opens the layout.
		if [[ -e $l/index.json ]] && ! jq -e . "$l/index.json" >/dev/null 2>&1; then
			fail "$name killed $where: $l/index.json does not parse: $(head -c 200 "$l/index.json")"
		fi
	elif ((rc == 0)); then
		where="after it finished"
	else
		fail "$name: $* failed before the kill (exit $rc): $(cat out/err)"
	fi
	phases["$name: $where"]=$((${phases["$name: $where"]:-0} + 1))
	log "round $round: killed $name $how: $where"
	stage_may_stay=$l
	check_all
	# Run again, it clears the stage: check_all finds none anywhere.
	stage_may_stay=
	"$@" >"$outfile" 2>out/err || fail "$name run again after the kill: $* failed: $(cat out/err)"
	check_all
}

# The package: a few MB of fresh bytes each round, so that every push writes new blobs.
cp -R "$root/manifests/examples/hello" pkg
new_version() {
	head -c $((2 + RANDOM % 6))000000 /dev/urandom >pkg/bin/data
	sed -i.bak "s/^  version: .*/  version: $1/" pkg/package.yaml && rm pkg/package.yaml.bak
}

round=0
new_version 1.0.0
step push 0 "$reg/hello" 1.0.0 "" pub/1.0.0.yaml pkg-push ./pkg --to "ocidir://$reg/hello" --cascade -o yaml
step index 0 "$reg/index" latest latest out/index pkg-tap index add -f pub/1.0.0.yaml --to "ocidir://$reg/index" -o name
pkg-tap add demo "ocidir://$reg/index" >/dev/null 2>&1
pkg-dep resolve demo/hello@1.0.0 -o yaml >lock/1.0.0.yaml
step mirror 0 "$mirror/hello" 1.0.0 "" lock/mirrored-first.yaml pkg-pull mirror -f lock/1.0.0.yaml --to "ocidir://$mirror" -o yaml
check_all

ops=(push index mirror)
for ((round = 1; round <= N; round++)); do
	v=1.$round.0
	op=${ops[$((round % 3))]}
	new_version "$v"
	step push "$([[ $op == push ]] && echo 1 || echo 0)" "$reg/hello" "$v" "1.$round 1 latest" "pub/$v.yaml" \
		pkg-push ./pkg --to "ocidir://$reg/hello" --cascade -o yaml
	step index "$([[ $op == index ]] && echo 1 || echo 0)" "$reg/index" latest latest out/index \
		pkg-tap index add -f "pub/$v.yaml" --to "ocidir://$reg/index" -o name
	pkg-tap update demo >/dev/null 2>&1 || fail "pkg-tap update demo: $(pkg-tap update demo 2>&1)"
	pkg-dep resolve "demo/hello@$v" -o yaml >"lock/$v.yaml" 2>out/err || fail "pkg-dep resolve demo/hello@$v: $(cat out/err)"
	step mirror "$([[ $op == mirror ]] && echo 1 || echo 0)" "$mirror/hello" "$v" "" "lock/mirrored-$v.yaml" \
		pkg-pull mirror -f "lock/$v.yaml" --to "ocidir://$mirror" -o yaml
done

log "$N kills (seed $SEED; delays up to ${max_ms[push]}, ${max_ms[index]} and ${max_ms[mirror]} ms), all checks passed; where they landed:"
for k in "${!phases[@]}"; do
	printf '  %3d  %s\n' "${phases[$k]}" "$k"
done | sort -k2 >&2
