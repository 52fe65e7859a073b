package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/internal/printable"
	"longshore.dev/lib/internal/textdist"
	"longshore.dev/lib/stream"
)

// Format is an output format of -o.
type Format string

const (
	Table Format = "table"
	YAML  Format = "yaml"
	JSON  Format = "json"
	Name  Format = "name"
)

// Object is a document a printer can name: kind/name with -o name.
type Object interface {
	ObjectKind() string
	ObjectName() string
}

// OutputFlags is the -o/--output group. The default is table on a terminal and yaml
// otherwise, so `pkg-push … | pkg-tap index add -f -` composes without flags.
type OutputFlags struct {
	Output  string
	Formats []Format
}

// NewOutputFlags accepts the given formats (all four when none are given).
func NewOutputFlags(formats ...Format) *OutputFlags {
	if len(formats) == 0 {
		formats = []Format{Table, YAML, JSON, Name}
	}
	return &OutputFlags{Formats: formats}
}

// AddTo registers -o on fs.
func (o *OutputFlags) AddTo(fs *pflag.FlagSet) {
	names := make([]string, len(o.Formats))
	for i, f := range o.Formats {
		names[i] = string(f)
	}
	fs.StringVarP(&o.Output, "output", "o", "",
		fmt.Sprintf("output format: %s (default table on a terminal, yaml otherwise)", strings.Join(names, "|")))
	CompleteValues(fs, "output", names...)
}

// Format resolves the chosen format for this environment.
func (o *OutputFlags) Format(env *Env) (Format, error) {
	if o.Output == "" {
		if env.StdoutTTY && slices.Contains(o.Formats, Table) {
			return Table, nil
		}
		return YAML, nil
	}
	f := Format(strings.ToLower(o.Output))
	if !slices.Contains(o.Formats, f) {
		names := make([]string, len(o.Formats))
		for i, f := range o.Formats {
			names[i] = string(f)
		}
		err := fmt.Errorf("unknown output format %q: use one of %s", o.Output, strings.Join(names, ", "))
		hint := ""
		if near := textdist.Nearest(string(f), names); len(near) > 0 {
			hint = "did you mean -o " + strings.Join(near, " or -o ") + "?"
		}
		return "", fault.New(fault.Usage, err, hint)
	}
	return f, nil
}

// Columns builds the table form of a list of documents.
type Columns struct {
	Headers []string
	Row     func(doc any) []string
}

// Print writes docs in format f. It is the only place that lays out tables.
func Print(w io.Writer, f Format, docs []any, cols Columns) error {
	return printDocs(w, f, docs, cols, false)
}

// PrintList is Print for the verbs that list things (list, search): with -o json it
// prints one List whatever the count, as kubectl get does, so that `jq '.items[]'`
// works for none, one and many.
func PrintList(w io.Writer, f Format, docs []any, cols Columns) error {
	return printDocs(w, f, docs, cols, true)
}

func printDocs(w io.Writer, f Format, docs []any, cols Columns, list bool) error {
	switch f {
	case YAML:
		return stream.WriteYAML(w, docs...)
	case JSON:
		if list {
			return stream.WriteJSONList(w, docs...)
		}
		return stream.WriteJSON(w, docs...)
	case Name:
		for _, d := range docs {
			o, ok := d.(Object)
			if !ok {
				return fmt.Errorf("-o name: %T has no name", d)
			}
			if o.ObjectName() == "" {
				continue // a Lock of nothing (pkg-dep patch sync, nothing installed): no line
			}
			fmt.Fprintf(w, "%s/%s\n", strings.ToLower(o.ObjectKind()), o.ObjectName())
		}
		return nil
	case Table:
		// Cells hold what third parties wrote (an index's descriptions, file names): an
		// escape sequence in one must not reach the terminal, nor a tab or a newline
		// break the columns.
		tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
		row := func(cells []string) {
			escaped := make([]string, len(cells))
			for i, c := range cells {
				escaped[i] = Printable(c)
			}
			fmt.Fprintln(tw, strings.Join(escaped, "\t"))
		}
		row(cols.Headers)
		for _, d := range docs {
			row(cols.Row(d))
		}
		return tw.Flush()
	}
	return fmt.Errorf("unknown output format %q", f)
}

// Printable is s made safe to print on a terminal, on one line, for text that comes
// from data: a newline becomes \n, a tab a space, any other control character (C0,
// DEL, C1) and a byte that is not UTF-8 \xNN, and a Unicode bidirectional control
// \uNNNN (it would reorder what is shown: "\u202eexe.txt" reads "txt.exe"); printable
// Unicode stays as it is.
func Printable(s string) string { return printable.Line(s) }

// PrintableLines is Printable for a message of its own lines (an error, a warning):
// newlines and tabs stay, and every other control character is escaped. Messages
// quote what registries, indexes and locks say (a registry's error text, a value of an
// index entry), and an escape sequence in one must not reach the terminal: it could
// clear the screen, print a fake prompt or set the window title.
func PrintableLines(s string) string { return printable.Lines(s) }

// ShortDigest abbreviates a digest for tables: sha256: and the first 12 hex digits.
func ShortDigest(d string) string {
	if _, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return d[:len(d)-len(hex)] + hex[:12]
	}
	return d
}
