package resolve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/version"
)

// The solver is PubGrub (Natalie Weizenbaum's algorithm, as in Dart's pub and
// uv): unit propagation derives what the choices so far force, a conflict is
// resolved into a new incompatibility that explains it and backjumps to where
// that incompatibility forces a different choice, and the incompatibility that
// proves the root cannot be selected is the explanation. Version sets are
// finite (vset), since a Source lists every version of a package.

// rootID is the package standing for the requests; its one version depends on them.
const rootID = 0

// pkg is what the solver knows about one package.
type pkg struct {
	name string
	// missing is the Source's NotFound error when no source has the package.
	missing error
	cands   []Candidate
	// deps holds each candidate's requirements sorted by name and constraint.
	deps [][]Requirement
	full vset
	// sets caches the versions each constraint text selects.
	sets map[string]vset
}

type assignment struct {
	t term
	// acc is what all assignments of the package up to this one say together.
	acc   term
	level int
	// cause is the incompatibility the assignment was derived from; nil for a decision.
	cause *incompat
}

type solver struct {
	ctx      context.Context
	src      Source
	requests []Request
	maxSteps int
	steps    int

	pkgs        []*pkg
	ids         map[string]int
	constraints map[string]constraintResult
	incompats   [][]*incompat // by package
	listed      map[listKey]bool
	conflicts   []int // by package: how often it was the last straw of a conflict

	// The partial solution.
	assigns []assignment
	byPkg   [][]int // each package's assignments, oldest first
	decided []int   // the chosen version of each package, or -1
	level   int

	queued []bool

	// held are the versions the Installed and Locked requests hold, by package name:
	// such a version is chosen even when it is yanked, so any constraint it matches
	// selects it (a lock keeps its yanked versions, as cargo's does).
	held map[string]*version.Version
}

type constraintResult struct {
	c   *version.Constraint
	err error
}

// listKey identifies a dependency incompatibility already added.
type listKey struct {
	pkg, lo, hi int
	req         Requirement
}

// Solve picks a version of every package the requests reach.
//
// When no choice satisfies every constraint, the error (fault.Conflict, or
// fault.NotFound when a missing package is part of the reason) explains why, naming
// the chain of requirers on each side. When the work exceeds Options.MaxSteps, the
// error says so and names the packages that kept conflicting.
func Solve(ctx context.Context, src Source, requests []Request, opts Options) (*Solution, error) {
	s := &solver{
		ctx:         ctx,
		src:         src,
		requests:    requests,
		maxSteps:    cmp.Or(opts.MaxSteps, DefaultMaxSteps),
		ids:         map[string]int{},
		constraints: map[string]constraintResult{},
		listed:      map[listKey]bool{},
		held:        map[string]*version.Version{},
	}
	if len(requests) == 0 {
		return nil, fault.Errorf(fault.Usage, "nothing to resolve: no package was requested")
	}
	rootDeps := make([]Requirement, len(requests))
	for i, r := range requests {
		if strings.TrimSpace(r.Name) == "" {
			return nil, fault.Errorf(fault.Usage, "request %d names no package", i+1)
		}
		c, err := s.constraint(r.Constraint)
		if err != nil {
			return nil, fault.New(fault.Usage, fmt.Errorf("request %s: %w", r, err), "")
		}
		if exact := c.Exact(); exact != nil && (r.Installed || r.Locked) {
			s.held[strings.TrimSpace(r.Name)] = exact
		}
		rootDeps[i] = Requirement{Name: strings.TrimSpace(r.Name), Constraint: strings.TrimSpace(r.Constraint)}
	}
	s.addPackage("")
	root := s.pkgs[rootID]
	root.cands = []Candidate{{Version: version.MustParse("0.0.0")}}
	root.deps = [][]Requirement{sortedRequirements(rootDeps)}
	root.full = fullSet(1)

	s.addIncompat(&incompat{terms: []term{{pkg: rootID, pos: false, set: root.full}}, cause: causeRoot})
	next := rootID
	for {
		if err := s.propagate(next); err != nil {
			return nil, err
		}
		var done bool
		var err error
		next, done, err = s.choose()
		if err != nil {
			return nil, err
		}
		if !done {
			continue
		}
		sol := s.solution()
		cyc := s.findCycle(sol)
		if cyc == nil {
			return s.result(sol), nil
		}
		// A cycle cannot be installed in order: forbid it like any conflict and go on
		// searching for an acyclic solution.
		c := s.cycleIncompat(cyc)
		s.addIncompat(c)
		learned, err := s.resolveConflict(c)
		if err != nil {
			return nil, err
		}
		if next, err = s.deriveFrom(learned); err != nil {
			return nil, err
		}
	}
}

