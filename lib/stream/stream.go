// Package stream reads and writes the YAML/JSON document streams that longshore binaries exchange.
//
// A stream is a multi-document YAML stream (or a sequence of JSON values). Every
// document is a mapping that carries apiVersion: longshore.dev/v1alpha1 and a kind.
// Documents of kind List are flattened into their items, empty documents are skipped,
// documents of a known kind are decoded strictly (an unknown field is an error naming
// the file and line), and documents of any other kind are returned undecoded so the
// caller can reject them with Unknown.
package stream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// APIVersion is the apiVersion of every longshore document.
const APIVersion = "longshore.dev/v1alpha1"

// listKind is the kind whose items are flattened into the stream.
const listKind = "List"

// shape is the hint given when a document is not a longshore document.
const shape = "every document needs apiVersion: " + APIVersion + " and a kind"

// maxDocs bounds the number of documents one stream may expand to.
const maxDocs = 1 << 20

// TypeMeta is embedded (with `json:",inline" yaml:",inline"`) in every kind's Go type.
type TypeMeta struct {
	APIVersion string `json:"apiVersion" yaml:"apiVersion"`
	Kind       string `json:"kind" yaml:"kind"`
}

// Kinds maps a kind name to a constructor of a pointer to its Go type, e.g.
// {"Published": func() any { return new(api.Published) }}.
type Kinds map[string]func() any

// Doc is one decoded document.
type Doc struct {
	APIVersion string
	Kind       string
	Source     string     // "tools.yaml:12" (file and the document's first line); "<stdin>:3" for stdin
	Value      any        // the decoded pointer for a known kind; nil for an unknown kind
	Raw        *yaml.Node // the document node (kept for unknown kinds / pass-through)
}

// stdinName is how standard input is named in Sources and errors.
const stdinName = "<stdin>"

// Decode reads one stream from r. name names the stream in Sources and errors
// ("" and "-" mean standard input, shown as <stdin>).
func Decode(r io.Reader, name string, kinds Kinds) ([]Doc, error) {
	if name == "" || name == "-" {
		name = stdinName
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", name, err)
	}
	d := &decoder{name: name, kinds: kinds, expanded: map[*yaml.Node]bool{}}
	if isJSON(data) {
		err = d.decodeJSON(data)
	} else {
		err = d.decodeYAML(data)
	}
	if err != nil {
		return nil, err
	}
	return d.docs, nil
}

// decoder holds the state of one Decode call.
type decoder struct {
	name  string
	kinds Kinds
	docs  []Doc
	// expanded records the List and items nodes already flattened, so that
	// aliases can neither loop nor multiply a List.
	expanded map[*yaml.Node]bool
}

func (d *decoder) at(line int) string {
	return d.name + ":" + strconv.Itoa(line)
}

func (d *decoder) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("%s: %s", d.at(line), fmt.Sprintf(format, args...))
}

// yamlLine matches the position yaml.v3 puts in its messages.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// parserProblems are the messages of yaml.v3's parser (as opposed to its scanner).
// For these yaml.v3 reports the 0-based line of the construct being parsed (and
// no line at all for the first line), so one is added.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// syntaxError names the stream and the line of a yaml.v3 parse error:
// "FILE:N: yaml: message".
func (d *decoder) syntaxError(err error, data []byte) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if parserProblems[m[2]] {
			line++
		}
		return fmt.Errorf("%s: yaml: %s", d.at(line), m[2])
	}
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		if line := aliasLine(data, m[1]); line > 0 {
			return fmt.Errorf("%s: yaml: %s", d.at(line), msg)
		}
		return fmt.Errorf("%s: yaml: %s", d.name, msg)
	}
	if readerProblems[msg] {
		if line := badCharLine(data); line > 0 {
			return fmt.Errorf("%s: yaml: %s", d.at(line), msg)
		}
		return fmt.Errorf("%s: yaml: %s", d.name, msg)
	}
	if strings.HasPrefix(msg, "internal error") || strings.HasPrefix(msg, "attempted to go past") ||
		strings.HasPrefix(msg, "input error") || strings.Contains(msg, "UTF-16") || strings.Contains(msg, "surrogate") {
		return fmt.Errorf("%s: yaml: %s", d.name, msg)
	}
	// yaml.v3 leaves the line out when its (0-based) mark is on the first line.
	return fmt.Errorf("%s: yaml: %s", d.at(1), msg)
}

// readerProblems are the messages of yaml.v3's reader about UTF-8 text it
// cannot read; they carry no line.
var readerProblems = map[string]bool{
	"control characters are not allowed": true,
	"incomplete UTF-8 octet sequence":    true,
	"invalid Unicode character":          true,
	"invalid leading UTF-8 octet":        true,
	"invalid length of a UTF-8 sequence": true,
	"invalid trailing UTF-8 octet":       true,
}

