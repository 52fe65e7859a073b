package stream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// isJSON reports whether a stream is JSON: its first non-whitespace byte is { or [.
func isJSON(data []byte) bool {
	data = bytes.TrimLeft(bytes.TrimPrefix(data, bom), " \t\r\n")
	return len(data) > 0 && (data[0] == '{' || data[0] == '[')
}

// decodeJSON reads a sequence of JSON values (concatenated or one per line). Each
// value is turned into a yaml.Node carrying the line and column it has in the
// stream, then handled like a YAML document; a top-level array is a List of its
// items.
func (d *decoder) decodeJSON(data []byte) error {
	skip := 0
	if bytes.HasPrefix(data, bom) {
		skip = len(bom)
	}
	pos := newPositions(data)
	dec := json.NewDecoder(bytes.NewReader(data[skip:]))
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		end := skip + int(dec.InputOffset())
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var se *json.SyntaxError
			switch {
			case errors.As(err, &se):
				off := skip + int(se.Offset) - 1
				return fmt.Errorf("%s: json: %s", d.at(pos.line(max(off, 0))), se.Error())
			case errors.Is(err, io.ErrUnexpectedEOF):
				last := len(bytes.TrimRight(data, " \t\r\n"))
				return fmt.Errorf("%s: json: unexpected end of input", d.at(pos.line(max(last-1, 0))))
			default:
				return fmt.Errorf("%s: json: %w", d.at(pos.line(min(end, len(data)))), err)
			}
		}
		b := &jsonBuilder{base: end - len(raw), raw: raw, pos: pos}
		n, err := b.build()
		if err != nil {
			return fmt.Errorf("%s: json: %w", d.at(pos.line(b.base)), err)
		}
		if n.Kind == yaml.SequenceNode {
			err = d.items(n)
		} else {
			doc := &yaml.Node{Kind: yaml.DocumentNode, Line: n.Line, Column: n.Column, Content: []*yaml.Node{n}}
			err = d.document(doc, n)
		}
		if err != nil {
			return err
		}
	}
}

// positions turns byte offsets into 1-based lines and columns.
type positions struct {
	starts []int // offset of the first byte of each line
}

func newPositions(data []byte) *positions {
	p := &positions{starts: []int{0}}
	for i, c := range data {
		if c == '\n' {
			p.starts = append(p.starts, i+1)
		}
	}
	return p
}

func (p *positions) line(off int) int {
	i, found := slices.BinarySearch(p.starts, off)
	if found {
		return i + 1
	}
	return i
}

func (p *positions) column(off int) int {
	return off - p.starts[p.line(off)-1] + 1
}

// jsonBuilder turns one JSON value, already checked by json.Decoder, into a
// yaml.Node whose positions are those in the whole stream.
type jsonBuilder struct {
	base int // offset of raw in the stream
	raw  []byte
	pos  *positions
	dec  *json.Decoder
}

func (b *jsonBuilder) build() (*yaml.Node, error) {
	b.dec = json.NewDecoder(bytes.NewReader(b.raw))
	b.dec.UseNumber()
	tok, err := b.dec.Token()
	if err != nil {
		return nil, err
	}
	return b.value(tok)
}

// at returns the position of a token that starts at offset start of raw.
func (b *jsonBuilder) at(n *yaml.Node, start int) *yaml.Node {
	n.Line = b.pos.line(b.base + start)
	n.Column = b.pos.column(b.base + start)
	return n
}

// start returns the offset in raw where the token just read began.
func (b *jsonBuilder) start(tok json.Token) int {
	end := int(b.dec.InputOffset())
	switch t := tok.(type) {
	case json.Delim:
		return end - 1
	case json.Number:
		return end - len(t)
	case bool:
		return end - len(strconv.FormatBool(t))
	case nil:
		return end - len("null")
	case string:
		// Find the opening quote: the last quote before the closing one that is
		// not escaped (preceded by an even number of backslashes).
		for i := end - 2; i >= 0; i-- {
			if b.raw[i] != '"' {
				continue
			}
			bs := 0
			for j := i - 1; j >= 0 && b.raw[j] == '\\'; j-- {
				bs++
			}
			if bs%2 == 0 {
				return i
			}
		}
	}
	return max(end-1, 0)
}

func (b *jsonBuilder) value(tok json.Token) (*yaml.Node, error) {
	start := b.start(tok)
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := b.at(&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, start)
			for b.dec.More() {
				kt, err := b.dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key %v is not a string", kt)
				}
				k := b.at(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, b.start(kt))
				vt, err := b.dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := b.value(vt)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, k, v)
			}
			_, err := b.dec.Token() // }
			return n, err
		case '[':
			n := b.at(&yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}, start)
			for b.dec.More() {
				et, err := b.dec.Token()
				if err != nil {
					return nil, err
				}
				e, err := b.value(et)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, e)
			}
			_, err := b.dec.Token() // ]
			return n, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return b.at(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t}, start), nil
	case json.Number:
		tag := "!!float"
		if _, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			tag = "!!int"
		} else if _, err := strconv.ParseUint(string(t), 10, 64); err == nil {
			tag = "!!int"
		}
		return b.at(&yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(t)}, start), nil
	case bool:
		return b.at(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t)}, start), nil
	case nil:
		return b.at(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, start), nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}
