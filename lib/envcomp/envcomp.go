// Package envcomp composes the environment of installed packages: each package's env
// entries (set, prepend, append; values with ${installPath} and
// ${deps.NAME.installPath}) applied onto a base environment in one order — the Lock's,
// dependencies before dependents and patch companions right after the package they
// patch — and writes the result for a shell (docs/environment.md).
package envcomp

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/resolve"
)

// ListSeparator joins the entries prepend and append add to a variable.
const ListSeparator = ":"

// Package is one installed package as composition sees it.
type Package struct {
	Name    string
	Version string
	// Path is the absolute path of the package's tree: ${installPath}.
	Path string
	Env  []pkgspec.EnvVar
	// Dependencies and Patches name other packages of the composition.
	Dependencies []string
	Patches      []string
}

// Order returns pkgs in composition order: the Lock's order (resolve.Order) over the
// packages' dependency and patch edges, ties broken by name.
func Order(pkgs []Package) ([]Package, error) {
	locked := make([]api.LockedPackage, len(pkgs))
	byName := map[string]Package{}
	for i, p := range pkgs {
		locked[i] = api.LockedPackage{Name: p.Name, Version: p.Version, Dependencies: p.Dependencies, Patches: p.Patches}
		byName[p.Name] = p
	}
	names, err := resolve.Order(locked)
	if err != nil {
		return nil, err
	}
	out := make([]Package, len(names))
	for i, n := range names {
		out[i] = byName[n]
	}
	return out, nil
}

// Level says how much a Note matters.
type Level int

const (
	// Info is an intended override: a patch companion replacing what it patches.
	Info Level = iota
	// Warning is an override between ordinary packages: likely a surprise.
	Warning
)

// Note is something composition tells the user on stderr.
type Note struct {
	Level Level
	Text  string
}

// Var is one variable the packages changed.
type Var struct {
	Name  string
	Value string
	// Set says a package replaced the value (set); otherwise it is Prepended, then the
	// base value, then Appended.
	Set       bool
	Prepended []string
	Appended  []string
}

// Result is a composed environment.
type Result struct {
	// Environ is the whole environment, base with the changes applied, sorted: what
	// exec hands the command.
	Environ []string
	// Vars is what the packages changed, sorted by name: what env prints.
	Vars []Var
	// Notes report one package's set overriding another's, in order.
	Notes []Note
}

// Compose applies the env entries of pkgs, in the order given (see Order), onto base
// (KEY=VALUE entries, as os.Environ returns). A prepend or append of an entry already
// in the list moves it rather than adding it twice, so composing onto an environment
// that already holds the composition changes nothing.
func Compose(base []string, pkgs []Package) (*Result, error) {
	env := map[string]string{}
	var keys []string
	for _, kv := range base {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue
		}
		if _, dup := env[k]; !dup {
			keys = append(keys, k)
		}
		env[k] = v
	}
	byName := map[string]*Package{}
	patchOf := map[string][]string{}
	for i := range pkgs {
		p := &pkgs[i]
		byName[p.Name] = p
		for _, c := range p.Patches {
			patchOf[c] = append(patchOf[c], p.Name)
		}
	}
	type setBy struct{ pkg, value string }
	lastSet := map[string]setBy{}
	changed := map[string]*Var{}
	res := &Result{}
	for i := range pkgs {
		p := &pkgs[i]
		for j, e := range p.Env {
			// A name is printed unquoted (export NAME='value'): anything but a name
			// would run as shell code in eval "$(pkg-pull env …)", or add lines to
			// $GITHUB_ENV. pkg-pull refuses such a package now; one installed before
			// is refused here.
			if !pkgspec.ValidEnvName(e.Name) {
				return nil, fault.New(fault.Verify,
					fmt.Errorf("%s %s: env[%d].name %q is not an environment variable name (letters, digits and '_', not starting with a digit)", p.Name, p.Version, j, e.Name),
					fmt.Sprintf("%s was published with an env name pkg-push lint refuses: remove it (pkg-pull remove %s) and ask its publisher for a version that fixes it", p.Name, p.Name))
			}
			if err := CheckValue(e.Value); err != nil {
				return nil, fault.New(fault.Verify, fmt.Errorf("%s %s: env[%d] (%s): %w", p.Name, p.Version, j, e.Name, err),
					fmt.Sprintf("%s was published with an env value pkg-push lint refuses: ask its publisher for a version that fixes it", p.Name))
			}
			value, err := interpolate(e.Value, p, byName)
			if err != nil {
				// CheckValue passed: a dependency is missing, which reinstalling mends.
				return nil, fault.New(fault.Verify, fmt.Errorf("%s %s: env[%d] (%s): %w", p.Name, p.Version, j, e.Name, err),
					"reinstall the package with its dependencies: pkg-pull add "+p.Name)
			}
			v := changed[e.Name]
			if v == nil {
				v = &Var{Name: e.Name}
				changed[e.Name] = v
			}
			cur, had := env[e.Name]
			switch e.Op {
			case "set":
				if prev, ok := lastSet[e.Name]; ok && prev.value != value && prev.pkg != p.Name {
					res.Notes = append(res.Notes, overrideNote(p.Name, prev.pkg, e.Name, patchOf))
				}
				lastSet[e.Name] = setBy{p.Name, value}
				env[e.Name] = value
				v.Set, v.Prepended, v.Appended = true, nil, nil
			case "prepend", "append":
				// A value may itself be a list (a:b): each of its entries is moved, so
				// composing again does not add the whole value a second time.
				entries := strings.Split(value, ListSeparator)
				added := func(s string) bool { return slices.Contains(entries, s) }
				rest := slices.DeleteFunc(split(cur, had), added)
				if e.Op == "prepend" {
					env[e.Name] = strings.Join(append(slices.Clone(entries), rest...), ListSeparator)
					v.Prepended = append(slices.Clone(entries), slices.DeleteFunc(v.Prepended, added)...)
					v.Appended = slices.DeleteFunc(v.Appended, added)
				} else {
					env[e.Name] = strings.Join(append(rest, entries...), ListSeparator)
					v.Appended = append(slices.DeleteFunc(v.Appended, added), entries...)
					v.Prepended = slices.DeleteFunc(v.Prepended, added)
				}
			default:
				return nil, fault.Errorf(fault.Verify, "%s %s: env[%d] (%s): op %q is not set, prepend or append", p.Name, p.Version, j, e.Name, e.Op)
			}
			if !had {
				keys = append(keys, e.Name)
			}
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		res.Environ = append(res.Environ, k+"="+env[k])
	}
	for name, v := range changed {
		v.Value = env[name]
		res.Vars = append(res.Vars, *v)
	}
	sort.Slice(res.Vars, func(i, j int) bool { return res.Vars[i].Name < res.Vars[j].Name })
	return res, nil
}

