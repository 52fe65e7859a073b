package progress

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestMeterCountsAndClears(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	m := New(&out, "Uploading", time.Millisecond)
	w, done := m.Item(2048)
	io.WriteString(w, strings.Repeat("x", 1024))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "Uploading 0/1  1.0 KiB / 2.0 KiB   50%") {
		if time.Now().After(deadline) {
			t.Fatalf("no progress line drawn: %q", out.String())
		}
		time.Sleep(time.Millisecond)
	}
	done()
	done() // idempotent
	m.Close()
	if !strings.HasSuffix(out.String(), "\r") {
		t.Errorf("the line is not cleared at the end: %q", out.String())
	}
}

// A log line printed through Above starts on a cleared line, never after the status.
func TestAboveClearsTheLineFirst(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	m := New(&out, "Downloading", time.Hour) // drawn by hand below, not by the ticker
	w, _ := m.Item(100)
	io.WriteString(w, strings.Repeat("x", 50))
	m.draw()
	m.Above(func() { io.WriteString(&out, "Installed hello 1.0.0\n") })
	m.Close()
	line := "Downloading 0/1  50 B / 100 B   50%"
	want := "\r" + line + "\r" + strings.Repeat(" ", len(line)) + "\r" + "Installed hello 1.0.0\n"
	if out.String() != want {
		t.Fatalf("got  %q\nwant %q", out.String(), want)
	}
	var nilMeter *Meter
	ran := false
	nilMeter.Above(func() { ran = true })
	if !ran {
		t.Error("a nil meter's Above must still print")
	}
}

func TestNilMeterIsSilent(t *testing.T) {
	t.Parallel()
	var m *Meter
	w, done := m.Item(10)
	if n, err := w.Write([]byte("abc")); n != 3 || err != nil {
		t.Fatal("nil meter's writer must accept bytes")
	}
	done()
	m.Close()
}

func TestBytes(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 100 << 20: "100.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// A transfer made again counts its bytes once: the second try takes back what the
// first counted, and the total stays the item's size.
func TestRetriedCountsOnce(t *testing.T) {
	t.Parallel()
	m := &Meter{stop: make(chan struct{})}
	try, finished := m.Retried(1000)
	io.WriteString(try(), strings.Repeat("x", 600)) // cut short
	io.WriteString(try(), strings.Repeat("x", 1000))
	finished()
	finished()
	if m.done.Load() != 1000 || m.total.Load() != 1000 || m.items.Load() != 1 || m.itemsOK.Load() != 1 {
		t.Errorf("done %d of %d, items %d of %d; want 1000 of 1000, 1 of 1", m.done.Load(), m.total.Load(), m.itemsOK.Load(), m.items.Load())
	}
	var nilMeter *Meter
	try, finished = nilMeter.Retried(10)
	io.WriteString(try(), "x")
	finished()
}
