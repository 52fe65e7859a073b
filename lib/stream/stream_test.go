package stream

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"longshore.dev/lib/fault"
)

type testNested struct {
	A string `json:"a" yaml:"a"`
}

type testPublished struct {
	TypeMeta `json:",inline" yaml:",inline"`
	Name     string            `json:"name" yaml:"name"`
	Version  string            `json:"version,omitempty" yaml:"version,omitempty"`
	Tags     []string          `json:"tags,omitempty" yaml:"tags,omitempty"`
	Nested   testNested        `json:"nested" yaml:"nested"`
	Parts    []testNested      `json:"parts,omitempty" yaml:"parts,omitempty"`
	Labels   map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
	Count    int               `json:"count,omitempty" yaml:"count,omitempty"`
	Secret   string            `json:"-" yaml:"-"`
}

type testLock struct {
	TypeMeta `json:",inline" yaml:",inline"`
	Pins     map[string]*testNested `json:"pins,omitempty" yaml:"pins,omitempty"`
}

var testKinds = Kinds{
	"Published": func() any { return new(testPublished) },
	"Lock":      func() any { return new(testLock) },
}

func published(name string) *testPublished {
	return &testPublished{TypeMeta: TypeMeta{APIVersion: APIVersion, Kind: "Published"}, Name: name}
}

// brief is what a test compares of a Doc.
type brief struct {
	Kind   string
	Source string
	Value  any
}

func briefs(docs []Doc) []brief {
	out := make([]brief, len(docs))
	for i, d := range docs {
		out[i] = brief{d.Kind, d.Source, d.Value}
	}
	return out
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tagged := published("tagged")
	tagged.Version = "1.2.0"
	tagged.Tags = []string{"a", "b"}
	tagged.Nested.A = "x"
	tagged.Parts = []testNested{{A: "p"}}
	tagged.Labels = map[string]string{"any.key/at-all": "v", "other": "w"}
	tagged.Count = 3

	tests := []struct {
		name string
		src  string
		want []brief
	}{{
		name: "multi-document YAML",
		src: "apiVersion: longshore.dev/v1alpha1\nkind: Published\nname: one\n" +
			"---\napiVersion: longshore.dev/v1alpha1\nkind: Lock\npins:\n  p:\n    a: x\n" +
			"---\n# a comment before the document\napiVersion: longshore.dev/v1alpha1\nkind: Published\nname: two\n",
		want: []brief{
			{"Published", "in.yaml:1", published("one")},
			{"Lock", "in.yaml:5", &testLock{TypeMeta: TypeMeta{APIVersion, "Lock"}, Pins: map[string]*testNested{"p": {A: "x"}}}},
			{"Published", "in.yaml:12", published("two")},
		},
	}, {
		name: "all fields",
		src: `apiVersion: longshore.dev/v1alpha1
kind: Published
name: tagged
version: 1.2.0
tags: [a, b]
nested: {a: x}
parts:
  - a: p
labels:
  any.key/at-all: v
  other: w
count: 3
`,
		want: []brief{{"Published", "in.yaml:1", tagged}},
	}, {
		name: "empty and comment-only documents are skipped",
		src:  "---\n---\n# only a comment\n---\n\n---\n~\n---\napiVersion: longshore.dev/v1alpha1\nkind: Published\nname: one\n---\n# trailing comment\n",
		want: []brief{{"Published", "in.yaml:9", published("one")}},
	}, {
		name: "empty stream",
		src:  "",
	}, {
		name: "comment-only stream",
		src:  "# nothing here\n",
	}, {
		name: "List is flattened, recursively",
		src: `apiVersion: longshore.dev/v1alpha1
kind: List
items:
  - apiVersion: longshore.dev/v1alpha1
    kind: Published
    name: one
  - apiVersion: longshore.dev/v1alpha1
    kind: List
    items:
      - apiVersion: longshore.dev/v1alpha1
        kind: Published
        name: two
      - null
  - apiVersion: longshore.dev/v1alpha1
    kind: List
    items: []
  - apiVersion: longshore.dev/v1alpha1
    kind: Published
    name: three
---
apiVersion: longshore.dev/v1alpha1
kind: List
`,
		want: []brief{
			{"Published", "in.yaml:4", published("one")},
			{"Published", "in.yaml:10", published("two")},
			{"Published", "in.yaml:17", published("three")},
		},
	}, {
		name: "aliases and merge keys",
		src: `apiVersion: longshore.dev/v1alpha1
kind: List
items:
  - &base
    apiVersion: longshore.dev/v1alpha1
    kind: Published
    name: one
  - <<: *base
    name: two
`,
		want: []brief{
			{"Published", "in.yaml:4", published("one")},
			{"Published", "in.yaml:8", published("two")},
		},
	}, {
		name: "JSON object",
		src:  "\n  {\n  \"apiVersion\": \"longshore.dev/v1alpha1\",\n  \"kind\": \"Published\",\n  \"name\": \"one\"\n}\n",
		want: []brief{{"Published", "in.yaml:2", published("one")}},
	}, {
		name: "concatenated JSON objects",
		src: `{"apiVersion": "longshore.dev/v1alpha1", "kind": "Published", "name": "one"}{"apiVersion": "longshore.dev/v1alpha1", "kind": "Published", "name": "two"}
{
  "apiVersion": "longshore.dev/v1alpha1", "kind": "Published", "name": "three"}`,
		want: []brief{
			{"Published", "in.yaml:1", published("one")},
			{"Published", "in.yaml:1", published("two")},
			{"Published", "in.yaml:2", published("three")},
		},
	}, {
		name: "newline-delimited JSON",
		src: `{"apiVersion":"longshore.dev/v1alpha1","kind":"Published","name":"one"}
{"apiVersion":"longshore.dev/v1alpha1","kind":"Published","name":"two","tags":["x"],"labels":{"k":"v"},"count":3,"nested":{"a":"n"}}
null
{"apiVersion":"longshore.dev/v1alpha1","kind":"List","items":[{"apiVersion":"longshore.dev/v1alpha1","kind":"Published","name":"three"}]}
`,
		want: []brief{
			{"Published", "in.yaml:1", published("one")},
			{"Published", "in.yaml:2", &testPublished{TypeMeta: TypeMeta{APIVersion, "Published"}, Name: "two",
				Tags: []string{"x"}, Labels: map[string]string{"k": "v"}, Count: 3, Nested: testNested{A: "n"}}},
			{"Published", "in.yaml:4", published("three")},
		},
	}, {
		name: "top-level JSON array",
		src: `[
  {"apiVersion": "longshore.dev/v1alpha1", "kind": "Published", "name": "one"},
  {"apiVersion": "longshore.dev/v1alpha1", "kind": "Published", "name": "two"}
]
`,
		want: []brief{
			{"Published", "in.yaml:2", published("one")},
			{"Published", "in.yaml:3", published("two")},
		},
	}, {
		name: "JSON with a byte order mark and HTML characters",
		src:  "\uFEFF{\"apiVersion\":\"longshore.dev/v1alpha1\",\"kind\":\"Published\",\"name\":\"<a&b>\"}",
		want: []brief{{"Published", "in.yaml:1", published("<a&b>")}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			docs, err := Decode(strings.NewReader(tt.src), "in.yaml", testKinds)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := briefs(docs); !reflect.DeepEqual(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("Decode:\n got %s\nwant %s", dump(got), dump(tt.want))
			}
			for _, d := range docs {
				if d.APIVersion != APIVersion || d.Raw == nil || d.Raw.Kind != yaml.DocumentNode {
					t.Errorf("%s: APIVersion %q, Raw %v", d.Source, d.APIVersion, d.Raw)
				}
			}
		})
	}
}