func (s *solver) addPackage(name string) int {
	id := len(s.pkgs)
	s.ids[name] = id
	s.pkgs = append(s.pkgs, &pkg{name: name, sets: map[string]vset{}})
	s.incompats = append(s.incompats, nil)
	s.conflicts = append(s.conflicts, 0)
	s.byPkg = append(s.byPkg, nil)
	s.decided = append(s.decided, -1)
	s.queued = append(s.queued, false)
	return id
}

// load returns the package named name, asking the Source for its versions the first
// time.
func (s *solver) load(name string) (int, error) {
	if id, ok := s.ids[name]; ok {
		return id, nil
	}
	cands, err := s.src.Versions(s.ctx, name)
	id := s.addPackage(name)
	p := s.pkgs[id]
	switch {
	case err != nil && fault.KindOf(err) == fault.NotFound:
		p.missing = err
		p.full = newSet(0)
		return id, nil
	case err != nil:
		return 0, fmt.Errorf("reading the versions of %s: %w", name, err)
	}
	p.cands = slices.Clone(cands)
	for _, c := range p.cands {
		if c.Version == nil {
			return 0, fault.Errorf(fault.Verify, "the versions of %s include one without a version number", name)
		}
	}
	slices.SortStableFunc(p.cands, func(a, b Candidate) int { return a.Version.Compare(b.Version) })
	for i := 1; i < len(p.cands); i++ {
		if p.cands[i].Version.Equal(p.cands[i-1].Version) {
			return 0, fault.Errorf(fault.Verify, "the versions of %s list %s twice", name, p.cands[i].Version)
		}
	}
	p.deps = make([][]Requirement, len(p.cands))
	for i, c := range p.cands {
		reqs := make([]Requirement, len(c.Dependencies))
		for j, r := range c.Dependencies {
			reqs[j] = Requirement{Name: strings.TrimSpace(r.Name), Constraint: strings.TrimSpace(r.Constraint)}
		}
		p.deps[i] = sortedRequirements(reqs)
	}
	p.full = fullSet(len(p.cands))
	return id, nil
}

func sortedRequirements(reqs []Requirement) []Requirement {
	slices.SortFunc(reqs, compareRequirement)
	return slices.Compact(reqs)
}

func compareRequirement(a, b Requirement) int {
	return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Constraint, b.Constraint))
}

func (s *solver) constraint(text string) (*version.Constraint, error) {
	r, ok := s.constraints[text]
	if !ok {
		r.c, r.err = version.ParseConstraint(text)
		s.constraints[text] = r
	}
	return r.c, r.err
}

// versions returns the versions of package id that constraint text selects:
// matching ones, without yanked versions unless the constraint pins them exactly or
// an installed package or a lock holds them.
func (s *solver) versions(id int, text string) (vset, error) {
	p := s.pkgs[id]
	if set, ok := p.sets[text]; ok {
		return set, nil
	}
	c, err := s.constraint(text)
	if err != nil {
		return nil, err
	}
	held := s.held[p.name]
	set := newSet(len(p.cands))
	for i, cand := range p.cands {
		if c.Matches(cand.Version) && (!cand.Yanked || c.Exact() != nil || held != nil && held.Equal(cand.Version)) {
			set.add(i)
		}
	}
	p.sets[text] = set
	return set, nil
}

func (s *solver) addIncompat(c *incompat) {
	for _, t := range c.terms {
		s.incompats[t.pkg] = append(s.incompats[t.pkg], c)
	}
}

func (s *solver) last(id int) int {
	if a := s.byPkg[id]; len(a) > 0 {
		return a[len(a)-1]
	}
	return -1
}

