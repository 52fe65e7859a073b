#!/usr/bin/env bash
# release.sh VERSION [OS/ARCH ...]: cross-build the five binaries and pack release archives,
# their checksums and the krew manifest into $DIST (default dist/ in the checkout).
#
#   scripts/release.sh v1.2.3                      # linux and darwin, amd64 and arm64
#   DIST=/tmp/out scripts/release.sh v1.2.3 linux/amd64
#
# Output, for each platform built:
#   $DIST/longshore_VERSION_OS_ARCH.tar.gz   pkg-{tap,push,pull,dep,gc}, LICENSE, README.md
#   $DIST/checksums.txt                      sha256sum format, one line per archive
#   $DIST/krew/pkg.yaml                      manifests/krew/pkg.yaml rendered
#
# Archives are reproducible: the same source and VERSION give byte-identical files (a
# static build with -trimpath, tar entries in a fixed order with fixed owner, mode and mtime,
# gzip without a name or timestamp).
#
# The krew manifest is rendered with awk, no extra program: in the template every platform
# block sits between "# BEGIN PLATFORM os/arch" and "# END PLATFORM os/arch" comments.
# Blocks of platforms built here are kept (markers removed), the others dropped whole;
# lines starting with "##" are template notes and dropped too. A placeholder left over
# afterwards fails the release.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
template=$root/manifests/krew/pkg.yaml
binaries=(pkg-tap pkg-push pkg-pull pkg-dep pkg-gc)
docs=(LICENSE README.md)
default_platforms=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64)

log() { printf 'release.sh: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
	echo "Usage: [DIST=dir] scripts/release.sh VERSION [OS/ARCH ...]" >&2
	exit 2
fi
VERSION=$1
shift
# krew accepts only a v-prefixed semantic version; the tag and archive names use it too.
[[ $VERSION =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]*)?$ ]] ||
	die "VERSION must look like v1.2.3 (krew requires it), got '$VERSION'"
platforms=("$@")
[[ ${#platforms[@]} -gt 0 ]] || platforms=("${default_platforms[@]}")

DIST=${DIST:-$root/dist}
mkdir -p "$DIST/krew"
DIST=$(cd "$DIST" && pwd)

# GNU tar for the reproducibility flags (macOS ships bsdtar; Homebrew's is gtar).
tar=tar
if [[ $(tar --version 2>/dev/null) != *"GNU tar"* ]]; then
	command -v gtar >/dev/null 2>&1 || die "GNU tar is needed (install gnu-tar)"
	tar=gtar
fi
sha256() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$@"
	else
		shasum -a 256 "$@"
	fi
}

for doc in "${docs[@]}"; do
	[[ -f $root/$doc ]] || die "$doc is missing from $root; every archive ships it"
done
seen=" "
for p in "${platforms[@]}"; do
	[[ $p =~ ^[a-z0-9]+/[a-z0-9]+$ ]] || die "platform must be OS/ARCH, got '$p'"
	grep -qxF "  # BEGIN PLATFORM $p" "$template" ||
		die "$template has no block for $p; add one to release it"
	[[ $seen == *" $p "* ]] && die "platform $p is named twice"
	seen+="$p "
done

cd "$root"
export GOWORK="$root/go.work" CGO_ENABLED=0
stage=$(mktemp -d "${TMPDIR:-/tmp}/longshore-release.XXXXXX")
trap 'rm -rf "$stage"' EXIT

archives=()
shas=()
for p in "${platforms[@]}"; do
	os=${p%/*} arch=${p#*/}
	dir=$stage/${os}_$arch
	mkdir -p "$dir"
	log "building $VERSION for $os/$arch"
	# One go build for the five main packages builds them in parallel; each lands named
	# after its module's last element (cmd-push) and is renamed to its binary's name.
	GOOS=$os GOARCH=$arch go build -trimpath \
		-ldflags "-s -w -X longshore.dev/lib/cli.Version=$VERSION" \
		-o "$dir/" ./cmd-tap ./cmd-push ./cmd-pull ./cmd-dep ./cmd-gc
	for b in "${binaries[@]}"; do
		mv "$dir/cmd-${b#pkg-}" "$dir/$b"
		chmod 0755 "$dir/$b"
	done
	for doc in "${docs[@]}"; do
		cp "$root/$doc" "$dir/$doc"
		chmod 0644 "$dir/$doc"
	done
	archive=longshore_${VERSION}_${os}_${arch}.tar.gz
	"$tar" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu \
		-C "$dir" -cf - "${binaries[@]}" "${docs[@]}" | gzip -n -9 >"$DIST/$archive.tmp"
	mv -f "$DIST/$archive.tmp" "$DIST/$archive"
	archives+=("$archive")
	shas+=("$p=$(sha256 "$DIST/$archive" | awk '{ print $1 }')")
	log "  $DIST/$archive"
done

(cd "$DIST" && sha256 "${archives[@]}") | LC_ALL=C sort -k2 >"$DIST/checksums.txt"

awk -v version="$VERSION" -v shas="${shas[*]}" '
	BEGIN {
		n = split(shas, pairs, " ")
		for (i = 1; i <= n; i++) {
			eq = index(pairs[i], "=")
			sha[substr(pairs[i], 1, eq - 1)] = substr(pairs[i], eq + 1)
		}
	}
	/^[[:space:]]*##/ { next }
	$1 == "#" && $2 == "BEGIN" && $3 == "PLATFORM" { platform = $4; keep = (platform in sha); next }
	$1 == "#" && $2 == "END" && $3 == "PLATFORM" { platform = ""; next }
	platform != "" && !keep { next }
	{
		gsub(/\{\{VERSION\}\}/, version)
		if (platform != "") {
			key = platform
			sub("/", "_", key)
			gsub("\\{\\{SHA256_" key "\\}\\}", sha[platform])
		}
		print
	}
' "$template" >"$DIST/krew/pkg.yaml.tmp"
if grep -n '{{' "$DIST/krew/pkg.yaml.tmp" >&2; then
	die "placeholders left in the rendered krew manifest (above)"
fi
mv -f "$DIST/krew/pkg.yaml.tmp" "$DIST/krew/pkg.yaml"

log "wrote ${#archives[@]} archive(s), $DIST/checksums.txt and $DIST/krew/pkg.yaml"
