package fsx

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFileOnPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "afile")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{
		dir: "", filepath.Join(dir, "new", "deeper"): "", file: file, filepath.Join(file, "below", "it"): file,
	} {
		if got := FileOnPath(p); got != want {
			t.Errorf("FileOnPath(%s) = %q, want %q", p, got, want)
		}
	}
}
