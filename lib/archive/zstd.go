package archive

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// A zstd layer is a sequence of independent frames, each holding zstdFrameSize bytes of
// the tar stream (the last one less) with its content size in the header. The format
// (RFC 8878) says concatenated frames decode to the concatenation of their contents, so
// any zstd reader reads such a layer as one stream. Independence is what makes the
// layer fast both ways: frames are encoded on every core, and decoded on every core
// too, where one stream can only be decoded in order.

// encoderConcurrency bounds the frames encoded at once. It never changes the output.
var encoderConcurrency = min(runtime.GOMAXPROCS(0), 8)

var zstdEncoder = sync.OnceValue(func() *zstd.Encoder {
	e, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(zstdLevel)),
		zstd.WithEncoderCRC(false),
		zstd.WithZeroFrames(true),
		zstd.WithEncoderConcurrency(encoderConcurrency))
	if err != nil {
		panic(err) // constant options the library accepts
	}
	return e
})

// frameBuffers recycles the frame-sized buffers of both directions.
var frameBuffers = sync.Pool{New: func() any { b := make([]byte, 0, zstdFrameSize+zstdFrameSize/8); return &b }}

func getFrameBuffer() *[]byte { b := frameBuffers.Get().(*[]byte); *b = (*b)[:0]; return b }

// zstdWriter cuts what is written into frames at fixed offsets, encodes each on its own
// goroutine, and writes the frames to w in order on one more.
type zstdWriter struct {
	w       io.Writer
	filling *[]byte
	queue   chan *zstdFrame // in stream order, to the goroutine that writes
	done    chan struct{}   // closed when that goroutine is finished
	frames  int             // handed to encode so far
	closed  bool
	firstError
}

type zstdFrame struct {
	in, out *[]byte
	ready   chan struct{}
}

func newZstdWriter(w io.Writer) *zstdWriter {
	z := &zstdWriter{w: w, filling: getFrameBuffer(), queue: make(chan *zstdFrame, encoderConcurrency), done: make(chan struct{})}
	go z.writeFrames()
	return z
}

func (z *zstdWriter) writeFrames() {
	defer close(z.done)
	for f := range z.queue {
		<-f.ready
		if z.failed() == nil {
			if _, err := z.w.Write(*f.out); err != nil {
				z.fail(err)
			}
		}
		frameBuffers.Put(f.in)
		frameBuffers.Put(f.out)
	}
}

func (z *zstdWriter) Write(p []byte) (int, error) {
	if z.closed {
		return 0, errors.New("write to a closed compressor")
	}
	n := len(p)
	for len(p) > 0 {
		if err := z.failed(); err != nil {
			return 0, err
		}
		take := min(len(p), zstdFrameSize-len(*z.filling))
		*z.filling = append(*z.filling, p[:take]...)
		p = p[take:]
		if len(*z.filling) == zstdFrameSize {
			z.encode()
		}
	}
	return n, nil
}

// encode hands the filled frame to a goroutine; the queue's capacity bounds how many are
// encoded (and held in memory) at once.
func (z *zstdWriter) encode() {
	f := &zstdFrame{in: z.filling, out: getFrameBuffer(), ready: make(chan struct{})}
	z.filling = getFrameBuffer()
	z.frames++
	z.queue <- f
	go func() {
		*f.out = zstdEncoder().EncodeAll(*f.in, *f.out)
		close(f.ready)
	}()
}

// Close encodes what is left (an empty stream still gets its one, empty, frame) and
// waits until every frame is written.
func (z *zstdWriter) Close() error {
	if z.closed {
		return z.failed()
	}
	z.closed = true
	if len(*z.filling) > 0 || z.frames == 0 {
		z.encode()
	}
	close(z.queue)
	<-z.done
	return z.failed()
}

// Decoding. A frame whose header gives its content size, at most maxParallelFrame, is
// read whole and decoded on a goroutine of its own while the next ones are read; the
// results are handed on in stream order. A frame that does not qualify (no size, too
// big, a dictionary — never one Pack writes, but any valid zstd is accepted) turns the
// rest of the layer over to the library's streaming decoder.
const (
	maxParallelFrame = 16 << 20
	// maxWindow bounds the memory a frame may ask for: what zstd's own command line
	// decodes without --long.
	maxWindow = 128 << 20
	// maxBlock is the biggest block the format allows.
	maxBlock = 128 << 10

	frameMagic     = 0xFD2FB528
	skippableMagic = 0x184D2A50 // and the 15 values after it
)

