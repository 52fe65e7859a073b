package index

import (
	"fmt"

	"github.com/opencontainers/go-digest"

	"longshore.dev/lib/api"
	"longshore.dev/lib/pkgspec"
)

// genPackages makes n packages of v versions each, the same ones every time: the
// corpus of the scale tests and benchmarks. Each version has two platforms and a
// dependency, as a real package might.
func genPackages(n, v int) []Package {
	pkgs := make([]Package, n)
	for i := range pkgs {
		name := fmt.Sprintf("pkg-%05d", i)
		p := Package{
			Name:        name,
			Repository:  "registry.example.com/tools/" + name,
			Description: fmt.Sprintf("generated package number %d for index tests", i),
			Homepage:    "https://example.com/" + name,
			License:     "MIT",
			Keywords:    []string{"generated", fmt.Sprintf("group-%d", i%50)},
		}
		for j := range v {
			ver := fmt.Sprintf("1.%d.%d", j/3, j%3)
			d := func(what string) string { return digest.FromString(name + ver + what).String() }
			p.Versions = append(p.Versions, Version{
				Version: ver,
				Digest:  d("index"),
				Platforms: []api.Platform{
					{Platform: "linux/amd64", Digest: d("amd64")},
					{Platform: "linux/arm64", Digest: d("arm64")},
				},
				Dependencies: []pkgspec.Dependency{{Name: fmt.Sprintf("pkg-%05d", (i+1)%n), Version: "^1.0"}},
			})
		}
		pkgs[i] = p
	}
	return pkgs
}