// badCharLine returns the line of the first byte of UTF-8 data that YAML does not
// allow (invalid UTF-8 or a control character), or 0.
func badCharLine(data []byte) int {
	for off := 0; off < len(data); {
		r, size := utf8.DecodeRune(data[off:])
		ok := r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0x7E || r == 0x85 ||
			r >= 0xA0 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
		if r == utf8.RuneError && size <= 1 || !ok {
			return 1 + bytes.Count(data[:off], []byte("\n"))
		}
		off += size
	}
	return 0
}

var unknownAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// aliasLine returns the line of the first use of the alias *name in data, or 0.
func aliasLine(data []byte, name string) int {
	alias := []byte("*" + name)
	for off := 0; ; {
		i := bytes.Index(data[off:], alias)
		if i < 0 {
			return 0
		}
		i += off
		end := i + len(alias)
		before := i == 0 || strings.IndexByte(" \t\r\n[{,:-?", data[i-1]) >= 0
		after := end == len(data) || strings.IndexByte(" \t\r\n]},", data[end]) >= 0
		if before && after {
			return 1 + bytes.Count(data[:i], []byte("\n"))
		}
		off = i + 1
	}
}

func (d *decoder) decodeYAML(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := SafeYAML(func() error { return dec.Decode(&doc) })
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return d.syntaxError(err, data)
		}
		if len(doc.Content) == 0 {
			continue
		}
		if err := d.document(&doc, doc.Content[0]); err != nil {
			return err
		}
	}
}

// document handles one document: doc is its document node (Doc.Raw) and n its
// content.
func (d *decoder) document(doc, n *yaml.Node) error {
	src := d.at(n.Line) // an alias item is where it is used, not where its anchor is
	n = Deref(n)
	if n == nil || IsNull(n) {
		return nil // an empty document
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("%s: document is %s, not a mapping; %s", src, describe(n), shape)
	}
	apiVersion, kind, err := d.typeMeta(n)
	if err != nil {
		return err
	}
	if k, first := firstDuplicate(n); k != nil {
		in := kind
		if k.Value == "apiVersion" || k.Value == "kind" {
			in = ""
		}
		return d.duplicateError(k, first, in)
	}
	switch {
	case kind == "" && apiVersion == "":
		return fmt.Errorf("%s: document has no apiVersion and no kind; %s", src, shape)
	case kind == "":
		return fmt.Errorf("%s: document has no kind; %s", src, shape)
	case apiVersion == "":
		return fmt.Errorf("%s: kind %q has no apiVersion; %s", src, kind, shape)
	}
	if kind == listKind {
		return d.list(n, apiVersion, src)
	}
	if len(d.docs) >= maxDocs {
		return fmt.Errorf("%s: more than %d documents", src, maxDocs)
	}
	ctor, known := d.kinds[kind]
	if !known {
		d.docs = append(d.docs, Doc{APIVersion: apiVersion, Kind: kind, Source: src, Raw: doc})
		return nil
	}
	if apiVersion != APIVersion {
		return fmt.Errorf("%s: kind %q has apiVersion %q, expected %q", src, kind, apiVersion, APIVersion)
	}
	value := ctor()
	rv := reflect.ValueOf(value)
	if value == nil || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("%s: internal error: the constructor of kind %q returned %T, not a non-nil pointer", src, kind, value)
	}
	c := checker{d: d, kind: kind}
	if err := c.document(n, rv.Type().Elem()); err != nil {
		return err
	}
	if err := SafeYAML(func() error { return n.Decode(value) }); err != nil {
		return d.decodeError(src, kind, err)
	}
	d.docs = append(d.docs, Doc{APIVersion: apiVersion, Kind: kind, Source: src, Value: value, Raw: doc})
	return nil
}

// typeMeta reads apiVersion and kind from a document mapping, looking into the
// mappings merged in with "<<" for what the document does not set itself.
func (d *decoder) typeMeta(n *yaml.Node) (apiVersion, kind string, err error) {
	m := typeMeta{visited: map[*yaml.Node]bool{}}
	err = d.readTypeMeta(n, &m)
	return m.apiVersion, m.kind, err
}

type typeMeta struct {
	apiVersion, kind string
	visited          map[*yaml.Node]bool
}

