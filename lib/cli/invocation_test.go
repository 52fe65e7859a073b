package cli

import "testing"

func TestParseInvocation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		argv0, env string
		want       Invocation
	}{
		{"/usr/local/bin/pkg-push", "", Invocation{Prog: "pkg-push"}},
		{"pkg-pull", "", Invocation{Prog: "pkg-pull"}},
		{"/home/u/.local/bin/kubectl-pkg-push", "", Invocation{Prog: "kubectl pkg push"}},
		{"kubectl-pkg-add", "", Invocation{Prog: "kubectl pkg add", Verb: "add"}},
		{"kubectl-pkg-init", "", Invocation{Prog: "kubectl pkg init", Verb: "init"}},
		{"git-pkg-push", "", Invocation{Prog: "git pkg-push"}},
		{"kubectl-pkg", "", Invocation{Prog: "kubectl pkg", Dispatch: "kubectl pkg"}},
		{"git-pkg", "", Invocation{Prog: "git pkg", Dispatch: "git pkg"}},
		{"C:/bin/pkg-tap.exe", "", Invocation{Prog: "pkg-tap"}},
		{"renamed-binary", "", Invocation{Prog: "pkg-gc"}},
		// The dispatcher tells the sibling how the user typed it.
		{"/opt/krew/store/pkg/v1/pkg-push", "kubectl pkg push", Invocation{Prog: "kubectl pkg push"}},
		{"/opt/krew/store/pkg/v1/pkg-pull", "git pkg", Invocation{Prog: "git pkg"}},
	}
	for _, tc := range tests {
		t.Run(tc.argv0, func(t *testing.T) {
			t.Parallel()
			got := ParseInvocation(tc.argv0, "pkg-gc", func(k string) string {
				if k == EnvProg {
					return tc.env
				}
				return ""
			})
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestCommandPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		inv  Invocation
		verb string
		want string
	}{
		{Invocation{Prog: "kubectl pkg add", Verb: "add"}, "add", "kubectl pkg add"},
		{Invocation{Prog: "kubectl pkg"}, "add", "kubectl pkg add"},
		{Invocation{Prog: "pkg-push"}, "", "pkg-push"},
		{Invocation{Prog: "git pkg-push"}, "init", "git pkg-push init"},
	} {
		if got := tc.inv.CommandPath(tc.verb); got != tc.want {
			t.Errorf("%+v.CommandPath(%q) = %q, want %q", tc.inv, tc.verb, got, tc.want)
		}
	}
}

// Sibling spells another area's binary as the user reaches this one.
func TestSibling(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ prog, want string }{
		{"pkg-pull", "pkg-tap"},
		{"kubectl pkg", "kubectl pkg tap"},
		{"kubectl pkg pull", "kubectl pkg tap"},
		{"kubectl pkg add", "kubectl pkg tap"},
		{"git pkg-pull", "git pkg-tap"},
		{"git pkg", "git pkg tap"},
		{"git pkg pull", "git pkg tap"},
	} {
		if got := (Invocation{Prog: tc.prog}).Sibling("tap"); got != tc.want {
			t.Errorf("Sibling(tap) under %q = %q, want %q", tc.prog, got, tc.want)
		}
	}
}
