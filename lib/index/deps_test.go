package index

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"longshore.dev/lib/pkgspec"
)

func dependsOn(name, version string, deps ...pkgspec.Dependency) Package {
	p := pkgVersion(name, version)
	p.Versions[0].Dependencies = deps
	return p
}

func TestUnlistedDependencies(t *testing.T) {
	t.Parallel()
	libgreet := pkgspec.Dependency{Name: "libgreet", Version: "^1"}
	app2 := dependsOn("app", "2.0.0", libgreet, pkgspec.Dependency{Name: "zlib"})
	app2.Versions = append(app2.Versions, dependsOn("app", "1.0.0", libgreet).Versions...)
	tests := []struct {
		name   string
		pkgs   []Package
		listed func(string) bool
		want   string
	}{
		{"nothing missing", []Package{dependsOn("app", "1.0.0", libgreet), pkgVersion("libgreet", "1.0.0")}, nil, "[]"},
		{"one missing", []Package{dependsOn("app", "1.0.0", libgreet)}, nil, "[{libgreet [app@1.0.0]}]"},
		{"by every version that needs it, names sorted", []Package{app2, dependsOn("web", "0.1.0", libgreet)}, nil,
			"[{libgreet [app@1.0.0 app@2.0.0 web@0.1.0]} {zlib [app@2.0.0]}]"},
		{"listed elsewhere in the index", []Package{app2}, func(n string) bool { return n == "zlib" }, "[{libgreet [app@1.0.0 app@2.0.0]}]"},
		// Another tap's package and a repository are not the index's to list.
		{"TAP/NAME and ref", []Package{dependsOn("app", "1.0.0", pkgspec.Dependency{Name: "core/libgreet"}, pkgspec.Dependency{Ref: "ghcr.io/org/libgreet"})}, nil, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := fmt.Sprint(UnlistedDependencies(tt.pkgs, tt.listed)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// Add says which dependencies of what it added the index does not list, looking at
// the whole index it tagged; Publish at the packages it published.
func TestPublishResultUnlisted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tgt := openLayout(t, filepath.Join(t.TempDir(), "index"))
	app := dependsOn("app", "1.0.0", pkgspec.Dependency{Name: "libgreet", Version: "^1"})
	res, err := Add(ctx, tgt, "", []Package{app}, PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Unlisted); got != "[{libgreet [app@1.0.0]}]" {
		t.Errorf("app without libgreet: unlisted %s", got)
	}
	if _, err := Add(ctx, tgt, "", []Package{pkgVersion("libgreet", "1.0.0")}, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	// libgreet is in the index now, in another add.
	res, err = Add(ctx, tgt, "", []Package{dependsOn("app", "1.1.0", pkgspec.Dependency{Name: "libgreet", Version: "^1"})}, PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unlisted) != 0 {
		t.Errorf("libgreet is in the index: unlisted %v", res.Unlisted)
	}

	res, err = Publish(ctx, openLayout(t, filepath.Join(t.TempDir(), "index")), "", []Package{app}, PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Unlisted); got != "[{libgreet [app@1.0.0]}]" {
		t.Errorf("published without libgreet: unlisted %s", got)
	}
}