func (d *decoder) readTypeMeta(n *yaml.Node, m *typeMeta) error {
	if m.visited[n] {
		return nil
	}
	m.visited[n] = true
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := Deref(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			continue
		}
		if isMerge(k) {
			merges = append(merges, n.Content[i+1])
			continue
		}
		var field *string
		switch k.Value {
		case "apiVersion":
			field = &m.apiVersion
		case "kind":
			field = &m.kind
		default:
			continue
		}
		v := Deref(n.Content[i+1])
		if v == nil || IsNull(v) || *field != "" {
			continue
		}
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
			return fmt.Errorf("%s: %s must be a string, not %s; %s", d.at(n.Content[i].Line), k.Value, describe(v), shape)
		}
		*field = v.Value
	}
	for _, v := range merges {
		if m.apiVersion != "" && m.kind != "" {
			break
		}
		v = Deref(v)
		if v == nil {
			continue
		}
		sources := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			sources = v.Content
		}
		for _, src := range sources {
			if src = Deref(src); src != nil && src.Kind == yaml.MappingNode {
				if err := d.readTypeMeta(src, m); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// list flattens the items of a List document n.
func (d *decoder) list(n *yaml.Node, apiVersion, src string) error {
	if apiVersion != APIVersion {
		return fmt.Errorf("%s: kind %q has apiVersion %q, expected %q", src, listKind, apiVersion, APIVersion)
	}
	if d.expanded[n] {
		return fmt.Errorf("%s: this List is included more than once (through an alias)", src)
	}
	d.expanded[n] = true
	var items *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := Deref(n.Content[i])
		switch {
		case k == nil || k.Kind != yaml.ScalarNode:
			return fmt.Errorf("%s: a List's keys are apiVersion, kind and items; found %s", d.at(n.Content[i].Line), describe(k))
		case k.Value == "apiVersion" || k.Value == "kind":
		case k.Value == "items":
			items = n.Content[i+1]
		default:
			return fmt.Errorf("%s: unknown field %q in %s%s", d.at(n.Content[i].Line), k.Value, listKind,
				suggest(k.Value, []string{"apiVersion", "kind", "items"}))
		}
	}
	if items == nil {
		return nil
	}
	line := items.Line
	items = Deref(items)
	if items == nil || IsNull(items) {
		return nil
	}
	if items.Kind != yaml.SequenceNode {
		return fmt.Errorf("%s: the items of a List must be a sequence, not %s", d.at(line), describe(items))
	}
	if d.expanded[items] {
		return fmt.Errorf("%s: these List items are included more than once (through an alias)", d.at(line))
	}
	d.expanded[items] = true
	return d.items(items)
}

// items decodes each element of seq as a document.
func (d *decoder) items(seq *yaml.Node) error {
	for _, item := range seq.Content {
		content := item
		if target := Deref(item); target != nil {
			content = target // so that Raw stands on its own
		}
		doc := &yaml.Node{Kind: yaml.DocumentNode, Line: item.Line, Column: item.Column, Content: []*yaml.Node{content}}
		if err := d.document(doc, item); err != nil {
			return err
		}
	}
	return nil
}

// decodeError reports an error of yaml.v3's Node.Decode with the file name.
func (d *decoder) decodeError(src, kind string, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("%s: %s: %s", src, kind, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	lines := make([]string, len(te.Errors))
	for i, e := range te.Errors {
		if m := yamlLine.FindStringSubmatch(e); m != nil {
			lines[i] = fmt.Sprintf("%s:%s: %s (in %s)", d.name, m[1], m[2], kind)
		} else {
			lines[i] = fmt.Sprintf("%s: %s (in %s)", src, e, kind)
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}

// SafeYAML runs a yaml.v3 call, turning a panic inside the library into an error.
func SafeYAML(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: internal error: %v", r)
		}
	}()
	return f()
}

// Deref follows aliases to the node they name (nil for a cycle or a chain over 100).
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// IsNull tells whether n is a YAML null.
func IsNull(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names the shape of a node for error messages.
func describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!str":
			return fmt.Sprintf("the string %q", clip(n.Value))
		default:
			return fmt.Sprintf("the scalar %s", clip(n.Value))
		}
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	return "an unknown node"
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:37]) + "..."
	}
	return s
}

// Unknown returns nil when every doc is of a known kind (it has a Value) and, when
// accepted kinds are given, of one of them. Otherwise its error names each other
// document by Source and kind, one per line:
//
//	<stdin>:1: kind "Foo" is not read here; expected one of: Lock, PackageRef
func Unknown(docs []Doc, accepted ...string) error {
	list := slices.Clone(accepted)
	slices.Sort(list)
	list = slices.Compact(list)
	expected := ""
	if len(list) > 0 {
		expected = "; expected one of: " + strings.Join(list, ", ")
	}
	var lines []string
	for _, d := range docs {
		if d.Value != nil && (len(list) == 0 || slices.Contains(list, d.Kind)) {
			continue
		}
		version := ""
		if d.APIVersion != APIVersion {
			version = fmt.Sprintf(" (apiVersion %q)", d.APIVersion)
		}
		lines = append(lines, fmt.Sprintf("%s: kind %q%s is not read here%s", d.Source, d.Kind, version, expected))
	}
	if len(lines) == 0 {
		return nil
	}
	return errors.New(strings.Join(lines, "\n"))
}