func dump(v any) string {
	var b bytes.Buffer
	if err := WriteYAML(&b, v); err != nil {
		return err.Error()
	}
	return b.String()
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	const head = "apiVersion: longshore.dev/v1alpha1\nkind: Published\n"
	tests := []struct {
		name string
		file string // "" is stdin
		src  string
		want string // the whole error message
	}{{
		name: "unknown field, third document",
		file: "in.yaml",
		src:  head + "name: a\n---\n# second\n---\n" + head + "versoin: 1.0\n",
		want: `in.yaml:9: unknown field "versoin" in Published; did you mean "version"?`,
	}, {
		name: "unknown nested field",
		file: "in.yaml",
		src:  head + "nested: {a: x,\n  A: y}\n",
		want: `in.yaml:4: unknown field "A" in Published.nested; did you mean "a"?`,
	}, {
		name: "unknown field, no suggestion for one letter",
		file: "in.yaml",
		src:  head + "nested:\n  a: x\n  b: y\n",
		want: `in.yaml:5: unknown field "b" in Published.nested`,
	}, {
		name: "unknown field in a slice element",
		file: "in.yaml",
		src:  head + "parts:\n  - a: x\n  - a: y\n    Aa: z\n",
		want: `in.yaml:6: unknown field "Aa" in Published.parts[1]; did you mean "a"?`,
	}, {
		name: "unknown field in a map value",
		file: "in.yaml",
		src:  "apiVersion: longshore.dev/v1alpha1\nkind: Lock\npins:\n  p:\n    a: x\n    z: y\n",
		want: `in.yaml:6: unknown field "z" in Lock.pins.p`,
	}, {
		name: "unknown field in a List item",
		file: "in.yaml",
		src:  "apiVersion: longshore.dev/v1alpha1\nkind: List\nitems:\n- apiVersion: longshore.dev/v1alpha1\n  kind: Published\n  name: x\n  nmae: y\n",
		want: `in.yaml:7: unknown field "nmae" in Published; did you mean "name"?`,
	}, {
		name: "unknown field merged in",
		file: "in.yaml",
		src:  "apiVersion: longshore.dev/v1alpha1\nkind: List\nitems:\n- {apiVersion: longshore.dev/v1alpha1, kind: Foo, x: &b {oops: 1}}\n- <<: *b\n  apiVersion: longshore.dev/v1alpha1\n  kind: Published\n",
		want: `in.yaml:4: unknown field "oops" in Published`,
	}, {
		name: "field excluded with yaml:\"-\"",
		file: "in.yaml",
		src:  head + "secret: s\n",
		want: `in.yaml:3: unknown field "secret" in Published`,
	}, {
		name: "unknown field in JSON",
		file: "in.json",
		src:  "{\"apiVersion\": \"longshore.dev/v1alpha1\", \"kind\": \"Published\", \"name\": \"a\"}\n{\"apiVersion\": \"longshore.dev/v1alpha1\",\n \"kind\": \"Published\",\n \"nested\": {\"a\": \"x\",\n   \"c\": 1}}\n",
		want: `in.json:5: unknown field "c" in Published.nested`,
	}, {
		name: "unknown field in a List",
		file: "in.yaml",
		src:  "apiVersion: longshore.dev/v1alpha1\nkind: List\nmetadata: {}\n",
		want: `in.yaml:3: unknown field "metadata" in List`,
	}, {
		name: "type error",
		file: "in.yaml",
		src:  "# c\n" + head + "count: lots\n",
		want: "in.yaml:4: cannot unmarshal !!str `lots` into int (in Published)",
	}, {
		name: "type errors",
		file: "in.yaml",
		src:  head + "count: lots\ntags: {a: b}\n",
		want: "in.yaml:3: cannot unmarshal !!str `lots` into int (in Published)\nin.yaml:4: cannot unmarshal !!map into []string (in Published)",
	}, {
		name: "type error in JSON",
		file: "in.json",
		src:  "[\n{\"apiVersion\": \"longshore.dev/v1alpha1\", \"kind\": \"Published\",\n \"name\": 5, \"count\": \"x\"}]",
		want: "in.json:3: cannot unmarshal !!str `x` into int (in Published)",
	}, {
		name: "duplicate key",
		file: "in.yaml",
		src:  head + "name: a\nversion: 1\nname: b\n",
		want: `in.yaml:5: duplicate key "name" in Published (first at line 3)`,
	}, {
		name: "duplicate nested key",
		file: "in.yaml",
		src:  head + "labels:\n  a: x\n  a: y\n",
		want: `in.yaml:5: duplicate key "a" in Published.labels (first at line 4)`,
	}, {
		name: "duplicate kind",
		file: "in.yaml",
		src:  head + "kind: Lock\n",
		want: `in.yaml:3: duplicate key "kind" (first at line 2)`,
	}, {
		name: "duplicate key in JSON",
		file: "in.json",
		src:  `{"apiVersion": "longshore.dev/v1alpha1", "kind": "Published", "name": "a", "name": "b"}`,
		want: `in.json:1: duplicate key "name" in Published (first at line 1)`,
	}, {
		name: "missing kind",
		file: "in.yaml",
		src:  "apiVersion: longshore.dev/v1alpha1\nname: a\n",
		want: "in.yaml:1: document has no kind; every document needs apiVersion: longshore.dev/v1alpha1 and a kind",
	}, {
		name: "missing apiVersion",
		file: "in.yaml",
		src:  head + "---\nkind: Published\nname: a\n",
		want: `in.yaml:4: kind "Published" has no apiVersion; every document needs apiVersion: longshore.dev/v1alpha1 and a kind`,
	}, {
		name: "missing both",
		file: "in.yaml",
		src:  "name: a\n",
		want: "in.yaml:1: document has no apiVersion and no kind; every document needs apiVersion: longshore.dev/v1alpha1 and a kind",
	}, {
		name: "kind is not a string",
		file: "in.yaml",
		src:  "apiVersion: longshore.dev/v1alpha1\nkind: [a]\n",
		want: "in.yaml:2: kind must be a string, not a sequence; every document needs apiVersion: longshore.dev/v1alpha1 and a kind",
	}, {
		name: "not a mapping",
		file: "notes.txt",
		src:  "just some text\n",
		want: `notes.txt:1: document is the string "just some text", not a mapping; every document needs apiVersion: longshore.dev/v1alpha1 and a kind`,
	}, {
		name: "a sequence in YAML",
		file: "in.yaml",
		src:  "- a\n- b\n",
		want: "in.yaml:1: document is a sequence, not a mapping; every document needs apiVersion: longshore.dev/v1alpha1 and a kind",
	}, {
		name: "wrong apiVersion",
		file: "in.yaml",
		src:  "apiVersion: longshore.dev/v1\nkind: Published\n",
		want: `in.yaml:1: kind "Published" has apiVersion "longshore.dev/v1", expected "longshore.dev/v1alpha1"`,
	}, {
		name: "List with another apiVersion",
		file: "in.yaml",
		src:  "apiVersion: v1\nkind: List\nitems: []\n",
		want: `in.yaml:1: kind "List" has apiVersion "v1", expected "longshore.dev/v1alpha1"`,
	}, {
		name: "List items not a sequence",
		file: "in.yaml",
		src:  "apiVersion: longshore.dev/v1alpha1\nkind: List\nitems: {a: b}\n",
		want: "in.yaml:3: the items of a List must be a sequence, not a mapping",
	}, {
		name: "List that contains itself",
		file: "in.yaml",
		src:  "&l\napiVersion: longshore.dev/v1alpha1\nkind: List\nitems: [*l]\n",
		want: "in.yaml:4: this List is included more than once (through an alias)",
	}, {
		name: "malformed YAML on stdin",
		src:  head + "name: a\n---\nname: [x\nversion: 1\n",
		want: "<stdin>:5: yaml: did not find expected ',' or ']'",
	}, {
		name: "malformed YAML mapping",
		src:  "a: 1\nb: : 2\n",
		want: "<stdin>:2: yaml: mapping values are not allowed in this context",
	}, {
		name: "malformed YAML on the first line",
		file: "in.yaml",
		src:  "\tapiVersion: longshore.dev/v1alpha1\n",
		want: "in.yaml:1: yaml: found character that cannot start any token",
	}, {
		name: "malformed YAML, unclosed flow mapping",
		file: "in.yaml",
		src:  head + "nested: {a: 1\nname: x\n",
		want: "in.yaml:3: yaml: did not find expected ',' or '}'",
	}, {
		name: "invalid UTF-8",
		file: "in.yaml",
		src:  head + "name: caf\xe9\n",
		want: "in.yaml:3: yaml: incomplete UTF-8 octet sequence",
	}, {
		name: "control character",
		file: "in.yaml",
		src:  head + "\nname: a\x01\n",
		want: "in.yaml:4: yaml: control characters are not allowed",
	}, {
		name: "unknown anchor",
		file: "in.yaml",
		src:  head + "tags: [a]\nname: *nope\n",
		want: "in.yaml:4: yaml: unknown anchor 'nope' referenced",
	}, {
		name: "malformed JSON",
		file: "in.json",
		src:  "{\"apiVersion\": \"longshore.dev/v1alpha1\", \"kind\": \"Published\"}\n{\n  \"name\": tru\n}\n",
		want: "in.json:3: json: invalid character '\\n' in literal true (expecting 'e')",
	}, {
		name: "truncated JSON",
		file: "in.json",
		src:  "{\"apiVersion\": \"longshore.dev/v1alpha1\",\n \"kind\": \"Published\"\n",
		want: "in.json:2: json: unexpected end of input",
	}, {
		name: "JSON array of arrays",
		file: "in.json",
		src:  "[[]]",
		want: "in.json:1: document is a sequence, not a mapping; every document needs apiVersion: longshore.dev/v1alpha1 and a kind",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			docs, err := Decode(strings.NewReader(tt.src), tt.file, testKinds)
			if err == nil {
				t.Fatalf("Decode gave %d docs and no error, want %q", len(docs), tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Decode error:\n got %q\nwant %q", err, tt.want)
			}
			if docs != nil {
				t.Errorf("Decode gave %d docs with an error", len(docs))
			}
		})
	}
}

