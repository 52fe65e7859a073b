#!/usr/bin/env bash
# actionlint.sh: check the project's GitHub Action (action.yml) and the workflow that
# `pkg-push init` writes. Exits non-zero on any finding.
#
#   scripts/actionlint.sh
#
# - The scaffold's .github/workflows/publish.yml is rendered with `pkg-push init` into a
#   temporary repository and checked with actionlint (and shellcheck, when installed).
# - action.yml: actionlint checks workflows, not actions, so a temporary workflow that
#   uses the action as `uses: ./` is checked instead (actionlint then reads action.yml
#   and validates the inputs given to it), and a small Go program checks action.yml
#   itself (scripts/checkaction, built in a module of its own with lib's YAML parser):
#   it parses, it is a composite action, every run: step names its shell, no run:
#   script holds ${{ }} (inputs go through env:), and every inputs.X and steps.X it
#   uses exists. It then runs the action's scripts as a job would, with stubs for git,
#   install.sh, pkg-push and pkg-tap that record their arguments, and checks what the
#   scripts do with their inputs (scripts/checkaction/run.go lists the checks).
#
# actionlint is installed with `go install` (pinned below) when it is not on PATH or in
# Go's bin directory; once installed the script takes a few seconds.
set -euo pipefail

ACTIONLINT_VERSION=v1.7.12

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf 'actionlint.sh: %s\n' "$*" >&2; }

command -v go >/dev/null 2>&1 || {
	log "error: go is not on PATH"
	exit 1
}

actionlint=$(command -v actionlint 2>/dev/null || true)
if [[ -z $actionlint ]]; then
	gobin=$(go env GOBIN)
	[[ -n $gobin ]] || gobin=$(go env GOPATH)/bin
	actionlint=$gobin/actionlint
	if [[ ! -x $actionlint ]]; then
		log "installing actionlint $ACTIONLINT_VERSION into $gobin"
		(cd / && GOWORK=off go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION")
	fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
export GOWORK="$root/go.work"

# A repository holding the scaffold (the package at its root, as init writes it), the
# action, and a workflow that uses the action with every input.
repo=$tmp/repo
go build -o "$tmp/pkg-push" ./cmd-push
"$tmp/pkg-push" init "$repo" --name demo >/dev/null 2>"$tmp/init.log" || {
	cat "$tmp/init.log" >&2
	exit 1
}
cp action.yml "$repo/action.yml"
cat >"$repo/.github/workflows/use-action.yml" <<'EOF'
name: use the action
on:
  push:
    tags: ["v*"]
  workflow_dispatch:
permissions:
  contents: read
  packages: write
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/login-action@v3
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      - id: publish
        uses: ./
        with:
          package-dir: .
          repository: ghcr.io/${{ github.repository_owner }}/demo
          cascade: true
          index: ghcr.io/${{ github.repository_owner }}/index
          strict: true
          check-tag: true
          tag-prefix: v
          version: v0.1.0
          go-version: "1.26"
      - run: echo "published $DIGEST ($PUBLISHED)"
        env:
          DIGEST: ${{ steps.publish.outputs.digest }}
          PUBLISHED: ${{ steps.publish.outputs.published }}
EOF
git -C "$repo" init --quiet

status=0
log "actionlint $("$actionlint" -version | head -n 1): the scaffold's publish.yml and a workflow using action.yml"
(cd "$repo" && "$actionlint" -no-color .github/workflows/publish.yml .github/workflows/use-action.yml) || status=1

# action.yml itself.
mkdir -p "$tmp/checkaction"
cp lib/go.sum "$tmp/checkaction/go.sum"
yaml_version=$(awk '$1 == "go.yaml.in/yaml/v3" { print $2; exit }' lib/go.mod)
cat >"$tmp/checkaction/go.mod" <<EOF
module checkaction

go 1.26

require go.yaml.in/yaml/v3 $yaml_version
EOF
cp scripts/checkaction/*.go "$tmp/checkaction/"
log "checking action.yml and running its scripts"
(cd "$tmp/checkaction" && GOWORK=off GOFLAGS=-mod=mod go run . "$root/action.yml") || status=1

if [[ $status -ne 0 ]]; then
	log "FAILED"
	exit 1
fi
log "ok"
