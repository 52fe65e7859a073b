package resolve

import (
	"container/heap"
	"fmt"
	"slices"
	"strings"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
)

// Order returns the names of pkgs in the order they install and compose their
// environments in: Kahn's algorithm, ties broken by name, with these rules
// (docs/resolution.md):
//
//   - a package comes after its dependencies;
//   - a patch companion comes right after the package it patches (after the last of
//     them when it patches several), followed by its own companions; companions of
//     one package that depend on each other keep that order among themselves;
//   - so that nothing can come between, a companion's other dependencies come before
//     the package it patches.
//
// A cycle is an error naming its members in order.
func Order(pkgs []api.LockedPackage) ([]string, error) {
	o := &orderer{index: map[string]int{}}
	for i, p := range pkgs {
		if _, dup := o.index[p.Name]; dup {
			return nil, fmt.Errorf("order: %s is in the lock twice", p.Name)
		}
		o.index[p.Name] = i
		o.names = append(o.names, p.Name)
		o.versions = append(o.versions, p.Version)
	}
	o.after = make([]map[int]edge, len(pkgs))
	o.before = make([][]int, len(pkgs))
	o.companion = make([]bool, len(pkgs))
	patchedBy := make([][]int, len(pkgs)) // companion → packages it patches
	for i, p := range pkgs {
		for _, d := range p.Dependencies {
			j, err := o.lookup(p.Name, "depends on", d)
			if err != nil {
				return nil, err
			}
			o.edge(i, j, edge{kind: edgeDependency})
		}
		for _, c := range p.Patches {
			j, err := o.lookup(p.Name, "is patched by", c)
			if err != nil {
				return nil, err
			}
			o.edge(j, i, edge{kind: edgePatch})
			o.companion[j] = true
			patchedBy[j] = append(patchedBy[j], i)
		}
	}
	// A companion's dependencies go before the package it patches, except the
	// package itself and its other companions, which the companion follows anyway.
	for c, patched := range patchedBy {
		for _, p := range patched {
			for _, d := range pkgs[c].Dependencies {
				j := o.index[d]
				if j == p || slices.Contains(pkgs[p].Patches, d) {
					continue
				}
				o.edge(p, j, edge{kind: edgeCompanionDependency, via: c})
			}
		}
	}
	return o.kahn()
}

type edgeKind int

const (
	edgeDependency edgeKind = iota
	edgePatch
	edgeCompanionDependency
)

// edge says why a package must come after another.
type edge struct {
	kind edgeKind
	via  int // the companion of an edgeCompanionDependency
}

type orderer struct {
	names, versions []string
	index           map[string]int
	// after[i] holds the packages i must come after, with why.
	after []map[int]edge
	// before[j] lists the packages that must come after j.
	before    [][]int
	companion []bool
}

func (o *orderer) lookup(from, verb, name string) (int, error) {
	j, ok := o.index[name]
	if !ok {
		return 0, fmt.Errorf("order: %s %s %s, which is not in the lock", from, verb, name)
	}
	return j, nil
}

// edge records that i comes after j (the first reason given is kept).
func (o *orderer) edge(i, j int, e edge) {
	if o.after[i] == nil {
		o.after[i] = map[int]edge{}
	}
	if _, ok := o.after[i][j]; ok {
		return
	}
	o.after[i][j] = e
	o.before[j] = append(o.before[j], i)
}

type nameHeap struct {
	names []string
	items []int
}

func (h *nameHeap) Len() int           { return len(h.items) }
func (h *nameHeap) Less(a, b int) bool { return h.names[h.items[a]] < h.names[h.items[b]] }
func (h *nameHeap) Swap(a, b int)      { h.items[a], h.items[b] = h.items[b], h.items[a] }
func (h *nameHeap) Push(x any)         { h.items = append(h.items, x.(int)) }
func (h *nameHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

func (o *orderer) kahn() ([]string, error) {
	n := len(o.names)
	waiting := make([]int, n)
	ready := &nameHeap{names: o.names}
	for i := range n {
		waiting[i] = len(o.after[i])
		if waiting[i] == 0 {
			ready.items = append(ready.items, i)
		}
	}
	heap.Init(ready)
	// urgent holds companions that just became ready: they go before anything
	// else, depth first, in name order.
	var urgent []int
	order := make([]string, 0, n)
	for len(order) < n {
		var i int
		switch {
		case len(urgent) > 0:
			i = urgent[len(urgent)-1]
			urgent = urgent[:len(urgent)-1]
		case ready.Len() > 0:
			i = heap.Pop(ready).(int)
		default:
			return nil, o.cycleError(waiting)
		}
		order = append(order, o.names[i])
		var now []int
		for _, j := range o.before[i] {
			waiting[j]--
			if waiting[j] > 0 {
				continue
			}
			if o.companion[j] {
				now = append(now, j)
			} else {
				heap.Push(ready, j)
			}
		}
		slices.SortFunc(now, func(a, b int) int { return strings.Compare(o.names[b], o.names[a]) })
		urgent = append(urgent, now...)
	}
	return order, nil
}

// cycleError names a cycle among the packages Kahn's algorithm could not place,
// each member followed by one it must come after.
func (o *orderer) cycleError(waiting []int) error {
	var stuck []int
	for i, w := range waiting {
		if w > 0 {
			stuck = append(stuck, i)
		}
	}
	slices.SortFunc(stuck, func(a, b int) int { return strings.Compare(o.names[a], o.names[b]) })
	// Every stuck package waits on another stuck one: walk from the first until a
	// package repeats.
	pos := map[int]int{}
	var path []int
	for i := stuck[0]; ; {
		if at, seen := pos[i]; seen {
			path = append(path[at:], i)
			break
		}
		pos[i] = len(path)
		path = append(path, i)
		next := -1
		for j := range o.after[i] {
			if waiting[j] > 0 && (next < 0 || o.names[j] < o.names[next]) {
				next = j
			}
		}
		i = next
	}
	var b strings.Builder
	b.WriteString("dependency cycle: " + o.label(path[0]))
	throughPatch := false
	for k := 1; k < len(path); k++ {
		from, to := path[k-1], path[k]
		b.WriteString(" -> " + o.label(to))
		switch e := o.after[from][to]; e.kind {
		case edgePatch:
			b.WriteString(fmt.Sprintf(" (%s patches %s)", o.names[from], o.names[to]))
			throughPatch = true
		case edgeCompanionDependency:
			b.WriteString(fmt.Sprintf(" (a dependency of %s, which patches %s)", o.names[e.via], o.names[from]))
			throughPatch = true
		}
	}
	hint := "a package cannot be installed before itself: break the cycle in one of the packages named"
	if throughPatch {
		// The packages are not at fault and their publishers cannot fix it: the site's
		// patch rules made the companion (docs/patches.md says whose a rule is).
		hint = "the cycle goes through a patch companion, which the site's patch rules add: ask the site's administrator to change the rule; until then `pkg-dep resolve --no-patches` resolves without patch rules"
	}
	return fault.New(fault.Conflict, fmt.Errorf("%s", b.String()), hint)
}

func (o *orderer) label(i int) string {
	if o.versions[i] == "" {
		return o.names[i]
	}
	return o.names[i] + " " + o.versions[i]
}
