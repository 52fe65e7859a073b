package pkgspec

import (
	"strings"
	"testing"
)

func TestCheckPlatform(t *testing.T) {
	t.Parallel()
	tests := []struct{ key, want string }{
		{"any", ""},
		{"linux/amd64", ""},
		{"linux/arm/v7", ""},
		{"darwin/arm64", ""},
		{"linux/x86_64", `uses "x86_64" for the architecture: OCI platforms use Go's names, write linux/amd64`},
		{"macos/arm64", "write darwin/arm64"},
		{"Linux/amd64", "has upper-case letters: write linux/amd64"},
		{"linux", "is not os/arch[/variant]"},
		{"linux//amd64", "is not os/arch[/variant]"},
		{"linux/amd64/v2/x", "is not os/arch[/variant]"},
		{"beos/amd64", `unknown operating system "beos"`},
		{"linux/z80", `unknown architecture "z80"`},
		{"linux/arm/V7!", "has upper-case letters"},
		{"linux/arm/v7!", `invalid variant "v7!"`},
	}
	for _, tt := range tests {
		err := CheckPlatform("platforms[0].platform", tt.key)
		if tt.want == "" {
			if err != nil {
				t.Errorf("CheckPlatform(%q) = %v", tt.key, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "platforms[0].platform ") {
			t.Errorf("CheckPlatform(%q) = %v, want an error with %q", tt.key, err, tt.want)
		}
	}
}

func TestCheckDependencyName(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, want string }{
		{"libgreet", ""},
		{"core/libgreet", ""},
		{"lib_x-1.2", ""},
		{"Zed", "is not NAME or TAP/NAME"},
		{"zed@^1", `has '@': put the constraint in version, e.g. {name: zed, version: "^1"}`},
		{"a/b/c", "has more than one '/'"},
		{"ghcr.io/zed", "starts with a registry host: write ref: ghcr.io/zed"},
		{"", "is not NAME or TAP/NAME"},
	}
	for _, tt := range tests {
		err := CheckDependencyName("dependencies[0].name", tt.name)
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("CheckDependencyName(%q) = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ url, want string }{
		{"https://github.com/org/hello", ""},
		{"http://example.com", ""},
		{"not a url", "is not an absolute http(s) URL"},
		{"github.com/org/hello", "is not an absolute http(s) URL"},
		{"mailto:me@example.com", "is not an absolute http(s) URL"},
		{"ftp://example.com/x", "uses the ftp: scheme"},
		{"https://example.com/a b", "contains spaces"},
		{"https:///path", "has no host"},
		{"https://me:s3cret@example.com/", "has credentials in it"},
	}
	for _, tt := range tests {
		err := CheckURL("homepage", tt.url)
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("CheckURL(%q) = %v, want %q", tt.url, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("CheckURL(%q) repeats the password: %v", tt.url, err)
		}
	}
}

func TestCheckLicense(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{"MIT", ""},
		{"Apache-2.0 OR MIT", ""},
		{"(MIT OR Apache-2.0) AND BSD-3-Clause", ""},
		{"GPL-2.0-or-later WITH Classpath-exception-2.0", ""},
		{"GPL-2.0+", ""},
		{"LicenseRef-Internal", ""},
		{"DocumentRef-x:LicenseRef-y", ""},
		{"Proprietary", ""}, // the shape of an id; whether SPDX lists it is lint's business
		{"Not A License", `unexpected "A"`},
		{"MIT or Apache-2.0", `operator "or" must be written OR`},
		{"MIT AND", "it ends where a license id is expected"},
		{"(MIT", "a '(' is not closed"},
		{"MIT)", `unexpected ")"`},
		{"OR MIT", "OR needs a license id before it"},
		{"MIT WITH", "WITH needs an exception id"},
		{"MIT/Apache", `"MIT/Apache" is not a license id`},
		{"LicenseRef-", `"LicenseRef-" is not a license id`},
		{"   ", "is empty"},
		{strings.Repeat("(", 60) + "MIT" + strings.Repeat(")", 60), "nest too deeply"},
	}
	for _, tt := range tests {
		err := CheckLicense("license", tt.expr)
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("CheckLicense(%q) = %v, want %q", tt.expr, err, tt.want)
		}
	}
}