type relation int

const (
	inconclusive relation = iota
	satisfied
	contradicted
)

func (s *solver) relation(t term) relation {
	l := s.last(t.pkg)
	switch {
	case l < 0:
		return inconclusive
	case s.assigns[l].acc.satisfies(t):
		return satisfied
	case s.assigns[l].acc.contradicts(t):
		return contradicted
	}
	return inconclusive
}

func (s *solver) assign(t term, cause *incompat) {
	acc := t
	if l := s.last(t.pkg); l >= 0 {
		acc = s.assigns[l].acc.intersect(t)
	}
	s.byPkg[t.pkg] = append(s.byPkg[t.pkg], len(s.assigns))
	s.assigns = append(s.assigns, assignment{t: t, acc: acc, level: s.level, cause: cause})
	s.steps++
}

func (s *solver) decide(id, v int) {
	s.level++
	s.decided[id] = v
	set := newSet(len(s.pkgs[id].cands))
	set.add(v)
	s.assign(term{pkg: id, pos: true, set: set}, nil)
}

func (s *solver) backtrack(level int) {
	for len(s.assigns) > 0 && s.assigns[len(s.assigns)-1].level > level {
		a := s.assigns[len(s.assigns)-1]
		s.assigns = s.assigns[:len(s.assigns)-1]
		s.byPkg[a.t.pkg] = s.byPkg[a.t.pkg][:len(s.byPkg[a.t.pkg])-1]
		if a.cause == nil {
			s.decided[a.t.pkg] = -1
		}
	}
	s.level = level
}

// satisfier returns the earliest assignment after which the partial solution
// satisfies t.
func (s *solver) satisfier(t term) (int, error) {
	for _, i := range s.byPkg[t.pkg] {
		if s.assigns[i].acc.satisfies(t) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("internal error: no assignment satisfies a term of %s", s.pkgs[t.pkg].name)
}

// ErrBudget is wrapped by the error of a solve that ran out of steps
// (Options.MaxSteps).
var ErrBudget = errors.New("version solving gave up")

func (s *solver) checkBudget() error {
	if s.steps <= s.maxSteps {
		return nil
	}
	return s.budgetError()
}

// propagate derives everything the partial solution forces, starting from what
// changed about package id; a conflict is resolved and propagation goes on from the
// package the learned incompatibility forces.
func (s *solver) propagate(id int) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	queue := []int{id}
	s.queued[id] = true
	defer func() {
		for _, p := range queue {
			s.queued[p] = false
		}
	}()
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		s.queued[p] = false
		list := s.incompats[p]
		// Newest first: learned incompatibilities are the most general.
		for i := len(list) - 1; i >= 0; i-- {
			derived, conflict := s.propagateOne(list[i])
			if conflict {
				learned, err := s.resolveConflict(list[i])
				if err != nil {
					return err
				}
				d, err := s.deriveFrom(learned)
				if err != nil {
					return err
				}
				for _, q := range queue {
					s.queued[q] = false
				}
				queue = append(queue[:0], d)
				s.queued[d] = true
				break
			}
			if derived >= 0 && !s.queued[derived] {
				queue = append(queue, derived)
				s.queued[derived] = true
			}
		}
		if err := s.checkBudget(); err != nil {
			return err
		}
	}
	return nil
}

// propagateOne derives the negation of c's one undecided term when the partial
// solution satisfies all the others, returning its package (or -1), or reports that
// the partial solution satisfies all of c.
func (s *solver) propagateOne(c *incompat) (derived int, conflict bool) {
	unsat := -1
	for i, t := range c.terms {
		switch s.relation(t) {
		case contradicted:
			return -1, false
		case inconclusive:
			if unsat >= 0 {
				return -1, false
			}
			unsat = i
		}
	}
	if unsat < 0 {
		return -1, true
	}
	t := c.terms[unsat]
	s.assign(t.negate(), c)
	return t.pkg, false
}

// deriveFrom applies the incompatibility conflict resolution learned, which the
// partial solution (after the backjump) almost satisfies.
func (s *solver) deriveFrom(c *incompat) (int, error) {
	d, conflict := s.propagateOne(c)
	if conflict || d < 0 {
		return 0, errors.New("internal error: a learned incompatibility forces nothing after backjumping")
	}
	return d, nil
}

