// checkaction checks a composite action's metadata file for what actionlint does not,
// then runs its scripts against stubs (run.go).
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
	where := file
	if line > 0 {
		where = fmt.Sprintf("%s:%d", file, line)
	}
	fmt.Fprintf(os.Stderr, "%s: %s\n", where, fmt.Sprintf(format, args...))
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
	runChecks(file)
	if problems > 0 {
		os.Exit(1)
	}
}
