package resolve

import (
	"fmt"
	"strings"

	"longshore.dev/lib/fault"
)

// Failure is the error of a solve that has no solution: Explanation walks the
// derivation from the facts (dependencies, missing packages, cycles) to "version
// solving failed", one sentence a line, in the form of PubGrub's reports:
//
//	Because app 1.0.0 depends on libx ^2 and tool 3.1.0 depends on libx <2, app 1.0.0 is incompatible with tool 3.1.0.
//	So, because you requested app and tool, version solving failed.
type Failure struct {
	Explanation string
	// Requests are the requests the explanation rests on, each once, in the order the
	// derivation reaches them: a caller can say where one came from (lib/plan names
	// the patch rule behind a companion).
	Requests []Request
}

func (f *Failure) Error() string { return f.Explanation }

// failureError explains the incompatibility that proves the requests cannot be met.
// A missing package among the reasons makes it a fault.NotFound carrying the
// Source's hint; otherwise it is a fault.Conflict.
func (s *solver) failureError(root *incompat) error {
	w := &writer{s: s, derivations: map[*incompat]int{}, numbers: map[*incompat]int{}}
	w.count(root)
	if root.derived() {
		w.visit(root, true)
	} else {
		w.write(root, "Because "+w.str(root)+", version solving failed.", false)
	}
	f := &Failure{Explanation: w.String(), Requests: w.reasons(root)}
	if nf := notFound(root, map[*incompat]bool{}); nf != nil {
		return fault.New(fault.NotFound, f, fault.HintOf(nf))
	}
	return fault.New(fault.Conflict, f, "relax one of the constraints named above, or request versions that agree with each other")
}

// reasons lists the requests among root's reasons, each once, in derivation order.
func (w *writer) reasons(root *incompat) []Request {
	var out []Request
	seen, taken := map[*incompat]bool{}, map[int]bool{}
	var walk func(c *incompat)
	walk = func(c *incompat) {
		if seen[c] {
			return
		}
		seen[c] = true
		if c.derived() {
			walk(c.left)
			walk(c.right)
			return
		}
		if r, ok := w.request(c); ok && !taken[c.request] {
			taken[c.request] = true
			out = append(out, r)
		}
	}
	walk(root)
	return out
}

// notFound returns the first missing package's error among c's reasons.
func notFound(c *incompat, seen map[*incompat]bool) error {
	if seen[c] {
		return nil
	}
	seen[c] = true
	if c.notFound != nil {
		return c.notFound
	}
	if c.derived() {
		if err := notFound(c.left, seen); err != nil {
			return err
		}
		return notFound(c.right, seen)
	}
	return nil
}

// writer turns a derivation graph into sentences (the algorithm of pub's
// SolveFailure: a derived incompatibility used more than once gets a line number and
// is referred to by it; chains of one derived and one external cause collapse into
// "And because …").
type writer struct {
	s           *solver
	derivations map[*incompat]int
	numbers     map[*incompat]int
	lines       []line
	// referenced is set once a sentence refers to a numbered line; without that,
	// numbers are noise and are not printed.
	referenced bool
}

type line struct {
	text   string
	number int
}

func (w *writer) count(c *incompat) {
	w.derivations[c]++
	if w.derivations[c] == 1 && c.derived() {
		w.count(c.left)
		w.count(c.right)
	}
}

