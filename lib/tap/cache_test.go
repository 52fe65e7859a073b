package tap

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"longshore.dev/lib/index"
)

// TestScanSearchAgreesWithJSON checks the fast path against encoding/json on the
// strings that could trip it: quotes, backslashes, HTML, control characters, Unicode.
func TestScanSearchAgreesWithJSON(t *testing.T) {
	t.Parallel()
	pkgs := []index.Package{
		pkg("a-plain", "A plain tool", []string{"cli", "tool"}),
		pkg("b-quote", `say "hi" \ back\slash`, []string{`"q"`}),
		pkg("c-html", "<b>bold</b> & co", nil),
		pkg("d-control", "tab\there\nnewline", nil),
		pkg("e-unicode", "Grüße, 世界 — ünïcode", []string{"ÜBER"}),
		pkg("f-empty", "", nil),
		pkg("g-comma", "a, b, c: {x}, [y]", []string{"a,b", "[c]"}),
	}
	pkgs[5].Versions = nil
	dir := t.TempDir()
	if err := writeSearch(dir, pkgs); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, searchFile))
	if err != nil {
		t.Fatal(err)
	}
	var want []searchEntry
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("search.json is not JSON: %v\n%s", err, data)
	}
	if len(want) != len(pkgs) {
		t.Fatalf("search.json holds %d entries", len(want))
	}
	for _, query := range []string{"", "e", `"`, `\`, "über", "世界", "<b>", "\t", "[c]", "plain tool", `hi" back`, "grüße ünïcode", "plain nothing"} {
		q := strings.Fields(query)
		var got []searchEntry
		if err := scanSearch(data, q, func(e *searchEntry) { got = append(got, *e) }); err != nil {
			t.Fatalf("scanSearch(%q): %v", q, err)
		}
		var wantQ []searchEntry
		for _, e := range want {
			if _, ok := match(&e, q); ok {
				wantQ = append(wantQ, e)
			}
		}
		var gotQ []searchEntry
		for _, e := range got {
			if _, ok := match(&e, q); ok {
				gotQ = append(gotQ, e)
			}
		}
		if !reflect.DeepEqual(gotQ, wantQ) {
			t.Errorf("query %q: scanSearch matched\n%+v\nencoding/json matched\n%+v", q, gotQ, wantQ)
		}
	}
	// A file in another layout (hand-written, one line) still reads.
	compact, _ := json.Marshal(want)
	var got []searchEntry
	if err := scanSearch(compact, []string{"plain"}, func(e *searchEntry) { got = append(got, *e) }); err != nil || len(got) != len(want) {
		t.Errorf("compact file: %d entries, %v", len(got), err)
	}
	if err := scanSearch([]byte("[\n{broken\n]\n"), nil, func(*searchEntry) {}); err == nil {
		t.Error("a broken line was accepted")
	}
}