var zstdFrameDecoder = sync.OnceValue(func() *zstd.Decoder {
	d, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(maxParallelFrame),
		zstd.WithDecoderMaxWindow(maxWindow))
	if err != nil {
		panic(err) // constant options the library accepts
	}
	return d
})

type zstdReader struct {
	results chan *zstdResult // in stream order
	quit    chan struct{}
	split   chan struct{} // closed when split returns
	cur     []byte
	curBuf  *[]byte
	stream  *zstd.Decoder // once the rest of the layer is streamed
	err     error

	streamed bool // for tests: the streaming decoder took over
}

type zstdResult struct {
	ready chan struct{} // closed when out and err are set
	out   *[]byte
	err   error
	rest  io.Reader // when set: decode this as one stream, to the end
}

func newZstdReader(r io.Reader) *zstdReader {
	z := &zstdReader{results: make(chan *zstdResult, runtime.GOMAXPROCS(0)), quit: make(chan struct{}), split: make(chan struct{})}
	// A small buffer: it serves the few bytes of each header, while reads of whole
	// blocks (up to 128 KiB) mostly bypass it, straight into the frame.
	go z.splitFrames(bufio.NewReaderSize(r, 8<<10))
	return z
}

// send hands res on, unless the reader was closed.
func (z *zstdReader) send(res *zstdResult) bool {
	select {
	case z.results <- res:
		return true
	case <-z.quit:
		return false
	}
}

func (z *zstdReader) fail(err error) {
	res := &zstdResult{ready: make(chan struct{}), err: err}
	close(res.ready)
	z.send(res)
}

// split reads the layer frame by frame and starts decoding each.
func (z *zstdReader) splitFrames(br *bufio.Reader) {
	defer close(z.split)
	defer close(z.results)
	for offset, frames := int64(0), 0; ; frames++ {
		frame := getFrameBuffer()
		hdr, err := readFrameHeader(br, frame, offset)
		if err == io.EOF {
			frameBuffers.Put(frame)
			if frames == 0 {
				z.fail(errors.New("the layer is empty, not zstd"))
			}
			return
		}
		if err != nil {
			z.fail(err)
			return
		}
		if hdr.skip >= 0 {
			if _, err := br.Discard(int(hdr.skip)); err != nil {
				z.fail(fmt.Errorf("zstd skippable frame at byte %d: %w", offset, io.ErrUnexpectedEOF))
				return
			}
			offset += int64(len(*frame)) + hdr.skip
			frameBuffers.Put(frame)
			continue
		}
		whole := hdr.parallel()
		if whole {
			if whole, err = readBlocks(br, frame, hdr); err != nil {
				z.fail(fmt.Errorf("zstd frame at byte %d: %w", offset, err))
				return
			}
		}
		if !whole {
			// What was read of this frame, then everything after it.
			z.send(&zstdResult{rest: io.MultiReader(bytes.NewReader(*frame), br)})
			return
		}
		offset += int64(len(*frame))
		res := &zstdResult{ready: make(chan struct{}), out: getFrameBuffer()}
		if !z.send(res) {
			return
		}
		go func() {
			defer close(res.ready)
			out := slices.Grow(*res.out, int(hdr.size)+64)
			*res.out, res.err = zstdFrameDecoder().DecodeAll(*frame, out)
			frameBuffers.Put(frame)
		}()
	}
}

type frameHeader struct {
	skip     int64 // a skippable frame's length, else -1
	size     uint64
	sized    bool // the header gives the content size
	dict     bool
	checksum bool
}

// parallel tells whether the frame is one to read whole and decode on its own.
func (h frameHeader) parallel() bool { return h.sized && h.size <= maxParallelFrame && !h.dict }