// resolveConflict turns an incompatibility the partial solution satisfies into the
// root cause of the conflict, backjumping to the level where it forces a new
// assignment. When the root cause is that the root cannot be selected, it returns
// the explanation.
func (s *solver) resolveConflict(c *incompat) (*incompat, error) {
	learned := false
	for !c.failure() {
		s.steps++
		if err := s.checkBudget(); err != nil {
			return nil, err
		}
		mostRecent := -1 // index into c.terms
		satisfier := -1  // index into s.assigns
		var difference *term
		previousLevel := 1
		for i, t := range c.terms {
			sat, err := s.satisfier(t)
			if err != nil {
				return nil, err
			}
			switch {
			case satisfier < 0:
				mostRecent, satisfier = i, sat
			case satisfier < sat:
				previousLevel = max(previousLevel, s.assigns[satisfier].level)
				mostRecent, satisfier, difference = i, sat, nil
			default:
				previousLevel = max(previousLevel, s.assigns[sat].level)
			}
			if mostRecent == i {
				// The satisfier may only satisfy the term together with earlier
				// assignments; those bound how far back the jump may go.
				d := s.assigns[satisfier].t.difference(t)
				if d.void() {
					difference = nil
				} else {
					difference = &d
					ds, err := s.satisfier(d.negate())
					if err != nil {
						return nil, err
					}
					previousLevel = max(previousLevel, s.assigns[ds].level)
				}
			}
		}
		a := s.assigns[satisfier]
		s.conflicts[a.t.pkg]++
		if previousLevel < a.level || a.cause == nil {
			s.backtrack(previousLevel)
			if learned {
				s.addIncompat(c)
			}
			return c, nil
		}
		terms := make([]term, 0, len(c.terms)+len(a.cause.terms))
		for i, t := range c.terms {
			if i != mostRecent {
				terms = append(terms, t)
			}
		}
		for _, t := range a.cause.terms {
			if t.pkg != a.t.pkg {
				terms = append(terms, t)
			}
		}
		if difference != nil {
			terms = append(terms, difference.negate())
		}
		c = newDerived(terms, c, a.cause)
		learned = true
	}
	return nil, s.failureError(c)
}

// choose picks the next package to decide, the one with the fewest versions left
// (a conflict, if any, shows soonest), and its highest allowed version. It adds the
// version's dependencies and decides it unless they conflict with what is already
// chosen, leaving propagation to find a better version. done means every package
// has a version.
func (s *solver) choose() (next int, done bool, err error) {
	best, bestCount := -1, 0
	for id := range s.pkgs {
		if s.decided[id] >= 0 {
			continue
		}
		l := s.last(id)
		if l < 0 || !s.assigns[l].acc.pos {
			continue
		}
		n := s.assigns[l].acc.set.count()
		if best < 0 || n < bestCount || n == bestCount && s.pkgs[id].name < s.pkgs[best].name {
			best, bestCount = id, n
		}
	}
	if best < 0 {
		return 0, true, nil
	}
	v := s.assigns[s.last(best)].acc.set.highest()
	conflict, err := s.addDependencies(best, v)
	if err != nil {
		return 0, false, err
	}
	if !conflict {
		s.decide(best, v)
	}
	return best, false, s.checkBudget()
}

// addDependencies adds the incompatibilities of version v of package id's
// requirements, each covering the run of neighbouring versions with the same
// requirement, and reports whether one of them already conflicts.
func (s *solver) addDependencies(id, v int) (conflict bool, err error) {
	reqs := s.pkgs[id].deps[v]
	for _, r := range reqs {
		lo, hi := s.run(id, v, func(j int) bool {
			_, found := slices.BinarySearchFunc(s.pkgs[id].deps[j], r, compareRequirement)
			return found
		})
		key := listKey{pkg: id, lo: lo, hi: hi, req: r}
		if s.listed[key] {
			continue
		}
		s.listed[key] = true
		c, err := s.dependency(id, lo, hi, r)
		if err != nil {
			return false, err
		}
		if c == nil {
			continue
		}
		if id == rootID {
			c.request = s.requestIndex(r)
		}
		s.addIncompat(c)
		all := true
		for _, t := range c.terms {
			if t.pkg != id && s.relation(t) != satisfied {
				all = false
			}
		}
		conflict = conflict || all
	}
	return conflict, nil
}

