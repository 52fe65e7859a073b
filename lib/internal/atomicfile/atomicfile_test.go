package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteReplacesWholeAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "f.yaml")
	for _, write := range []func(string, []byte, os.FileMode) error{Write, WriteCache} {
		for _, content := range []string{"first\n", "second, longer\n"} {
			if err := write(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(path); string(got) != content {
				t.Errorf("content %q, want %q", got, content)
			}
		}
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", info.Mode())
	}
}

func TestWriteFailureNamesThePathAndKeepsTheOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := Write(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A directory where the file should go: the rename fails.
	target := filepath.Join(dir, "d")
	os.MkdirAll(filepath.Join(target, "x"), 0o755)
	err := Write(target, []byte("new"), 0o644)
	if err == nil || !strings.Contains(err.Error(), "writing "+target) {
		t.Errorf("want an error naming %s, got %v", target, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("a failed write left files behind: %v", ents)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("the other file changed: %q", got)
	}
}

// A writer killed between its temporary file and the rename leaves the temporary file;
// the next writer that holds the file's lock removes it, and nothing else beside it.
func TestRemoveStaleTakesOnlyTheFilesTemporaries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "installed.yaml")
	for _, name := range []string{"installed.yaml", ".installed.yaml.tmp-123", ".installed.yaml.tmp-456", ".config.yaml.tmp-1", "other"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	RemoveStale(path)
	var left []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		left = append(left, e.Name())
	}
	if strings.Join(left, " ") != ".config.yaml.tmp-1 installed.yaml other" {
		t.Errorf("left %v", left)
	}
}
