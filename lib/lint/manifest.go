package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"longshore.dev/lib/internal/textdist"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/stream"
)

// manifest is package.yaml as lint reads it: every value with the line it is on, so
// findings point at the line to fix. It is read from the YAML node tree rather than
// decoded into pkgspec.Package so that one mistake does not hide the others.
type manifest struct {
	apiVersion, kind scalar
	metadataLine     int // 0 when metadata is missing
	name, version    scalar
	description      scalar
	license          scalar
	homepage, source scalar
	keywords         []scalar
	platforms        []platformEntry // in document order
	platformsLine    int
	bin              []scalar
	env              []envEntry
	deps             []depEntry
}

// scalar is one value of package.yaml.
type scalar struct {
	Value string
	Line  int  // of the value, else of its key
	Set   bool // the key is present (its value may still be empty or null)
	Bad   bool // the value is not a string (a schema finding says so)
}

type platformEntry struct {
	key  string
	line int
	dir  scalar
}

type envEntry struct {
	line            int
	name, op, value scalar
}

type depEntry struct {
	line               int
	name, ref, version scalar
}

// maxManifestSize bounds what lint reads as package.yaml.
const maxManifestSize = 4 << 20

// readManifest reads package.yaml, reporting a missing or unreadable file.
func (l *linter) readManifest() ([]byte, bool) {
	f, err := os.Open(filepath.Join(l.dir, pkgspec.FileName))
	if errors.Is(err, fs.ErrNotExist) {
		l.add("manifest", pkgspec.FileName, 0, "no %s in %s: create one with pkg-push init, or give the directory that holds it", pkgspec.FileName, l.dir)
		return nil, false
	}
	if err != nil {
		l.add("manifest", pkgspec.FileName, 0, "cannot read %s: %v", pkgspec.FileName, unwrapPath(err))
		return nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxManifestSize+1))
	switch {
	case err != nil:
		l.add("manifest", pkgspec.FileName, 0, "cannot read %s: %v", pkgspec.FileName, unwrapPath(err))
		return nil, false
	case len(data) > maxManifestSize:
		l.add("manifest", pkgspec.FileName, 0, "%s is larger than %d bytes: it holds metadata only; move content into the package's content directories", pkgspec.FileName, maxManifestSize)
		return nil, false
	}
	return data, true
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// located matches "FILE:LINE: message", the shape of lib/stream's errors.
var located = regexp.MustCompile(`^[^\n]*?:(\d+): ((?s).*)$`)

// splitLocation takes "package.yaml:3: msg" apart; line is 0 when there is none.
func splitLocation(msg string) (int, string) {
	if m := located.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			return n, m[2]
		}
	}
	if _, rest, ok := strings.Cut(msg, pkgspec.FileName+": "); ok {
		return 0, rest
	}
	return 0, msg
}

// parseManifest walks package.yaml's nodes into a manifest, reporting yaml, manifest
// and schema findings. It returns nil when nothing more can be checked.
func (l *linter) parseManifest(data []byte) *manifest {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := stream.SafeYAML(func() error { return dec.Decode(&doc) })
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			l.syntaxError(data, err)
			return nil
		}
		if len(doc.Content) > 0 && !stream.IsNull(doc.Content[0]) {
			docs = append(docs, doc.Content[0])
		}
	}
	switch {
	case len(docs) == 0:
		l.add("manifest", pkgspec.FileName, 0, "%s is empty: it needs apiVersion: %s, kind: Package, metadata and spec (pkg-push init writes one)", pkgspec.FileName, stream.APIVersion)
		return nil
	case len(docs) > 1:
		l.add("manifest", pkgspec.FileName, docs[1].Line, "%s holds %d documents: keep only the Package document (remove the --- separators)", pkgspec.FileName, len(docs))
		return nil
	}
	root := stream.Deref(docs[0])
	if root == nil || root.Kind != yaml.MappingNode {
		l.add("manifest", pkgspec.FileName, docs[0].Line, "the document is %s, not a mapping: write apiVersion, kind, metadata and spec as keys", describe(root))
		return nil
	}
	w := &walker{l: l}
	m := &manifest{}
	w.fields(root, "", []fieldFunc{
		{"apiVersion", func(k, v *yaml.Node) { m.apiVersion = w.scalar(k, v, "apiVersion") }},
		{"kind", func(k, v *yaml.Node) { m.kind = w.scalar(k, v, "kind") }},
		{"metadata", func(k, v *yaml.Node) { m.metadataLine = k.Line; w.metadata(k, v, m) }},
		{"spec", func(k, v *yaml.Node) { w.spec(k, v, m) }},
	})
	switch {
	case !m.apiVersion.Set || m.apiVersion.Value == "":
		l.add("manifest", pkgspec.FileName, root.Line, "apiVersion is missing: add apiVersion: %s", stream.APIVersion)
	case m.apiVersion.Value != stream.APIVersion:
		l.add("manifest", pkgspec.FileName, m.apiVersion.Line, "apiVersion %q is not %s: write apiVersion: %s", m.apiVersion.Value, stream.APIVersion, stream.APIVersion)
	}
	switch {
	case !m.kind.Set || m.kind.Value == "":
		l.add("manifest", pkgspec.FileName, root.Line, "kind is missing: add kind: Package")
	case m.kind.Value != "Package":
		l.add("manifest", pkgspec.FileName, m.kind.Line, "kind %q is not Package: package.yaml describes a package, write kind: Package", m.kind.Value)
	}
	if m.metadataLine == 0 {
		l.add("required-field", pkgspec.FileName, root.Line, "metadata is missing: add metadata with at least name and version")
	}
	return m
}