// run returns the widest range of versions of package id around v for which has holds.
func (s *solver) run(id, v int, has func(int) bool) (lo, hi int) {
	lo, hi = v, v
	for lo > 0 && has(lo-1) {
		lo--
	}
	for hi+1 < len(s.pkgs[id].cands) && has(hi+1) {
		hi++
	}
	return lo, hi
}

func (s *solver) requestIndex(r Requirement) int {
	for i, q := range s.requests {
		if strings.TrimSpace(q.Name) == r.Name && strings.TrimSpace(q.Constraint) == r.Constraint {
			return i
		}
	}
	return 0
}

// dependency builds the incompatibility for versions lo..hi of package id requiring
// r: {id lo..hi, not r}, or {id lo..hi} alone when no version can meet r. A package
// depending on itself adds nothing here: the cycle check forbids it.
func (s *solver) dependency(id, lo, hi int, r Requirement) (*incompat, error) {
	depender := term{pkg: id, pos: true, set: newSet(len(s.pkgs[id].cands))}
	for j := lo; j <= hi; j++ {
		depender.set.add(j)
	}
	unusable := func(why string, notFound error) *incompat {
		return &incompat{terms: []term{depender}, cause: causeUnusable, dep: r, why: why, notFound: notFound}
	}
	if r.Name == "" {
		return unusable("names no package", nil), nil
	}
	q, err := s.load(r.Name)
	if err != nil {
		return nil, err
	}
	if q == id {
		return nil, nil
	}
	if missing := s.pkgs[q].missing; missing != nil {
		return unusable(fmt.Sprintf("doesn't exist (%s)", missing), missing), nil
	}
	set, err := s.versions(q, r.Constraint)
	if err != nil {
		return unusable(fmt.Sprintf("is not a valid constraint (%s)", err), nil), nil
	}
	if set.empty() {
		return unusable(s.noMatch(q, r.Constraint), nil), nil
	}
	label := r.Constraint
	if label == "" {
		label = "*"
	}
	return &incompat{
		terms: []term{depender, {pkg: q, pos: false, set: set, label: label}},
		cause: causeDependency,
		dep:   r,
	}, nil
}

// noMatch says why constraint text selects no version of package id, pointing at
// pre-releases and yanked versions it would match if they were allowed.
func (s *solver) noMatch(id int, text string) string {
	p := s.pkgs[id]
	if len(p.cands) == 0 {
		return "has no versions"
	}
	c, _ := s.constraint(text)
	var pre, before, yanked, all []string
	for _, cand := range p.cands {
		all = append(all, cand.Version.String())
		switch {
		case cand.Yanked && c.Matches(cand.Version):
			yanked = append(yanked, cand.Version.String())
		case !cand.Yanked && cand.Version.Prerelease() && c.MatchesPrerelease(cand.Version):
			pre = append(pre, cand.Version.String())
		case !cand.Yanked && cand.Version.Prerelease() && c.Matches(cand.Version.Release()):
			// 2.0.0-beta.1 for ^2: it comes before 2.0.0, so even a constraint that
			// lets pre-releases in from 2.0.0 on leaves it out.
			before = append(before, cand.Version.String())
		}
	}
	msg := "matches no version of " + p.name + " (it has " + summary(all)
	switch {
	case len(pre) > 0:
		msg += "; pre-releases such as " + pre[len(pre)-1] + " match only a constraint that names a pre-release"
	case len(before) > 0:
		v, written := before[len(before)-1], cmp.Or(strings.TrimSpace(text), "*")
		msg += "; " + v + " is a pre-release, which comes before " + version.MustParse(v).Release().String() +
			": " + written + " does not include it, =" + v + " does"
	case len(yanked) > 0:
		msg += "; " + summary(yanked) + " would match but is yanked, and only an exact constraint selects a yanked version"
	}
	return msg + ")"
}