// Types that exercise the less common yaml.v3 field rules.
type (
	testInlineMap struct {
		TypeMeta `yaml:",inline"`
		Name     string                `yaml:"name"`
		Rest     map[string]testNested `yaml:",inline"`
	}
	testInlinePtr struct {
		*TypeMeta `yaml:",inline"`
		Embedded  testNested // not inline: the key is "embedded"
		Custom    testCustom `yaml:"custom"`
		Any       any        `yaml:"any"`
		Arr       [2]testNested
	}
	testCustom struct{ Keys []string }
)

// UnmarshalYAML accepts any mapping and records its keys.
func (c *testCustom) UnmarshalYAML(n *yaml.Node) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		c.Keys = append(c.Keys, n.Content[i].Value)
	}
	return nil
}

func TestFieldRules(t *testing.T) {
	t.Parallel()
	kinds := Kinds{
		"InlineMap": func() any { return new(testInlineMap) },
		"InlinePtr": func() any { return new(testInlinePtr) },
	}
	const (
		inlineMap = "apiVersion: longshore.dev/v1alpha1\nkind: InlineMap\nname: n\n"
		inlinePtr = "apiVersion: longshore.dev/v1alpha1\nkind: InlinePtr\n"
	)
	tests := []struct {
		name string
		src  string
		want string // error; "" for none
	}{
		{name: "inline map takes other keys", src: inlineMap + "x: {a: 1}\ny: {a: 2}\n"},
		{name: "inline map values are checked", src: inlineMap + "x: {a: 1}\ny: {b: 2}\n",
			want: `in.yaml:5: unknown field "b" in InlineMap.y`},
		{name: "embedded struct without inline", src: inlinePtr + "embedded: {a: x}\narr: [{a: 1}, {a: 2}]\n"},
		{name: "embedded struct fields are not promoted", src: inlinePtr + "a: x\n",
			want: `in.yaml:3: unknown field "a" in InlinePtr`},
		{name: "array elements are checked", src: inlinePtr + "arr: [{a: 1}, {b: 2}]\n",
			want: `in.yaml:3: unknown field "b" in InlinePtr.arr[1]`},
		{name: "an Unmarshaler takes any keys", src: inlinePtr + "custom: {whatever: 1, else: 2}\n"},
		{name: "an interface takes anything", src: inlinePtr + "any: {whatever: [1, {x: y}]}\n"},
		{name: "duplicate key under an interface", src: inlinePtr + "any: {x: 1, x: 2}\n",
			want: `in.yaml:3: mapping key "x" already defined at line 3 (in InlinePtr)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			docs, err := Decode(strings.NewReader(tt.src), "in.yaml", kinds)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Decode: %v", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Fatalf("Decode error:\n got %v\nwant %s", err, tt.want)
			case tt.want == "" && (len(docs) != 1 || docs[0].Value == nil):
				t.Fatalf("Decode gave %+v", docs)
			}
		})
	}

	docs, err := Decode(strings.NewReader(inlinePtr+"custom: {b: 1, a: 2}\n"), "in.yaml", kinds)
	if err != nil {
		t.Fatal(err)
	}
	if got := docs[0].Value.(*testInlinePtr); got.Kind != "InlinePtr" || !reflect.DeepEqual(got.Custom.Keys, []string{"b", "a"}) {
		t.Errorf("decoded %+v", got)
	}
}

func TestUnknownKind(t *testing.T) {
	t.Parallel()
	src := "apiVersion: longshore.dev/v1alpha1\nkind: Published\nname: a\n---\n" +
		"apiVersion: longshore.dev/v1alpha1\nkind: Foo\nwhatever: {x: 1}\n---\n" +
		"apiVersion: v1\nkind: ConfigMap\n"
	docs, err := Decode(strings.NewReader(src), "-", testKinds)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 3 {
		t.Fatalf("got %d docs, want 3", len(docs))
	}
	foo := docs[1]
	if foo.Kind != "Foo" || foo.APIVersion != APIVersion || foo.Source != "<stdin>:5" || foo.Value != nil || foo.Raw == nil {
		t.Errorf("unknown kind: %+v", foo)
	}
	var generic map[string]any
	if err := foo.Raw.Decode(&generic); err != nil || generic["whatever"] == nil {
		t.Errorf("Raw.Decode: %v, %v", generic, err)
	}

	tests := []struct {
		name     string
		docs     []Doc
		accepted []string
		want     string
	}{{
		name:     "all known",
		docs:     docs[:1],
		accepted: []string{"Published"},
	}, {
		name: "all known, nothing listed",
		docs: docs[:1],
	}, {
		name:     "unknown kinds",
		docs:     docs,
		accepted: []string{"Published", "Lock"},
		want: "<stdin>:5: kind \"Foo\" is not read here; expected one of: Lock, Published\n" +
			"<stdin>:9: kind \"ConfigMap\" (apiVersion \"v1\") is not read here; expected one of: Lock, Published",
	}, {
		name:     "a known kind that is not accepted",
		docs:     docs[:1],
		accepted: []string{"Lock"},
		want:     `<stdin>:1: kind "Published" is not read here; expected one of: Lock`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Unknown(tt.docs, tt.accepted...)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Unknown: %v", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Errorf("Unknown:\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestPassThrough(t *testing.T) {
	t.Parallel()
	src := "# keep me\napiVersion: longshore.dev/v1alpha1\nkind: Foo\nzeta: 1\nalpha: [x, \"true\"]\nbig: 12345678901234567890123\n"
	docs, err := Decode(strings.NewReader(src), "in.yaml", testKinds)
	if err != nil {
		t.Fatal(err)
	}
	var y bytes.Buffer
	if err := WriteYAML(&y, docs[0]); err != nil {
		t.Fatal(err)
	}
	if y.String() != "---\n"+src {
		t.Errorf("WriteYAML(unknown doc):\n got %q\nwant %q", y.String(), src)
	}
	var j bytes.Buffer
	if err := WriteJSON(&j, docs[0]); err != nil {
		t.Fatal(err)
	}
	wantJSON := "{\n  \"apiVersion\": \"longshore.dev/v1alpha1\",\n  \"kind\": \"Foo\",\n  \"zeta\": 1,\n  \"alpha\": [\n    \"x\",\n    \"true\"\n  ],\n  \"big\": 12345678901234567890123\n}\n"
	if j.String() != wantJSON {
		t.Errorf("WriteJSON(unknown doc):\n got %q\nwant %q", j.String(), wantJSON)
	}
	// And the JSON reads back as the same document.
	back, err := Decode(&j, "out.json", testKinds)
	if err != nil || len(back) != 1 || back[0].Kind != "Foo" {
		t.Fatalf("Decode(WriteJSON): %v, %v", back, err)
	}
}

// writeFiles creates files (name → content) under a new temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func doc(name string) string {
	return "apiVersion: longshore.dev/v1alpha1\nkind: Published\nname: " + name + "\n"
}

func TestReadFiles(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"b.yml":              doc("b"),
		"a.yaml":             doc("a1") + "---\n" + doc("a2"),
		"c.json":             `{"apiVersion": "longshore.dev/v1alpha1", "kind": "Published", "name": "c"}`,
		"notes.txt":          "not read",
		"README.md":          "# not read",
		".hidden.yaml":       "not: read",
		"sub.yaml/x.yaml":    doc("not read: a directory, and not recursive"),
		"empty/README":       "nothing to read",
		"single/one.yaml":    doc("one"),
		"single/blank.yaml":  "",
		"broken/broken.yaml": "a: [\n",
	})
	file := filepath.Join(dir, "single", "one.yaml")
	tests := []struct {
		name  string
		paths []string
		stdin string
		want  []string // names, in order
	}{
		{name: "stdin", paths: []string{"-"}, stdin: doc("in"), want: []string{"in"}},
		{name: "empty stdin", paths: []string{"-"}, stdin: ""},
		{name: "a file", paths: []string{file}, want: []string{"one"}},
		{name: "a directory", paths: []string{dir}, want: []string{"a1", "a2", "b", "c"}},
		{name: "an empty directory", paths: []string{filepath.Join(dir, "empty")}},
		{name: "in order", paths: []string{file, "-", dir}, stdin: doc("in"), want: []string{"one", "in", "a1", "a2", "b", "c"}},
		{name: "no paths", paths: nil, stdin: doc("in")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			docs, err := ReadFiles(tt.paths, strings.NewReader(tt.stdin), testKinds)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, d := range docs {
				names = append(names, d.Value.(*testPublished).Name)
			}
			if !reflect.DeepEqual(names, tt.want) {
				t.Errorf("names = %q, want %q", names, tt.want)
			}
		})
	}

	t.Run("sources", func(t *testing.T) {
		t.Parallel()
		docs, err := ReadFiles([]string{"-", dir}, strings.NewReader("\n"+doc("in")), testKinds)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range docs {
			got = append(got, d.Source)
		}
		want := []string{"<stdin>:2", filepath.Join(dir, "a.yaml") + ":1", filepath.Join(dir, "a.yaml") + ":5",
			filepath.Join(dir, "b.yml") + ":1", filepath.Join(dir, "c.json") + ":1"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("sources = %q, want %q", got, want)
		}
	})

	errTests := []struct {
		name     string
		paths    []string
		want     string
		notExist bool
		kind     fault.Kind
	}{{
		name:     "missing file",
		paths:    []string{file, filepath.Join(dir, "missing.yaml")},
		want:     "-f " + filepath.Join(dir, "missing.yaml") + ": file not found",
		notExist: true,
		kind:     fault.NotFound,
	}, {
		name:  "stdin twice",
		paths: []string{"-", file, "-"},
		want:  "-f -: standard input can be read only once",
		kind:  fault.Usage,
	}, {
		name:  "empty name",
		paths: []string{""},
		want:  "-f: empty file name",
		kind:  fault.Usage,
	}, {
		name:  "malformed file in a directory",
		paths: []string{filepath.Join(dir, "broken")},
		want:  filepath.Join(dir, "broken", "broken.yaml") + ":2: yaml: did not find expected node content",
	}}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			docs, err := ReadFiles(tt.paths, strings.NewReader(doc("in")), testKinds)
			if err == nil {
				t.Fatalf("ReadFiles gave %d docs and no error", len(docs))
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %q\nwant %q", err, tt.want)
			}
			if got := errors.Is(err, fs.ErrNotExist); got != tt.notExist {
				t.Errorf("errors.Is(err, fs.ErrNotExist) = %v", got)
			}
			if got := fault.KindOf(err); got != tt.kind {
				t.Errorf("fault.KindOf(err) = %v, want %v", got, tt.kind)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	full := published("full")
	full.Version = "1.0.0"
	full.Tags = []string{"true", "1.0", "", "- x", "multi\nline"}
	full.Nested.A = "null"
	full.Parts = []testNested{{A: "a"}, {A: "b: c"}}
	full.Labels = map[string]string{"z": "1", "a": "yes", "": "empty key"}
	full.Count = -7
	lock := &testLock{TypeMeta: TypeMeta{APIVersion, "Lock"}, Pins: map[string]*testNested{"p": {A: "x"}}}
	values := []any{full, published("plain"), lock}

	for _, format := range []string{"yaml", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			write := WriteYAML
			if format == "json" {
				write = WriteJSON
			}
			if err := write(&b, values...); err != nil {
				t.Fatal(err)
			}
			docs, err := Decode(&b, "out", testKinds)
			if err != nil {
				t.Fatalf("Decode: %v\n%s", err, b.String())
			}
			var got []any
			for _, d := range docs {
				got = append(got, d.Value)
			}
			if !reflect.DeepEqual(got, values) {
				t.Errorf("round trip:\n got %s\nwant %s", dump(got), dump(values))
			}
		})
	}
}

func TestWrite(t *testing.T) {
	t.Parallel()
	p := published("tool")
	p.Version = "1.2.0"
	p.Tags = []string{"a", "b"}
	p.Nested.A = "x"
	p.Labels = map[string]string{"z": "1", "a": "2"}
	q := published("other")

	tests := []struct {
		name  string
		write func(w *bytes.Buffer, docs ...any) error
		docs  []any
		want  string
	}{{
		name:  "YAML, one document",
		write: func(w *bytes.Buffer, docs ...any) error { return WriteYAML(w, docs...) },
		docs:  []any{p},
		want: `---
apiVersion: longshore.dev/v1alpha1
kind: Published
name: tool
version: 1.2.0
tags:
  - a
  - b
nested:
  a: x
labels:
  a: "2"
  z: "1"
`,
	}, {
		name:  "YAML, two documents",
		write: func(w *bytes.Buffer, docs ...any) error { return WriteYAML(w, docs...) },
		docs:  []any{q, q},
		want:  "---\napiVersion: longshore.dev/v1alpha1\nkind: Published\nname: other\nnested:\n  a: \"\"\n---\napiVersion: longshore.dev/v1alpha1\nkind: Published\nname: other\nnested:\n  a: \"\"\n",
	}, {
		name:  "YAML, no documents",
		write: func(w *bytes.Buffer, docs ...any) error { return WriteYAML(w, docs...) },
	}, {
		name:  "JSON, one document",
		write: func(w *bytes.Buffer, docs ...any) error { return WriteJSON(w, docs...) },
		docs:  []any{p},
		want: `{
  "apiVersion": "longshore.dev/v1alpha1",
  "kind": "Published",
  "name": "tool",
  "version": "1.2.0",
  "tags": [
    "a",
    "b"
  ],
  "nested": {
    "a": "x"
  },
  "labels": {
    "a": "2",
    "z": "1"
  }
}
`,
	}, {
		name:  "JSON, two documents",
		write: func(w *bytes.Buffer, docs ...any) error { return WriteJSON(w, docs...) },
		docs:  []any{q, published("<&>")},
		want: `{
  "apiVersion": "longshore.dev/v1alpha1",
  "kind": "List",
  "items": [
    {
      "apiVersion": "longshore.dev/v1alpha1",
      "kind": "Published",
      "name": "other",
      "nested": {
        "a": ""
      }
    },
    {
      "apiVersion": "longshore.dev/v1alpha1",
      "kind": "Published",
      "name": "<&>",
      "nested": {
        "a": ""
      }
    }
  ]
}
`,
	}, {
		name:  "JSON, no documents",
		write: func(w *bytes.Buffer, docs ...any) error { return WriteJSON(w, docs...) },
		want:  "{\n  \"apiVersion\": \"longshore.dev/v1alpha1\",\n  \"kind\": \"List\",\n  \"items\": []\n}\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := tt.write(&b, tt.docs...); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), tt.want)
			}
		})
	}

	t.Run("error writes nothing", func(t *testing.T) {
		t.Parallel()
		var b bytes.Buffer
		if err := WriteJSON(&b, p, map[string]any{"f": func() {}}); err == nil {
			t.Error("WriteJSON of a func: no error")
		}
		if err := WriteYAML(&b, p, Doc{Kind: "Empty"}); err == nil {
			t.Error("WriteYAML of an empty Doc: no error")
		}
		if b.Len() != 0 {
			t.Errorf("wrote %q", b.String())
		}
	})
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	names := []string{"apiVersion", "kind", "name", "version", "tags"}
	tests := map[string]string{
		"versoin":    "version",
		"apiversion": "apiVersion",
		"nmae":       "name",
		"tag":        "tags",
		"kinds":      "kind",
		"zzz":        "",
		"labels":     "",
		"x":          "",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			got := suggest(in, names)
			if want == "" && got != "" || want != "" && got != `; did you mean "`+want+`"?` {
				t.Errorf("suggest(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	seeds := []string{
		"",
		"---\n# c\n",
		doc("a"),
		doc("a") + "---\n" + doc("b"),
		doc("a") + "count: x\nbogus: 1\n",
		"apiVersion: longshore.dev/v1alpha1\nkind: List\nitems:\n- " + strings.ReplaceAll(doc("x"), "\n", "\n  "),
		"&l\napiVersion: longshore.dev/v1alpha1\nkind: List\nitems: [*l, *l]\n",
		"apiVersion: longshore.dev/v1alpha1\nkind: Lock\npins: {a: &x {a: b}, b: *x}\n<<: {extra: 1}\n",
		"a: &a [*a]\n",
		`{"apiVersion":"longshore.dev/v1alpha1","kind":"Published","name":"\"q\\"}`,
		`[{"apiVersion":"longshore.dev/v1alpha1","kind":"Published","nested":{"a":1e3}}, null, []]`,
		`{"apiVersion":"longshore.dev/v1alpha1","kind":"Published","name":"\u0001\ud800 x","tags":["","~","null","0x1F","1e3"," lead","a: b","#c","- d"],"labels":{"":"a","<<":"b","? x":"y"},"count":-0}`,
		"{a: 1}",
		"- [\n",
		"\uFEFF[",
		// Inputs that made yaml.v3 panic at some point.
		"#\n-\n{",
		"#\n-\n-\n0",
		"a:\n.\n-\n",
		"0: [:!00 \xef",
		"#\n - - QI\xd7",
		"! !00 \xf6",
		"\"\\0\\\r\n",
		"  0: [\n] 0",
		"? ? \"\n\" 0",
		"0: \ufeff\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := Decode(bytes.NewReader(data), "fuzz", testKinds)
		if err != nil {
			return
		}
		_ = Unknown(docs, "Published")
		var b bytes.Buffer
		var values []any
		for _, d := range docs {
			_ = WriteYAML(&b, d)
			_ = WriteJSON(&b, d)
			if d.Value != nil {
				values = append(values, d.Value)
			}
		}
		// What was decoded writes and reads back the same, in both formats.
		for _, write := range []func(io.Writer, ...any) error{WriteYAML, WriteJSON} {
			var out bytes.Buffer
			if err := write(&out, values...); err != nil {
				t.Fatalf("write %v: %v", values, err)
			}
			back, err := Decode(&out, "out", testKinds)
			if err != nil {
				t.Fatalf("decode what was written: %v\n%s", err, out.String())
			}
			var got []any
			for _, d := range back {
				got = append(got, d.Value)
			}
			if len(got) != len(values) || len(values) > 0 && !reflect.DeepEqual(got, values) {
				t.Fatalf("round trip:\n got %#v\nwant %#v\n%s", got, values, out.String())
			}
		}
	})
}

// Outputs of separate commands concatenate into one stream:
// `{ pkg-push a -o yaml; pkg-push b -o yaml; } | pkg-tap index add -f -`.
func TestConcatenatedOutputsDecode(t *testing.T) {
	t.Parallel()
	var a, b bytes.Buffer
	if err := WriteYAML(&a, published("one")); err != nil {
		t.Fatal(err)
	}
	if err := WriteYAML(&b, published("two")); err != nil {
		t.Fatal(err)
	}
	docs, err := Decode(strings.NewReader(a.String()+b.String()), "<stdin>", testKinds)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 {
		t.Fatalf("decoded %d documents, want 2", len(docs))
	}
}
