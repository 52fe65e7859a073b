package lint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"longshore.dev/lib/pkgspec"
)

// Env ops, as lib's environment composition applies them.
var envOps = []string{"set", "prepend", "append"}

// depVarRE is ${deps.NAME.installPath}; NAME is a whole package name, which may hold
// dots (lib.greet), as composition reads it.
var depVarRE = regexp.MustCompile(`^deps\.(.+)\.installPath$`)

func (l *linter) checkEnv() {
	const file = pkgspec.FileName
	deps := map[string]bool{}
	for _, d := range l.m.deps {
		if n := depName(d); n != "" {
			deps[n] = true
		}
	}
	setAt := map[string]int{}
	for i, e := range l.m.env {
		where := fmt.Sprintf("spec.env[%d]", i)
		name, op := e.name.Value, e.op.Value
		switch {
		case name == "":
			l.add("env", file, lineOr(e.name, e.line), "%s has no name: write the variable to change, e.g. name: PATH", where)
		case !pkgspec.ValidEnvName(name):
			l.add("env", file, e.name.Line, "%s.name %q is not an environment variable name: use letters, digits and '_', not starting with a digit", where, name)
		}
		switch {
		case op == "":
			l.add("env", file, lineOr(e.op, e.line), "%s has no op: write op: set, op: prepend or op: append", where)
		case !slices.Contains(envOps, op):
			hint := ""
			if lower := strings.ToLower(op); slices.Contains(envOps, lower) {
				hint = fmt.Sprintf(" (ops are lowercase: %s)", lower)
			}
			l.add("env", file, e.op.Line, "%s.op %q is not an op%s: use set (replace the value), prepend or append (add to a list such as PATH)", where, op, hint)
		case op == "set" && name != "":
			if first, dup := setAt[name]; dup {
				l.add("env", file, e.op.Line, "%s sets %s again (first on line %d): the later value wins; keep one", where, name, first)
			} else {
				setAt[name] = e.op.Line
			}
		case e.value.Value == "" && (op == "prepend" || op == "append"):
			l.add("env", file, lineOr(e.value, e.line), "%s %ss an empty value to %s, which adds an empty entry (the current directory, in PATH): give a value such as \"${installPath}/bin\"", where, op, name)
		}
		if !pkgspec.ValidEnvValue(e.value.Value) {
			l.add("env", file, lineOr(e.value, e.line), "%s.value %q holds a NUL byte, which no environment variable can hold: remove it", where, e.value.Value)
		}
		if problem := envValueProblem(e.value.Value, deps); problem != "" {
			l.add("env", file, lineOr(e.value, e.line), "%s.value %q %s", where, e.value.Value, problem)
		}
	}
}

// envValueProblem checks the ${…} variables of an env value: ${installPath}, and
// ${deps.NAME.installPath} for a declared dependency NAME.
func envValueProblem(v string, deps map[string]bool) string {
	known := "${installPath}"
	if len(deps) > 0 {
		names := make([]string, 0, len(deps))
		for n := range deps {
			names = append(names, n)
		}
		slices.Sort(names)
		known += " and ${deps.NAME.installPath} with NAME one of " + strings.Join(names, ", ")
	} else {
		known += " (and ${deps.NAME.installPath} once the package declares dependency NAME)"
	}
	for rest := v; ; {
		i := strings.Index(rest, "${")
		if i < 0 {
			return ""
		}
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return "has a ${ without its closing }: write ${installPath}"
		}
		name := rest[i+2 : i+end]
		rest = rest[i+end+1:]
		if name == "installPath" {
			continue
		}
		if m := depVarRE.FindStringSubmatch(name); m != nil {
			if deps[m[1]] {
				continue
			}
			return fmt.Sprintf("uses ${%s}, but %q is not a dependency of this package: add it to spec.dependencies or use %s", name, m[1], known)
		}
		return fmt.Sprintf("uses the unknown variable ${%s}: the variables are %s", name, known)
	}
}
