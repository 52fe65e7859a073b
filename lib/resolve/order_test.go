package resolve

import (
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
)

// locked parses "NAME [-> DEP DEP…] [+ COMPANION COMPANION…]" into packages at 1.0.0.
func locked(lines ...string) []api.LockedPackage {
	var pkgs []api.LockedPackage
	for _, l := range lines {
		head, companions, _ := strings.Cut(l, "+")
		name, deps, _ := strings.Cut(head, "->")
		pkgs = append(pkgs, api.LockedPackage{
			Name:         strings.TrimSpace(name),
			Version:      "1.0.0",
			Dependencies: strings.Fields(deps),
			Patches:      strings.Fields(companions),
		})
	}
	return pkgs
}

func TestOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pkgs []string
		want string
	}{
		{
			name: "dependencies first",
			pkgs: []string{"a -> b", "b", "c -> b"},
			want: "b a c",
		},
		{
			name: "ties by name",
			pkgs: []string{"x", "m", "a"},
			want: "a m x",
		},
		{
			name: "a chain",
			pkgs: []string{"hello -> libgreet", "libgreet -> zlib", "tool -> zlib", "zlib"},
			want: "zlib libgreet hello tool",
		},
		{
			name: "a companion right after the package it patches, before a dependent that sorts first",
			pkgs: []string{"hello -> libgreet + ca", "libgreet", "ca", "bbb -> hello"},
			want: "libgreet hello ca bbb",
		},
		{
			name: "a companion's dependencies come before the package it patches",
			pkgs: []string{"hello -> libgreet + ca", "libgreet", "ca -> certs", "certs", "aaa"},
			want: "aaa certs libgreet hello ca",
		},
		{
			name: "companions of one package in name order",
			pkgs: []string{"hello + proxy ca", "ca", "proxy", "zzz -> hello"},
			want: "hello ca proxy zzz",
		},
		{
			name: "a companion depending on another companion of the same package",
			pkgs: []string{"hello + ca proxy", "ca -> proxy", "proxy", "aaa -> hello"},
			want: "hello proxy ca aaa",
		},
		{
			name: "a companion of two packages comes after the later one",
			pkgs: []string{"hello + ca", "world -> hello + ca", "ca"},
			want: "hello world ca",
		},
		{
			name: "a companion's companion follows it",
			pkgs: []string{"hello + ca", "ca + cafix", "cafix", "aaa -> hello"},
			want: "hello ca cafix aaa",
		},
		{
			name: "a companion that depends on the package it patches",
			pkgs: []string{"hello + plugin", "plugin -> hello"},
			want: "hello plugin",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Order(locked(tt.pkgs...))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, " ") != tt.want {
				t.Fatalf("Order = %s\nwant    %s", strings.Join(got, " "), tt.want)
			}
		})
	}
}

func TestOrderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pkgs []string
		want string
	}{
		{
			name: "cycle",
			pkgs: []string{"a -> b", "b -> a", "c"},
			want: "dependency cycle: a 1.0.0 -> b 1.0.0 -> a 1.0.0",
		},
		{
			name: "cycle of three behind another package",
			pkgs: []string{"app -> x", "x -> y", "y -> z", "z -> x"},
			want: "dependency cycle: x 1.0.0 -> y 1.0.0 -> z 1.0.0 -> x 1.0.0",
		},
		{
			name: "cycle through a companion's dependency",
			pkgs: []string{"hello + ca", "ca -> x", "x -> hello"},
			want: "dependency cycle: hello 1.0.0 -> x 1.0.0 (a dependency of ca, which patches hello) -> hello 1.0.0",
		},
		{
			name: "cycle through a patch",
			pkgs: []string{"hello + ca", "ca + hello"},
			want: "dependency cycle: ca 1.0.0 -> hello 1.0.0 (ca patches hello) -> ca 1.0.0 (hello patches ca)",
		},
		{
			name: "unknown dependency",
			pkgs: []string{"a -> b"},
			want: "order: a depends on b, which is not in the lock",
		},
		{
			name: "unknown companion",
			pkgs: []string{"a + b"},
			want: "order: a is patched by b, which is not in the lock",
		},
		{
			name: "twice",
			pkgs: []string{"a", "a"},
			want: "order: a is in the lock twice",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Order(locked(tt.pkgs...))
			if err == nil {
				t.Fatalf("Order = %v, want an error", got)
			}
			if err.Error() != tt.want {
				t.Fatalf("error = %s\nwant    %s", err, tt.want)
			}
			if strings.HasPrefix(tt.want, "dependency cycle") && fault.KindOf(err) != fault.Conflict {
				t.Errorf("kind = %v, want conflict", fault.KindOf(err))
			}
			// A cycle through a companion is the site's patch rules', not the packages'.
			if hint := fault.HintOf(err); strings.Contains(tt.want, "patches") != strings.Contains(hint, "--no-patches") {
				t.Errorf("hint = %q", hint)
			}
		})
	}
}
