package cli

import (
	"bytes"
	"testing"
	"time"
)

// Every registry client a verb opens tells stderr when a registry keeps it waiting.
func TestRegistryOptionsAnnounceWaits(t *testing.T) {
	var stderr bytes.Buffer
	var flags RegistryFlags
	opts := flags.Options(&Env{Binary: "pkg-pull", Stderr: &stderr})
	if opts.Waiting == nil {
		t.Fatal("RegistryFlags.Options leaves Waiting unset: a silent registry would look like a hung command")
	}
	opts.Waiting("registry.example.com", 10*time.Second)
	want := "Still waiting for registry.example.com to answer (10s so far; Ctrl-C stops)...\n"
	if stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
}
