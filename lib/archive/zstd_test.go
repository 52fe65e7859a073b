package archive

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// decodeAll reads data through newZstdReader and tells whether the streaming decoder
// had to take over.
func decodeAll(t testing.TB, data []byte) ([]byte, bool, error) {
	t.Helper()
	z := newZstdReader(bytes.NewReader(data))
	defer z.Close()
	got, err := io.ReadAll(z)
	return got, z.streamed, err
}

func packFrames(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewCompressor(&buf, Zstd)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeAll(t testing.TB, data []byte, opts ...zstd.EOption) []byte {
	t.Helper()
	e, err := zstd.NewWriter(nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return e.EncodeAll(data, nil)
}

func streamEncode(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	e, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	e.Write(data)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func skippable(payload string) []byte {
	b := binary.LittleEndian.AppendUint32(nil, skippableMagic+7)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
	return append(b, payload...)
}

// What Pack writes is decoded frame by frame in parallel; any other valid zstd is
// decoded too, by the streaming decoder from the first frame that does not qualify.
func TestZstdReaderDecodesAnyValidStream(t *testing.T) {
	t.Parallel()
	a, b := benchContent(9<<20+77, 21), benchContent(17<<20+1, 22) // b: beyond maxParallelFrame
	// At least 1 KiB: the library leaves the size out of smaller frames' headers, and
	// those are streamed.
	small := bytes.Repeat([]byte("tail"), 300)
	tests := []struct {
		name     string
		data     []byte
		want     []byte
		streamed bool
	}{
		{"packed frames", packFrames(t, a), a, false},
		{"empty stream", packFrames(t, nil), nil, false},
		{"frames with checksums", append(encodeAll(t, a[:1<<20], zstd.WithEncoderCRC(true)), encodeAll(t, small)...), append(append([]byte{}, a[:1<<20]...), small...), false},
		{"skippable frames between", bytes.Join([][]byte{skippable("meta"), encodeAll(t, small), skippable(""), encodeAll(t, small)}, nil), bytes.Repeat(small, 2), false},
		{"a frame without its size", encodeAll(t, []byte("tiny")), []byte("tiny"), true},
		{"one streamed frame, no size", streamEncode(t, a), a, true},
		{"a big frame after small ones", append(packFrames(t, a), encodeAll(t, b)...), append(append([]byte{}, a...), b...), true},
	}
	for _, tc := range tests {
		got, streamed, err := decodeAll(t, tc.data)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !bytes.Equal(got, tc.want) {
			t.Errorf("%s: decoded %d bytes, want %d", tc.name, len(got), len(tc.want))
		}
		if streamed != tc.streamed {
			t.Errorf("%s: streamed = %v, want %v", tc.name, streamed, tc.streamed)
		}
	}
}

// Damaged layers give errors, not panics or a silent short read.
func TestZstdReaderRefusesDamage(t *testing.T) {
	t.Parallel()
	data := packFrames(t, benchContent(9<<20, 23))
	frame1 := int(findFrame(t, data, 1))
	reserved := bytes.Clone(data)
	reserved[frame1+6] |= 0x06 // first block header of frame 1: block type 3
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated in a block", data[:frame1+1000], "unexpected EOF"},
		{"truncated in a header", data[:frame1+2], "unexpected EOF"},
		{"garbage after the frames", append(bytes.Clone(data), "junk"...), "no frame starts at byte"},
		{"a frame claiming more than it holds", claimMore(t, data, frame1), "zstd"},
		{"reserved block type", reserved, ""},
	}
	for _, tc := range tests {
		_, _, err := decodeAll(t, tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want an error containing %q, got %v", tc.name, tc.want, err)
		}
	}
}

// claimMore doubles the content size in the header of the frame at off. (Flipped bits
// inside a block need not be an error: without a checksum, zstd may decode them to
// other bytes, which the layer digest catches.)
func claimMore(t *testing.T, data []byte, off int) []byte {
	t.Helper()
	out := bytes.Clone(data)
	if out[off+4] != 0xa0 { // single segment, 4-byte size
		t.Fatalf("frame header descriptor %#x, want 0xa0", out[off+4])
	}
	size := binary.LittleEndian.Uint32(out[off+5:])
	binary.LittleEndian.PutUint32(out[off+5:], size*2)
	return out
}

// findFrame returns the offset of the n-th frame of a packed layer.
func findFrame(t *testing.T, data []byte, n int) int64 {
	t.Helper()
	magic := binary.LittleEndian.AppendUint32(nil, frameMagic)
	off := 0
	for i := 0; i <= n; i++ {
		j := bytes.Index(data[off:], magic)
		if j < 0 {
			t.Fatalf("no frame %d", n)
		}
		if i == n {
			return int64(off + j)
		}
		off += j + 4
	}
	return -1
}

// After Close the layer is the caller's again: Unpack stopping early (a refused entry)
// must not leave a goroutine reading what the caller drains next.
func TestZstdReaderCloseStopsReading(t *testing.T) {
	t.Parallel()
	data := packFrames(t, benchContent(20<<20, 24))
	r := bytes.NewReader(data)
	z := newZstdReader(r)
	if _, err := io.ReadFull(z, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	z.Close()
	left := r.Len()
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	if left == 0 {
		t.Log("the reader had read everything ahead before Close")
	}
	// Under -race, a read racing with the drain above is reported.
}

// FuzzZstdReader: no input makes the reader panic or hang, and whatever the library's
// own decoder accepts, it decodes to the same bytes.
func FuzzZstdReader(f *testing.F) {
	f.Add(packFrames(f, []byte("hello, world")))
	f.Add(encodeAll(f, bytes.Repeat([]byte("ab"), 1000), zstd.WithEncoderCRC(true)))
	f.Add(append(skippable("x"), encodeAll(f, []byte("y"))...))
	f.Add(streamEncode(f, []byte("streamed")))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, _, err := decodeAll(t, data)
		d, derr := zstd.NewReader(bytes.NewReader(data), zstd.WithDecoderMaxMemory(maxWindow))
		if derr != nil {
			t.Fatal(derr)
		}
		defer d.Close()
		want, werr := io.ReadAll(d)
		if err == nil && werr == nil && !bytes.Equal(got, want) {
			t.Fatalf("decoded %d bytes, the library %d", len(got), len(want))
		}
		if err == nil && werr != nil && len(data) > 0 {
			t.Fatalf("accepted what the library refuses (%v)", werr)
		}
	})
}
