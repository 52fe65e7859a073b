package cli

import (
	"io"

	"longshore.dev/lib/api"
)

// lockRow is one package of a lock in a table, in install order.
type lockRow struct{ p *api.LockedPackage }

var lockColumns = Columns{
	Headers: []string{"NAME", "VERSION", "REASON", "FROM", "DIGEST"},
	Row: func(doc any) []string {
		p := doc.(lockRow).p
		from := p.Repository
		if p.Tap != "" {
			from = "tap " + p.Tap
		}
		return []string{p.Name, p.Version, p.Reason, from, ShortDigest(p.Digest)}
	},
}

// PrintLocks writes locks in format f: the documents for yaml, json and name, and for
// a table one row per package of each lock, in install order. Every verb that prints a
// Lock (pkg-dep resolve and patch sync, pkg-pull mirror) prints it here, so that its
// table is the same wherever it comes from.
func PrintLocks(w io.Writer, f Format, locks ...*api.Lock) error {
	if f != Table {
		docs := make([]any, len(locks))
		for i, l := range locks {
			docs[i] = l
		}
		return Print(w, f, docs, Columns{})
	}
	var rows []any
	for _, l := range locks {
		for _, n := range l.Order {
			if p, ok := l.Package(n); ok {
				rows = append(rows, lockRow{p})
			}
		}
	}
	return Print(w, f, rows, lockColumns)
}