// summary lists versions, shortened when there are many.
func summary(vs []string) string {
	switch n := len(vs); {
	case n == 1:
		return vs[0]
	case n <= 4:
		return strings.Join(vs[:n-1], ", ") + " and " + vs[n-1]
	default:
		return fmt.Sprintf("%d versions from %s to %s", n, vs[0], vs[n-1])
	}
}

// solution returns the chosen packages reachable from the requests, by name.
func (s *solver) solution() []int {
	seen := make([]bool, len(s.pkgs))
	stack := []int{rootID}
	seen[rootID] = true
	var reached []int
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if id != rootID {
			reached = append(reached, id)
		}
		for _, r := range s.pkgs[id].deps[s.decided[id]] {
			q := s.ids[r.Name]
			if !seen[q] {
				seen[q] = true
				stack = append(stack, q)
			}
		}
	}
	slices.SortFunc(reached, func(a, b int) int { return strings.Compare(s.pkgs[a].name, s.pkgs[b].name) })
	return reached
}

func (s *solver) result(ids []int) *Solution {
	sol := &Solution{Steps: s.steps, Packages: make([]Selected, len(ids))}
	for i, id := range ids {
		p := s.pkgs[id]
		c := p.cands[s.decided[id]]
		c.Dependencies = slices.Clone(p.deps[s.decided[id]])
		sol.Packages[i] = Selected{Name: p.name, Candidate: c}
	}
	return sol
}

// findCycle returns a dependency cycle among the chosen packages (the first a
// depth-first search in name order meets), or nil.
func (s *solver) findCycle(ids []int) []int {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(s.pkgs))
	var path []int
	var visit func(id int) []int
	visit = func(id int) []int {
		color[id] = grey
		path = append(path, id)
		for _, r := range s.pkgs[id].deps[s.decided[id]] {
			q := s.ids[r.Name]
			switch color[q] {
			case grey:
				i := slices.Index(path, q)
				return slices.Clone(path[i:])
			case white:
				if c := visit(q); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		color[id] = black
		return nil
	}
	for _, id := range ids {
		if color[id] == white {
			if c := visit(id); c != nil {
				return c
			}
		}
	}
	return nil
}

// cycleIncompat forbids a cycle: each member at the run of versions around the
// chosen one that still depends on the next member.
func (s *solver) cycleIncompat(cyc []int) *incompat {
	c := &incompat{cause: causeCycle}
	for i, id := range cyc {
		next := s.pkgs[cyc[(i+1)%len(cyc)]].name
		p := s.pkgs[id]
		lo, hi := s.run(id, s.decided[id], func(j int) bool {
			return slices.ContainsFunc(p.deps[j], func(r Requirement) bool { return r.Name == next })
		})
		set := newSet(len(p.cands))
		for j := lo; j <= hi; j++ {
			set.add(j)
		}
		c.terms = append(c.terms, term{pkg: id, pos: true, set: set})
		c.cycle = append(c.cycle, p.name+" "+p.cands[s.decided[id]].Version.String())
	}
	c.cycle = append(c.cycle, c.cycle[0])
	return c
}

// budgetError names the packages that took part in the most conflicts.
func (s *solver) budgetError() error {
	ids := make([]int, 0, len(s.pkgs))
	for id := range s.pkgs {
		if id != rootID && s.conflicts[id] > 0 {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b int) int {
		return cmp.Or(cmp.Compare(s.conflicts[b], s.conflicts[a]), strings.Compare(s.pkgs[a].name, s.pkgs[b].name))
	})
	if len(ids) > 5 {
		ids = ids[:5]
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = fmt.Sprintf("%s (%d conflicts)", s.pkgs[id].name, s.conflicts[id])
	}
	msg := fmt.Sprintf("after %d steps (the limit) without finding a solution or proving that none exists", s.maxSteps)
	if len(names) > 0 {
		msg += "; the packages that kept conflicting: " + strings.Join(names, ", ")
	}
	return fault.New(fault.Conflict, fmt.Errorf("%w %s", ErrBudget, msg),
		"narrow or pin the versions of those packages in the request, so there are fewer combinations to try")
}