// readFrameHeader reads the magic number and frame header (RFC 8878, 3.1.1) into
// frame. It returns io.EOF only at a clean end, between frames.
func readFrameHeader(br *bufio.Reader, frame *[]byte, offset int64) (frameHeader, error) {
	h := frameHeader{skip: -1}
	magic, err := readInto(br, frame, 4)
	if err == io.ErrUnexpectedEOF {
		return h, fmt.Errorf("zstd frame at byte %d: %w", offset, err)
	}
	if err != nil {
		return h, err // io.EOF: the end, or the reader's own error
	}
	m := binary.LittleEndian.Uint32(magic)
	if m&0xFFFFFFF0 == skippableMagic {
		n, err := readInto(br, frame, 4)
		if err != nil {
			return h, fmt.Errorf("zstd skippable frame at byte %d: %w", offset, io.ErrUnexpectedEOF)
		}
		h.skip = int64(binary.LittleEndian.Uint32(n))
		return h, nil
	}
	if m != frameMagic {
		return h, fmt.Errorf("not zstd: no frame starts at byte %d (the layer's media type says zstd)", offset)
	}
	d, err := readInto(br, frame, 1)
	if err != nil {
		return h, fmt.Errorf("zstd frame at byte %d: %w", offset, io.ErrUnexpectedEOF)
	}
	fhd := d[0]
	single := fhd&0x20 != 0
	h.checksum = fhd&0x04 != 0
	dictSize := [4]int{0, 1, 2, 4}[fhd&3]
	sizeSize := [4]int{0, 2, 4, 8}[fhd>>6]
	if sizeSize == 0 && single {
		sizeSize = 1
	}
	window := 1
	if single {
		window = 0
	}
	rest, err := readInto(br, frame, window+dictSize+sizeSize)
	if err != nil {
		return h, fmt.Errorf("zstd frame at byte %d: %w", offset, io.ErrUnexpectedEOF)
	}
	for _, b := range rest[window : window+dictSize] {
		h.dict = h.dict || b != 0
	}
	fcs := rest[window+dictSize:]
	h.sized = sizeSize > 0
	switch sizeSize {
	case 1:
		h.size = uint64(fcs[0])
	case 2:
		h.size = uint64(binary.LittleEndian.Uint16(fcs)) + 256
	case 4:
		h.size = uint64(binary.LittleEndian.Uint32(fcs))
	case 8:
		h.size = binary.LittleEndian.Uint64(fcs)
	}
	return h, nil
}

// readBlocks reads the frame's blocks (RFC 8878, 3.1.1.2) and checksum into frame. It
// returns false, with what it read in frame, when the frame is better streamed: a
// reserved block type or a block bigger than the format allows (the streaming decoder
// gives the error), or more compressed bytes than its content size can need.
func readBlocks(br *bufio.Reader, frame *[]byte, h frameHeader) (bool, error) {
	limit := len(*frame) + int(h.size) + int(h.size)/8 + 64<<10
	for {
		b, err := readInto(br, frame, 3)
		if err != nil {
			return false, io.ErrUnexpectedEOF
		}
		header := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
		last, kind, size := header&1 == 1, (header>>1)&3, int(header>>3)
		n := size
		switch {
		case kind == 3 || size > maxBlock:
			return false, nil
		case kind == 1: // RLE: one byte, repeated size times
			n = 1
		}
		if len(*frame)+n > limit {
			return false, nil
		}
		if _, err := readInto(br, frame, n); err != nil {
			return false, io.ErrUnexpectedEOF
		}
		if last {
			break
		}
	}
	if h.checksum {
		if _, err := readInto(br, frame, 4); err != nil {
			return false, io.ErrUnexpectedEOF
		}
	}
	return true, nil
}

// readInto appends n bytes from br to frame and returns them. At a clean end of input
// (nothing read) it returns io.EOF, part way io.ErrUnexpectedEOF, as io.ReadFull does.
func readInto(br *bufio.Reader, frame *[]byte, n int) ([]byte, error) {
	start := len(*frame)
	*frame = slices.Grow(*frame, n)[:start+n]
	got, err := io.ReadFull(br, (*frame)[start:])
	*frame = (*frame)[:start+got]
	return (*frame)[start:], err
}

func (z *zstdReader) Read(p []byte) (int, error) {
	for len(z.cur) == 0 {
		switch {
		case z.stream != nil:
			return z.stream.Read(p)
		case z.err != nil:
			return 0, z.err
		}
		if z.curBuf != nil {
			frameBuffers.Put(z.curBuf)
			z.curBuf = nil
		}
		res, ok := <-z.results
		switch {
		case !ok:
			z.err = io.EOF
		case res.rest != nil:
			z.streamed = true
			z.stream, z.err = zstd.NewReader(res.rest, zstd.WithDecoderMaxMemory(maxWindow), zstd.WithDecoderMaxWindow(maxWindow))
		default:
			<-res.ready
			if res.err != nil {
				z.err = fmt.Errorf("zstd: %w", res.err)
				continue
			}
			z.cur, z.curBuf = *res.out, res.out
		}
	}
	n := copy(p, z.cur)
	z.cur = z.cur[n:]
	return n, nil
}

// Close stops reading ahead and returns once nothing reads the layer any more, so the
// caller may go on reading it (to its end, to verify its digest). Frames being decoded
// finish on their own.
func (z *zstdReader) Close() error {
	select {
	case <-z.quit:
		return nil
	default:
		close(z.quit)
	}
	<-z.split
	if z.stream != nil {
		z.stream.Close()
	}
	return nil
}
