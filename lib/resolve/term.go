package resolve

import "math/bits"

// vset is a set of versions of one package: bit i stands for the package's i-th
// version in ascending order. A package's versions are all known once its Source
// answered, so every constraint, range and complement is a finite set.
type vset []uint64

func newSet(n int) vset { return make(vset, (n+63)/64) }

func fullSet(n int) vset {
	s := newSet(n)
	for i := range n {
		s[i/64] |= 1 << (i % 64)
	}
	return s
}

func (s vset) has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }
func (s vset) add(i int)      { s[i/64] |= 1 << (i % 64) }

func (s vset) and(o vset) vset {
	r := make(vset, len(s))
	for i := range s {
		r[i] = s[i] & o[i]
	}
	return r
}

func (s vset) or(o vset) vset {
	r := make(vset, len(s))
	for i := range s {
		r[i] = s[i] | o[i]
	}
	return r
}

func (s vset) andNot(o vset) vset {
	r := make(vset, len(s))
	for i := range s {
		r[i] = s[i] &^ o[i]
	}
	return r
}

func (s vset) empty() bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}

func (s vset) equal(o vset) bool {
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

// subset reports s ⊆ o.
func (s vset) subset(o vset) bool {
	for i := range s {
		if s[i]&^o[i] != 0 {
			return false
		}
	}
	return true
}

func (s vset) disjoint(o vset) bool {
	for i := range s {
		if s[i]&o[i] != 0 {
			return false
		}
	}
	return true
}

func (s vset) count() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// highest returns the highest version in s, or -1.
func (s vset) highest() int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] != 0 {
			return i*64 + 63 - bits.LeadingZeros64(s[i])
		}
	}
	return -1
}

// members returns the versions in s, ascending.
func (s vset) members() []int {
	var m []int
	for i, w := range s {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			m = append(m, i*64+b)
			w &^= 1 << b
		}
	}
	return m
}

// term is a statement about one package: "pkg is selected at a version in set"
// (positive) or "pkg is not selected at a version in set" (negative: it may also
// not be selected at all).
type term struct {
	pkg int
	pos bool
	set vset
	// label is the constraint as written when set is exactly what it selects, so
	// explanations show "^2" rather than a list of versions; "" otherwise.
	label string
}

func (t term) negate() term { t.pos = !t.pos; return t }

// intersect is the term true when both t and o are (same package).
func (t term) intersect(o term) term {
	r := term{pkg: t.pkg}
	switch {
	case t.pos && o.pos:
		r.pos, r.set = true, t.set.and(o.set)
	case t.pos:
		r.pos, r.set = true, t.set.andNot(o.set)
	case o.pos:
		r.pos, r.set = true, o.set.andNot(t.set)
	default:
		r.pos, r.set = false, t.set.or(o.set)
	}
	switch {
	case r.pos == t.pos && r.set.equal(t.set):
		r.label = t.label
	case r.pos == o.pos && r.set.equal(o.set):
		r.label = o.label
	}
	return r
}

// difference is the term true when t is and o is not.
func (t term) difference(o term) term { return t.intersect(o.negate()) }

// void reports whether t says nothing: a positive term no version satisfies, or a
// negative term every state satisfies.
func (t term) void() bool { return t.set.empty() }

// satisfies reports whether t implies o (same package).
func (t term) satisfies(o term) bool {
	switch {
	case t.pos && o.pos:
		return t.set.subset(o.set)
	case t.pos:
		return t.set.disjoint(o.set)
	case o.pos:
		return false // t allows the package not to be selected; o does not
	default:
		return o.set.subset(t.set)
	}
}

// contradicts reports whether t and o cannot both be true (same package).
func (t term) contradicts(o term) bool {
	switch {
	case t.pos && o.pos:
		return t.set.disjoint(o.set)
	case t.pos:
		return t.set.subset(o.set)
	case o.pos:
		return o.set.subset(t.set)
	default:
		return false // both allow the package not to be selected
	}
}
