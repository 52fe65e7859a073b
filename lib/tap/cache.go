package tap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/index"
	"longshore.dev/lib/internal/atomicfile"
)

// The cache of tap NAME is the directory $LONGSHORE_HOME/taps/NAME/. index.Fetch (or
// index.WriteCache, for local sources) owns index-state.json, blobs/ and .index-* in it;
// this package owns the two files beside them:
//
//	search.json   the search table: name, latest version, description, keywords
//	tap.json      the cache's state: source, digest, counts, last update
const (
	tapsDir    = "taps"
	searchFile = "search.json"
	stateFile  = "tap.json"
)

// cacheDir is the directory of tap name's cache.
func cacheDir(home, name string) string { return filepath.Join(home, tapsDir, name) }

// state is tap.json: what the last successful update left in the cache.
type state struct {
	Source   string    `json:"source"`
	Digest   string    `json:"digest"`
	Packages int       `json:"packages"`
	Versions int       `json:"versions"`
	Updated  time.Time `json:"updated"`
}

func readState(dir string) (*state, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	var s state
	if err := json.Unmarshal(data, &s); err != nil {
		// As search.json says it: the cache is refused (exit 6), and update rewrites it.
		return nil, fault.New(fault.Verify, fmt.Errorf("%s is corrupt: %w", filepath.Join(dir, stateFile), err),
			fmt.Sprintf("run `pkg-tap update %s` to rewrite it", filepath.Base(dir)))
	}
	return &s, nil
}

func writeState(dir string, s *state) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, stateFile), append(data, '\n'), 0o644)
}

// searchEntry is one package in search.json.
type searchEntry struct {
	Name        string   `json:"name"`
	Version     string   `json:"version,omitempty"`
	Description string   `json:"description,omitempty"`
	Keywords    []string `json:"keywords,omitempty"`
}

// writeSearch writes search.json from every package of the snapshot: a JSON array
// with one package per line, sorted by name, HTML characters unescaped. The line
// layout lets search skip decoding the lines that cannot match (see scanSearch).
func writeSearch(dir string, pkgs []index.Package) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteString("[")
	for i, p := range pkgs {
		e := searchEntry{Name: p.Name, Description: p.Description, Keywords: p.Keywords}
		if v, ok := p.Latest(); ok {
			e.Version = v.Version
		}
		if i > 0 {
			buf.WriteString(",")
		}
		buf.WriteString("\n")
		if err := enc.Encode(e); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
	buf.WriteString("\n]\n")
	return atomicfile.Write(filepath.Join(dir, searchFile), buf.Bytes(), 0o644)
}

// scanSearch calls fn with every entry of search.json whose line may match the
// lowercase query words q, decoding only those lines: a field contains a word only if
// the raw line does, as long as the word holds nothing JSON escapes (quote, backslash,
// control characters). Other words do not filter, and a file not in writeSearch's
// layout is decoded whole.
func scanSearch(data []byte, q []string, fn func(e *searchEntry)) error {
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	layout := len(lines) >= 2 && string(lines[0]) == "[" && string(lines[len(lines)-1]) == "]"
	for _, l := range lines[min(1, len(lines)):max(len(lines)-1, 1)] {
		if len(l) == 0 || l[0] != '{' {
			layout = false
			break
		}
	}
	if !layout {
		var entries []searchEntry
		if err := json.Unmarshal(data, &entries); err != nil {
			return err
		}
		for i := range entries {
			fn(&entries[i])
		}
		return nil
	}
	// encoding/json escapes quotes, backslashes, control characters, U+2028, U+2029 and
	// invalid UTF-8 (as U+FFFD): a query with any of them could miss its raw line.
	var filters []string
	for _, w := range q {
		if !strings.ContainsFunc(w, func(r rune) bool {
			return r < 0x20 || r == '"' || r == '\\' || r == '\u2028' || r == '\u2029' || r == '\ufffd'
		}) {
			filters = append(filters, w)
		}
	}
lines:
	for _, l := range lines[1 : len(lines)-1] {
		l = bytes.TrimSuffix(l, []byte(","))
		if len(filters) > 0 {
			line := string(l)
			for _, w := range filters {
				if !containsFold(line, w) {
					continue lines
				}
			}
		}
		var e searchEntry
		if !decodeLine(l, &e) {
			// Escapes, or a layout this fast path does not know: the real decoder.
			e = searchEntry{}
			if err := json.Unmarshal(l, &e); err != nil {
				return err
			}
		}
		fn(&e)
	}
	return nil
}

