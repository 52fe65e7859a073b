package resolve

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/version"
)

// fakeSource is an in-memory Source. Its packages are written one version a line:
//
//	NAME VERSION [yanked] [-> DEP CONSTRAINT; DEP CONSTRAINT…]
type fakeSource struct {
	pkgs map[string][]Candidate
	// seed, when not 0, shuffles the candidates returned (and their dependencies).
	seed  uint64
	calls int
}

func universe(lines ...string) *fakeSource {
	f := &fakeSource{pkgs: map[string][]Candidate{}}
	for _, l := range lines {
		head, deps, _ := strings.Cut(l, "->")
		fields := strings.Fields(head)
		if len(fields) < 2 {
			panic("bad line " + l)
		}
		name, v := fields[0], version.MustParse(fields[1])
		c := Candidate{
			Version: v,
			Yanked:  len(fields) > 2 && fields[2] == "yanked",
			Origin: Origin{
				Tap:        "main",
				Repository: "registry.example/" + name,
				Digest:     fakeDigest(name + "@" + v.String()),
				Platforms: []api.Platform{
					{Platform: "linux/amd64", Digest: fakeDigest(name + "@" + v.String() + "/amd64")},
					{Platform: "linux/arm64", Digest: fakeDigest(name + "@" + v.String() + "/arm64")},
				},
			},
		}
		for _, d := range strings.Split(deps, ";") {
			if d = strings.TrimSpace(d); d == "" {
				continue
			}
			dn, dc, _ := strings.Cut(d, " ")
			c.Dependencies = append(c.Dependencies, Requirement{Name: dn, Constraint: strings.TrimSpace(dc)})
		}
		f.pkgs[name] = append(f.pkgs[name], c)
	}
	return f
}

func fakeDigest(s string) string {
	return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(s)))
}

func (f *fakeSource) Versions(_ context.Context, name string) ([]Candidate, error) {
	f.calls++
	cands, ok := f.pkgs[name]
	if !ok {
		return nil, fault.New(fault.NotFound, fmt.Errorf("no tap has a package named %s; looked in main, extra", name),
			"check the name, or run pkg-tap update")
	}
	out := slices.Clone(cands)
	if f.seed != 0 {
		r := rand.New(rand.NewPCG(f.seed, uint64(len(name))))
		r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		for i := range out {
			deps := slices.Clone(out[i].Dependencies)
			r.Shuffle(len(deps), func(a, b int) { deps[a], deps[b] = deps[b], deps[a] })
			out[i].Dependencies = deps
		}
	}
	return out, nil
}

// req parses "name@constraint".
func req(s string) Request {
	name, c, _ := strings.Cut(s, "@")
	return Request{Name: name, Constraint: c}
}

func reqs(ss ...string) []Request {
	out := make([]Request, len(ss))
	for i, s := range ss {
		out[i] = req(s)
	}
	return out
}

// picked is a solution as "name version" words, sorted by name.
func picked(s *Solution) string {
	var parts []string
	for _, p := range s.Packages {
		parts = append(parts, p.Name+" "+p.Version.String())
	}
	return strings.Join(parts, ", ")
}
