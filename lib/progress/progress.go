// Package progress shows byte and item counts of long transfers on a terminal. A nil
// *Meter is valid and silent, so libraries take one without caring whether anyone looks:
// binaries create one only when stderr is a TTY, never when output is piped or logged.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Meter aggregates counters and redraws one status line on w.
type Meter struct {
	w       io.Writer
	verb    string
	total   atomic.Int64
	done    atomic.Int64
	items   atomic.Int64
	itemsOK atomic.Int64
	stop    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex // one writer to w at a time: draw, Above, Close
	width   int
}

// New starts a meter that redraws every interval until Close. verb is the action
// ("Uploading", "Downloading").
func New(w io.Writer, verb string, interval time.Duration) *Meter {
	m := &Meter{w: w, verb: verb, stop: make(chan struct{})}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				m.draw()
			case <-m.stop:
				return
			}
		}
	}()
	return m
}

// Item registers one transfer of size bytes and returns a writer that counts its bytes
// (tee the transfer's reader into it) and a func to call when the item is finished.
func (m *Meter) Item(size int64) (io.Writer, func()) {
	if m == nil {
		return io.Discard, func() {}
	}
	m.total.Add(size)
	m.items.Add(1)
	var once sync.Once
	return counter{m}, func() { once.Do(func() { m.itemsOK.Add(1) }) }
}

// Retried is Item for a transfer that may be made again (an upload a registry failed
// for a moment): each call of try starts it over and returns the writer for that try,
// taking back what the try before counted, so a transfer made twice counts its bytes
// once and the line still ends at its total.
func (m *Meter) Retried(size int64) (try func() io.Writer, finished func()) {
	if m == nil {
		return func() io.Writer { return io.Discard }, func() {}
	}
	m.total.Add(size)
	m.items.Add(1)
	var once sync.Once
	counted := new(atomic.Int64) // by the latest try
	return func() io.Writer {
			m.done.Add(-counted.Swap(0))
			return tryCounter{m, counted}
		}, func() {
			once.Do(func() { m.itemsOK.Add(1) })
		}
}

type tryCounter struct {
	m       *Meter
	counted *atomic.Int64
}

func (c tryCounter) Write(p []byte) (int, error) {
	c.counted.Add(int64(len(p)))
	c.m.done.Add(int64(len(p)))
	return len(p), nil
}

type counter struct{ m *Meter }

func (c counter) Write(p []byte) (int, error) {
	c.m.done.Add(int64(len(p)))
	return len(p), nil
}

// Close stops redrawing and clears the line.
func (m *Meter) Close() {
	if m == nil {
		return
	}
	close(m.stop)
	m.wg.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.clear()
}

// Above runs print — a log line on the same terminal — with the status line cleared
// first, so the two never run into each other; the next tick draws the line again
// below it. With a nil Meter it only runs print.
func (m *Meter) Above(print func()) {
	if m == nil {
		print()
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.clear()
	print()
}

func (m *Meter) clear() {
	if m.width > 0 {
		fmt.Fprintf(m.w, "\r%s\r", strings.Repeat(" ", m.width))
		m.width = 0
	}
}

func (m *Meter) draw() {
	m.mu.Lock()
	defer m.mu.Unlock()
	total, done := m.total.Load(), m.done.Load()
	if total == 0 {
		return
	}
	line := fmt.Sprintf("%s %d/%d  %s / %s  %3d%%", m.verb, m.itemsOK.Load(), m.items.Load(),
		Bytes(done), Bytes(total), min(100, done*100/total))
	pad := max(0, m.width-len(line))
	m.width = max(m.width, len(line))
	fmt.Fprintf(m.w, "\r%s%s", line, strings.Repeat(" ", pad))
}

// Bytes formats a byte count for people: 512 B, 1.5 KiB, 100.0 MiB.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