// decodeLine decodes one search.json line as writeSearch lays it out, for the common
// case of strings without escapes, several times faster than encoding/json. It
// reports false for anything else, and the caller falls back.
func decodeLine(l []byte, e *searchEntry) bool {
	s := string(l)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return false
	}
	s = s[1 : len(s)-1]
	for s != "" {
		key, rest, ok := jsonString(s)
		if !ok || len(rest) == 0 || rest[0] != ':' {
			return false
		}
		rest = rest[1:]
		switch key {
		case "name", "version", "description":
			v, r, ok := jsonString(rest)
			if !ok {
				return false
			}
			switch key {
			case "name":
				e.Name = v
			case "version":
				e.Version = v
			default:
				e.Description = v
			}
			rest = r
		case "keywords":
			if len(rest) == 0 || rest[0] != '[' {
				return false
			}
			rest = rest[1:]
			for len(rest) > 0 && rest[0] != ']' {
				v, r, ok := jsonString(rest)
				if !ok {
					return false
				}
				e.Keywords = append(e.Keywords, v)
				rest = strings.TrimPrefix(r, ",")
			}
			if len(rest) == 0 {
				return false
			}
			rest = rest[1:]
		default:
			return false
		}
		if rest != "" {
			if rest[0] != ',' {
				return false
			}
			rest = rest[1:]
		}
		s = rest
	}
	return true
}

// jsonString reads a JSON string without escapes at the start of s.
func jsonString(s string) (v, rest string, ok bool) {
	if len(s) < 2 || s[0] != '"' {
		return "", s, false
	}
	end := strings.IndexByte(s[1:], '"')
	if end < 0 {
		return "", s, false
	}
	v = s[1 : 1+end]
	if strings.IndexByte(v, '\\') >= 0 {
		return "", s, false
	}
	return v, s[2+end:], true
}

// noCache explains a tap whose cache is missing (removed by hand, or an add that
// crashed before its first fetch completed).
func noCache(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || fault.KindOf(err) == fault.NotFound {
		return fault.New(fault.NotFound, fmt.Errorf("tap %s has no cache", name),
			fmt.Sprintf("run `pkg-tap update %s` to fetch its index", name))
	}
	return fmt.Errorf("tap %s: %w", name, err)
}

// snapshot is an opened index cache, shared by the lookups of one Config.
func (c *Config) snapshot(name string) (*index.Snapshot, error) {
	if s, ok := c.snaps.Load(name); ok {
		return s.(*index.Snapshot), nil
	}
	dir := cacheDir(c.home, name)
	s, err := index.Open(dir)
	if err != nil {
		return nil, noCache(name, err)
	}
	// Told once per tap, by the lookup that opened it first.
	if actual, loaded := c.snaps.LoadOrStore(name, s); loaded {
		return actual.(*index.Snapshot), nil
	}
	if c.debugf != nil {
		if st, err := readState(dir); err == nil {
			c.debugf("tap %s: reading its cached index %s (packages: %d), updated %s, %s ago",
				name, st.Digest, st.Packages, st.Updated.UTC().Format(time.RFC3339), time.Since(st.Updated).Round(time.Second))
		} else {
			c.debugf("tap %s: reading its cached index in %s", name, dir)
		}
	}
	return s, nil
}