// syntaxError reports a YAML syntax error with the line lib/stream finds for it.
func (l *linter) syntaxError(data []byte, err error) {
	msg := err.Error()
	if _, serr := stream.Decode(bytes.NewReader(data), pkgspec.FileName, pkgspec.Kinds); serr != nil {
		msg = serr.Error()
	}
	line, text := splitLocation(msg)
	text = strings.TrimPrefix(text, "yaml: ")
	l.add("yaml", pkgspec.FileName, line, "%s is not valid YAML: %s; fix the syntax (indent with spaces, quote values holding ': ' or starting with a special character)", pkgspec.FileName, text)
}

// crossCheck makes sure lint never passes a package.yaml that push refuses: if the
// decoder push uses rejects the file and lint found no error, its message becomes a
// schema finding.
func (l *linter) crossCheck(data []byte) {
	if l.errorCount() > 0 {
		return
	}
	if _, err := pkgspec.Parse(data, pkgspec.FileName); err != nil {
		for _, part := range strings.Split(err.Error(), "\n") {
			line, text := splitLocation(part)
			l.add("schema", pkgspec.FileName, line, "%s", text)
		}
	}
}

// walker reads nodes into the manifest, reporting schema findings.
type walker struct {
	l *linter
	// merging holds the mappings whose merge keys are being expanded, so that an
	// alias back to one of them cannot recurse forever.
	merging map[*yaml.Node]bool
}

type fieldFunc struct {
	name string
	read func(k, v *yaml.Node)
}

// fields calls each field's reader for its key in mapping n (merge keys expanded);
// unknown and duplicate keys are schema findings. where names n in messages
// ("metadata", "spec.env[2]"; "" for the top level).
func (w *walker) fields(n *yaml.Node, where string, known []fieldFunc) {
	names := make([]string, len(known))
	for i, f := range known {
		names[i] = f.name
	}
	for _, e := range w.entries(n, where) {
		found := false
		for _, f := range known {
			if f.name == e.key {
				f.read(e.k, e.v)
				found = true
				break
			}
		}
		if !found {
			w.l.add("schema", pkgspec.FileName, e.k.Line, "unknown field %q%s%s; the fields here are %s",
				e.key, in(where), didYouMean(e.key, names), strings.Join(names, ", "))
		}
	}
}

func in(where string) string {
	if where == "" {
		return ""
	}
	return " in " + where
}

type entry struct {
	key  string
	k, v *yaml.Node
}

