package resolve

// incompat is an incompatibility: a set of terms that cannot all be true. Every fact
// the solver knows is one: a dependency ("app 1.0.0 depends on libx ^2" is {app 1.0.0,
// not libx ^2}), a version that cannot be used, a cycle, and every fact it learns
// from a conflict (derived from two others, which makes the derivation graph the
// explanation reads from).
type incompat struct {
	terms []term
	cause cause
	// left and right are the two incompatibilities a derived one comes from.
	left, right *incompat
	// dep is the requirement of a dependency or an unusable dependency.
	dep Requirement
	// request is the index of the request a root dependency stands for.
	request int
	// why says why an unusable dependency cannot be met: a missing package (the
	// source's message), no matching version, an invalid constraint.
	why string
	// notFound marks a dependency on a package no source has.
	notFound error
	// cycle is the path of a dependency cycle, first member repeated at the end.
	cycle []string
}

type cause int

const (
	// causeRoot: the root (the requests) is selected.
	causeRoot cause = iota
	// causeDependency: {depender, not dependee}.
	causeDependency
	// causeUnusable: {depender}: the dependency cannot be met by any version.
	causeUnusable
	// causeCycle: {member…}: these versions depend on each other in a cycle.
	causeCycle
	// causeConflict: derived from left and right.
	causeConflict
)

func (c *incompat) derived() bool { return c.cause == causeConflict }

// newDerived builds the incompatibility conflict resolution learns, merging terms
// about the same package and dropping the root, which is always selected.
func newDerived(terms []term, left, right *incompat) *incompat {
	merged := make([]term, 0, len(terms))
	for _, t := range terms {
		i := 0
		for i < len(merged) && merged[i].pkg != t.pkg {
			i++
		}
		if i == len(merged) {
			merged = append(merged, t)
		} else {
			merged[i] = merged[i].intersect(t)
		}
	}
	if len(merged) > 1 {
		kept := merged[:0]
		for _, t := range merged {
			if !(t.pkg == rootID && t.pos) {
				kept = append(kept, t)
			}
		}
		merged = kept
	}
	// A negative term every state satisfies adds nothing.
	kept := merged[:0]
	for _, t := range merged {
		if t.pos || !t.void() {
			kept = append(kept, t)
		}
	}
	return &incompat{terms: kept, cause: causeConflict, left: left, right: right}
}

// failure reports whether c says the root cannot be selected: no solution exists.
func (c *incompat) failure() bool {
	return len(c.terms) == 0 || len(c.terms) == 1 && c.terms[0].pos && c.terms[0].pkg == rootID
}
