package stream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// WriteYAML writes docs as a YAML stream: 2-space indentation, fields in Go struct
// order (by their yaml tags), each document starting with "---", so the outputs of
// several commands concatenate into one valid stream (`{ pkg-push a; pkg-push b; } |`).
// Zero docs write nothing. A Doc (or *Doc) is written as its Value, or as its Raw
// node when it has no Value (pass-through of an unknown kind); a *yaml.Node is
// written as it is. Nothing is written when a document fails to encode.
func WriteYAML(w io.Writer, docs ...any) error {
	if len(docs) == 0 {
		return nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	for i, doc := range docs {
		v, err := unwrap(doc)
		if err == nil {
			err = SafeYAML(func() error { return enc.Encode(v) })
		}
		if err != nil {
			return fmt.Errorf("write yaml: document %d: %w", i+1, err)
		}
	}
	if err := SafeYAML(enc.Close); err != nil {
		return fmt.Errorf("write yaml: %w", err)
	}
	_, err := w.Write(append([]byte("---\n"), buf.Bytes()...))
	return err
}

// WriteJSON writes docs as JSON indented by 2 spaces with a trailing newline,
// fields in Go struct order (by their json tags): one document is written as that
// object; zero or several as a {"apiVersion": …, "kind": "List", "items": […]}.
// Doc, *Doc and *yaml.Node are handled as by WriteYAML (mapping keys keep their
// order). HTML characters are not escaped. Nothing is written on error.
func WriteJSON(w io.Writer, docs ...any) error { return writeJSON(w, len(docs) != 1, docs) }

// WriteJSONList writes docs as one List however many there are (none, one, several),
// for the verbs that list things: a consumer's `jq '.items[]'` must not depend on the
// count.
func WriteJSONList(w io.Writer, docs ...any) error { return writeJSON(w, true, docs) }

func writeJSON(w io.Writer, list bool, docs []any) error {
	items := make([]any, len(docs))
	for i, doc := range docs {
		v, err := unwrap(doc)
		if err != nil {
			return fmt.Errorf("write json: document %d: %w", i+1, err)
		}
		if n, ok := v.(*yaml.Node); ok && n != nil {
			v = jsonNode{n}
		}
		items[i] = v
	}
	var out any = jsonList{APIVersion: APIVersion, Kind: listKind, Items: items}
	if !list {
		out = items[0]
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

type jsonList struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Items      []any  `json:"items"`
}

// unwrap picks what to write for a document.
func unwrap(doc any) (any, error) {
	switch d := doc.(type) {
	case Doc:
		return docValue(&d)
	case *Doc:
		if d == nil {
			return nil, nil
		}
		return docValue(d)
	case yaml.Node:
		return &d, nil
	}
	return doc, nil
}

func docValue(d *Doc) (any, error) {
	switch {
	case d.Value != nil:
		return d.Value, nil
	case d.Raw != nil:
		return d.Raw, nil
	}
	return nil, fmt.Errorf("%s: kind %q has neither a Value nor a Raw node", d.Source, d.Kind)
}

// jsonNode writes a yaml.Node as JSON, keeping the order of mapping keys.
type jsonNode struct{ n *yaml.Node }

// maxJSONNodes bounds the output of a node whose aliases expand it.
const maxJSONNodes = 10_000_000

func (j jsonNode) MarshalJSON() ([]byte, error) {
	nw := nodeWriter{budget: maxJSONNodes}
	if err := nw.write(j.n, 0); err != nil {
		return nil, err
	}
	return nw.buf.Bytes(), nil
}

type nodeWriter struct {
	buf    bytes.Buffer
	budget int
}

func (nw *nodeWriter) write(n *yaml.Node, depth int) error {
	nw.budget--
	if depth > 10_000 || nw.budget < 0 {
		return errors.New("yaml node too deep or too large (an alias cycle?)")
	}
	if n == nil {
		nw.buf.WriteString("null")
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			nw.buf.WriteString("null")
			return nil
		}
		return nw.write(n.Content[0], depth+1)
	case yaml.AliasNode:
		return nw.write(n.Alias, depth+1)
	case yaml.SequenceNode:
		nw.buf.WriteByte('[')
		for i, e := range n.Content {
			if i > 0 {
				nw.buf.WriteByte(',')
			}
			if err := nw.write(e, depth+1); err != nil {
				return err
			}
		}
		nw.buf.WriteByte(']')
		return nil
	case yaml.MappingNode:
		for i := 0; i < len(n.Content); i += 2 {
			if k := Deref(n.Content[i]); k != nil && isMerge(k) {
				return nw.generic(n) // let yaml.v3 apply the merge
			}
		}
		nw.buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				nw.buf.WriteByte(',')
			}
			k := Deref(n.Content[i])
			if k == nil || k.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: a mapping key that is not a scalar cannot be written as JSON", n.Content[i].Line)
			}
			if err := nw.str(k.Value); err != nil {
				return err
			}
			nw.buf.WriteByte(':')
			if err := nw.write(n.Content[i+1], depth+1); err != nil {
				return err
			}
		}
		nw.buf.WriteByte('}')
		return nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return nw.str(n.Value)
		case "!!null":
			nw.buf.WriteString("null")
			return nil
		case "!!int", "!!float":
			if v := n.Value; v != "" && (v[0] == '-' || v[0] >= '0' && v[0] <= '9') && json.Valid([]byte(v)) {
				nw.buf.WriteString(v) // a JSON number already: keep its precision
				return nil
			}
		}
		if err := nw.generic(n); err != nil {
			return nw.str(n.Value) // a tag yaml.v3 cannot decode: keep the text
		}
		return nil
	}
	return fmt.Errorf("line %d: unknown yaml node kind %d", n.Line, n.Kind)
}

// generic decodes n with yaml.v3 and writes the result with encoding/json.
func (nw *nodeWriter) generic(n *yaml.Node) error {
	var v any
	if err := SafeYAML(func() error { return n.Decode(&v) }); err != nil {
		return err
	}
	return nw.marshal(v)
}

func (nw *nodeWriter) str(s string) error { return nw.marshal(s) }

func (nw *nodeWriter) marshal(v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	nw.buf.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return nil
}