// entries returns n's key/value pairs in order. Keys from merge keys (<<) come only
// when not set explicitly; a key given twice is a schema finding.
func (w *walker) entries(n *yaml.Node, where string) []entry {
	if w.merging == nil {
		w.merging = map[*yaml.Node]bool{}
	}
	w.merging[n] = true
	defer delete(w.merging, n)
	var out []entry
	seen := map[string]int{}
	var merged []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		dk := stream.Deref(k)
		if dk == nil || dk.Kind != yaml.ScalarNode {
			w.l.add("schema", pkgspec.FileName, k.Line, "a key%s is %s: keys are plain names", in(where), describe(dk))
			continue
		}
		if dk.ShortTag() == "!!merge" {
			merged = append(merged, w.merge(v, where, 0)...)
			continue
		}
		if first, dup := seen[dk.Value]; dup {
			w.l.add("schema", pkgspec.FileName, k.Line, "%q is given twice%s (first on line %d): keep one", dk.Value, in(where), first)
			continue
		}
		seen[dk.Value] = k.Line
		out = append(out, entry{key: dk.Value, k: k, v: v})
	}
	for _, e := range merged {
		if _, ok := seen[e.key]; !ok {
			seen[e.key] = e.k.Line
			out = append(out, e)
		}
	}
	return out
}

// merge returns the pairs a merge key's value brings: a mapping, or a sequence of them.
func (w *walker) merge(v *yaml.Node, where string, depth int) []entry {
	v = stream.Deref(v)
	if v == nil || depth > 10 {
		return nil
	}
	switch v.Kind {
	case yaml.MappingNode:
		if w.merging[v] {
			w.l.add("schema", pkgspec.FileName, v.Line, "a merge key (<<)%s includes the mapping it is in: remove it", in(where))
			return nil
		}
		return w.entries(v, where)
	case yaml.SequenceNode:
		var out []entry
		for _, item := range v.Content {
			out = append(out, w.merge(item, where, depth+1)...)
		}
		return out
	}
	w.l.add("schema", pkgspec.FileName, v.Line, "a merge key (<<)%s takes a mapping, not %s", in(where), describe(v))
	return nil
}

// scalar reads a string value; null is empty, a mapping or sequence a schema finding.
func (w *walker) scalar(k, v *yaml.Node, what string) scalar {
	s := scalar{Line: k.Line, Set: true}
	dv := stream.Deref(v)
	switch {
	case dv == nil || stream.IsNull(dv):
	case dv.Kind != yaml.ScalarNode:
		w.l.add("schema", pkgspec.FileName, v.Line, "%s must be a string, not %s", what, describe(dv))
		s.Bad = true
	default:
		s.Value = dv.Value
		s.Line = v.Line
	}
	return s
}

// sequence returns the items of a list value; null is empty, anything else a finding.
func (w *walker) sequence(v *yaml.Node, what, example string) []*yaml.Node {
	dv := stream.Deref(v)
	switch {
	case dv == nil || stream.IsNull(dv):
		return nil
	case dv.Kind != yaml.SequenceNode:
		w.l.add("schema", pkgspec.FileName, v.Line, "%s must be a list, not %s: write %s", what, describe(dv), example)
		return nil
	}
	return dv.Content
}

// mapping returns a mapping value, or nil (with a finding unless it is null).
func (w *walker) mapping(v *yaml.Node, what, example string) *yaml.Node {
	dv := stream.Deref(v)
	switch {
	case dv == nil || stream.IsNull(dv):
		return nil
	case dv.Kind != yaml.MappingNode:
		w.l.add("schema", pkgspec.FileName, v.Line, "%s must be a mapping, not %s: write %s", what, describe(dv), example)
		return nil
	}
	return dv
}

func (w *walker) scalars(v *yaml.Node, what, example string) []scalar {
	var out []scalar
	for i, item := range w.sequence(v, what, example) {
		out = append(out, w.scalar(item, item, fmt.Sprintf("%s[%d]", what, i)))
	}
	return out
}

func (w *walker) metadata(_, v *yaml.Node, m *manifest) {
	n := w.mapping(v, "metadata", "metadata: {name: hello, version: 1.0.0}")
	if n == nil {
		return
	}
	w.fields(n, "metadata", []fieldFunc{
		{"name", func(k, v *yaml.Node) { m.name = w.scalar(k, v, "metadata.name") }},
		{"version", func(k, v *yaml.Node) { m.version = w.scalar(k, v, "metadata.version") }},
		{"description", func(k, v *yaml.Node) { m.description = w.scalar(k, v, "metadata.description") }},
		{"license", func(k, v *yaml.Node) { m.license = w.scalar(k, v, "metadata.license") }},
		{"homepage", func(k, v *yaml.Node) { m.homepage = w.scalar(k, v, "metadata.homepage") }},
		{"source", func(k, v *yaml.Node) { m.source = w.scalar(k, v, "metadata.source") }},
		{"keywords", func(k, v *yaml.Node) { m.keywords = w.scalars(v, "metadata.keywords", "keywords: [demo, cli]") }},
	})
}

