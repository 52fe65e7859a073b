package stream

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// yaml.v3's Node.Decode cannot reject unknown fields, so checker walks a document
// against the Go type it will be decoded into, with the rules yaml.v3 uses to map
// keys to struct fields, and reports the first unknown field and the first
// duplicate key with its line. Type mismatches are left to Node.Decode.

type checker struct {
	d    *decoder
	kind string
	seen map[seenKey]bool // alias targets already checked against a type
}

type seenKey struct {
	n *yaml.Node
	t reflect.Type
}

// document checks the mapping n of a document of c.kind against t. apiVersion and
// kind are accepted at the top even when t does not embed TypeMeta.
func (c *checker) document(n *yaml.Node, t reflect.Type) error {
	return c.check(n, t, c.kind, true)
}

func (c *checker) check(n *yaml.Node, t reflect.Type, path string, top bool) error {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		target := Deref(n)
		if target == nil {
			return nil
		}
		key := seenKey{target, t}
		if c.seen[key] {
			return nil // checked already, or being checked (a cycle)
		}
		if c.seen == nil {
			c.seen = map[seenKey]bool{}
		}
		c.seen[key] = true
		n = target
	}
	if IsNull(n) {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if custom(t) {
		return nil // an Unmarshaler decides for itself
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind == yaml.MappingNode {
			return c.structMapping(n, t, path, top)
		}
	case reflect.Map:
		if n.Kind == yaml.MappingNode {
			return c.mapMapping(n, t, path)
		}
	case reflect.Slice, reflect.Array:
		if n.Kind == yaml.SequenceNode {
			for i, e := range n.Content {
				if err := c.check(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), false); err != nil {
					return err
				}
			}
		}
	}
	return nil // scalars, interfaces, and shapes Node.Decode will reject
}

func (c *checker) structMapping(n *yaml.Node, t reflect.Type, path string, top bool) error {
	if err := c.d.duplicates(n, path); err != nil {
		return err
	}
	fs := fieldsOf(t)
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, v := n.Content[i], n.Content[i+1]
		k := Deref(kn)
		if k == nil || k.Kind != yaml.ScalarNode {
			continue // Node.Decode reports a key that is not a string
		}
		if isMerge(k) {
			if err := c.merge(v, t, path, top); err != nil {
				return err
			}
			continue
		}
		ft, ok := fs.fields[k.Value]
		switch {
		case ok:
		case fs.inlineMap != nil:
			ft = fs.inlineMap
		case fs.open:
			continue
		case top && (k.Value == "apiVersion" || k.Value == "kind"):
			continue
		default:
			return c.d.errorf(kn.Line, "unknown field %q in %s%s", k.Value, path, suggest(k.Value, fs.names))
		}
		if err := c.check(v, ft, path+"."+k.Value, false); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) mapMapping(n *yaml.Node, t reflect.Type, path string) error {
	if err := c.d.duplicates(n, path); err != nil {
		return err
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := Deref(n.Content[i]), n.Content[i+1]
		name := "?"
		if k != nil && k.Kind == yaml.ScalarNode {
			if isMerge(k) {
				if err := c.merge(v, t, path, false); err != nil {
					return err
				}
				continue
			}
			name = k.Value
		}
		if err := c.check(v, t.Elem(), path+"."+name, false); err != nil {
			return err
		}
	}
	return nil
}

// merge checks the mappings merged in by a "<<" key against t.
func (c *checker) merge(v *yaml.Node, t reflect.Type, path string, top bool) error {
	m := Deref(v)
	if m == nil {
		return nil
	}
	switch m.Kind {
	case yaml.MappingNode:
		return c.check(v, t, path, top)
	case yaml.SequenceNode:
		for _, e := range m.Content {
			if em := Deref(e); em != nil && em.Kind == yaml.MappingNode {
				if err := c.check(e, t, path, top); err != nil {
					return err
				}
			}
		}
	}
	return nil // Node.Decode rejects anything else
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" &&
		(k.Tag == "" || k.Tag == "!" || k.Tag == "!!merge" || k.Tag == "tag:yaml.org,2002:merge")
}

