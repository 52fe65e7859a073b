// Package diskio writes what an install must make durable: big files written straight
// to the disk while the caller produces the next part (Writer), and one call that makes
// everything written under a directory durable (Sync).
//
// A package tree is trusted because it exists (lib/store renames it into place whole),
// so its bytes must be on the disk before that rename: otherwise a power cut can leave
// a tree of empty files that every later command trusts, the failure containerd's
// unpacked layers had (containerd/containerd#8895). Data that goes to the disk anyway
// gains nothing from a trip through the page cache; on Linux a Writer opens its file
// with O_DIRECT and writes each buffer as the caller fills the next. Where O_DIRECT is
// not available (another OS, a filesystem that refuses it), it writes through the page
// cache, on the same goroutine, and Sync does the rest.
package diskio

import (
	"errors"
	"os"
	"sync"
	"unsafe"
)

// Align is the alignment O_DIRECT needs of buffer addresses, lengths and file offsets:
// 4096 covers every logical block size Linux filesystems use.
const Align = 4096

// AlignedBuffer returns size bytes (a multiple of Align) starting at an address aligned
// to Align.
func AlignedBuffer(size int) []byte {
	b := make([]byte, size+Align)
	off := 0
	if rem := int(uintptr(unsafe.Pointer(unsafe.SliceData(b))) % Align); rem != 0 {
		off = Align - rem
	}
	return b[off : off+size : off+size]
}

// Buffers returns n buffers of size bytes from AlignedBuffer, for a Writer.
func Buffers(n, size int) [][]byte {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = AlignedBuffer(size)
	}
	return bufs
}

// Writer writes a new file from the start, in the buffers it was given: the caller
// fills one (Next), hands it over (Submit) and fills the next while a goroutine writes
// the first. Every buffer but the last must be filled whole.
type Writer struct {
	f      *os.File
	direct bool
	free   chan []byte // buffers whose write is done (or skipped after a failure)
	queue  chan []byte // filled buffers, in file order
	done   chan struct{}

	mu  sync.Mutex
	err error // the first failed write
}

// Create creates the file at path (which must not exist) with perm and returns a Writer
// for it that writes from bufs (from Buffers). Two buffers let writing overlap filling;
// more smooth out a disk that is sometimes slow.
func Create(path string, perm os.FileMode, bufs [][]byte) (*Writer, error) {
	f, direct, err := create(path, perm)
	if err != nil {
		return nil, err
	}
	return newWriter(f, direct, bufs), nil
}

func newWriter(f *os.File, direct bool, bufs [][]byte) *Writer {
	w := &Writer{
		f:      f,
		direct: direct,
		free:   make(chan []byte, len(bufs)),
		queue:  make(chan []byte, len(bufs)),
		done:   make(chan struct{}),
	}
	for _, b := range bufs {
		w.free <- b[:cap(b)]
	}
	go w.run()
	return w
}

func (w *Writer) run() {
	defer close(w.done)
	for b := range w.queue {
		if w.failed() == nil {
			if err := w.write(b); err != nil {
				w.fail(err)
			}
		}
		w.free <- b[:cap(b)]
	}
}

// Next returns a buffer to fill, once one is free: its earlier write is done. After a
// failed write it returns that failure.
func (w *Writer) Next() ([]byte, error) {
	b := <-w.free
	if err := w.failed(); err != nil {
		w.free <- b
		return nil, err
	}
	return b, nil
}

// Submit hands over b, a buffer from Next filled from its start, to be written after
// the ones before it. A b shorter than its buffer must be the last.
func (w *Writer) Submit(b []byte) {
	w.queue <- b
}

// Close waits for the buffers handed over, closes the file and returns the first
// failure. It must be called once, also after a failure, and frees the goroutine.
func (w *Writer) Close() error {
	close(w.queue)
	<-w.done
	err := w.failed()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// write writes b at the end of what is written. A direct write takes whole aligned
// blocks only, so the part of a last buffer past its last whole block is written
// through the page cache, with O_DIRECT turned off first.
func (w *Writer) write(b []byte) error {
	if w.direct {
		whole := len(b) / Align * Align
		if whole > 0 {
			n, err := w.f.Write(b[:whole])
			if err == nil {
				b = b[whole:]
			} else if n == 0 && errors.Is(err, errInvalid) {
				// The filesystem took O_DIRECT at open but not for this write.
			} else {
				return err
			}
		}
		if len(b) == 0 {
			return nil
		}
		if err := setDirect(w.f, false); err != nil {
			return err
		}
		w.direct = false
	}
	_, err := w.f.Write(b)
	return err
}

func (w *Writer) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

func (w *Writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
