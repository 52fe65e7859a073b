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
#   itself: it parses, it is a composite action, every run: step names its shell, no
#   run: script holds ${{ }} (inputs go through env:), and every inputs.X and steps.X
#   it uses exists.
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
cat >"$tmp/checkaction/main.go" <<'EOF'
// checkaction checks a composite action's metadata file for what actionlint does not.
package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

var problems int

func report(file string, line int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s:%d: %s\n", file, line, fmt.Sprintf(format, args...))
	problems++
}

// get returns the value node of key in mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func keys(n *yaml.Node) map[string]bool {
	out := map[string]bool{}
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = true
		}
	}
	return out
}

var (
	expr     = regexp.MustCompile(`\$\{\{(.*?)\}\}`)
	inputRef = regexp.MustCompile(`\binputs\.([A-Za-z0-9_-]+)`)
	stepRef  = regexp.MustCompile(`\bsteps\.([A-Za-z0-9_-]+)\.`)
)

func main() {
	file := os.Args[1]
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		fmt.Fprintf(os.Stderr, "%s: not valid YAML: %v\n", file, err)
		os.Exit(1)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		fmt.Fprintf(os.Stderr, "%s: not a mapping\n", file)
		os.Exit(1)
	}
	root := doc.Content[0]
	for _, k := range []string{"name", "description", "runs"} {
		if get(root, k) == nil {
			report(file, root.Line, "%s is missing", k)
		}
	}
	inputs := keys(get(root, "inputs"))
	runs := get(root, "runs")
	if u := get(runs, "using"); u == nil || u.Value != "composite" {
		report(file, runs.Line, "runs.using must be composite")
	}
	steps := get(runs, "steps")
	ids := map[string]bool{}
	if steps != nil {
		for _, s := range steps.Content {
			if id := get(s, "id"); id != nil {
				ids[id.Value] = true
			}
		}
	}
	// Every expression anywhere: inputs and steps it names must exist.
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode {
			for _, m := range expr.FindAllStringSubmatch(n.Value, -1) {
				for _, r := range inputRef.FindAllStringSubmatch(m[1], -1) {
					if !inputs[r[1]] {
						report(file, n.Line, "${{%s}} uses inputs.%s, which is not declared", m[1], r[1])
					}
				}
				for _, r := range stepRef.FindAllStringSubmatch(m[1], -1) {
					if !ids[r[1]] {
						report(file, n.Line, "${{%s}} uses steps.%s, which no step has as id", m[1], r[1])
					}
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	// Inputs also appear bare in if: conditions.
	if steps != nil {
		for _, s := range steps.Content {
			if cond := get(s, "if"); cond != nil {
				for _, r := range inputRef.FindAllStringSubmatch(cond.Value, -1) {
					if !inputs[r[1]] {
						report(file, cond.Line, "if: uses inputs.%s, which is not declared", r[1])
					}
				}
			}
			run := get(s, "run")
			if run == nil {
				if get(s, "uses") == nil {
					report(file, s.Line, "a step needs run: or uses:")
				}
				continue
			}
			if get(s, "shell") == nil {
				report(file, s.Line, "a run: step of a composite action must name its shell:")
			}
			if strings.Contains(run.Value, "${{") {
				report(file, run.Line, "a run: script holds ${{ }}: pass the value through env: and use \"$NAME\" (expressions in scripts allow shell injection)")
			}
		}
	}
	if problems > 0 {
		os.Exit(1)
	}
}
EOF
log "checking action.yml"
(cd "$tmp/checkaction" && GOWORK=off GOFLAGS=-mod=mod go run . "$root/action.yml") || status=1

if [[ $status -ne 0 ]]; then
	log "FAILED"
	exit 1
fi
log "ok"
