#!/usr/bin/env bash
# install.sh: build the five longshore binaries from this checkout and install them into
# $PREFIX/bin (default ~/.local/bin) with their kubectl and git plugin links and man pages.
#
#   scripts/install.sh                      # into ~/.local
#   PREFIX=/usr/local scripts/install.sh    # anywhere; re-running replaces everything
#
# Needs only Go: modules come from the module proxy on the first build. The version
# stamped into the binaries is $LONGSHORE_VERSION, else `git describe`, else 0.0.0-dev.
# Which links exist and why: DESIGN.md, "Names and invocation".
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=${PREFIX:-$HOME/.local}
mkdir -p "$PREFIX/bin" "$PREFIX/share/man/man1"
PREFIX=$(cd "$PREFIX" && pwd)
bindir=$PREFIX/bin
mandir=$PREFIX/share/man/man1

VERSION=${LONGSHORE_VERSION:-$(git -C "$root" describe --tags --always --dirty 2>/dev/null || echo 0.0.0-dev)}

areas=(tap push pull dep gc)
# kubectl tries the longest dashed name first, so kubectl-pkg-add answers `kubectl pkg add`.
# These verb links (VERB:AREA) mirror VerbLinks in lib/cli/invocation.go. (No associative
# array: macOS still ships bash 3.2.)
verb_links=(add:pull upgrade:pull remove:pull list:pull env:pull exec:pull init:push lint:push)

log() { printf 'install.sh: %s\n' "$*" >&2; }

command -v go >/dev/null 2>&1 || {
	log "error: go is not on PATH; install Go first (https://go.dev/dl/)"
	exit 1
}

cd "$root"
# The checkout's go.work ties the modules together; a GOWORK=off in the caller's
# environment would make every build below fail.
export GOWORK="$root/go.work"

log "building longshore $VERSION from $root"
for a in "${areas[@]}"; do
	# Build beside the target and rename: a failed build never leaves a broken binary,
	# and a running one is replaced, not overwritten.
	go build -trimpath -ldflags "-s -w -X longshore.dev/lib/cli.Version=$VERSION" \
		-o "$bindir/.pkg-$a.tmp" "./cmd-$a"
	mv -f "$bindir/.pkg-$a.tmp" "$bindir/pkg-$a"
done

# link TARGET NAME: a relative link in $bindir, replacing whatever was there.
link() {
	rm -f "$bindir/$2"
	ln -s "$1" "$bindir/$2"
}
# kubectl_complete-NAME answers kubectl's shell completion for the plugin kubectl-NAME
# (kubectl 1.26 and newer): `kubectl pkg add he<Tab>`.
for a in "${areas[@]}"; do
	link "pkg-$a" "kubectl-pkg-$a"
	link "pkg-$a" "kubectl_complete-pkg-$a"
	link "pkg-$a" "git-pkg-$a"
done
for v in "${verb_links[@]}"; do
	link "pkg-${v#*:}" "kubectl-pkg-${v%%:*}"
	link "pkg-${v#*:}" "kubectl_complete-pkg-${v%%:*}"
done
# The dispatcher entries: any of the five serves them; pull is the one krew links too.
link pkg-pull kubectl-pkg
link pkg-pull kubectl_complete-pkg
link pkg-pull git-pkg

pages=()
for a in "${areas[@]}"; do
	"$root/scripts/man.sh" "$bindir/pkg-$a" "pkg-$a" >"$mandir/pkg-$a.1"
	"$root/scripts/man.sh" "$bindir/pkg-$a" "git-pkg-$a" >"$mandir/git-pkg-$a.1"
	pages+=("pkg-$a.1" "git-pkg-$a.1")
done
"$root/scripts/man.sh" "$bindir/pkg-pull" git-pkg >"$mandir/git-pkg.1"
pages+=(git-pkg.1)

# Completion scripts where each shell looks under a prefix (for ~/.local bash-completion
# and fish look there; bash-completion 2.12+ also finds PREFIX/share/… for PREFIX/bin
# on PATH). Each serves pkg-X, git-X's `git pkg-X` and,
# pkg-pull's, `git pkg`: shells load them by the command being completed, so the git
# names are the same script under another name (zsh's under its own #compdef line).
bashdir=$PREFIX/share/bash-completion/completions
zshdir=$PREFIX/share/zsh/site-functions
fishdir=$PREFIX/share/fish/vendor_completions.d
mkdir -p "$bashdir" "$zshdir" "$fishdir"
for a in "${areas[@]}"; do
	"$bindir/pkg-$a" completion bash >"$bashdir/pkg-$a"
	ln -sf "pkg-$a" "$bashdir/git-pkg-$a"
	"$bindir/pkg-$a" completion zsh >"$zshdir/_pkg-$a"
	sed "1s/.*/#compdef git-pkg-$a/" "$zshdir/_pkg-$a" >"$zshdir/_git-pkg-$a"
	"$bindir/pkg-$a" completion fish >"$fishdir/pkg-$a.fish"
	ln -sf "pkg-$a.fish" "$fishdir/git-pkg-$a.fish"
done
ln -sf pkg-pull "$bashdir/git-pkg"
sed "1s/.*/#compdef git-pkg/" "$zshdir/_pkg-pull" >"$zshdir/_git-pkg"
ln -sf pkg-pull.fish "$fishdir/git-pkg.fish"

log "installed into $bindir:"
log "  binaries: pkg-tap pkg-push pkg-pull pkg-dep pkg-gc"
log "  kubectl:  kubectl-pkg kubectl-pkg-{tap,push,pull,dep,gc,add,upgrade,remove,list,env,exec,init,lint}"
log "            and their kubectl_complete-* links (kubectl's shell completion)"
log "  git:      git-pkg git-pkg-{tap,push,pull,dep,gc}"
log "  man:      ${#pages[@]} pages in $mandir"
log "  completion: $bashdir, $zshdir, $fishdir"
case ":$PATH:" in
*":$bindir:"*) ;;
*)
	log "note: $bindir is not on your PATH; add it, e.g."
	log "  export PATH=\"$bindir:\$PATH\""
	;;
esac
log "try: kubectl pkg --help, git pkg --help, pkg-push --version"
log "completion: bash (with bash-completion) and fish load it from there; zsh needs"
log "  fpath=($zshdir \$fpath) before compinit; or: source <(pkg-pull completion bash)"