func (w *walker) spec(_, v *yaml.Node, m *manifest) {
	n := w.mapping(v, "spec", "spec: {bin: [bin/hello]}")
	if n == nil {
		return
	}
	w.fields(n, "spec", []fieldFunc{
		{"platforms", func(k, v *yaml.Node) { w.platforms(k, v, m) }},
		{"bin", func(k, v *yaml.Node) { m.bin = w.scalars(v, "spec.bin", "bin: [bin/hello]") }},
		{"env", func(k, v *yaml.Node) { w.env(v, m) }},
		{"dependencies", func(k, v *yaml.Node) { w.deps(v, m) }},
	})
}

func (w *walker) platforms(k, v *yaml.Node, m *manifest) {
	m.platformsLine = k.Line
	n := w.mapping(v, "spec.platforms", "platforms: {linux/amd64: ./dist/linux-amd64}")
	if n == nil {
		return
	}
	for _, e := range w.entries(n, "spec.platforms") {
		m.platforms = append(m.platforms, platformEntry{
			key:  e.key,
			line: e.k.Line,
			dir:  w.scalar(e.k, e.v, fmt.Sprintf("spec.platforms[%q]", e.key)),
		})
	}
}

func (w *walker) env(v *yaml.Node, m *manifest) {
	for i, item := range w.sequence(v, "spec.env", `env: [{name: PATH, op: prepend, value: "${installPath}/bin"}]`) {
		where := fmt.Sprintf("spec.env[%d]", i)
		n := w.mapping(item, where, `{name: PATH, op: prepend, value: "${installPath}/bin"}`)
		if n == nil {
			if stream.IsNull(stream.Deref(item)) {
				w.l.add("schema", pkgspec.FileName, item.Line, "%s is empty: remove the entry or write {name: …, op: …, value: …}", where)
			}
			continue
		}
		e := envEntry{line: item.Line}
		w.fields(n, where, []fieldFunc{
			{"name", func(k, v *yaml.Node) { e.name = w.scalar(k, v, where+".name") }},
			{"op", func(k, v *yaml.Node) { e.op = w.scalar(k, v, where+".op") }},
			{"value", func(k, v *yaml.Node) { e.value = w.scalar(k, v, where+".value") }},
		})
		m.env = append(m.env, e)
	}
}

func (w *walker) deps(v *yaml.Node, m *manifest) {
	for i, item := range w.sequence(v, "spec.dependencies", `dependencies: [{name: libgreet, version: "^1.0"}]`) {
		where := fmt.Sprintf("spec.dependencies[%d]", i)
		n := w.mapping(item, where, `{name: libgreet, version: "^1.0"}`)
		if n == nil {
			if stream.IsNull(stream.Deref(item)) {
				w.l.add("schema", pkgspec.FileName, item.Line, "%s is empty: remove the entry or write {name: …, version: …}", where)
			}
			continue
		}
		d := depEntry{line: item.Line}
		w.fields(n, where, []fieldFunc{
			{"name", func(k, v *yaml.Node) { d.name = w.scalar(k, v, where+".name") }},
			{"ref", func(k, v *yaml.Node) { d.ref = w.scalar(k, v, where+".ref") }},
			{"version", func(k, v *yaml.Node) { d.version = w.scalar(k, v, where+".version") }},
		})
		m.deps = append(m.deps, d)
	}
}

func describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if stream.IsNull(n) {
			return "null"
		}
		v := n.Value
		if len(v) > 40 {
			v = v[:37] + "..."
		}
		return fmt.Sprintf("the value %q", v)
	}
	return "an alias"
}

// didYouMean suggests the closest known name to a misspelt one.
func didYouMean(s string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if d := textdist.Levenshtein(strings.ToLower(s), strings.ToLower(n)); d < bestDist {
			best, bestDist = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