func overrideNote(pkg, prev, name string, patchOf map[string][]string) Note {
	if slices.Contains(patchOf[pkg], prev) {
		return Note{Info, fmt.Sprintf("%s (a patch for %s) sets %s, overriding %s's value", pkg, prev, name, prev)}
	}
	if len(patchOf[pkg]) > 0 {
		return Note{Info, fmt.Sprintf("%s (a patch for %s) sets %s, overriding %s's value", pkg, strings.Join(patchOf[pkg], ", "), name, prev)}
	}
	return Note{Warning, fmt.Sprintf("%s sets %s, overriding %s's value (%s comes later in the order)", pkg, name, prev, pkg)}
}

func split(v string, had bool) []string {
	if !had || v == "" {
		return nil
	}
	return strings.Split(v, ListSeparator)
}

// missingDependencyError is a ${deps.NAME.installPath} whose NAME is not composed with
// the package: unlike a malformed value, installing the dependency mends it.
type missingDependencyError struct{ value, variable, dep, pkg string }

func (e *missingDependencyError) Error() string {
	return fmt.Sprintf("value %q uses ${%s}, but %s is not installed as a dependency of %s", e.value, e.variable, e.dep, e.pkg)
}

// CheckValue reports an env value composition could never use: one holding a NUL
// byte, a ${ without its closing }, or a variable other than ${installPath} and
// ${deps.NAME.installPath}. Whether NAME is installed is known only when composing.
func CheckValue(v string) error {
	if !pkgspec.ValidEnvValue(v) {
		return fmt.Errorf("the value holds a NUL byte, which no environment variable can hold")
	}
	_, err := interpolate(v, &Package{}, nil)
	if _, missing := errors.AsType[*missingDependencyError](err); missing {
		return nil
	}
	return err
}

// interpolate replaces ${installPath} and ${deps.NAME.installPath} in v.
func interpolate(v string, p *Package, byName map[string]*Package) (string, error) {
	var b strings.Builder
	for rest := v; ; {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		b.WriteString(rest[:i])
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("value %q has a ${ without its closing }", v)
		}
		name := rest[i+2 : i+end]
		rest = rest[i+end+1:]
		if name == "installPath" {
			b.WriteString(p.Path)
			continue
		}
		dep, ok := strings.CutPrefix(name, "deps.")
		dep, ok2 := strings.CutSuffix(dep, ".installPath")
		if !ok || !ok2 || dep == "" {
			return "", fmt.Errorf("value %q uses the unknown variable ${%s}: the variables are ${installPath} and ${deps.NAME.installPath}", v, name)
		}
		d := byName[dep]
		if d == nil {
			return "", &missingDependencyError{value: v, variable: name, dep: dep, pkg: p.Name}
		}
		b.WriteString(d.Path)
	}
}