func (w *writer) String() string {
	padding := 0
	if n := len(w.numbers); n > 0 && w.referenced {
		padding = len(fmt.Sprintf("(%d) ", n))
	}
	var b strings.Builder
	lastEmpty := false
	for _, l := range w.lines {
		if l.text == "" {
			if !lastEmpty {
				b.WriteByte('\n')
			}
			lastEmpty = true
			continue
		}
		lastEmpty = false
		prefix := strings.Repeat(" ", padding)
		if l.number > 0 && w.referenced {
			prefix = fmt.Sprintf("%-*s", padding, fmt.Sprintf("(%d)", l.number))
		}
		b.WriteString(prefix + l.text + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (w *writer) write(c *incompat, text string, numbered bool) {
	if numbered {
		n := len(w.numbers) + 1
		w.numbers[c] = n
		w.lines = append(w.lines, line{text: text, number: n})
		return
	}
	w.lines = append(w.lines, line{text: text})
}

func (w *writer) visit(c *incompat, conclusion bool) {
	numbered := conclusion || w.derivations[c] > 1
	conjunction := "And"
	if conclusion {
		conjunction = "So,"
	}
	text := w.str(c)
	left, right := c.left, c.right
	switch {
	case left.derived() && right.derived():
		leftLine, rightLine := w.numbers[left], w.numbers[right]
		switch {
		case leftLine > 0 && rightLine > 0:
			w.write(c, "Because "+w.and(left, right, leftLine, rightLine)+", "+text+".", numbered)
		case leftLine > 0 || rightLine > 0:
			with, without, n := left, right, leftLine
			if rightLine > 0 {
				with, without, n = right, left, rightLine
			}
			w.visit(without, false)
			w.write(c, fmt.Sprintf("%s because %s%s, %s.", conjunction, w.str(with), w.lineRef(n), text), numbered)
		default:
			singleLeft, singleRight := singleLine(left), singleLine(right)
			if singleLeft || singleRight {
				first, second := right, left
				if singleRight {
					first, second = left, right
				}
				w.visit(first, false)
				w.visit(second, false)
				w.write(c, "Thus, "+text+".", numbered)
			} else {
				w.visit(left, true)
				w.lines = append(w.lines, line{})
				w.visit(right, false)
				w.write(c, fmt.Sprintf("%s because %s%s, %s.", conjunction, w.str(left), w.lineRef(w.numbers[left]), text), numbered)
			}
		}
	case left.derived() || right.derived():
		derived, external := left, right
		if right.derived() {
			derived, external = right, left
		}
		switch {
		case w.numbers[derived] > 0:
			w.write(c, "Because "+w.and(external, derived, 0, w.numbers[derived])+", "+text+".", numbered)
		case w.collapsible(derived):
			inner, innerExternal := derived.left, derived.right
			if derived.right.derived() {
				inner, innerExternal = derived.right, derived.left
			}
			w.visit(inner, false)
			w.write(c, conjunction+" because "+w.and(innerExternal, external, 0, 0)+", "+text+".", numbered)
		default:
			w.visit(derived, false)
			w.write(c, conjunction+" because "+w.str(external)+", "+text+".", numbered)
		}
	default:
		w.write(c, "Because "+w.and(left, right, 0, 0)+", "+text+".", numbered)
	}
}

// collapsible reports whether a derived incompatibility can be folded into the
// sentence that uses it: used once, from one derived and one external cause, the
// derived one not numbered.
func (w *writer) collapsible(c *incompat) bool {
	if w.derivations[c] > 1 || c.left.derived() == c.right.derived() {
		return false
	}
	inner := c.left
	if c.right.derived() {
		inner = c.right
	}
	return w.numbers[inner] == 0
}

func singleLine(c *incompat) bool { return !c.left.derived() && !c.right.derived() }

// str is an incompatibility as a clause.
func (w *writer) str(c *incompat) string {
	switch c.cause {
	case causeDependency:
		return w.subject(c, c.terms[0]) + " " + w.object(c, c.terms[1].negate())
	case causeUnusable:
		dep := c.dep
		if r, ok := w.request(c); ok {
			dep.Name = r.written()
		}
		return w.subject(c, c.terms[0]) + " " + requirement(dep) + ", which " + c.why
	case causeCycle:
		path := "(cycle: " + strings.Join(c.cycle, " -> ") + ")"
		if len(c.terms) == 1 {
			return w.terse(c.terms[0], false) + " depends on itself " + path
		}
		names := make([]string, len(c.terms))
		for i, t := range c.terms {
			names[i] = w.terse(t, false)
		}
		return list(names, "and") + " depend on each other " + path
	case causeRoot:
		return "the request is resolved"
	}
	if c.failure() {
		return "version solving failed"
	}
	if len(c.terms) == 1 {
		t := c.terms[0]
		if t.pos {
			return w.terse(t, false) + " is forbidden"
		}
		return w.terse(t.negate(), false) + " is required"
	}
	if len(c.terms) == 2 && c.terms[0].pos == c.terms[1].pos {
		if c.terms[0].pos {
			return w.terse(c.terms[0], false) + " is incompatible with " + w.terse(c.terms[1], false)
		}
		return "either " + w.terse(c.terms[0].negate(), false) + " or " + w.terse(c.terms[1].negate(), false)
	}
	var positive, negative []string
	for _, t := range c.terms {
		if t.pos {
			positive = append(positive, w.terse(t, false))
		} else {
			negative = append(negative, w.terse(t.negate(), false))
		}
	}
	switch {
	case len(positive) == 1 && len(negative) > 0:
		for _, t := range c.terms {
			if t.pos {
				return w.terse(t, true) + " requires " + strings.Join(negative, " or ")
			}
		}
	case len(positive) > 0 && len(negative) > 0:
		return "if " + strings.Join(positive, " and ") + " then " + strings.Join(negative, " or ")
	case len(positive) > 0:
		return "one of " + strings.Join(positive, " or ") + " must be false"
	}
	return "one of " + strings.Join(negative, " or ") + " must be true"
}

// and joins two incompatibilities into one clause, as "X depends on Y which depends
// on Z" when they chain, with their line numbers when they have one.
func (w *writer) and(c, o *incompat, cLine, oLine int) string {
	if s, ok := w.requiresBoth(c, o, cLine, oLine); ok {
		return s
	}
	if s, ok := w.requiresThrough(c, o, cLine, oLine); ok {
		return s
	}
	if s, ok := w.requiresForbidden(c, o, cLine, oLine); ok {
		return s
	}
	return w.str(c) + w.lineRef(cLine) + " and " + w.str(o) + w.lineRef(oLine)
}

func (w *writer) lineRef(n int) string {
	if n == 0 {
		return ""
	}
	w.referenced = true
	return fmt.Sprintf(" (%d)", n)
}

// single returns c's only term of the given sign.
func single(c *incompat, pos bool) (term, bool) {
	var found term
	n := 0
	for _, t := range c.terms {
		if t.pos == pos {
			found = t
			n++
		}
	}
	return found, n == 1
}

func (w *writer) negatives(c *incompat) string {
	var parts []string
	for _, t := range c.terms {
		if !t.pos {
			parts = append(parts, w.terse(t.negate(), false))
		}
	}
	return strings.Join(parts, " or ")
}

// requiresBoth: "app 1.0.0 depends on both x ^1 and y ^2"; for the requests, "you
// requested x and y" (or "the installed packages include x =1.0.0 and y =2.0.0").
func (w *writer) requiresBoth(c, o *incompat, cLine, oLine int) (string, bool) {
	if len(c.terms) == 1 || len(o.terms) == 1 {
		return "", false
	}
	cp, ok1 := single(c, true)
	op, ok2 := single(o, true)
	if !ok1 || !ok2 || cp.pkg != op.pkg || !cp.set.equal(op.set) {
		return "", false
	}
	if cp.pkg == rootID && c.cause == causeDependency && o.cause == causeDependency {
		cr, or := w.s.requests[c.request], w.s.requests[o.request]
		cn, _ := single(c, false)
		on, _ := single(o, false)
		if cr.PatchOf == "" && or.PatchOf == "" && cr.Installed == or.Installed && cr.Locked == or.Locked {
			return w.subject(c, cp) + " " + w.object(c, cn.negate()) + w.lineRef(cLine) + " and " + w.object(o, on.negate()) + w.lineRef(oLine), true
		}
		return "", false
	}
	verb := " requires both "
	if c.cause == causeDependency && o.cause == causeDependency {
		verb = " depends on both "
	}
	return w.terse(cp, true) + verb + w.negatives(c) + w.lineRef(cLine) + " and " + w.negatives(o) + w.lineRef(oLine), true
}

// requiresThrough: "app 1.0.0 depends on libx ^2 which depends on liby ^3".
func (w *writer) requiresThrough(c, o *incompat, cLine, oLine int) (string, bool) {
	if len(c.terms) == 1 || len(o.terms) == 1 {
		return "", false
	}
	cn, cnOK := single(c, false)
	on, onOK := single(o, false)
	if !cnOK && !onOK {
		return "", false
	}
	cp, cpOK := single(c, true)
	op, opOK := single(o, true)
	var prior, latter *incompat
	var priorNeg term
	var priorLine, latterLine int
	switch {
	case cnOK && opOK && cn.pkg == op.pkg && cn.negate().satisfies(op):
		prior, priorNeg, priorLine, latter, latterLine = c, cn, cLine, o, oLine
	case onOK && cpOK && on.pkg == cp.pkg && on.negate().satisfies(cp):
		prior, priorNeg, priorLine, latter, latterLine = o, on, oLine, c, cLine
	default:
		return "", false
	}
	var b strings.Builder
	var positives []string
	var positive term
	for _, t := range prior.terms {
		if t.pos {
			positives = append(positives, w.terse(t, false))
			positive = t
		}
	}
	if len(positives) > 1 {
		b.WriteString("if " + strings.Join(positives, " or ") + " then ")
	} else {
		b.WriteString(w.subject(prior, positive) + " ")
	}
	b.WriteString(w.object(prior, priorNeg.negate()) + w.lineRef(priorLine) + " which ")
	if latter.cause == causeDependency {
		b.WriteString("depends on ")
	} else {
		b.WriteString("requires ")
	}
	b.WriteString(w.negatives(latter) + w.lineRef(latterLine))
	return b.String(), true
}

// requiresForbidden: "app 1.0.0 depends on libx ^2 which is forbidden".
func (w *writer) requiresForbidden(c, o *incompat, cLine, oLine int) (string, bool) {
	if len(c.terms) != 1 && len(o.terms) != 1 {
		return "", false
	}
	prior, latter, priorLine, latterLine := c, o, cLine, oLine
	if len(c.terms) == 1 {
		prior, latter, priorLine, latterLine = o, c, oLine, cLine
	}
	neg, ok := single(prior, false)
	if !ok || neg.pkg != latter.terms[0].pkg || !neg.negate().satisfies(latter.terms[0]) {
		return "", false
	}
	var b strings.Builder
	var positives []string
	var positive term
	for _, t := range prior.terms {
		if t.pos {
			positives = append(positives, w.terse(t, false))
			positive = t
		}
	}
	switch {
	case len(positives) > 1:
		b.WriteString("if " + strings.Join(positives, " or ") + " then ")
	case len(positives) == 1:
		b.WriteString(w.subject(prior, positive) + " ")
	default:
		b.WriteString("the request requires ")
	}
	b.WriteString(w.object(prior, neg.negate()) + w.lineRef(priorLine))
	switch {
	case latter.cause == causeUnusable:
		b.WriteString(" which depends on " + requirement(latter.dep) + ", which " + latter.why)
	case latter.cause == causeCycle:
		b.WriteString(" which depends on itself (cycle: " + strings.Join(latter.cycle, " -> ") + ")")
	default:
		b.WriteString(" which is forbidden")
	}
	b.WriteString(w.lineRef(latterLine))
	return b.String(), true
}

// subject is the one positive term of c with its verb: "app 1.0.0 depends on",
// "you requested", "a patch for hello adds", "the installed packages include", "the
// lock holds".
func (w *writer) subject(c *incompat, t term) string {
	dependency := c.cause == causeDependency || c.cause == causeUnusable
	if t.pkg == rootID {
		if !dependency {
			return "the request requires"
		}
		switch r := w.s.requests[c.request]; {
		case r.PatchOf != "" && r.Rule != "":
			return "a patch for " + r.PatchOf + " (" + r.Rule + ") adds"
		case r.PatchOf != "":
			return "a patch for " + r.PatchOf + " adds"
		case r.Installed:
			return "the installed packages include"
		case r.Locked:
			return "the lock holds"
		}
		return "you requested"
	}
	if dependency {
		return w.terse(t, true) + " depends on"
	}
	return w.terse(t, true) + " requires"
}

// request is the request c stands for when c is one of the root's dependencies.
func (w *writer) request(c *incompat) (Request, bool) {
	if c.cause != causeDependency && c.cause != causeUnusable {
		return Request{}, false
	}
	if t, ok := single(c, true); !ok || t.pkg != rootID {
		return Request{}, false
	}
	return w.s.requests[c.request], true
}

// object is the term t that the dependency c requires: for a request, under the name
// the user wrote (nosuchtap/greeter, where the solver knows greeter).
func (w *writer) object(c *incompat, t term) string {
	if r, ok := w.request(c); ok && t.pkg != rootID {
		return w.named(t, false, r.written())
	}
	return w.terse(t, false)
}

// terse is a term's package and versions: "libx ^2", "libx" for any version ("every
// version of libx" where the sentence is about every version).
func (w *writer) terse(t term, every bool) string {
	if t.pkg == rootID {
		return "the request"
	}
	return w.named(t, every, w.s.pkgs[t.pkg].name)
}

// named is terse with the package called name.
func (w *writer) named(t term, every bool, name string) string {
	if w.isAny(t) {
		if every {
			return "every version of " + name
		}
		return name
	}
	return name + " " + w.versions(t)
}

// isAny reports whether a term stands for any version: requested as "*" or "", or
// holding every (released) version of a package that has several. A term holding
// the one version of a package names it: "app 1.0.0 depends on libx ^2".
func (w *writer) isAny(t term) bool {
	switch {
	case t.label == "*":
		return true
	case t.label != "" || t.set.count() == 1:
		return false
	case t.set.equal(w.s.pkgs[t.pkg].full):
		return true
	}
	releases, err := w.s.versions(t.pkg, "*")
	return err == nil && t.set.equal(releases)
}

// versions describes a term's set: its constraint as written when it has one, else
// the version or the ranges it holds ("1.0.0", ">=1.2.0 <=1.4.0 || 2.0.0").
func (w *writer) versions(t term) string {
	if t.label != "" {
		return t.label
	}
	p := w.s.pkgs[t.pkg]
	members := t.set.members()
	switch len(members) {
	case 0:
		return "(no version)"
	case 1:
		return p.cands[members[0]].Version.String()
	}
	// Ranges over the versions the set could hold: without pre-releases when it
	// holds none, since a range written without a pre-release excludes them anyway.
	withPre := false
	for _, m := range members {
		withPre = withPre || p.cands[m].Version.Prerelease()
	}
	var universe []int
	for i, c := range p.cands {
		if withPre || !c.Version.Prerelease() {
			universe = append(universe, i)
		}
	}
	var parts []string
	for i := 0; i < len(universe); {
		if !t.set.has(universe[i]) {
			i++
			continue
		}
		j := i
		for j+1 < len(universe) && t.set.has(universe[j+1]) {
			j++
		}
		lo, hi := p.cands[universe[i]].Version.String(), p.cands[universe[j]].Version.String()
		switch {
		case i == j:
			parts = append(parts, lo)
		case i == 0 && j == len(universe)-1:
			parts = append(parts, "*")
		case i == 0:
			parts = append(parts, "<="+hi)
		case j == len(universe)-1:
			parts = append(parts, ">="+lo)
		default:
			parts = append(parts, ">="+lo+" <="+hi)
		}
		i = j + 1
	}
	return strings.Join(parts, " || ")
}

func requirement(r Requirement) string {
	if r.Constraint == "" || r.Constraint == "*" {
		return r.Name
	}
	return r.Name + " " + r.Constraint
}

// list joins items as "a, b and c".
func list(items []string, conj string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}
