#!/usr/bin/env bash
# test.sh: every check CI runs, from any directory: formatting, go vet, staticcheck,
# the unit tests of every module, then the end-to-end tests (which install the binaries
# into a temp prefix and start a real registry themselves). Runs all steps even when
# one fails; exits 1 if any did.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export GOWORK="$root/go.work"

log() { printf '==> %s\n' "$*" >&2; }
failed=()
# step NAME CMD...: run one check, remember a failure, keep going.
step() {
	local name=$1
	shift
	log "$name"
	if "$@"; then
		return 0
	fi
	log "FAILED: $name"
	failed+=("$name")
}

# Installed before the tests, so its first-time install is not counted in their timeout.
log "registry: scripts/registry.sh ensure"
"$root/scripts/registry.sh" ensure >/dev/null

# The completion scripts are tested in every shell that is installed (lib/cli); bash
# always is. zsh and fish are added where apt can (as root), and skipped otherwise.
if ! command -v zsh >/dev/null 2>&1 || ! command -v fish >/dev/null 2>&1; then
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
		log "shells: apt-get install zsh fish (for the completion script tests)"
		DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq zsh fish >/dev/null 2>&1 ||
			log "shells: could not install zsh and fish; their completion tests are skipped"
	fi
fi

gofmt_check() {
	local files unformatted
	# Tracked files plus new ones not yet added (ignored ones stay out).
	if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
		files=$(git -C "$root" ls-files --cached --others --exclude-standard -- '*.go')
	else
		files=$(find . -name '*.go' -not -path './dist/*')
	fi
	[[ -n $files ]] || return 0
	# Files listed by git but deleted in the work tree are skipped.
	# (set -e does not apply inside a function run as an `if` condition: check by hand.)
	unformatted=$(printf '%s\n' "$files" | while IFS= read -r f; do [[ ! -f $f ]] || printf '%s\n' "$f"; done |
		xargs gofmt -l) || return 1
	if [[ -n $unformatted ]]; then
		printf 'gofmt: not formatted (run gofmt -w):\n%s\n' "$unformatted" >&2
		return 1
	fi
}
step "gofmt -l" gofmt_check

modules=()
while IFS= read -r m; do modules+=("$m"); done < <(go list -m -f '{{.Path}} {{.Dir}}')
[[ ${#modules[@]} -gt 0 ]] || {
	log "go list -m found no workspace modules"
	exit 1
}

go_vet() {
	local m rc=0
	for m in "${modules[@]}"; do
		(cd "${m#* }" && go vet ./...) || rc=1
	done
	return $rc
}
step "go vet (every workspace module)" go_vet

# The releases are for darwin too (scripts/release.sh): its code and tests must build
# there, though CI runs on Linux. vet type-checks test files, which go build does not.
go_vet_darwin() {
	local m rc=0
	for m in "${modules[@]}"; do
		(cd "${m#* }" && GOOS=darwin GOARCH=arm64 go vet ./...) || rc=1
	done
	return $rc
}
step "go vet for darwin (code and tests build where the releases run)" go_vet_darwin

# staticcheck, pinned, installed into Go's bin directory when missing or another version.
STATICCHECK_VERSION=v0.8.2 # staticcheck 2026.2.2
static_check() {
	local sc m rc=0
	sc=$(go env GOBIN)
	[[ -n $sc ]] || sc=$(go env GOPATH)/bin
	sc=$sc/staticcheck
	if [[ ! -x $sc ]] || ! "$sc" -version 2>/dev/null | grep -qF "(${STATICCHECK_VERSION#v})"; then
		log "installing staticcheck $STATICCHECK_VERSION"
		(cd / && GOWORK=off go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION") || return 1
	fi
	for m in "${modules[@]}"; do
		(cd "${m#* }" && "$sc" ./...) || rc=1
	done
	return $rc
}
step "staticcheck (every workspace module)" static_check

# One go test over all modules but e2e: packages build and run in parallel.
patterns=()
for m in "${modules[@]}"; do
	[[ ${m%% *} == longshore.dev/e2e ]] && continue
	patterns+=("${m%% *}/...")
done
step "unit tests: ${patterns[*]}" go test -count=1 -timeout 10m "${patterns[@]}"

step "actionlint: action.yml and the scaffolded workflow" "$root/scripts/actionlint.sh"

# shellcheck disable=SC2016 # $0 is for the inner bash
step "quickstart: the whole loop on ocidir://" bash -c '"$0"/scripts/quickstart.sh >/dev/null 2>"$0"/.quickstart.log || { cat "$0"/.quickstart.log >&2; rm -f "$0"/.quickstart.log; exit 1; }; rm -f "$0"/.quickstart.log' "$root"

step "end-to-end tests (e2e/)" bash -c 'cd e2e && go test -count=1 -timeout 20m ./...'

if [[ ${#failed[@]} -gt 0 ]]; then
	log "failed: ${failed[*]}"
	exit 1
fi
log "all checks passed"