// duplicates reports the first key that appears twice in the mapping n; in names
// the mapping in the message.
func (d *decoder) duplicates(n *yaml.Node, in string) error {
	if k, first := firstDuplicate(n); k != nil {
		return d.duplicateError(k, first, in)
	}
	return nil
}

func (d *decoder) duplicateError(k *yaml.Node, first int, in string) error {
	if in != "" {
		in = " in " + in
	}
	return d.errorf(k.Line, "duplicate key %q%s (first at line %d)", k.Value, in, first)
}

// firstDuplicate returns the first scalar key of the mapping n that repeats an
// earlier one, and the line of the earlier one.
func firstDuplicate(n *yaml.Node) (*yaml.Node, int) {
	var first map[string]int
	if len(n.Content) > 16 {
		first = make(map[string]int, len(n.Content)/2)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode {
			continue
		}
		if first != nil {
			if line, dup := first[k.Value]; dup {
				return k, line
			}
			first[k.Value] = k.Line
			continue
		}
		for j := 0; j < i; j += 2 {
			if p := n.Content[j]; p.Kind == yaml.ScalarNode && p.Value == k.Value {
				return k, p.Line
			}
		}
	}
	return nil, 0
}

// structFields is how yaml.v3 maps the keys of a mapping to the fields of a struct.
type structFields struct {
	fields    map[string]reflect.Type // key → field type, inline structs flattened
	names     []string                // keys in field order, for suggestions
	inlineMap reflect.Type            // element type of an ,inline map: takes any other key
	open      bool                    // an ,inline field decides for itself: take any key
}

var fieldCache sync.Map // reflect.Type → *structFields

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{fields: map[string]reflect.Type{}}
	f.add(t, map[reflect.Type]bool{})
	fieldCache.Store(t, f)
	return f
}

// add mirrors yaml.v3's getStructInfo. Where yaml.v3 would fail (bad tags), the
// struct is left open and Node.Decode reports the problem.
func (f *structFields) add(t reflect.Type, visiting map[reflect.Type]bool) {
	if visiting[t] {
		f.open = true
		return
	}
	visiting[t] = true
	defer delete(visiting, t)
	for i := range t.NumField() {
		field := t.Field(i)
		if !field.IsExported() && !field.Anonymous {
			continue
		}
		tag := field.Tag.Get("yaml")
		if tag == "" && !strings.Contains(string(field.Tag), ":") {
			tag = string(field.Tag)
		}
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",inline,") {
			ft := field.Type
			switch ft.Kind() {
			case reflect.Map:
				f.inlineMap = ft.Elem()
			case reflect.Struct, reflect.Pointer:
				for ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() != reflect.Struct || custom(ft) {
					f.open = true
				} else {
					f.add(ft, visiting)
				}
			default:
				f.open = true
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(field.Name)
		}
		if _, dup := f.fields[name]; !dup {
			f.names = append(f.names, name)
		}
		f.fields[name] = field.Type
	}
}

var (
	unmarshalerType         = reflect.TypeFor[yaml.Unmarshaler]()
	obsoleteUnmarshalerType = reflect.TypeFor[interface {
		UnmarshalYAML(unmarshal func(any) error) error
	}]()
)

// custom reports whether *t decodes itself.
func custom(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(unmarshalerType) || p.Implements(obsoleteUnmarshalerType)
}

// suggest returns "; did you mean "x"?" when one of names is a likely intended
// spelling of name, and "" otherwise.
func suggest(name string, names []string) string {
	// Allow one edit in a short name, two in a longer one, none in one letter.
	best, bestDist := "", 3
	switch l := len([]rune(name)); {
	case l <= 1:
		bestDist = 1
	case l <= 4:
		bestDist = 2
	}
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return fmt.Sprintf("; did you mean %q?", n)
		}
		if d := editDistance(name, n); d < bestDist {
			best, bestDist = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// editDistance is the optimal string alignment distance: insertions, deletions,
// substitutions and transpositions of adjacent runes each cost 1.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		if a == b {
			return 0
		}
		return 64
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
